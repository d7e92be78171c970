"""A comparison of two arms decided seed by seed: which way each seed goes, and whether the two arms'
seeds are apart (beyond the seed spread) or overlap.

A claim such as "‖G − G′‖₂ is no smaller with BN" holds beyond the noise only when every seed says so
*and* one arm's worst seed is past the other's best; when the seeds disagree the verdict is "mixed" and
names them; when they agree but overlap it is within the seed spread. Pure Python and pandas, no charts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from bnviz.views.phrases import BEYOND, WITHIN, listing, steps_text
from bnviz.views.verdicts import Outcome, Verdict

EARLY, LATE = 0.1, 0.5  # early: probe steps in (0, 10% of the run]; late: from 50% of the run to its end
PHASES = ("early", "late")


@dataclass(frozen=True)
class BySeed:
    """One number per seed for arm ``a`` and arm ``b`` (the seeds both have), for the claim "a is below b"."""

    a: Mapping[int, float]
    b: Mapping[int, float]

    @property
    def seeds(self) -> list[int]:
        return sorted(s for s in self.a if s in self.b and _finite(self.a[s]) and _finite(self.b[s]))

    @property
    def below(self) -> list[int]:
        return [s for s in self.seeds if self.a[s] < self.b[s]]

    @property
    def above(self) -> list[int]:
        return [s for s in self.seeds if self.a[s] > self.b[s]]

    @property
    def gap(self) -> float:
        """How far apart the two arms' seeds are: b's lowest minus a's highest when a is below, a's lowest minus
        b's highest when above (positive: beyond the seed spread; negative: the ranges overlap by that much)."""
        a, b = [self.a[s] for s in self.seeds], [self.b[s] for s in self.seeds]
        if not a:
            return math.nan
        return min(b) - max(a) if sum(a) <= sum(b) else min(a) - max(b)

    def outcome(self) -> Outcome:
        """``supports`` "a is below b" when every seed is below and beyond the spread, ``contradicts`` when every
        seed is above and beyond it, ``within_noise`` otherwise (seeds split, overlapping, or one seed)."""
        n = len(self.seeds)
        if n < 2 or self.gap <= 0:
            return "within_noise" if n else "context"
        if len(self.below) == n:
            return "supports"
        if len(self.above) == n:
            return "contradicts"
        return "within_noise"

    @property
    def scale(self) -> float:
        """What the gap is measured against: the difference of the two arms' means. A gap within 5% of it means the
        two sets of seeds nearly touch, so one more seed could land between them and turn the verdict."""
        a, b = [self.a[s] for s in self.seeds], [self.b[s] for s in self.seeds]
        return abs(sum(b) / len(b) - sum(a) / len(a)) if a else math.nan

    def how(self, below: str = "below", above: str = "above") -> str:
        """How the seeds went, ``below``/``above`` saying what a < b and a > b mean: ``lower with BN at every seed,
        beyond the seed spread``, or ``mixed: lower with BN at seeds 0 and 2, higher at seed 1``."""
        n = len(self.seeds)
        if n == 0:
            return "no seed has both"
        if len(self.below) == n or len(self.above) == n:
            way = below if self.below else above
            if n == 1:
                return f"{way} at its one seed, so no seed spread to judge by"
            return f"{way} at every seed, {BEYOND if self.gap > 0 else WITHIN}"
        parts = [f"{way} at {_seeds(seeds)}" for way, seeds in ((below, self.below), (above, self.above)) if seeds]
        ties = [s for s in self.seeds if self.a[s] == self.b[s]]
        if ties:
            parts.append(f"level at {_seeds(ties)}")
        return "mixed: " + ", ".join(parts)

    def each(self, fmt: Callable[[float], str], a_name: str, b_name: str) -> str:
        """``seed 0: 0.12 with BN against 0.23 with no normalization; seed 1: ...``"""
        return "; ".join(f"seed {s}: {fmt(self.a[s])} {a_name} against {fmt(self.b[s])} {b_name}" for s in self.seeds)


def _finite(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _seeds(seeds: list[int]) -> str:
    return ("seed " if len(seeds) == 1 else "seeds ") + listing(seeds)


def phases(
    t: pd.DataFrame, values: list[str], by: tuple[str, ...] = (), agg: dict[str, str] | None = None
) -> pd.DataFrame:
    """Per ``by`` columns, norm, seed and phase: the median of each of ``values`` over the phase's probe steps (or
    the aggregate ``agg`` names for it, e.g. ``{"rise": "mean"}``), and how many probes that is. Each phase gets its
    own number, so a run's many early probes (steps 1, 2, 5, ...) cannot outweigh its late ones, and a seed is
    never averaged into another."""
    keys = [*by, "norm", "seed", "phase"]
    if t.empty:
        return pd.DataFrame(columns=[*keys, *values, "probes"])
    last = t["step"].max()
    parts = [
        t[(t["step"] > 0) & (t["step"] <= EARLY * last)].assign(phase="early"),
        t[t["step"] >= LATE * last].assign(phase="late"),
    ]
    g = pd.concat(parts).groupby(keys, sort=False)
    how = {v: (agg or {}).get(v, "median") for v in values}
    return g[values].agg(how).join(g.size().rename("probes")).reset_index()


def span(t: pd.DataFrame, phase: str) -> str:
    """``steps 1 to 500`` or ``steps 2,500 to 5,000``: the probe steps a phase covers in ``t``."""
    last = t["step"].max() if len(t) else 0
    steps = (
        t["step"][(t["step"] > 0) & (t["step"] <= EARLY * last)]
        if phase == "early"
        else t["step"][t["step"] >= LATE * last]
    )
    if steps.empty:
        return "no probes"
    if steps.min() == steps.max():
        return f"step {steps_text(steps.min())}"
    return f"steps {steps_text(steps.min())} to {steps_text(steps.max())}"


def per_seed(p: pd.DataFrame, value: str, norm: str, **where) -> dict[int, float]:
    """``{seed: value}`` for one norm from a :func:`phases` table, at the rows matching ``where`` (e.g. ``phase="early"``)."""
    d = p[p["norm"] == norm]
    for column, v in where.items():
        d = d[d[column] == v]
    return {int(s): float(x) for s, x in zip(d["seed"], d[value])}


def verdict(
    claim: str, c: BySeed, fmt: Callable[[float], str], names: tuple[str, str], ways: tuple[str, str], unit: str = ""
) -> Verdict:
    """The verdict on ``claim`` read as "a is below b": each seed's pair, how the seeds went, and the gap between the
    arms' seeds as the margin (a gap within 5% of the values' size is a knife edge). ``names``: how the evidence calls
    a and b (``"with BN"``, ``"without"``); ``ways``: what a < b and a > b mean (``"smaller with BN"``, ...)."""
    outcome = c.outcome()
    decided = outcome in ("supports", "contradicts")
    return Verdict(
        claim,
        outcome,
        f"{c.each(fmt, *names)}; {c.how(*ways)}",
        margin=c.gap if decided else None,
        scale=c.scale if decided else None,
        unit=unit,
    )
