"""One experiment's panel, shared by the pages that show experiments: its runs in flight
(``pages/_experiment_jobs.py``), the run form, and its cached results drawn through the sections its
module's ``analyze`` returns.

``show(name)`` draws it; ``cache_problems()`` are the cache files that were ignored; ``toast()`` shows
a message a run left for the next rerun. Widget keys carry the experiment's name, so any number
of panels can share a page.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from bnviz import data, experiments
from bnviz.runs import cache, jobs
from bnviz.runs.request import RunRequest
from bnviz.views import describe
from pages import _experiment_jobs as _jobs
from pages._sections import draw
from pages._ui import cache_dir, data_badge, data_dir, data_dir_text, literal

NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}


# ------------------------------------------------------------------ loading (cached on path and mtime)
@st.cache_data(show_spinner=False, max_entries=8)
def _scan(folder: str, fingerprint: tuple) -> tuple[dict, list]:
    """Per experiment, newest first: the metadata of each cached result; and the files that were ignored."""
    found = cache.scan(Path(folder))
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


def _cached() -> tuple[dict, list]:
    folder = cache_dir()
    return _scan(str(folder), cache.listing(folder))


# ------------------------------------------------------------------ drawing a cached result
def _provenance(meta: dict) -> None:
    data_badge(meta["label"], meta["source"])
    if meta["source"] == "non-official" and meta["dataset"] == "cifar10":
        st.caption(
            "This copy of CIFAR-10 was JPEG re-encoded, so test accuracy runs a little below what the "
            "official files give."
        )
    st.caption(literal(meta["line"]))
    st.code(meta["command"], language="bash")


def _result(name: str, entries: list[dict]) -> None:
    key = f"pick-{name}"
    paths = [e["path"] for e in entries]
    if st.session_state.get(key) not in paths:
        st.session_state[key] = next((e["path"] for e in entries if e["default"]), paths[0])
    if len(entries) > 1:
        st.selectbox(
            "Cached result", paths, key=key, format_func=lambda p: next(e["choice"] for e in entries if e["path"] == p)
        )
    meta = next(e for e in entries if e["path"] == st.session_state[key])
    _provenance(meta)
    try:
        sections = _sections(meta["path"], meta["mtime_ns"])
    except Exception as e:  # a file that changed or broke after the scan: say so, never a traceback
        st.warning(
            literal(f"ignored: {meta['path']}: cannot be drawn ({type(e).__name__}: {e})")
            + ". Delete it or run the experiment again."
        )
        return
    try:
        draw(sections, f"{name}-{meta['key']}", source=f"{meta['label']}; {meta['line']}")
    except Exception as e:  # the same, for what only drawing finds
        st.warning(literal(f"ignored: {meta['path']}: cannot be drawn ({type(e).__name__}: {e})"))


def _run_form(name: str) -> None:
    exp = experiments.get(name)
    dataset = exp.arms[0].config.dataset
    real = data.available(dataset, data_dir())
    if not real:
        st.info(
            f"The real {NAMES[dataset]} files are not in the data folder ({literal(data_dir())}). Put them there "
            "in torchvision's layout, point the sidebar's *Data folder* at them, or run "
            f"`python -m bnviz download {dataset}`. Until then you can train on synthetic data of the same "
            "shape, labelled as synthetic everywhere."
        )
    with st.form(f"run-{name}"):
        cols = st.columns(3)
        lengths = sorted({a.config.steps for a in exp.arms})
        steps = cols[0].number_input(
            "Training steps" if len(lengths) == 1 else "Training steps (the longest arm)",
            1,
            200_000,
            exp.steps,
            step=100,
        )
        n_seeds = cols[1].number_input("Seeds (0, 1, …)", 1, 5, len(exp.seeds))
        options = ["real", "synthetic"] if real else ["synthetic"]
        source = cols[2].radio(
            "Data",
            options,
            format_func=lambda o: f"real {NAMES[dataset]}" if o == "real" else "synthetic (offline demo)",
        )
        share = (
            ""
            if len(lengths) == 1
            else f" The arms run {lengths[0]:,} to {lengths[-1]:,} steps: each keeps its share of the longest arm's."
        )
        st.caption(
            f"{len(exp.arms)} runs per seed; they train in their own process on every core and keep going "
            f"while you browse other pages or reload.{share}"
        )
        go = st.form_submit_button("Run", type="primary", icon=":material/play_arrow:")
    if go:
        request = RunRequest(name, int(steps), tuple(range(int(n_seeds))), source == "synthetic", data_dir_text())
        if jobs.status(name, request.experiment().key(), cache_dir()).state == "complete":
            st.info("This configuration is already in the cache: choose it in *Cached result* below.")
        else:
            _jobs.launch(request)


def show(name: str) -> None:
    """The experiment's setup line, its runs in flight, and its cached result or the form to train it."""
    st.caption(experiments.get(name).about)
    _jobs.panel(name)
    entries = _cached()[0].get(name, [])
    if entries:
        with st.expander("Train another configuration"):
            _run_form(name)
        _result(name, entries)
    else:
        st.info(
            f"Nothing is cached for {experiments.get(name).tab} yet. Train it here, or from a terminal: "
            f"`python -m bnviz run {name}`."
        )
        _run_form(name)


def cache_problems() -> list[str]:
    """The cache files that were ignored, each as ``<file>: <reason>``."""
    return _cached()[1]


def toast() -> None:
    """The message a finished launch left for this rerun, if any."""
    if "toast" in st.session_state:
        text, icon = st.session_state.pop("toast")
        st.toast(text, icon=icon)
