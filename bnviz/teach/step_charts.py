"""The step-through page's before/after chart: a step's inputs (grey) and outputs (red) per feature."""

from __future__ import annotations

import altair as alt
import pandas as pd
from torch import Tensor

BEFORE_COLOR, AFTER_COLOR = "#7f7f7f", "#d62728"  # grey: a step's input; red: its output
TRUTH = "truth"  # strip_data's side of a value drawn as a dashed line, not a point


def strip_data(
    before: dict[str, Tensor],
    after: dict[str, Tensor],
    before_title: str,
    after_title: str,
    truth: dict[str, Tensor] | None = None,
) -> pd.DataFrame:
    """Long table for :func:`before_after_chart`: one row per value (per-row or per-feature tensors);
    ``truth`` (per feature) is drawn as a dashed line in the overlay layout."""
    records = []
    sides = ((before_title, "before", before), (after_title, "after", after), (after_title, TRUTH, truth or {}))
    for panel, side, named in sides:
        for name, t in named.items():
            t2 = t if t.dim() == 2 else t.unsqueeze(0)  # (n, d)
            for i, row in enumerate(t2.tolist()):
                for j, v in enumerate(row):
                    records.append(
                        {
                            "panel": panel,
                            "side": side,
                            "quantity": name,
                            "feature": f"f{j + 1}",
                            "row": f"i={i + 1}" if t.dim() == 2 else "per feature",
                            "value": v,
                        }
                    )
    return pd.DataFrame.from_records(records)


def before_after_chart(data: pd.DataFrame, layout: str, large: bool = False) -> alt.Chart:
    """A step's inputs (grey) and outputs (red), one lane per feature.

    ``layout``: "overlay" puts them in one panel per feature (each with its own x axis: a mean
    among the values it averages); "shared" and "independent" put inputs and outputs in two
    panels side by side, on one x axis (same units) or on two (the units change, as for x → x̂).
    ``large``: bigger panels, points and type, for a projector (the page's presenter view).
    """
    k = PRESENTER_SCALE if large else 1.0
    mark = {"filled": True, "size": 110 * k * k, "opacity": 0.75}
    encoding = dict(
        color=alt.Color(
            "side:N", scale=alt.Scale(domain=["before", "after"], range=[BEFORE_COLOR, AFTER_COLOR]), legend=None
        ),
        shape=alt.Shape(
            "side:N", scale=alt.Scale(domain=["before", "after"], range=["circle", "diamond"]), legend=None
        ),
        # Channel objects, not "field:type" strings: Altair parses strings against its schema (~10 ms each).
        tooltip=[
            alt.Tooltip("quantity:N"),
            alt.Tooltip("feature:N"),
            alt.Tooltip("row:N"),
            alt.Tooltip("value:Q", format=".4g"),
        ],
    )
    points = data[data["side"] != TRUTH]
    quantities = list(dict.fromkeys(points["quantity"]))
    if layout == "overlay":
        x = alt.X("value:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(tickCount=8))
        lanes = (
            alt.Chart()
            .transform_filter(alt.datum.side != TRUTH)
            .mark_point(**mark)
            .encode(x=x, y=alt.Y("quantity:N", title=None, sort=quantities), **encoding)
        )
        # A truth the values scatter around (e.g. the variance the batches are drawn from): a dashed line
        truth = (
            alt.Chart()
            .transform_filter(alt.datum.side == TRUTH)
            .mark_rule(color="black", strokeDash=[6, 4], strokeWidth=2)
            .encode(x=x, tooltip=[alt.Tooltip("quantity:N"), alt.Tooltip("value:Q", format=".4g")])
        )
        layered = alt.layer(lanes, truth, data=data) if (data["side"] == TRUTH).any() else lanes.properties(data=data)
        layered = layered.properties(width=round(640 * k), height=26 * len(quantities))  # lanes as tall: one screen
        header = alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")
        faceted = layered.facet(row=alt.Row("feature:N", title=None, header=header)).resolve_scale(x="independent")
        return _large_type(faceted) if large else faceted
    if len(quantities) > 2:  # e.g. ∂ℓ/∂γ and ∂ℓ/∂β in one panel: tell them apart by shape
        encoding["shape"] = alt.Shape("quantity:N", sort=quantities, legend=alt.Legend(title=None, orient="right"))
    panels = []
    for panel in dict.fromkeys(data["panel"]):
        d = data[data["panel"] == panel]
        panels.append(
            alt.Chart(d)
            .mark_point(**mark)
            .encode(
                x=alt.X("value:Q", title=panel, scale=alt.Scale(zero=False), axis=alt.Axis(tickCount=6)),
                y=alt.Y("feature:N", title="feature"),
                **encoding,
            )
            .properties(width=round(330 * k), height=round((34 * d["feature"].nunique() + 10) * k))
        )
    joined = alt.hconcat(*panels).resolve_scale(x="shared" if layout == "shared" else "independent")
    return _large_type(joined) if large else joined


PRESENTER_SCALE = 1.3  # panels, points and lanes this much larger in the presenter view


def _large_type(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Axis, header and legend text readable from the back of a lecture room."""
    return (
        chart.configure_axis(labelFontSize=16, titleFontSize=17)
        .configure_header(labelFontSize=18)
        .configure_legend(labelFontSize=16)
    )
