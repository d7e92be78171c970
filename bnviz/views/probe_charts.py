"""Charts of the probes beside :mod:`bnviz.views.charts`: gradient norms and update:data ratios per
layer, a BN unit before and after γ and β, and one step axis (range, linear or log) for panels that
must line up. Altair specs, no Streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd

from bnviz.views.charts import LAYER_DASH, STEP_AXIS, arm_scale
from bnviz.views.style import norm_color

BN_COLOR = norm_color("bnviz")

X_HAT_COLOR = "#7f7f7f"  # x̂: grey, beside BN's red y


def grad_norms(stats: pd.DataFrame) -> alt.Chart:
    """‖∂loss/∂W‖ of each layer's weights at the probe steps, one line per arm and layer (first seed)."""
    d = stats.dropna(subset=["grad_norm"])
    d = d[d["seed"] == d["seed"].min()] if len(d) else d
    return (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=alt.Y("grad_norm:Q", title="Weight-gradient norm (last mini-batch)", scale=alt.Scale(type="log")),
            color=alt.Color("arm:N", scale=arm_scale(d), title=None),
            strokeDash=alt.StrokeDash("layer:N", **LAYER_DASH),
            tooltip=["arm:N", "layer:N", alt.Tooltip("step:Q", format=","), alt.Tooltip("grad_norm:Q", format=".4g")],
        )
        .properties(title="Gradient norm per layer", height=260)
    )


UPDATE_RATIO_RULE = -3.0  # log10 of 1/1000: each step moves the weights by about a thousandth of their spread


def update_ratios(stats: pd.DataFrame) -> alt.LayerChart:
    """The update:data ratio log10(std(ΔW) / std(W)) of each layer's weights at the probe steps, one line
    per arm and layer (first seed), with a dashed rule at −3, the usual rule of thumb (Karpathy)."""
    d = stats.dropna(subset=["update_ratio"]) if "update_ratio" in stats else stats.iloc[0:0]
    d = d[d["seed"] == d["seed"].min()] if len(d) else d
    lines = (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=alt.Y(
                "update_ratio:Q", title="log10(std of the update / std of the weights)", scale=alt.Scale(zero=False)
            ),
            color=alt.Color("arm:N", scale=arm_scale(d), title=None),
            strokeDash=alt.StrokeDash("layer:N", **LAYER_DASH),
            tooltip=[
                "arm:N",
                "layer:N",
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip("update_ratio:Q", title="log10 ratio", format=".2f"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"y": [UPDATE_RATIO_RULE]}))
        .mark_rule(strokeDash=[6, 4], color="#555555")
        .encode(y="y:Q", tooltip=[alt.Tooltip("y:Q", title="rule of thumb")])
    )
    return alt.layer(lines, rule).properties(title="Update:data ratio per layer", height=260)


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
        "value:N",
        alt.Tooltip("step:Q", format=","),
        alt.Tooltip("p15:Q", format=".3f"),
        alt.Tooltip("p50:Q", format=".3f"),
        alt.Tooltip("p85:Q", format=".3f"),
    ]
    area = base.mark_area(opacity=0.15).encode(y=alt.Y("p15:Q", title=y_title), y2="p85:Q")
    mid = base.mark_line().encode(y=alt.Y("p50:Q", title=y_title), tooltip=tips)
    return alt.layer(area, mid).properties(title=title, height=260)


def with_x_domain(chart: alt.LayerChart, domain: list[float]) -> alt.LayerChart:
    """A copy of a layered chart whose x-axis spans ``domain``, e.g. both Figure 1(b,c) panels over the
    planned steps of a live run, whichever arm is ahead."""
    chart = chart.copy(deep=True)
    for layer in chart.layer:
        if layer.encoding.x is not alt.Undefined:
            layer.encoding.x.scale = alt.Scale(domain=domain)
    return chart


def step_axis(chart: alt.TopLevelMixin, domain: list[float], log: bool = False) -> alt.TopLevelMixin:
    """A copy of a chart over training steps whose x-axis spans ``domain`` and, with ``log``, is
    logarithmic: a symlog scale, so step 0 stays on the axis while steps 1, 2, 5, 10, ... spread out
    and the early probes are visible. Layers without an x encoding (a rule) are left alone."""
    chart = chart.copy(deep=True)
    ticks = [0] + [10**k for k in range(0, 7) if 10**k <= domain[1]] if log else alt.Undefined
    for layer in getattr(chart, "layer", None) or [chart]:
        x = layer.encoding.x if layer.encoding is not alt.Undefined else alt.Undefined
        if x is alt.Undefined:
            continue
        x.scale = alt.Scale(domain=domain, type="symlog" if log else "linear")
        if log:
            x.axis = alt.Axis(title=STEP_AXIS.title + ", log scale", format=",d", values=ticks)
    return chart
