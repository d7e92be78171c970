"""One step of Algorithm 1 or 2 as the step-through page draws it: its equations, chart, words and checks.

Not a page. ``pages/algorithm.py`` draws a step in both its views, and the Lecture page draws a step from a
link's state (:func:`view_of`) with the same functions, so a lecture slide is the page's own slide.
"""

from __future__ import annotations

import streamlit as st
import torch

from bnviz.teach import step_views as V
from bnviz.teach import stepthrough as S
from bnviz.teach import url_state as U

STEPS = S.steps()
CHART_NOTE = "Grey: this step's inputs · red: its outputs. Hover a point for its value."


def compute(i: int, x, gamma, beta, eps: float, loss: str, k: int, seed: int, typed_dy, large: bool) -> V.StepView:
    """Step ``i`` (0-based) on this batch and these settings; Algorithm 2's K batches only where a step shows them."""
    walk = S.walk(x, gamma, beta, eps, loss, seed, typed_dy)
    inference = S.inference_demo(x, gamma, beta, eps, k, seed) if STEPS[i].part == "inference" else None
    return V.step_view(i, walk, inference, large=large)


def view_of(state: U.UrlState, large: bool = True) -> V.StepView:
    """The step a link's state shows (a lecture slide: no controls, the link's values)."""
    x = state.batch_tensor()
    gamma, beta = state.affine()
    dy = None if state.dy is None else torch.tensor(state.dy, dtype=torch.float64)
    return compute(state.step - 1, x, gamma, beta, state.eps, state.loss, state.k, state.seed, dy, large)


def equations(step: S.Step, loss: str) -> None:
    for equation in step.equations:
        st.latex(equation)
    if step.part == "backward":  # the backward pass starts from the upstream gradient
        latex, meaning = S.LOSSES[loss]
        st.latex(latex)
        st.caption(f"Upstream gradient: {meaning}.")


def chart(view: V.StepView) -> None:
    st.altair_chart(view.chart, width="content")
    st.caption(CHART_NOTE)


def words(step: S.Step, view: V.StepView) -> None:
    st.markdown(step.text)
    if view.note:
        st.markdown(view.note)


def checks(view: V.StepView, compact: bool = False) -> None:
    """Each check against autograd or BatchNorm1d: a box, or (``compact``, on a slide) one line each."""
    for check in view.checks:
        text = f"**{check.what}**: {check.explanation()}"
        if compact:
            icon = ":green[:material/check_circle:]" if check.ok else ":red[:material/cancel:]"
            st.caption(f"{icon} {text}")
        elif check.ok:
            st.success(text, icon=":material/check_circle:")
        else:
            st.error(text, icon=":material/cancel:")
