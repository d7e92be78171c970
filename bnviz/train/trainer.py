"""An incremental trainer: a generator that trains and yields one flat metric record at a time.

``for record in train(config): ...`` lets a page draw while training runs, a CLI print progress,
and a test stop after three records. Records are plain JSON-ready dicts such as
``{"step": 500, "train/loss": 0.31, "test/acc": 0.95, "layer3/p50": 0.12, ...}``.

Keys of a record (present at the steps they are measured):

- ``step``, ``status`` ("running", "done" or "diverged"), ``time/elapsed`` (seconds; the only
  field that differs between two runs of one config)
- ``train/loss``: mean mini-batch loss since the previous record (None at step 0)
- ``test/acc``, ``test/loss``: the whole test set in eval mode, every ``eval_every`` steps
- per hidden layer, on the fixed probe batch, every ``probe_every`` steps (and the early steps
  1, 2, 5, 10, ...), with BN normalizing over the probe batch as in training (the paper's
  N_BN^tr; no running average moves): ``<layer>/p15``, ``/p50``, ``/p85`` (one fixed unit's
  input, Figure 1(b,c)), ``/mean``, ``/std``, ``/saturation``, ``/hist`` (counts over
  :func:`bnviz.probes.hist_edges`), and ``/grad_norm`` (of the layer's weight gradient at
  the last step)
- per hidden layer at the same steps, of the weights feeding its nonlinearity (None at step 0, before
  any gradient): ``<layer>/grad_hist``, counts of log10 |∂loss/∂W| of the last step's gradient over
  the fixed bins of :func:`bnviz.probes.grad_hist_edges`, and ``<layer>/update_ratio``, the
  update:data ratio log10(std(W_t − W_{t−1}) / std(W_{t−1})) of the last step's actual change
  (:func:`bnviz.probes.update_ratio`: the optimizer's own step, so SGD, momentum and Adam compare;
  for plain SGD it is log10(lr · std(g) / std(W)); around −3 is the usual rule of thumb)
- for a BN layer before the nonlinearity also ``<layer>/x_hat_p15``, ``/x_hat_p50``, ``/x_hat_p85``: the same unit
  normalized before γ and β (the ``p*`` fields are its y = γx̂ + β)
- only where the config asks (``probe_ics``, ``probe_landscape``), Santurkar et al.'s internal covariate
  shift and loss landscape fields (``<layer>/ics_l2``, ``landscape/effective_beta``, ...; see
  :mod:`bnviz.train.optimization_probes`)
- for a model with BN, the same probe in eval mode (BN's running averages, as at inference)
  under ``<layer>/eval/``: ``<layer>/eval/p50``, ``<layer>/eval/hist``, ``<layer>/eval/x_hat_p50``, ...
  Results cached before these existed hold only eval-mode probes, under ``<layer>/...``.
- for every layer that keeps running averages, at every eval step: ``<layer>/running_mean_lag`` and
  ``<layer>/running_std_lag``, how far ``running_mean`` and √``running_var`` trail the statistics the
  current network gives the fixed probe batch, in units of that batch's std
  (:mod:`bnviz.train.running_lag`; the pass changes nothing the next step depends on)
- with ``config.final_eval_modes``, in the last record: ``final/...``, the trained network tested four ways
  (:mod:`bnviz.train.final_eval`)

With ``config.batches == "one-class"`` every training mini-batch holds one class
(:class:`bnviz.train.batches.ClassBatches`) instead of a random draw.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from bnviz import data as datasets
from bnviz.train import probes
from bnviz.train.config import TrainConfig
from bnviz.train.models import model_for
from bnviz.train.optim import make_optimizer
from bnviz.train.optimization_probes import optimization_probes
from bnviz.train.running_lag import layer_lag

EVAL_CHUNK = 2000  # test examples per forward pass: bounded memory for the CNN (see train's eval_chunk)
EVAL_SUFFIX = "/eval"  # "<layer>/eval/p50": the probe in eval mode (BN's running averages)


@dataclass
class RunInfo:
    """What a page needs to draw a run's records, beside the records themselves."""

    layer_names: list[str]
    activation: str  # "sigmoid" or "relu": how saturation is defined
    hist_edges: list[float]
    data_label: str  # e.g. "MNIST, official files"
    data_source: str  # "official" | "non-official" | "synthetic"
    data_sha256: str


class Batches:
    """Mini-batches of indices, reshuffled every epoch by a seeded generator (last partial batch dropped)."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator):
        if batch_size > n:
            raise ValueError(f"batch_size {batch_size} is larger than the {n} training examples")
        self.n, self.batch_size, self.generator = n, batch_size, generator
        self._order, self._pos = torch.randperm(n, generator=generator), 0

    def next(self) -> Tensor:
        if self._pos + self.batch_size > self.n:
            self._order, self._pos = torch.randperm(self.n, generator=self.generator), 0
        idx = self._order[self._pos : self._pos + self.batch_size]
        self._pos += self.batch_size
        return idx


def model_inputs(config: TrainConfig, x_uint8: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """uint8 images -> float model inputs; augmentation only when a generator is given."""
    if config.model == "mlp":
        return datasets.mnist_inputs(x_uint8, binarize=config.binarize)  # (B, 784)
    if config.model == "mnist-cnn":
        return datasets.mnist_inputs(x_uint8, binarize=config.binarize).view(x_uint8.shape)  # (B, 1, 28, 28)
    x = datasets.cifar_inputs(x_uint8)  # (B, 3, 32, 32)
    if config.augment and generator is not None:
        x = datasets.augment_cifar(x, generator)
    return x


def takes_lit_pixels(config: TrainConfig) -> bool:
    """Whether the model sees the paper's binary MNIST images. Images that never change (the probe
    batch, the test set) then go in once converted to :class:`~bnviz.data.LitPixels`, whose first
    layer sums weight columns instead of multiplying by ~80% zeros."""
    return config.model == "mlp" and config.binarize


def training_batch(
    config: TrainConfig, data: datasets.Dataset, idx: Tensor, generator: torch.Generator | None = None
) -> tuple[Tensor, Tensor]:
    """The model inputs and labels of training examples ``idx``."""
    # index_select copies whole rows: 10x faster than x[idx]'s general indexing at batch 60
    return model_inputs(config, data.train_x.index_select(0, idx), generator), data.train_y.index_select(0, idx)


@torch.no_grad()
def evaluate(
    model: nn.Module, config: TrainConfig, x: Tensor | datasets.LitPixels, y: Tensor, chunk: int = EVAL_CHUNK
) -> tuple[float, float]:
    """Accuracy and mean cross-entropy over a whole split, in eval mode (running statistics).

    ``x`` is the split's uint8 images or, for the MLP on binary images, its
    :class:`~bnviz.data.LitPixels`. Either goes through the model ``chunk`` examples at a time: bounded
    memory. The chunk changes only the rounding of the loss's sum, not the accuracy.
    """
    was_training = model.training
    model.eval()
    correct, loss = 0, 0.0
    for i in range(0, len(y), chunk):
        xb, yb = x[i : i + chunk], y[i : i + chunk]
        logits = model(xb if isinstance(xb, datasets.LitPixels) else model_inputs(config, xb))
        correct += int((logits.argmax(1) == yb).sum())
        loss += float(nn.functional.cross_entropy(logits, yb, reduction="sum"))
    model.train(was_training)
    return correct / len(y), loss / len(y)


def is_batch_norm(layer: nn.Module) -> bool:
    """A layer that normalizes with its mini-batch's statistics in training mode (it keeps running averages)."""
    return getattr(layer, "running_mean", None) is not None


@contextmanager
def batch_statistics(model: nn.Module) -> Iterator[None]:
    """Training mode for forward passes that leave no trace: BN normalizes with the batch's own
    μ_B and σ²_B, and every buffer (``running_mean``, ``running_var``, ``num_batches_tracked``) and
    random number generator is put back as it was, so the next training step cannot tell a probe ran."""
    saved = [(buffer, buffer.clone()) for buffer in model.buffers()]
    # a layer that draws noise in training (noisy BN) uses torch's RNG or its own generator: put both back too
    generators = [m.generator for m in model.modules() if isinstance(getattr(m, "generator", None), torch.Generator)]
    rng_states = [torch.get_rng_state(), *(g.get_state() for g in generators)]
    was_training = model.training
    model.train()
    for m in model.modules():  # dropout would make a probe random: the probe sees the whole network
        if isinstance(m, nn.Dropout):
            m.eval()
    try:
        yield
    finally:
        for buffer, copy in saved:
            buffer.copy_(copy)
        torch.set_rng_state(rng_states[0])
        for g, state in zip(generators, rng_states[1:]):
            g.set_state(state)
        model.train(was_training)


@contextmanager
def running_statistics(model: nn.Module) -> Iterator[None]:
    """Eval mode: BN normalizes with its running averages (Algorithm 2), as at inference."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


@contextmanager
def layer_inputs(layers: list[nn.Module]) -> Iterator[list[Tensor | None]]:
    """The input each of ``layers`` receives during the forward passes inside the ``with`` block."""
    inputs: list[Tensor | None] = [None] * len(layers)

    def keep(i: int):
        return lambda layer, args: inputs.__setitem__(i, args[0])

    handles = [layer.register_forward_pre_hook(keep(i)) for i, layer in enumerate(layers)]
    try:
        yield inputs
    finally:
        for handle in handles:
            handle.remove()


def probe_pass(
    model: nn.Module, config: TrainConfig, probe_x: Tensor | datasets.LitPixels, suffix: str = ""
) -> tuple[dict, list[Tensor]]:
    """One forward pass over the probe batch in the model's current mode: per layer ``<layer>{suffix}/...``
    fields, and for a BN layer x̂, the probed unit's value normalized before γ and β (``x_hat_p15``, ...);
    and the input each normalization layer received."""
    norms = model.norm_layers()
    with layer_inputs(norms) as inputs:
        _, pre = model.forward_probed(probe_x)
    out = {}
    for name, z, norm, x in zip(model.layer_names(), pre, norms, inputs):
        key = f"{name}{suffix}"
        out.update(probes.layer_summary(key, z, model.probe_activation, config.probe_unit))
        if is_batch_norm(norm) and getattr(model, "position", "before") == "before":  # x̂ is the probed input's
            u = config.probe_unit
            x = probes.unit_values(x.detach().float(), u)
            if norm.training:
                xh = probes.batch_x_hat(x, norm.eps)
            else:
                xh = probes.x_hat(x, norm.running_mean[u], norm.running_var[u], norm.eps)
            out.update(probes.percentile_fields(f"{key}/x_hat_p", xh))
    return out, inputs


@torch.no_grad()
def probe(model: nn.Module, config: TrainConfig, probe_x: Tensor | datasets.LitPixels, lag: bool = False) -> dict:
    """Per-layer distribution fields on the fixed probe batch.

    ``<layer>/...``: the network as it trains (Section 4.1's N_BN^tr), BN normalizing the probe batch
    with its own statistics; nothing a later step depends on moves. ``<layer>/eval/...`` (models
    with BN only): the same in eval mode, BN using its running averages, as at inference. With ``lag``
    also :func:`running_stats_lag`'s fields, from the same training-mode pass (the same numbers, one
    forward pass fewer).
    """
    with batch_statistics(model):
        out, inputs = probe_pass(model, config, probe_x)
    if lag:  # after batch_statistics has put the running averages back
        out.update(lag_fields(model, inputs))
    if any(is_batch_norm(norm) for norm in model.norm_layers()):
        with running_statistics(model):
            out.update(probe_pass(model, config, probe_x, EVAL_SUFFIX)[0])
    return out


@torch.no_grad()
def running_stats_lag(model: nn.Module, probe_x: Tensor | datasets.LitPixels) -> dict:
    """``<layer>/running_mean_lag`` and ``/running_std_lag`` for each layer with running averages (``{}`` if none):
    one training-mode pass over the probe batch that leaves every buffer and generator as it was."""
    norms = model.norm_layers()
    if not any(is_batch_norm(n) for n in norms):
        return {}
    with batch_statistics(model), layer_inputs(norms) as inputs:
        model.forward_probed(probe_x)
    return lag_fields(model, inputs)


def lag_fields(model: nn.Module, inputs: list[Tensor]) -> dict:
    """:func:`running_stats_lag`'s fields from each normalization's training-mode input ``inputs``."""
    out = {}
    for name, norm, x in zip(model.layer_names(), model.norm_layers(), inputs):
        if is_batch_norm(norm) and norm.running_var is not None:
            mean_lag, std_lag = layer_lag(x, norm.running_mean, norm.running_var, norm.eps)
            out[f"{name}/running_mean_lag"], out[f"{name}/running_std_lag"] = mean_lag, std_lag
    return out


def grad_norms(model: nn.Module) -> dict:
    return {
        f"{name}/grad_norm": (float(layer.weight.grad.norm()) if layer.weight.grad is not None else None)
        for name, layer in zip(model.layer_names(), model.weight_layers())
    }


def weights_now(model: nn.Module) -> list[Tensor]:
    """A copy of each probed layer's weights, taken before an optimizer step to measure its update."""
    return [layer.weight.detach().clone() for layer in model.weight_layers()]


def gradient_fields(model: nn.Module, before: list[Tensor] | None) -> dict:
    """``<layer>/grad_hist`` and ``<layer>/update_ratio`` of the step just taken (None before any step)."""
    out = {}
    for i, (name, layer) in enumerate(zip(model.layer_names(), model.weight_layers())):
        grad = layer.weight.grad
        out[f"{name}/grad_hist"] = probes.grad_histogram(grad) if grad is not None else None
        out[f"{name}/update_ratio"] = probes.update_ratio(before[i], layer.weight) if before is not None else None
    return out


def run_info(config: TrainConfig, data: datasets.Dataset) -> RunInfo:
    model = model_for(config)
    p = data.provenance
    return RunInfo(model.layer_names(), model.probe_activation, probes.hist_edges(), p.label, p.source, p.sha256)


def record_steps(config: TrainConfig) -> tuple[set[int], set[int]]:
    """(probe steps, eval steps): both include step 0 and the last step."""
    if config.early_probes:
        probe_steps = set(probes.early_schedule(config.probe_every, config.steps))
    else:
        probe_steps = {0, config.steps, *range(0, config.steps + 1, config.probe_every)}
    eval_steps = {0, config.steps, *range(0, config.steps + 1, config.eval_every)}
    return probe_steps, eval_steps


def train(
    config: TrainConfig,
    data: datasets.Dataset | None = None,
    data_dir=None,
    model: nn.Module | None = None,
    eval_chunk: int = EVAL_CHUNK,
) -> Iterator[dict]:
    """Train ``config`` and yield a flat record at every probe or eval step (see module docstring).

    ``eval_chunk``: test examples per forward pass of an evaluation (see :func:`evaluate`; live CNN runs
    take fewer at a time, as the CPU's caches hold their activations).

    Deterministic: one config gives the same records (but ``time/*``) on one machine and thread count.
    A non-finite loss, or a record with a non-finite number (weights that overflowed at that step), ends
    the run with a record whose ``status`` is ``"diverged"``.
    """
    if data is None:
        data = datasets.load(config.dataset, data_dir)
    torch.manual_seed(config.seed)
    if model is None:
        model = model_for(config)
    model.train()

    def batch_loss(x: Tensor, y: Tensor) -> Tensor:
        return nn.functional.cross_entropy(model(x), y)

    # compiled together, the model and its loss are one graph: about 6% faster than the model alone
    step_loss = compiled(batch_loss) if config.compile else batch_loss
    optimizer = make_optimizer(config, model.parameters())
    order = torch.Generator().manual_seed(config.seed)
    augment = torch.Generator().manual_seed(config.seed + 1_000_003)
    batches = training_batches(config, data, order)
    views = record_views(config, data, eval_chunk)
    probe_steps = views.probe_steps

    start = time.perf_counter()
    loss_sum, loss_count = 0.0, 0
    before = None  # the probed weights before the last step, kept only at probe steps (update:data ratio)
    for step in range(config.steps + 1):
        if step > 0:
            x, y = training_batch(config, data, batches.next(), augment)
            loss = step_loss(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            before = weights_now(model) if step in probe_steps else None
            optimizer.step()
            value = loss.item()
            if not math.isfinite(value):
                yield diverged(step, start)
                return
            loss_sum, loss_count = loss_sum + value, loss_count + 1
        if step not in probe_steps and step not in views.eval_steps:
            continue
        record = make_record(step, model, config, views, loss_sum / loss_count if loss_count else None, before, start)
        loss_sum, loss_count = 0.0, 0
        yield record
        if record["status"] == "diverged":
            return


@dataclass
class RecordViews:
    """What a record is measured on, fixed for a run: the data, the probe batch and the test set as the
    model takes them, Santurkar et al.'s mini-batch (or None), and the steps that probe and evaluate."""

    data: datasets.Dataset
    probe_x: Tensor | datasets.LitPixels
    test_x: Tensor | datasets.LitPixels
    probe_batch: tuple[Tensor, Tensor] | None
    probe_steps: set[int]
    eval_steps: set[int]
    eval_chunk: int = EVAL_CHUNK  # test examples per forward pass of an evaluation


def record_views(config: TrainConfig, data: datasets.Dataset, eval_chunk: int = EVAL_CHUNK) -> RecordViews:
    """The fixed probe batch (the same for every seed and arm, so arms are compared on the same inputs),
    the test set as the model takes it, and the probe and eval steps of ``config``."""
    probe_idx = torch.randperm(len(data.train_y), generator=torch.Generator().manual_seed(0))[: config.probe_size]
    if takes_lit_pixels(config):
        probe_x, test_x = datasets.lit_pixels(data.train_x[probe_idx]), datasets.lit_pixels(data.test_x)
    else:  # the test set stays uint8 (the CIFAR-10 test set is 123 MB as floats)
        probe_x, test_x = model_inputs(config, data.train_x[probe_idx]), data.test_x
    # Santurkar et al.'s probes, only where the config asks: one fixed mini-batch of the probe images
    asks = config.probe_ics or config.probe_landscape
    probe_batch = training_batch(config, data, probe_idx[: config.batch_size]) if asks else None
    return RecordViews(data, probe_x, test_x, probe_batch, *record_steps(config), eval_chunk)


def make_record(
    step: int,
    model: nn.Module,
    config: TrainConfig,
    views: RecordViews,
    train_loss: float | None,
    before: list[Tensor] | None,
    start: float,
) -> dict:
    """The record of ``step`` (see the module docstring), or a "diverged" one if a number in it is not finite.

    ``train_loss`` is the mean mini-batch loss since the last record, ``before`` the probed weights before
    this step's update (None unless it is a probe step), ``start`` the run's ``time.perf_counter()`` at step 0.
    """
    record = {"step": step, "status": "done" if step == config.steps else "running", "train/loss": train_loss}
    if step in views.eval_steps:
        record["test/acc"], record["test/loss"] = evaluate(
            model, config, views.test_x, views.data.test_y, views.eval_chunk
        )
        if step not in views.probe_steps:  # a probe at this step measures the lag in its own pass
            record.update(running_stats_lag(model, views.probe_x))
    if step in views.probe_steps:
        record.update(probe(model, config, views.probe_x, lag=step in views.eval_steps))
        record.update(grad_norms(model))
        record.update(gradient_fields(model, before))
        if views.probe_batch is not None:
            record.update(optimization_probes(model, config, *views.probe_batch))
    if config.final_eval_modes and step == config.steps:
        record.update(final_eval_fields(model, config, views.data, views.test_x))
    record["time/elapsed"] = time.perf_counter() - start
    if not all_finite(record):  # this step's update overflowed the weights: the next loss would be NaN
        return diverged(step, start)
    return record


def diverged(step: int, start: float) -> dict:
    """The last record of a run whose loss or weights stopped being finite at ``step``."""
    return {"step": step, "status": "diverged", "train/loss": None, "time/elapsed": time.perf_counter() - start}


def training_batches(config: TrainConfig, data: datasets.Dataset, order: torch.Generator):
    """The source of training mini-batches: random (the paper's) or one class each (non-i.i.d.)."""
    if config.batches == "one-class":
        from bnviz.train.batches import ClassBatches

        return ClassBatches(data.train_y, config.batch_size, order)
    return Batches(len(data.train_y), config.batch_size, order)


def final_eval_fields(model: nn.Module, config: TrainConfig, data: datasets.Dataset, test_x) -> dict:
    """The last record's ``final/...`` fields (imported here: eval_modes builds on this module)."""
    from bnviz.train.final_eval import final_fields

    return final_fields(model, config, data, test_x)


def all_finite(record: dict) -> bool:
    """No NaN or infinity among a record's numbers (JSON has no way to write them)."""
    return all(math.isfinite(v) for v in record.values() if isinstance(v, float))


def compiled(fn):
    """``torch.compile(fn)`` where it works, else ``fn`` itself (see bnviz.speed)."""
    from bnviz.train.compile import compile_or_eager

    return compile_or_eager(fn)
