"""What a student's wrong intermediate most likely is: the typical mistakes, each as the value it would produce.

:func:`hint` computes, for one intermediate, what each typical mistake would have made of it on the
same batch (the unbiased variance, ε outside the square root, a sum over the wrong axis, ...) and
returns the sentence for the first one the student's value matches; otherwise a general pointer
to the paper's equation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from bnviz.norms import bn_steps
from bnviz.teach.sandbox import Probe

RTOL, ATOL = 1e-5, 1e-8  # two values agree if |a − b| ≤ ATOL·(1 + max|b|) + RTOL·|b|, entry by entry


@dataclass(frozen=True)
class Reference:
    """The paper's intermediates for one probe (Algorithm 1 forward, Section 3 backward)."""

    fwd: bn_steps.ForwardSteps
    bwd: bn_steps.BackwardSteps
    std: Tensor  # √(σ²_B + ε), (d,)


def reference(p: Probe) -> Reference:
    fwd = bn_steps.forward_steps(p.x, p.gamma, p.beta, p.eps)
    return Reference(fwd, bn_steps.backward_steps(p.dy, fwd, p.gamma, p.eps), torch.sqrt(fwd.batch_var + p.eps))


def close(yours: Tensor, want: Tensor) -> bool:
    """Same number of values, the same shape once length-1 axes are dropped, and equal within the tolerance."""
    if yours.numel() != want.numel() or yours.squeeze().shape != want.squeeze().shape:
        return False
    a, b = yours.reshape(want.shape), want
    if not bool(torch.isfinite(a).all()):
        return False
    return bool(((a - b).abs() <= ATOL * (1 + b.abs().max()) + RTOL * b.abs()).all())


AXIS = (
    "you averaged each row over its features (axis 1): that is Layer Normalization. BN takes each feature's "
    "statistics over the batch, axis 0 (one μ_B and σ²_B per feature, shape (d,))."
)
GAMMA_FIRST = (
    "γ is applied before normalizing: normalizing γ·x removes the scale γ again (and shifts μ_B). Normalize x "
    "first, then scale and shift: y = γ·x̂ + β (Algorithm 1, line 4)."
)
UNBIASED = (
    "this is the unbiased variance, divided by m − 1. Algorithm 1 divides by m (the biased variance): "
    "np.var(x, axis=0) does, torch.var needs unbiased=False (correction=0). Bessel's m − 1 belongs to the "
    "running averages of Algorithm 2, not to the normalization."
)
EPS_OUTSIDE = "ε is outside the square root: Algorithm 1 divides by √(σ²_B + ε), not by √σ²_B + ε."


def _signatures(key: str, p: Probe, r: Reference) -> list[tuple[Callable[[], Tensor], str]]:
    x, g, m, eps, dy = p.x, p.gamma, r.fwd.m, p.eps, p.dy
    mu, var, x_hat = r.fwd.batch_mean, r.fwd.batch_var, r.fwd.x_hat
    unbiased = var * m / (m - 1)
    gx = g * x  # γ·x, what "γ first" normalizes
    gx_hat = (gx - gx.mean(0)) / torch.sqrt(gx.var(0, unbiased=False) + eps)
    ln_hat = (x - x.mean(1, keepdim=True)) / torch.sqrt(x.var(1, unbiased=False, keepdim=True) + eps)
    b = r.bwd
    return {
        "mean": [
            (lambda: x.mean(1), AXIS),
            (lambda: g * mu, GAMMA_FIRST),
            (lambda: x.sum(0), "this is Σᵢ xᵢ: divide by m for the mean."),
            (
                lambda: x.mean().reshape(1),
                "one mean of every value in the batch: BN keeps one μ_B per feature (axis 0).",
            ),
        ],
        "var": [
            (lambda: unbiased, UNBIASED),
            (lambda: x.var(1, unbiased=False), AXIS),
            (lambda: x.var(1), AXIS),
            (lambda: g**2 * var, GAMMA_FIRST),
            (lambda: torch.sqrt(var), "this is the standard deviation √σ²_B; σ²_B is its square."),
            (
                lambda: var + eps,
                "this already holds ε: σ²_B is the plain average of (xᵢ − μ_B)²; ε is added under the square root of x̂.",
            ),
        ],
        "std": [
            (lambda: torch.sqrt(var) + eps, EPS_OUTSIDE),
            (
                lambda: torch.sqrt(var),
                "ε is missing: divide by √(σ²_B + ε), which keeps a constant feature from dividing by 0.",
            ),
            (lambda: torch.sqrt(unbiased + eps), UNBIASED),
            (lambda: var + eps, "the square root is missing: divide by √(σ²_B + ε), the standard deviation."),
        ],
        "x_hat": [
            (lambda: (x - mu) / (torch.sqrt(var) + eps), EPS_OUTSIDE),
            (
                lambda: (x - mu) / (var + eps),
                "divided by the variance, not by its square root: x̂ = (x − μ_B)/√(σ²_B + ε).",
            ),
            (lambda: (x - mu) / torch.sqrt(unbiased + eps), UNBIASED),
            (lambda: x - mu, "centred but not divided: x̂ = (x − μ_B)/√(σ²_B + ε)."),
            (lambda: ln_hat, AXIS),
            (lambda: gx_hat, GAMMA_FIRST),
        ],
        "y": [
            (lambda: gx_hat + p.beta, GAMMA_FIRST),
            (lambda: x_hat + p.beta, "γ is missing: y = γ·x̂ + β."),
            (lambda: g * x_hat, "β is missing: y = γ·x̂ + β."),
            (lambda: g * (x_hat + p.beta), "β is multiplied by γ: y = γ·x̂ + β adds β after scaling."),
        ],
        "dx_hat": [(lambda: dy, "∂ℓ/∂x̂ equals ∂ℓ/∂y: the factor γ is missing (y = γx̂ + β, so ∂ℓ/∂x̂ = ∂ℓ/∂y·γ).")],
        "dvar": [
            (lambda: torch.zeros_like(b.dvar), "your ∂ℓ/∂x has no term through σ²_B: add ∂ℓ/∂σ²_B · 2(xᵢ − μ_B)/m."),
            (lambda: -b.dvar, "the sign of ∂ℓ/∂σ²_B is flipped: check the −½ in −½(σ²_B + ε)^(−3/2)."),
            (lambda: 2 * b.dvar, "∂ℓ/∂σ²_B is twice the paper's: check the −½ in −½(σ²_B + ε)^(−3/2)."),
            (lambda: b.dvar / 2, "∂ℓ/∂σ²_B is half the paper's: the term through σ²_B is ∂ℓ/∂σ²_B · 2(xᵢ − μ_B)/m."),
        ],
        "dmean": [
            (lambda: torch.zeros_like(b.dmean), "your ∂ℓ/∂x has no term through μ_B: add ∂ℓ/∂μ_B · 1/m."),
            (lambda: -b.dmean, "the sign of ∂ℓ/∂μ_B is flipped: x̂ subtracts μ_B, so ∂x̂ᵢ/∂μ_B = −1/√(σ²_B + ε)."),
            (lambda: m * b.dmean, "∂ℓ/∂μ_B reaches each xᵢ divided by m (μ_B = Σxᵢ/m): the term is ∂ℓ/∂μ_B · 1/m."),
        ],
        "dx": [
            (
                lambda: b.dx_hat / r.std,
                "only the path through x̂ᵢ is there: μ_B and σ²_B were treated as constants. Add the terms through "
                "σ²_B and μ_B (the graph moment shows the three paths).",
            )
        ],
        "dgamma": [
            (lambda: (dy * x_hat).sum(1), "summed over axis 1 (the features): ∂ℓ/∂γ sums over the batch, axis 0."),
            (lambda: dy * x_hat, "not summed: ∂ℓ/∂γ = Σᵢ ∂ℓ/∂yᵢ · x̂ᵢ, one number per feature."),
            (lambda: (dy * x).sum(0), "this sums ∂ℓ/∂yᵢ · xᵢ: it is x̂ᵢ, not xᵢ, that γ multiplies."),
            (lambda: (dy * x_hat).mean(0), "this is a mean over the batch: ∂ℓ/∂γ is the sum Σᵢ ∂ℓ/∂yᵢ · x̂ᵢ."),
        ],
        "dbeta": [
            (lambda: dy.sum(1), "summed over axis 1 (the features): ∂ℓ/∂β sums over the batch, axis 0."),
            (lambda: dy, "not summed: ∂ℓ/∂β = Σᵢ ∂ℓ/∂yᵢ, one number per feature."),
            (lambda: dy.mean(0), "this is a mean over the batch: ∂ℓ/∂β is the sum Σᵢ ∂ℓ/∂yᵢ."),
            (lambda: (dy * g).sum(0), "this has a factor γ: β is added after scaling, so ∂ℓ/∂β = Σᵢ ∂ℓ/∂yᵢ."),
        ],
    }[key]


GENERAL = {
    "mean": "μ_B = (1/m) Σᵢ xᵢ, one value per feature (axis 0).",
    "var": "σ²_B = (1/m) Σᵢ (xᵢ − μ_B)², one value per feature (axis 0), divided by m.",
    "std": "the denominator of x̂ is √(σ²_B + ε).",
    "x_hat": "x̂ᵢ = (xᵢ − μ_B)/√(σ²_B + ε).",
    "y": "y = γ·x̂ + β.",
    "dx_hat": "∂ℓ/∂x̂ᵢ = ∂ℓ/∂yᵢ · γ.",
    "dvar": "∂ℓ/∂σ²_B = Σᵢ ∂ℓ/∂x̂ᵢ · (xᵢ − μ_B) · −½(σ²_B + ε)^(−3/2), and it reaches xᵢ as ∂ℓ/∂σ²_B · 2(xᵢ − μ_B)/m.",
    "dmean": "∂ℓ/∂μ_B = Σᵢ ∂ℓ/∂x̂ᵢ · −1/√(σ²_B + ε) (+ a term through σ²_B that is 0), and it reaches xᵢ as ∂ℓ/∂μ_B/m.",
    "dx": "compare with the compact form ∂ℓ/∂xᵢ = γ/(m√(σ²_B + ε)) · (m ∂ℓ/∂yᵢ − Σₖ ∂ℓ/∂yₖ − x̂ᵢ Σₖ ∂ℓ/∂yₖ x̂ₖ).",
    "dgamma": "∂ℓ/∂γ = Σᵢ ∂ℓ/∂yᵢ · x̂ᵢ, summed over the batch (axis 0).",
    "dbeta": "∂ℓ/∂β = Σᵢ ∂ℓ/∂yᵢ, summed over the batch (axis 0).",
}


def matching(key: str, yours: Tensor, p: Probe, r: Reference) -> str | None:
    """The sentence of the first typical mistake whose value ``yours`` equals, or None."""
    for value, text in _signatures(key, p, r):
        if close(yours, value()):
            return text
    return None


def hint(key: str, yours: Tensor, p: Probe, r: Reference) -> str:
    """A sentence on what is wrong with ``yours`` (this probe's value of intermediate ``key``)."""
    found = matching(key, yours, p, r)
    if found is None:
        return f"The paper: {GENERAL[key]}"
    return found[0].upper() + found[1:] if found[0].isascii() else found  # "ε is ...", not "Ε is ..."
