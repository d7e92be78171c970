"""Results whose arms vary along config fields (batch size, activation, position, ...), as cells.

An arm is known by its config: :func:`finals` reads the fields asked for from each run's
config, never from its label, and :func:`cells` groups the seeds of one cell. A difference
"beyond the seed spread" means one cell's worst seed is above the other's best: with three
seeds a weak test, but one a single lucky seed cannot pass.
"""

from __future__ import annotations

import pandas as pd

from bnviz.norms import NORMS
from bnviz.views import analysis
from bnviz.views.analysis import pct


def finals(result: dict, fields: tuple[str, ...]) -> pd.DataFrame:
    """One row per run: arm, norm, seed, the config ``fields``, status and final test accuracy (NaN if diverged)."""
    return analysis.final_accuracy(result, fields).drop(columns="steps")


def cells(df: pd.DataFrame, by: list[str], value: str = "final_test_acc") -> pd.DataFrame:
    """Mean, lowest and highest seed and the seed count of ``value`` per cell (``by``); None keys kept."""
    g = df.groupby(by, sort=False, dropna=False)[value]
    return pd.DataFrame({"mean": g.mean(), "lo": g.min(), "hi": g.max(), "seeds": g.count()}).reset_index()


def cell(table: pd.DataFrame, **where) -> pd.Series | None:
    """The one row of ``table`` matching every ``column=value`` (None if there is none)."""
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column].isna() if value is None else table[column] == value
    rows = table[mask]
    return rows.iloc[0] if len(rows) else None


def clearly_above(a: pd.Series, b: pd.Series) -> bool:
    """``a``'s worst seed beats ``b``'s best (both with two or more seeds)."""
    return bool(a["seeds"] > 1 and b["seeds"] > 1 and a["lo"] > b["hi"])


def spread(c: pd.Series) -> str:
    """``97.12% (96.90–97.30)``: the mean and the range over seeds."""
    if c is None or pd.isna(c["mean"]):
        return "—"
    return pct(c["mean"]) + (f" ({100 * c['lo']:.2f}–{100 * c['hi']:.2f})" if c["seeds"] > 1 else "")


def label(norm: str) -> str:
    return NORMS[norm].label if norm in NORMS else norm


def listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
