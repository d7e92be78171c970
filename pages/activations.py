"""Activations while training: every layer's input distribution, with and without BN (Figure 1(b,c))."""

from pathlib import Path

import streamlit as st

from bnviz.runs import cache, live
from bnviz.train import probes
from bnviz.views import activations
from pages import _ui
from pages._run_view import draw

LIVE = "act_live"  # session_state key of the LiveComparison (a generator: never st.cache_* it)
LIVE_COUNT = "act_live_count"  # live runs started in this session: a new one resets the step slider
PAPER_RUN = "mnist-fig1"  # the cached result the page opens on: the paper's Figure 1 setting
TICK = 1.0  # seconds between two fragment reruns while training
BUDGET = 0.4  # seconds of training per rerun, so buttons and the slider stay responsive
SOURCES = ("Train live", "Open a cached run")

_ui.require_router()
st.title("Activations while training")
st.markdown(
    "Train the same network with and without Batch Normalization side by side and watch the input of every "
    "hidden layer's nonlinearity change, step by step, as the layers below it learn. The paper calls this "
    "change *internal covariate shift* and, in its Figure 1(b,c), shows one sigmoid's input moving less with "
    "BN than without; under the charts, the numbers say how far it moves in the run shown."
)


def live_controls() -> tuple[dict, bool]:
    """The live run's settings, and whether Start was pressed."""
    keep = dict(persist_state="session")  # survive a switch to the cached source or to another page
    with st.container(border=True):
        top, middle = st.columns([2.4, 0.8, 1.1]), st.columns([1.4, 2.1])
        model = top[0].selectbox(
            "Model", list(live.CHOICES), format_func=lambda m: live.CHOICES[m].label, key="act_model", **keep
        )
        choice = live.CHOICES[model]
        seed = top[1].number_input("Seed", 0, 9999, 0, key="act_seed", **keep)
        steps = top[2].number_input(
            "Steps",
            choice.min_steps,
            choice.max_steps,
            choice.steps,
            step=choice.min_steps,
            key=f"act_steps_{model}",
            help=f"{choice.min_steps:,} to {choice.max_steps:,}",
            **keep,
        )
        init_std = None
        if model == "mlp":
            init_std = middle[0].segmented_control(
                "Init std",
                live.INIT_STDS,
                default=choice.base.init_std,
                required=True,
                key="act_std",
                **keep,
                help="Std of the Gaussian initial weights. With 0.01 the network without BN sits on a plateau "
                "near chance for thousands of steps; with BN it does not.",
            )
        else:
            middle[0].caption("Init: torch's default (Kaiming-uniform)")
        lr = middle[1].select_slider("Learning rate", choice.lrs, value=choice.base.lr, key=f"act_lr_{model}", **keep)
        real = _ui.real_data_available(choice.dataset)
        synthetic = st.toggle(
            "Synthetic stand-in data (no download needed)", value=not real, key=f"act_synth_{model}", **keep
        )
        if model == "cnn":
            st.warning(
                f"The CNN is slow on a CPU: expect minutes per 100 steps, and Pause or Stop to answer only after "
                f"the current {live.probe_interval(model, int(steps))} steps. Test accuracy uses the first "
                f"{choice.test_size:,} test images."
            )
        if not (synthetic or real):
            st.info(
                f"No {choice.dataset.upper()} files in {_ui.data_dir()}: download them with "
                f"`python -m bnviz download {choice.dataset} --data-dir {_ui.data_dir()}`, set the data folder "
                "in the sidebar, or switch on synthetic data to train on a stand-in."
            )
        start = st.button(
            "Start training",
            type="primary",
            icon=":material/play_arrow:",
            key="act_start",
            disabled=not (synthetic or real),
        )
    return dict(model=model, seed=int(seed), steps=int(steps), lr=lr, init_std=init_std, synthetic=synthetic), start


def start_live(settings: dict) -> None:
    """Build the two generators; problems become messages, never tracebacks."""
    try:
        configs = live.live_configs(arms=live.DEFAULT_ARMS, **settings)
    except ValueError as e:
        st.error(f"These settings cannot train: {e}.")
        return
    data, problem = _ui.load_dataset(configs[0].dataset)
    if data is None:
        st.info(f"{problem}\n\nOr switch on synthetic data above to train on a stand-in.")
        return
    if LIVE in st.session_state:
        st.session_state[LIVE].stop()  # release the previous run's generators and models
    st.session_state[LIVE] = live.LiveComparison(configs, data, test_size=live.CHOICES[settings["model"]].test_size)
    st.session_state[LIVE_COUNT] = st.session_state.get(LIVE_COUNT, 0) + 1


def live_panel() -> None:
    """Draw the live run, then train it a little (a fragment: reruns every TICK seconds while training)."""
    lc: live.LiveComparison = st.session_state[LIVE]
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
    bar.progress(lc.fraction, text=f"**{lc.state.capitalize()}** · {steps} · {lc.train_seconds:.0f} s of training")
    if lc.error:
        st.error(f"{lc.error}. Change the settings above and start again.")
    elif lc.state == "stopped":
        st.warning("Stopped by you: the charts show what was trained before the stop.", icon=":material/stop_circle:")
    for run in lc.runs:
        if run["status"] == "diverged":
            st.error(
                f"{_ui.literal(run['arm'])} diverged at step {run['step']:,} (the loss became infinite): lower the learning rate."
            )
    _ui.data_badge(lc.info.data_label, lc.info.data_source)
    draw(
        lc.runs,
        lc.runs,
        lc.info.activation,
        lc.info.hist_edges,
        "live",
        running=lc.running,
        accuracy_note=f"on {lc.test_examples:,} test examples",
        run_id=f"live-{st.session_state.get(LIVE_COUNT, 0)}",
    )
    # Train after drawing: Streamlit greys out what a run has not redrawn yet, so this keeps the page crisp.
    was_running = lc.running
    lc.advance(BUDGET)
    if was_running and not lc.running:
        st.rerun()  # finished: draw the end state and turn the timer off


@st.cache_data(show_spinner=False, max_entries=8)
def cached_index(folder: str, listing: tuple) -> tuple[list[dict], list[str]]:
    """Results with histograms, and the files ignored; ``listing`` (names, sizes, mtimes) keys the cache."""
    scan = cache.scan(Path(folder))
    return activations.cached_choices(scan), scan.problems


@st.cache_data(show_spinner="Reading the cached run…", max_entries=4)
def cached_runs(path: str, mtime_ns: int) -> list[dict]:
    return cache.load_result(Path(path))["runs"]


def cached_entries() -> tuple[list[dict], list[str]]:
    folder = _ui.cache_dir()
    # Progress files change every second while an experiment runs; they are not results, so they are not in the key.
    files = (
        [p for p in sorted(folder.glob("*.json")) if not p.name.endswith(".progress.json")] if folder.is_dir() else []
    )
    return cached_index(str(folder), tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files))


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
            st.write("\n".join(f"- {p}" for p in problems))
    if not entries:
        st.info(
            f"No cached run with histograms in {_ui.cache_dir()}. Train one with `python -m bnviz run mnist-fig1` "
            "(or `--synthetic --steps 2000` for a quick one), or choose **Train live** above."
        )
        return
    entry, seed = cached_controls(entries)
    try:
        runs = cached_runs(entry["path"], entry["mtime_ns"])
    except (OSError, cache.CacheError) as e:
        st.error(f"Cannot read this result ({_ui.literal(str(e))}). Choose another one, or train it again.")
        return
    _ui.data_badge(entry["data"].get("label", "unknown data"), entry["data"].get("source", "unknown"))
    draw(
        [r for r in runs if r["seed"] == seed],
        runs,
        entry["activation"],
        probes.hist_edges(),
        "cached",
        run_id=entry["path"],
    )


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
    settings, start = live_controls()
    if start:
        start_live(settings)
    lc = st.session_state.get(LIVE)
    if lc is not None:
        st.fragment(run_every=TICK if lc.running else None)(live_panel)()
    else:
        st.caption("Press **Start training** to train both networks; the charts fill in as they learn.")
else:
    show_cached(entries, problems)
