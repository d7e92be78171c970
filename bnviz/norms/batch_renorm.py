r"""Batch Renormalization (Ioffe 2017, arXiv 1702.03275): BN that trains on what inference will compute.

BN normalizes with the mini-batch's :math:`\mu_B, \sigma_B` in training and with the moving
averages :math:`\mu, \sigma` at inference. Since

.. math:: \frac{x_i-\mu}{\sigma} = \frac{x_i-\mu_B}{\sigma_B}\cdot r + d,\qquad
          r = \frac{\sigma_B}{\sigma},\quad d = \frac{\mu_B-\mu}{\sigma},

the paper (Algorithm 1) trains with

.. math:: r = \mathrm{stop\_gradient}\big(\mathrm{clip}_{[1/r_{max},\,r_{max}]}(\sigma_B/\sigma)\big),\quad
          d = \mathrm{stop\_gradient}\big(\mathrm{clip}_{[-d_{max},\,d_{max}]}((\mu_B-\mu)/\sigma)\big),

.. math:: \hat x_i = \frac{x_i-\mu_B}{\sigma_B}\cdot r + d,\qquad y_i = \gamma\hat x_i + \beta,

with :math:`\sigma_B = \sqrt{\epsilon + \frac{1}{m}\sum_i (x_i-\mu_B)^2}`. r and d are constants to
the gradient, so backprop is BN's (through :math:`\mu_B, \sigma_B`) scaled by r; unclipped they
would make the training output exactly the inference output. With :math:`r_{max}=1, d_{max}=0`
it *is* BN. Inference is BN's: :math:`y = \gamma (x-\mu)/\sigma + \beta`.

Choices, and where they differ from the paper:

- **Moving averages.** The paper keeps :math:`\mu` and :math:`\sigma` (a standard deviation)
  and moves them by :math:`\mu \mathrel{+}= \alpha(\mu_B-\mu)`, :math:`\sigma \mathrel{+}= \alpha(\sigma_B-\sigma)`.
  We keep PyTorch's BN buffers instead (``running_mean``, and ``running_var`` holding the
  *unbiased* variance, moved with ``momentum`` as in ``torch.nn.BatchNorm``), and take
  :math:`\sigma = \sqrt{\texttt{running\_var} + \epsilon}`. So the ``state_dict`` is BN's, a
  trained BN's statistics load as they are, and eval is exactly BN's eval. (Chainer's
  ``batch_renormalization`` makes the same choice.) r and d use the averages from *before*
  this batch's update, as in Algorithm 1, where the update is the last step.
- **Warm-up.** "In practice, it is beneficial to train the model for a certain number of
  iterations with batchnorm alone, without the correction, then ramp up the amount of allowed
  correction." In the ImageNet experiments (Section 4) the bounds are (1, 0) for the first
  5000 steps, then relaxed gradually to reach :math:`r_{max}=3` at 40k steps and
  :math:`d_{max}=5` at 25k steps; "gradually" is not specified, so we ramp linearly. With
  ``t`` batches already seen (``num_batches_tracked`` before this batch): ``bn_steps`` steps
  of plain BN, then over ``warmup_steps`` steps both bounds move linearly from (1, 0) to
  (``r_max``, ``d_max``). One ramp serves both bounds (the paper's d ramp is shorter);
  ``bn_steps=5000, warmup_steps=35000`` gives the paper's r schedule. The defaults, no BN
  phase and a 5000-step ramp, suit bnviz's runs of thousands of steps: the first batch is pure
  BN (the running statistics are still 0 and 1 then), and the correction grows as the
  averages become meaningful.
"""

from __future__ import annotations

import torch
from torch import Tensor

from bnviz.norms.batch_norm import _BatchNorm, check_batch
from bnviz.norms.bn_fused import batch_stats, gamma_beta, per_channel, update_running_stats


def renorm_bounds(step: int, r_max: float, d_max: float, bn_steps: int, warmup_steps: int) -> tuple[float, float]:
    """The clipping bounds ``(r_max_t, d_max_t)`` in force after ``step`` training batches (linear warm-up)."""
    if step < bn_steps:
        return 1.0, 0.0
    # fraction of the ramp done: 0 at the end of the BN phase, 1 from bn_steps + warmup_steps on
    done = 1.0 if warmup_steps <= 0 else min(1.0, (step - bn_steps) / warmup_steps)
    # r_max_t = 1 + (r_max − 1)·done,   d_max_t = d_max·done
    return 1.0 + (r_max - 1.0) * done, d_max * done


def batch_renorm_train(
    x: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor,
    running_var: Tensor,
    eps: float,
    r_max: float,
    d_max: float,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Algorithm 1 of the paper (training): ``(y, μ_B, σ²_B, r, d)``, σ²_B biased; r and d carry no gradient."""
    # μ_B = 1/m Σ_i x_i,  σ²_B = 1/m Σ_i (x_i − μ_B)²   (biased), and x_i − μ_B
    mean, var, centered, _ = batch_stats(x)
    # σ_B = √(σ²_B + ε)
    std_b = torch.sqrt(var + eps)
    with torch.no_grad():  # stop_gradient: r and d are constants to backprop
        # σ = √(Var[x] + ε), μ = E[x]: the moving averages, before this batch moves them
        std = per_channel(torch.sqrt(running_var + eps), x)
        mu = per_channel(running_mean, x)
        # r = clip_[1/r_max, r_max](σ_B / σ)
        r = torch.clamp(std_b / std, 1.0 / r_max, r_max)
        # d = clip_[−d_max, d_max]((μ_B − μ) / σ)
        d = torch.clamp((mean - mu) / std, -d_max, d_max)
    # x̂_i = (x_i − μ_B)/σ_B · r + d
    x_hat = centered / std_b * r + d
    # y_i = γ x̂_i + β
    return gamma_beta(x_hat, weight, bias), mean, var, r, d


class _BatchRenorm(_BatchNorm):
    """Shared code of :class:`BatchRenorm1d` and :class:`BatchRenorm2d`: BN's bookkeeping, Algorithm 1's training step."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        device=None,
        dtype=None,
        *,
        r_max: float = 3.0,
        d_max: float = 5.0,
        bn_steps: int = 0,
        warmup_steps: int = 5000,
    ) -> None:
        if r_max < 1 or d_max < 0:
            raise ValueError(f"need r_max >= 1 and d_max >= 0 (got r_max={r_max}, d_max={d_max})")
        if bn_steps < 0 or warmup_steps < 0:
            raise ValueError(f"bn_steps and warmup_steps must be >= 0 (got {bn_steps}, {warmup_steps})")
        # Running statistics are part of the method (μ, σ in r and d), so they are always tracked.
        super().__init__(num_features, eps, momentum, affine, track_running_stats=True, device=device, dtype=dtype)
        self.r_max = r_max
        self.d_max = d_max
        self.bn_steps = bn_steps
        self.warmup_steps = warmup_steps

    def current_bounds(self) -> tuple[float, float]:
        """``(r_max_t, d_max_t)`` the next training batch will be clipped with."""
        return renorm_bounds(int(self.num_batches_tracked), self.r_max, self.d_max, self.bn_steps, self.warmup_steps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"r_max={self.r_max}, d_max={self.d_max}, bn_steps={self.bn_steps}, warmup_steps={self.warmup_steps}"
        )

    def forward(self, x: Tensor) -> Tensor:
        if not self.training:
            return super().forward(x)  # inference is BN's: y = γ (x − μ)/σ + β with the running averages
        self._check_input_dim(x)
        m = check_batch(x)
        r_max, d_max = self.current_bounds()
        y, mean, var, _, _ = batch_renorm_train(
            x, self.weight, self.bias, self.running_mean, self.running_var, self.eps, r_max, d_max
        )
        with torch.no_grad():  # the running variance unbiased, as torch's BN stores it:
            # E[x] ← (1−f)·E[x] + f·μ_B,  Var[x] ← (1−f)·Var[x] + f·m/(m−1)·σ²_B
            update_running_stats(self.running_mean, self.running_var, mean, var, m, self._count_batch())
        return y


class BatchRenorm1d(_BatchRenorm):
    r"""Batch Renormalization over a ``(N, C)`` or ``(N, C, L)`` input.

    ``BatchNorm1d``'s parameters, buffers and ``state_dict`` keys; keyword-only ``r_max``,
    ``d_max`` (final clipping bounds, the paper's 3 and 5) and the warm-up ``bn_steps``,
    ``warmup_steps`` (see the module docstring).
    """

    _valid_dims = (2, 3)


class BatchRenorm2d(_BatchRenorm):
    r"""Batch Renormalization over a ``(N, C, H, W)`` input, statistics per channel over N*H*W values.

    ``BatchNorm2d``'s parameters, buffers and ``state_dict`` keys; keyword-only ``r_max``,
    ``d_max``, ``bn_steps``, ``warmup_steps`` (see the module docstring).
    """

    _valid_dims = (4,)
