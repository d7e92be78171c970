"""One experiment's panel, shared by the pages that show experiments: its runs in flight, its picked
cached result answer first (each section's title, answer and chart; where the numbers come from in an
expander at the end), and the run form.

``show(name)`` draws it; ``cache_problems()`` are the cache files that were ignored; ``toast()`` shows
a message a run left for the next rerun. Widget keys carry the experiment's name, so any number
of panels can share a page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bnviz import data, experiments
from bnviz.runs import cache, jobs
from bnviz.teach.experiment_links import section_id
from bnviz.views import charts, describe, records
from bnviz.views.markdown import literal
from pages import _results as results
from pages._data import cache_dir, data_badge, data_dir
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
        draw(shown.sections, shown.tag, source=shown.source, ids=ids)
    _provenance(shown.meta, experiments.get(shown.name).about)


# ------------------------------------------------------------------ training in the background
def _launch(name: str, key: str, args: list[str]) -> None:
    launched = st.session_state.get("launched", {}).get(name)
    if jobs.status(name, key, cache_dir()).active or (launched and launched[0] == key and jobs.pid_alive(launched[1])):
        st.warning("This configuration is already training (see above); a second copy would only slow it down.")
        return
    try:
        process = jobs.start(args, name, key, cache_dir())
    except jobs.AlreadyRunning:
        st.warning("This configuration is already training (see above); a second copy would only slow it down.")
        return
    st.session_state.setdefault("launched", {})[name] = (key, process.pid)
    st.session_state["toast"] = (
        "Training started in the background; its progress shows at the top of this tab.",
        ":material/play_arrow:",
    )
    st.rerun()


@st.fragment(run_every=2)
def _live(name: str, key: str, pid: int | None = None) -> None:
    """Progress of a run in its own process, redrawn every 2 s from its progress file."""
    job = jobs.status(name, key, cache_dir())
    if not job.active and not (job.state == "none" and jobs.pid_alive(pid)):
        st.rerun()  # finished, stopped or crashed: redraw the whole page
    if job.state == "none":
        st.progress(0.0, text="Starting the training process…")
        return
    p, runs = job.progress or {}, (job.progress or {}).get("runs") or []
    note = f", {job.message}" if job.message else ""
    st.progress(
        job.fraction(), text=literal(f"Training {describe.job_label(p)}: {job.fraction():.0%} ({job.state}{note})")
    )
    st.caption(
        literal(
            " · ".join(
                f"{r['arm']} seed {r['seed']}: {r['step']:,} of {r['steps']:,} steps ({r['status']})" for r in runs
            )
        )
    )
    acc = records.band(records.curves(runs), "test_acc") if runs else pd.DataFrame()
    if len(acc):
        st.altair_chart(charts.fit_width(charts.accuracy(acc, title="Test accuracy so far")), width="stretch")
    if st.button("Stop this run", key=f"stop-{key}", icon=":material/stop:"):
        jobs.stop(job)
        st.rerun()


def _just_launched(name: str) -> None:
    """The run this session started: waiting for its progress file, finished, or gone without a trace."""
    key, pid = st.session_state.get("launched", {}).get(name, (None, None))
    if key is None:
        return
    state = jobs.status(name, key, cache_dir()).state
    if state == "none" and jobs.pid_alive(pid):
        _live(name, key, pid)
        return
    if state in ("starting", "running"):
        return  # its progress file speaks for it (below)
    st.session_state["launched"].pop(name)
    if state == "complete":
        st.session_state[results.pick_key(name)] = str(cache.result_path(cache_dir(), name, key))
        st.session_state["toast"] = ("The run finished; its result is shown below.", ":material/check_circle:")
    elif state == "none":
        log = jobs.log_path(cache_dir(), name, key)
        tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
        st.error(
            f"The training process ended before it reported any progress (log: {log.name} in the cache folder). "
            "Its last words are below; fix what they say and start it again."
        )
        if tail:
            st.code("\n".join(tail), language=None)


def _job_panel(name: str) -> None:
    """Every run of this experiment not (yet) in the cache: live progress, or why it ended."""
    _just_launched(name)
    for key, job in jobs.unfinished(name, cache_dir()):
        if job.active:
            _live(name, key)
            continue
        what = literal(describe.job_label(job.progress or {}))
        if job.state == "invalid":
            st.warning(
                f"A progress file could not be read and is ignored: {literal(job.message)}. Dismiss it to clear it."
            )
        elif job.state == "stopped":
            st.warning(
                f"A run ({what}) was stopped at {job.fraction():.0%}. A stopped run is not a result; "
                "start it again to finish it."
            )
        else:  # the first line only: the runner's message may carry a traceback, which belongs in the log
            log = jobs.log_path(cache_dir(), name, key)
            where = (
                f" The full story is in {log.name} in the cache folder."
                if log.exists() and job.state == "failed"
                else ""
            )
            reason = literal((job.message or "no reason recorded").strip().splitlines()[0])
            st.error(f"A run ({what}) {job.state}: {reason}.{where} Fix that, then start it again.")
            fallback = (job.progress or {}).get("result_fallback")
            if fallback:
                st.info(
                    "Its finished result could not be written to the cache folder and was saved here instead; "
                    "move the file into the cache folder to use it:"
                )
                st.code(str(fallback), language=None)
        args = jobs.rerun_args(job.progress or {}, str(data_dir().resolve())) if job.state != "invalid" else None
        row = st.container(horizontal=True)
        if args and row.button("Run it again", key=f"again-{key}", icon=":material/replay:"):
            _launch(name, key, args)
        if row.button(
            "Dismiss",
            key=f"dismiss-{key}",
            icon=":material/close:",
            help="Forget this unfinished run: its progress file and log are deleted. Cached results stay.",
        ):
            jobs.dismiss(name, key, cache_dir())
            st.rerun()


def _run_form(name: str) -> None:
    exp = experiments.get(name)
    dataset = exp.arms[0].config.dataset
    real = data.available(dataset, data_dir())
    if not real:
        st.info(
            f"The real {NAMES[dataset]} files are not in the data folder ({data_dir()}). Put them there in "
            "torchvision's layout, point the sidebar's *Data folder* at them, or run "
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
        seeds = list(range(int(n_seeds)))
        target = experiments.resolve(name, int(steps), seeds, source == "synthetic")
        if jobs.status(name, target.key(), cache_dir()).state == "complete":
            st.info("This configuration is already in the cache: choose it in *Cached result* below.")
        else:
            _launch(name, target.key(), jobs.args_for(target, str(data_dir().resolve())))


def show(name: str) -> None:
    """The experiment's runs in flight, then its picked cached result answer first (or the form to train it)."""
    _job_panel(name)
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
