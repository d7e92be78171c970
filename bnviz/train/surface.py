r"""One mini-batch's training loss as a pure function of the parameters, :math:`\theta \mapsto L(\theta; x, y)`.

The ICS probe (:mod:`bnviz.train.ics`) and the landscape probes (:mod:`bnviz.train.landscape`)
evaluate the loss and its gradient at weights the model does not hold: lower layers moved by a
step, or the whole network moved along its gradient. :func:`loss_surface` gives them that function
without moving anything a training step depends on:

- the parameters are passed in a dict (``torch.func.functional_call``), so the model keeps its own;
- gradients come from ``torch.autograd.grad``, which returns them instead of adding them to ``.grad``;
- every evaluation runs in training mode, so BN normalizes with the batch's own μ_B and σ²_B as in
  the training step the probe stands for (Santurkar et al. 2018 measure the network as it trains);
- every evaluation starts from a fresh copy of the model's buffers (``running_mean``, ``running_var``,
  ``num_batches_tracked``): the model's own never move, and one evaluation cannot leak into the next
  (Batch Renorm's training output depends on the running averages);
- every evaluation starts from the same random state (torch's and any layer's own generator), so a
  layer that draws noise in training (noisy BN) draws the same noise each time: two evaluations
  differ only in the parameters. The state is put back afterwards, as are the modules' train/eval flags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn
from torch.func import functional_call

LossFn = Callable[[Tensor, Tensor], Tensor]
Params = dict[str, Tensor]


def trainable_parameters(model: nn.Module) -> dict[str, nn.Parameter]:
    """The parameters a training step moves, by ``state_dict`` name."""
    return {name: p for name, p in model.named_parameters() if p.requires_grad}


def gradient(loss: Tensor, params: Params) -> Params:
    """∇_θ L for each of ``params`` (zeros where the loss does not depend on one), ``.grad`` untouched."""
    grads = torch.autograd.grad(loss, list(params.values()), allow_unused=True)
    return {n: torch.zeros_like(p) if g is None else g for (n, p), g in zip(params.items(), grads)}


def global_norm(tensors: Iterable[Tensor]) -> float:
    """‖(t_1, ..., t_n)‖_2: the l2 norm of all the tensors as one vector (the norm of their norms, as
    ``torch.nn.utils.clip_grad_norm_`` computes it)."""
    norms = [torch.linalg.vector_norm(t) for t in tensors]
    return float(torch.linalg.vector_norm(torch.stack(norms))) if norms else 0.0


@contextmanager
def loss_surface(
    model: nn.Module, x, y: Tensor, loss_fn: LossFn = nn.functional.cross_entropy
) -> Iterator[Callable[[Params], Tensor]]:
    """``with loss_surface(model, x, y) as loss_at: loss_at(params)`` is L(θ; x, y) in training mode.

    ``params`` maps parameter names to tensors; names left out take the model's own parameter. See the
    module docstring for what is held fixed between calls and put back afterwards.
    """
    buffers = {name: b.detach().clone() for name, b in model.named_buffers()}
    generators = [m.generator for m in model.modules() if isinstance(getattr(m, "generator", None), torch.Generator)]
    rng_states = [torch.get_rng_state(), *(g.get_state() for g in generators)]
    modes = [(m, m.training) for m in model.modules()]

    def rewind() -> None:
        torch.set_rng_state(rng_states[0])
        for g, state in zip(generators, rng_states[1:]):
            g.set_state(state)

    def loss_at(params: Params) -> Tensor:
        rewind()
        fresh = {name: b.clone() for name, b in buffers.items()}  # BN moves these, not the model's
        return loss_fn(functional_call(model, (params, fresh), (x,)), y)

    model.train()
    try:
        yield loss_at
    finally:
        rewind()
        for m, training in modes:
            m.training = training
