"""The learning-rate sweep's heat map: final accuracy per learning rate and init scale, one panel per arm."""

from __future__ import annotations

import altair as alt
import pandas as pd

from bnviz.norms import NORMS
from bnviz.views.style import norm_rank

SWEEP_COLOR_RANGE = (0.85, 0.98)  # where the sweep's trained runs differ; lower cells share the darkest colour


def sweep_heatmap(cells: pd.DataFrame) -> alt.Chart:
    """Final test accuracy by learning rate and init std, side by side without and with BN.

    ``cells``: one row per (norm, lr, init_std) with ``acc`` (mean over seeds), ``acc_min``, ``acc_max``,
    ``seeds``, ``steps_to_90`` and ``outcome``. The colours span :data:`SWEEP_COLOR_RANGE`, so 90% and 97%
    look different; a run below it takes the darkest colour, and every cell prints its mean over seeds, or
    how its runs failed when they exploded or diverged."""
    d = cells.drop(columns=[c for c in ("outcomes",) if c in cells]).copy()
    d["arm"] = [NORMS[n].label if n in NORMS else n for n in d["norm"]]  # one panel per norm kind
    d["label"] = [o if o in ("diverged", "exploded") else f"{a:.1%}" for o, a in zip(d["outcome"], d["acc"])]
    base = alt.Chart(d).encode(
        x=alt.X("lr:O", title="Learning rate"),
        y=alt.Y("init_std:O", title="Init std of the weights", sort="descending"),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(
            "acc:Q",
            title="Final test acc.",
            scale=alt.Scale(domain=list(SWEEP_COLOR_RANGE), clamp=True, scheme="viridis"),
            legend=alt.Legend(format=".0%"),
        ),
        tooltip=[
            alt.Tooltip("arm:N"),
            alt.Tooltip("lr:Q"),
            alt.Tooltip("init_std:Q"),
            alt.Tooltip("acc:Q", title="mean final acc.", format=".2%"),
            alt.Tooltip("acc_min:Q", title="lowest seed", format=".2%"),
            alt.Tooltip("acc_max:Q", title="highest seed", format=".2%"),
            alt.Tooltip("seeds:Q", title="seeds"),
            alt.Tooltip("steps_to_90:Q", title="median steps to 90%"),
            alt.Tooltip("outcome:N"),
        ],
    )
    panels = sorted(d["norm"].unique(), key=norm_rank)
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("label:N"),
        color=alt.condition(alt.datum.acc > sum(SWEEP_COLOR_RANGE) / 2, alt.value("black"), alt.value("white")),
    )
    return (
        (rect + text)
        .properties(width=260, height=180)
        .facet(column=alt.Column("arm:N", title=None, sort=[NORMS[n].label if n in NORMS else n for n in panels]))
    )
