"""How far Figure 1(b,c)'s distribution moves during a run, measured, and said in plain sentences.

The paper reads its Figure 1(b,c) as "the distributions in the batch-normalized network are much
more stable". Whether a run shows that is a question of numbers: how far the median (p50) of the
probed unit's input moves, and how the band between its 15th and 85th percentiles widens or
narrows, early in training and late. Pure functions from the DataFrame of
:func:`bnviz.views.records.percentiles` to numbers and to sentences that say only what they show.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bnviz.views.markdown import literal

EARLY_FRACTION = 0.1  # "early": the first 10% of the run's steps


@dataclass(frozen=True)
class Drift:
    """One run's probed unit at three steps: the first probe, the end of the early part, the last probe."""

    arm: str
    norm: str  # the arm's config norm kind: "none" is the baseline
    seed: int
    steps: tuple[int, int, int]  # (first, end of early part, last) probe steps
    median: tuple[float, float, float]  # p50 at those steps
    width: tuple[float, float, float]  # p85 − p15 at those steps
    farthest: float  # largest |p50 − p50 at the first step| over every probe
    farthest_step: int

    @property
    def early_shift(self) -> float:
        return self.median[1] - self.median[0]

    @property
    def late_shift(self) -> float:
        return self.median[2] - self.median[1]

    @property
    def early_ratio(self) -> float:
        """Band width at the end of the early part over its width at the first step."""
        return _ratio(self.width[1], self.width[0])

    @property
    def late_ratio(self) -> float:
        return _ratio(self.width[2], self.width[1])


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf") if a > 0 else 1.0


def split_step(steps: list[int], fraction: float = EARLY_FRACTION) -> int | None:
    """The probe step nearest ``fraction`` of the way to the last one (ties: the earlier), strictly
    between the first and the last; None with fewer than three steps."""
    steps = sorted(set(steps))
    inner = steps[1:-1]
    if not inner:
        return None
    target = steps[0] + fraction * (steps[-1] - steps[0])
    return min(inner, key=lambda s: (abs(s - target), s))


def drift(pct: pd.DataFrame, fraction: float = EARLY_FRACTION) -> list[Drift]:
    """One :class:`Drift` per (arm, seed) with at least three probe steps, arms in their order in ``pct``."""
    out = []
    for (arm, norm, seed), d in pct.dropna(subset=["p15", "p50", "p85"]).groupby(["arm", "norm", "seed"], sort=False):
        d = d.drop_duplicates("step").set_index("step").sort_index()
        split = split_step(list(d.index), fraction)
        if split is None:
            continue
        at = (int(d.index[0]), int(split), int(d.index[-1]))
        # band width w = p85 − p15
        width = d["p85"] - d["p15"]
        # farthest = max_t |p50(t) − p50(first)|
        distance = (d["p50"] - d["p50"].iloc[0]).abs()
        out.append(
            Drift(
                arm=arm,
                norm=norm,
                seed=int(seed),
                steps=at,
                median=tuple(float(d.at[s, "p50"]) for s in at),
                width=tuple(float(width.at[s]) for s in at),
                farthest=float(distance.max()),
                farthest_step=int(distance.idxmax()),
            )
        )
    return out


def _times(r: float) -> str:
    return "×∞" if r == float("inf") else f"×{r:.2f}"


def describe(d: Drift) -> str:
    """What one run's unit did, in numbers only."""
    s0, s1, s2 = d.steps
    m0, m1, m2 = d.median
    w0, w1, w2 = d.width
    return (
        f"{literal(d.arm)}: the median went {m0:+.2f} → {m1:+.2f} → {m2:+.2f} at steps {s0:,} → {s1:,} → {s2:,} "
        f"(moved {d.early_shift:+.2f} early, {d.late_shift:+.2f} after; at most {d.farthest:.2f} from its start, "
        f"at step {d.farthest_step:,}). The 15–85th percentile band went {w0:.2f} → {w1:.2f} → {w2:.2f} wide "
        f"({_times(d.early_ratio)} early, {_times(d.late_ratio)} after)."
    )


def _less_or_more(plain: float, bn: float) -> str:
    return "the same distance" if abs(plain) == abs(bn) else ("less" if abs(bn) < abs(plain) else "more") + " with BN"


def compare(plain: Drift, bn: Drift) -> list[str]:
    """Sentences comparing a no-BN and a BN run over the same steps: how far each median moved and how
    each band's width changed, early and late, and the farthest each median got from its start."""
    if plain.steps != bn.steps:
        return [
            f"The two runs were probed up to different steps ({literal(plain.arm)} {plain.steps[2]:,}, {literal(bn.arm)} "
            f"{bn.steps[2]:,}): compare them when both reach the same step."
        ]
    s0, s1, s2 = plain.steps
    out = []
    for phase, i, shifts, ratios in (
        (f"From step {s0:,} to {s1:,}", 0, (plain.early_shift, bn.early_shift), (plain.early_ratio, bn.early_ratio)),
        (f"From step {s1:,} to {s2:,}", 1, (plain.late_shift, bn.late_shift), (plain.late_ratio, bn.late_ratio)),
    ):
        out.append(
            f"{phase} the median moved {abs(shifts[0]):.2f} without BN and {abs(shifts[1]):.2f} with BN "
            f"({_less_or_more(*shifts)}); the band went from {plain.width[i]:.2f} to {plain.width[i + 1]:.2f} "
            f"wide ({_times(ratios[0])}) without BN and from {bn.width[i]:.2f} to {bn.width[i + 1]:.2f} "
            f"({_times(ratios[1])}) with BN."
        )
    out.append(
        f"At its farthest the median was {plain.farthest:.2f} from its start without BN (step "
        f"{plain.farthest_step:,}) and {bn.farthest:.2f} with BN (step {bn.farthest_step:,})."
    )
    return out


def sentences(pct: pd.DataFrame, fraction: float = EARLY_FRACTION) -> list[str]:
    """A comparison when ``pct`` holds a no-BN and a BN arm, else what each arm's unit did (first seed of each)."""
    firsts: dict[str, Drift] = {}
    for d in drift(pct, fraction):
        if d.arm not in firsts or d.seed < firsts[d.arm].seed:
            firsts[d.arm] = d
    if not firsts:
        return ["Too few probes yet to say how this distribution moves (it takes three)."]
    plain = next((d for d in firsts.values() if d.norm == "none"), None)
    bn = next((d for d in firsts.values() if d.norm != "none"), None)
    if plain and bn and len(firsts) == 2:
        return compare(plain, bn)
    return [describe(d) for d in firsts.values()]
