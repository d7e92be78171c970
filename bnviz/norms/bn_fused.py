r"""Batch Normalization arranged for speed: what the layers in :mod:`bnviz.norms.batch_norm` run.

The same math as :mod:`bnviz.norms.bn_steps` (Algorithm 1, Section 3's backward, Algorithm 2),
with intermediates fused and buffers reused; the tests hold the two arrangements equal, so what
a student reads on the step-through page is what trains the networks.

Shapes: ``x`` is ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``. Statistics are per channel
``C``, taken over every other axis, so a "mini-batch" of one channel holds
:math:`m = N` values for ``(N, C)``, :math:`m = N L` and :math:`m = N H W` otherwise
(Section 3.2: for convolutions every location of a feature map is one more sample).

Precision: for ``bfloat16`` and ``float16`` inputs the statistics, :math:`x-\mu_B` and the
gradients are computed in ``float32`` (:func:`accumulate_dtype`), as torch's CPU kernel does, and
only the results are rounded back. ``traced=True`` asks for the same math without ``out=``
buffers or in-place writes, for when autograd or ``torch.func`` records the ops (double backward,
``vmap``, forward-mode AD); the default writes into buffers already paged in.
"""

from __future__ import annotations

import torch
from torch import Tensor


def reduce_dims(x: Tensor) -> tuple[int, ...]:
    """The axes a channel's statistics are taken over: all but axis 1 (the channel)."""
    return (0, *range(2, x.dim()))


def accumulate_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype sums are taken in: float32 for the 16-bit floats (too few mantissa bits to add up
    thousands of values), the input's own dtype otherwise."""
    return torch.float32 if dtype in (torch.bfloat16, torch.float16) else dtype


def as_dtype(t: Tensor, dtype: torch.dtype) -> Tensor:
    """``t`` in ``dtype``, without a torch call when it already is (a call costs microseconds at 60 x 100)."""
    return t if t.dtype == dtype else t.to(dtype)


def count_per_channel(x: Tensor) -> int:
    r"""The mini-batch size :math:`m` seen by one channel: N, N*L or N*H*W."""
    return x.numel() // x.shape[1]


def per_channel(v: Tensor, x: Tensor) -> Tensor:
    """View a ``(C,)`` vector so that it broadcasts against ``x``: ``(1, C, 1, ...)``.

    Against an ``(N, C)`` input a ``(C,)`` vector already broadcasts; it is returned as it is,
    which saves a torch call where fixed per-call costs dominate (the paper's 60 x 100)."""
    return v if x.dim() == 2 else v.view(1, -1, *([1] * (x.dim() - 2)))


def scale_shift(
    x: Tensor, scale: Tensor, shift: Tensor | None, out: Tensor | None = None, *, traced: bool = False
) -> Tensor:
    """``x·scale + shift`` with per-channel ``scale`` and ``shift`` (broadcastable to ``x``), into ``out``.

    Written for the CPU's vector units: for ``(N, C)`` the per-channel vectors run along the
    contiguous axis and ``addcmul`` is one vectorized pass. For ``(N, C, H, W)`` each channel's
    scale is one number over a contiguous map; ``addcmul`` with two such broadcast numbers falls
    back to a scalar loop, so a multiply and an in-place add (two vectorized passes) are faster.
    ``traced=True`` adds out of place: under ``vmap`` ``shift`` may be batched where ``x·scale`` is not.
    """
    if shift is None:
        return torch.mul(x, scale, out=out)
    if x.dim() == 2:
        return torch.addcmul(shift, x, scale, out=out)
    if traced:
        return torch.mul(x, scale) + shift
    return torch.mul(x, scale, out=out).add_(shift)


def gamma_beta(x_hat: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """``y = γ x̂ + β`` per channel as two plain ops (``x̂`` itself without γ and β), for the layers whose
    gradient is autograd's (Ghost BN, Batch Renorm); :func:`scale_shift` is the fused arrangement."""
    # y_i = γ x̂_i + β
    y = x_hat if weight is None else x_hat * per_channel(weight, x_hat)
    return y if bias is None else y + per_channel(bias, x_hat)


def batch_stats(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    r"""Mini-batch mean, *biased* variance, the centered input, and a spare buffer shaped like ``x``.

    .. math:: \mu_B = \frac{1}{m}\sum_i x_i,\qquad
              \sigma_B^2 = \frac{1}{m}\sum_i (x_i-\mu_B)^2

    Two passes, as the formula reads: it is exact where :math:`E[x^2]-E[x]^2` cancels, and on
    CPU it is 4-5x faster than ``torch.var_mean`` over the non-contiguous axes (benchmarks/).
    ``x - μ_B`` is returned because :math:`\hat x` needs it next, and the buffer that held
    :math:`(x_i-\mu_B)^2` so that ``y`` can be written into memory already paged in. For 16-bit
    inputs all four are float32 (:func:`accumulate_dtype`).
    """
    dims = reduce_dims(x)
    # μ_B = 1/m Σ_i x_i   (summed in float32 at least)
    mean = x.mean(dims, keepdim=True, dtype=accumulate_dtype(x.dtype))
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
    An empty mini-batch (m = 0) carries no information and leaves them as they are, as in torch.
    """
    if m == 0:
        return
    # E[x] ← (1−f)·E[x] + f·μ_B
    _move_toward(running_mean, batch_mean.flatten(), factor)
    # Var[x] ← (1−f)·Var[x] + f·m/(m−1)·σ²_B   (stored unbiased: Algorithm 2, line 10)
    _move_toward(running_var, bessel(batch_var.flatten(), m), factor)


def _move_toward(buffer: Tensor, target: Tensor, f: float) -> None:
    """``buffer ← (1−f)·buffer + f·target`` in place; a 16-bit buffer is moved in ``target``'s float32
    and rounded once, when stored."""
    if buffer.dtype == target.dtype:
        buffer.lerp_(target, f)
    else:
        buffer.copy_(buffer.to(target.dtype).lerp_(target, f))


def train_forward(
    x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float, *, traced: bool = False
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    r"""Algorithm 1 as the layers run it: ``(y, μ_B, σ²_B, x − μ_B, 1/√(σ²_B+ε))``.

    The same four lines as :func:`forward_steps`, arranged to touch the data as few times as
    possible: :math:`\hat x` is never stored, because
    :math:`y = \gamma\hat x + \beta = (x-\mu_B)\cdot\frac{\gamma}{\sqrt{\sigma_B^2+\epsilon}} + \beta`
    is one fused multiply-add with a per-channel scale. ``y`` has the dtype of ``x``.
    """
    mean, var, centered, squares = batch_stats(x)  # squares: (x − μ_B)², no longer needed once σ²_B is summed
    # 1/√(σ²_B + ε), per channel
    inv_std = torch.rsqrt(var + eps)
    # y_i = γ x̂_i + β = (x_i − μ_B) · γ/√(σ²_B + ε) + β   (x̂_i alone when there is no γ, β)
    scale = inv_std if weight is None else per_channel(weight, x) * inv_std
    shift = None if bias is None else per_channel(bias, x)
    # y is written over the squares: memory of x's size that the last pass just paged in
    y = scale_shift(centered, scale, shift, out=None if traced else squares, traced=traced)
    return as_dtype(y, x.dtype), mean, var, centered, inv_std


def closed_form_backward(
    dy: Tensor, centered: Tensor, inv_std: Tensor, weight: Tensor | None, *, traced: bool = False
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Gradients of Algorithm 1 in closed form: ``(dL/dx, dL/dγ, dL/dβ)``.

    Substituting Section 3's chain rule into itself gives, per channel,

    .. math:: \frac{\partial\ell}{\partial x_i} = \frac{\gamma}{m\sqrt{\sigma_B^2+\epsilon}}
              \Big(m\frac{\partial\ell}{\partial y_i} - \sum_j\frac{\partial\ell}{\partial y_j}
              - \hat x_i\sum_j\frac{\partial\ell}{\partial y_j}\hat x_j\Big)

    which :class:`bnviz.norms.batch_norm.BatchNormFunction` runs as two reductions and two fused
    multiply-adds, instead of the eight passes of :func:`backward_steps`. ``centered`` is
    :math:`x-\mu_B` and ``inv_std`` is :math:`1/\sqrt{\sigma_B^2+\epsilon}`, both broadcastable to ``dy``.
    ``dx`` has the dtype of ``dy``; the sums are taken in ``centered``'s (float32 for 16-bit inputs).
    ``traced=True`` for when autograd records this function to differentiate it again.
    """
    dims = reduce_dims(dy)
    m = count_per_channel(dy)
    inv_std_c = inv_std.flatten()  # (C,)
    # ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i
    dbeta = dy.sum(dims, dtype=centered.dtype)
    # ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i = (Σ_i ∂ℓ/∂y_i · (x_i − μ_B)) / √(σ²_B + ε)
    dy_centered = torch.mul(dy, centered)  # ∂ℓ/∂y_i · (x_i − μ_B); ∂ℓ/∂x is written over it below
    dgamma = dy_centered.sum(dims) * inv_std_c
    # ∂ℓ/∂x_i = k · (∂ℓ/∂y_i − Σ_j ∂ℓ/∂y_j / m − x̂_i · Σ_j ∂ℓ/∂y_j x̂_j / m),  k = γ/√(σ²_B + ε)
    #         = k·∂ℓ/∂y_i  +  (x_i − μ_B)·(−k·∂ℓ/∂γ / (m√(σ²_B + ε)))  +  (−k·∂ℓ/∂β / m)
    k = inv_std_c if weight is None else weight * inv_std_c
    k_m = k * (-1 / m)  # −k/m
    slope = k_m * dgamma * inv_std_c
    offset = k_m * dbeta
    if traced:  # the same two lines, without writing into a buffer autograd has recorded
        dx = scale_shift(centered, per_channel(slope, dy), per_channel(offset, dy), traced=True) + dy * per_channel(
            k, dy
        )
    else:
        dx = scale_shift(centered, per_channel(slope, dy), per_channel(offset, dy), out=dy_centered)
        dx.addcmul_(dy, per_channel(k, dy))
    return as_dtype(dx, dy.dtype), dgamma, dbeta


def inference_affine(
    weight: Tensor | None, bias: Tensor | None, running_mean: Tensor, running_var: Tensor, eps: float
) -> tuple[Tensor, Tensor]:
    r"""Algorithm 2, line 11: at inference BN is one fixed affine map per channel, :math:`y = a x + b`.

    .. math:: a = \frac{\gamma}{\sqrt{\mathrm{Var}[x]+\epsilon}},\qquad
              b = \beta - \frac{\gamma\,\mathrm{E}[x]}{\sqrt{\mathrm{Var}[x]+\epsilon}}

    For 16-bit running statistics ``a`` and ``b`` are computed and returned in float32.
    """
    acc = accumulate_dtype(running_var.dtype)
    running_mean, running_var = as_dtype(running_mean, acc), as_dtype(running_var, acc)
    # a = γ / √(Var[x] + ε)
    a = torch.rsqrt(running_var + eps)
    if weight is not None:
        a = a * weight
    # b = β − a·E[x]
    b = -running_mean * a if bias is None else torch.addcmul(bias, running_mean, a, value=-1)
    return a, b
