r"""BN's backward pass as a computational graph: the three paths by which each :math:`x_i` reaches the loss.

:math:`x_i` enters the loss through its own :math:`\hat x_i`, through :math:`\sigma^2_B` (which every
:math:`\hat x_k` divides by) and through :math:`\mu_B` (which every :math:`\hat x_k` subtracts).
Section 3's last chain-rule equation adds one term per path:

.. math::
    \frac{\partial\ell}{\partial x_i} =
    \underbrace{\frac{\partial\ell}{\partial\hat x_i}\cdot\frac{1}{\sqrt{\sigma_B^2+\epsilon}}}_{\text{through }\hat x_i}
    + \underbrace{\frac{\partial\ell}{\partial\sigma_B^2}\cdot\frac{2(x_i-\mu_B)}{m}}_{\text{through }\sigma_B^2}
    + \underbrace{\frac{\partial\ell}{\partial\mu_B}\cdot\frac{1}{m}}_{\text{through }\mu_B}

Treating :math:`\mu_B` and :math:`\sigma^2_B` as constants keeps only the first term. Section 2 of the
paper warns what that does to a bias :math:`b` before the normalization: :func:`bias_drift` runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from bnviz.norms import bn_steps
from bnviz.teach.checks import zero_within_rounding
from bnviz.teach.stepthrough import Walk

PATH_NAMES = {"direct": "through x̂ᵢ", "var": "through σ²_B", "mean": "through μ_B"}
PATH_LATEX = {
    "direct": r"\frac{\partial\ell}{\partial\hat x_i}\cdot\frac{1}{\sqrt{\sigma_B^2+\epsilon}}",
    "var": r"\frac{\partial\ell}{\partial\sigma_B^2}\cdot\frac{2(x_i-\mu_B)}{m}",
    "mean": r"\frac{\partial\ell}{\partial\mu_B}\cdot\frac{1}{m}",
}


@dataclass(frozen=True)
class Paths:
    """∂ℓ/∂x split by the path each part took, every term ``(m, d)``, and autograd's total for comparison."""

    direct: Tensor  # ∂ℓ/∂x̂_i / √(σ²_B + ε)
    var: Tensor  # ∂ℓ/∂σ²_B · 2(x_i − μ_B)/m
    mean: Tensor  # ∂ℓ/∂μ_B / m, the same for every row
    dmean_from_x_hat: Tensor  # the part of ∂ℓ/∂μ_B that comes straight from the x̂_k, (d,)
    dmean_from_var: Tensor  # the part through σ²_B: ∂ℓ/∂σ²_B · Σ_k −2(x_k − μ_B)/m, (d,): 0, as Σ_k (x_k − μ_B) is
    autograd: Tensor  # torch autograd's ∂ℓ/∂x on the same graph

    @property
    def total(self) -> Tensor:
        return self.direct + self.var + self.mean

    def term(self, name: str) -> Tensor:
        return getattr(self, name)


def paths(w: Walk) -> Paths:
    """The three terms of Section 3's ∂ℓ/∂x for the walk's batch, as the paper writes them."""
    f, b, m = w.fwd, w.bwd, w.fwd.m
    centered = f.x - f.batch_mean  # x_i − μ_B, (m, d)
    inv_std = (f.batch_var + w.eps) ** -0.5  # 1/√(σ²_B + ε), (d,)
    return Paths(
        # ∂ℓ/∂x̂_i · 1/√(σ²_B + ε)
        direct=b.dx_hat * inv_std,
        # ∂ℓ/∂σ²_B · 2(x_i − μ_B)/m
        var=b.dvar * 2.0 * centered / m,
        # ∂ℓ/∂μ_B · 1/m
        mean=(b.dmean / m).expand_as(f.x),
        # Σ_k ∂ℓ/∂x̂_k · −1/√(σ²_B + ε)
        dmean_from_x_hat=-b.dx_hat.sum(0) * inv_std,
        # ∂ℓ/∂σ²_B · Σ_k −2(x_k − μ_B)/m, with Σ_k (x_k − μ_B) shown as 0 where float64 rounding explains the rest
        dmean_from_var=b.dvar * -2.0 * zero_within_rounding(centered.sum(0), f.x.abs() + f.batch_mean.abs()) / m,
        autograd=w.autograd["dx"],
    )


def constants_gradient(w: Walk) -> Tensor:
    r"""∂ℓ/∂x if μ_B and σ²_B were constants: only the path through x̂ᵢ is left.

    .. math:: \frac{\partial\ell}{\partial x_i}\Big|_{\mu_B,\,\sigma_B^2\ \text{const}}
              = \frac{\partial\ell}{\partial\hat x_i}\cdot\frac{1}{\sqrt{\sigma_B^2+\epsilon}}
    """
    # ∂ℓ/∂x̂_i / √(σ²_B + ε)
    return w.bwd.dx_hat / torch.sqrt(w.fwd.batch_var + w.eps)


@dataclass(frozen=True)
class Drift:
    """Gradient descent on a bias b before BN, step by step: ``b``, the loss and how far y moved."""

    constants: bool  # whether μ_B and σ²_B were treated as constants in ∂ℓ/∂b
    lr: float
    b: Tensor  # (steps + 1, d): b before each step, from 0
    grad_b: Tensor  # (steps + 1, d): the ∂ℓ/∂b each step used
    loss: Tensor  # (steps + 1,)
    y_moved: Tensor  # (steps + 1,): max |y_t − y_0| over the batch


def bias_drift(
    u: Tensor, gamma: Tensor, beta: Tensor, eps: float, w: Tensor, lr: float, steps: int, constants: bool
) -> Drift:
    r"""Section 2's example on BN: :math:`x = u + b`, :math:`y = \mathrm{BN}(x)`, :math:`\ell = \sum_{i,k} w_{ik}\,y_{ik}`.

    With μ_B and σ²_B held constant, ∂ℓ/∂b is the path through x̂ alone, which is not 0; but adding
    any b to every row moves μ_B by b and leaves x̂, y and the loss as they were. So b moves by the
    same amount at every step, without end. The full chain rule gives ∂ℓ/∂b = Σ_i ∂ℓ/∂x_i = 0.

    .. math:: \frac{\partial\ell}{\partial b}\Big|_{\text{const}}
              = \sum_i\frac{\partial\ell}{\partial\hat x_i}\frac{1}{\sqrt{\sigma_B^2+\epsilon}} \neq 0
              \qquad \frac{\partial\ell}{\partial b} = \sum_i\frac{\partial\ell}{\partial x_i} = 0
    """
    b = torch.zeros(u.shape[1], dtype=u.dtype)
    bs, grads, losses, moved = [], [], [], []
    y0 = None
    for _ in range(steps + 1):
        # x = u + b, then Algorithm 1
        f = bn_steps.forward_steps(u + b, gamma, beta, eps)
        y0 = f.y if y0 is None else y0
        if constants:
            # ∂ℓ/∂b = Σ_i ∂ℓ/∂y_i · γ / √(σ²_B + ε)   (μ_B, σ²_B held constant)
            grad = (w * gamma).sum(0) / torch.sqrt(f.batch_var + eps)
        else:
            # ∂ℓ/∂b = Σ_i ∂ℓ/∂x_i   (every path)
            grad = bn_steps.backward_steps(w, f, gamma, eps).dx.sum(0)
        bs.append(b)
        grads.append(grad)
        # ℓ = Σ_{i,k} w_ik · y_ik
        losses.append((w * f.y).sum())
        moved.append((f.y - y0).abs().max())
        # b ← b − lr · ∂ℓ/∂b
        b = b - lr * grad
    return Drift(constants, lr, torch.stack(bs), torch.stack(grads), torch.stack(losses), torch.stack(moved))
