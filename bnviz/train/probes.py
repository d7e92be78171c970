"""What the trainer measures on the probe batch: distributions of each nonlinearity's input.

Pure functions from tensors to plain Python numbers and lists, so records are JSON-ready.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

# Histograms share fixed bins so that steps, layers and arms can be overlaid on one axis.
HIST_RANGE = 8.0  # bins cover [-8, 8]; values beyond go into the end bins
HIST_BINS = 64  # bin width 0.25

# A sigmoid is "saturated" where its output is within 0.05 of 0 or 1, i.e. |x| > ln(19) ≈ 2.94:
# there σ'(x) < 0.0475, under a fifth of its peak 0.25, and gradients through it vanish (Section 1).
SIGMOID_SATURATION = math.log(19.0)
# tanh likewise where its output is within 0.1 of ±1, i.e. |x| > atanh(0.9) ≈ 1.47: tanh'(x) < 0.19, under a fifth of 1.
TANH_SATURATION = math.atanh(0.9)

PERCENTILES = (15, 50, 85)  # Figure 1(b,c)

# Weight gradients span many decades, and vanish or explode with depth: their histograms count
# log10 |g| of every weight over fixed bins shared by all layers, steps and arms. Zeros (an MNIST
# pixel off in the whole mini-batch gives its column a zero gradient) and anything below 10^-12
# count in the first bin, anything above 10^4 in the last.
GRAD_LOG10_RANGE = (-12.0, 4.0)
GRAD_HIST_BINS = 64  # a quarter of a decade each


def hist_edges(bins: int = HIST_BINS, limit: float = HIST_RANGE) -> list[float]:
    return torch.linspace(-limit, limit, bins + 1, dtype=torch.float64).tolist()


def histogram(values: Tensor, bins: int = HIST_BINS, limit: float = HIST_RANGE) -> list[int]:
    """Counts over :func:`hist_edges`; out-of-range values are clamped into the end bins."""
    v = values.detach().float().flatten().clamp(-limit, limit)
    return [int(c) for c in torch.histc(v, bins=bins, min=-limit, max=limit).tolist()]


def grad_hist_edges(bins: int = GRAD_HIST_BINS) -> list[float]:
    """The bin edges of :func:`grad_histogram`, in log10 |g|."""
    lo, hi = GRAD_LOG10_RANGE
    return torch.linspace(lo, hi, bins + 1, dtype=torch.float64).tolist()


def grad_histogram(grad: Tensor, bins: int = GRAD_HIST_BINS) -> list[int]:
    """Counts of log10 |g| over :func:`grad_hist_edges`; out-of-range values (zeros too) in the end bins."""
    lo, hi = GRAD_LOG10_RANGE
    # log10 0 = −inf and NaN both land in the first bin
    v = grad.detach().float().abs().log10().nan_to_num(nan=lo, neginf=lo, posinf=hi).flatten().clamp(lo, hi)
    return [int(c) for c in torch.histc(v, bins=bins, min=lo, max=hi).tolist()]


def update_ratio(before: Tensor, after: Tensor) -> float | None:
    """log10 of one optimizer step's size relative to the weights it changed (Karpathy's update:data ratio).

    The actual update is measured, not η·g, so SGD, SGD with momentum and Adam compare on one scale;
    for plain SGD it equals log10(η · std(g) / std(θ_{t−1})). None where it is undefined (no change,
    constant weights, non-finite values).
    """
    before, after = before.detach().double(), after.detach().double()  # exact differences of float32 values
    # log10( std(θ_t − θ_{t−1}) / std(θ_{t−1}) )   (std with Bessel's correction, as torch's default)
    ratio = float((after - before).std() / before.std())
    return math.log10(ratio) if math.isfinite(ratio) and ratio > 0 else None


def saturation(values: Tensor, activation: str) -> float:
    """Fraction of units stuck where the nonlinearity passes little gradient.

    sigmoid: |x| > ln 19 (output within 0.05 of 0 or 1). tanh: |x| > atanh 0.9 (output within 0.1 of ±1).
    relu: x <= 0 (output 0, gradient 0).
    """
    v = values.detach()
    if activation == "sigmoid":
        return float((v.abs() > SIGMOID_SATURATION).float().mean())
    if activation == "tanh":
        return float((v.abs() > TANH_SATURATION).float().mean())
    if activation == "relu":
        return float((v <= 0).float().mean())
    raise ValueError(f"no saturation rule for activation {activation!r}")


def unit_values(z: Tensor, unit: int) -> Tensor:
    """All values one unit (or one feature map) takes over the probe batch: (B,) or (B*H*W,)."""
    return z[:, unit].flatten()


def percentile_fields(prefix: str, values: Tensor) -> dict:
    """``{prefix}15``, ``{prefix}50``, ``{prefix}85``: the :data:`PERCENTILES` of ``values``."""
    q = torch.quantile(values.detach().float(), torch.tensor([p / 100 for p in PERCENTILES]))
    return {f"{prefix}{p}": float(v) for p, v in zip(PERCENTILES, q)}


def x_hat(x: Tensor, mean: Tensor | float, var: Tensor | float, eps: float) -> Tensor:
    """BN's normalized value before γ and β: the mini-batch's μ_B and σ²_B in training mode,
    the running averages in eval mode."""
    # x̂ = (x − μ)/√(σ² + ε)   (Algorithm 1, line 3)
    return (x - mean) / torch.sqrt(torch.as_tensor(var) + eps)


def batch_x_hat(x: Tensor, eps: float) -> Tensor:
    """x̂ of one unit's values ``x`` (all the probe batch gives it) with their own batch statistics."""
    # μ_B = 1/m Σ x_i,  σ²_B = 1/m Σ (x_i − μ_B)²  (biased, as BN normalizes)
    return x_hat(x, x.mean(), x.var(unbiased=False), eps)


def layer_summary(name: str, z: Tensor, activation: str, unit: int) -> dict:
    """Flat record fields for one layer's nonlinearity input ``z`` over the probe batch."""
    z = z.detach().float()
    out = percentile_fields(f"{name}/p", unit_values(z, unit))
    out[f"{name}/mean"] = float(z.mean())
    out[f"{name}/std"] = float(z.std())
    out[f"{name}/saturation"] = saturation(z, activation)
    out[f"{name}/hist"] = histogram(z)
    return out


def early_schedule(every: int, steps: int) -> list[int]:
    """Probe steps: 0, 1, 2, 5, 10, 20, 50, ... below ``every``, then every ``every`` steps, and the last."""
    points = {0, steps}
    k = 1
    while k < every:
        for f in (1, 2, 5):
            if f * k < every:
                points.add(f * k)
        k *= 10
    points.update(range(every, steps + 1, every))
    return sorted(p for p in points if p <= steps)
