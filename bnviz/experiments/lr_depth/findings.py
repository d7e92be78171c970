"""Bjorck et al.'s learning-rate claims on our runs: equal at small rates (each rate with its margin to the 2-point
line), BN training at larger rates, and BN's advantage coming from those rates (seed by seed)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from bnviz.experiments.lr_depth import RATES, STEPS
from bnviz.views import by_seed, compare, rate_grid
from bnviz.views.by_seed import BySeed
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import BEYOND, WITHIN, listing, pct, points, spread
from bnviz.views.verdicts import Verdict

NORMS = ("none", "bnviz")
CLOSE = 0.02  # "about equally well": mean final accuracies within 2 points
TRAINED_TO_THE_END = (
    "Bjorck et al. compare networks trained to the end (ResNet-110 on CIFAR-10: Bjorck et al. 2018, Section 2, Figure 1); these "
    f"runs stop after {STEPS:,} steps, so they measure how far each network gets in a fixed budget, its optimization "
    "speed, not where it would end"
)


@dataclass(frozen=True)
class LrDepthFindings(Findings):
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per run (rate_grid.run_table)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per (norm, lr)
    small: tuple[Verdict, ...] = ()  # one per small rate: within 2 points?


def _at(c: pd.DataFrame, norm: str) -> pd.DataFrame:
    return c[c["norm"] == norm].set_index("lr").sort_index()


def _acc(row: pd.Series) -> str:
    if row["diverged"] == row["seeds"]:
        return "diverged"
    return spread(row["mean"], row["lo"], row["hi"], int(row["seeds"] - row["diverged"]))


def _apart(a: pd.Series, b: pd.Series) -> str:
    clear = a["seeds"] > 1 and b["seeds"] > 1 and (a["lo"] > b["hi"] or a["hi"] < b["lo"])
    return BEYOND if clear else WITHIN


def rate_verdict(lr: float, bn: pd.Series, plain: pd.Series) -> Verdict:
    gap = float(bn["mean"] - plain["mean"])
    close = abs(gap) <= CLOSE
    rising = f"; BN still rising by {points(bn['rising'])} over its last 500 steps" if bn["rising"] > 0.005 else ""
    return Verdict(
        f"At lr {lr:g} the networks with and without BN end within {100 * CLOSE:.0f} points of each other",
        "supports" if close else "contradicts",
        f"BN {_acc(bn)}, no BN {_acc(plain)}: {points(gap)}, {_apart(bn, plain)}{rising}",
        margin=100 * (CLOSE - abs(gap)),
        scale=100 * CLOSE,
        unit=" points",
    )


def small_rates(c: pd.DataFrame) -> tuple[float, list[float]]:
    """No BN's best rate, and the rates up to it that both arms ran."""
    plain, bn = _at(c, "none"), _at(c, "bnviz")
    best = float(plain["mean"].fillna(0).idxmax())
    return best, [float(lr) for lr in plain.index if lr <= best and lr in bn.index]


def small_verdict(c: pd.DataFrame, each: list[Verdict], best: float) -> Verdict:
    """The claim over all small rates; its margin is the failing rate farthest past the line (or the closest pass)."""
    failing = [v for v in each if v.outcome == "contradicts"]
    edges = [v.claim.split("lr ")[1].split(" ")[0] for v in each if v.knife_edge]
    held = len(each) - len(failing)
    decider = min(failing, key=lambda v: v.margin) if failing else min(each, key=lambda v: v.margin)
    evidence = f"within {100 * CLOSE:.0f} points at {held} of {len(each)} rates"
    if failing:
        evidence += "; not at lr " + listing(v.claim.split("lr ")[1].split(" ")[0] for v in failing)
    if edges:
        evidence += f"; at lr {listing(edges)} the gap is within 5% of the line, so that count is a knife edge"
    return Verdict(
        f"At small learning rates (up to no BN's best, lr {best:g}) the networks with and without BN train about "
        f"equally well: within {100 * CLOSE:.0f} points at every one",
        "supports" if not failing else "contradicts",
        evidence,
        margin=decider.margin,
        scale=decider.scale,
        unit=" points",
    )


def larger_verdict(c: pd.DataFrame) -> Verdict:
    plain, bn = (rate_grid.stable_rates(_at(c, n).reset_index()) for n in NORMS)
    larger = bool(bn) and (not plain or bn[-1] > plain[-1])
    return Verdict(
        "BN lets the network train at larger rates: it learns (every seed at 90% or more, none diverged) at a larger "
        "rate than the largest at which the network without BN does",
        "supports" if larger else "contradicts",
        f"every seed learns with BN at {rate_grid.range_text(bn, list(RATES))}, without BN at "
        f"{rate_grid.range_text(plain, list(RATES))}",
    )


def fates_note(c: pd.DataFrame) -> Verdict:
    said = []
    for norm in NORMS:
        d = _at(c, norm)
        bad = [f"lr {lr:g}: {row['outcomes']}" for lr, row in d.iterrows() if not row["trains"]]
        if bad:
            said.append(f"{compare.norm_name(norm)} {'; '.join(bad)}")
    return Verdict(
        "Where a network did not learn, how: "
        + (" | ".join(said) if said else "everywhere it learned")
        + f" (partly: {rate_grid.FAILS:.0%} to {rate_grid.LEARNS:.0%} after {STEPS:,} steps; stalled: below "
        f"{rate_grid.FAILS:.0%} with a loss near chance; exploded: a finite training loss above "
        f"{rate_grid.EXPLODED:g} × ln 10)"
    )


def source_verdict(c: pd.DataFrame, runs: pd.DataFrame, best_plain: float) -> Verdict | None:
    """Seed by seed: does BN's best rate add more to BN's own result at no BN's best rate than BN leads by there?"""
    bn, plain = _at(c, "bnviz"), _at(c, "none")
    best_bn = float(bn["mean"].fillna(0).idxmax())
    if best_plain not in bn.index:
        return None

    def acc(norm, lr):
        d = runs[(runs["norm"] == norm) & (runs["lr"].round(6) == round(lr, 6))]
        return {int(s): float(a) for s, a in zip(d["seed"], d["final_test_acc"])}

    same = {s: a - acc("none", best_plain).get(s, math.nan) for s, a in acc("bnviz", best_plain).items()}
    extra = {s: acc("bnviz", best_bn).get(s, math.nan) - a for s, a in acc("bnviz", best_plain).items()}
    v = by_seed.verdict(
        "BN's advantage comes from the larger rates it tolerates: its best rate adds more to its own result at no BN's "
        "best rate than it leads no BN by there",
        BySeed(same, extra),
        points,
        ("BN's lead at the same rate", "gained at BN's best rate"),
        ("more from the larger rate", "more at the same rate"),
        unit=" points",
    )
    context = (
        f"no BN's best is lr {best_plain:g} ({pct(plain.at[best_plain, 'mean'])}), BN's lr {best_bn:g} "
        f"({pct(bn.at[best_bn, 'mean'])}); "
    )
    margin = 100 * v.margin if v.margin is not None else None
    scale = 100 * v.scale if v.scale is not None else None
    return Verdict(v.claim, v.outcome, context + v.evidence, margin, scale, v.unit)


def findings(result: dict) -> LrDepthFindings:
    base = common(result)
    runs = rate_grid.run_table(result).assign(lr=lambda d: d["lr"].astype(float).round(6))
    c = rate_grid.cells(runs, ["norm", "lr"])
    checks = compare.synthetic_caveat(base["synthetic"])
    if not set(NORMS) <= set(c["norm"]):
        checks.append(Verdict("This result lacks runs with and without BN: nothing to compare"))
        return LrDepthFindings(**base, verdicts=tuple(checks), meaning=meaning([], None), runs=runs, cells=c)
    best, small = small_rates(c)
    each = [rate_verdict(lr, _at(c, "bnviz").loc[lr], _at(c, "none").loc[lr]) for lr in small]
    head = [small_verdict(c, each, best), larger_verdict(c)]
    source = source_verdict(c, runs, best)
    head += [source] if source else []
    notes = [fates_note(c), Verdict(TRAINED_TO_THE_END)]
    return LrDepthFindings(
        **base,
        verdicts=tuple(checks + head + each + notes),
        meaning=meaning(head, c),
        numbers={"cells": rate_grid.json_ready(cell_table(c)).to_dict(orient="records")},
        tables={"Final test accuracy per rate": rate_grid.json_ready(cell_table(c))},
        runs=runs,
        cells=c,
        small=tuple(each),
    )


def cell_table(c: pd.DataFrame) -> pd.DataFrame:
    """One row per arm and rate, with the column names a reader sees."""
    d = c.assign(arm=c["norm"].map(compare.norm_name), rising=100 * c["rising"])
    d = d.rename(
        columns={
            "lr": "learning rate",
            "mean": "mean final acc.",
            "lo": "lowest seed",
            "hi": "highest seed",
            "diverged": "seeds diverged",
            "rising": "rise over the last 500 steps (points)",
            "trains": "every seed learns",
        }
    )
    d["every seed learns"] = d["every seed learns"].map({True: "yes", False: "no"})
    cols = ["arm", "learning rate", "mean final acc.", "lowest seed", "highest seed", "seeds", "seeds diverged"]
    return d[[*cols, "outcomes", "every seed learns", "rise over the last 500 steps (points)"]]


def meaning(head: list[Verdict], c: pd.DataFrame | None) -> str:
    if len(head) < 2 or c is None:
        return "This result lacks runs with and without BN; it says nothing about Bjorck et al.'s claim."
    small, larger = head[0], head[1]
    source = head[2] if len(head) > 2 else None
    parts = []
    if small.outcome == "supports":
        parts.append("At the small rates the two networks ended within 2 points of each other, as Bjorck et al. report")
    else:
        parts.append(
            "Unlike Bjorck et al.'s report, the two networks were not within 2 points at every small rate "
            f"({small.evidence})"
        )
    if larger.outcome != "supports":
        parts.append(f"BN did not train at larger rates than the network without BN here ({larger.evidence})")
    else:
        parts.append(f"BN trained at larger rates: {larger.evidence}")
        if source is not None and source.outcome == "supports":
            parts.append("and in every seed most of its advantage came from those larger rates, as Bjorck et al. find")
        elif source is not None and source.outcome == "contradicts":
            parts.append(
                "but in every seed its advantage did not come from those larger rates: it was already ahead at no BN's "
                "best rate, and its best rate added less"
            )
        elif source is not None:
            parts.append("whether its advantage came from those larger rates depends on the seed")
    return "; ".join(parts) + f". All after {STEPS:,} steps: an optimization speed, not fully trained networks."
