"""Santurkar et al.'s probes as record fields: internal covariate shift (their Section 2.2) and the
loss landscape along the gradient (their Section 3.1), measured at the trainer's probe steps when a config asks.

Off by default (``TrainConfig.probe_ics``, ``probe_landscape``): a run that does not ask pays nothing.
Both are measured on one fixed mini-batch (the first ``batch_size`` images of the probe batch, the same
at every step and for every arm), in training mode, with BN normalizing over it as in a training step;
neither moves anything a later step depends on (:mod:`bnviz.train.surface`). Fields:

- ``<layer>/ics_l2`` = ‖G − G'‖₂, ``<layer>/ics_cos`` = cos ∠(G, G'), ``<layer>/ics_grad_norm`` = ‖G‖
  (:func:`bnviz.train.ics.internal_covariate_shift` after a plain SGD step of the run's learning rate)
- ``landscape/loss``, ``/grad_norm``, ``/loss_range``, ``/grad_predictiveness``, ``/effective_beta``
  (:func:`bnviz.train.landscape.along_gradient` at :func:`~bnviz.train.landscape.step_sizes` of the
  run's rate: eight from lr/2 to 4 lr); ``landscape/step_sizes`` = those η and ``landscape/losses`` =
  L(θ − ηg) at each, so a rise above ``landscape/loss`` (overshoot) can be told from a drop (progress);
  ``landscape/blew_up`` is 1 where a point along the gradient had an infinite or NaN loss, and its
  summaries and ``landscape/losses`` are then None (a result file cannot hold infinity)
- ``time/ics``, ``time/landscape``: seconds each probe took, so its cost is on record
"""

from __future__ import annotations

import math
import time

from torch import Tensor, nn

from bnviz.train import ics, landscape

LANDSCAPE_FIELDS = ("loss", "grad_norm", "loss_range", "grad_predictiveness", "effective_beta")


def _number(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


def ics_fields(model: nn.Module, x, y: Tensor, lr: float) -> dict:
    out = {}
    for r in ics.internal_covariate_shift(model, x, y, lr):
        out[f"{r['layer']}/ics_l2"] = _number(r["l2"])
        out[f"{r['layer']}/ics_cos"] = _number(r["cos"])
        out[f"{r['layer']}/ics_grad_norm"] = _number(r["grad_norm"])
    return out


def landscape_fields(model: nn.Module, x, y: Tensor, lr: float) -> dict:
    r = landscape.along_gradient(model, x, y, landscape.step_sizes(lr))
    out = {f"landscape/{k}": _number(r[k]) for k in LANDSCAPE_FIELDS}
    blew_up = any(not math.isfinite(v) for v in (r["loss"], *r["losses"]))
    out["landscape/blew_up"] = int(blew_up)  # records hold numbers
    out["landscape/step_sizes"] = r["step_sizes"]
    out["landscape/losses"] = None if blew_up else r["losses"]  # L(θ − ηg), one per step size
    return out


def optimization_probes(model: nn.Module, config, x, y: Tensor) -> dict:
    """The fields the config asks for (see the module docstring), each probe timed."""
    out = {}
    for wanted, fields, name in (
        (config.probe_ics, ics_fields, "ics"),
        (config.probe_landscape, landscape_fields, "landscape"),
    ):
        if wanted:
            t0 = time.perf_counter()
            out.update(fields(model, x, y, config.lr))
            out[f"time/{name}"] = time.perf_counter() - t0
    return out
