"""Normalization layers written from scratch, with PyTorch's names and semantics, one file each.

``make_norm(kind, num_features, dims)`` builds the layer a network puts before each nonlinearity;
:data:`NORMS` lists the kinds a :class:`~bnviz.train.config.TrainConfig` can name. ``"torch"``
is PyTorch's own layer, the reference the tests and benchmarks compare against.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from bnviz.norms.batch_norm import BatchNorm1d, BatchNorm2d

__all__ = ["NORMS", "Norm", "make_norm", "BatchNorm1d", "BatchNorm2d"]


@dataclass(frozen=True)
class Norm:
    kind: str  # the name a config uses: TrainConfig.norm
    label: str  # the arm's short name on charts and tables
    title: str  # one line for menus and captions
    layers: dict[int, Callable[[int], nn.Module]] | None  # dims (1: (N, C) or (N, C, L); 2: (N, C, H, W)) -> class


NORMS: dict[str, Norm] = {
    n.kind: n
    for n in (
        Norm("none", "no BN", "no normalization (the paper's baseline)", None),
        Norm("bnviz", "BN", "Batch Normalization (bnviz, from scratch)", {1: BatchNorm1d, 2: BatchNorm2d}),
        Norm("torch", "BN (torch)", "Batch Normalization (torch.nn, the reference)", {1: nn.BatchNorm1d, 2: nn.BatchNorm2d}),
    )
}


def make_norm(kind: str, num_features: int, dims: int) -> nn.Module | None:
    """The ``kind`` layer over ``num_features`` channels for ``dims``-D inputs, or ``None`` for ``"none"``."""
    if kind not in NORMS:
        raise ValueError(f"unknown norm {kind!r}; choose one of {', '.join(NORMS)}")
    layers = NORMS[kind].layers
    return None if layers is None else layers[dims](num_features)
