"""The modes a network is run in besides training it, and evaluation on a whole split.

Training mode and eval mode are two different networks for BN (Algorithm 1 against Algorithm 2), and
a measurement must not disturb the run it measures. :func:`batch_statistics` runs forward passes in
training mode (BN on the batch's own μ_B and σ²_B) and puts back every buffer and random number
generator afterwards; :func:`running_statistics` is eval mode (BN on its running averages);
:func:`layer_inputs` keeps what each layer received; :func:`evaluate` is accuracy and loss in eval mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from bnviz import data as datasets
from bnviz.train.batches import model_inputs
from bnviz.train.config import TrainConfig

EVAL_CHUNK = 2000  # test examples per forward pass: bounded memory for the CNN (see train's eval_chunk)


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
