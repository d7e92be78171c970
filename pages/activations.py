"""Activations while training: every layer's input distribution, with and without BN (Figure 1(b,c))."""

from pathlib import Path

import streamlit as st

from bnviz.runs import cache, live
from bnviz.train import probes
from bnviz.views import charts, drift, probe_charts, probe_modes, records
from bnviz.views.style import norm_text_color
from pages import _ui

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
        config = live.live_config(**settings)
    except ValueError as e:
        st.error(f"These settings cannot train: {e}.")
        return
    data, problem = _ui.load_dataset(config.dataset)
    if data is None:
        st.info(f"{problem}\n\nOr switch on synthetic data above to train on a stand-in.")
        return
    if LIVE in st.session_state:
        st.session_state[LIVE].stop()  # release the previous run's generators and models
    st.session_state[LIVE] = live.LiveComparison(config, data, test_size=live.CHOICES[settings["model"]].test_size)
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


def step_slider(steps: list[int], key: str, running: bool, run_id: str) -> int:
    """A slider over the probe steps; while training it can follow the newest step. It starts at the
    newest step whenever ``run_id`` (the run shown) changes."""
    if st.session_state.get(f"{key}-run") != run_id:
        st.session_state[f"{key}-run"] = run_id
        st.session_state.pop(key, None)
    if len(steps) < 2:
        st.caption(f"Step {steps[0]:,}, the only probe so far")
        return steps[0]
    options = dict(format_func=lambda s: f"{s:,}", help="Early steps (1, 2, 5, 10, ...) show the first moves.")
    slider, toggle = st.columns([4, 1.4], vertical_alignment="bottom") if running else (st.container(), None)
    # Following re-creates a disabled slider at the newest step on every rerun, instead of writing the step into a
    # keyed slider's state: a timer rerun can carry the browser's older value and would undo that write.
    if toggle and toggle.toggle(
        "Follow training",
        value=True,
        help="Show the newest step as it arrives",
        key=f"{key}-follow",
        on_change=st.session_state.pop,
        args=(key, None),
    ):
        return slider.select_slider("Training step", steps, value=steps[-1], disabled=True, **options)
    if st.session_state.get(key) not in steps:
        st.session_state[key] = steps[-1]
    return slider.select_slider("Training step", steps, key=key, **options)


def mode_control(runs: list[dict], key: str) -> str:
    """Which probes the charts show: BN on the probe batch's statistics (training mode) or on its running
    averages (eval mode); results cached before training-mode probes have only the second."""
    modes = probe_modes.recorded_modes(runs)
    if modes == (probe_modes.EVAL,):
        st.info(
            "This result was recorded before bnviz probed the BN network in training mode: its BN charts show "
            "eval mode (BN's running averages), not the network as it trains. Train it again for both views.",
            icon=":material/history:",
        )
        return probe_modes.EVAL
    mode = st.segmented_control(
        "BN normalizes the probe batch with",
        modes,
        format_func=probe_modes.LABELS.get,
        default=probe_modes.TRAIN,
        required=True,
        key=f"act_mode_{key}",
    )
    st.caption(
        "Training mode is the network that learns (the paper's $N^{tr}_{\\mathrm{BN}}$): each BN layer uses the probe batch's "
        "own mean and variance, and the probe moves nothing. Eval mode uses the running averages, as at "
        "inference; they trail the weights (momentum 0.1 from mean 0, variance 1), so early in training the "
        "two views differ most."
    )
    return mode


def figure_title(model: str, last: str, nonlinearity: str) -> tuple[str, str]:
    """The Figure 1(b,c) section's heading, and how this model relates to the paper's figure."""
    if model == "mlp":
        return (
            f"Figure 1(b,c): one {nonlinearity}'s input in {last}, the last hidden layer",
            "The paper draws this for the same network on MNIST over 50,000 steps.",
        )
    return (
        f"Figure 1(b,c)'s measurement on the CNN: one {nonlinearity}'s input in {last}",
        "The paper's Figure 1 is the MNIST network only; this applies its measurement to the CNN.",
    )


def draw(
    runs: list[dict],
    curve_runs: list[dict],
    activation: str,
    edges: list[float],
    key: str,
    running: bool = False,
    accuracy_note: str = "",
    run_id: str = "",
) -> None:
    """The page's views of runs of one seed (``curve_runs`` may hold more seeds, for the bands)."""
    steps = live.slider_steps(runs)
    layers = records.layer_names(runs[0]["records"])
    if not steps or not layers:
        st.info("No probe yet: the first histograms appear with the first record (step 0).")
        return
    # While training, download buttons would point at data replaced every second: offer them when it stops.
    csv = (
        (lambda *a: None)
        if running
        else (lambda df, name, label: _ui.csv_download(df, name, label, key=f"{key}-{name}"))
    )
    nonlinearity = "sigmoid" if activation == "sigmoid" else "ReLU"
    config = runs[0]["config"]
    mode = mode_control(runs, key)
    both_modes = {m: records.layer_stats(probe_modes.view(runs, m)) for m in probe_modes.recorded_modes(runs)}
    runs, stats = probe_modes.view(runs, mode), both_modes[mode]

    st.subheader("Each layer's input at one step")
    step = step_slider(steps, f"act_step_{key}", running, run_id)
    saturated = live.saturation_at(stats, step)
    norms = {run["arm"]: records.norm_of(run) for run in runs}  # each arm's colour follows its config's norm
    what = "Saturated" if activation == "sigmoid" else "Inactive (≤ 0)"
    cols = st.columns(len(layers) if len(layers) <= 3 else 2)
    for i, name in enumerate(layers):
        with cols[i % len(cols)]:
            st.markdown(
                f"**{_ui.literal(name)}** at step {step:,}"
            )  # not a Vega title: Streamlit's "fit" sizing clips those
            chart = charts.histogram(records.histogram(runs, name, step, edges), x_title=f"Input to the {nonlinearity}")
            st.altair_chart(charts.fit_width(chart).configure_legend(orient="bottom"), width="stretch")
            share = saturated.get(name, {})
            st.caption(
                f"{what}: "
                + " · ".join(
                    f":{norm_text_color(norms.get(arm, ''))}[{_ui.literal(arm)} {share[arm]:.0%}]"
                    for arm in norms
                    if arm in share
                )
            )
    gap = {m: live.saturation_at(d, step) for m, d in both_modes.items()}
    gaps = [
        f"{name} {gap['train'][name]['BN']:.0%} / {gap['eval'][name]['BN']:.0%}"
        for name in layers
        if len(gap) == 2 and all("BN" in g.get(name, {}) for g in gap.values())
    ]
    if gaps:
        st.caption(f"BN {what.lower()} at step {step:,}, training mode / eval mode: " + " · ".join(gaps))
    st.caption(
        f"Each histogram pools every unit of its layer over the {config['probe_size']:,} probe examples "
        f"(one value per unit and example{'' if config['model'] == 'mlp' else ' and position'}). Values beyond "
        f"±{probes.HIST_RANGE:g} are counted in the end bins, so a tall first or last bar holds everything past it."
    )
    csv(live.histograms_at(runs, layers, step, edges), f"histograms_step{step}.csv", "CSV: these histograms")

    last = layers[-1]
    title, relation = figure_title(config["model"], last, nonlinearity)
    st.subheader(title)
    pct = records.percentiles(runs, last)
    domain = live.percentile_domain(pct)
    x_domain = [0, max(r["config"]["steps"] for r in runs)]  # the planned steps: both arms line up while training
    for col, (arm, _) in zip(st.columns(2), live.ARMS):
        chart = charts.percentile_bands(pct, arm, domain, f"{arm}: 15th, 50th and 85th percentiles")
        chart = probe_charts.with_x_domain(charts.retitle_y(chart, f"Input to the {nonlinearity}"), x_domain)
        col.altair_chart(charts.fit_width(chart), width="stretch")
    st.caption(f"Unit {config['probe_unit']} of {last} on the fixed probe batch, both panels on one y-axis. {relation}")
    left, right = st.columns(2)
    with left:
        x_hat = probe_modes.x_hat_percentiles(runs, last)
        if x_hat.empty:
            st.caption("x̂, the BN unit before γ and β, was not recorded for this result.")
        else:
            chart = probe_charts.x_hat_bands(
                x_hat, f"BN: unit {config['probe_unit']} before and after γ, β", f"Input to the {nonlinearity}"
            )
            chart = charts.fit_width(probe_charts.with_x_domain(chart, x_domain)).configure_legend(orient="bottom")
            st.altair_chart(chart, width="stretch")
            st.caption(
                "x̂ is the unit normalized by the batch's mean and variance (training mode) or by the running "
                "averages (eval mode); y = γx̂ + β is what the nonlinearity gets. In training mode x̂ keeps "
                "median ≈ 0 and its band ≈ ±1 by construction; y moves only as γ and β learn."
            )
    with right:
        st.markdown(
            f"**How far it moved**: the median and the 15–85th percentile band over the first "
            f"{drift.EARLY_FRACTION:.0%} of the steps {'so far ' if running else ''}and after"
        )
        both = pct[pct["step"] <= steps[-1]]  # a live arm one probe ahead would not compare with the other
        st.markdown("\n".join(f"- {sentence}" for sentence in drift.sentences(both)))
    csv(pct, f"percentiles_{last}.csv", "CSV: percentiles")

    st.subheader("Over the whole run")
    curves = records.curves(curve_runs)
    top, bottom = st.columns(2), st.columns(2)
    top[0].altair_chart(charts.fit_width(charts.saturation(stats, activation)), width="stretch")
    title = f"Test accuracy {accuracy_note}".strip()
    top[1].altair_chart(
        charts.fit_width(charts.accuracy(records.band(curves, "test_acc"), title=title)), width="stretch"
    )
    bottom[0].altair_chart(charts.fit_width(charts.loss(records.band(curves, "train_loss"))), width="stretch")
    bottom[1].altair_chart(charts.fit_width(probe_charts.grad_norms(stats)), width="stretch")
    st.caption(
        "Gradient norm: of each layer's weights (the layer before its nonlinearity), on the mini-batch trained "
        "at that step, on a log scale."
    )
    seeds = len({r["seed"] for r in curve_runs})
    if seeds > 1:
        st.caption(
            f"Accuracy and loss: mean over {seeds} seeds, the band spans the lowest and highest seed. "
            "The other charts show the chosen seed."
        )
    csv(stats, "layer_stats.csv", "CSV: saturation, mean, std and gradient norm per layer")
    csv(curves, "curves.csv", "CSV: accuracy and loss")
    if running:
        st.caption("CSV downloads appear when training is paused, stopped or finished.")


@st.cache_data(show_spinner=False, max_entries=8)
def cached_index(folder: str, listing: tuple) -> tuple[list[dict], list[str]]:
    """Results with histograms, and the files ignored; ``listing`` (names, sizes, mtimes) keys the cache."""
    scan = cache.scan(Path(folder))
    return live.cached_choices(scan), scan.problems


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
