"""What the classroom moments' sections share (not a page: app.py does not list it): the context a part is
drawn in, the presenter view's extra CSS, and small drawing helpers."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from bnviz.teach.moments import MomentsState
from bnviz.teach.stepthrough import Walk
from bnviz.views.markdown import literal

# On top of pages/_present.CSS (the presenter view's large type): tighter gaps, so that each part fits one 1280x720 screen
MOMENTS_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.2rem; padding-bottom: 0.5rem; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.55rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem; }
.katex-display > .katex { font-size: 1.45em; }
.st-key-mom_nav button { min-height: 3.4rem; }
.st-key-mom_nav button p { font-size: 1.35rem; }
</style>"""
CODE_CSS = (
    "<style>.st-key-mom_code textarea { font-family: 'Source Code Pro', monospace; font-size: 0.85rem; "
    "white-space: pre; overflow-x: auto; }</style>"
)


@dataclass(frozen=True)
class Ctx:
    """What a moment's part is drawn from."""

    walk: Walk  # the toy batch through Algorithm 1 and Section 3's backward, with autograd's gradients
    state: MomentsState
    present: bool  # the presenter view: one screen, large type
    predicting: bool  # predict-then-reveal on


def table(df: pd.DataFrame, fmt: str = "{:.4g}", height: int | None = None) -> None:
    """A read-only table of numbers."""
    st.dataframe(df.style.format(fmt, na_rep=""), width="stretch", height=height or "auto")


def check(ok: bool, text: str) -> None:
    """A computed check: green when it holds, red when not (``text`` carries the numbers)."""
    if ok:
        st.success(literal(text), icon=":material/check_circle:")
    else:
        st.error(literal(text), icon=":material/cancel:")


def settings(ctx: Ctx, label: str):
    """Where a part's controls go: a popover in the presenter view (they would not fit), else the page."""
    return st.popover(label, icon=":material/tune:") if ctx.present else st.container()


def data_note(what: str, label: str, source: str) -> None:
    """Which network and data a number comes from, every time it is shown."""
    tag = {"synthetic": "synthetic data (no real dataset found)", "non-official": f"{label} (not the official files)"}
    st.caption(literal(f"{what} · data: {tag.get(source, label)}"))
