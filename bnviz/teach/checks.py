"""Two computations of one quantity, held to float64 rounding for the size of their terms.

The step-through page checks each of the paper's equations against torch autograd. An absolute
tolerance raised false alarms on legal input (values near 1e6, ε = 1e-12 with a tiny spread):
rounding errs in proportion to the terms combined, not to the result, so each check allows
``ROUNDING_ULPS · n · ε_float64 · |terms|`` and explains in words a difference beyond that.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

FLOAT64_EPS = torch.finfo(torch.float64).eps  # 2.2e-16, the spacing of float64 numbers near 1

# Two float64 evaluations of one formula in different orders differ by rounding: a few ε per
# operation, times the size of the terms combined, and a sum of n terms gathers up to n of them.
# Within ROUNDING_ULPS · n · ε · |terms| two results agree; beyond it they differ in the math.
ROUNDING_ULPS = 8
# The spacing of float64 numbers never falls below the smallest subnormal, 4.9e-324 = ε · 2.2e-308: below
# 2.2e-308 (the smallest normal number) rounding errs by that much, not by ε times the value. So a term
# counts as at least TINY in size, and a tolerance, which would underflow to 0, as at least a subnormal.
TINY = torch.finfo(torch.float64).smallest_normal
SUBNORMAL = TINY * FLOAT64_EPS


GRAD_NAMES = {
    "dx_hat": "∂ℓ/∂x̂",
    "dvar": "∂ℓ/∂σ²_B",
    "dmean": "∂ℓ/∂μ_B",
    "dx": "∂ℓ/∂x",
    "dgamma": "∂ℓ/∂γ",
    "dbeta": "∂ℓ/∂β",
}


def rounding_scales(w) -> dict[str, Tensor]:  # w: a stepthrough.Walk
    """The size of the terms behind each gradient: its formula with every term made non-negative.

    Rounding errs in proportion to these, not to the result: ∂ℓ/∂σ²_B sums terms of ±10¹² that
    cancel to ~0 when ε = 1e-12 meets a feature of tiny spread, and float64 keeps their sum only
    to ~10¹² · ε ≈ 10⁻⁴. An absolute tolerance called that a failure."""
    f, m = w.fwd, w.fwd.m
    centered = (f.x - f.batch_mean).abs().clamp_min(TINY)  # |x_i − μ_B|, (m, d), at least TINY: see TINY
    inv_std = (f.batch_var + w.eps) ** -0.5  # 1/√(σ²_B + ε), (d,)
    dx_hat = w.bwd.dx_hat.abs().clamp_min(TINY)
    dy = w.dy.abs().clamp_min(TINY)
    # |∂ℓ/∂y_i| · |γ|
    s_dx_hat = dy * w.gamma.abs()
    # Σ_i |∂ℓ/∂x̂_i| · |x_i − μ_B| · ½ (σ²_B + ε)^(−3/2)
    s_dvar = (dx_hat * centered).sum(0) * 0.5 * inv_std**3
    # Σ_i |∂ℓ/∂x̂_i| / √(σ²_B + ε) + |∂ℓ/∂σ²_B| · Σ_i 2|x_i − μ_B| / m
    s_dmean = dx_hat.sum(0) * inv_std + s_dvar * 2.0 * centered.sum(0) / m
    # |∂ℓ/∂x̂_i| / √(σ²_B + ε) + |∂ℓ/∂σ²_B| · 2|x_i − μ_B| / m + |∂ℓ/∂μ_B| / m
    s_dx = dx_hat * inv_std + s_dvar * 2.0 * centered / m + s_dmean / m
    # Σ_i |∂ℓ/∂y_i| · |x̂_i|   and   Σ_i |∂ℓ/∂y_i|
    s_dgamma, s_dbeta = (dy * f.x_hat.abs().clamp_min(TINY)).sum(0), dy.sum(0)
    return {"dx_hat": s_dx_hat, "dvar": s_dvar, "dmean": s_dmean, "dx": s_dx, "dgamma": s_dgamma, "dbeta": s_dbeta}


@dataclass(frozen=True)
class Check:
    """Two computations of one quantity (e.g. the paper's ∂ℓ/∂x and autograd's), entry by entry."""

    what: str  # e.g. "∂ℓ/∂x, the paper's equation vs torch autograd"
    got: Tensor  # the first computation, (m, d) or (d,)
    want: Tensor  # the reference
    tol: Tensor  # the largest |got − want| float64 rounding explains, per entry

    @property
    def diff(self) -> Tensor:
        return (self.got - self.want).abs()

    @property
    def max_diff(self) -> float:
        return self.diff.max().item()

    @property
    def ok(self) -> bool:
        return bool((self.diff <= self.tol).all())

    def explanation(self) -> str:
        """One or two sentences: how close the two are and why that counts as agreement, or not."""
        excess = self.diff / self.tol.clamp_min(torch.finfo(torch.float64).tiny)  # how many tolerances apart
        k = int(excess.argmax())
        d, t, ref = self.diff.flatten()[k].item(), self.tol.flatten()[k].item(), self.want.flatten()[k].item()
        if self.ok:
            return (
                f"max |difference| = {self.max_diff:.2g}, within float64 rounding for terms of this size "
                f"(up to {t:.2g} where the two come closest to the limit)."
            )
        where = (
            f"row {k // self.want.shape[1] + 1}, feature {k % self.want.shape[1] + 1}"
            if self.want.dim() == 2
            else f"feature {k + 1}"
        )
        share = f", {d / abs(ref):.2g} times the value itself ({ref:.4g})" if ref else ""
        return (
            f"max |difference| = {self.max_diff:.3g}. At {where} the two differ by {d:.3g}{share}, but "
            f"float64 rounding of terms this size explains at most {t:.2g}: the two computations "
            "disagree in the math, not in rounding, so one of them has a wrong or missing term."
        )


def make_check(what: str, got: Tensor, want: Tensor, scale: Tensor, n: int) -> Check:
    """A :class:`Check` whose tolerance is float64 rounding for ``n`` combined terms of size ``scale``."""
    # |got − want| ≤ ROUNDING_ULPS · n · max(ε_float64 · |terms|, the smallest subnormal)
    tol = ROUNDING_ULPS * n * torch.clamp_min(FLOAT64_EPS * scale.expand_as(want), SUBNORMAL)
    return Check(what, got.detach(), want.detach(), tol)


def zero_within_rounding(total: Tensor, sizes: Tensor) -> Tensor:
    """A sum the math says is 0, per feature, shown as exactly 0 where float64 rounding explains what is left.

    Σᵢ(xᵢ − μ_B) comes out as 5.551e-17 or -0 rather than 0: every term carries rounding of a few ε of the
    numbers it was computed from (``sizes``, (m, d): for xᵢ − μ_B that is |xᵢ| + |μ_B|, since μ_B itself is
    rounded to the size of x). Where |sum| ≤ ROUNDING_ULPS · m · ε · Σᵢ sizesᵢ it is 0 within rounding (a
    clean +0); anything larger is kept, because then the math, not rounding, left it."""
    # |Σᵢ tᵢ| ≤ ROUNDING_ULPS · m · max(ε_float64 · Σᵢ |sizeᵢ|, the smallest subnormal)   →   0
    bound = ROUNDING_ULPS * sizes.shape[0] * torch.clamp_min(FLOAT64_EPS * sizes.abs().sum(0), SUBNORMAL)
    return torch.where(total.abs() <= bound, torch.zeros_like(total), total)
