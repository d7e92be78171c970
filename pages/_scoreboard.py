""" "Why does BN work?" on one screen: claim, our verdict and caveat for each experiment of the Why page,
each linking to its section (:mod:`bnviz.views.scoreboard`). Not a page: the Why page leads with it, in
both views, and a lecture slide can show it."""

from __future__ import annotations

import streamlit as st

from bnviz import experiments
from bnviz.views import scoreboard as B
from pages import _results as results

ANCHOR = "scoreboard"
TITLE = "Why does BN work? The scoreboard"
SLIDE_CSS = "<style>.st-key-scoreboard td, .st-key-scoreboard th { font-size: 0.85rem; padding: 0.25rem 0.4rem; line-height: 1.35; }</style>"


def rows() -> list[B.Row]:
    return [
        B.row(name, experiments.get(name).tab, experiments.get(name).claim, results.verdicts(name))
        for name in experiments.on_page("why")
    ]


def draw() -> None:
    """The table, each claim linking to its section below, and how to read it."""
    st.markdown(B.markdown_table(rows(), lambda n: f"#{n}"))
    st.caption(
        "Each claim as the Why page tests it; our verdict is the tally of its verdicts (✓ supported, ✕ "
        "contradicted, ~ within the seed spread), the caveat the first one that goes against the rest."
    )


def slide(height: float) -> None:
    """The table in smaller type, each claim linking to its section on the Why page."""
    st.html(SLIDE_CSS)
    with st.container(key="scoreboard"):
        st.markdown(B.markdown_table(rows(), lambda n: f"why?section={n}-1"))
