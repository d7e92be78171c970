"""The cached results the experiment pages show: listed once per cache folder version, one picked per
experiment (kept for the session, set by a link), and its sections derived once per file version. Not a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from bnviz import experiments
from bnviz.runs import cache
from bnviz.views import describe
from bnviz.views.markdown import literal
from bnviz.views.sections import Section, verdicts_of
from bnviz.views.verdicts import Verdict
from pages._chart_specs import Recording
from pages._data import cache_dir


@st.cache_data(show_spinner=False, max_entries=8)
def _scan(folder: str, fingerprint: tuple) -> tuple[dict, list]:
    """Per experiment, newest first: the metadata of each cached result; and the files that were ignored."""
    found = cache.scan_listed(Path(folder))
    listing, problems = {}, list(found.problems)
    for name, entries in found.results.items():
        for path, payload in entries:
            try:
                listing.setdefault(name, []).append(describe.describe(path, payload, experiments.EXPERIMENTS.get(name)))
            except Exception as e:  # a file the schema let through that this page still cannot describe
                problems.append(f"{path}: cannot be described ({type(e).__name__}: {e})")
    return listing, problems


@st.cache_data(show_spinner="Reading the cached result…", max_entries=32)
def _sections(path: str, mtime_ns: int) -> list:
    """The sections of one cached result, derived once per file version."""
    return experiments.sections(experiments.findings(cache.load_result(Path(path))))


def sections_of(meta: dict) -> list[Section]:
    """The sections of the cached result ``meta`` describes (raises if the file broke after the scan)."""
    return _sections(meta["path"], meta["mtime_ns"])


def cached() -> tuple[dict, list]:
    """(experiment -> its cached results' metadata, newest first; the cache files that were ignored)."""
    folder = cache_dir()
    return _scan(str(folder), cache.listing(folder))


def entries(name: str) -> list[dict]:
    return cached()[0].get(name, [])


def pick_key(name: str) -> str:
    return f"pick-{name}"


def default_entry(name: str) -> dict | None:
    found = entries(name)
    return next((e for e in found if e["default"]), found[0]) if found else None


def pick(name: str, key: str | None) -> None:
    """Pick experiment ``name``'s cached result of cache key ``key`` (None: its default) for this session."""
    found = entries(name)
    chosen = next((e for e in found if e["key"] == key), None) or default_entry(name)
    if chosen is not None:
        st.session_state[pick_key(name)] = chosen["path"]


def picked(name: str) -> dict | None:
    """The metadata of the result this session shows for ``name`` (its default at first), or None if none is cached."""
    found = entries(name)
    paths = [e["path"] for e in found]
    if not found:
        return None
    if st.session_state.get(pick_key(name)) not in paths:
        st.session_state[pick_key(name)] = default_entry(name)["path"]
    return next(e for e in found if e["path"] == st.session_state[pick_key(name)])


def picker(name: str) -> None:
    """The choice between ``name``'s cached results, where it has more than one."""
    found = entries(name)
    if len(found) > 1:
        picked(name)
        st.selectbox(
            "Cached result",
            [e["path"] for e in found],
            key=pick_key(name),
            format_func=lambda p: next(e["choice"] for e in found if e["path"] == p),
            persist_state="session",
        )


@dataclass(frozen=True)
class Shown:
    """An experiment as a page shows it: its picked result and that result's sections, or why there are none."""

    name: str
    meta: dict | None = None  # None: nothing cached (or quoted numbers, not a result)
    sections: list[Section] = field(default_factory=list)
    problem: str = ""  # why the picked result could not be drawn (Markdown, escaped)
    quoted: str = ""  # quoted numbers, not a run of ours: where they are quoted from

    @property
    def tag(self) -> str:
        """Keeps widget keys apart between results."""
        return f"{self.name}-{self.meta['key']}" if self.meta else self.name

    @property
    def recording(self) -> Recording | None:
        """The picked result's file as it is now: its charts' specs are kept under it (pages/_chart_specs.py)."""
        return Recording(self.meta["path"], self.meta["mtime_ns"]) if self.meta else None

    @property
    def source(self) -> str:
        return f"{self.meta['label']}; {self.meta['line']}" if self.meta else self.quoted


def shown(name: str, key: str | None = None) -> Shown:
    """``name`` with the result this session picked, or (``key``) with the cached result of that key if there is one."""
    meta = next((e for e in entries(name) if e["key"] == key), None) if key else None
    meta = meta or picked(name)
    if meta is None:
        return Shown(name)
    try:
        return Shown(name, meta, sections_of(meta))
    except Exception as e:  # a file that changed or broke after the scan: say so, never a traceback
        problem = literal(
            f"{Path(meta['path']).name} could not be drawn ({type(e).__name__}: {e}). "
            "Delete it or run the experiment again."
        )
        return Shown(name, meta, problem=problem)


@st.cache_data(show_spinner=False, max_entries=32)
def _verdicts(path: str, mtime_ns: int) -> list[Verdict]:
    """The verdicts of one cached result's findings (or, for an experiment not yet split into findings and
    sections, those its sections show), once per file version."""
    found = experiments.findings(cache.load_result(Path(path)))
    return list(found.verdicts) or verdicts_of(experiments.sections(found))


def verdicts(name: str) -> list[Verdict] | None:
    """The verdicts of ``name``'s picked result; None if nothing is cached or it cannot be read."""
    meta = picked(name)
    if meta is None:
        return None
    try:
        return _verdicts(meta["path"], meta["mtime_ns"])
    except Exception:  # the page that shows the experiment says why its file cannot be drawn
        return None
