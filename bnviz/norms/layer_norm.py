r"""Layer Normalization (Ba, Kiros & Hinton 2016, arXiv 1607.06450), with ``torch.nn.LayerNorm``'s names.

Where BN takes each feature's statistics over the mini-batch, LN takes each *example's*
statistics over its own features (the trailing ``normalized_shape`` axes), so an example is
normalized the same way whatever else is in its batch, and training and inference compute the
same thing: there are no running statistics and no train/eval switch.

.. math:: \mu = \frac{1}{H}\sum_{k=1}^{H} x_k,\qquad \sigma^2 = \frac{1}{H}\sum_{k=1}^{H}(x_k-\mu)^2,
          \qquad y_k = \gamma_k\,\frac{x_k-\mu}{\sqrt{\sigma^2+\epsilon}} + \beta_k

with :math:`H` the number of values in ``normalized_shape`` (e.g. the C features of an
``(N, C)`` input) and one :math:`\gamma_k, \beta_k` per element of ``normalized_shape``.
The gradient is autograd's.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from bnviz.norms.affine import register_affine, reset_affine


def layer_norm(
    x: Tensor, normalized_shape: tuple[int, ...], weight: Tensor | None, bias: Tensor | None, eps: float
) -> Tensor:
    """``y`` for ``x`` of shape ``(*, *normalized_shape)``: each example normalized over its trailing axes."""
    dims = tuple(range(-len(normalized_shape), 0))
    # μ = 1/H Σ_k x_k   (per example, over the normalized_shape axes)
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    # σ² = 1/H Σ_k (x_k − μ)²   (biased, as in BN's training step)
    var = (centered * centered).mean(dims, keepdim=True)
    # x̂_k = (x_k − μ) / √(σ² + ε)
    x_hat = centered * torch.rsqrt(var + eps)
    if weight is None:
        return x_hat if bias is None else x_hat + bias
    # y_k = γ_k x̂_k + β_k   (γ, β have shape normalized_shape and broadcast over the leading axes)
    return x_hat * weight if bias is None else torch.addcmul(bias, x_hat, weight)


class LayerNorm(nn.Module):
    r"""Layer Normalization over the trailing ``normalized_shape`` axes of the input.

    Same arguments, parameters (``weight`` = γ, ``bias`` = β, each of shape ``normalized_shape``)
    and ``state_dict`` keys as :class:`torch.nn.LayerNorm`. Training and eval behave the same.
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...] | list[int] | torch.Size,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        register_affine(self, self.normalized_shape, elementwise_affine, bias, factory)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """γ ← 1, β ← 0: the layer starts as a pure normalization."""
        reset_affine(self)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )

    def forward(self, x: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if x.dim() < k or tuple(x.shape[-k:]) != self.normalized_shape:
            raise ValueError(
                f"LayerNorm{self.normalized_shape} expects an input whose last {k} axes have shape "
                f"{self.normalized_shape}, got input of shape {tuple(x.shape)}"
            )
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


def layer_norm_for(num_features: int, eps: float = 1e-5, affine: bool = True) -> LayerNorm:
    """``LayerNorm(num_features)`` with the registry's argument names (``affine`` is torch's ``elementwise_affine``)."""
    return LayerNorm(num_features, eps=eps, elementwise_affine=affine)
