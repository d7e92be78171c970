"""The runs of one experiment that are not (yet) in the cache: launching one, its live progress and Stop,
and why an ended one ended, with Run it again and Dismiss. Each run is its own process
(:mod:`bnviz.runs.jobs`); its progress file is the state every session shares."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bnviz.runs import cache, jobs
from bnviz.runs.request import RunRequest
from bnviz.runs.schema import ACTIVE, JobState
from bnviz.views import charts, describe, records
from bnviz.views.markdown import literal
from pages._data import cache_dir

ENDED: dict[JobState, str] = {
    "failed": "failed",
    "crashed": "crashed",
    "stopped": "was stopped",
    "invalid": "is unreadable",
}


def launch(request: RunRequest) -> None:
    """Start ``request`` in the background, unless it is already training; say why if it cannot start."""
    name, key = request.name, request.experiment().key()
    launched = st.session_state.get("launched", {}).get(name)
    if jobs.status(name, key, cache_dir()).active or (launched and launched[0] == key and jobs.pid_alive(launched[1])):
        st.warning("This configuration is already training (see above); a second copy would only slow it down.")
        return
    try:
        process = jobs.start(request, cache_dir())
    except jobs.AlreadyRunning:
        st.warning("This configuration is already training (see above); a second copy would only slow it down.")
        return
    except cache.CacheError as e:  # a read-only cache folder, or something not a file where its lock or log goes
        st.error(f"Could not start the run: {literal(e)}.")
        return
    st.session_state.setdefault("launched", {})[name] = (key, process.pid)
    st.session_state["toast"] = (
        "Training started in the background; its progress shows at the top of this tab.",
        ":material/play_arrow:",
    )
    st.rerun()


def _stop(job: jobs.JobStatus, key: str) -> None:
    """Stop pressed: the run stops now, or as soon as its process has started; or the page says it cannot."""
    if jobs.stop(job):
        st.session_state.setdefault("stopping", set()).add(key)
    else:
        st.session_state["toast"] = (
            "Could not stop this run: its process cannot be proven to be the run's (it may have just ended).",
            ":material/error:",
        )
    st.rerun()


@st.fragment(run_every=2)
def _live(name: str, key: str, pid: int | None = None) -> None:
    """Progress of a run in its own process, redrawn every 2 s from its progress file."""
    job = jobs.status(name, key, cache_dir())
    if not job.active and not (job.state == "none" and jobs.pid_alive(pid)):
        st.session_state.get("stopping", set()).discard(key)
        st.rerun()  # finished, stopped or crashed: redraw the whole page
    stopping = job.stopping or key in st.session_state.get("stopping", set())
    if job.state == "none":
        st.progress(0.0, text="Starting the training process…")
        return
    p, runs = job.progress or {}, (job.progress or {}).get("runs") or []
    note = ", stopping as soon as it can" if stopping else f", {job.message}" if job.message else ""
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
    if stopping:
        st.caption(
            "Stop was pressed: the run ends at its next check (a run still starting stops once it has loaded its data)."
        )
    elif st.button("Stop this run", key=f"stop-{key}", icon=":material/stop:"):
        _stop(job, key)


def _just_launched(name: str) -> None:
    """The run this session started: waiting for its progress file, finished, or gone without a trace."""
    key, pid = st.session_state.get("launched", {}).get(name, (None, None))
    if key is None:
        return
    state = jobs.status(name, key, cache_dir()).state
    if state == "none" and jobs.pid_alive(pid):
        _live(name, key, pid)
        return
    if state in ACTIVE:
        return  # its progress file speaks for it (below)
    st.session_state["launched"].pop(name)
    if state == "complete":
        st.session_state[f"pick-{name}"] = str(cache.result_path(cache_dir(), name, key))  # _results.pick_key
        st.session_state["toast"] = ("The run finished; its result is shown below.", ":material/check_circle:")
    elif state == "none":
        log = jobs.log_path(cache_dir(), name, key)
        tail = jobs.log_tail(cache_dir(), name, key)
        st.error(
            f"The training process ended before it reported any progress (log: {literal(log.name)} in the cache "
            "folder). Its last words are below; fix what they say and start it again."
        )
        if tail:
            st.code("\n".join(tail), language=None)


def panel(name: str) -> None:
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
                f" The full story is in {literal(log.name)} in the cache folder."
                if log.exists() and job.state == "failed"
                else ""
            )
            reason = literal((job.message or "no reason recorded").strip().splitlines()[0])
            st.error(f"A run ({what}) {ENDED.get(job.state, 'ended')}: {reason}.{where} Fix that, then start it again.")
            fallback = (job.progress or {}).get("result_fallback")
            if fallback:
                st.info(
                    "Its finished result could not be written to the cache folder and was saved here instead; "
                    "move the file into the cache folder to use it:"
                )
                st.code(str(fallback), language=None)
        request = jobs.rerun_request(job.progress, key) if job.progress else None
        row = st.container(horizontal=True)
        if request and row.button("Run it again", key=f"again-{key}", icon=":material/replay:"):
            launch(request)
        if row.button(
            "Dismiss",
            key=f"dismiss-{key}",
            icon=":material/close:",
            help="Forget this unfinished run: its progress file and log are deleted. Cached results stay.",
        ):
            _dismiss(name, key)


def _dismiss(name: str, key: str) -> None:
    try:
        jobs.dismiss(name, key, cache_dir())
    except cache.CacheError as e:  # a folder where the progress file or log should be: bnviz leaves it
        st.session_state["toast"] = (f"Could not dismiss it: {literal(e)}", ":material/error:")
    st.rerun()
