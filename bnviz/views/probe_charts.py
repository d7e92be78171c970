"""Charts of the probes beside :mod:`bnviz.views.charts`: gradient norms, update:data ratios and
saturation per layer (each line told apart by colour for its arm, dash and point shape for its layer,
and named at its end), test accuracy on an axis where 97.1% and 97.7% stand apart, a BN unit before
and after γ and β, and one step axis (range, linear or log) for panels that must line up. Altair specs,
no Streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd

from bnviz.views import charts
from bnviz.views.charts import LAYER_DASH, STEP_AXIS, arm_scale
from bnviz.views.style import norm_color

BN_COLOR = norm_color("bnviz")

X_HAT_COLOR = "#7f7f7f"  # x̂: grey, beside BN's red y


def by_layer(lines: alt.Chart, d: pd.DataFrame, y: alt.Y) -> tuple[alt.Chart, alt.Chart]:
    """``lines`` (one per arm and layer: colour for the arm, dash for the layer) with a point shape per
    layer too, and each line's layer named at its last point, in its arm's colour: lines that differ
    in dash alone are hard to tell apart on a projector. ``y`` is the lines' y encoding."""
    shaped = lines.encode(shape=alt.Shape("layer:N", title="Layer"))  # merges with the dash's legend (same title)
    last = (
        alt.Chart(d)
        .transform_joinaggregate(last="max(step)", groupby=["arm", "layer"])
        .transform_filter("datum.step == datum.last")
        .mark_text(align="right", dx=-7, dy=-8, fontSize=11)
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=y,
            color=alt.Color("arm:N", scale=arm_scale(d), legend=None),
            text=alt.Text("layer:N"),
        )
    )
    return shaped, last  # to layer with alt.layer (whose .layer would lose the data it hoists)


def grad_norms(stats: pd.DataFrame) -> alt.LayerChart:
    """‖∂loss/∂W‖ of each layer's weights at the probe steps, one line per arm and layer (first seed)."""
    d = stats.dropna(subset=["grad_norm"])
    d = d[d["seed"] == d["seed"].min()] if len(d) else d
    y = alt.Y("grad_norm:Q", title="Weight-gradient norm (last mini-batch)", scale=alt.Scale(type="log"))
    lines = (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(size=30))
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=y,
            color=alt.Color("arm:N", scale=arm_scale(d), title=None),
            strokeDash=alt.StrokeDash("layer:N", **LAYER_DASH),
            tooltip=[
                alt.Tooltip("arm:N"),
                alt.Tooltip("layer:N"),
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip("grad_norm:Q", format=".4g"),
            ],
        )
    )
    return charts.layer(*by_layer(lines, d, y), title="Gradient norm per layer", height=260)


def saturation(stats: pd.DataFrame, activation: str = "sigmoid") -> alt.LayerChart:
    """:func:`bnviz.views.charts.saturation` with each layer's point shape and name (:func:`by_layer`)."""
    lines = charts.saturation(stats, activation).copy(deep=True)
    lines.title = lines.height = alt.Undefined  # the layered chart's, below
    d = stats[stats["seed"] == stats["seed"].min()] if len(stats) else stats
    return charts.layer(*by_layer(lines, d, lines.encoding.y), title="Saturation per layer", height=260)


ACCURACY_TICKS = (0.9, 0.7, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001)  # error rates: 10% ... 99.9%
MIN_ERROR = 1e-4  # a perfect score is drawn at 99.99%: a log axis has no 0


def accuracy_close(band: pd.DataFrame, title: str = "Test accuracy") -> alt.LayerChart:
    """Mean test accuracy over seeds per arm (``band`` from :func:`bnviz.views.records.band`), its lowest to
    highest seed as a band, on an axis spaced by the error rate 1 − accuracy on a log scale: 90%, 99% and
    99.9% are equally far apart, so two arms at 97.1% and 97.7% stand apart where a 0-100% axis draws one
    line. Each arm's last mean is written at its end, to a tenth of a percent: the best arm's above its
    line, the next one's below, and so on, so the labels of two arms that end close sit either side of them."""
    d = band.assign(
        err=(1 - band["mean"]).clip(lower=MIN_ERROR),
        err_lo=(1 - band["hi"]).clip(lower=MIN_ERROR),
        err_hi=(1 - band["lo"]).clip(lower=MIN_ERROR),
    )
    scale = alt.Scale(type="log", reverse=True)
    axis = alt.Axis(values=list(ACCURACY_TICKS), labelExpr="format(1 - datum.value, '.3~p')")
    y_title = "Test accuracy (spaced by log error rate)"
    y = alt.Y("err:Q", title=y_title, scale=scale, axis=axis)
    color = alt.Color("arm:N", scale=arm_scale(d), title=None)
    base = alt.Chart(d).encode(x=alt.X("step:Q", axis=STEP_AXIS), color=color)
    area = base.mark_area(opacity=0.2).encode(
        y=alt.Y("err_hi:Q", scale=scale, axis=axis, title=y_title), y2=alt.Y2("err_lo:Q")
    )
    line = base.mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        y=y,
        tooltip=[
            alt.Tooltip("arm:N"),
            alt.Tooltip("step:Q", format=","),
            alt.Tooltip("mean:Q", title="mean acc", format=".2%"),
            alt.Tooltip("lo:Q", title="lowest seed", format=".2%"),
            alt.Tooltip("hi:Q", title="highest seed", format=".2%"),
            alt.Tooltip("seeds:Q"),
        ],
    )
    ends = (
        base.transform_joinaggregate(last="max(step)", groupby=["arm"])
        .transform_filter("datum.step == datum.last")
        .transform_window(rank="row_number()", sort=[alt.SortField("mean", order="descending")])
        .encode(y=y, text=alt.Text("mean:Q", format=".1%"), color=alt.Color("arm:N", scale=arm_scale(d), legend=None))
    )
    label = {"align": "right", "dx": -7, "fontSize": 12, "fontWeight": "bold"}
    above = ends.transform_filter("datum.rank % 2 == 1").mark_text(dy=-9, **label)
    below = ends.transform_filter("datum.rank % 2 == 0").mark_text(dy=11, **label)
    return charts.layer(area, line, above, below, title=title, height=320)


UPDATE_RATIO_RULE = -3.0  # log10 of 1/1000: each step moves the weights by about a thousandth of their spread


def update_ratios(stats: pd.DataFrame) -> alt.LayerChart:
    """The update:data ratio log10(std(ΔW) / std(W)) of each layer's weights at the probe steps, one line
    per arm and layer (first seed, :func:`by_layer`), with a dashed rule at −3, the usual rule of thumb
    (Karpathy)."""
    d = stats.dropna(subset=["update_ratio"]) if "update_ratio" in stats else stats.iloc[0:0]
    d = d[d["seed"] == d["seed"].min()] if len(d) else d
    y = alt.Y("update_ratio:Q", title="log10(std of the update / std of the weights)", scale=alt.Scale(zero=False))
    lines = (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(size=30))
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=y,
            color=alt.Color("arm:N", scale=arm_scale(d), title=None),
            strokeDash=alt.StrokeDash("layer:N", **LAYER_DASH),
            tooltip=[
                alt.Tooltip("arm:N"),
                alt.Tooltip("layer:N"),
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip("update_ratio:Q", title="log10 ratio", format=".2f"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"y": [UPDATE_RATIO_RULE]}))
        .mark_rule(strokeDash=[6, 4], color="#555555")
        .encode(y=alt.Y("y:Q"), tooltip=[alt.Tooltip("y:Q", title="rule of thumb")])
    )
    return charts.layer(*by_layer(lines, d, y), rule, title="Update:data ratio per layer", height=260)


def x_hat_bands(df: pd.DataFrame, title: str, y_title: str = "Value", color: str = BN_COLOR) -> alt.Chart:
    """One BN unit over training (first seed of one arm): x̂, normalized by the batch (grey), and
    y = γx̂ + β (the arm's colour, BN's red by default), each as its 15–85th percentile band and median.
    ``df`` from :func:`bnviz.views.probe_modes.x_hat_percentiles`, one arm's rows."""
    d = df[df["seed"] == df["seed"].min()] if len(df) else df
    color = alt.Color(
        "value:N",
        title=None,
        scale=alt.Scale(domain=["x̂", "y"], range=[X_HAT_COLOR, color]),
        legend=alt.Legend(labelExpr="datum.label == 'y' ? 'y = γx̂ + β' : 'x̂ (before γ, β)'"),
    )
    base = alt.Chart(d).encode(x=alt.X("step:Q", axis=STEP_AXIS), color=color)
    tips = [
        alt.Tooltip("value:N"),
        alt.Tooltip("step:Q", format=","),
        alt.Tooltip("p15:Q", format=".3f"),
        alt.Tooltip("p50:Q", format=".3f"),
        alt.Tooltip("p85:Q", format=".3f"),
    ]
    area = base.mark_area(opacity=0.15).encode(y=alt.Y("p15:Q", title=y_title), y2=alt.Y2("p85:Q"))
    mid = base.mark_line().encode(y=alt.Y("p50:Q", title=y_title), tooltip=tips)
    return charts.layer(area, mid, title=title, height=260)


def over_steps(
    chart: alt.TopLevelMixin, domain: list[float], log: bool = False, height: int | None = None, **legend
) -> alt.TopLevelMixin:
    """``chart`` over training steps as a page draws it: :func:`step_axis`, then the ``height`` given,
    :func:`bnviz.views.charts.fit_width` and ``configure_legend(**legend)``, set on ``chart`` itself, which is
    returned: build it for this call. (Altair's methods return copies, and each copy of a layered chart
    deep-copies every layer three times: copied, they took a third of a replay step.)"""
    chart = step_axis(chart, domain, log)
    if height:
        chart.height = height
    chart.autosize = charts.FIT_WIDTH
    if legend:
        chart.config = alt.Config() if chart.config is alt.Undefined else chart.config
        chart.config["legend"] = alt.LegendConfig(**legend)  # as configure_legend sets it
    return chart


def step_axis(chart: alt.TopLevelMixin, domain: list[float], log: bool = False) -> alt.TopLevelMixin:
    """``chart`` over training steps: its x-axis set to span ``domain`` and, with ``log``, to be
    logarithmic: a symlog scale, so step 0 stays on the axis while steps 1, 2, 5, 10, ... spread out
    and the early probes are visible. Layers without an x encoding (a rule) are left alone. Set on
    ``chart`` itself, which is returned (see :func:`over_steps`)."""
    ticks = [0] + [10**k for k in range(0, 7) if 10**k <= domain[1]] if log else alt.Undefined
    for layer in getattr(chart, "layer", None) or [chart]:
        x = layer.encoding.x if layer.encoding is not alt.Undefined else alt.Undefined
        if x is alt.Undefined:
            continue
        x.scale = alt.Scale(domain=domain, type="symlog" if log else "linear")
        if log:
            x.axis = alt.Axis(title=STEP_AXIS.title + ", log scale", format=",d", values=ticks)
    return chart
