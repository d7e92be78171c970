"""One screen of a classroom moment, drawn from its state: what the moments page shows under its title, and
what a lecture slide of ``page = "moments"`` shows. Not a page."""

from __future__ import annotations

from bnviz.teach import moments as M
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T
from pages import _moments_graph, _moments_math, _moments_nets, _moments_quiz
from pages._moments_ui import Ctx

DRAW = {
    "graph": _moments_graph.graph,
    "closed-form": _moments_math.closed_form,
    "scale": _moments_math.scale,
    "batch-mates": _moments_nets.batch_mates,
    "folding": _moments_nets.folding,
    "predict": _moments_quiz.predict,
    "grader": _moments_quiz.grader,
}


def context(state: M.MomentsState, present: bool) -> Ctx:
    """The toy batch's walk through Algorithm 1 and its gradient, for the moment ``state`` names."""
    b = state.batch
    gamma, beta = b.affine()
    typed = None if b.dy is None else T.batch_from_rows(b.dy)
    walk = S.walk(b.batch_tensor(), gamma, beta, b.eps, b.loss, b.seed, typed)
    return Ctx(walk, state, present, state.predicting())


def body(state: M.MomentsState, ctx: Ctx) -> None:
    """The screen's content (its title is the caller's)."""
    DRAW[state.moment](state.part, ctx)
