r"""The loss landscape along the gradient, as Santurkar, Tsipras, Ilyas and Madry (2018) probe it.

Section 3.1 of "How Does Batch Normalization Help Optimization?" (arXiv 1805.11604), Figure 4, on
VGG with and without BN. Santurkar et al.'s sentences, as a public write-up quotes them:

- loss variation: "for each given step in the training process, we compute the gradient of the
  loss at that step and measure how the loss changes as we move in that direction" (their Figure
  4(a) shades the range of those losses);
- gradient predictiveness: "the :math:`\ell_2` distance between the loss gradient at a given point of
  the training and the gradients corresponding to different points along the original gradient
  direction" (their Figure 4(b));
- "effective" β-smoothness: "'Effective' refers here to measuring the change of gradients as we move
  in the direction of the gradients" (their Figure 4(c)); β-smoothness is the gradient's Lipschitz
  constant, :math:`\lVert\nabla f(x) - \nabla f(x')\rVert \le \beta \lVert x - x'\rVert`.

So at parameters θ with gradient g = ∇L(θ), for each step size η, at θ' = θ − ηg (a distance η‖g‖):

.. math::
    \text{loss range} = \max_{\eta \in \{0\} \cup S} L(\theta - \eta g) - \min_{\eta \in \{0\} \cup S} L(\theta - \eta g),

.. math::
    \text{gradient change}(\eta) = \lVert \nabla L(\theta - \eta g) - g \rVert_2, \qquad
    \beta_{\text{eff}} = \max_{\eta \in S} \frac{\lVert \nabla L(\theta - \eta g) - g \rVert_2}{\eta \lVert g \rVert_2}.

Choices:

- θ is every trainable parameter (all layers at once, BN's γ and β included), g the gradient of the
  mini-batch loss, and the move is the training step's direction, −g.
- The step sizes are the caller's. The paper's own values were not at hand; a public summary reports
  steps from 1/2 to 4 times the learning rate for VGG (capped because larger steps make the
  standard network diverge) and 1/100 to 30 times for the deep linear network.
  :func:`step_sizes` spaces n of them evenly over [lr/2, 4 lr].
- The same batch at every point, BN in training mode on the batch's own statistics, each forward
  pass from the same running statistics and random state (see :mod:`bnviz.train.surface`); the
  model's parameters, buffers, ``.grad`` and torch's RNG are as they were afterwards.
- A point where the loss or the gradient is not finite makes the summaries ``inf``: the loss blew up
  along the direction. With g = 0 there is no direction and β is None.

Cost: one forward and backward pass at θ and one per step size. On the paper's MNIST MLP
(784-100-100-100-10, bnviz BN, batch 60, one torch thread) a probe with 8 step sizes cost 11.1-11.9x the
CPU time of one eager SGD training step, over 200 interleaved rounds in each of three runs
(``python -m benchmarks --only probes``, on 2 shared cores under a load average near 10, where the
wall-clock ratio was 29-33x: preemption hits a 17 ms probe more often than a 1 ms step).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import Tensor, nn

from bnviz.train.surface import LossFn, global_norm, gradient, loss_surface, trainable_parameters


def step_sizes(lr: float, n: int = 8, low: float = 0.5, high: float = 4.0) -> list[float]:
    """``n`` step sizes evenly spaced over [``low``·lr, ``high``·lr] (default [lr/2, 4 lr], see the module docstring)."""
    if n < 1 or not 0 < low <= high or not lr > 0:
        raise ValueError(f"need n >= 1, 0 < low <= high and lr > 0 (got n={n}, low={low}, high={high}, lr={lr})")
    return torch.linspace(low * lr, high * lr, n, dtype=torch.float64).tolist()


def largest(values: list[float]) -> float:
    """max(values), or inf if any is not finite (NaN would make max depend on the order)."""
    return max(values) if all(math.isfinite(v) for v in values) else math.inf


def spread(values: list[float]) -> float:
    """max(values) − min(values), or inf if any is not finite."""
    return max(values) - min(values) if all(math.isfinite(v) for v in values) else math.inf


def along_gradient(
    model: nn.Module, x, y: Tensor, step_sizes: Iterable[float], loss_fn: LossFn = nn.functional.cross_entropy
) -> dict:
    """The loss and gradient at θ − η·∇L(θ) for each η in ``step_sizes``, and the paper's three summaries.

    Returns a flat dict of plain numbers and lists (one entry per step size, in the given order):

    - ``step_sizes``; ``loss``, ``grad_norm``: L(θ) and ‖g‖ at the model's own parameters
    - ``losses``, ``grad_norms``: L and ‖∇L‖ at each θ − ηg; ``grad_changes``: ‖∇L(θ − ηg) − g‖₂
    - ``betas``: ``grad_changes`` divided by the distance moved, η‖g‖
    - ``loss_range`` (max − min of ``loss`` and ``losses``), ``grad_predictiveness`` (max of
      ``grad_changes``; smaller is more predictive) and ``effective_beta`` (max of ``betas``)
    """
    etas = [float(eta) for eta in step_sizes]
    if not etas or not all(math.isfinite(eta) and eta > 0 for eta in etas):
        raise ValueError(f"step_sizes must be one or more positive numbers (got {etas!r})")
    params = trainable_parameters(model)
    with loss_surface(model, x, y, loss_fn) as loss_at:
        at_theta = loss_at(params)
        g = gradient(at_theta, params)
        loss = float(at_theta.detach())
        g_norm = global_norm(g.values())
        losses, grad_norms, changes = [], [], []
        for eta in etas:
            with torch.no_grad():
                # θ' = θ − η g
                moved = {n: (p - eta * g[n]).requires_grad_() for n, p in params.items()}
            moved_loss = loss_at(moved)
            g_moved = gradient(moved_loss, moved)
            losses.append(float(moved_loss.detach()))
            grad_norms.append(global_norm(g_moved.values()))
            # ‖∇L(θ') − ∇L(θ)‖₂ over all parameters as one vector
            changes.append(global_norm(g_moved[n] - g[n] for n in params))
    betas = [change / (eta * g_norm) if g_norm > 0 else None for change, eta in zip(changes, etas)]
    return {
        "step_sizes": etas,
        "loss": loss,
        "grad_norm": g_norm,
        "losses": losses,
        "grad_norms": grad_norms,
        "grad_changes": changes,
        "betas": betas,
        "loss_range": spread([loss, *losses]),
        "grad_predictiveness": largest(changes),
        "effective_beta": largest(betas) if g_norm > 0 else None,
    }
