"""Home's background warm-up: it imports the other pages' modules and reads the cache folder once, so the
first page that lists the cache finds it read."""

from bnviz.runs import cache
from pages import _warm_up


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
