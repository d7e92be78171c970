"""Training mini-batches that each hold one class: BN trained on non-i.i.d. batches (issue #16, experiment 2).

The paper's mini-batches are drawn at random, so μ_B and σ²_B estimate the statistics of the
whole training set. A batch of one class estimates that class's statistics instead: BN then
removes from every unit what the examples of the batch share, which is their class.
:class:`ClassBatches` has :class:`~bnviz.train.trainer.Batches`' interface (``next()`` gives the
next batch's indices), so a trainer can take either.
"""

from __future__ import annotations

import torch
from torch import Tensor


class ClassBatches:
    """Mini-batches of indices, each of one class only, reshuffled every epoch by a seeded generator.

    An epoch: each class's examples (classes in label order) are put in a random order and cut into
    batches of ``batch_size``, the class's last partial batch dropped (as ``Batches`` drops its last);
    then all batches are put in a random order. So an epoch serves every class in proportion to its
    size, each example at most once, and which examples a class drops changes from epoch to epoch.

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
