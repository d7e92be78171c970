"""Normalization layers written from scratch, with PyTorch's names and semantics, one file each.

``make_norm(kind, num_features, dims)`` builds the layer a network puts before each nonlinearity;
:data:`NORMS` lists the kinds a :class:`~bnviz.train.config.TrainConfig` can name, each with what the
rest of bnviz needs to know about it (its colour on charts, its averaging set, whether seeds can
stack). ``"torch"`` is PyTorch's own layer, the reference the tests and benchmarks compare against.
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
    "Averaging",
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


AVERAGING_SETS = ("channel", "example", "instance", "group")


@dataclass(frozen=True)
class Averaging:
    """What the μ and σ² that normalize one entry of an ``(N, C, H, W)`` input are taken over."""

    over: str  # "channel": every example and position of its channel; "example": every channel and position of
    # its example; "instance": the positions of its example's channel; "group": its example's group of channels
    depends_on: str  # the same in words, for the page that highlights the set

    def __post_init__(self) -> None:
        if self.over not in AVERAGING_SETS:
            raise ValueError(f"over must be one of {', '.join(AVERAGING_SETS)} (got {self.over!r})")


@dataclass(frozen=True, kw_only=True)
class Norm:
    """One kind of normalization and everything the rest of bnviz needs to know about it."""

    kind: str  # the name a config uses: TrainConfig.norm
    label: str  # the arm's short name on charts and tables
    name: str  # its full name, e.g. "Layer Normalization"
    title: str  # one line for menus and captions
    # dims (1: (N, C) or (N, C, L); 2: (N, C, H, W)) -> a class taking (num_features, eps=, affine=), and
    # momentum= where uses_batch; None for no normalization
    layers: dict[int, Callable[..., nn.Module]] | None
    uses_batch: bool = True  # normalizes with statistics over the mini-batch (needs two or more examples),
    # and keeps running averages of them for eval mode (so it takes a momentum)
    color: str  # its colour on every chart (Tableau 10)
    after_color: str  # its colour after the nonlinearity: the same at 60% brightness, told apart yet the same kind
    text_color: str  # the nearest of Streamlit's named Markdown colours (":red[...]"), for arm names in text
    averages: Averaging | None = None  # its averaging set, on the page that shows each one (None: not shown there)
    stacks_seeds: bool = False  # statistics per unit over the batch and no random draws: the seeds of an arm
    # can train as one stacked model (bnviz.train.seed_stack)
    virtual_batch: int | None = None  # examples per virtual batch, for a kind that normalizes parts of the batch


NORMS: dict[str, Norm] = {
    n.kind: n
    for n in (
        Norm(
            kind="none",
            label="no BN",
            name="no normalization",
            title="no normalization (the paper's baseline)",
            layers=None,
            uses_batch=False,
            color="#1f77b4",  # blue: the paper's baseline
            after_color="#1f77b4",
            text_color="blue",
            stacks_seeds=True,
        ),
        Norm(
            kind="bnviz",
            label="BN",
            name="Batch Normalization",
            title="Batch Normalization (bnviz, from scratch)",
            layers={1: BatchNorm1d, 2: BatchNorm2d},
            color="#d62728",  # red
            after_color="#801718",
            text_color="red",
            averages=Averaging("channel", "one channel, over every example and position of the mini-batch"),
            stacks_seeds=True,
        ),
        Norm(
            kind="torch",
            label="BN (torch)",
            name="Batch Normalization (torch.nn)",
            title="Batch Normalization (torch.nn, the reference)",
            layers={1: nn.BatchNorm1d, 2: nn.BatchNorm2d},
            color="#ff7f0e",  # orange
            after_color="#994c08",
            text_color="orange",
            stacks_seeds=True,
        ),
        # For maps a registry entry does not know H and W: LN over (C, H, W) is GroupNorm with one group.
        Norm(
            kind="layer",
            label="LN",
            name="Layer Normalization",
            title="Layer Normalization (Ba et al. 2016): each example over its own features",
            layers={1: layer_norm_for, 2: partial(GroupNorm, 1)},
            uses_batch=False,
            color="#2ca02c",  # green
            after_color="#1a601a",
            text_color="green",
            averages=Averaging("example", "one example, over every channel and position"),
        ),
        # On (N, C) one value per channel would normalize to 0: instance norm falls back to LN there.
        Norm(
            kind="instance",
            label="IN",
            name="Instance Normalization",
            title="Instance Normalization: each example's feature map on its own (GroupNorm, groups = channels)",
            layers={1: layer_norm_for, 2: instance_norm_for},
            uses_batch=False,
            color="#17becf",  # cyan
            after_color="#0e727c",
            text_color="blue",
            averages=Averaging("instance", "one example and one channel, over its positions"),
        ),
        Norm(
            kind="group",
            label="GN",
            name="Group Normalization",
            title="Group Normalization (Wu & He 2018): each example over groups of up to 32 channels",
            layers={1: group_norm_for, 2: group_norm_for},
            uses_batch=False,
            color="#9467bd",  # purple
            after_color="#593e71",
            text_color="violet",
            averages=Averaging("group", "one example, over its group of channels and their positions"),
        ),
        Norm(
            kind="renorm",
            label="BRN",
            name="Batch Renormalization",
            title="Batch Renormalization (Ioffe 2017): BN corrected toward the running statistics",
            layers={1: BatchRenorm1d, 2: BatchRenorm2d},
            color="#8c564b",  # brown
            after_color="#54342d",
            text_color="orange",
            averages=Averaging("channel", "BN's set; r and d then pull the result toward the running statistics"),
        ),
        Norm(
            kind="ghost",
            label="GBN",
            name="Ghost Batch Normalization",
            title=f"Ghost Batch Normalization (Hoffer et al. 2017): BN over virtual batches of {GHOST_BATCH}",
            layers={
                1: partial(GhostBatchNorm1d, virtual_batch_size=GHOST_BATCH),
                2: partial(GhostBatchNorm2d, virtual_batch_size=GHOST_BATCH),
            },
            color="#e377c2",  # pink
            after_color="#884774",
            text_color="violet",
            virtual_batch=GHOST_BATCH,
        ),
        Norm(
            kind="noisy",
            label="noisy BN",
            name="noisy Batch Normalization",
            title="BN plus time-varying noise in training (Santurkar et al. 2018)",
            layers={1: NoisyBatchNorm1d, 2: NoisyBatchNorm2d},
            color="#bcbd22",  # olive
            after_color="#717114",
            text_color="green",
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
