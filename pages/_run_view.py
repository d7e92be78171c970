"""How the Activations page draws one comparison, live or cached: the step slider, the probe mode, the
view options, each layer's input and gradients at one step, Figure 1(b,c) per arm, x̂ beside y, and the
curves (saturation, accuracy, loss, gradient norms, update:data ratios)."""

import streamlit as st

from bnviz.train import probes
from bnviz.views import activations, charts, drift, markdown, probe_charts, probe_modes, records
from bnviz.views.style import arm_norms, norm_color
from pages import _chart_specs, _downloads
from pages._layer_view import layer_views

LAYOUTS = {"overlay": "Overlaid", "side": "Side by side"}
AXES = {"linear": "Linear", "log": "Log (early steps)"}
MAX_LAYERS = 4  # per-layer charts drawn at once; a deeper network picks which


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


def view_controls(layers: list[str], key: str) -> tuple[str, bool, list[str]]:
    """(histogram layout, whether the step axes are logarithmic, the layers whose charts are drawn)."""
    left, middle, right = st.columns([1.8, 2, 3], vertical_alignment="bottom")
    layout = left.segmented_control(
        "Histograms", list(LAYOUTS), format_func=LAYOUTS.get, default="overlay", required=True, key=f"act_layout_{key}"
    )
    axis = middle.segmented_control(
        "Step axis",
        list(AXES),
        format_func=AXES.get,
        default="linear",
        required=True,
        key=f"act_axis_{key}",
        help="Log spreads out the early probes (steps 1, 2, 5, 10, ...), where most of the change happens.",
    )
    shown = layers
    if len(layers) > MAX_LAYERS:
        picked = right.multiselect(
            f"Layers drawn (up to {MAX_LAYERS})",
            layers,
            default=activations.spread(layers, MAX_LAYERS),
            max_selections=MAX_LAYERS,
            key=f"act_layers_{key}_{len(layers)}",
        )
        shown = [name for name in layers if name in picked] or activations.spread(layers, MAX_LAYERS)
    return layout, axis == "log", shown


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


def x_hat_view(runs, last: str, unit: int, nonlinearity: str, x_domain, log: bool, key: str, memo) -> None:
    """x̂ beside y for one arm with BN-like statistics (a choice when several have them)."""
    x_hat = probe_modes.x_hat_percentiles(runs, last)
    if x_hat.empty:
        st.caption("x̂, the BN unit before γ and β, was not recorded for this result.")
        return
    styles = activations.arm_styles(runs)
    arms = [a for a in styles if a in set(x_hat["arm"])]
    arm = arms[0] if len(arms) == 1 else st.selectbox("x̂ of the arm", arms, key=f"act_xhat_{key}")

    def build():
        chart = probe_charts.x_hat_bands(
            x_hat[x_hat["arm"] == arm],
            f"{arm}: unit {unit} before and after γ, β",
            f"Input to the {nonlinearity}",
            color=norm_color(*styles[arm]),
        )
        return charts.legend_below(charts.fit_width(probe_charts.step_axis(chart, x_domain, log)))

    _chart_specs.chart(st, (*memo, "x_hat", last, arm, log), build)
    st.caption(
        "x̂ is the unit normalized by the batch's mean and variance (training mode) or by the running "
        "averages (eval mode); y = γx̂ + β is what the nonlinearity gets. In training mode x̂ keeps "
        "median ≈ 0 and its band ≈ ±1 by construction; y moves only as γ and β learn."
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
    steps = activations.slider_steps(runs)
    layers = records.layer_names(runs[0]["records"])
    if not steps or not layers:
        st.info("No probe yet: the first histograms appear with the first record (step 0).")
        return
    # While training, download buttons would point at data replaced every second: offer them when it stops.
    csv = (
        (lambda *a: None)
        if running
        else (lambda df, name, label: _downloads.csv_download(df, name, label, key=f"{key}-{name}"))
    )
    nonlinearity = {"sigmoid": "sigmoid", "tanh": "tanh"}.get(activation, "ReLU")
    config = runs[0]["config"]
    mode = mode_control(runs, key)
    both_modes = {m: records.layer_stats(probe_modes.view(runs, m)) for m in probe_modes.recorded_modes(runs)}
    runs, stats = probe_modes.view(runs, mode), both_modes[mode]
    layout, log, shown = view_controls(layers, key)
    # what the charts show, for reusing their specs: the runs (and their records so far), the probe mode
    memo = (run_id, key, mode, tuple((r["arm"], r["seed"]) for r in runs))
    grown = (*memo, tuple(len(r["records"]) for r in curve_runs), log, tuple(shown))

    st.subheader("Each layer's input and weight gradients at one step")
    step = step_slider(steps, f"act_step_{key}", running, run_id)
    what = {"sigmoid": "Saturated", "tanh": "Saturated"}.get(activation, "Inactive (≤ 0)")
    with_grads = records.recorded(runs, "grad_hist")
    layer_views(runs, shown, step, edges, layout, nonlinearity, stats, what, memo, with_grads)
    if not with_grads:
        st.caption(
            "This result was recorded before bnviz kept gradient histograms and update:data ratios: train it "
            "again, or live, to see them."
        )
    gap = {m: activations.saturation_at(d, step) for m, d in both_modes.items()}
    for arm in probe_modes.eval_arms(runs) if len(gap) == 2 else []:
        pairs = [
            f"{name} {gap['train'][name][arm]:.0%} / {gap['eval'][name][arm]:.0%}"
            for name in shown
            if all(arm in g.get(name, {}) for g in gap.values())
        ]
        if pairs:
            st.caption(
                f"{markdown.literal(arm)} {what.lower()} at step {step:,}, training mode / eval mode: "
                + " · ".join(pairs)
            )
    st.caption(
        f"Each input histogram pools every unit of its layer over the {config['probe_size']:,} probe examples "
        f"(one value per unit and example{'' if config['model'] == 'mlp' else ' and position'}); values beyond "
        f"±{probes.HIST_RANGE:g} are counted in the end bins, so a tall first or last bin holds everything past it."
        + (
            " Each gradient histogram counts log10 |∂loss/∂W| of every weight feeding the layer's nonlinearity, on "
            "the mini-batch trained at that step, all layers on one x-range where the gradients are; the share of "
            f"exact zeros and values under 10^{probes.GRAD_LOG10_RANGE[0]:g} (left out) is under each chart."
            if with_grads
            else ""
        )
    )
    histograms_csv = lambda: activations.histograms_at(runs, layers, step, edges)
    csv(histograms_csv, f"histograms_step{step}.csv", "CSV: these histograms")

    last = layers[-1]
    title, relation = figure_title(config["model"], last, nonlinearity)
    st.subheader(title)
    pct = records.percentiles(runs, last)
    domain = activations.percentile_domain(pct)
    x_domain = [0, max(r["config"]["steps"] for r in runs)]  # the planned steps: the arms line up while training
    arms = list(arm_norms(pct)) or list(dict.fromkeys(run["arm"] for run in runs))  # legend order, by norm
    per_row = 3 if len(arms) == 3 else 2  # four panels in two rows of two: their axis titles fit
    columns = [col for i in range(0, len(arms), per_row) for col in st.columns(min(per_row, len(arms) - i))]
    for col, arm in zip(columns, arms):

        def bands(arm=arm):
            chart = charts.percentile_bands(pct, arm, domain, arm, subtitle="percentiles 15, 50 and 85")
            chart = charts.retitle_y(chart, f"Input to the {nonlinearity}")
            return charts.fit_width(probe_charts.step_axis(chart, x_domain, log))

        _chart_specs.chart(col, (*grown, "percentiles", arm), bands)
    st.caption(f"Unit {config['probe_unit']} of {last} on the fixed probe batch, all panels on one y-axis. {relation}")
    left, right = st.columns(2)
    with left:
        x_hat_view(runs, last, config["probe_unit"], nonlinearity, x_domain, log, key, grown)
    with right:
        st.markdown(
            f"**How far it moved**: the median and the 15–85th percentile band over the first "
            f"{drift.EARLY_FRACTION:.0%} of the steps {'so far ' if running else ''}and after"
        )
        both = pct[pct["step"] <= steps[-1]]  # a live arm one probe ahead would not compare with the others
        st.markdown("\n".join(f"- {sentence}" for sentence in drift.sentences(both)))
    csv(pct, f"percentiles_{last}.csv", "CSV: percentiles")

    st.subheader("Over the whole run")
    curves = records.curves(curve_runs)
    drawn = stats[stats["layer"].isin(shown)]

    def chart(col, name: str, build) -> None:
        chart = lambda: charts.fit_width(probe_charts.step_axis(build(), x_domain, log)).configure_legend(
            symbolOpacity=1
        )
        _chart_specs.chart(col, (*grown, name), chart)

    rows = [st.columns(2) for _ in range(3)]
    title = f"Test accuracy {accuracy_note}".strip()
    chart(rows[0][0], "accuracy", lambda: charts.accuracy(records.band(curves, "test_acc"), title=title))
    chart(rows[0][1], "loss", lambda: charts.loss(records.band(curves, "train_loss")))
    chart(rows[1][0], "saturation", lambda: charts.saturation(drawn, activation))
    chart(rows[1][1], "grad_norms", lambda: probe_charts.grad_norms(drawn))
    if with_grads:
        chart(rows[2][0], "update_ratios", lambda: probe_charts.update_ratios(drawn))
    else:
        rows[2][0].caption("Update:data ratios were not recorded for this result.")
    rows[2][1].markdown(
        "**Update:data ratio**: how far one optimizer step moves a layer's weights relative to their spread, "
        "log10(std(W after − W before) / std(W before)), measured on the step itself, so SGD, momentum and Adam "
        "compare; for plain SGD it is log10(lr · std(∂loss/∂W) / std(W)). Around −3 (the dashed line, a rule "
        "of thumb from Karpathy's makemore) each step moves the weights by about a thousandth: far below, the "
        "layer barely learns; far above, it is thrown around. Gradient norm: of each layer's weights, on the "
        "mini-batch trained at that step, on a log scale."
    )
    seeds = len({r["seed"] for r in curve_runs})
    if seeds > 1:
        st.caption(
            f"Accuracy and loss: mean over {seeds} seeds, the band spans the lowest and highest seed. "
            "The other charts show the chosen seed."
        )
    csv(stats, "layer_stats.csv", "CSV: saturation, mean, std, gradient norm and update ratio per layer")
    csv(curves, "curves.csv", "CSV: accuracy and loss")
    if running:
        st.caption("CSV downloads appear when training is paused, stopped or finished.")
