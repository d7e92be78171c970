"""A run's records: what is measured at a record step, on what, and when (the keys are listed in
:mod:`bnviz.train.trainer`'s docstring).

:func:`record_views` fixes what a run is measured on (the probe batch, the test set as the model
takes it, the record steps); :func:`make_record` measures the network at one step. Every measurement
leaves the run as it was (see :func:`bnviz.train.modes.batch_statistics`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from bnviz import data as datasets
from bnviz.train import probes
from bnviz.train.batches import model_inputs, takes_lit_pixels, training_batch
from bnviz.train.config import TrainConfig
from bnviz.train.final_eval import final_fields
from bnviz.train.models import model_for
from bnviz.train.modes import EVAL_CHUNK, batch_statistics, evaluate, is_batch_norm, layer_inputs, running_statistics
from bnviz.train.optimization_probes import optimization_probes
from bnviz.train.running_lag import layer_lag

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

    def records_at(self, step: int) -> bool:
        return step in self.probe_steps or step in self.eval_steps


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
    """The record of ``step``, or a "diverged" one if a number in it is not finite.

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
        record.update(affine_fields(model))
        if views.probe_batch is not None:
            record.update(optimization_probes(model, config, *views.probe_batch))
    if config.final_eval_modes and step == config.steps:
        record.update(final_fields(model, config, views.data, views.test_x))
    record["time/elapsed"] = time.perf_counter() - start
    if not all_finite(record):  # this step's update overflowed the weights: the next loss would be NaN
        return diverged(step, start)
    return record


def diverged(step: int, start: float) -> dict:
    """The last record of a run whose loss or weights stopped being finite at ``step``."""
    return {"step": step, "status": "diverged", "train/loss": None, "time/elapsed": time.perf_counter() - start}


def all_finite(record: dict) -> bool:
    """No NaN or infinity among a record's numbers (JSON has no way to write them)."""
    return all(math.isfinite(v) for v in record.values() if isinstance(v, float))


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


@torch.no_grad()
def affine_fields(model: nn.Module) -> dict:
    """``<layer>/gamma_abs_mean`` and ``<layer>/beta_abs_mean``: the mean over units of |γ| and |β| of each
    normalization with a learned scale and shift. With x̂ about N(0, 1), a unit's y = γx̂ + β leaves the
    sigmoid's linear middle when |γ| or |β| grows: what BN's saturation over training comes from."""
    out = {}
    for name, norm in zip(model.layer_names(), model.norm_layers()):
        gamma, beta = getattr(norm, "weight", None), getattr(norm, "bias", None)
        if isinstance(gamma, Tensor) and isinstance(beta, Tensor):
            out[f"{name}/gamma_abs_mean"] = float(gamma.abs().mean())
            out[f"{name}/beta_abs_mean"] = float(beta.abs().mean())
    return out


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
