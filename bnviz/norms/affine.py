"""γ and β, the learned scale and shift every normalizer here ends with (y = γ x̂ + β), kept as torch does."""

from __future__ import annotations

import torch
from torch import nn


def register_affine(module: nn.Module, shape, affine: bool, bias: bool, factory: dict) -> None:
    """Parameters ``weight`` (γ) and ``bias`` (β) of ``shape``, or registered as None where the layer
    has none, so ``state_dict`` keys and attributes are those of torch's layer."""
    if affine:
        module.weight = nn.Parameter(torch.empty(shape, **factory))  # γ
        if bias:
            module.bias = nn.Parameter(torch.empty(shape, **factory))  # β
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def reset_affine(module: nn.Module) -> None:
    """γ ← 1, β ← 0: the layer starts as a pure normalization (Section 3)."""
    if module.weight is not None:
        nn.init.ones_(module.weight)
    if module.bias is not None:
        nn.init.zeros_(module.bias)
