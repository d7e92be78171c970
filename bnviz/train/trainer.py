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
  :func:`bnviz.train.probes.hist_edges`), and ``/grad_norm`` (of the layer's weight gradient at
  the last step)
- per hidden layer at the same steps, of the weights feeding its nonlinearity (None at step 0, before
  any gradient): ``<layer>/grad_hist``, counts of log10 |∂loss/∂W| of the last step's gradient over
  the fixed bins of :func:`bnviz.train.probes.grad_hist_edges`, and ``<layer>/update_ratio``, the
  update:data ratio log10(std(W_t − W_{t−1}) / std(W_{t−1})) of the last step's actual change
  (:func:`bnviz.train.probes.update_ratio`: the optimizer's own step, so SGD, momentum and Adam compare;
  for plain SGD it is log10(lr · std(g) / std(W)); around −3 is the usual rule of thumb)
- per normalization layer with a learned scale and shift, at the same steps: ``<layer>/gamma_abs_mean`` and
  ``<layer>/beta_abs_mean``, the mean over units of |γ| and |β| (:func:`bnviz.train.record.affine_fields`)
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
(:class:`bnviz.train.batches.ClassBatches`) instead of a random draw. What is measured, and on what,
is :mod:`bnviz.train.record`; the batches and inputs :mod:`bnviz.train.batches`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from bnviz import data as datasets
from bnviz.train.batches import training_batch, training_batches
from bnviz.train.compile import compile_or_eager
from bnviz.train.config import TrainConfig
from bnviz.train.models import model_for
from bnviz.train.modes import EVAL_CHUNK
from bnviz.train.optim import make_optimizer
from bnviz.train.record import diverged, make_record, record_views, weights_now


@dataclass(frozen=True)
class Progress:
    """A training step that made no record, yielded only when ``train`` is asked to (``progress_every``):
    a consumer that trains a little at a time (the live page) can stop between any two such steps."""

    step: int


def train(
    config: TrainConfig,
    data: datasets.Dataset | None = None,
    data_dir=None,
    model: nn.Module | None = None,
    eval_chunk: int = EVAL_CHUNK,
    progress_every: int = 0,
) -> Iterator[dict | Progress]:
    """Train ``config`` and yield a flat record at every probe or eval step (see module docstring).

    ``eval_chunk``: test examples per forward pass of an evaluation (see :func:`bnviz.train.modes.evaluate`;
    live CNN runs take fewer at a time, as the CPU's caches hold their activations). ``progress_every``: also
    yield a :class:`Progress` every this many steps between records (0: records only). Nothing else changes:
    the records are the same either way.

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
    step_loss = compile_or_eager(batch_loss) if config.compile else batch_loss
    optimizer = make_optimizer(config, model.parameters())
    order = torch.Generator().manual_seed(config.seed)
    augment = torch.Generator().manual_seed(config.seed + 1_000_003)
    batches = training_batches(config, data, order)
    views = record_views(config, data, eval_chunk)

    start = time.perf_counter()
    loss_sum, loss_count = 0.0, 0
    before = None  # the probed weights before the last step, kept only at probe steps (update:data ratio)
    for step in range(config.steps + 1):
        if step > 0:
            x, y = training_batch(config, data, batches.next(), augment)
            loss = step_loss(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            before = weights_now(model) if step in views.probe_steps else None
            optimizer.step()
            value = loss.item()
            if not math.isfinite(value):
                yield diverged(step, start)
                return
            loss_sum, loss_count = loss_sum + value, loss_count + 1
        if not views.records_at(step):
            if progress_every and step % progress_every == 0:
                yield Progress(step)
            continue
        record = make_record(step, model, config, views, loss_sum / loss_count if loss_count else None, before, start)
        loss_sum, loss_count = 0.0, 0
        yield record
        if record["status"] == "diverged":
            return
