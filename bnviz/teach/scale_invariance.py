r"""Scale invariance: multiply the weights feeding BN by a, and the output stays, the gradient shrinks by 1/a.

For :math:`z = u\,(aW)` followed by BN, :math:`\hat z` is the same for every :math:`a > 0` (up to ε,
which acts as ε/a²), so the loss is too, and the chain rule gives

.. math:: \mathrm{BN}(u\,aW) = \mathrm{BN}(u\,W), \qquad
          \frac{\partial\ell}{\partial (aW)} = \frac{1}{a}\frac{\partial\ell}{\partial W}, \qquad
          \frac{\|\eta\,\partial\ell/\partial(aW)\|}{\|aW\|} = \frac{1}{a^2}\,\frac{\|\eta\,\partial\ell/\partial W\|}{\|W\|}

A step of learning rate η on :math:`aW` turns its direction as much as a step of η/a² on W: the
effective learning rate goes as 1/a². :func:`train` shows it on a tiny network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from bnviz.norms import bn_steps

A_VALUES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)  # the page's slider
TRAIN_A = (0.1, 1.0, 10.0)  # the three short trainings
UNITS = 3  # BN units of the toy-batch layer


def toy_layer(m: int, features: int, seed: int) -> tuple[Tensor, Tensor]:
    """W ``(features, UNITS)`` ~ N(0, 1/features) and the weights w ``(m, UNITS)`` of the loss ℓ = Σ w·y, seeded.

    (w must vary over the rows: BN's backward removes the part of ∂ℓ/∂y that is the same in every row.)"""
    gen = torch.Generator().manual_seed(int(seed) + 3)
    weight = torch.randn(features, UNITS, generator=gen, dtype=torch.float64) / math.sqrt(features)
    return weight, torch.round(torch.randn(m, UNITS, generator=gen, dtype=torch.float64), decimals=2)


@dataclass(frozen=True)
class Scaled:
    """One value of a for the toy batch's layer z = x·(aW), y = BN(z) (γ = 1, β = 0), ℓ = Σ_ik w_ik·y_ik."""

    a: float
    y: Tensor  # (m, UNITS)
    grad: Tensor  # ∂ℓ/∂(aW), (d, UNITS)
    weight_norm: float  # ‖aW‖
    grad_norm: float  # ‖∂ℓ/∂(aW)‖
    grad_dot_weight: float  # Σ aW ⊙ ∂ℓ/∂(aW): 0, the gradient is orthogonal to the weights
    relative_step: float  # ‖η ∂ℓ/∂(aW)‖ / ‖aW‖ with η = 1


def scaled(x: Tensor, weight: Tensor, w: Tensor, a: float, eps: float) -> Scaled:
    """The layer at scale ``a``: its output, its weight gradient and how large a step is against the weights."""
    wa = a * weight  # aW
    # z = x·(aW);  y = BN(z) with γ = 1, β = 0
    ones, zeros = torch.ones(UNITS, dtype=x.dtype), torch.zeros(UNITS, dtype=x.dtype)
    fwd = bn_steps.forward_steps(x @ wa, ones, zeros, eps)
    # ℓ = Σ_ik w_ik·y_ik  ⇒  ∂ℓ/∂y = w
    dz = bn_steps.backward_steps(w, fwd, ones, eps).dx
    # ∂ℓ/∂(aW) = xᵀ · ∂ℓ/∂z
    grad = x.T @ dz
    return Scaled(
        a=float(a),
        y=fwd.y,
        grad=grad,
        weight_norm=wa.norm().item(),
        grad_norm=grad.norm().item(),
        grad_dot_weight=(wa * grad).sum().item(),
        # ‖η·∂ℓ/∂(aW)‖ / ‖aW‖  (η = 1)
        relative_step=grad.norm().item() / wa.norm().item(),
    )


def blobs(n: int, seed: int, dim: int = 8) -> tuple[Tensor, Tensor]:
    """Synthetic data: three Gaussian blobs of ``n`` points in ``dim`` dimensions, only the first two informative."""
    gen = torch.Generator().manual_seed(int(seed))
    centers = torch.zeros(3, dim, dtype=torch.float64)
    centers[:, :2] = torch.tensor([[0.0, 1.5], [-1.3, -0.75], [1.3, -0.75]], dtype=torch.float64)
    labels = torch.arange(n) % 3
    return centers[labels] + torch.randn(n, dim, generator=gen, dtype=torch.float64), labels


@dataclass(frozen=True)
class TinyRun:
    a: float
    lr: float  # η for W
    loss: list[float]  # cross-entropy before each step, over the whole (full-batch) data set
    weight_norm: list[float]  # ‖W‖ before each step


def train(a: float, lr: float, steps: int, seed: int = 0, eps: float = 1e-5, n: int = 192, hidden: int = 16) -> TinyRun:
    r"""Full-batch gradient descent on a tiny network, :math:`\text{softmax}(3\tanh(\mathrm{BN}(u\,aW))\,V)`.

    Only W trains (the readout V is a fixed random matrix, γ = 1 and β = 0), so a is the only thing
    that differs between runs: training at scale a with rate η is training at scale 1 with η/a².
    """
    u, labels = blobs(n, seed)
    gen = torch.Generator().manual_seed(int(seed) + 1)
    weight = a * torch.randn(u.shape[1], hidden, generator=gen, dtype=torch.float64) / math.sqrt(u.shape[1])
    readout = torch.randn(hidden, 3, generator=gen, dtype=torch.float64) / math.sqrt(hidden)
    ones, zeros = torch.ones(hidden, dtype=torch.float64), torch.zeros(hidden, dtype=torch.float64)
    losses, norms = [], []
    for _ in range(steps + 1):
        weight = weight.detach().requires_grad_(True)
        # logits = 3·tanh(BN(u·W))·V
        logits = 3.0 * torch.tanh(bn_steps.forward_steps(u @ weight, ones, zeros, eps).y) @ readout
        loss = torch.nn.functional.cross_entropy(logits, labels)
        (grad,) = torch.autograd.grad(loss, weight)
        losses.append(loss.item())
        norms.append(weight.norm().item())
        # W ← W − η·∂ℓ/∂W
        weight = weight - lr * grad
    return TinyRun(float(a), float(lr), losses, norms)
