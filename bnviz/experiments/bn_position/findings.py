"""Where BN goes: each placement over the learning-rate grid, best rate against best rate and the rates where each
trains at all, and the redundant bias seed by seed (both arms start from the same weights). Pandas only."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bnviz.experiments.bn_position import LRS
from bnviz.experiments.bn_position.rates import (
    FAILED,
    at,
    best_cells,
    best_of,
    curves_at,
    failing,
    name,
    rate_cells,
    run_table,
    stable,
)
from bnviz.views import compare, grid
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import pct, points, stable_range
from bnviz.views.phrases import rates as rates_text
from bnviz.views.verdicts import Verdict

PLACEMENTS = ("before", "after")
BIAS_LR = 0.3  # the rate the redundant bias is tried at
# ducha-aiki/caffenet-benchmark, batchnorm.md at commit 2ba16e3 (ImageNet, images at 128 px): top-1 accuracy
CAFFENET_SOURCE = (
    "[ducha-aiki/caffenet-benchmark, batchnorm.md](https://github.com/ducha-aiki/caffenet-benchmark/blob/"
    "2ba16e3ffd04db6d2e1d44f0d15a93e6b246333d/batchnorm.md)"
)
CAFFENET = (
    f"The CaffeNet benchmark ({CAFFENET_SOURCE}: CaffeNet on ImageNet at 128 px) found BN after ReLU ahead of BN "
    "before it with the learned scale and bias, 49.3% against 47.8% top-1 (49.9% against 47.4% without them), while "
    "its GoogLeNet rows favour BN before (60.3% and 60.7% against 59.6% and 58.4%, two initializations): a mixed "
    "picture, from one run each"
)


@dataclass(frozen=True)
class PositionFindings(Findings):
    runs: pd.DataFrame = None  # one row per run: activation, kind, lr, seed, final test accuracy, outcome
    rates: pd.DataFrame = None  # one row per (activation, kind, lr): mean, lo, hi, seeds, how many trained, outcome
    best: pd.DataFrame = None  # one row per (activation, kind): its best rate's cell, and where it trains at all
    bias: pd.DataFrame = None  # one row per (activation, seed): BN before g without and with the redundant bias
    paper_rate: pd.DataFrame = None  # test accuracy over training of every placement at the bias's rate
    placement: tuple[Verdict, ...] = ()
    stability: tuple[Verdict, ...] = ()
    redundant: tuple[Verdict, ...] = ()


def placement_verdicts(best: pd.DataFrame, g: str) -> list[Verdict]:
    before, after, none = (best_of(best, g, k) for k in ("before", "after", "none"))
    out = []
    if before is not None and after is not None:
        outcome, margin = grid.above(after, before)
        out.append(
            Verdict(
                f"BN after the {g} ends above BN before it, each at its best learning rate",
                outcome,
                f"after: {at(after)}; before: {at(before)}; {points(after['mean'] - before['mean'])} for after, "
                f"{grid.versus(after, before)}",
                **margin,
            )
        )
    bns = [c for c in (before, after) if c is not None]
    if bns and none is not None:
        top = max(bns, key=lambda c: c["mean"])
        outcome, margin = grid.above(top, none)
        out.append(
            Verdict(
                f"With BN the {g} network ends above the one without, each at its best placement and rate",
                outcome,
                f"{name(g, top['kind'])}: {at(top)}; no BN: {at(none)}; {points(top['mean'] - none['mean'])}",
                **margin,
            )
        )
    return out


def rate_verdicts(rates: pd.DataFrame, g: str) -> list[Verdict]:
    """The paper's argument (Section 3.3): BN before g trains at learning rates where BN after it, or no BN, does not."""
    d = rates[rates["activation"] == g].set_index(["kind", "lr"])["outcome"]
    if not {"before", "after"} <= set(d.index.get_level_values("kind")):
        return []
    trains = {k: set(stable(rates, g, k)) for k in ("none", *PLACEMENTS)}
    fails = {k: {lr for lr in LRS if (k, lr) in d.index and d[(k, lr)] in FAILED} for k in trains}
    forward = sorted(trains["before"] & fails["after"])
    partial = sorted(lr for lr in trains["before"] - trains["after"] - fails["after"] if ("after", lr) in d.index)
    reverse = sorted(trains["after"] & fails["before"])
    if forward and not reverse:
        outcome = "supports"
    elif (forward and reverse) or partial:
        outcome = "within_noise"
    else:
        outcome = "contradicts"
    evidence = (
        f"BN before trains (every seed) at {stable_range(LRS, trains['before'])}, BN after at "
        f"{stable_range(LRS, trains['after'])}"
    )
    for k in PLACEMENTS:
        if odd := sorted(set(LRS) - trains[k]):
            evidence += f"; BN {k} the {g} at {failing(rates, g, k, odd)}"
    out = [
        Verdict(
            f"BN before the {g} trains at learning rates where BN after it does not (the paper argues from the "
            "higher rates BN permits, Section 3.3)",
            outcome,
            evidence,
        )
    ]
    if trains["none"] | fails["none"]:
        top = {k: max(trains[k], default=0.0) for k in ("none", "before")}
        out.append(
            Verdict(
                f"With BN before the {g} the network trains at higher learning rates than without BN (Section 3.3)",
                "supports" if top["before"] > top["none"] else "contradicts",
                f"no BN trains (every seed) at {stable_range(LRS, trains['none'])}"
                + (f"; at {failing(rates, g, 'none', sorted(set(LRS) - trains['none']))}" if fails["none"] else ""),
            )
        )
    return out


def bias_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (activation, seed) at the bias's rate: BN before g without and with the redundant bias, and the difference."""
    d = runs[runs["kind"].isin(["before", "before+bias"]) & (runs["lr"] == BIAS_LR)]
    w = d.pivot_table(index=["activation", "seed"], columns="kind", values="final_test_acc", aggfunc="first")
    w = w.dropna().reset_index() if {"before", "before+bias"} <= set(w.columns) else pd.DataFrame()
    if w.empty:
        return pd.DataFrame(columns=["activation", "seed", "without", "with", "difference"])
    order = {g: i for i, g in enumerate(dict.fromkeys(d["activation"]))}  # the arms' order, not alphabetical
    w = w.sort_values(["activation", "seed"], key=lambda s: s.map(order) if s.name == "activation" else s)
    w = w.rename(columns={"before": "without", "before+bias": "with"})
    return w.assign(difference=w["with"] - w["without"])[["activation", "seed", "without", "with", "difference"]]


def bias_verdicts(bias: pd.DataFrame, rates: pd.DataFrame) -> list[Verdict]:
    """Section 3.2: the bias before BN is cancelled, so adding it changes nothing. Seed by seed, against the seeds'
    own spread: both arms of a seed start from the same weights and see the same batches."""
    out = []
    for g, d in bias.groupby("activation", sort=False):
        plain = grid.cell(rates, activation=g, kind="before", lr=BIAS_LR)
        spread = float(100 * (plain["hi"] - plain["lo"]))
        worst = float(100 * d["difference"].abs().max())
        same_sign = bool((d["difference"] > 0).all() or (d["difference"] < 0).all())
        if worst < spread:
            outcome = "supports"
        elif same_sign and 100 * d["difference"].abs().min() > spread:
            outcome = "contradicts"
        else:
            outcome = "within_noise"
        each = ", ".join(f"seed {s}: {100 * x:+.2f}" for s, x in zip(d["seed"], d["difference"]))
        out.append(
            Verdict(
                f"With {g} units the bias before BN changes nothing (Section 3.2: BN subtracts the mean, so the bias "
                "is cancelled and its gradient is zero)",
                outcome,
                f"with minus without the bias, seed by seed, at lr {BIAS_LR:g} from the same initial weights: {each} "
                f"points; the {len(d)} seeds of the paper's arm span {spread:.2f} points",
                margin=spread - worst,
                scale=spread,
                unit=" points",
            )
        )
    return out


def findings(result: dict) -> PositionFindings:
    base = common(result)
    runs = run_table(result)
    rates = rate_cells(runs)
    best = best_cells(rates)
    bias = bias_table(runs)
    activations = list(dict.fromkeys(runs["activation"]))
    placement = {g: placement_verdicts(best, g) for g in activations}
    stability = {g: rate_verdicts(rates, g) for g in activations}
    redundant = dict(zip(dict.fromkeys(bias["activation"]), bias_verdicts(bias, rates)))
    context = [Verdict(CAFFENET)] if "relu" in activations else []
    flat = [v for g in activations for v in placement[g]], [v for g in activations for v in stability[g]]
    checks = compare.synthetic_caveat(base["synthetic"]) + flat[0] + flat[1] + list(redundant.values()) + context
    return PositionFindings(
        **base,
        verdicts=tuple(checks),
        meaning=meaning(best, rates, placement, stability, redundant),
        numbers=numbers(best, bias),
        tables=tables(rates, best, bias),
        runs=runs,
        rates=rates,
        best=best,
        bias=bias,
        paper_rate=curves_at(result, BIAS_LR),
        placement=tuple(flat[0] + context),
        stability=tuple(flat[1]),
        redundant=tuple(redundant.values()),
    )


def meaning(best, rates, placement: dict, stability: dict, redundant: dict) -> str:
    """What the verdicts support, per activation, and nothing more."""
    parts = []
    for g, checks in placement.items():
        before, after = best_of(best, g, "before"), best_of(best, g, "after")
        if before is None or after is None or not checks:
            continue
        ahead = checks[0]
        if ahead.outcome == "supports":
            text = f"with {g} units BN after the {g} ended ahead at its best rate, {at(after)} against {at(before)}"
        elif ahead.outcome == "contradicts":
            text = f"with {g} units BN before the {g} ended ahead at its best rate, {at(before)} against {at(after)}"
        else:
            text = f"with {g} units the placements ended level at their best rates, {at(before)} and {at(after)}"
        wider = (stability.get(g) or [None])[0]
        only = sorted(set(stable(rates, g, "before")) - set(stable(rates, g, "after")))
        if wider is not None and wider.outcome == "supports":
            text += f", but only BN before the {g} also trained at {rates_text(only)}, where BN after it failed"
        parts.append(text)
    held = [g for g, v in redundant.items() if v.outcome == "supports"]
    if held:
        parts.append(
            f"the bias before BN can go (with {' and '.join(held)} units it changed the result less than the seeds do)"
        )
    parts += [
        f"with {g} units the bias before BN changed the result by more than the seeds do"
        for g, v in redundant.items()
        if v.outcome == "contradicts"
    ]
    if not parts:
        return "These runs hold no comparison of placements; nothing to recommend."
    text = "; ".join(parts)
    return (
        text[0].upper()
        + text[1:]
        + ". Tune the learning rate for the placement you pick before you compare placements. Measured on an MNIST "
        f"MLP, {int(rates['runs'].min())} seeds a cell; differences within the seed spread are not findings."
    )


def numbers(best: pd.DataFrame, bias: pd.DataFrame) -> dict:
    out = {}
    for (g, k), c in best.set_index(["activation", "kind"]).iterrows():
        out.setdefault("best_rate", {}).setdefault(g, {})[name(g, k)] = {
            "lr": c["lr"],
            "mean": round(c["mean"], 6),
            "lowest_seed": round(c["lo"], 6),
            "highest_seed": round(c["hi"], 6),
            "trains_at": c["trains_at"],
        }
    for g, d in bias.groupby("activation", sort=False):
        out.setdefault("bias_minus_no_bias_by_seed", {})[g] = {
            int(s): round(x, 6) for s, x in zip(d["seed"], d["difference"])
        }
    return out


def tables(rates: pd.DataFrame, best: pd.DataFrame, bias: pd.DataFrame) -> dict[str, pd.DataFrame]:
    shown = {}
    by_rate = pd.DataFrame(
        {"placement": list(dict.fromkeys(f"{g}: {n}" for g, n in zip(rates["activation"], rates["name"])))}
    )
    for lr in LRS:
        col = []
        for row in by_rate["placement"]:
            g, n = row.split(": ", 1)
            c = grid.cell(rates, activation=g, name=n, lr=lr)
            col.append("—" if c is None else grid.compact(c) if c["outcome"] == "trains" else c["outcome"])
        by_rate[f"lr {lr:g}"] = col
    shown["Final test accuracy by learning rate (%; brackets: lowest to highest seed, in points)"] = by_rate
    shown["Best rate against best rate"] = pd.DataFrame(
        {
            "placement": [f"{g}: {name(g, k)}" for g, k in zip(best["activation"], best["kind"])],
            "best learning rate": [f"{lr:g}" for lr in best["lr"]],
            "final test accuracy, mean (lowest–highest seed)": [grid.spread(c) for _, c in best.iterrows()],
            "trains (every seed) at": best["trains_at"],
        }
    )
    shown["The redundant bias, seed by seed"] = pd.DataFrame(
        {
            "activation": bias["activation"],
            "seed": bias["seed"],
            "without the bias": [pct(x) for x in bias["without"]],
            "with the bias": [pct(x) for x in bias["with"]],
            "with minus without": [points(x) for x in bias["difference"]],
        }
    )
    return shown
