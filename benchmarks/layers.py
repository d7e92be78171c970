"""Benchmark 1: one BN layer, train step (forward + backward) and inference, against torch's kernel."""

from __future__ import annotations

import torch
from torch import nn

from benchmarks.harness import Table, compare
from bnviz.norms import batch_norm as layers
from bnviz.norms.bn_fused import inference_affine, per_channel, scale_shift


class TextbookBN(nn.Module):
    """Plain-autograd BN, the way most tutorials write it: autograd derives the backward."""

    def __init__(self, c: int):
        super().__init__()
        self.weight, self.bias = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c))

    def forward(self, x):
        dims = (0,) if x.dim() == 2 else (0, 2, 3)
        shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
        mean = x.mean(dims, keepdim=True)
        var = ((x - mean) ** 2).mean(dims, keepdim=True)
        return (x - mean) / torch.sqrt(var + 1e-5) * self.weight.view(shape) + self.bias.view(shape)


SHAPES = {"paper MLP (60 x 100)": ((60, 100), 1), "CIFAR conv (128 x 32 x 32 x 32)": ((128, 32, 32, 32), 2)}


def contenders(shape: tuple[int, ...], dims: int, train: bool, compiled: bool):
    c = shape[1]
    x = torch.randn(shape, requires_grad=train)
    dy = torch.randn(shape)
    mods = {
        "torch.nn (native kernel)": getattr(nn, f"BatchNorm{dims}d")(c),
        "bnviz": getattr(layers, f"BatchNorm{dims}d")(c),
        "textbook autograd BN": TextbookBN(c),
    }
    if compiled:
        mods["bnviz, torch.compile"] = torch.compile(getattr(layers, f"BatchNorm{dims}d")(c))
        if not train:
            # The same fused kernel without the per-call guard check on the module (about 50 us here),
            # which a compiled network pays once per forward rather than once per layer.
            mods["bnviz's Algorithm 2 math alone, torch.compile"] = _compiled_inference(
                getattr(layers, f"BatchNorm{dims}d")(c)
            )
    out = {}
    for name, m in mods.items():
        if isinstance(m, nn.Module):
            m.train(train)
        if train:
            out[name] = lambda m=m: m(x).backward(dy)
        else:
            out[name] = lambda m=m: _no_grad(m, x)
    return out


def _compiled_inference(layer: nn.Module):
    inference = torch.compile(
        lambda x, *stats: scale_shift(x, *(per_channel(t, x) for t in inference_affine(*stats, layer.eps)))
    )
    stats = (layer.weight, layer.bias, layer.running_mean, layer.running_var)
    return lambda x: inference(x, *stats)


@torch.no_grad()
def _no_grad(m, x):
    return m(x)


def run(table: Table, quick: bool = False, compiled: bool = True) -> None:
    for label, (shape, dims) in SHAPES.items():
        big = shape[0] > 100
        inner = 3 if big else 300
        repeats = 5 if quick else (11 if big else 21)
        for train in (True, False):
            mode = "train step (fwd+bwd)" if train else "inference (eval)"
            times = compare(contenders(shape, dims, train, compiled and big), inner=inner, repeats=repeats)
            target = "<= 1.00x" if big else "as low as the design allows"
            table.add(
                f"BatchNorm{dims}d {mode}, {label}", times, "torch.nn (native kernel)", "ms" if big else "us", target
            )
