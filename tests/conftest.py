"""Fixtures and settings shared by the tests: the page tests' cache folders, one torch thread per xdist worker,
what AppTest keeps across tests, and no live run left training after its test."""

import gc
import os
import sys

import harness
import pytest
from harness import scaled
from streamlit.runtime.scriptrunner.script_cache import ScriptCache

# Keep what Python compiles, even where PYTHONDONTWRITEBYTECODE is set (as on the project's machine): without it,
# each xdist worker compiled bnviz and pages again and pytest rewrote every test module's assertions again, on
# every run (4.3 s per worker for the test modules alone). The files go where Python puts them, in __pycache__
# folders beside the sources, which git ignores.
sys.dont_write_bytecode = False


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty cache folder for this test, and a data folder without real datasets."""
    (tmp_path / "cache").mkdir()
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "cache"


@pytest.fixture(scope="session")
def shipped_folder(tmp_path_factory):
    """The shipped results (tests/shipped.py), copied once per test process. Every page test that reads them
    reads this one folder, so the pages' cached scan and sections of each file serve them all, as they serve
    every session of a server: a folder per test file read, checked and analysed the 11 MB again for each."""
    from shipped import shipped_cache

    return shipped_cache(tmp_path_factory.mktemp("shipped"))


@pytest.fixture
def shipped(shipped_folder, tmp_path, monkeypatch):
    """The shipped results as the cache folder, and a data folder without real datasets."""
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(shipped_folder))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    return shipped_folder


@pytest.fixture(autouse=True)
def no_training_left_behind():
    """After each test, stop the live runs it started (a page test leaves them to the server's clean-up)."""
    yield
    background = sys.modules.get("bnviz.live.background")
    if background is not None:
        background.stop_all(timeout=scaled(60))


def pytest_configure(config):
    """Share the cores fairly between pytest-xdist's workers, let ``AppTest`` keep what the server keeps, and
    tell the property tests whether this is the fast loop (``harness.examples``)."""
    _share_the_cores()
    _keep_across_app_tests()
    harness.fast_loop = "not slow" in (config.getoption("markexpr") or "")


def pytest_collection_finish(session):
    """Freeze what collection made (the imported modules, the collected tests): it lives to the end of the run.

    Python's full collections walked all of it again and again, about 500,000 objects in each worker: 7.8 s of
    collector time per worker over the fast tests, 6.2 s with it frozen (``gc.callbacks`` timing)."""
    gc.collect()
    gc.freeze()


def _share_the_cores():
    """Each of xdist's workers runs torch on cores / workers threads (one on the 2-core machine).

    Torch starts a thread per core in every process: two workers on two cores ran four threads, and a torch
    thread that waits for a busy core slows the whole operation many-fold (the live tests took 17 s instead
    of 6 s). Set before the tests import torch, so the processes they start inherit it, as a user's own
    ``OMP_NUM_THREADS`` would be kept."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        threads = max(1, (os.cpu_count() or 1) // workers)
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


def _keep_across_app_tests():
    """Let ``AppTest`` keep, across tests, the two things the server keeps for its whole life.

    - The installed packages' Streamlit components: the server scans them once, when its runtime starts; every
      new ``AppTest`` scanned them again, reading each package's metadata (9% of the page tests' time).
    - The pages' compiled code: the server compiles a page once; every ``AppTest`` run compiled each page it
      showed again, with Streamlit's "magic" rewrite (6%). Here the code is kept per version of the file.
    """
    import functools

    from streamlit.components.v2 import manifest_scanner
    from streamlit.testing.v1 import app_test

    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)
    app_test.ScriptCache = _ScriptCacheAcrossTests


class _ScriptCacheAcrossTests(ScriptCache):
    """A script's bytecode, compiled once per process for each (path, modification time, size) of the file."""

    _compiled: dict = {}

    def get_bytecode(self, script_path):
        stat = os.stat(script_path)
        key = (os.path.abspath(script_path), stat.st_mtime_ns, stat.st_size)
        if key not in self._compiled:
            self._compiled[key] = super().get_bytecode(script_path)
        return self._compiled[key]
