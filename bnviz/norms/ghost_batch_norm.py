r"""Ghost Batch Normalization (Hoffer, Hubara & Soudry 2017, "Train longer, generalize better", arXiv 1705.08741).

A large batch is cut into *virtual* ("ghost") batches of ``virtual_batch_size`` examples and
each is normalized with its own statistics, so a large-batch step sees the noisier statistics
of small batches (the regularization the paper credits for small batches' better
generalization). For the k-th ghost batch :math:`B_k` (the examples ``k·g … k·g + g − 1``):

.. math:: \mu_{B_k} = \frac{1}{m_k}\sum_{i\in B_k} x_i,\qquad
          \sigma^2_{B_k} = \frac{1}{m_k}\sum_{i\in B_k}(x_i-\mu_{B_k})^2,\qquad
          y_i = \gamma\,\frac{x_i-\mu_{B_k}}{\sqrt{\sigma^2_{B_k}+\epsilon}} + \beta

Exactly what ``torch.nn.BatchNorm*`` computes when called on ``x.split(g)`` one chunk at a time,
which is how the tests check it. If g does not divide N the last ghost batch is smaller, as
``split`` makes it.

Running statistics (our choice, made to equal that chunk-by-chunk oracle): every ghost batch
counts as one batch. The running averages move once per ghost batch, in order, each with its
own :math:`\mu_{B_k}` and Bessel-corrected :math:`\frac{m_k}{m_k-1}\sigma^2_{B_k}`, and
``num_batches_tracked`` grows by the number of ghost batches. With ``momentum`` f and K ghost
batches one call therefore moves ``running_mean`` to
:math:`(1-f)^K\,\mathrm{E}[x] + \sum_k f(1-f)^{K-1-k}\mu_{B_k}`; ``momentum=None`` keeps the
plain average over all ghost batches seen. Eval mode is BN's (Algorithm 2: running
statistics); without running statistics eval also normalizes ghost batch by ghost batch.
The gradient is autograd's.
"""

from __future__ import annotations

import torch
from torch import Tensor

from bnviz.norms.batch_norm import _BatchNorm, check_batch
from bnviz.norms.bn_fused import gamma_beta, train_forward, update_running_stats


class _GhostBatchNorm(_BatchNorm):
    """Shared code of :class:`GhostBatchNorm1d` and :class:`GhostBatchNorm2d`: BN's bookkeeping, ghost-batch statistics."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        virtual_batch_size: int,
    ) -> None:
        if isinstance(virtual_batch_size, bool) or not isinstance(virtual_batch_size, int) or virtual_batch_size < 1:
            raise ValueError(f"virtual_batch_size must be a positive whole number (got {virtual_batch_size!r})")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.virtual_batch_size = virtual_batch_size

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, virtual_batch_size={self.virtual_batch_size}"

    def forward(self, x: Tensor) -> Tensor:
        if not self.training and self.running_mean is not None:
            return super().forward(x)  # inference is BN's: the running statistics, whatever the batch
        self._check_input_dim(x)
        update = self.training and self.track_running_stats
        outputs = []
        where = f" (a ghost batch: input size {list(x.shape)} cut into ghost batches of {self.virtual_batch_size})"
        for ghost in x.split(self.virtual_batch_size):  # (g, C, ...) each; the last may be smaller
            m = check_batch(ghost, where)
            # x̂_i = (x_i − μ_Bk)/√(σ²_Bk + ε), this ghost batch's own μ_Bk and biased σ²_Bk; left to autograd
            x_hat, mean, var, _, _ = train_forward(ghost, None, None, self.eps, traced=True)
            # y_i = γ x̂_i + β
            outputs.append(gamma_beta(x_hat, self.weight, self.bias))
            if update:
                with torch.no_grad():  # once per ghost batch, in order:
                    # E[x] ← (1−f)·E[x] + f·μ_Bk,  Var[x] ← (1−f)·Var[x] + f·m_k/(m_k−1)·σ²_Bk
                    update_running_stats(self.running_mean, self.running_var, mean, var, m, self._count_batch())
        return torch.cat(outputs)


class GhostBatchNorm1d(_GhostBatchNorm):
    r"""Ghost Batch Normalization over a ``(N, C)`` or ``(N, C, L)`` input, ghost batches of ``virtual_batch_size`` examples.

    ``BatchNorm1d``'s arguments, buffers and ``state_dict`` keys, plus the keyword-only ``virtual_batch_size``.
    """

    _valid_dims = (2, 3)


class GhostBatchNorm2d(_GhostBatchNorm):
    r"""Ghost Batch Normalization over a ``(N, C, H, W)`` input, ghost batches of ``virtual_batch_size`` examples.

    ``BatchNorm2d``'s arguments, buffers and ``state_dict`` keys, plus the keyword-only ``virtual_batch_size``.
    """

    _valid_dims = (4,)
