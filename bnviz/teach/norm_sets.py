r"""What each normalizer averages over: the set of values whose mean and variance normalize one entry.

For an input of shape ``(N, C, H, W)`` (examples, channels, positions) every normalizer computes
:math:`\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}`; they differ only in the set μ and σ² are taken over:

- BN (the paper): one channel, over every example and position, so an output depends on the rest of the batch;
- LayerNorm: one example, over every channel and position;
- InstanceNorm: one example and one channel, over its positions;
- GroupNorm: one example, over a group of channels and their positions;
- Batch Renorm: BN's set, then corrected toward the running statistics (r, d).

Each kind's set is in its row of :data:`bnviz.norms.NORMS` (``averages``); the kinds with one are
:data:`KINDS`. Pure functions; the tests hold :func:`normalize_entry` equal to bnviz's own layers at
that entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor

from bnviz.norms import NORMS

# kind -> (name, what one output depends on), for each kind the page shows, in the registry's order
KINDS = {kind: (n.name, n.averages.depends_on) for kind, n in NORMS.items() if n.averages is not None}


def averaging_mask(
    kind: str, shape: tuple[int, int, int, int], entry: tuple[int, int, int, int], groups: int = 2
) -> Tensor:
    """Boolean ``shape`` tensor: True where a value enters the μ and σ² that normalize ``entry`` = (n, c, h, w)."""
    averages = NORMS[kind].averages if kind in NORMS else None
    if averages is None:
        shown = [k for k, norm in NORMS.items() if norm.averages is not None]
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(shown)}")
    n_all, c_all, _, _ = shape
    n, c, _, _ = entry
    mask = torch.zeros(shape, dtype=torch.bool)
    if averages.over == "channel":
        mask[:, c] = True  # every example and position of channel c
    elif averages.over == "example":
        mask[n] = True  # every channel and position of example n
    elif averages.over == "instance":
        mask[n, c] = True  # the positions of example n, channel c
    else:  # "group": the channels of c's group, in example n
        if c_all % groups:
            raise ValueError(f"{groups} groups do not divide {c_all} channels; choose a divisor of {c_all}")
        size = c_all // groups
        first = (c // size) * size
        mask[n, first : first + size] = True
    return mask


@dataclass(frozen=True)
class Entry:
    """One entry normalized by hand from its set: the numbers a student can check with a calculator."""

    values: Tensor  # the set, flattened
    mean: float  # μ over the set
    var: float  # σ², biased (the one normalization uses)
    x: float  # the entry itself
    x_hat: float  # (x − μ)/√(σ² + ε)
    uses_other_examples: bool  # the set reaches beyond the entry's own example: the output depends on the batch


def normalize_entry(
    kind: str, x: Tensor, entry: tuple[int, int, int, int], groups: int = 2, eps: float = 1e-5
) -> Entry:
    """x̂ at ``entry`` from the values of its averaging set (Batch Renorm: its BN part, before r and d)."""
    mask = averaging_mask(kind, tuple(x.shape), entry, groups)
    values = x[mask]
    # μ = mean of the set;  σ² = mean of (v − μ)² over the set (biased)
    mean = values.mean()
    var = ((values - mean) ** 2).mean()
    value = x[entry]
    # x̂ = (x − μ)/√(σ² + ε)
    x_hat = (value - mean) / torch.sqrt(var + eps)
    others = mask.clone()
    others[entry[0]] = False
    return Entry(values, float(mean), float(var), float(value), float(x_hat), bool(others.any()))


def cube_frame(x: Tensor, mask: Tensor, entry: tuple[int, int, int, int]) -> pd.DataFrame:
    """One row per value of the (N, C, H, W) cube: its place, its value, whether it is in the set, whether it is the entry."""
    rows = []
    for idx in torch.cartesian_prod(*(torch.arange(s) for s in x.shape)).tolist():
        n, c, h, w = idx
        rows.append(
            {
                "example": f"example {n}",
                "channel": f"channel {c}",
                "h": h,
                "w": w,
                "value": float(x[n, c, h, w]),
                "in_set": bool(mask[n, c, h, w]),
                "entry": tuple(idx) == tuple(entry),
            }
        )
    return pd.DataFrame(rows)
