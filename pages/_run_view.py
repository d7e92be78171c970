"""How the Activations page draws one comparison, live or cached: the step slider, the probe mode,
Figure 1(b,c) per model, histograms, saturation, gradient norms, x̂ beside y and the curves."""

import streamlit as st

from bnviz.train import probes
from bnviz.views import activations, charts, drift, probe_charts, probe_modes, records
from bnviz.views.style import arm_norms, norm_text_color
from pages import _ui


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
    steps = activations.slider_steps(runs)
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
    saturated = activations.saturation_at(stats, step)
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
    gap = {m: activations.saturation_at(d, step) for m, d in both_modes.items()}
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
    csv(activations.histograms_at(runs, layers, step, edges), f"histograms_step{step}.csv", "CSV: these histograms")

    last = layers[-1]
    title, relation = figure_title(config["model"], last, nonlinearity)
    st.subheader(title)
    pct = records.percentiles(runs, last)
    domain = activations.percentile_domain(pct)
    x_domain = [0, max(r["config"]["steps"] for r in runs)]  # the planned steps: both arms line up while training
    arms = list(arm_norms(pct)) or list(dict.fromkeys(run["arm"] for run in runs))  # legend order, by norm
    for col, arm in zip(st.columns(max(1, len(arms))), arms):
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
