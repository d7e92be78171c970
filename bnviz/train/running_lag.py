r"""How far BN's running averages trail the network they are meant to describe (the momentum lesson).

In training, BN normalizes with the mini-batch's :math:`\mu_B, \sigma^2_B`; at inference it uses
``running_mean`` and ``running_var``, averages of past batches' statistics (Algorithm 2 uses the
population statistics instead; torch and bnviz keep moving averages). While the weights move, the
statistics the *current* network produces drift away from those averages. At a record step, for
each layer that keeps running averages, we measure that gap on a fixed batch of training examples
passed through the network as it trains (every BN normalizing with the batch's own statistics, so
the batch of ~1,000 stands in for the population), and express it in units of the current std:

.. math:: \mu_c = \tfrac{1}{m}\textstyle\sum_i x_{ic},\qquad
          \sigma_c = \sqrt{\tfrac{1}{m-1}\textstyle\sum_i (x_{ic}-\mu_c)^2 + \epsilon}

.. math:: \text{running\_mean\_lag} = \tfrac{1}{C}\textstyle\sum_c
          \frac{|\texttt{running\_mean}_c - \mu_c|}{\sigma_c},\qquad
          \text{running\_std\_lag} = \tfrac{1}{C}\textstyle\sum_c
          \frac{|\sqrt{\texttt{running\_var}_c + \epsilon} - \sigma_c|}{\sigma_c}

(c runs over the layer's channels; on feature maps :math:`x_{ic}` ranges over examples and
positions). The variance is the unbiased one, as ``running_var`` stores it, and ε is the layer's,
so :math:`\sigma_c` is what the layer divides by. 0 means eval mode would normalize this batch as
training mode does; a mean lag of 0.5 shifts every unit's normalized input by half a std.
"""

from __future__ import annotations

from torch import Tensor

LAG_FIELDS = ("running_mean_lag", "running_std_lag")  # "<layer>/running_mean_lag", ...


def layer_lag(x: Tensor, running_mean: Tensor, running_var: Tensor, eps: float) -> tuple[float, float]:
    """``(running_mean_lag, running_std_lag)`` of one layer whose training-mode input is ``x``: ``(N, C)`` or ``(N, C, H, W)``."""
    x = x.detach().float().transpose(0, 1).reshape(x.shape[1], -1)  # (C, N·H·W)
    # μ_c and σ_c = √(unbiased σ²_c + ε) over the batch (and positions)
    mean = x.mean(1)
    sd = (x.var(1, correction=1) + eps).sqrt()
    running_sd = (running_var.float() + eps).sqrt()
    return float(((running_mean.float() - mean).abs() / sd).mean()), float(((running_sd - sd).abs() / sd).mean())
