r"""Group Normalization (Wu & He 2018, arXiv 1803.08494), with ``torch.nn.GroupNorm``'s names.

The C channels are split into G groups of C/G consecutive channels; each example is normalized
with the mean and variance of its own values in a group (the C/G channels times every spatial
location). Nothing depends on the other examples in the batch, so there are no running
statistics and training and eval compute the same thing. The two ends of the family:

- G = 1: one group holds every channel, Layer Normalization over ``(C, H, W)`` (with one γ, β
  per channel rather than per element);
- G = C: one channel per group, Instance Normalization (Ulyanov et al. 2016), which is
  ``torch.nn.InstanceNorm2d(C, affine=True)`` without running statistics.

.. math:: \mu_{ng} = \frac{1}{|S_g|}\sum_{k \in S_g} x_{nk},\qquad
          \sigma^2_{ng} = \frac{1}{|S_g|}\sum_{k \in S_g}(x_{nk}-\mu_{ng})^2,\qquad
          y_{nck} = \gamma_c\,\frac{x_{nck}-\mu_{ng}}{\sqrt{\sigma^2_{ng}+\epsilon}} + \beta_c

with :math:`S_g` the values of group g in one example and c ranging over the group's channels.
The gradient is autograd's.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from bnviz.norms.affine import register_affine, reset_affine


def group_norm(x: Tensor, num_groups: int, weight: Tensor | None, bias: Tensor | None, eps: float) -> Tensor:
    """``y`` for ``x`` of shape ``(N, C, *)``: each example's groups of C/G channels normalized on their own."""
    n, c = x.shape[:2]
    groups = x.reshape(n, num_groups, -1)  # (N, G, C/G · H · W): one row per example and group
    # μ_ng = 1/|S_g| Σ_{k∈S_g} x_nk
    mean = groups.mean(-1, keepdim=True)
    centered = groups - mean
    # σ²_ng = 1/|S_g| Σ_{k∈S_g} (x_nk − μ_ng)²   (biased)
    var = (centered * centered).mean(-1, keepdim=True)
    # x̂_nk = (x_nk − μ_ng) / √(σ²_ng + ε)
    x_hat = (centered * torch.rsqrt(var + eps)).reshape(x.shape)
    shape = (1, c, *([1] * (x.dim() - 2)))  # γ_c, β_c broadcast over N and the spatial axes
    if weight is not None:
        # y_nck = γ_c x̂_nck + β_c
        x_hat = x_hat * weight.view(shape)
    return x_hat if bias is None else x_hat + bias.view(shape)


def divisor_groups(num_channels: int, at_most: int = 32) -> int:
    """The largest group count ≤ ``at_most`` that divides ``num_channels`` (Wu & He's default is 32 groups)."""
    return max(g for g in range(1, min(at_most, num_channels) + 1) if num_channels % g == 0)


def group_norm_for(num_channels: int, **options) -> GroupNorm:
    """Group Normalization with Wu & He's 32 groups, or the largest group count below 32 that divides ``num_channels``
    (``options``: ``eps``, ``affine``)."""
    return GroupNorm(divisor_groups(num_channels), num_channels, **options)


def instance_norm_for(num_channels: int, **options) -> GroupNorm:
    """Instance Normalization as GroupNorm with one channel per group: ``InstanceNorm2d(C, affine=True)`` without running stats."""
    return GroupNorm(num_channels, num_channels, **options)


class GroupNorm(nn.Module):
    r"""Group Normalization over an ``(N, C, *)`` input: ``num_groups`` groups of ``num_channels / num_groups`` channels.

    Same arguments, parameters (``weight`` = γ, ``bias`` = β, one per channel) and ``state_dict``
    keys as :class:`torch.nn.GroupNorm`. Training and eval behave the same.
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups != 0:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups}): every group "
                f"holds the same number of channels. Divisors of {num_channels}: "
                f"{', '.join(str(g) for g in range(1, num_channels + 1) if num_channels % g == 0)}"
            )
        factory = {"device": device, "dtype": dtype}
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        register_affine(self, num_channels, affine, bias, factory)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """γ ← 1, β ← 0: the layer starts as a pure normalization."""
        reset_affine(self)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() < 2 or x.shape[1] != self.num_channels:
            raise ValueError(
                f"GroupNorm({self.num_groups}, {self.num_channels}) expects an (N, {self.num_channels}, *) input, "
                f"got input of shape {tuple(x.shape)}"
            )
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)
