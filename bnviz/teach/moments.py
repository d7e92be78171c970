"""The classroom moments page: which moments there are, their screens, and the page's state as a URL.

``?moment=graph&part=2&batch=1_10~3_20~5_60&gamma=3_0.25&present=1``

A moment is one idea (the backward pass as a graph, scale invariance, ...) shown in a few screens
(``part``), each of which fits a 1280x720 projector in the presenter view. The toy batch and its
settings use the step-through page's own URL format (:mod:`bnviz.teach.url_state`), so a link from
a step opens a moment on that step's batch. :func:`parse` never raises: what it cannot use falls
back to its default and is named in a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from bnviz.teach import url_state as U


@dataclass(frozen=True)
class Moment:
    slug: str  # its name in the URL
    title: str
    question: str  # the student's question it answers
    parts: tuple[str, ...]  # one title per screen
    steps: dict[int, int]  # step-through step (1-based) -> the part of this moment it links to


MOMENTS = (
    Moment(
        "graph",
        "The backward pass as a graph",
        "Why does the gradient have three paths, and what if I treat μ_B and σ²_B as constants?",
        (
            "The graph",
            "Path 1: through x̂ᵢ",
            "Path 2: through σ²_B",
            "Path 3: through μ_B",
            "The three paths add up",
            "Section 2's warning, live",
        ),
        {5: 2, 6: 3, 7: 4, 8: 5},  # ∂ℓ/∂x̂ → the path through x̂ᵢ, ..., ∂ℓ/∂x → all three
    ),
    Moment(
        "closed-form",
        "The compact closed form and its geometry",
        "Is there a shorter formula for ∂ℓ/∂x, and what does it say?",
        ("From six equations to one", "Orthogonal to 1 and to x̂"),
        {8: 1},
    ),
    Moment(
        "scale",
        "Scale invariance",
        "Why doesn't the scale of the weights matter with BN?",
        ("Multiply the weights by a", "Training at a = 0.1, 1 and 10"),
        {3: 1},
    ),
    Moment(
        "batch-mates",
        "Batch-mates",
        "Why does my image's output depend on the other images?",
        ("One image, different batch-mates", "Forget model.eval()"),
        {11: 1},
    ),
    Moment(
        "folding",
        "Folding BN away for deployment",
        "How do I get rid of BN at deployment?",
        ("Fold BN into the layer before it", "Smaller and faster", "Why not in training mode?"),
        {11: 1},
    ),
    Moment(
        "predict",
        "Predict, then reveal",
        "Can I guess the numbers before the page shows them?",
        (
            "μ_B",
            "σ²_B",
            "x̂ of a constant feature",
            "Σ ∂ℓ/∂xᵢ",
            "Bessel's factor",
            "Figure 1(a)'s MNIST gap",
            "eval() forgotten",
        ),
        {1: 1, 2: 2, 3: 3, 8: 4, 10: 5, 11: 7},
    ),
    Moment(
        "grader",
        "Write your own BN, graded step by step",
        "Can I write it myself and know where I went wrong?",
        ("Your forward and backward",),
        {9: 1},
    ),
)
BY_SLUG = {m.slug: m for m in MOMENTS}
MOMENT_KEYS = ("moment", "part", "predict", "from")  # from=step: a link from the step-through page (read once)
BATCH_KEYS = tuple(k for k in U.KEYS if k != "step")  # the toy batch and its settings, as the step-through writes them


@dataclass(frozen=True)
class MomentsState:
    moment: str = MOMENTS[0].slug
    part: int = 1  # 1-based screen within the moment
    predict: bool | None = None  # predict first; None: the view's default (on, but off in the presenter view)
    batch: U.UrlState = U.DEFAULT  # the toy batch and its settings (its step is not used)

    @property
    def present(self) -> bool:
        return self.batch.present

    def predicting(self) -> bool:
        """Predict-then-reveal is on by default, but off in the presenter view unless switched on."""
        return (not self.present) if self.predict is None else self.predict


def screens() -> list[tuple[str, int]]:
    """Every (moment, part) in order: what ← and → walk through."""
    return [(m.slug, p) for m in MOMENTS for p in range(1, len(m.parts) + 1)]


def moved(state: MomentsState, delta: int) -> MomentsState:
    """The state ``delta`` screens on (or back), staying within the first and last screen."""
    order = screens()
    i = order.index((state.moment, state.part))
    moment, part = order[min(max(i + delta, 0), len(order) - 1)]
    return replace(state, moment=moment, part=part)


def to_params(state: MomentsState) -> dict[str, str]:
    """The query parameters: the moment, its part (if not the first), predict (if set) and the batch's settings."""
    out = {"moment": state.moment}
    if state.part != 1:
        out["part"] = str(state.part)
    if state.predict is not None:
        out["predict"] = "1" if state.predict else "0"
    batch = U.to_params(state.batch)
    batch.pop("step")
    return {**out, **batch}


def link(slug: str, batch: U.UrlState, part: int = 1) -> dict[str, str]:
    """The query parameters of a link from a step of the step-through page to a moment, on that step's batch."""
    return {**to_params(MomentsState(moment=slug, part=part, batch=replace(batch, step=1))), "from": "step"}


def for_step(step: int) -> list[tuple[Moment, int]]:
    """The moments a step-through step (1-based) links to, each with the part it opens on."""
    return [(m, m.steps[step]) for m in MOMENTS if step in m.steps]


def parse(params: Mapping[str, str]) -> tuple[MomentsState, list[str]]:
    """The state a URL asks for, and a short message per part of it that was ignored (and why)."""
    ignored: list[str] = []
    toy = {k: v for k, v in params.items() if k not in MOMENT_KEYS and k != "step"}
    if "step" in params:
        ignored.append("step=… (this page has moments, not steps)")
    batch, toy_ignored = U.parse(toy)
    ignored += toy_ignored
    moment = str(params.get("moment", MOMENTS[0].slug))
    if moment not in BY_SLUG:
        ignored.append(f"moment={_shown(moment)} (choose one of {', '.join(BY_SLUG)})")
        moment = MOMENTS[0].slug
    part, n = 1, len(BY_SLUG[moment].parts)
    if "part" in params:
        text = str(params["part"]).strip()
        if text.isdigit() and 1 <= int(text) <= n:
            part = int(text)
        else:
            ignored.append(f"part={_shown(text)} (this moment has parts 1 to {n})")
    predict = None
    if "predict" in params:
        text = str(params["predict"]).strip().lower()
        if text in ("0", "1", "true", "false"):
            predict = text in ("1", "true")
        else:
            ignored.append(f"predict={_shown(text)} (use 1 or 0)")
    return MomentsState(moment=moment, part=part, predict=predict, batch=batch), ignored


def _shown(text: str) -> str:
    return text if len(text) <= U.SHOWN_CHARS else text[: U.SHOWN_CHARS - 1] + "…"
