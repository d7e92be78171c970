"""Results whose arms vary along config fields (batch size, activation, position, ...), as cells.

An arm is known by its config: :func:`finals` reads the fields asked for from each run's
config, never from its label, and :func:`cells` groups the seeds of one cell. A difference
"beyond the seed spread" means one cell's worst seed is above the other's best: with three
seeds a weak test, but one a single lucky seed cannot pass. :func:`above` and :func:`level` turn
two cells into a verdict's outcome and the margin that decided it.
"""

from __future__ import annotations

import pandas as pd

from bnviz.views import compare
from bnviz.views.phrases import BEYOND, WITHIN, listing, pct  # noqa: F401  (listing: the experiments' lists)
from bnviz.views.verdicts import Outcome


def finals(result: dict, fields: tuple[str, ...]) -> pd.DataFrame:
    """One row per run: arm, norm, seed, the config ``fields``, status and final test accuracy (NaN if diverged)."""
    return compare.final_accuracy(result, fields).drop(columns="steps")


def cells(df: pd.DataFrame, by: list[str], value: str = "final_test_acc") -> pd.DataFrame:
    """Mean, lowest and highest seed and the seed count of ``value`` per cell (``by``); None keys kept."""
    g = df.groupby(by, sort=False, dropna=False)[value]
    return pd.DataFrame({"mean": g.mean(), "lo": g.min(), "hi": g.max(), "seeds": g.count()}).reset_index()


def cell(table: pd.DataFrame, **where) -> pd.Series | None:
    """The first row of ``table`` matching every ``column=value``, a missing value for None (None if none does).

    A scan of the columns as Python values: the verdicts look up cells of small tables hundreds of times, and a
    boolean mask per look-up was 3.7% of the fast test loop's CPU (py-spy)."""
    columns = [table[column].tolist() for column in where]
    wanted = list(where.values())
    for i, row in enumerate(zip(*columns)):
        if all(pd.isna(v) if w is None else (not pd.isna(v) and v == w) for v, w in zip(row, wanted)):
            return table.iloc[i]
    return table.iloc[0] if not where and len(table) else None


def clearly_above(a: pd.Series, b: pd.Series) -> bool:
    """``a``'s worst seed beats ``b``'s best (both with two or more seeds)."""
    return bool(a["seeds"] > 1 and b["seeds"] > 1 and a["lo"] > b["hi"])


def versus(a: pd.Series, b: pd.Series) -> str:
    """``a`` against ``b`` in words: ahead or behind beyond the seed spread, or within it."""
    if clearly_above(a, b):
        return f"ahead, {BEYOND}"
    if clearly_above(b, a):
        return f"behind, {BEYOND}"
    return WITHIN


def above(a: pd.Series, b: pd.Series) -> tuple[Outcome, dict]:
    """The claim "``a`` ends above ``b``": its outcome (beyond the seed spread either way, or within it) and the
    margin that decided it (the worse side's best seed to the better side's worst, in points; scale: the means'
    difference), as :class:`~bnviz.views.verdicts.Verdict` keywords."""
    scale = float(100 * abs(a["mean"] - b["mean"]))
    if clearly_above(a, b):
        return "supports", {"margin": float(100 * (a["lo"] - b["hi"])), "scale": scale, "unit": " points"}
    if clearly_above(b, a):
        return "contradicts", {"margin": float(100 * (b["lo"] - a["hi"])), "scale": scale, "unit": " points"}
    return "within_noise", {}


def level(a: pd.Series, b: pd.Series) -> tuple[Outcome, dict]:
    """The claim "``a`` and ``b`` end level": supported while neither is beyond the other's seed spread (margin: how
    far the seeds overlap, in points; scale: the wider seed range), contradicted when one is."""
    overlap = float(100 * min(a["hi"] - b["lo"], b["hi"] - a["lo"]))
    scale = float(100 * max(a["hi"] - a["lo"], b["hi"] - b["lo"]))
    if clearly_above(a, b) or clearly_above(b, a):
        return "contradicts", {"margin": -overlap, "scale": scale, "unit": " points"}
    return "supports", {"margin": overlap, "scale": scale, "unit": " points"}


def spread(c: pd.Series | None) -> str:
    """``97.12% (96.90–97.30)``: the mean and the range over seeds."""
    if c is None or pd.isna(c["mean"]):
        return "—"
    return pct(c["mean"]) + (f" ({100 * c['lo']:.2f}–{100 * c['hi']:.2f})" if c["seeds"] > 1 else "")


def compact(c: pd.Series | None) -> str:
    """``93.65 (0.28)``: the mean in percent and, in brackets, how far apart the lowest and highest seed are."""
    if c is None or pd.isna(c["mean"]):
        return "—"
    return f"{100 * c['mean']:.2f}" + (f" ({100 * (c['hi'] - c['lo']):.2f})" if c["seeds"] > 1 else "")


def label(norm: str) -> str:
    return compare.norm_name(norm)
