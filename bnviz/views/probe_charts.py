"""Charts of the probes beside :mod:`bnviz.views.charts`: gradient norms per layer, a BN unit before
and after γ and β, and one step range for panels that must line up. Altair specs, no Streamlit."""

from __future__ import annotations

import altair as alt
import pandas as pd

from bnviz.views.charts import STEP_AXIS, arm_scale
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
            strokeDash=alt.StrokeDash("layer:N", title="Layer"),
            tooltip=["arm:N", "layer:N", alt.Tooltip("step:Q", format=","), alt.Tooltip("grad_norm:Q", format=".4g")],
        )
        .properties(title="Gradient norm per layer", height=260)
    )


def x_hat_bands(df: pd.DataFrame, title: str, y_title: str = "Value") -> alt.Chart:
    """One BN unit over training (first seed): x̂, normalized by the batch (grey), and y = γx̂ + β (red),
    each as its 15–85th percentile band and median. ``df`` from :func:`bnviz.views.probe_modes.x_hat_percentiles`."""
    d = df[df["seed"] == df["seed"].min()] if len(df) else df
    color = alt.Color(
        "value:N",
        title=None,
        scale=alt.Scale(domain=["x̂", "y"], range=[X_HAT_COLOR, BN_COLOR]),
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
