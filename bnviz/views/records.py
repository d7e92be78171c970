"""Records and cached results as pandas DataFrames, ready for charts and CSV downloads.

A "run" here is ``{"arm": str, "seed": int, "config": dict, "records": [record, ...]}``: the
shape of one entry of a cache payload's ``runs``, and what the Activations page builds from
live generators, so every chart works the same on cached and live runs.
"""

from __future__ import annotations

import math

import pandas as pd

from bnviz.train.probes import PERCENTILES

CURVE_FIELDS = {"test/acc": "test_acc", "test/loss": "test_loss", "train/loss": "train_loss"}


def norm_of(run: dict) -> str:
    """The run's normalization kind (its config's ``norm``): what colours and verdicts key on."""
    return (run.get("config") or {}).get("norm", "unknown")


def position_of(run: dict) -> str:
    """Where the run's normalization sits: "before" the nonlinearity (the paper's, and every run
    cached before there was a choice) or "after" it. Colours key on it beside the norm."""
    config = run.get("config") or {}
    return "before" if config.get("norm", "none") == "none" else config.get("norm_position", "before")


def layer_names(records: list[dict]) -> list[str]:
    """Layers that have probe fields, in network order (``layer1``, ... or ``conv1``, ..., ``fc1``)."""
    names = []
    for record in records:
        for key in record:
            if key.endswith("/hist"):
                name = key.split("/")[0]
                if name not in names:
                    names.append(name)
        if names:
            break
    return names


def curves(runs: list[dict]) -> pd.DataFrame:
    """One row per (arm, seed, step) with test accuracy / loss and train loss where measured."""
    rows = []
    for run in runs:
        for r in run["records"]:
            if not any(k in r for k in CURVE_FIELDS):
                continue
            row = {"arm": run["arm"], "norm": norm_of(run), "position": position_of(run), "seed": run["seed"]}
            row["step"] = r["step"]
            row.update({name: r.get(key) for key, name in CURVE_FIELDS.items()})
            rows.append(row)
    df = pd.DataFrame(rows, columns=["arm", "norm", "position", "seed", "step", *CURVE_FIELDS.values()])
    return df.astype({name: "float64" for name in CURVE_FIELDS.values()})


def band(df: pd.DataFrame, value: str) -> pd.DataFrame:
    """Mean, min and max of ``value`` over seeds, per arm and step (the band drawn around the mean)."""
    d = df.dropna(subset=[value])
    g = d.groupby([k for k in ("arm", "norm", "position") if k in d] + ["step"])[value]
    out = pd.DataFrame({"mean": g.mean(), "lo": g.min(), "hi": g.max(), "seeds": g.count()}).reset_index()
    return out


def percentiles(runs: list[dict], layer: str) -> pd.DataFrame:
    """Figure 1(b,c): the 15/50/85th percentiles of one unit's input per arm, seed and step."""
    rows = []
    for run in runs:
        for r in run["records"]:
            if f"{layer}/p50" in r:
                rows.append(
                    {
                        "arm": run["arm"],
                        "norm": norm_of(run),
                        "position": position_of(run),
                        "seed": run["seed"],
                        "step": r["step"],
                        **{f"p{p}": r[f"{layer}/p{p}"] for p in PERCENTILES},
                    }
                )
    return pd.DataFrame(rows, columns=["arm", "norm", "position", "seed", "step", *(f"p{p}" for p in PERCENTILES)])


def layer_stats(runs: list[dict]) -> pd.DataFrame:
    """Per arm, seed, step and layer: mean, std and saturation of the layer's input, and its weights'
    gradient norm and update:data ratio (None where not recorded: step 0, results cached before)."""
    rows = []
    for run in runs:
        names = layer_names(run["records"])
        for r in run["records"]:
            for name in names:
                if f"{name}/mean" in r:
                    rows.append(
                        {
                            "arm": run["arm"],
                            "norm": norm_of(run),
                            "position": position_of(run),
                            "seed": run["seed"],
                            "step": r["step"],
                            "layer": name,
                            "mean": r[f"{name}/mean"],
                            "std": r[f"{name}/std"],
                            "saturation": r[f"{name}/saturation"],
                            "grad_norm": r.get(f"{name}/grad_norm"),
                            "update_ratio": r.get(f"{name}/update_ratio"),
                        }
                    )
    columns = ["arm", "norm", "position", "seed", "step", "layer", "mean", "std", "saturation"]
    return pd.DataFrame(rows, columns=[*columns, "grad_norm", "update_ratio"]).astype(
        {"grad_norm": "float64", "update_ratio": "float64"}
    )


def probe_steps(runs: list[dict]) -> list[int]:
    """Steps at which every run has a histogram (the step slider's stops)."""
    sets = [{r["step"] for r in run["records"] if any(k.endswith("/hist") for k in r)} for run in runs]
    return sorted(set.intersection(*sets)) if sets else []


def histogram(runs: list[dict], layer: str, step: int, edges: list[float], field: str = "hist") -> pd.DataFrame:
    """Histogram of a layer's input at one step, per arm (first seed of each arm), as densities.

    ``field="grad_hist"``: of its weights' gradient instead, over :func:`bnviz.train.probes.grad_hist_edges`.
    """
    rows, seen = [], set()
    for run in runs:
        if run["arm"] in seen:
            continue
        r = next((r for r in run["records"] if r["step"] == step and r.get(f"{layer}/{field}")), None)
        if r is None:
            continue
        seen.add(run["arm"])
        counts = r[f"{layer}/{field}"]
        total = sum(counts) or 1
        for left, right, c in zip(edges[:-1], edges[1:], counts):
            rows.append(
                {
                    "arm": run["arm"],
                    "norm": norm_of(run),
                    "position": position_of(run),
                    "bin_left": left,
                    "bin_right": right,
                    "count": c,
                    "density": c / total / (right - left),
                }
            )
    return pd.DataFrame(rows, columns=["arm", "norm", "position", "bin_left", "bin_right", "count", "density"])


CHANCE_LOSS = math.log(10)  # cross-entropy of a uniform guess over the 10 classes of MNIST and CIFAR-10, in nats
EXPLODED_LOSS = (
    2 * CHANCE_LOSS
)  # a training loss still above this at the end of a run: it diverged, bounded by saturation
STUCK_ACCURACY = 0.2  # a final accuracy below this, without an exploded loss: the run stayed at chance
OUTCOMES = ("trains", "slow (< 90%)", "stuck at chance", "exploded", "diverged")


def run_outcome(run: dict) -> str:
    """How a run ended, from its own records.

    ``diverged``: its loss became infinite or NaN. ``exploded``: its loss stayed finite (saturated sigmoids
    bound the logits) but its training loss over the last fifth of the run is above :data:`EXPLODED_LOSS`,
    far above chance: divergence all the same. ``stuck at chance``: below :data:`STUCK_ACCURACY` without
    that (a plateau, e.g. a tiny init). ``slow (< 90%)``: it learned but never reached 90%. ``trains``.
    """
    if run["status"] == "diverged":
        return "diverged"
    tail = final_train_loss(run)
    if tail is not None and tail > EXPLODED_LOSS:
        return "exploded"
    acc = [r["test/acc"] for r in run["records"] if r.get("test/acc") is not None]
    if not acc or acc[-1] < STUCK_ACCURACY:
        return "stuck at chance"
    return "trains" if any(a >= 0.9 for a in acc) else "slow (< 90%)"


def final_train_loss(run: dict) -> float | None:
    """The mean training loss over the last fifth of a run's records (each the mean since the record before)."""
    losses = [r["train/loss"] for r in run["records"] if r.get("train/loss") is not None]
    tail = losses[len(losses) * 4 // 5 :]
    return sum(tail) / len(tail) if tail else None


def sweep_table(result: dict) -> pd.DataFrame:
    """A sweep as a table: one row per run with its norm, lr, init std, outcome, speed and final training loss."""
    rows = []
    for run in result["runs"]:
        c = run["config"]
        acc = [r for r in run["records"] if r.get("test/acc") is not None]
        outcome = run_outcome(run)
        rows.append(
            {
                "arm": run["arm"],
                "norm": c["norm"],
                "BN": c["norm"] != "none",
                "lr": c["lr"],
                "init_std": c["init_std"],
                "seed": run["seed"],
                "final_test_acc": acc[-1]["test/acc"] if acc and outcome != "diverged" else None,
                "final_train_loss": final_train_loss(run) if outcome != "diverged" else None,
                "steps_to_90": next((r["step"] for r in acc if r["test/acc"] >= 0.9), None),
                "outcome": outcome,
            }
        )
    return pd.DataFrame(rows)


def recorded(runs: list[dict], field: str) -> bool:
    """Whether any run holds a value for ``<layer>/<field>`` (e.g. ``grad_hist``, absent from results
    cached before the trainer recorded it)."""
    suffix = f"/{field}"
    return any(v is not None and k.endswith(suffix) for run in runs for r in run["records"] for k, v in r.items())
