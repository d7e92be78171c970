"""Normalization layers written from scratch, with PyTorch's names and semantics, one file each.

``make_norm(kind, num_features, dims)`` builds the layer a network puts before each nonlinearity;
:data:`NORMS` lists the kinds a :class:`~bnviz.train.config.TrainConfig` can name. ``"torch"``
is PyTorch's own layer, the reference the tests and benchmarks compare against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from torch import nn

from bnviz.norms.batch_norm import BatchNorm1d, BatchNorm2d
from bnviz.norms.batch_renorm import BatchRenorm1d, BatchRenorm2d
from bnviz.norms.ghost_batch_norm import GhostBatchNorm1d, GhostBatchNorm2d
from bnviz.norms.group_norm import GroupNorm, group_norm_for, instance_norm_for
from bnviz.norms.layer_norm import LayerNorm, layer_norm_for
from bnviz.norms.noisy_batch_norm import NoisyBatchNorm1d, NoisyBatchNorm2d

__all__ = [
    "NORMS",
    "Norm",
    "make_norm",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "GroupNorm",
    "BatchRenorm1d",
    "BatchRenorm2d",
    "GhostBatchNorm1d",
    "GhostBatchNorm2d",
    "NoisyBatchNorm1d",
    "NoisyBatchNorm2d",
]
GHOST_BATCH = 20  # Ghost BN's virtual batch size in the networks: the paper's batch of 60 is three ghost batches


@dataclass(frozen=True)
class Norm:
    kind: str  # the name a config uses: TrainConfig.norm
    label: str  # the arm's short name on charts and tables
    title: str  # one line for menus and captions
    # dims (1: (N, C) or (N, C, L); 2: (N, C, H, W)) -> a class taking (num_features, eps=, affine=), and
    # momentum= where uses_batch
    layers: dict[int, Callable[..., nn.Module]] | None
    uses_batch: bool = True  # normalizes with statistics over the mini-batch (needs two or more examples),
    # and keeps running averages of them for eval mode (so it takes a momentum)


NORMS: dict[str, Norm] = {
    n.kind: n
    for n in (
        Norm("none", "no BN", "no normalization (the paper's baseline)", None, uses_batch=False),
        Norm("bnviz", "BN", "Batch Normalization (bnviz, from scratch)", {1: BatchNorm1d, 2: BatchNorm2d}),
        Norm(
            "torch",
            "BN (torch)",
            "Batch Normalization (torch.nn, the reference)",
            {1: nn.BatchNorm1d, 2: nn.BatchNorm2d},
        ),
        # For maps a registry entry does not know H and W: LN over (C, H, W) is GroupNorm with one group.
        Norm(
            "layer",
            "LN",
            "Layer Normalization (Ba et al. 2016): each example over its own features",
            {1: layer_norm_for, 2: partial(GroupNorm, 1)},
            uses_batch=False,
        ),
        Norm(
            "group",
            "GN",
            "Group Normalization (Wu & He 2018): each example over groups of up to 32 channels",
            {1: group_norm_for, 2: group_norm_for},
            uses_batch=False,
        ),
        # On (N, C) one value per channel would normalize to 0: instance norm falls back to LN there.
        Norm(
            "instance",
            "IN",
            "Instance Normalization: each example's feature map on its own (GroupNorm, groups = channels)",
            {1: layer_norm_for, 2: instance_norm_for},
            uses_batch=False,
        ),
        Norm(
            "renorm",
            "BRN",
            "Batch Renormalization (Ioffe 2017): BN corrected toward the running statistics",
            {1: BatchRenorm1d, 2: BatchRenorm2d},
        ),
        Norm(
            "ghost",
            "GBN",
            f"Ghost Batch Normalization (Hoffer et al. 2017): BN over virtual batches of {GHOST_BATCH}",
            {
                1: partial(GhostBatchNorm1d, virtual_batch_size=GHOST_BATCH),
                2: partial(GhostBatchNorm2d, virtual_batch_size=GHOST_BATCH),
            },
        ),
        Norm(
            "noisy",
            "noisy BN",
            "BN plus time-varying noise in training (Santurkar et al. 2018)",
            {1: NoisyBatchNorm1d, 2: NoisyBatchNorm2d},
        ),
    )
}


DEFAULT_EPS, DEFAULT_MOMENTUM = 1e-5, 0.1  # torch's defaults, and the layers'


def make_norm(
    kind: str,
    num_features: int,
    dims: int,
    *,
    eps: float = DEFAULT_EPS,
    momentum: float | None = DEFAULT_MOMENTUM,
    affine: bool = True,
) -> nn.Module | None:
    """The ``kind`` layer over ``num_features`` channels for ``dims``-D inputs, or ``None`` for ``"none"``.

    ``eps``, ``affine`` and (for the kinds that keep running averages) ``momentum`` mean what they
    mean in torch: ``momentum`` is the weight of the new batch, ``None`` a cumulative average.
    """
    if kind not in NORMS:
        raise ValueError(f"unknown norm {kind!r}; choose one of {', '.join(NORMS)}")
    norm = NORMS[kind]
    if norm.layers is None:
        return None
    options = {}  # only what differs from the defaults: a default layer is built exactly as before
    if eps != DEFAULT_EPS:
        options["eps"] = eps
    if not affine:
        options["affine"] = False
    if norm.uses_batch and momentum != DEFAULT_MOMENTUM:
        options["momentum"] = momentum
    return norm.layers[dims](num_features, **options)
