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
from bnviz.views.slides import fit_height
from pages import _chart_specs

STEPS = S.steps()
CHART_NOTE = "Grey: this step's inputs · red: its outputs. Hover a point for its value."
CHART_HEIGHT = 330  # pixels a slide leaves for the step's chart at 1280x720


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
    spec = _chart_specs.vega_spec(view.chart)  # not validated again: the chart's JSON is tested in tests/
    st.vega_lite_chart(spec, width="content")
    st.caption(CHART_NOTE)


def words(step: S.Step, view: V.StepView) -> None:
    st.markdown(step.text)
    if view.note:
        st.markdown(view.note)


def checks(view: V.StepView) -> None:
    for check in view.checks:
        if check.ok:
            st.success(f"**{check.what}**: {check.explanation()}", icon=":material/check_circle:")
        else:
            st.error(f"**{check.what}**: {check.explanation()}", icon=":material/cancel:")


def slide(step: S.Step, view: V.StepView, loss: str, chart_height: float = CHART_HEIGHT) -> None:
    """The step as one projector slide, under its title: the equations side by side, the chart shrunk to
    ``chart_height``, the step in one sentence, and one line that says its checks passed (a failed one in full)."""
    columns = st.columns(len(step.equations)) if len(step.equations) > 1 else [st.container()]
    for column, equation in zip(columns, step.equations):
        column.latex(equation)
    st.vega_lite_chart(_chart_specs.vega_spec(fit_height(view.chart, chart_height)), width="content")
    st.markdown(f"**{step.answer}**")
    notes = [CHART_NOTE.split(". ")[0]]
    if step.part == "backward":
        latex, meaning = S.LOSSES[loss]
        notes.append(f"upstream gradient: ${latex}$")
    if view.note:
        notes.append(view.note)
    for check in view.checks:
        if check.ok:
            notes.append(f":green[:material/check_circle:] {check.what}: they agree")
        else:
            st.error(f"**{check.what}**: {check.explanation()}", icon=":material/cancel:")
    st.caption(" · ".join(notes))
