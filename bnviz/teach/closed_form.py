r"""Section 3's six backward equations folded into one line, and what that line says about the gradient.

Substituting :math:`x_k-\mu_B = \hat x_k\sqrt{\sigma_B^2+\epsilon}` and :math:`\sum_k(x_k-\mu_B) = 0`
into the paper's equations leaves

.. math:: \frac{\partial\ell}{\partial x_i} = \frac{\gamma}{m\sqrt{\sigma_B^2+\epsilon}}
          \Big(m\frac{\partial\ell}{\partial y_i} - \sum_k\frac{\partial\ell}{\partial y_k}
          - \hat x_i\sum_k\frac{\partial\ell}{\partial y_k}\hat x_k\Big)

so per feature :math:`\sum_i \partial\ell/\partial x_i = 0` (a gradient step cannot shift the batch) and
:math:`\sum_i \partial\ell/\partial x_i\,\hat x_i = \gamma\,\frac{\partial\ell}{\partial\gamma}\,
\epsilon/(\sigma_B^2+\epsilon)^{3/2}`, which is 0 at ε = 0 (nor scale it).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from bnviz.norms import bn_steps
from bnviz.teach.checks import Check, make_check, rounding_scales, zero_within_rounding
from bnviz.teach.stepthrough import Walk

# The derivation, one substitution a line (LaTeX), from the six equations to the compact form.
DERIVATION = (
    r"\frac{\partial\ell}{\partial\sigma_B^2} = \sum_k\frac{\partial\ell}{\partial\hat x_k}(x_k-\mu_B)"
    r"\cdot\frac{-1}{2}(\sigma_B^2+\epsilon)^{-3/2} = \frac{-1}{2(\sigma_B^2+\epsilon)}"
    r"\sum_k\frac{\partial\ell}{\partial\hat x_k}\hat x_k",
    r"\frac{\partial\ell}{\partial\mu_B} = -\frac{1}{\sqrt{\sigma_B^2+\epsilon}}\sum_k"
    r"\frac{\partial\ell}{\partial\hat x_k} + \frac{\partial\ell}{\partial\sigma_B^2}\cdot"
    r"\underbrace{\frac{\sum_k -2(x_k-\mu_B)}{m}}_{=\,0}",
    r"\frac{\partial\ell}{\partial x_i} = \frac{1}{m\sqrt{\sigma_B^2+\epsilon}}\Big(m\frac{\partial\ell}"
    r"{\partial\hat x_i} - \sum_k\frac{\partial\ell}{\partial\hat x_k} - \hat x_i\sum_k"
    r"\frac{\partial\ell}{\partial\hat x_k}\hat x_k\Big)",
)


def compact_dx(dy: Tensor, fwd: bn_steps.ForwardSteps, gamma: Tensor, eps: float) -> Tensor:
    r"""∂ℓ/∂x in one line, ``(m, d)``.

    .. math:: \frac{\partial\ell}{\partial x_i} = \frac{\gamma}{m\sqrt{\sigma_B^2+\epsilon}}
              \Big(m\frac{\partial\ell}{\partial y_i} - \sum_k\frac{\partial\ell}{\partial y_k}
              - \hat x_i\sum_k\frac{\partial\ell}{\partial y_k}\hat x_k\Big)
    """
    m = fwd.m
    # γ/(m·√(σ²_B + ε)) · (m·∂ℓ/∂y_i − Σ_k ∂ℓ/∂y_k − x̂_i·Σ_k ∂ℓ/∂y_k·x̂_k)
    return gamma / (m * torch.sqrt(fwd.batch_var + eps)) * (m * dy - dy.sum(0) - fwd.x_hat * (dy * fwd.x_hat).sum(0))


@dataclass(frozen=True)
class ClosedForm:
    dx: Tensor  # the compact form's ∂ℓ/∂x, (m, d)
    against_paper: Check  # the compact form vs Section 3's six equations
    against_autograd: Check  # the compact form vs torch autograd


def closed_form(w: Walk) -> ClosedForm:
    """The compact ∂ℓ/∂x for the walk's batch, checked against the six equations and against autograd."""
    dx = compact_dx(w.dy, w.fwd, w.gamma, w.eps)
    f, m = w.fwd, w.fwd.m
    # The compact form rounds in proportion to its own terms, |γ|/(m√(σ²_B+ε)) · (m|∂ℓ/∂yᵢ| + Σ|∂ℓ/∂yₖ| +
    # |x̂ᵢ|Σ|∂ℓ/∂yₖ x̂ₖ|), where x̂ is known only to the size of x: x − μ_B loses the digits x and μ_B share.
    std = torch.sqrt(f.batch_var + w.eps)
    x_hat_size = (f.x.abs() + f.batch_mean.abs()) / std  # |x̂| as far as rounding is concerned
    own = (
        w.gamma.abs() / (m * std) * (m * w.dy.abs() + w.dy.abs().sum(0) + x_hat_size * (w.dy.abs() * x_hat_size).sum(0))
    )
    scale = torch.maximum(rounding_scales(w)["dx"], own)
    return ClosedForm(
        dx,
        make_check("∂ℓ/∂x, the compact form vs the six equations", dx, w.bwd.dx, scale, w.fwd.m),
        make_check("∂ℓ/∂x, the compact form vs torch autograd", dx, w.autograd["dx"], scale, w.fwd.m),
    )


@dataclass(frozen=True)
class Geometry:
    """Per feature, ``(d,)``: the two sums the compact form makes 0, and the same sums for the direct path alone."""

    sum_dx: Tensor  # Σ_i ∂ℓ/∂x_i, shown as 0 where float64 rounding explains what is left
    sum_dx_x_hat: Tensor  # Σ_i ∂ℓ/∂x_i · x̂_i
    eps_part: Tensor  # what ε leaves of it: γ · ∂ℓ/∂γ · ε / (σ²_B + ε)^(3/2)
    sum_direct: Tensor  # Σ_i ∂ℓ/∂x̂_i / √(σ²_B + ε): the path through x̂ alone does shift the batch
    sum_direct_x_hat: Tensor  # Σ_i ∂ℓ/∂x̂_i / √(σ²_B + ε) · x̂_i: ... and scale it


def geometry(w: Walk) -> Geometry:
    """How ∂ℓ/∂x lies against the all-ones vector and against x̂, feature by feature."""
    f, dx = w.fwd, w.bwd.dx
    direct = w.bwd.dx_hat / torch.sqrt(f.batch_var + w.eps)  # ∂ℓ/∂x̂_i / √(σ²_B + ε)
    sizes = rounding_scales(w)["dx"].expand_as(dx)  # the size of the terms behind each ∂ℓ/∂x_i
    return Geometry(
        # Σ_i ∂ℓ/∂x_i = 0
        sum_dx=zero_within_rounding(dx.sum(0), sizes),
        # Σ_i ∂ℓ/∂x_i · x̂_i = γ · ∂ℓ/∂γ · ε / (σ²_B + ε)^(3/2)
        sum_dx_x_hat=zero_within_rounding((dx * f.x_hat).sum(0), sizes * f.x_hat.abs()),
        eps_part=w.gamma * w.bwd.dgamma * w.eps / (f.batch_var + w.eps) ** 1.5,
        sum_direct=direct.sum(0),
        sum_direct_x_hat=(direct * f.x_hat).sum(0),
    )
