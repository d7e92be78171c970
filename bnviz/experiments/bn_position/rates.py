"""The learning-rate grid of the placements as cells: each run's outcome (trains, stalls, diverges), each
(activation, placement, rate)'s seeds, and each placement's best rate and stable range. Pandas only."""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.bn_position import LRS, NAMES, kind
from bnviz.views import compare, grid, records
from bnviz.views.phrases import stable_range

FIELDS = ("activation", "norm_position", "bias", "lr")
TRAINED = {"slow (< 90%)": "trains"}  # records.run_outcome's words; a slow run still trains at that rate
FAILED = ("diverged", "exploded", "stuck at chance")  # a rate where a run ended so is outside its stable range


def name(g: str, k: str) -> str:
    """The arm's placement as a reader reads it, e.g. "BN before sigmoid (the paper)"."""
    return NAMES[k].format(g=g)


def run_table(result: dict) -> pd.DataFrame:
    """One row per run: its activation, placement kind, rate, seed, final test accuracy and outcome."""
    f = compare.final_accuracy(result, FIELDS)
    f["activation"] = f["activation"].fillna("sigmoid")  # None is the MLP's own: sigmoid
    f["kind"] = [kind(n, p, b) for n, p, b in zip(f["norm"], f["norm_position"], f["bias"])]
    f["lr"] = f["lr"].astype(float).round(6)
    f["outcome"] = [TRAINED.get(o, o) for o in map(records.run_outcome, result["runs"])]
    return f[["activation", "kind", "lr", "seed", "final_test_acc", "outcome"]]


def rate_cells(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (activation, kind, lr): the seeds' final accuracy and the cell's outcome, "trains" only if every seed did."""
    c = grid.cells(runs, ["activation", "kind", "lr"])
    g = runs.groupby(["activation", "kind", "lr"], sort=False)["outcome"]
    c["runs"] = g.size().values
    c["trained"] = g.agg(lambda s: int((s == "trains").sum())).values
    c["outcome"] = [outs.iloc[0] if outs.nunique() == 1 else mixed(outs) for _, outs in g]
    c["name"] = [name(a, k) for a, k in zip(c["activation"], c["kind"])]
    c["norm"] = ["none" if k == "none" else "bnviz" for k in c["kind"]]  # what colours key on
    c["position"] = ["after" if k == "after" else "before" for k in c["kind"]]
    return c


def mixed(outcomes: pd.Series) -> str:
    """``2 of 3 train (1 exploded)``: a cell whose seeds ended differently."""
    others = outcomes[outcomes != "trains"].value_counts()
    how = ", ".join(f"{n} {o}" for o, n in others.items())
    return f"{int((outcomes == 'trains').sum())} of {len(outcomes)} train ({how})"


def stable(rates: pd.DataFrame, g: str, k: str) -> list[float]:
    """The grid's rates at which every seed of placement ``k`` trained."""
    d = rates[(rates["activation"] == g) & (rates["kind"] == k) & (rates["outcome"] == "trains")]
    return sorted(d["lr"])


def best_cells(rates: pd.DataFrame) -> pd.DataFrame:
    """Per (activation, placement over the grid): the rate where every seed trained and the mean ends highest."""
    rows = []
    grid_kinds = rates[(rates["outcome"] == "trains") & (rates["kind"] != "before+bias")]  # the bias: one rate only
    for (g, k), d in grid_kinds.groupby(["activation", "kind"], sort=False):
        top = d.loc[d["mean"].idxmax()]
        rows.append({**top.to_dict(), "trains_at": stable_range(LRS, stable(rates, g, k))})
    return pd.DataFrame(rows, columns=[*rates.columns, "trains_at"])


def best_of(best: pd.DataFrame, g: str, k: str) -> pd.Series | None:
    return grid.cell(best, activation=g, kind=k)


def at(c: pd.Series) -> str:
    return f"{grid.spread(c)} at lr {c['lr']:g}"


def failing(rates: pd.DataFrame, g: str, k: str, lrs: list[float]) -> str:
    """``lr 3: diverges; lr 9: mixed (1 of 3 train)``: what placement ``k`` did at ``lrs``."""
    d = rates[(rates["activation"] == g) & (rates["kind"] == k)].set_index("lr")
    return "; ".join(f"lr {lr:g}: {d.loc[lr, 'outcome']}" for lr in lrs if lr in d.index)


def curves_at(result: dict, lr: float) -> pd.DataFrame:
    """Test accuracy over training of every placement at one rate: mean and lowest to highest seed per step, with
    the activation, kind and the placement's name (``line``)."""
    frames = []
    for run in result["runs"]:
        c = run.get("config") or {}
        if round(c.get("lr", 0), 6) != lr:
            continue
        g, k = c.get("activation") or "sigmoid", kind(c.get("norm"), c.get("norm_position", "before"), c.get("bias"))
        frames.append(records.curves([run]).dropna(subset=["test_acc"]).assign(activation=g, kind=k, line=name(g, k)))
    columns = ["activation", "kind", "norm", "line", "step"]
    if not frames:
        return pd.DataFrame(columns=[*columns, "mean", "lo", "hi", "seeds"])
    return grid.cells(pd.concat(frames), columns, "test_acc")
