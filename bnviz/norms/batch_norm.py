r"""BatchNorm1d and BatchNorm2d written from scratch, with PyTorch's names and semantics.

The layers only keep books: parameters ``weight`` (γ) and ``bias`` (β), buffers
``running_mean``, ``running_var`` and ``num_batches_tracked``, and the train/eval switch.
The math lives in :mod:`bnviz.norms.bn_fused`; the backward pass is the paper's (Section 3, in
closed form) inside :class:`BatchNormFunction`, not left to autograd.

As in ``torch.nn.BatchNorm*``: training normalizes with the mini-batch mean and the *biased*
variance (Algorithm 1), while ``running_var`` stores the *unbiased* estimate
:math:`\frac{m}{m-1}\sigma_B^2` (Algorithm 2, line 10), with :math:`m` the number of values a
channel sees (N for ``(N, C)``, N*L or N*H*W otherwise). ``momentum=None`` makes the running
statistics plain averages over every training batch so far, which is Algorithm 2's population
average :math:`\mathrm{E}_B`. Eval mode applies the folded map :math:`y = a x + b`.

A drop-in for torch's layers beyond the ordinary forward and backward: double backward (the
paper's backward is itself differentiable), ``torch.func`` transforms and forward-mode AD (the
same math in plain ops, so autograd and ``torch.func`` derive the gradients), autocast and 16-bit
inputs (statistics summed in float32), empty batches, old checkpoints without
``num_batches_tracked``, and torch's errors. The layers subclass torch's ``_BatchNorm`` only so
that torch's tools that look for batch norm layers (``torch.func.replace_all_batch_norm_modules_``,
``torch.optim.swa_utils.update_bn``, FSDP) find them: every method is defined here.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.autograd import forward_ad
from torch.nn.modules.batchnorm import _BatchNorm as _TorchBatchNorm

from bnviz.norms.affine import register_affine, reset_affine
from bnviz.norms.bn_fused import (
    as_dtype,
    batch_stats,
    closed_form_backward,
    count_per_channel,
    inference_affine,
    per_channel,
    scale_shift,
    train_forward,
    update_running_stats,
)


class ChannelCountError(ValueError, RuntimeError):
    """The input's axis 1 is not ``num_features`` wide: a ValueError, and a RuntimeError as torch raises."""


def check_batch(x: Tensor, where: str = "") -> int:
    """m, the values each channel's μ_B and σ²_B are taken over in ``x``; ValueError if there is only one.

    The one check of the BN family (BN, Batch Renorm, Ghost BN on each ghost batch); ``where`` says which
    part of the input ``x`` is, where it is not all of it.
    """
    m = count_per_channel(x)
    if m == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training (or in eval without running statistics), "
            f"got input size {list(x.shape)}{where}: a mini-batch of one value has variance 0, so normalizing "
            "it gives 0 whatever the input and no gradient can flow. Use a batch of at least 2, or call .eval() "
            "to use the running statistics."
        )
    return m


class BatchNormFunction(torch.autograd.Function):
    """Algorithm 1 forward with the paper's hand-derived backward (autograd only calls it).

    Like ``torch.nn.functional.batch_norm`` it also moves the running averages, in place, when
    given them: μ_B and σ²_B never leave the forward, so no gradient can flow through them and
    the update costs no extra autograd bookkeeping. The backward is itself made of torch ops, so
    with ``create_graph=True`` autograd records the paper's formula and differentiates it again.
    """

    @staticmethod
    def forward(
        ctx,
        x: Tensor,
        weight: Tensor | None,
        bias: Tensor | None,
        running_mean: Tensor | None,
        running_var: Tensor | None,
        factor: float,
        eps: float,
    ):
        # y = γ (x − μ_B)/√(σ²_B + ε) + β, with μ_B and the biased σ²_B of this mini-batch
        y, mean, var, centered, inv_std = train_forward(x, weight, bias, eps)
        if running_mean is not None:
            update_running_stats(running_mean, running_var, mean, var, count_per_channel(x), factor)
        ctx.save_for_backward(x, centered, inv_std, weight)
        ctx.has_bias, ctx.eps = bias is not None, eps
        return y

    @staticmethod
    def backward(ctx, dy: Tensor):
        x, centered, inv_std, weight = ctx.saved_tensors
        if torch.is_grad_enabled():
            # create_graph=True: autograd records this backward to differentiate it again (double
            # backward), so x − μ_B and 1/√(σ²_B + ε) are rebuilt from x where it sees them depend on x.
            _, var, centered, _ = batch_stats(x)
            inv_std = torch.rsqrt(var + ctx.eps)
        # No buffers written in place when autograd records this or vmap batches dy (jacobian(vectorize=True)).
        traced = torch.is_grad_enabled() or ops_must_be_traced() or _legacy_vmapped(dy)
        dx, dgamma, dbeta = closed_form_backward(dy, centered, inv_std, weight, traced=traced)
        return (
            dx,
            as_dtype(dgamma, weight.dtype) if weight is not None else None,
            as_dtype(dbeta, weight.dtype) if ctx.has_bias else None,
            None,
            None,
            None,
            None,  # running_mean, running_var, factor, eps
        )


def ops_must_be_traced() -> bool:
    """True inside ``torch.func`` transforms (vmap, grad, jvp, jacrev, ...) and forward-mode AD:
    both must see every op of the forward, which an ``autograd.Function`` hides."""
    return torch._C._are_functorch_transforms_active() or forward_ad._current_level >= 0


def _legacy_vmapped(t: Tensor) -> bool:
    """``t`` is batched by the older vmap that ``torch.autograd.functional.jacobian(vectorize=True)`` uses."""
    return not torch.compiler.is_compiling() and torch._C._functorch.is_legacy_batchedtensor(t)


def batch_norm_train(
    x: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    factor: float,
    eps: float,
) -> Tensor:
    """Algorithm 1 (and the running averages' update) through the right door for the caller."""
    if x.numel() == 0:
        # An empty mini-batch has no μ_B or σ²_B: like torch, an empty y, the running averages left
        # as they are, and gradients of 0 (a sum over no values).
        y = (
            x.clone()
            if weight is None
            else scale_shift(x, per_channel(weight, x), None if bias is None else per_channel(bias, x), traced=True)
        )
        return as_dtype(y, x.dtype)
    if not ops_must_be_traced():
        return BatchNormFunction.apply(x, weight, bias, running_mean, running_var, factor, eps)
    # The same math in plain ops: autograd, vmap and forward-mode AD derive what they need.
    y, mean, var, _, _ = train_forward(x, weight, bias, eps, traced=True)
    if running_mean is not None:
        update_running_stats(running_mean, running_var, mean.detach(), var.detach(), count_per_channel(x), factor)
    return y


class _BatchNorm(_TorchBatchNorm):
    """Shared bookkeeping of :class:`BatchNorm1d` and :class:`BatchNorm2d`."""

    _valid_dims: tuple[int, ...] = ()
    _version = 2  # version 2 added num_batches_tracked: see _load_from_state_dict

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        nn.Module.__init__(self)  # torch's _BatchNorm is only a marker here: none of its code runs
        factory = {"device": device, "dtype": dtype}
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        register_affine(self, num_features, affine, bias, factory)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **factory))
            self.register_buffer("running_var", torch.ones(num_features, **factory))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """E[x] ← 0, Var[x] ← 1, and forget how many batches were seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """γ ← 1, β ← 0: the layer starts as a pure normalization (Section 3)."""
        self.reset_running_stats()
        reset_affine(self)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        # Checkpoints older than version 2 have no num_batches_tracked: keep ours, as torch does.
        version = local_metadata.get("version", None)
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            nbt = self.num_batches_tracked
            state_dict[key] = (
                nbt if nbt is not None and nbt.device.type != "meta" else torch.tensor(0, dtype=torch.long)
            )
        nn.Module._load_from_state_dict(
            self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def _check_input_dim(self, x: Tensor) -> None:
        if x.dim() not in self._valid_dims:
            wanted = " or ".join(f"{d}D" for d in self._valid_dims)
            raise ValueError(f"{type(self).__name__} expected {wanted} input (got {x.dim()}D input)")
        if x.shape[1] != self.num_features:
            raise ChannelCountError(
                f"{type(self).__name__}({self.num_features}) got {x.shape[1]} channels in input of "
                f"shape {tuple(x.shape)}; axis 1 must hold the {self.num_features} features"
            )

    def forward(self, x: Tensor) -> Tensor:
        self._check_input_dim(x)
        # Mini-batch statistics in training, and in eval when there are no running averages to use.
        batch_statistics = self.training or self.running_mean is None
        if self.eps < 0:  # torch also refuses ε = 0 in training; we allow it for Section 3.3's exact identities
            raise ValueError(
                f"batch_norm eps must be non-negative, but got {self.eps}: "
                "σ²_B + ε could go below zero and its square root be NaN"
            )
        if not batch_statistics:
            # Algorithm 2: inference is the fixed affine map y = a·x + b built from running stats.
            a, b = inference_affine(self.weight, self.bias, self.running_mean, self.running_var, self.eps)
            y = scale_shift(x, per_channel(a, x), per_channel(b, x), traced=ops_must_be_traced())
            return as_dtype(y, x.dtype)
        check_batch(x)
        running, factor = (None, None), 0.0
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            factor = self._count_batch()
            running = (self.running_mean, self.running_var)
        return batch_norm_train(x, self.weight, self.bias, *running, factor, self.eps)

    def _count_batch(self) -> float:
        """Count one more training batch in ``num_batches_tracked``; return the weight f the running averages
        give it (:func:`~bnviz.norms.bn_fused.update_running_stats`): ``momentum``, or 1/k at the k-th batch
        with ``momentum=None``, which makes them the average over all k batches (Algorithm 2's E_B)."""
        self.num_batches_tracked.add_(1)
        return 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum


class BatchNorm1d(_BatchNorm):
    r"""Batch Normalization over a ``(N, C)`` or ``(N, C, L)`` input (Algorithm 1 per feature).

    Same arguments, buffers and ``state_dict`` keys as :class:`torch.nn.BatchNorm1d`.
    """

    _valid_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    r"""Batch Normalization over a ``(N, C, H, W)`` input: one γ, β per feature map, statistics
    over the N*H*W values of each map (Section 3.2).

    Same arguments, buffers and ``state_dict`` keys as :class:`torch.nn.BatchNorm2d`.
    """

    _valid_dims = (4,)
