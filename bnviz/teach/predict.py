"""Predict, then reveal: the numbers students usually guess wrong, as questions with computed answers.

Each :class:`Prompt` carries its answer, computed from the current toy batch, a trained network or a
recorded run (never typed in), and :func:`judge` says how far a guess was from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bnviz.teach.checks import rounding_scales, zero_within_rounding
from bnviz.teach.stepthrough import Walk

FIG1_CHOICES = ("with BN", "without BN", "about the same")


@dataclass(frozen=True)
class Prompt:
    key: str  # matches the predict moment's parts, in order
    question: str
    answer: float | str | None  # None: cannot be computed here (``explanation`` says why)
    explanation: str  # why the answer is what it is
    choices: tuple[str, ...] = ()  # a choice question; empty: a number
    percent: bool = False  # the answer is a fraction shown as a percentage


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def prompts(w: Walk, fig1: tuple[str, str] | None, forgot_eval_batch1: tuple[float, str] | None) -> list[Prompt]:
    """The seven prompts for this toy batch; ``fig1`` is (winner, where it comes from) and ``forgot_eval_batch1``
    (accuracy, which network) when known."""
    f, m = w.fwd, w.fwd.m
    total = zero_within_rounding(w.bwd.dx.sum(0), rounding_scales(w)["dx"].expand_as(w.bwd.dx))[0].item()
    x1 = ", ".join(_fmt(v) for v in f.x[:, 0].tolist())
    return [
        Prompt(
            "mean",
            f"Feature 1 of the toy batch holds {x1}. What is its μ_B?",
            f.batch_mean[0].item(),
            f"μ_B is the plain average of the {m} values: their sum divided by m = {m}.",
        ),
        Prompt(
            "var",
            f"And its σ²_B (feature 1: {x1})?",
            f.batch_var[0].item(),
            f"σ²_B averages (xᵢ − μ_B)² over the {m} rows, dividing by m = {m}, not by m − 1 = {m - 1}: the biased "
            "variance, the one Algorithm 1 normalizes with.",
        ),
        Prompt(
            "constant",
            "A feature holds the same value in every row (say 3, 3, 3, 3). What is its x̂ (with ε = 1e-5)?",
            0.0,
            "Its μ_B is 3 and its σ²_B is 0, so x̂ = (3 − 3)/√(0 + ε) = 0/√ε = 0 for every row: not 1, and not "
            "undefined. ε is exactly what keeps it from being 0/0; y is then β whatever γ.",
        ),
        Prompt(
            "sum-dx",
            "Backward through BN on this batch: what is Σᵢ ∂ℓ/∂xᵢ, summed over the rows of feature 1?",
            total,
            "It is 0 for every feature and every upstream gradient (to float64 rounding): the path through μ_B "
            "cancels whatever would shift the whole batch, because BN would undo such a shift anyway.",
        ),
        Prompt(
            "bessel",
            f"Algorithm 2 multiplies the average σ²_B by Bessel's factor. For batches of m = {m}, what is it?",
            m / (m - 1),
            f"m/(m − 1) = {m}/{m - 1}: the biased σ²_B falls short of the true variance by (m − 1)/m on average, "
            "and this factor undoes that.",
        ),
        Prompt(
            "fig1",
            "Figure 1(a): the paper's MNIST network (three sigmoid layers of 100), trained 50,000 steps with and "
            "without BN. Which ends with the higher test accuracy?",
            None if fig1 is None else fig1[0],
            "No recorded mnist-fig1 result in the cache: run python -m bnviz run mnist-fig1."
            if fig1 is None
            else fig1[1],
            choices=FIG1_CHOICES,
        ),
        Prompt(
            "eval-forgotten",
            "A trained MNIST network with BN is tested one image at a time, with model.eval() forgotten (so BN "
            "normalizes each test batch of one with its own statistics). What test accuracy does it get?",
            None if forgot_eval_batch1 is None else forgot_eval_batch1[0],
            "No trained network here."
            if forgot_eval_batch1 is None
            else "A batch of one has σ²_B = 0 in every unit, so every x̂ is 0/√ε = 0 and every image gives the same "
            "output: the network predicts one class for all of them, and is right only as often as that class "
            f"occurs. ({forgot_eval_batch1[1]}; torch's own layers refuse a batch of one in training mode.)",
            percent=True,
        ),
    ]


def judge(prompt: Prompt, guess: float | str) -> str:
    """How far ``guess`` was from the answer, in one sentence."""
    if prompt.choices:
        return f"You chose {guess}: {'right' if guess == prompt.answer else 'the answer is ' + str(prompt.answer)}."
    answer, scale = float(prompt.answer), (100.0 if prompt.percent else 1.0)
    shown = (lambda v: f"{v * scale:.3g}%") if prompt.percent else _fmt
    guess = float(guess) / scale
    off = abs(guess - answer)
    if off <= 0.005 * max(abs(answer), 1.0 if prompt.percent else 0.01) or off < 1e-12:
        return f"You guessed {shown(guess)}: spot on (it is {shown(answer)})."
    share = f" ({off / abs(answer):.0%} of it)" if answer and not math.isclose(answer, 0.0) else ""
    return f"You guessed {shown(guess)}; it is {shown(answer)}: off by {shown(off)}{share}."


def fig1_winner(result: dict) -> tuple[str, str] | None:
    """Which arm of a recorded mnist-fig1 result ends with the higher test accuracy, and the numbers behind it.

    "with BN" if BN's worst seed beats no-BN's best seed, "without BN" the other way round, else "about the same".
    """
    final: dict[str, list[float]] = {"bn": [], "none": []}
    for run in result.get("runs", []):
        records = [r for r in run.get("records", []) if isinstance(r.get("test/acc"), (int, float))]
        kind = "none" if run.get("config", {}).get("norm") == "none" else "bn"
        if records:
            final[kind].append(float(records[-1]["test/acc"]))
    if not final["bn"] or not final["none"]:
        return None
    winner = (
        "with BN"
        if min(final["bn"]) > max(final["none"])
        else "without BN"
        if min(final["none"]) > max(final["bn"])
        else "about the same"
    )
    seeds = lambda v: ", ".join(f"{a:.2%}" for a in v)
    return winner, (
        f"Our recorded run ({result.get('data', {}).get('label', 'data source not recorded')}): final test accuracy "
        f"with BN {seeds(final['bn'])}, without BN {seeds(final['none'])}, one value per seed. The paper's Figure 1(a) "
        "also shows the network with BN ahead."
    )
