"""Runs over a grid of learning rates, as the Why page's rate experiments read them: each run's outcome (diverged,
loss exploded far above chance, stalled at chance, learned), cells of seeds, and each arm's best rate and stable
range. An arm is known by its config (norm, position, depth), never by its label. pandas only.
"""

from __future__ import annotations

import math

import pandas as pd

from bnviz.views import records
from bnviz.views.phrases import listing

CHANCE_LOSS = math.log(10)  # cross-entropy of a uniform guess over the 10 classes, in nats
EXPLODED = 2.0  # a final training loss above twice chance is not "stuck at chance": the loss blew up, bounded or not
LEARNS = 0.9  # a run "learns" when it ends at 90% test accuracy or more
FAILS = 0.2  # below 20% (chance: 10%) it has not learned
OUTCOMES = ("learns", "partly", "stalled at chance", "loss exploded", "diverged")


def outcome(status: str, acc: float, loss: float) -> str:
    """One run's fate: ``diverged`` (a loss became infinite or NaN, the run stopped), ``loss exploded`` (it ended with
    a finite training loss above :data:`EXPLODED` times chance, ln 10), ``stalled at chance`` (below :data:`FAILS`
    accuracy with a loss near chance), ``learns`` (at least :data:`LEARNS`) or ``partly``."""
    if status == "diverged":
        return "diverged"
    if not math.isnan(loss) and loss > EXPLODED * CHANCE_LOSS:
        return "loss exploded"
    if math.isnan(acc) or acc < FAILS:
        return "stalled at chance"
    return "learns" if acc >= LEARNS else "partly"


def run_table(result: dict, fields: tuple[str, ...] = ("lr",)) -> pd.DataFrame:
    """One row per run: arm, norm, position, seed, the config ``fields``, status, final test accuracy (NaN for a
    diverged run), the last recorded training loss, the test accuracy 500 steps before the end, and the outcome."""
    rows = []
    for run in result["runs"]:
        config = run.get("config") or {}
        evals = [r for r in run["records"] if r.get("test/acc") is not None]
        losses = [r["train/loss"] for r in run["records"] if r.get("train/loss") is not None]
        diverged = run["status"] == "diverged"
        acc = evals[-1]["test/acc"] if evals and not diverged else math.nan
        before = [r["test/acc"] for r in evals if r["step"] <= run["steps"] - 500]
        loss = losses[-1] if losses and not diverged else math.nan
        rows.append(
            {
                "arm": run["arm"],
                "norm": records.norm_of(run),
                "position": records.position_of(run),
                "seed": run["seed"],
                **{f: config.get(f) for f in fields},
                "status": run["status"],
                "final_test_acc": acc,
                "final_train_loss": loss,
                "acc_500_before": before[-1] if before and not diverged else math.nan,
                "outcome": outcome(run["status"], acc, loss),
            }
        )
    cols = ["arm", "norm", "position", "seed", *fields, "status", "final_test_acc", "final_train_loss"]
    return pd.DataFrame(rows, columns=[*cols, "acc_500_before", "outcome"])


def cells(runs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per cell (``by``, e.g. norm, position, depth, lr): mean, lowest and highest seed of the final accuracy over the
    seeds that did not diverge, seeds, how many diverged, the outcomes, and whether every seed learns."""
    rows = []
    for key, d in runs.groupby(by, sort=True, dropna=False):
        acc = d["final_test_acc"].dropna()
        counts = d["outcome"].value_counts()
        rows.append(
            {
                **dict(zip(by, key if isinstance(key, tuple) else (key,))),
                "mean": acc.mean() if len(acc) else math.nan,
                "lo": acc.min() if len(acc) else math.nan,
                "hi": acc.max() if len(acc) else math.nan,
                "seeds": len(d),
                "diverged": int((d["outcome"] == "diverged").sum()),
                "rising": (d["final_test_acc"] - d["acc_500_before"]).mean(),
                "outcomes": ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if o in counts),
                "trains": bool((d["outcome"] == "learns").all()),
            }
        )
    cols = [*by, "mean", "lo", "hi", "seeds", "diverged", "rising", "outcomes", "trains"]
    return pd.DataFrame(rows, columns=cols)


def best(c: pd.DataFrame) -> pd.Series | None:
    """The cell with the highest mean final accuracy (a cell where every seed diverged counts as 0)."""
    if c.empty:
        return None
    return c.loc[c["mean"].fillna(0).idxmax()]


def stable_rates(c: pd.DataFrame) -> list[float]:
    """The rates at which every seed learns (at least 90%, none diverged), ascending."""
    return sorted(float(x) for x in c.loc[c["trains"], "lr"])


def range_text(rates: list[float], grid: list[float]) -> str:
    """``lr 0.1 to 3`` when the rates are consecutive on ``grid``, else ``lr 0.1, 0.9 and 3``; ``no rate``."""
    if not rates:
        return "no rate"
    grid = sorted(grid)
    where = [grid.index(r) for r in rates if r in grid]
    if len(rates) > 1 and where == list(range(where[0], where[0] + len(where))):
        return f"lr {rates[0]:g} to {rates[-1]:g}"
    return "lr " + listing(f"{r:g}" for r in rates)


def json_ready(d: pd.DataFrame) -> pd.DataFrame:
    """``d`` with every missing number (a cell where every seed diverged) as None, so its records are plain JSON."""
    return d.astype(object).where(d.notna(), None)
