"""Activations while training: every layer's input distribution and gradients, in up to four arms (Figure 1(b,c))."""

import time
from pathlib import Path

import streamlit as st

from bnviz.live import choices, comparison
from bnviz.runs import cache
from bnviz.train import probes
from bnviz.views import activations, markdown
from pages import _data, _ui
from pages._live_controls import live_controls
from pages._run_view import draw

LIVE = "act_live"  # session_state key of the LiveComparison (a generator: never st.cache_* it)
LIVE_COUNT = "act_live_count"  # live runs started in this session: a new one resets the step slider
PAPER_RUN = "mnist-fig1"  # the cached result the page opens on: the paper's Figure 1 setting
TICK = 1.0  # seconds between two fragment reruns while training
# Seconds of training per rerun: at least BUDGET and at least as long as drawing took (four arms' charts
# can take longer than their training), so training gets at least half the time; at most MAX_BUDGET, so
# buttons and the slider answer within about a second.
BUDGET, MAX_BUDGET = 0.4, 1.0
SOURCES = ("Train live", "Open a cached run")

_ui.require_router()
st.title("Activations while training")
st.markdown(
    "Train up to four versions of one network side by side on the same batches (without normalization, with BN "
    "before or after the nonlinearity, or with another normalizer) and watch the input of every hidden layer's "
    "nonlinearity, and the gradients of its weights, change step by step as the layers below it learn. The paper "
    "calls this change *internal covariate shift* and, in its Figure 1(b,c), shows one sigmoid's input moving "
    "less with BN than without; under the charts, the numbers say how far it moves in the run shown."
)


def start_live(configs: list, model: str) -> None:
    """Build one generator per arm; a missing dataset becomes a message, never a traceback."""
    data, problem = _data.load_dataset(configs[0].dataset)
    if data is None:
        st.info(f"{problem}\n\nOr switch on synthetic data above to train on a stand-in.")
        return
    if LIVE in st.session_state:
        st.session_state[LIVE].stop()  # release the previous run's generators and models
    st.session_state[LIVE] = comparison.LiveComparison(configs, data, test_size=choices.CHOICES[model].test_size)
    st.session_state[LIVE_COUNT] = st.session_state.get(LIVE_COUNT, 0) + 1


def live_panel() -> None:
    """Draw the live run, then train it a little (a fragment: reruns every TICK seconds while training)."""
    lc: comparison.LiveComparison = st.session_state[LIVE]
    started = time.perf_counter()
    bar, pause, stop = st.columns([5, 1.3, 1.3], vertical_alignment="bottom")
    if lc.state in ("running", "paused") and pause.button(
        "Pause" if lc.running else "Resume",
        key="act_pause",
        width="stretch",
        icon=":material/pause:" if lc.running else ":material/play_arrow:",
    ):
        (lc.pause if lc.running else lc.resume)()
        st.rerun()  # a full rerun registers this fragment again, with or without its timer
    if lc.state in ("running", "paused") and stop.button(
        "Stop", key="act_stop", width="stretch", icon=":material/stop:"
    ):
        lc.stop()
        st.rerun()
    steps = " · ".join(f"{r['arm']}: step {r['step']:,} of {r['steps']:,}" for r in lc.runs)
    rate = f" ({lc.steps_per_second:,.1f} steps/s, probes and evaluations included)" if lc.steps_per_second else ""
    bar.progress(
        lc.fraction, text=f"**{lc.state.capitalize()}** · {steps} · {lc.train_seconds:.0f} s of training{rate}"
    )
    if lc.error:
        st.error(f"{markdown.literal(lc.error)}. Change the settings above and start again.")
    elif lc.state == "stopped":
        st.warning("Stopped by you: the charts show what was trained before the stop.", icon=":material/stop_circle:")
    for run in lc.runs:
        if run["status"] == "diverged":
            st.error(
                f"{markdown.literal(run['arm'])} diverged at step {run['step']:,} (the loss became infinite): lower the learning rate."
            )
    _data.data_badge(lc.info.data_label, lc.info.data_source)
    draw(
        lc.runs,
        lc.runs,
        lc.info.activation,
        lc.info.hist_edges,
        "live",
        running=lc.running,
        accuracy_note=f"on the first {lc.test_examples:,} test images, every {lc.config.eval_every:,} steps",
        run_id=f"live-{st.session_state.get(LIVE_COUNT, 0)}",
    )
    # Train after drawing: Streamlit greys out what a run has not redrawn yet, so this keeps the page crisp.
    was_running = lc.running
    lc.advance(min(MAX_BUDGET, max(BUDGET, time.perf_counter() - started)))
    if was_running and not lc.running:
        st.rerun()  # finished: draw the end state and turn the timer off


@st.cache_data(show_spinner=False, max_entries=8)
def cached_index(folder: str, listing: tuple) -> tuple[list[dict], list[str]]:
    """Results with histograms, and the files ignored; ``listing`` (names, sizes, mtimes) keys the cache."""
    scan = cache.scan(Path(folder))
    choices, problems = [], list(scan.problems)
    for experiment, entries in scan.results.items():
        for path, payload in entries:  # one file at a time: one this page cannot use is that file's problem
            try:
                choices += activations.cached_choices(cache.Scan({experiment: [(path, payload)]}, []))
            except Exception as e:
                problems.append(f"{path}: cannot be listed ({type(e).__name__}: {e})")
    return sorted(choices, key=lambda e: e["created"], reverse=True), problems


@st.cache_data(show_spinner="Reading the cached run…", max_entries=4)
def cached_runs(path: str, mtime_ns: int) -> list[dict]:
    return cache.load_result(Path(path))["runs"]


def cached_entries() -> tuple[list[dict], list[str]]:
    folder = _data.cache_dir()
    # Progress files change every second while an experiment runs; they are not results, so they are not in the key.
    return cached_index(str(folder), cache.listing(folder))


def cached_controls(entries: list[dict]) -> tuple[dict, int]:
    c = st.columns([4, 1])
    labels = {e["label"]: e for e in entries}
    # Open on the paper's MNIST run (the newest one) rather than whatever was cached last.
    first = next((i for i, e in enumerate(entries) if e["experiment"] == PAPER_RUN), 0)
    entry = labels[
        c[0].selectbox("Cached result", list(labels), index=first, key="act_result", persist_state="session")
    ]
    seed = c[1].selectbox("Seed", entry["seeds"], key=f"act_seed_{entry['path']}", persist_state="session")
    return entry, seed


def show_cached(entries: list[dict], problems: list[str]) -> None:
    if problems:
        with st.expander(f"{len(problems)} cache file(s) ignored"):
            st.markdown("\n".join(f"- ignored: {markdown.literal(p)}" for p in problems))
    if not entries:
        st.info(
            f"No cached run with histograms in {markdown.literal(_data.cache_dir())}. Train one with "
            "`python -m bnviz run mnist-fig1` (or `--synthetic --steps 2000` for a quick one), or choose "
            "**Train live** above."
        )
        return
    entry, seed = cached_controls(entries)
    try:
        runs = cached_runs(entry["path"], entry["mtime_ns"])
    except (OSError, cache.CacheError) as e:
        st.error(f"Cannot read this result ({markdown.literal(str(e))}). Choose another one, or train it again.")
        return
    _data.data_badge(entry["data"].get("label", "unknown data"), entry["data"].get("source", "unknown"))
    try:
        draw(
            [r for r in runs if r["seed"] == seed],
            runs,
            entry["activation"],
            probes.hist_edges(),
            "cached",
            run_id=entry["path"],
        )
    except Exception as e:  # a file the schema let through that still cannot be drawn: that file's problem only
        st.warning(markdown.literal(f"ignored: {entry['path']}: cannot be drawn ({type(e).__name__}: {e})"))


entries, problems = cached_entries()
default = SOURCES[1] if entries and LIVE not in st.session_state else SOURCES[0]
source = st.segmented_control(
    "Source",
    SOURCES,
    default=default,
    required=True,
    key="act_source",
    persist_state="session",
    label_visibility="collapsed",
)
if source == SOURCES[0]:
    configs, model, start = live_controls()
    if start and configs:
        start_live(configs, model)
    lc = st.session_state.get(LIVE)
    if lc is not None:
        st.fragment(run_every=TICK if lc.running else None)(live_panel)()
    else:
        st.caption("Press **Start training** to train every arm; the charts fill in as they learn.")
else:
    show_cached(entries, problems)
