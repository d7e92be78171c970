"""An incremental trainer: a generator that trains and yields one flat metric record at a time.

``for record in train(config): ...`` lets a page draw while training runs, a CLI print progress,
and a test stop after three records. Records are plain JSON-ready dicts such as
``{"step": 500, "train/loss": 0.31, "test/acc": 0.95, "layer3/p50": 0.12, ...}``.

Keys of a record (present at the steps they are measured):

- ``step``, ``status`` ("running", "done" or "diverged"), ``time/elapsed`` (seconds; the only
  field that differs between two runs of one config)
- ``train/loss``: mean mini-batch loss since the previous record (None at step 0)
- ``test/acc``, ``test/loss``: the whole test set in eval mode, every ``eval_every`` steps
- per hidden layer, on the fixed probe batch in eval mode, every ``probe_every`` steps (and the
  early steps 1, 2, 5, 10, ...): ``<layer>/p15``, ``/p50``, ``/p85`` (one fixed unit's input,
  Figure 1(b,c)), ``/mean``, ``/std``, ``/saturation``, ``/hist`` (counts over
  :func:`bnviz.probes.hist_edges`), and ``/grad_norm`` (of the layer's weight gradient at
  the last step)
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from bnviz import data as datasets
from bnviz.train import probes
from bnviz.train.config import TrainConfig
from bnviz.train.models import build_model
from bnviz.train.optim import SGD

EVAL_CHUNK = 2000  # test examples per forward pass: bounded memory for the CNN


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
def evaluate(model: nn.Module, config: TrainConfig, x: Tensor | datasets.LitPixels, y: Tensor) -> tuple[float, float]:
    """Accuracy and mean cross-entropy over a whole split, in eval mode (running statistics).

    ``x`` is the split's uint8 images or, for the MLP on binary images, its
    :class:`~bnviz.data.LitPixels`. Either goes through the model chunk by chunk: bounded memory.
    """
    was_training = model.training
    model.eval()
    correct, loss = 0, 0.0
    for i in range(0, len(y), EVAL_CHUNK):
        xb, yb = x[i : i + EVAL_CHUNK], y[i : i + EVAL_CHUNK]
        logits = model(xb if isinstance(xb, datasets.LitPixels) else model_inputs(config, xb))
        correct += int((logits.argmax(1) == yb).sum())
        loss += float(nn.functional.cross_entropy(logits, yb, reduction="sum"))
    model.train(was_training)
    return correct / len(y), loss / len(y)


@torch.no_grad()
def probe(model: nn.Module, config: TrainConfig, probe_x: Tensor | datasets.LitPixels) -> dict:
    """Per-layer distribution fields on the fixed probe batch, in eval mode (it must not move running stats)."""
    was_training = model.training
    model.eval()
    _, pre = model.forward_probed(probe_x)
    model.train(was_training)
    out = {}
    for name, z in zip(model.layer_names(), pre):
        out.update(probes.layer_summary(name, z, model.probe_activation, config.probe_unit))
    return out


def grad_norms(model: nn.Module) -> dict:
    return {
        f"{name}/grad_norm": (float(layer.weight.grad.norm()) if layer.weight.grad is not None else None)
        for name, layer in zip(model.layer_names(), model.weight_layers())
    }


def run_info(config: TrainConfig, data: datasets.Dataset) -> RunInfo:
    model = build_model(config.model, config.norm, config.init_std)
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
    config: TrainConfig, data: datasets.Dataset | None = None, data_dir=None, model: nn.Module | None = None
) -> Iterator[dict]:
    """Train ``config`` and yield a flat record at every probe or eval step (see module docstring).

    Deterministic: one config gives the same records (but ``time/*``) on one machine and thread count.
    A non-finite loss ends the run with a record whose ``status`` is ``"diverged"``.
    """
    if data is None:
        data = datasets.load(config.dataset, data_dir)
    torch.manual_seed(config.seed)
    if model is None:
        model = build_model(config.model, config.norm, config.init_std)
    model.train()
    def batch_loss(x: Tensor, y: Tensor) -> Tensor:
        return nn.functional.cross_entropy(model(x), y)

    # compiled together, the model and its loss are one graph: about 6% faster than the model alone
    step_loss = compiled(batch_loss) if config.compile else batch_loss
    optimizer = SGD(model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    order = torch.Generator().manual_seed(config.seed)
    augment = torch.Generator().manual_seed(config.seed + 1_000_003)
    batches = Batches(len(data.train_y), config.batch_size, order)
    # The probe batch is the same for every seed and arm, so arms are compared on the same inputs.
    probe_idx = torch.randperm(len(data.train_y), generator=torch.Generator().manual_seed(0))[: config.probe_size]
    if takes_lit_pixels(config):
        probe_x, test_x = datasets.lit_pixels(data.train_x[probe_idx]), datasets.lit_pixels(data.test_x)
    else:  # the test set stays uint8 (the CIFAR-10 test set is 123 MB as floats)
        probe_x, test_x = model_inputs(config, data.train_x[probe_idx]), data.test_x
    probe_steps, eval_steps = record_steps(config)

    start = time.perf_counter()
    loss_sum, loss_count = 0.0, 0
    for step in range(config.steps + 1):
        if step > 0:
            x, y = training_batch(config, data, batches.next(), augment)
            loss = step_loss(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            value = loss.item()
            if not math.isfinite(value):
                yield {"step": step, "status": "diverged", "train/loss": None, "time/elapsed": time.perf_counter() - start}
                return
            loss_sum, loss_count = loss_sum + value, loss_count + 1
        if step not in probe_steps and step not in eval_steps:
            continue
        record = {"step": step, "status": "done" if step == config.steps else "running"}
        record["train/loss"] = loss_sum / loss_count if loss_count else None
        loss_sum, loss_count = 0.0, 0
        if step in eval_steps:
            record["test/acc"], record["test/loss"] = evaluate(model, config, test_x, data.test_y)
        if step in probe_steps:
            record.update(probe(model, config, probe_x))
            record.update(grad_norms(model))
        record["time/elapsed"] = time.perf_counter() - start
        yield record


def compiled(fn):
    """``torch.compile(fn)`` where it works, else ``fn`` itself (see bnviz.speed)."""
    from bnviz.train.compile import compile_or_eager

    return compile_or_eager(fn)
