"""The (N, C, H, W) cube of a toy input, one small H x W grid per example and channel, with the set of
values a normalizer averages over highlighted and the normalized entry outlined (Altair, no Streamlit)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from bnviz.views.style import norm_color

OTHER = "#e8e8e8"  # values outside the set


def cube_chart(df: pd.DataFrame, kind: str, cell: int = 46) -> alt.FacetChart:
    """Rows are examples, columns channels; each grid is one feature map. In-set cells take the norm's colour."""
    base = alt.Chart().encode(x=alt.X("w:O", title=None, axis=None), y=alt.Y("h:O", title=None, axis=None))
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "in_set:N",
            scale=alt.Scale(domain=[True, False], range=[norm_color(kind), OTHER]),
            legend=alt.Legend(title="in the averaging set", orient="bottom"),
        ),
        tooltip=["example:N", "channel:N", "h:O", "w:O", alt.Tooltip("value:Q", format=".2f"), "in_set:N"],
    )
    entry = base.transform_filter(alt.datum.entry).mark_rect(filled=False, stroke="black", strokeWidth=3)
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("value:Q", format=".1f"),
        color=alt.condition(alt.datum.in_set, alt.value("white"), alt.value("#333")),
    )
    h, w = int(df["h"].max()) + 1, int(df["w"].max()) + 1
    return (
        alt.layer(rect, entry, text, data=df)
        .properties(width=cell * w, height=cell * h)
        .facet(row=alt.Row("example:N", title=None), column=alt.Column("channel:N", title=None))
    )
