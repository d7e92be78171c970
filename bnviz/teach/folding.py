r"""Folding BN away for deployment: in eval mode BN is a fixed affine map, so it merges into the layer before it.

Algorithm 2 makes BN at inference :math:`y = a\,x + c` per channel. The layer before it computes
:math:`x = W u + b`, so the two together are one layer with new weights and bias:

.. math:: a = \frac{\gamma}{\sqrt{\mathrm{Var}[x]+\epsilon}}, \qquad c = \beta - a\,\mathrm{E}[x], \qquad
          W' = a\,W, \qquad b' = a\,b + c

(row k of W, or filter k of a convolution, times :math:`a_k`). In training mode :math:`a` and
:math:`c` would come from each batch's :math:`\mu_B, \sigma^2_B`, so there is no fixed W' to fold into:
:func:`fold_with_batch` shows a fold made from one batch failing on the next.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from bnviz.norms.bn_fused import inference_affine
from bnviz.train.models import CifarCNN, MnistMLP


def fold_layer(weight_layer: nn.Linear | nn.Conv2d, norm: nn.Module) -> nn.Linear | nn.Conv2d:
    """A copy of ``weight_layer`` that computes ``norm(weight_layer(u))`` of the eval-mode ``norm``, with a bias."""
    a, c = inference_affine(norm.weight, norm.bias, norm.running_mean, norm.running_var, norm.eps)
    if isinstance(weight_layer, nn.Conv2d):
        layer = nn.Conv2d(
            weight_layer.in_channels,
            weight_layer.out_channels,
            weight_layer.kernel_size,
            weight_layer.stride,
            weight_layer.padding,
            bias=True,
        )
    else:
        layer = nn.Linear(weight_layer.in_features, weight_layer.out_features, bias=True)
    b = weight_layer.bias if weight_layer.bias is not None else torch.zeros_like(a)
    scale = a.view(-1, *([1] * (weight_layer.weight.dim() - 1)))  # a_k for row k (or filter k)
    with torch.no_grad():
        # W' = a·W
        layer.weight.copy_(scale * weight_layer.weight)
        # b' = a·b + c
        layer.bias.copy_(a * b + c)
    return layer


def fold(model: MnistMLP | CifarCNN) -> MnistMLP | CifarCNN:
    """The same network without BN: each BN layer folded into the weight layer before it (eval mode only)."""
    if model.norm not in ("bnviz", "torch") or model.position != "before":
        raise ValueError("only BN placed before the nonlinearity folds into the layer before it")
    shape = dict(activation=model.activation, position="before", bias=True)
    if isinstance(model, MnistMLP):
        folded = MnistMLP(norm="none", hidden=tuple(layer.out_features for layer in model.linears), **shape)
        pairs = list(zip(model.linears, model.norms, folded.linears))
    else:
        folded = CifarCNN(norm="none", channels=tuple(conv.out_channels for conv in model.convs), **shape)
        pairs = [*zip(model.convs, model.norms, folded.convs), (model.fc, model.fc_norm, folded.fc)]
    for weight_layer, norm, target in pairs:
        target.load_state_dict(fold_layer(weight_layer, norm).state_dict())
    folded.out.load_state_dict(model.out.state_dict())
    return folded.eval()


def count(model: nn.Module) -> tuple[int, int]:
    """(learned parameters, numbers in buffers such as running_mean, running_var and num_batches_tracked)."""
    return sum(p.numel() for p in model.parameters()), sum(b.numel() for b in model.buffers())


def max_difference(model: nn.Module, folded: nn.Module, x: Tensor, chunk: int = 500) -> float:
    """max |folded(x) − model.eval()(x)| over the logits of every example in ``x``."""
    model.eval()
    with torch.no_grad():
        return max(
            (folded(x[i : i + chunk]) - model(x[i : i + chunk])).abs().max().item() for i in range(0, len(x), chunk)
        )


@dataclass(frozen=True)
class Timing:
    batch: int  # examples per forward pass
    repeats: int  # timed passes of each network, interleaved
    bn_seconds: float  # median time of one pass of the BN network in eval mode
    folded_seconds: float  # ... of the folded network


def time_inference(model: nn.Module, folded: nn.Module, x: Tensor, repeats: int = 21) -> Timing:
    """Median wall time of one eval-mode forward pass over ``x`` for each network, passes interleaved."""
    model.eval()
    times: dict[str, list[float]] = {"bn": [], "folded": []}
    with torch.inference_mode():
        model(x), folded(x)  # warm-up
        for _ in range(repeats):
            for name, net in (("bn", model), ("folded", folded)):
                start = time.perf_counter()
                net(x)
                times[name].append(time.perf_counter() - start)
    median = {name: sorted(t)[len(t) // 2] for name, t in times.items()}
    return Timing(len(x), repeats, median["bn"], median["folded"])


@dataclass(frozen=True)
class TrainModeFold:
    same_batch: float  # max |fold made from batch A's μ_B, σ²_B applied to A − training-mode BN of A|
    other_batch: float  # ... the same fold applied to batch B, against training-mode BN of B


def fold_with_batch(z_a: Tensor, z_b: Tensor, gamma: Tensor, beta: Tensor, eps: float) -> TrainModeFold:
    r"""Try to fold training-mode BN: take :math:`a, c` from batch A's statistics and apply them to A and to B.

    .. math:: a_A = \frac{\gamma}{\sqrt{\sigma_{B_A}^2+\epsilon}}, \qquad c_A = \beta - a_A\,\mu_{B_A}
    """

    def train_bn(z: Tensor) -> Tensor:
        # y = γ(x − μ_B)/√(σ²_B + ε) + β with z's own batch statistics
        return gamma * (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + eps) + beta

    # a_A, c_A from batch A: a "fold" that is right for A only
    a = gamma / torch.sqrt(z_a.var(0, unbiased=False) + eps)
    c = beta - a * z_a.mean(0)
    return TrainModeFold(
        same_batch=(a * z_a + c - train_bn(z_a)).abs().max().item(),
        other_batch=(a * z_b + c - train_bn(z_b)).abs().max().item(),
    )
