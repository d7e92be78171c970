r"""Stochastic gradient descent with ``torch.optim.SGD``'s arithmetic, without its import cost.

Constructing any ``torch.optim`` optimizer imports ``torch._dynamo`` (about 800 modules: 70 MB of
resident memory and 1.5 s on this project's machine), although a plain SGD step needs none of it.
This class does the same arithmetic, in the same order, as ``torch.optim.SGD``'s per-tensor path on
the CPU, so a run gives the same numbers bit for bit (tested against it):

.. math::
    g_t = \nabla_\theta\ell + \lambda\theta_{t-1} \qquad
    b_t = \mu b_{t-1} + g_t \;(b_1 = g_1) \qquad
    \theta_t = \theta_{t-1} - \eta\, b_t

with learning rate :math:`\eta`, momentum :math:`\mu` (0: plain SGD, the paper's MNIST setting) and
weight decay :math:`\lambda`.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn


class SGD:
    """``torch.optim.SGD(params, lr, momentum, weight_decay)`` for dense CPU tensors (no dampening, no Nesterov)."""

    def __init__(self, params: Iterable[nn.Parameter], lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        self.params = [p for p in params if p.requires_grad]
        if not lr > 0:
            raise ValueError(f"lr must be positive (got {lr!r})")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1) (got {momentum!r})")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0 (got {weight_decay!r})")
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.momentum_buffer: list[Tensor | None] = [None] * len(self.params)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        if not self.momentum and not self.weight_decay:
            # θ ← θ − η ∇ℓ for every parameter in one call (the same per-tensor add_, minus Python's loop)
            live = [p for p in self.params if p.grad is not None]
            torch._foreach_add_(live, [p.grad for p in live], alpha=-self.lr)
            return
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad
            if self.weight_decay:
                # g ← ∇ℓ + λθ
                g = g.add(p, alpha=self.weight_decay)
            if self.momentum:
                buf = self.momentum_buffer[i]
                if buf is None:
                    # b_1 = g_1
                    buf = self.momentum_buffer[i] = g.clone().detach()
                else:
                    # b_t = μ b_{t−1} + g_t
                    buf.mul_(self.momentum).add_(g)
                g = buf
            # θ ← θ − η g
            p.add_(g, alpha=-self.lr)
