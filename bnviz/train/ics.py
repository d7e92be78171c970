r"""Internal covariate shift as Santurkar, Tsipras, Ilyas and Madry (2018) measure it: how much a
layer's gradient changes when the layers below it take their step first.

Section 2.2 of "How Does Batch Normalization Help Optimization?" (arXiv 1805.11604), Definition 2.1:
with :math:`\mathcal{L}` the loss, :math:`W_1^{(t)}, \ldots, W_k^{(t)}` the parameters of the k layers and
:math:`(x^{(t)}, y^{(t)})` the batch used to train the network at time t, the ICS of layer i at time t is

.. math::
    \lVert G_{t,i} - G'_{t,i} \rVert_2, \qquad
    G_{t,i} = \nabla_{W_i^{(t)}} \mathcal{L}(W_1^{(t)}, \ldots, W_k^{(t)};\; x^{(t)}, y^{(t)}),

.. math::
    G'_{t,i} = \nabla_{W_i^{(t)}} \mathcal{L}(W_1^{(t+1)}, \ldots, W_{i-1}^{(t+1)}, W_i^{(t)}, \ldots, W_k^{(t)};\; x^{(t)}, y^{(t)}).

G is the gradient a simultaneous update of all layers uses (ordinary training); G' is the same
layer's gradient once the layers before it hold their new values, on the same batch. (The paper
speaks of the ICS "of activation i", the input of layer i.) It also reports the cosine of the angle
between G and G', on VGG and a 25-layer deep linear network, where BN networks show as much shift
as standard ones, or more. Sources: the paper's own text could not be retrieved here; the
definition is as public write-ups of the paper give it (two typeset it in full, with these indices
and arguments), and as issue #15 states it.

Choices where the definition leaves room:

- :math:`W^{(t+1)}_j = W_j - \eta\, G_{t,j}`: a plain SGD step with the given learning rate, the
  paper's optimizer. Momentum and weight decay live in the optimizer, not the model, so a probe that
  sees only the model cannot take their step.
- Layer i is ``model.weight_layers()[i]`` (the trainer's ``layer1``, ``conv1``, ... whose
  ``grad_norm`` it records) and G is the gradient of its ``weight``. "The layers below i" are the
  blocks before it, each block a weight layer with its bias and the normalization after it (BN's γ
  and β move with their layer). The output layer is not a probed layer, so it has no entry.
- The same batch for G and G', with BN normalizing over it in training mode, and every forward pass
  from the same running statistics and random state (see :mod:`bnviz.train.surface`); the model's
  parameters, buffers, ``.grad`` and torch's RNG are as they were afterwards.
- Layer 1 has nothing below it, so G' is G: its ICS is 0 and its cosine 1 by definition, and no
  pass is spent on it.

Cost: one forward and backward pass for every layer's G, then one more for each layer above the
first (backward stops at layer i, whose weight is all it asks for). On the paper's MNIST MLP
(784-100-100-100-10, bnviz BN, batch 60, one torch thread) a probe cost 3.3-3.4x the CPU time of one
eager SGD training step, over 200 interleaved rounds in each of three runs (``python -m benchmarks
--only probes``, on 2 shared cores under a load average near 10, where the wall-clock ratio was 7.6-9.4x:
preemption hits a 5 ms probe more often than a 1 ms step).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from bnviz.train.surface import LossFn, global_norm, gradient, loss_surface, trainable_parameters


def cosine(a: Tensor, b: Tensor) -> float | None:
    """cos ∠(a, b) = ⟨a, b⟩ / √(⟨a, a⟩⟨b, b⟩) in float64; None when either is 0 (no angle).

    All three from one dot product, so cos ∠(a, a) is exactly 1 (√(d²) = |d| in IEEE arithmetic)."""
    a, b = a.double().flatten(), b.double().flatten()
    aa, bb = float(a @ a), float(b @ b)
    if aa == 0.0 or bb == 0.0:
        return None
    return max(-1.0, min(1.0, float(a @ b) / math.sqrt(aa * bb)))


def shift(layer: str, g: Tensor, g_after: Tensor) -> dict:
    """One layer's record: ``l2`` = ‖G − G'‖₂, ``cos`` = cos ∠(G, G'), and both norms."""
    return {
        "layer": layer,
        "l2": global_norm([g - g_after]),
        "cos": cosine(g, g_after),
        "grad_norm": global_norm([g]),  # ‖G‖
        "grad_norm_after": global_norm([g_after]),  # ‖G'‖
    }


def block_parameters(model: nn.Module) -> list[list[str]]:
    """Names of each block's parameters: weight layer i (weight and bias) and the normalization after it."""
    names = {id(p): n for n, p in trainable_parameters(model).items()}
    blocks = []
    for layer, norm in zip(model.weight_layers(), model.norm_layers()):
        blocks.append([names[id(p)] for p in (*layer.parameters(), *norm.parameters()) if id(p) in names])
    return blocks


def internal_covariate_shift(
    model: nn.Module, x, y: Tensor, lr: float, loss_fn: LossFn = nn.functional.cross_entropy
) -> list[dict]:
    """Definition 2.1 for every layer of ``model.weight_layers()``, on the batch ``(x, y)``, after a step of ``lr``.

    ``x`` is what ``model`` takes (a tensor, or :class:`~bnviz.data.LitPixels` for the MLP). Returns, per
    layer, ``{"layer": "layer2", "l2": ‖G − G'‖₂, "cos": cos ∠(G, G'), "grad_norm": ‖G‖, "grad_norm_after": ‖G'‖}``
    (``cos`` is None where a gradient is 0). Nothing of the model changes (see the module docstring).
    """
    if not lr > 0:
        raise ValueError(f"lr must be positive (got {lr!r})")
    params = trainable_parameters(model)
    weight_names = {id(p): n for n, p in params.items()}
    with loss_surface(model, x, y, loss_fn) as loss_at:
        # G_{t,j} for every parameter at once: the gradient of the ordinary, simultaneous update
        grads = gradient(loss_at(params), params)
        records, below = [], []
        for name, layer, block in zip(model.layer_names(), model.weight_layers(), block_parameters(model)):
            w = weight_names[id(layer.weight)]
            g = grads[w]
            if not below:
                g_after = g  # nothing below layer 1: G' is G
            else:
                with torch.no_grad():
                    # W_j^{(t+1)} = W_j^{(t)} − η G_{t,j} for the blocks j < i; layer i and those above stay
                    moved = {n: p - lr * grads[n] if n in below else p for n, p in params.items()}
                g_after = gradient(loss_at(moved), {w: params[w]})[w]
            records.append(shift(name, g, g_after))
            below += block
    return records
