r"""Batch-mates: in training mode an image's output depends on the other images of its batch; in eval mode not.

In training mode BN normalizes with the batch's own :math:`\mu_B, \sigma^2_B` (Algorithm 1), so the
same image gets a different output among different batch-mates. In eval mode it uses the fixed
:math:`\mathrm{E}[x], \mathrm{Var}[x]` (Algorithm 2), and the image's output is its own. Forgetting
``model.eval()`` at test time leaves the network in the first mode: its test accuracy then depends
on the test batch size.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from bnviz.norms.bn_fused import inference_affine
from bnviz.train.models import MnistMLP

KINDS = ("random test images", "all of one class", "all blank")
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)  # the page's test-batch-size slider


def mlp_logits(model: MnistMLP, x: Tensor, batches: Tensor | None) -> Tensor:
    r"""The MLP's logits, ``(B, 10)``, with BN in training mode (``batches``: each row's test batch) or eval mode (None).

    In training mode every batch (the rows sharing a number in ``batches``) is normalized with its own
    statistics, all batches at once. Computed from the layers' parameters and buffers, not by calling
    the layers, so that no running average moves and a batch of one is allowed: then :math:`\sigma^2_B = 0`
    and every :math:`\hat x = 0/\sqrt{\epsilon} = 0` (torch's layers refuse such a batch in training mode).

    .. math:: \text{train: } y = \gamma\frac{x-\mu_B}{\sqrt{\sigma_B^2+\epsilon}}+\beta \qquad
              \text{eval: } y = \frac{\gamma}{\sqrt{\mathrm{Var}[x]+\epsilon}}\,x
              + \Big(\beta-\frac{\gamma\,\mathrm{E}[x]}{\sqrt{\mathrm{Var}[x]+\epsilon}}\Big)
    """
    if model.position != "before" or model.dropout is not None:
        raise ValueError("mlp_logits follows the paper's network: BN before the nonlinearity, no dropout")
    h = x  # (B, 784)
    with torch.no_grad():
        for linear, norm in zip(model.linears, model.norms):
            z = linear(h)  # W u, (B, width)
            if batches is not None:
                y = norm.weight * grouped_x_hat(z, batches, norm.eps) + norm.bias  # γ x̂ + β
            else:
                # Algorithm 2: y = a·x + b with the running averages
                a, b = inference_affine(norm.weight, norm.bias, norm.running_mean, norm.running_var, norm.eps)
                y = a * z + b
            h = model.g(y)
        return model.out(h)


def grouped_x_hat(z: Tensor, batches: Tensor, eps: float) -> Tensor:
    """Algorithm 1's x̂ for many batches at once: row r belongs to batch ``batches[r]`` (0, 1, ...)."""
    k = int(batches.max()) + 1
    count = torch.zeros(k, dtype=z.dtype).index_add_(0, batches, torch.ones_like(z[:, 0]))[:, None]  # m per batch
    # μ_B = 1/m Σ_i x_i, per batch
    mean = torch.zeros(k, z.shape[1], dtype=z.dtype).index_add_(0, batches, z) / count
    centered = z - mean[batches]  # x_i − μ_B
    # σ²_B = 1/m Σ_i (x_i − μ_B)², per batch
    var = torch.zeros(k, z.shape[1], dtype=z.dtype).index_add_(0, batches, centered**2) / count
    # x̂_i = (x_i − μ_B) / √(σ²_B + ε)
    return centered / torch.sqrt(var[batches] + eps)


def one_batch(n: int) -> Tensor:
    """``batches`` for :func:`mlp_logits`: all ``n`` rows in one batch."""
    return torch.zeros(n, dtype=torch.long)


@dataclass(frozen=True)
class AmongMates:
    kind: str  # one of KINDS
    mates: Tensor  # indices of the batch-mates in the test split (empty for blank images)
    probs: Tensor  # the image's softmax output in training mode among these mates, (10,)


def mates_of(kind: str, index: int, labels: Tensor, size: int, seed: int, cls: int) -> Tensor:
    """Indices of ``size`` batch-mates for test image ``index``: random, all of class ``cls``, or none (blank)."""
    gen = torch.Generator().manual_seed(int(seed))
    if kind == "all blank":
        return torch.empty(0, dtype=torch.long)
    keep = torch.arange(len(labels)) != index
    if kind == "all of one class":
        keep &= labels == cls
    pool = keep.nonzero().flatten()
    return pool[torch.randperm(len(pool), generator=gen)[:size]]


def among_mates(
    model: MnistMLP, x: Tensor, labels: Tensor, index: int, batch_size: int, seed: int, cls: int
) -> tuple[list[AmongMates], Tensor]:
    """Image ``index``'s output in training mode in a batch of ``batch_size`` with each kind of batch-mates,
    and its output in eval mode (the same whatever its batch-mates)."""
    out = []
    for kind in KINDS:
        mates = mates_of(kind, index, labels, batch_size - 1, seed, cls)
        others = torch.zeros(batch_size - 1, x.shape[1], dtype=x.dtype) if kind == "all blank" else x[mates]
        batch = torch.cat([x[index : index + 1], others])  # the image first, then its batch-mates
        out.append(AmongMates(kind, mates, torch.softmax(mlp_logits(model, batch, one_batch(len(batch)))[0], 0)))
    return out, torch.softmax(mlp_logits(model, x[index : index + 1], None)[0], 0)


def most_moved(model: MnistMLP, x: Tensor, labels: Tensor, candidates, batch_size: int, seed: int) -> int:
    """The candidate test image whose training-mode output moves most between its kinds of batch-mates
    (the largest change of any class probability), all candidates' batches in one pass per kind."""
    candidates = list(candidates)
    probs = []
    for kind in KINDS:
        rows = []
        for index in candidates:
            mates = mates_of(kind, index, labels, batch_size - 1, seed, (int(labels[index]) + 1) % 10)
            others = torch.zeros(batch_size - 1, x.shape[1], dtype=x.dtype) if kind == "all blank" else x[mates]
            rows.append(torch.cat([x[index : index + 1], others]))
        batches = torch.arange(len(candidates)).repeat_interleave(batch_size)
        logits = mlp_logits(model, torch.cat(rows), batches)[::batch_size]  # each batch's first row: the image
        probs.append(torch.softmax(logits, 1))
    stacked = torch.stack(probs)  # (kinds, candidates, 10)
    spread = (stacked.amax(0) - stacked.amin(0)).amax(1)  # per candidate
    return candidates[int(spread.argmax())]


def test_batches(n: int, batch_size: int) -> Tensor:
    """Each of ``n`` test images' batch: consecutive runs of ``batch_size``; a last rest of one image joins
    the batch before it (alone its σ²_B would be 0), unless every batch is one image."""
    batches = torch.arange(n) // batch_size
    if batch_size > 1 and n % batch_size == 1 and n > 1:
        batches[-1] -= 1
    return batches


def accuracy(model: MnistMLP, x: Tensor, labels: Tensor, batch_size: int | None) -> float:
    """Test accuracy in eval mode (``batch_size`` None) or with ``model.eval()`` forgotten, in test batches of
    ``batch_size`` consecutive images, each normalized with its own batch statistics."""
    batches = None if batch_size is None else test_batches(len(labels), batch_size)
    return (mlp_logits(model, x, batches).argmax(1) == labels).double().mean().item()


def accuracy_by_batch_size(model: MnistMLP, x: Tensor, labels: Tensor, sizes=BATCH_SIZES) -> dict[int, float]:
    """Accuracy with ``model.eval()`` forgotten, for each test batch size."""
    return {size: accuracy(model, x, labels, size) for size in sizes}
