"""The two ways the trainer probes a BN network, as views of a run's records.

``"train"``: BN normalizes the probe batch with the batch's own mean and variance, as the network
trains (the paper's N_BN^tr, Section 4.1). ``"eval"``: BN uses its running averages, as at
inference (Algorithm 2). The trainer records the first under ``<layer>/...`` and the second under
``<layer>/eval/...`` (see :mod:`bnviz.train.trainer`). :func:`view` rewrites records so that
``<layer>/...`` holds the chosen mode: every function of :mod:`bnviz.views.records` then draws
either mode unchanged. A network without BN is the same in both modes.

Results cached before the trainer probed in training mode hold eval-mode probes under
``<layer>/...`` and nothing else: :func:`recorded_modes` tells them apart.
"""

from __future__ import annotations

import pandas as pd

from bnviz.train.probes import PERCENTILES

TRAIN, EVAL = "train", "eval"
LABELS = {TRAIN: "Batch statistics (training mode)", EVAL: "Running averages (eval mode)"}
EVAL_PART = "/eval/"  # "<layer>/eval/<field>"


def has_bn(run: dict) -> bool:
    """Known by the run's config, never by its label."""
    return run["config"].get("norm", "none") != "none"


def _probe_records(run: dict) -> list[dict]:
    return [r for r in run["records"] if any(k.endswith("/hist") for k in r)]


def recorded_modes(runs: list[dict]) -> tuple[str, ...]:
    """``("train", "eval")``; ``("eval",)`` for results cached before training-mode probes, whose BN
    runs hold probes but none under ``<layer>/eval/``."""
    probed = [r for run in runs if has_bn(run) for r in _probe_records(run)]
    if probed and not any(EVAL_PART in k for r in probed for k in r):
        return (EVAL,)
    return (TRAIN, EVAL)


def eval_record(record: dict) -> dict:
    """A record whose ``<layer>/<field>`` fields hold its ``<layer>/eval/<field>`` values.

    Fields without an eval twin (``<layer>/grad_norm``, ``test/acc``, ...) are kept as they are.
    """
    out = {k: v for k, v in record.items() if EVAL_PART not in k}
    for k, v in record.items():
        if EVAL_PART in k:
            layer, field = k.split(EVAL_PART, 1)
            out[f"{layer}/{field}"] = v
    return out


def view(runs: list[dict], mode: str) -> list[dict]:
    """``runs`` with ``<layer>/...`` meaning ``mode``'s probes (new run dicts; the input is not changed).

    Runs without BN, and results cached before training-mode probes, are the same in both views.
    """
    if mode not in LABELS:
        raise ValueError(f"mode must be {TRAIN!r} or {EVAL!r} (got {mode!r})")
    if mode == TRAIN:
        return runs
    return [{**run, "records": [eval_record(r) for r in run["records"]]} if has_bn(run) else run for run in runs]


def x_hat_percentiles(runs: list[dict], layer: str) -> pd.DataFrame:
    """One BN unit before and after γ, β: rows per (arm, seed, step, value) with value "x̂" (normalized)
    or "y" (γx̂ + β, the nonlinearity's input) and their 15/50/85th percentiles. Empty for runs
    without x̂ fields (no BN, or cached before x̂ was recorded)."""
    rows = []
    for run in runs:
        for r in run["records"]:
            if f"{layer}/x_hat_p50" not in r:
                continue
            for value, prefix in (("x̂", f"{layer}/x_hat_p"), ("y", f"{layer}/p")):
                rows.append(
                    {
                        "arm": run["arm"],
                        "seed": run["seed"],
                        "step": r["step"],
                        "value": value,
                        **{f"p{p}": r[f"{prefix}{p}"] for p in PERCENTILES},
                    }
                )
    return pd.DataFrame(rows, columns=["arm", "seed", "step", "value", *(f"p{p}" for p in PERCENTILES)])


def eval_arms(runs: list[dict]) -> list[str]:
    """The arms whose records hold eval-mode probes (``<layer>/eval/...``): those with a BN-like layer
    that keeps running averages, known by what the trainer recorded, not by a label."""
    return list(dict.fromkeys(run["arm"] for run in runs if any(EVAL_PART in k for r in run["records"] for k in r)))
