r"""The math of Batch Normalization step by step (Ioffe & Szegedy, 2015, arXiv 1502.03167).

Every function takes tensors and returns every intermediate the paper names, nothing fused:
:func:`forward_steps` is Algorithm 1, :func:`backward_steps` the chain rule of Section 3, and
:func:`population_stats` Algorithm 2's inference statistics. The step-through page shows these;
the layers run the same math arranged for speed (:mod:`bnviz.norms.bn_fused`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from bnviz.norms.bn_fused import bessel, count_per_channel, inference_affine, per_channel, reduce_dims


@dataclass(frozen=True)
class ForwardSteps:
    r"""Every quantity of Algorithm 1 for one mini-batch (per-channel values have shape ``(C,)``)."""

    x: Tensor  # the input mini-batch, (N, C, ...)
    m: int  # values per channel: N, N*L or N*H*W
    batch_mean: Tensor  # μ_B, (C,)
    batch_var: Tensor  # σ²_B, biased, (C,)
    x_hat: Tensor  # normalized input, same shape as x
    y: Tensor  # γ x̂ + β, same shape as x


@dataclass(frozen=True)
class BackwardSteps:
    r"""Every gradient of Section 3's chain rule, in the order the paper writes them."""

    dx_hat: Tensor  # ∂ℓ/∂x̂_i, same shape as x
    dvar: Tensor  # ∂ℓ/∂σ²_B, (C,)
    dmean: Tensor  # ∂ℓ/∂μ_B, (C,)
    dx: Tensor  # ∂ℓ/∂x_i, same shape as x
    dgamma: Tensor  # ∂ℓ/∂γ, (C,)
    dbeta: Tensor  # ∂ℓ/∂β, (C,)


def forward_steps(x: Tensor, weight: Tensor, bias: Tensor, eps: float = 1e-5) -> ForwardSteps:
    r"""Algorithm 1 (Batch Normalizing Transform), one line per line of the paper.

    .. math::
        \mu_B = \frac{1}{m}\sum_{i=1}^m x_i \qquad
        \sigma_B^2 = \frac{1}{m}\sum_{i=1}^m (x_i-\mu_B)^2 \qquad
        \hat x_i = \frac{x_i-\mu_B}{\sqrt{\sigma_B^2+\epsilon}} \qquad
        y_i = \gamma\hat x_i + \beta
    """
    dims = reduce_dims(x)
    m = count_per_channel(x)
    # μ_B = 1/m Σ_i x_i
    mean = x.sum(dims) / m
    # σ²_B = 1/m Σ_i (x_i − μ_B)²   (biased: divide by m, not m − 1)
    var = ((x - per_channel(mean, x)) ** 2).sum(dims) / m
    # x̂_i = (x_i − μ_B) / √(σ²_B + ε)
    x_hat = (x - per_channel(mean, x)) / torch.sqrt(per_channel(var, x) + eps)
    # y_i = γ x̂_i + β ≡ BN_γ,β(x_i)
    y = per_channel(weight, x) * x_hat + per_channel(bias, x)
    return ForwardSteps(x=x, m=m, batch_mean=mean, batch_var=var, x_hat=x_hat, y=y)


def backward_steps(dy: Tensor, fwd: ForwardSteps, weight: Tensor, eps: float = 1e-5) -> BackwardSteps:
    r"""Section 3's backward pass, the six chain-rule equations exactly as printed.

    .. math::
        \frac{\partial\ell}{\partial\hat x_i} = \frac{\partial\ell}{\partial y_i}\gamma \qquad
        \frac{\partial\ell}{\partial\sigma_B^2} = \sum_i\frac{\partial\ell}{\partial\hat x_i}
            (x_i-\mu_B)\cdot\frac{-1}{2}(\sigma_B^2+\epsilon)^{-3/2}

        \frac{\partial\ell}{\partial\mu_B} = \Big(\sum_i\frac{\partial\ell}{\partial\hat x_i}
            \cdot\frac{-1}{\sqrt{\sigma_B^2+\epsilon}}\Big)
            + \frac{\partial\ell}{\partial\sigma_B^2}\cdot\frac{\sum_i -2(x_i-\mu_B)}{m}

        \frac{\partial\ell}{\partial x_i} = \frac{\partial\ell}{\partial\hat x_i}\cdot
            \frac{1}{\sqrt{\sigma_B^2+\epsilon}} + \frac{\partial\ell}{\partial\sigma_B^2}\cdot
            \frac{2(x_i-\mu_B)}{m} + \frac{\partial\ell}{\partial\mu_B}\cdot\frac{1}{m}

        \frac{\partial\ell}{\partial\gamma} = \sum_i\frac{\partial\ell}{\partial y_i}\hat x_i \qquad
        \frac{\partial\ell}{\partial\beta} = \sum_i\frac{\partial\ell}{\partial y_i}
    """
    x, m = fwd.x, fwd.m
    dims = reduce_dims(x)
    centered = x - per_channel(fwd.batch_mean, x)  # x_i − μ_B
    var_eps = fwd.batch_var + eps  # σ²_B + ε, (C,)
    # ∂ℓ/∂x̂_i = ∂ℓ/∂y_i · γ
    dx_hat = dy * per_channel(weight, x)
    # ∂ℓ/∂σ²_B = Σ_i ∂ℓ/∂x̂_i · (x_i − μ_B) · −½ (σ²_B + ε)^(−3/2)
    dvar = (dx_hat * centered).sum(dims) * -0.5 * var_eps**-1.5
    # ∂ℓ/∂μ_B = (Σ_i ∂ℓ/∂x̂_i · −1/√(σ²_B + ε)) + ∂ℓ/∂σ²_B · Σ_i −2(x_i − μ_B) / m
    dmean = dx_hat.sum(dims) * -(var_eps**-0.5) + dvar * (-2.0 * centered).sum(dims) / m
    # ∂ℓ/∂x_i = ∂ℓ/∂x̂_i / √(σ²_B + ε) + ∂ℓ/∂σ²_B · 2(x_i − μ_B)/m + ∂ℓ/∂μ_B · 1/m
    dx = dx_hat * per_channel(var_eps**-0.5, x) + per_channel(dvar, x) * 2.0 * centered / m + per_channel(dmean, x) / m
    # ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i
    dgamma = (dy * fwd.x_hat).sum(dims)
    # ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i
    dbeta = dy.sum(dims)
    return BackwardSteps(dx_hat=dx_hat, dvar=dvar, dmean=dmean, dx=dx, dgamma=dgamma, dbeta=dbeta)


@dataclass(frozen=True)
class PopulationStats:
    r"""Algorithm 2, lines 9-11, from a list of training mini-batches of one channel set."""

    batch_means: Tensor  # μ_B of each batch, (K, C)
    batch_vars: Tensor  # σ²_B of each batch (biased), (K, C)
    mean: Tensor  # E[x] = E_B[μ_B], (C,)
    var: Tensor  # Var[x] = m/(m−1) · E_B[σ²_B], (C,)
    a: Tensor  # folded scale γ/√(Var[x]+ε), (C,)
    b: Tensor  # folded shift β − a·E[x], (C,)


def population_stats(batches: list[Tensor], weight: Tensor, bias: Tensor, eps: float = 1e-5) -> PopulationStats:
    r"""Algorithm 2's inference statistics, as the paper defines them: plain averages over batches.

    .. math:: \mathrm{E}[x] \leftarrow \mathrm{E}_B[\mu_B], \qquad
              \mathrm{Var}[x] \leftarrow \frac{m}{m-1}\mathrm{E}_B[\sigma_B^2]

    All batches must have the same size ``m`` (the paper's setting).
    """
    steps = [forward_steps(xb, weight, bias, eps) for xb in batches]
    m = steps[0].m
    if any(s.m != m for s in steps):
        raise ValueError("population_stats needs batches of one size m (Algorithm 2 uses one m)")
    means = torch.stack([s.batch_mean for s in steps])
    variances = torch.stack([s.batch_var for s in steps])
    # E[x] ← E_B[μ_B]
    mean = means.mean(0)
    # Var[x] ← m/(m−1) · E_B[σ²_B]   (Bessel's correction: the unbiased variance estimate)
    var = bessel(variances.mean(0), m)
    a, b = inference_affine(weight, bias, mean, var, eps)
    return PopulationStats(batch_means=means, batch_vars=variances, mean=mean, var=var, a=a, b=b)
