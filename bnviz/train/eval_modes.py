r"""Train and eval are two different networks (issue #16, experiment 2): one trained network, tested four ways.

In training BN normalizes each unit with its mini-batch's :math:`\mu_B, \sigma^2_B` (Algorithm 1),
so an example's output depends on the other examples of its batch. At inference it uses fixed
statistics :math:`\mathrm{E}[x], \mathrm{Var}[x]` (Algorithm 2), so the output of one example is
its own. Which statistics those are, and what happens if they are forgotten, gives four modes:

- :func:`running`: eval mode with the running averages that training kept (what torch does, and
  :func:`~bnviz.train.modes.evaluate`).
- :func:`batch_stats`: "forgetting ``eval()``": training mode, so BN normalizes every test batch of
  ``batch_size`` examples (consecutive, in the split's stored order) with that batch's own statistics.
- :func:`population`: Algorithm 2 proper, with the population statistics that
  :func:`population_statistics` computes from the training set after training (lines 9-10).
- :func:`non_iid`: as :func:`batch_stats`, but every test batch holds one class only: the
  statistics of a batch of sevens are not those of the digits.

Each returns a :class:`ModeResult`: accuracy and mean cross-entropy over every test example, or
``None`` with a reason when the mode cannot be computed. Every function leaves the model as it
found it: parameters, buffers (``running_mean``, ``running_var``, ``num_batches_tracked``), the
train/eval flag, torch's RNG and a noisy layer's own generator.

The batch modes' choices: a last partial batch is kept (every test example is classified once),
except that a rest of one example joins the batch before it, since alone it would have
:math:`\sigma^2_B = 0` (:func:`consecutive_batches`). A batch size of 1 leaves every ``(N, C)`` BN layer
one value per channel; torch refuses it in training mode ("Expected more than 1 value per
channel"), and so the result is ``None`` with that reason rather than an exception. Every test
batch meets the network exactly as trained: the buffers a forward pass moves are put back after
each batch, which matters for Batch Renorm, whose training-mode output uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from bnviz import data as datasets
from bnviz.norms.bn_fused import bessel, count_per_channel, reduce_dims
from bnviz.train.batches import model_inputs
from bnviz.train.config import TrainConfig
from bnviz.train.modes import batch_statistics, evaluate, is_batch_norm, layer_inputs

ONE_VALUE = "more than 1 value per channel"  # in the refusal of torch's, bnviz's, Batch Renorm's and Ghost BN's layers


@dataclass(frozen=True)
class ModeResult:
    mode: str  # "running" | "batch_stats" | "population" | "non_iid"
    batch_size: int | None  # test examples per batch BN normalizes over; None in eval mode (one example at a time)
    accuracy: float | None  # fraction of the test examples classified right; None if not computable
    loss: float | None  # mean cross-entropy over the test examples (nats); None if not computable
    reason: str | None = None  # why accuracy and loss are None


@dataclass(frozen=True)
class LayerPopulation:
    r"""Algorithm 2's inference statistics of one BN layer (lines 9-10), beside its running averages.

    .. math:: \mathrm{E}[x] = \frac{1}{K}\sum_{k=1}^K \mu_{B_k}, \qquad
              \mathrm{Var}[x] = \frac{m}{m-1}\cdot\frac{1}{K}\sum_{k=1}^K \sigma^2_{B_k}
    """

    name: str  # the module's name in the model, e.g. "norms.0": its state_dict prefix
    layer: str  # the model's name for the layer, e.g. "layer1" (the module name if the model names none)
    m: int  # values per channel in one batch: N for (N, C), N·H·W for (N, C, H, W)
    num_batches: int  # K, the training mini-batches averaged over
    mean: Tensor  # E[x], (C,) float64
    var: Tensor  # Var[x] (unbiased), (C,) float64
    running_mean: Tensor  # the layer's running average of μ_B when the pass ran, (C,) float64
    running_var: Tensor  # ... and of m/(m−1)·σ²_B, (C,) float64

    def mean_shift(self) -> Tensor:
        r"""How far the running mean is from E[x], in population standard deviations, (C,).

        .. math:: |\hat\mu - \mathrm{E}[x]| \,/\, \sqrt{\mathrm{Var}[x]}
        """
        # |μ̂ − E[x]| / √Var[x]
        return (self.running_mean - self.mean).abs() / self.var.sqrt()

    def var_ratio(self) -> Tensor:
        r"""The running variance over the population's, (C,); 1 where they agree: :math:`\hat\sigma^2 / \mathrm{Var}[x]`."""
        # σ̂² / Var[x]
        return self.running_var / self.var


def running(model: nn.Module, config: TrainConfig, x: Tensor | datasets.LitPixels, y: Tensor) -> ModeResult:
    """(a) Eval mode: every BN layer normalizes with its running averages, the network of inference."""
    accuracy, loss = evaluate(model, config, x, y)
    return ModeResult("running", None, accuracy, loss)


def batch_stats(
    model: nn.Module, config: TrainConfig, x: Tensor | datasets.LitPixels, y: Tensor, batch_size: int
) -> ModeResult:
    """(b) "Forgetting ``eval()``": training mode over consecutive test batches of ``batch_size``, each
    normalized with its own μ_B and σ²_B (the paper's N_BN^tr applied to test data)."""
    batches = ((x[s], y[s]) for s in consecutive_batches(len(y), batch_size))
    return batch_statistics_pass(model, config, batches, "batch_stats", batch_size)


def non_iid(model: nn.Module, config: TrainConfig, x: Tensor, y: Tensor, batch_size: int) -> ModeResult:
    """(d) As :func:`batch_stats`, over batches that each hold one class: the test set sorted by label
    (stable, so each class keeps its stored order), each class cut into batches on its own.

    ``x`` is the uint8 images (the batches pick examples out of order). A class with a single test
    example would be a batch of one: the result is then ``None`` with that reason.
    """
    batches = ((x.index_select(0, idx), y.index_select(0, idx)) for idx in one_class_batches(y, batch_size))
    return batch_statistics_pass(model, config, batches, "non_iid", batch_size)


def population(
    model: nn.Module, config: TrainConfig, x: Tensor | datasets.LitPixels, y: Tensor, stats: list[LayerPopulation]
) -> ModeResult:
    """(c) Algorithm 2 proper: eval mode with :func:`population_statistics` in place of the running averages."""
    with population_buffers(model, stats):
        accuracy, loss = evaluate(model, config, x, y)
    return ModeResult("population", None, accuracy, loss)


def consecutive_batches(n: int, batch_size: int) -> list[slice]:
    """Consecutive batches ``[0, b), [b, 2b), ...`` of ``n`` examples; the last holds the rest, except
    that a rest of one example joins the batch before it (alone it has σ²_B = 0, and BN refuses it)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive whole number (got {batch_size!r})")
    bounds = [*range(0, n, batch_size), n]
    if batch_size > 1 and len(bounds) > 2 and bounds[-1] - bounds[-2] == 1:
        del bounds[-2]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def one_class_batches(y: Tensor, batch_size: int) -> list[Tensor]:
    """Index batches of one class each: class by class in label order, each class cut by :func:`consecutive_batches`."""
    order = torch.sort(y, stable=True).indices  # (n,): the examples by label, each class in its stored order
    counts = torch.unique_consecutive(y[order], return_counts=True)[1].tolist()
    return [idx[s] for idx in order.split(counts) for s in consecutive_batches(len(idx), batch_size)]


@torch.no_grad()
def batch_statistics_pass(
    model: nn.Module, config: TrainConfig, batches: Iterable[tuple], mode: str, batch_size: int
) -> ModeResult:
    """Accuracy and mean cross-entropy over ``batches`` of (images, labels), BN on each batch's own statistics."""
    correct, loss, n = 0, 0.0, 0
    with batch_statistics(model):  # puts back buffers, RNG and mode at the end
        put_back = buffers_as_now(model)
        for xb, yb in batches:
            try:
                # every BN layer: y = γ (x − μ_B)/√(σ²_B + ε) + β, μ_B and σ²_B of this test batch
                logits = model(xb if isinstance(xb, datasets.LitPixels) else model_inputs(config, xb))
            except ValueError as error:
                if ONE_VALUE not in str(error):
                    raise
                reason = f"a test batch of {len(yb)} leaves a BN layer one value per channel, so σ²_B = 0: {error}"
                return ModeResult(mode, batch_size, None, None, reason)
            finally:
                put_back()  # the next batch meets the network as trained (Batch Renorm reads the running averages)
            # accuracy = 1/n Σ_i [argmax_k logits_ik = y_i]
            correct += int((logits.argmax(1) == yb).sum())
            # loss = 1/n Σ_i −log softmax(logits_i)_{y_i}
            loss += float(nn.functional.cross_entropy(logits, yb, reduction="sum"))
            n += len(yb)
    return ModeResult(mode, batch_size, correct / n, loss / n)


def buffers_as_now(model: nn.Module) -> Callable[[], None]:
    """A function that puts every buffer of ``model`` back to its value at this call."""
    saved = [(buffer, buffer.clone()) for buffer in model.buffers()]

    def put_back() -> None:
        for buffer, copy in saved:
            buffer.copy_(copy)

    return put_back


def bn_layers(model: nn.Module) -> list[tuple[str, str, nn.Module]]:
    """(module name, the model's layer name, module) of every layer with running averages, in model order."""
    labels = {}
    if hasattr(model, "norm_layers") and hasattr(model, "layer_names"):
        labels = {id(norm): name for name, norm in zip(model.layer_names(), model.norm_layers())}
    return [(name, labels.get(id(m), name), m) for name, m in model.named_modules() if is_batch_norm(m)]


@torch.no_grad()
def population_statistics(
    model: nn.Module,
    config: TrainConfig,
    train_x: Tensor,
    batch_size: int | None = None,
    num_batches: int | None = None,
    seed: int | None = 0,
) -> list[LayerPopulation]:
    r"""Algorithm 2, lines 9-10, after training: one pass over training mini-batches, averaging every BN
    layer's :math:`\mu_B` and :math:`\sigma^2_B`.

    The batches hold ``batch_size`` examples (default: the training batch size, the paper's m):
    ``torch.randperm(n)`` seeded with ``seed`` (``None``: the stored order), cut into consecutive
    batches, the last partial one dropped so all have one m; ``num_batches`` keeps only the first
    ones (default: all, one epoch). The uint8 ``train_x`` go in as the test set does, without
    augmentation. The network runs as in training (N_BN^tr): each layer's input is what it saw
    while training, normalized upstream by batch statistics, as the running averages were made;
    the weights are the final ones. For Ghost BN, μ_B and σ²_B are over the whole batch, not
    its ghost batches (both give unbiased E[x], Var[x]). A model without BN gives ``[]``.
    Nothing in the model changes (see :func:`~bnviz.train.modes.batch_statistics`).
    """
    layers = bn_layers(model)
    batch_size = config.batch_size if batch_size is None else batch_size
    n = len(train_x)
    k = n // batch_size if num_batches is None else min(num_batches, n // batch_size)
    if batch_size < 2 or k < 1:
        raise ValueError(f"need batches of 2 or more examples, and at least one ({n} examples, batch {batch_size})")
    if not layers:
        return []
    order = torch.arange(n) if seed is None else torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    mean_sums = [torch.zeros(len(m.running_mean), dtype=torch.float64) for _, _, m in layers]
    var_sums = [torch.zeros(len(m.running_var), dtype=torch.float64) for _, _, m in layers]
    with batch_statistics(model), layer_inputs([m for _, _, m in layers]) as inputs:
        put_back = buffers_as_now(model)
        for b in range(k):
            idx = order[b * batch_size : (b + 1) * batch_size]
            model(model_inputs(config, train_x.index_select(0, idx)))
            put_back()  # every batch meets the network as trained
            for i, x in enumerate(inputs):
                x = x.double()  # (N, C) or (N, C, H, W): the layer's input x
                # μ_B = 1/m Σ_i x_i
                mean_sums[i] += x.mean(reduce_dims(x))
                # σ²_B = 1/m Σ_i (x_i − μ_B)²   (biased, as Algorithm 1 normalizes with it)
                var_sums[i] += x.var(reduce_dims(x), correction=0)
        m_values = [count_per_channel(x) for x in inputs]
    out = []
    for (name, label, layer), mean_sum, var_sum, m in zip(layers, mean_sums, var_sums, m_values):
        # E[x] ← E_B[μ_B] = 1/K Σ_k μ_B
        mean = mean_sum / k
        # Var[x] ← m/(m−1) · E_B[σ²_B]   (Bessel's correction: unbiased)
        var = bessel(var_sum / k, m)
        running_mean, running_var = (t.detach().double().clone() for t in (layer.running_mean, layer.running_var))
        out.append(LayerPopulation(name, label, m, k, mean, var, running_mean, running_var))
    return out


@contextmanager
def population_buffers(model: nn.Module, stats: list[LayerPopulation]) -> Iterator[None]:
    """Inside the block each layer of ``stats`` holds E[x], Var[x] in ``running_mean``, ``running_var``;
    after it, its trained running averages again (``num_batches_tracked`` is not touched)."""
    layers = [(model.get_submodule(s.name), s) for s in stats]
    saved = [(layer.running_mean.clone(), layer.running_var.clone()) for layer, _ in layers]
    try:
        # Algorithm 2, line 11, in eval mode: y = γ/√(Var[x] + ε) · x + (β − γ E[x]/√(Var[x] + ε))
        for layer, s in layers:
            layer.running_mean.copy_(s.mean)
            layer.running_var.copy_(s.var)
        yield
    finally:
        for (layer, _), (mean, var) in zip(layers, saved):
            layer.running_mean.copy_(mean)
            layer.running_var.copy_(var)
