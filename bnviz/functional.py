r"""The math of Batch Normalization as pure functions (Ioffe & Szegedy, 2015, arXiv 1502.03167).

Every function takes tensors and returns tensors; nothing here holds state. The step-through
page calls :func:`forward_steps` and :func:`backward_steps`, which return every intermediate
of Algorithm 1 and of the chain rule in Section 3. The layers in :mod:`bnviz.layers` call the
same math, arranged for speed (:func:`train_forward`, :func:`closed_form_backward`,
:func:`inference_affine`), and the tests hold the two arrangements equal,
so what a student reads on the page is what trains the networks.

Shapes: ``x`` is ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``. Statistics are per channel
``C``, taken over every other axis, so a "mini-batch" of one channel holds
:math:`m = N` values for ``(N, C)``, :math:`m = N L` and :math:`m = N H W` otherwise
(Section 3.2: for convolutions every location of a feature map is one more sample).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


def reduce_dims(x: Tensor) -> tuple[int, ...]:
    """The axes a channel's statistics are taken over: all but axis 1 (the channel)."""
    return (0, *range(2, x.dim()))


def count_per_channel(x: Tensor) -> int:
    r"""The mini-batch size :math:`m` seen by one channel: N, N*L or N*H*W."""
    return x.numel() // x.shape[1]


def per_channel(v: Tensor, x: Tensor) -> Tensor:
    """View a ``(C,)`` vector so that it broadcasts against ``x``: ``(1, C, 1, ...)``.

    Against an ``(N, C)`` input a ``(C,)`` vector already broadcasts; it is returned as it is,
    which saves a torch call where fixed per-call costs dominate (the paper's 60 x 100)."""
    return v if x.dim() == 2 else v.view(1, -1, *([1] * (x.dim() - 2)))


def scale_shift(x: Tensor, scale: Tensor, shift: Tensor | None, out: Tensor | None = None) -> Tensor:
    """``x·scale + shift`` with per-channel ``scale`` and ``shift`` (broadcastable to ``x``), into ``out``.

    Written for the CPU's vector units: for ``(N, C)`` the per-channel vectors run along the
    contiguous axis and ``addcmul`` is one vectorized pass. For ``(N, C, H, W)`` each channel's
    scale is one number over a contiguous map; ``addcmul`` with two such broadcast numbers falls
    back to a scalar loop, so a multiply and an in-place add (two vectorized passes) are faster.
    """
    if shift is None:
        return torch.mul(x, scale, out=out)
    if x.dim() == 2:
        return torch.addcmul(shift, x, scale, out=out)
    return torch.mul(x, scale, out=out).add_(shift)


def batch_stats(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    r"""Mini-batch mean, *biased* variance, the centered input, and a spare buffer shaped like ``x``.

    .. math:: \mu_B = \frac{1}{m}\sum_i x_i,\qquad
              \sigma_B^2 = \frac{1}{m}\sum_i (x_i-\mu_B)^2

    Two passes, as the formula reads: it is exact where :math:`E[x^2]-E[x]^2` cancels, and on
    CPU it is 4-5x faster than ``torch.var_mean`` over the non-contiguous axes (benchmarks/).
    ``x - μ_B`` is returned because :math:`\hat x` needs it next, and the buffer that held
    :math:`(x_i-\mu_B)^2` so that ``y`` can be written into memory already paged in.
    """
    dims = reduce_dims(x)
    # μ_B = 1/m Σ_i x_i
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    squares = torch.mul(centered, centered)
    # σ²_B = 1/m Σ_i (x_i − μ_B)²  (biased: Algorithm 1 normalizes with it)
    var = squares.mean(dims, keepdim=True)
    return mean, var, centered, squares


def bessel(var: Tensor, m: int) -> Tensor:
    r"""Unbiased estimate from a biased variance: :math:`\frac{m}{m-1}\sigma_B^2` (Algorithm 2, line 10)."""
    return var * (m / (m - 1))


def update_running_stats(
    running_mean: Tensor, running_var: Tensor, batch_mean: Tensor, batch_var: Tensor, m: int, factor: float
) -> None:
    r"""Move the running averages toward this mini-batch, in place (what inference will use).

    .. math:: \mathrm{E}[x] \leftarrow (1-f)\,\mathrm{E}[x] + f\,\mu_B, \qquad
              \mathrm{Var}[x] \leftarrow (1-f)\,\mathrm{Var}[x] + f\,\frac{m}{m-1}\sigma_B^2

    ``factor`` f is ``momentum`` (PyTorch's 0.1 by default), or 1/k at the k-th batch, which makes
    them the plain averages :math:`\mathrm{E}_B` of Algorithm 2. ``batch_var`` is the biased σ²_B.
    """
    # E[x] ← (1−f)·E[x] + f·μ_B
    running_mean.lerp_(batch_mean.flatten(), factor)
    # Var[x] ← (1−f)·Var[x] + f·m/(m−1)·σ²_B   (stored unbiased: Algorithm 2, line 10)
    running_var.lerp_(bessel(batch_var.flatten(), m), factor)


def train_forward(
    x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    r"""Algorithm 1 as the layers run it: ``(y, μ_B, σ²_B, x − μ_B, 1/√(σ²_B+ε))``.

    The same four lines as :func:`forward_steps`, arranged to touch the data as few times as
    possible: :math:`\hat x` is never stored, because
    :math:`y = \gamma\hat x + \beta = (x-\mu_B)\cdot\frac{\gamma}{\sqrt{\sigma_B^2+\epsilon}} + \beta`
    is one fused multiply-add with a per-channel scale.
    """
    mean, var, centered, buffer = batch_stats(x)
    # 1/√(σ²_B + ε), per channel
    inv_std = torch.rsqrt(var + eps)
    # y_i = γ x̂_i + β = (x_i − μ_B) · γ/√(σ²_B + ε) + β   (x̂_i alone when there is no γ, β)
    scale = inv_std if weight is None else per_channel(weight, x) * inv_std
    y = scale_shift(centered, scale, None if bias is None else per_channel(bias, x), out=buffer)
    return y, mean, var, centered, inv_std


def closed_form_backward(
    dy: Tensor, centered: Tensor, inv_std: Tensor, weight: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Gradients of Algorithm 1 in closed form: ``(dL/dx, dL/dγ, dL/dβ)``.

    Substituting Section 3's chain rule into itself gives, per channel,

    .. math:: \frac{\partial\ell}{\partial x_i} = \frac{\gamma}{m\sqrt{\sigma_B^2+\epsilon}}
              \Big(m\frac{\partial\ell}{\partial y_i} - \sum_j\frac{\partial\ell}{\partial y_j}
              - \hat x_i\sum_j\frac{\partial\ell}{\partial y_j}\hat x_j\Big)

    which :class:`bnviz.layers.BatchNormFunction` runs as two reductions and two fused
    multiply-adds, instead of the eight passes of :func:`backward_steps`. ``centered`` is
    :math:`x-\mu_B` and ``inv_std`` is :math:`1/\sqrt{\sigma_B^2+\epsilon}`, both broadcastable to ``dy``.
    """
    dims = reduce_dims(dy)
    m = count_per_channel(dy)
    inv_std_c = inv_std.flatten()  # (C,)
    # ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i
    dbeta = dy.sum(dims)
    # ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i = (Σ_i ∂ℓ/∂y_i · (x_i − μ_B)) / √(σ²_B + ε)
    dx = torch.mul(dy, centered)  # a scratch product here; the buffer ∂ℓ/∂x is written into below
    dgamma = dx.sum(dims) * inv_std_c
    # ∂ℓ/∂x_i = k · (∂ℓ/∂y_i − Σ_j ∂ℓ/∂y_j / m − x̂_i · Σ_j ∂ℓ/∂y_j x̂_j / m),  k = γ/√(σ²_B + ε)
    #         = k·∂ℓ/∂y_i  +  (x_i − μ_B)·(−k·∂ℓ/∂γ / (m√(σ²_B + ε)))  +  (−k·∂ℓ/∂β / m)
    k = inv_std_c if weight is None else weight * inv_std_c
    k_m = k * (-1 / m)  # −k/m
    slope = k_m * dgamma * inv_std_c
    offset = k_m * dbeta
    scale_shift(centered, per_channel(slope, dy), per_channel(offset, dy), out=dx)
    dx.addcmul_(dy, per_channel(k, dy))
    return dx, dgamma, dbeta


def inference_affine(
    weight: Tensor | None, bias: Tensor | None, running_mean: Tensor, running_var: Tensor, eps: float
) -> tuple[Tensor, Tensor]:
    r"""Algorithm 2, line 11: at inference BN is one fixed affine map per channel, :math:`y = a x + b`.

    .. math:: a = \frac{\gamma}{\sqrt{\mathrm{Var}[x]+\epsilon}},\qquad
              b = \beta - \frac{\gamma\,\mathrm{E}[x]}{\sqrt{\mathrm{Var}[x]+\epsilon}}
    """
    # a = γ / √(Var[x] + ε)
    a = torch.rsqrt(running_var + eps)
    if weight is not None:
        a = a * weight
    # b = β − a·E[x]
    b = -running_mean * a if bias is None else torch.addcmul(bias, running_mean, a, value=-1)
    return a, b


# ---------------------------------------------------------------------------------------------
# The step-by-step forms, for teaching: every intermediate the paper names, nothing fused.
# ---------------------------------------------------------------------------------------------


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
    dvar = (dx_hat * centered).sum(dims) * -0.5 * var_eps ** -1.5
    # ∂ℓ/∂μ_B = (Σ_i ∂ℓ/∂x̂_i · −1/√(σ²_B + ε)) + ∂ℓ/∂σ²_B · Σ_i −2(x_i − μ_B) / m
    dmean = dx_hat.sum(dims) * -(var_eps ** -0.5) + dvar * (-2.0 * centered).sum(dims) / m
    # ∂ℓ/∂x_i = ∂ℓ/∂x̂_i / √(σ²_B + ε) + ∂ℓ/∂σ²_B · 2(x_i − μ_B)/m + ∂ℓ/∂μ_B · 1/m
    dx = (
        dx_hat * per_channel(var_eps ** -0.5, x)
        + per_channel(dvar, x) * 2.0 * centered / m
        + per_channel(dmean, x) / m
    )
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
