"""Home's background warm-up: it imports the other pages' modules and reads the cache folder once, so the
first page that lists the cache finds it read; and the server settings that keep a page's drawing from
waiting on Streamlit's housekeeping."""

import tomllib
from pathlib import Path

from bnviz.runs import cache
from pages import _warm_up

ROOT = Path(__file__).resolve().parents[2]


def test_the_warm_up_reads_the_cache_folder_the_pages_then_share(tmp_path, monkeypatch):
    (tmp_path / "mnist-fig1-deadbeef00000000.json").write_text("{")  # one file, unusable: listed as a problem
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path))
    reads = []
    real = cache.scan
    monkeypatch.setattr(cache, "scan", lambda folder=None: reads.append(folder) or real(folder))
    cache._scan_of.cache_clear()
    _warm_up._import_all(("json",))
    assert len(reads) == 1
    shared = cache.scan_listed()  # what a page asks for next
    assert len(reads) == 1 and len(shared.problems) == 1


def test_a_failed_import_stops_the_warm_up_quietly(monkeypatch):
    reads = []
    monkeypatch.setattr(cache, "scan_listed", lambda: reads.append(1))
    _warm_up._import_all(("no_such_module_anywhere",))
    assert reads == []


def test_the_warm_up_imports_what_the_activations_page_draws_with():
    for name in ("bnviz.experiments", "pages._run_charts", "pages._replay", "streamlit.emojis"):
        assert name in _warm_up.WARM_UP


def test_the_server_neither_watches_every_module_nor_collects_garbage_after_each_run():
    """With torch imported, the file watcher walked thousands of modules on the server's event loop after every
    rerun, and the forced full garbage collection after each run went through every recorded run in memory:
    together they held a page's first chart back by seconds (docs/performance.md)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False
