"""One experiment's panel, shared by the pages that show experiments: its runs in flight, its picked
cached result answer first (each section's title, answer and chart; where the numbers come from in an
expander at the end), and the run form. Runs in flight are ``pages/_experiment_jobs.py``'s.

``show(name)`` draws it; ``cache_problems()`` are the cache files that were ignored; ``toast()`` shows
a message a run left for the next rerun. Widget keys carry the experiment's name, so any number
of panels can share a page.
"""

from __future__ import annotations

import streamlit as st

from bnviz import data, experiments
from bnviz.runs import jobs
from bnviz.runs.request import RunRequest
from bnviz.teach.experiment_links import section_id
from bnviz.views.markdown import literal
from pages import _experiment_jobs as _jobs
from pages import _results as results
from pages._data import cache_dir, data_badge, data_dir, data_dir_text
from pages._sections import draw

NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}


# ------------------------------------------------------------------ drawing a cached result
def _provenance(meta: dict, about: str) -> None:
    """Where the numbers come from: the setup, the data, the code and the command, behind one expander."""
    with st.expander(f"Where these numbers come from: {literal(meta['label'])}", icon=":material/info:"):
        st.caption(about)
        if meta["source"] == "synthetic":  # its warning already leads the result
            st.caption(f"Data: {literal(meta['label'])}")
        else:
            data_badge(meta["label"], meta["source"])
        if meta["source"] == "non-official" and meta["dataset"] == "cifar10":
            st.caption(
                "This copy of CIFAR-10 was JPEG re-encoded, so test accuracy runs a little below what the "
                "official files give."
            )
        st.caption(literal(meta["line"]))
        st.code(meta["command"], language="bash")


def _result(shown: results.Shown) -> None:
    """The picked result answer first: its sections, then where its numbers come from."""
    results.picker(shown.name)
    if shown.meta["source"] == "synthetic":  # a reader must see this before any number
        data_badge(shown.meta["label"], shown.meta["source"])
    if shown.problem:
        st.warning(shown.problem)
    else:
        ids = [section_id(shown.name, n) for n in range(1, len(shown.sections) + 1)]
        draw(shown.sections, shown.tag, source=shown.source, ids=ids, recording=shown.recording)
    _provenance(shown.meta, experiments.get(shown.name).about)


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
    """The experiment's runs in flight, then its picked cached result answer first (or the form to train it)."""
    _jobs.panel(name)
    shown = results.shown(name)
    if shown.meta is not None:
        _result(shown)
        with st.expander("Train another configuration", icon=":material/play_arrow:"):
            _run_form(name)
    else:
        st.caption(experiments.get(name).about)
        st.info(
            f"Nothing is cached for {experiments.get(name).tab} yet. Train it here, or from a terminal: "
            f"`python -m bnviz run {name}`."
        )
        _run_form(name)


def cache_problems() -> list[str]:
    """The cache files that were ignored, each as ``<file>: <reason>``."""
    return results.cached()[1]


def toast() -> None:
    """The message a finished launch left for this rerun, if any."""
    if "toast" in st.session_state:
        text, icon = st.session_state.pop("toast")
        st.toast(text, icon=icon)
