r"""Algorithms 1 and 2 on a toy batch, one step at a time: the numbers, tables and charts a page shows.

:func:`walk` runs :func:`bnviz.norms.bn_steps.forward_steps` and :func:`~bnviz.norms.bn_steps.backward_steps`
and checks every gradient of Section 3 against torch autograd; :func:`inference_demo` runs
Algorithm 2 over K toy batches and, as a second opinion, :class:`bnviz.norms.batch_norm.BatchNorm1d`
with ``momentum=None``. :func:`step_view` turns one step into tables and a chart. The equations
shown are read from the docstrings of the functions that compute them, so they cannot drift.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

from bnviz.norms import bn_fused, bn_steps
from bnviz.norms.batch_norm import BatchNorm1d
from bnviz.teach.checks import GRAD_NAMES, Check, make_check, rounding_scales


def docstring_equations(obj) -> list[str]:
    r"""The LaTeX equations of ``obj``'s ``.. math::`` blocks, split at blank lines and ``\qquad``."""
    equations = []
    for block in re.split(r"\.\. math::", inspect.getdoc(obj) or "")[1:]:
        first, *rest = block.split("\n")
        lines = [first.strip()]
        for line in rest:  # the block runs until the first unindented, non-blank line
            if line.strip() and not line.startswith(" "):
                break
            lines.append(line.strip())
        for paragraph in re.split(r"\n\s*\n", "\n".join(lines)):
            for eq in paragraph.split(r"\qquad"):
                eq = " ".join(eq.split()).rstrip(",; ")
                if eq:
                    equations.append(eq)
    return equations


Part = Literal["forward", "backward", "inference"]  # Algorithm 1, Section 3's chain rule, Algorithm 2


@dataclass(frozen=True)
class Step:
    label: str  # short name for the stepper
    title: str
    equations: list[str]  # LaTeX, the paper's
    text: str  # what to notice, in a sentence or two
    part: Part  # a backward step starts from the upstream gradient ∂ℓ/∂y, so its page shows the loss
    answer: str  # the step in one sentence: what its slide says under the chart


def steps() -> list[Step]:
    fwd, bwd = docstring_equations(bn_steps.forward_steps), docstring_equations(bn_steps.backward_steps)
    pop, fold = docstring_equations(bn_steps.population_stats), docstring_equations(bn_fused.inference_affine)
    return [
        Step(
            "1 μ_B",
            "Step 1 · the mini-batch mean μ_B",
            fwd[0:1],
            "Each feature's average over the m rows of this mini-batch (Algorithm 1, line 1).",
            "forward",
            "μ_B is each feature's average over the m rows of this mini-batch.",
        ),
        Step(
            "2 σ²_B",
            "Step 2 · the mini-batch variance σ²_B",
            fwd[1:2],
            "The mean squared distance from μ_B, dividing by m, not m − 1: the *biased* variance, "
            "which is the one Algorithm 1 normalizes with.",
            "forward",
            "σ²_B divides by m, not m − 1: the biased variance, the one Algorithm 1 normalizes with.",
        ),
        Step(
            "3 x̂",
            "Step 3 · normalize: x̂",
            fwd[2:3],
            "Every feature now has mean 0 and variance just under 1, whatever its offset and scale "
            "were: compare the two panels. ε keeps a constant feature from dividing by zero.",
            "forward",
            "Every feature now has mean 0 and variance just under 1, whatever its offset and scale were.",
        ),
        Step(
            "4 y",
            "Step 4 · scale and shift: y = γx̂ + β",
            fwd[3:4],
            "Two learned numbers per feature give the layer back its range: with γ = √(σ²_B + ε) and "
            "β = μ_B it would be the identity (Section 3). This y is what the next layer sees.",
            "forward",
            "γ and β give each feature a scale and a shift back: this y is what the next layer sees.",
        ),
        Step(
            "5 ∂ℓ/∂x̂",
            "Step 5 · backward: ∂ℓ/∂x̂",
            bwd[0:1],
            "Backpropagation starts from the upstream gradient ∂ℓ/∂y (choose the loss under *Parameters*) "
            "and walks Algorithm 1 backwards. Through y = γx̂ + β it is multiplied by γ.",
            "backward",
            "Backpropagation starts from the upstream ∂ℓ/∂y; through y = γx̂ + β it is multiplied by γ.",
        ),
        Step(
            "6 ∂ℓ/∂σ²_B",
            "Step 6 · backward: ∂ℓ/∂σ²_B",
            bwd[1:2],
            "σ²_B enters every x̂_i of its feature, so its gradient is a sum over the batch.",
            "backward",
            "σ²_B enters every x̂_i of its feature, so its gradient is a sum over the batch.",
        ),
        Step(
            "7 ∂ℓ/∂μ_B",
            "Step 7 · backward: ∂ℓ/∂μ_B",
            bwd[2:3],
            "μ_B reaches the loss through every x̂_i and through σ²_B. The second term is 0 here, "
            "because Σ(x_i − μ_B) = 0, but the paper keeps it: it is the chain rule, term by term.",
            "backward",
            "μ_B reaches the loss through every x̂_i and through σ²_B (that second term is 0 here: Σ(x_i − μ_B) = 0).",
        ),
        Step(
            "8 ∂ℓ/∂x",
            "Step 8 · backward: ∂ℓ/∂x",
            bwd[3:4],
            "Each x_i gets three contributions: through its own x̂_i, and through the μ_B and σ²_B it "
            "helped compute. Per feature the result sums to 0 over the batch (see the table): a "
            "gradient step cannot shift the batch mean, BN would undo it (Section 2).",
            "backward",
            "Each x_i gets three contributions, which sum to 0 per feature: a gradient step cannot shift the batch mean.",
        ),
        Step(
            "9 ∂ℓ/∂γ, ∂ℓ/∂β",
            "Step 9 · backward: ∂ℓ/∂γ and ∂ℓ/∂β",
            bwd[4:6],
            "The gradients of the two parameters, per feature: γ learns from how the loss varies "
            "with x̂, β from the total upstream gradient.",
            "backward",
            "γ learns from how the loss varies with x̂, β from the total upstream gradient.",
        ),
        Step(
            "10 running stats",
            "Step 10 · Algorithm 2: population statistics",
            pop,
            "After training, average μ_B and σ²_B over many training mini-batches (here K toy "
            "batches drawn from a normal distribution with your batch's mean and variance, shown as the true "
            "variance). On average the *biased* σ²_B falls short of the true variance by the factor (m − 1)/m, "
            "so Bessel's factor m/(m − 1) makes Var[x] unbiased. The fewer the batches K, the more the averages "
            "scatter around those factors: change K and watch.",
            "inference",
            "On average the biased σ²_B falls short of the true variance by (m − 1)/m; Bessel's m/(m − 1) corrects it.",
        ),
        Step(
            "11 inference",
            "Step 11 · Algorithm 2: the inference map y = a·x + b",
            [*fold, r"y = a\,x + b"],
            "At inference BN is a fixed affine map per feature, so an example's output no longer "
            "depends on the rest of its batch. For your batch it differs from the training-mode "
            "output: E[x], Var[x] come from other batches, and Var[x] carries Bessel's factor.",
            "inference",
            "At inference BN is a fixed affine map per feature: an example's output no longer depends on its batch.",
        ),
    ]


TYPED_LOSS = "your own ∂ℓ/∂y"
LOSSES = {  # name -> (LaTeX of the loss, what ∂ℓ/∂y is)
    "random w": (r"\ell = \sum_{i,k} w_{ik}\,y_{ik},\quad w_{ik}\sim\mathcal N(0,1)", "∂ℓ/∂y = w"),
    "squared error": (r"\ell = \tfrac12\sum_{i,k}(y_{ik}-t_{ik})^2,\quad t_{ik}\sim\mathcal N(0,1)", "∂ℓ/∂y = y − t"),
    "sum of y": (r"\ell = \sum_{i,k} y_{ik}", "∂ℓ/∂y = 1: watch ∂ℓ/∂x and ∂ℓ/∂γ vanish (β absorbs it)"),
    TYPED_LOSS: (r"\ell = \sum_{i,k} g_{ik}\,y_{ik}", "∂ℓ/∂y = g, the values you typed"),
}


def upstream_gradient(loss: str, y: Tensor, seed: int, typed: Tensor | None = None) -> Tensor:
    """∂ℓ/∂y for one of :data:`LOSSES`, ``(m, d)``; random parts seeded and rounded to 2 decimals.
    For :data:`TYPED_LOSS` it is ``typed``, the student's own values."""
    if loss == TYPED_LOSS:
        if typed is None or typed.shape != y.shape:
            raise ValueError(f"{TYPED_LOSS} needs typed values shaped like y {tuple(y.shape)}")
        return typed.to(y.dtype)
    noise = torch.randn(y.shape, generator=torch.Generator().manual_seed(int(seed) + 1), dtype=torch.float64)
    noise = torch.round(noise, decimals=2)
    if loss == "random w":
        return noise
    if loss == "squared error":
        return y - noise
    return torch.ones_like(y)


@dataclass(frozen=True)
class Walk:
    fwd: bn_steps.ForwardSteps  # Algorithm 1's intermediates (detached)
    dy: Tensor  # ∂ℓ/∂y, (m, d)
    bwd: bn_steps.BackwardSteps  # Section 3's chain rule, as printed
    autograd: dict[str, Tensor]  # the same gradients from torch autograd, keyed like BackwardSteps
    gamma: Tensor
    beta: Tensor
    eps: float

    def max_diff(self, name: str) -> float:
        """max |paper − autograd| for one gradient of :class:`~bnviz.norms.bn_steps.BackwardSteps`."""
        return (getattr(self.bwd, name) - self.autograd[name]).abs().max().item()

    def check(self, name: str) -> Check:
        """The paper's gradient ``name`` against autograd's, within float64 rounding for its terms."""
        return make_check(
            f"{GRAD_NAMES[name]}, the paper's equation vs torch autograd",
            getattr(self.bwd, name),
            self.autograd[name],
            rounding_scales(self)[name],
            self.fwd.m,
        )


def walk(
    x: Tensor, gamma: Tensor, beta: Tensor, eps: float, loss: str, seed: int, typed_dy: Tensor | None = None
) -> Walk:
    """Algorithm 1 forward, Section 3 backward, and autograd on the same graph for comparison."""
    xs, g, b = (t.detach().clone().requires_grad_(True) for t in (x, gamma, beta))
    traced = bn_steps.forward_steps(xs, g, b, eps)
    for t in (traced.batch_mean, traced.batch_var, traced.x_hat):
        t.retain_grad()  # autograd's total derivative at each node is what the paper writes out
    dy = upstream_gradient(loss, traced.y.detach(), seed, typed_dy)
    # Σ y·∂ℓ/∂y is a scalar whose backward hands y exactly ∂ℓ/∂y (1·dy): the same gradients as
    # y.backward(dy), without that call's first-use import of sympy (0.5 s on the page's first open)
    (traced.y * dy).sum().backward()
    autograd = {
        "dx_hat": traced.x_hat.grad,
        "dvar": traced.batch_var.grad,
        "dmean": traced.batch_mean.grad,
        "dx": xs.grad,
        "dgamma": g.grad,
        "dbeta": b.grad,
    }
    fwd = bn_steps.forward_steps(x, gamma, beta, eps)
    return Walk(fwd, dy, bn_steps.backward_steps(dy, fwd, gamma, eps), autograd, gamma, beta, eps)


@dataclass(frozen=True)
class Inference:
    batches: list[Tensor]  # K toy training batches, each (m, d)
    pop: bn_steps.PopulationStats  # Algorithm 2's E[x], Var[x], a, b
    layer_mean: Tensor  # BatchNorm1d(momentum=None).running_mean after the K batches
    layer_var: Tensor  # ... .running_var (stored unbiased, must equal pop.var)
    train_y: Tensor  # your batch through Algorithm 1 (its own μ_B, σ²_B)
    eval_y: Tensor  # your batch through a·x + b
    layer_eval_y: Tensor  # your batch through BatchNorm1d.eval()
    true_mean: Tensor  # the mean the K batches are drawn from (your batch's μ_B), (d,)
    true_var: Tensor  # the variance they are drawn from (your batch's σ²_B), (d,)


def inference_demo(x: Tensor, gamma: Tensor, beta: Tensor, eps: float, k: int, seed: int) -> Inference:
    """K batches ~ N(μ_B, σ²_B of ``x``) -> population stats; train- vs eval-mode output for ``x``."""
    m, d = x.shape
    gen = torch.Generator().manual_seed(int(seed) + 2)
    loc, scale = x.mean(0), x.std(0, unbiased=False)
    batches = [loc + scale * torch.randn(m, d, generator=gen, dtype=torch.float64) for _ in range(k)]
    pop = bn_steps.population_stats(batches, gamma, beta, eps)
    layer = BatchNorm1d(d, eps=eps, momentum=None, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(gamma)
        layer.bias.copy_(beta)
        for xb in batches:
            layer(xb)
        layer.eval()
        layer_eval_y = layer(x)
    train_y = bn_steps.forward_steps(x, gamma, beta, eps).y
    return Inference(
        batches,
        pop,
        layer.running_mean.clone(),
        layer.running_var.clone(),
        train_y,
        pop.a * x + pop.b,
        layer_eval_y,
        loc,
        scale**2,
    )
