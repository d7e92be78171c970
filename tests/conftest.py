"""Fixtures shared by the page tests."""

import pytest


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty cache folder for this test, and a data folder without real datasets."""
    (tmp_path / "cache").mkdir()
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "cache"
