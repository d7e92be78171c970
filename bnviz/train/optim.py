r"""SGD and Adam with ``torch.optim``'s arithmetic, without its import cost.

Constructing any ``torch.optim`` optimizer imports ``torch._dynamo`` (about 800 modules: 70 MB of
resident memory and 1.5 s on this project's machine), although a plain SGD step needs none of it.
This class does the same arithmetic, in the same order, as ``torch.optim.SGD``'s per-tensor path on
the CPU, so a run gives the same numbers bit for bit (tested against it):

.. math::
    g_t = \nabla_\theta\ell + \lambda\theta_{t-1} \qquad
    b_t = \mu b_{t-1} + g_t \;(b_1 = g_1) \qquad
    \theta_t = \theta_{t-1} - \eta\, b_t

with learning rate :math:`\eta`, momentum :math:`\mu` (0: plain SGD, the paper's MNIST setting) and
weight decay :math:`\lambda`. :class:`Adam` likewise follows ``torch.optim.Adam``'s single-tensor path.
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


class Adam:
    r"""``torch.optim.Adam(params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay)`` for dense CPU tensors
    (no amsgrad), in the same order of operations as torch's single-tensor path, so runs agree bit for bit:

    .. math::
        g_t = \nabla_\theta\ell + \lambda\theta_{t-1} \qquad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \qquad
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}
    """

    def __init__(
        self,
        params: Iterable[nn.Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        self.params = [p for p in params if p.requires_grad]
        if not lr > 0:
            raise ValueError(f"lr must be positive (got {lr!r})")
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"betas must be in [0, 1) (got {betas!r})")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0 (got {weight_decay!r})")
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.t = 0
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]

    zero_grad = SGD.zero_grad

    @torch.no_grad()
    def step(self) -> None:
        beta1, beta2 = self.betas
        self.t += 1
        # the bias corrections of the first and second moments, 1 − β^t
        bias_correction1 = 1 - beta1**self.t
        bias_correction2_sqrt = (1 - beta2**self.t) ** 0.5
        step_size = self.lr / bias_correction1
        for p, m, v in zip(self.params, self.exp_avg, self.exp_avg_sq):
            if p.grad is None:
                continue
            g = p.grad if not self.weight_decay else p.grad.add(p, alpha=self.weight_decay)  # g ← ∇ℓ + λθ
            # m_t = β1 m_{t−1} + (1 − β1) g_t
            m.lerp_(g, 1 - beta1)
            # v_t = β2 v_{t−1} + (1 − β2) g_t²
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            # θ ← θ − η/(1 − β1^t) · m_t / (√v_t / √(1 − β2^t) + ε)
            denom = (v.sqrt() / bias_correction2_sqrt).add_(self.eps)
            p.addcdiv_(m, denom, value=-step_size)


def make_optimizer(config, params: Iterable[nn.Parameter]) -> SGD | Adam:
    """The optimizer a :class:`~bnviz.train.config.TrainConfig` names, over ``params``."""
    if config.optimizer == "adam":
        return Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
