"""The (N, C, H, W) cube of a toy input, one small H x W grid per example and channel, with the set of
values a normalizer averages over highlighted and the normalized entry outlined (Altair, no Streamlit)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from bnviz.views.style import norm_color

OTHER = "#e8e8e8"  # values outside the set
SPACING = 12  # pixels between the grids
MIN_LABELLED_CELL = 28  # a square smaller than this shows its colour, not its value


IN_SET = "in the averaging set"  # the legend's and tooltip's name for cube_frame's ``in_set``, as yes / no


def cube_chart(df: pd.DataFrame, kind: str, cell: int = 46) -> alt.FacetChart:
    """Rows are examples, columns channels; each grid is one feature map. In-set cells take the norm's colour."""
    df = df.assign(**{IN_SET: df["in_set"].map({True: "yes", False: "no"})})
    base = alt.Chart().encode(x=alt.X("w:O", title=None, axis=None), y=alt.Y("h:O", title=None, axis=None))
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            f"{IN_SET}:N",
            scale=alt.Scale(domain=["yes", "no"], range=[norm_color(kind), OTHER]),
            legend=alt.Legend(title=IN_SET, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("example:N"),
            alt.Tooltip("channel:N"),
            alt.Tooltip("h:O", title="row h"),
            alt.Tooltip("w:O", title="column w"),
            alt.Tooltip("value:Q", format=".2f"),
            alt.Tooltip(f"{IN_SET}:N"),
        ],
    )
    entry = base.transform_filter(alt.datum.entry).mark_rect(filled=False, stroke="black", strokeWidth=3)
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("value:Q", format=".1f"),
        color=alt.condition(alt.datum.in_set, alt.value("white"), alt.value("#333")),
    )
    h, w = int(df["h"].max()) + 1, int(df["w"].max()) + 1
    layers = (rect, entry, text) if cell >= MIN_LABELLED_CELL else (rect, entry)  # a value needs room to be read
    return (
        alt.layer(*layers, data=df)
        .properties(width=cell * w, height=cell * h)
        .facet(row=alt.Row("example:N", title=None), column=alt.Column("channel:N", title=None), spacing=SPACING)
    )
