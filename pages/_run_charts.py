"""The Activations page's views of one comparison (a :class:`pages._run_view.RunView`): each layer's input
and gradients at one step, Figure 1(b,c) with x̂ beside y, and the curves over the run; :func:`draw` puts
them all on the page, :data:`SLIDES` one per slide of the presenter view (1280x720, large type)."""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from bnviz.train import probes
from bnviz.views import activations, charts, drift, markdown, probe_charts, probe_modes, records
from bnviz.views.style import arm_norms, norm_color
from pages import _chart_specs
from pages._layer_view import layer_views
from pages._run_view import RunView, StepControl


def figure_title(config: dict, last: str, nonlinearity: str) -> tuple[str, str]:
    """The Figure 1(b,c) section's heading, and how this run's network relates to the paper's figure."""
    if config["model"] == "mlp":
        papers = config.get("depth") == 3 and config.get("width") == 100 and nonlinearity == "sigmoid"
        return (
            f"Figure 1(b,c): one {nonlinearity}'s input in {last}, the last hidden layer",
            "The paper draws this for the same network on MNIST over 50,000 steps."
            if papers
            else "The paper draws this for its 3x100 sigmoid network on MNIST over 50,000 steps; this network differs.",
        )
    return (
        f"Figure 1(b,c)'s measurement on the CNN: one {nonlinearity}'s input in {last}",
        "The paper's Figure 1 is the MNIST network only; this applies its measurement to the CNN.",
    )


def step_captions(v: RunView) -> None:
    """Training mode beside eval mode at this step, and what the histograms pool."""
    gap = {m: activations.saturation_at(d, v.step) for m, d in v.both_modes.items()}
    for arm in probe_modes.eval_arms(v.runs) if len(gap) == 2 else []:
        pairs = [
            f"{name} {gap['train'][name][arm]:.0%} / {gap['eval'][name][arm]:.0%}"
            for name in v.shown
            if all(arm in g.get(name, {}) for g in gap.values())
        ]
        if pairs:
            st.caption(
                f"{markdown.literal(arm)} {v.saturated.lower()} at step {v.step:,}, training mode / eval mode: "
                + " · ".join(pairs)
            )
    st.caption(
        f"Each input histogram pools every unit of its layer over the {v.config['probe_size']:,} probe examples "
        f"(one value per unit and example{'' if v.config['model'] == 'mlp' else ' and position'}); values beyond "
        f"±{probes.HIST_RANGE:g} are counted in the end bins, so a tall first or last bin holds everything past it."
        + (
            " Each gradient histogram counts log10 |∂loss/∂W| of every weight feeding the layer's nonlinearity, on "
            "the mini-batch trained at that step, all layers on one x-range where the gradients are; the share of "
            f"exact zeros and values under 10^{probes.GRAD_LOG10_RANGE[0]:g} (left out) is under each chart."
            if v.with_grads
            else ""
        )
    )


def percentiles(v: RunView) -> pd.DataFrame:
    """Figure 1(b,c)'s percentiles of one unit of the last hidden layer, per arm, seed and step."""
    return v.derived("percentiles", lambda: records.percentiles(v.runs, v.layers[-1]))


def curves(v: RunView) -> pd.DataFrame:
    """Every seed's test accuracy and training loss over the run."""
    return v.derived("curves", lambda: records.curves(v.curve_runs))


def bands(v: RunView, height: int | None = None) -> None:
    """Figure 1(b,c): one panel per arm, all on one y-axis."""
    pct = percentiles(v)
    domain = activations.percentile_domain(pct)
    arms = list(arm_norms(pct)) or list(dict.fromkeys(run["arm"] for run in v.runs))  # legend order, by norm
    per_row = 3 if len(arms) == 3 else 2  # four panels in two rows of two: their axis titles fit
    columns = [col for i in range(0, len(arms), per_row) for col in st.columns(min(per_row, len(arms) - i))]
    for col, arm in zip(columns, arms):

        def build(arm=arm):
            subtitle, y_title = "percentiles 15, 50 and 85", f"Input to the {v.nonlinearity}"
            chart = charts.percentile_bands(pct, arm, domain, arm, subtitle=subtitle, y_title=y_title)
            return probe_charts.over_steps(chart, v.x_domain, v.log, height)

        _chart_specs.chart(col, (*v.grown, "percentiles", arm, height), build)


def x_hat_view(v: RunView) -> None:
    """x̂ beside y for one arm with BN-like statistics (a choice when several have them)."""
    last, unit = v.layers[-1], v.config["probe_unit"]
    x_hat = probe_modes.x_hat_percentiles(v.runs, last)
    if x_hat.empty:
        st.caption("x̂, the BN unit before γ and β, was not recorded for this result.")
        return
    styles = activations.arm_styles(v.runs)
    arms = [a for a in styles if a in set(x_hat["arm"])]
    arm = arms[0] if len(arms) == 1 else st.selectbox("x̂ of the arm", arms, key=f"act_xhat_{v.key}")

    def build():
        chart = probe_charts.x_hat_bands(
            x_hat[x_hat["arm"] == arm],
            f"{arm}: unit {unit} before and after γ, β",
            f"Input to the {v.nonlinearity}",
            color=norm_color(*styles[arm]),
        )
        return probe_charts.over_steps(chart, v.x_domain, v.log, **charts.LEGEND_BELOW)

    _chart_specs.chart(st, (*v.grown, "x_hat", last, arm), build)
    st.caption(
        "x̂ is the unit normalized by the batch's mean and variance (training mode) or by the running "
        "averages (eval mode); y = γx̂ + β is what the nonlinearity gets. In training mode x̂ keeps "
        "median ≈ 0 and its band ≈ ±1 by construction; y moves only as γ and β learn."
    )


def curve(v: RunView, where, name: str, build, height: int | None = None) -> None:
    """A chart over the run on the shared step axis."""

    def chart():
        return probe_charts.over_steps(build(), v.x_domain, v.log, height, symbolOpacity=1)

    _chart_specs.chart(where, (*v.grown, name, height), chart)


def accuracy(v: RunView, where, height: int | None = None) -> None:
    title = f"Test accuracy {v.accuracy_note}".strip()
    curve(
        v,
        where,
        "accuracy",
        lambda: probe_charts.accuracy_close(records.band(curves(v), "test_acc"), title=title),
        height,
    )


def loss(v: RunView, where, height: int | None = None) -> None:
    curve(v, where, "loss", lambda: charts.loss(records.band(curves(v), "train_loss")), height)


def drawn(v: RunView):
    return v.stats[v.stats["layer"].isin(v.shown)]


UPDATE_RATIO_TEXT = (
    "**Update:data ratio**: how far one optimizer step moves a layer's weights relative to their spread, "
    "log10(std(W after − W before) / std(W before)), measured on the step itself, so SGD, momentum and Adam "
    "compare; for plain SGD it is log10(lr · std(∂loss/∂W) / std(W)). Around −3 (the dashed line, a rule "
    "of thumb from Karpathy's makemore) each step moves the weights by about a thousandth: far below, the "
    "layer barely learns; far above, it is thrown around. Gradient norm: of each layer's weights, on the "
    "mini-batch trained at that step, on a log scale."
)
ACCURACY_AXIS = (
    "The accuracy axis is spaced by the error rate (1 − accuracy) on a log scale, so 90%, 99% and 99.9% are "
    "equally far apart and two arms a few tenths of a point apart stay apart; each arm's last value is written at "
    "its end."
)


def draw(v: RunView, step_control: StepControl) -> None:
    """Every view, one after another (the page's normal view)."""
    st.subheader("Each layer's input and weight gradients at one step")
    v.step = step_control(v.steps)
    layer_views(v)
    if not v.with_grads:
        st.caption(
            "This result was recorded before bnviz kept gradient histograms and update:data ratios: train it "
            "again, or live, to see them."
        )
    step_captions(v)
    v.csv(
        lambda: activations.histograms_at(v.runs, v.layers, v.step, v.edges),
        f"histograms_step{v.step}.csv",
        "CSV: these histograms",
    )

    last = v.layers[-1]
    title, relation = figure_title(v.config, last, v.nonlinearity)
    st.subheader(title)
    bands(v)
    st.caption(
        f"Unit {v.config['probe_unit']} of {last} on the fixed probe batch, all panels on one y-axis. {relation}"
    )
    left, right = st.columns(2)
    with left:
        x_hat_view(v)
    with right:
        st.markdown(
            f"**How far it moved**: the median and the 15–85th percentile band over the first "
            f"{drift.EARLY_FRACTION:.0%} of the steps {'so far ' if v.running else ''}and after"
        )
        pct = percentiles(v)
        both = pct[pct["step"] <= v.steps[-1]]  # a live arm one probe ahead would not compare with the others
        st.markdown("\n".join(f"- {sentence}" for sentence in drift.sentences(both)))
    v.csv(percentiles(v), f"percentiles_{last}.csv", "CSV: percentiles")

    st.subheader("Over the whole run")
    rows = [st.columns(2) for _ in range(3)]
    accuracy(v, rows[0][0])
    loss(v, rows[0][1])
    curve(v, rows[1][0], "saturation", lambda: probe_charts.saturation(drawn(v), v.activation))
    curve(v, rows[1][1], "grad_norms", lambda: probe_charts.grad_norms(drawn(v)))
    if v.with_grads:
        curve(v, rows[2][0], "update_ratios", lambda: probe_charts.update_ratios(drawn(v)))
    else:
        rows[2][0].caption("Update:data ratios were not recorded for this result.")
    rows[2][1].markdown(UPDATE_RATIO_TEXT)
    seeds = len({r["seed"] for r in v.curve_runs})
    st.caption(
        ACCURACY_AXIS
        + (
            f" Accuracy and loss: mean over {seeds} seeds, the band spans the lowest and highest seed. "
            "The other charts show the chosen seed."
            if seeds > 1
            else ""
        )
    )
    v.csv(v.stats, "layer_stats.csv", "CSV: saturation, mean, std, gradient norm and update ratio per layer")
    v.csv(curves(v), "curves.csv", "CSV: accuracy and loss")
    if v.running:
        st.caption("CSV downloads appear when training is paused, stopped or finished.")


# The presenter view: one idea per slide, each fitting 1280x720 with the sidebar closed (heights in pixels).
SLIDE_HEIGHT = 190


def slide_inputs(v: RunView) -> None:
    layer_views(v, grads=False, height=SLIDE_HEIGHT)


def slide_figure(v: RunView) -> None:
    bands(v, height=SLIDE_HEIGHT if len(v.runs) <= 3 else 140)
    st.caption(f"Unit {v.config['probe_unit']} of {v.layers[-1]} on the fixed probe batch: percentiles 15, 50 and 85.")


def slide_saturation(v: RunView) -> None:
    curve(v, st, "saturation", lambda: probe_charts.saturation(drawn(v), v.activation), SLIDE_HEIGHT + 60)


def slide_gradients(v: RunView) -> None:
    if not v.with_grads:
        st.info("This result was recorded before bnviz kept gradient histograms.", icon=":material/history:")
        curve(v, st, "grad_norms", lambda: probe_charts.grad_norms(drawn(v)), SLIDE_HEIGHT)
        return
    layer_views(v, inputs=False, height=SLIDE_HEIGHT - 40)


def slide_accuracy(v: RunView) -> None:
    left, right = st.columns(2)
    accuracy(v, left, SLIDE_HEIGHT + 40)
    loss(v, right, SLIDE_HEIGHT + 40)


@dataclass(frozen=True)
class Slide:
    title: str
    draw: Callable[[RunView], None]


SLIDES = (
    Slide("Each layer's input", slide_inputs),
    Slide("Figure 1(b,c): one unit's input over training", slide_figure),
    Slide("Saturation over training", slide_saturation),
    Slide("Each layer's weight gradients", slide_gradients),
    Slide("Test accuracy and training loss", slide_accuracy),
)
