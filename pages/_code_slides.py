"""The Code page's slides: BN's forward and backward pass as the paper prints them, about 20 lines each,
without docstrings, the forward pass under its four equations. Not a page: the Code page's presenter view
and the Lecture page draw them."""

from __future__ import annotations

import streamlit as st

from bnviz.norms import bn_steps
from bnviz.teach.code_view import source
from bnviz.teach.stepthrough import docstring_equations

SLIDES = (
    ("Algorithm 1 in code: the forward pass", bn_steps.forward_steps),
    ("Section 3 in code: the backward pass", bn_steps.backward_steps),
)
CODE_CSS = "<style>[data-testid='stCode'] code { font-size: 0.95rem; }</style>"


def slide_body(i: int) -> None:
    """Slide ``i`` (from 1) under its title: the function's equations in a row (up to four), then its code."""
    _, obj = SLIDES[i - 1]
    equations = docstring_equations(obj)
    if len(equations) <= 4:  # the forward pass: its four lines side by side
        for column, equation in zip(st.columns(len(equations)), equations):
            column.latex(equation)
    st.html(CODE_CSS)
    st.code(source(obj), language="python", line_numbers=True)
