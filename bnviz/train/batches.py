"""Training mini-batches and the model inputs they become.

Two sources of mini-batch indices, each with ``next()``: :class:`Batches`, the paper's random draws,
and :class:`ClassBatches`, batches that each hold one class (BN trained on non-i.i.d. batches, issue
#16, experiment 2). :func:`training_batches` picks one for a config; :func:`training_batch` and
:func:`model_inputs` turn indices into what the model takes.

The paper's mini-batches are drawn at random, so μ_B and σ²_B estimate the statistics of the
whole training set. A batch of one class estimates that class's statistics instead: BN then
removes from every unit what the examples of the batch share, which is their class.
"""

from __future__ import annotations

import torch
from torch import Tensor

from bnviz import data as datasets
from bnviz.train.config import TrainConfig


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


class ClassBatches:
    """Mini-batches of indices, each of one class only, reshuffled every epoch by a seeded generator.

    An epoch: each class's examples (classes in label order) are put in a random order and cut into
    batches of ``batch_size``, the class's last partial batch dropped (as :class:`Batches` drops its
    last); then all batches are put in a random order. So an epoch serves every class in proportion to
    its size, each example at most once, and which examples a class drops changes from epoch to epoch.

    The batch size is compared with each class's number of examples, not with the number of classes:
    a batch of 60 from 10 classes is 60 examples of one digit, not 6 of each. A class with fewer
    examples than ``batch_size`` never appears in a batch; if no class has that many, ValueError.
    Deterministic: one generator state gives one sequence of batches.
    """

    def __init__(self, labels: Tensor, batch_size: int, generator: torch.Generator):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive whole number (got {batch_size!r})")
        self.classes = [(labels == c).nonzero().flatten() for c in torch.unique(labels)]  # indices, one tensor a class
        largest = max((len(idx) for idx in self.classes), default=0)
        if batch_size > largest:
            raise ValueError(
                f"batch_size {batch_size} is larger than every class (the largest has {largest} training examples): "
                "no batch of one class can be drawn"
            )
        self.n, self.batch_size, self.generator = len(labels), batch_size, generator
        self._epoch, self._pos = self._new_epoch(), 0

    @property
    def batches_per_epoch(self) -> int:
        return sum(len(idx) // self.batch_size for idx in self.classes)

    def _new_epoch(self) -> list[Tensor]:
        batches = []
        for idx in self.classes:
            shuffled = idx[torch.randperm(len(idx), generator=self.generator)]
            k = len(idx) // self.batch_size
            batches.extend(shuffled[: k * self.batch_size].view(k, self.batch_size))  # k batches of this class
        return [batches[i] for i in torch.randperm(len(batches), generator=self.generator)]

    def next(self) -> Tensor:
        if self._pos == len(self._epoch):
            self._epoch, self._pos = self._new_epoch(), 0
        idx = self._epoch[self._pos]
        self._pos += 1
        return idx


def training_batches(config: TrainConfig, data: datasets.Dataset, order: torch.Generator) -> Batches | ClassBatches:
    """The source of training mini-batches: random (the paper's) or one class each (non-i.i.d.)."""
    if config.batches == "one-class":
        return ClassBatches(data.train_y, config.batch_size, order)
    return Batches(len(data.train_y), config.batch_size, order)


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
