"""Section 3.3's two claims on the sweep: BN permits higher learning rates, and it makes training
insensitive to the scale of the weights. A run's outcome (trains, slow, stuck at chance, exploded,
diverged) is read from its own records by :func:`bnviz.views.records.run_outcome`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bnviz.views import records
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import listing, pct, plural, steps_text
from bnviz.views.verdicts import Verdict

HIGH_FROM = 10.0  # "higher rates": 10x the stable (smallest) rate and above
FAILED = ("diverged", "exploded", "stuck at chance")
SECTION_3_3 = (
    "**Why BN should tolerate larger steps (Section 3.3).** BN makes a layer's output invariant to the scale "
    "of its weights: BN(Wu) = BN((aW)u) for any a > 0, so a step that grows the weights does not blow up the "
    "layer's output, and the gradient with respect to aW is 1/a times the gradient with respect to W: larger "
    "weights receive smaller gradients, which the paper argues stabilizes their growth. The same invariance "
    "means BN cannot undo a large init quickly: large weights train more slowly."
)


@dataclass(frozen=True)
class Sweep(Findings):
    table: pd.DataFrame | None = None  # one row per run: norm, lr, init std, seed, outcome, final accuracy and loss
    cells: pd.DataFrame | None = None  # one row per (norm, lr, init std) over its seeds
    rates: tuple[Verdict, ...] = ()  # claim 1, higher rates, and what each high rate shows
    init: tuple[Verdict, ...] = ()  # claim 2, init scale


def sweep_table(result: dict) -> pd.DataFrame:
    """One row per run, learning rates rounded (3 x 0.3 is 0.8999999999999999 in floating point)."""
    return records.sweep_table(result).assign(lr=lambda d: d["lr"].round(6))


def cells_of(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (norm, lr, init std): mean, lowest and highest final accuracy (a diverged run counts as 0),
    median steps to 90%, the outcome ("mixed (k/n train)" when the seeds disagree), and every seed's outcome."""

    def outcome(s: pd.Series) -> str:
        return s.iloc[0] if s.nunique() == 1 else f"mixed ({int((s == 'trains').sum())}/{len(s)} train)"

    d = table.assign(
        acc=pd.to_numeric(table["final_test_acc"], errors="coerce").fillna(0.0),
        steps_to_90=pd.to_numeric(table["steps_to_90"], errors="coerce"),
        loss=pd.to_numeric(table["final_train_loss"], errors="coerce"),
    )
    g = d.groupby(["norm", "BN", "lr", "init_std"])
    return pd.DataFrame(
        {
            "acc": g["acc"].mean(),
            "acc_min": g["acc"].min(),
            "acc_max": g["acc"].max(),
            "seeds": g["acc"].size(),
            "steps_to_90": g["steps_to_90"].median(),
            "loss_min": g["loss"].min(),
            "loss_max": g["loss"].max(),
            "outcome": g["outcome"].agg(outcome),
            "outcomes": g["outcome"].agg(tuple),
        }
    ).reset_index()


def _ratio(lr: float, stable: float) -> str:
    return f"{round(lr / stable, 1):g}x"


def _how_it_failed(cell: pd.Series) -> str:
    """``exploded in 3 of 3 seeds (training loss 55.5–80.0 nats; chance 2.30)``."""
    parts = []
    for o in FAILED:
        n = sum(x == o for x in cell["outcomes"])
        if n:
            part = f"{o} in {n} of {cell['seeds']} seeds"
            if o == "exploded":
                part += (
                    f" (final training loss {cell['loss_min']:.1f}–{cell['loss_max']:.1f} nats; "
                    f"chance is {records.CHANCE_LOSS:.2f})"
                )
            parts.append(part)
    return ", ".join(parts)


def rate_verdicts(cells: pd.DataFrame) -> list[Verdict]:
    """Claim 1: at :data:`HIGH_FROM` times the stable rate and above, BN trains where the plain network fails."""
    stable = cells["lr"].min()
    high = sorted(lr for lr in cells["lr"].unique() if lr >= HIGH_FROM * stable * 0.999)
    claim = "BN permits higher learning rates (Section 3.3): where the network without BN fails, BN trains"
    if not high:
        return [Verdict(f"{claim}. This sweep has no rate at {HIGH_FROM:g}x the stable rate or more to test it")]
    notes, rescued, lost, unclear, failed = [], [], [], [], 0
    for lr in high:
        at = cells[cells["lr"] == lr].set_index(["BN", "init_std"])
        stds = sorted(at.index.get_level_values("init_std").unique())
        all_train = {
            bn: [s for s in stds if (bn, s) in at.index and at.loc[(bn, s), "outcome"] == "trains"]
            for bn in (True, False)
        }
        all_fail = {
            bn: [s for s in stds if (bn, s) in at.index and all(o in FAILED for o in at.loc[(bn, s), "outcomes"])]
            for bn in (True, False)
        }
        for s in stds:
            if s in all_train[True] and s in all_fail[False]:
                rescued.append((lr, s))
            elif s in all_train[False] and s in all_fail[True]:
                lost.append((lr, s))
            elif any((bn, s) in at.index and at.loc[(bn, s), "outcome"].startswith("mixed") for bn in (True, False)):
                unclear.append((lr, s))
        failed += len(all_fail[False])
        fails = "; ".join(
            f"std {s:g}: {_how_it_failed(at.loc[(False, s)])}"
            for s in stds
            if (False, s) in at.index and any(o in FAILED for o in at.loc[(False, s), "outcomes"])
        )
        notes.append(
            Verdict(
                f"At {_ratio(lr, stable)} the stable rate (lr {lr:g}), BN trains at {len(all_train[True])} of "
                f"{len(stds)} init scales in every seed, the network without BN at {len(all_train[False])} of {len(stds)}",
                evidence=f"Without BN: {fails}" if fails else "",
            )
        )
    cells_text = lambda cs: listing(f"lr {lr:g}, std {s:g}" for lr, s in cs)  # noqa: E731
    evidence = (
        f"{plural(len(rescued), 'cell')} at {HIGH_FROM:g}x the stable rate or more where BN trains in every seed and "
        f"the network without BN fails in every seed"
        + (f" ({cells_text(rescued)})" if rescued else "")
        + f"; {plural(len(lost), 'cell')} the other way round"
        + (f"; {plural(len(unclear), 'cell')} where the seeds disagree ({cells_text(unclear)})" if unclear else "")
    )
    if rescued and not lost:
        outcome = "supports"
    elif lost and not rescued:
        outcome = "contradicts"
    elif rescued or lost or unclear:
        outcome = "within_noise"
    else:
        return [Verdict(f"{claim}. It cannot be tested here: without BN no high-rate cell fails"), *notes]
    return [Verdict(claim, outcome, evidence), *notes]


def failure_notes(table: pd.DataFrame) -> list[Verdict]:
    """Which runs diverged, exploded or stayed at chance: context for claim 1."""
    out = []
    for o in FAILED:
        runs = table[table["outcome"] == o]
        if runs.empty:
            continue
        groups = runs.groupby(["BN", "lr", "init_std"]).size()
        where = listing(
            f"{'BN' if bn else 'no BN'} at lr {lr:g}, std {std:g} ({plural(int(n), 'seed')})"
            for (bn, lr, std), n in groups.items()
        )
        what = {
            "diverged": "its loss became infinite or NaN",
            "exploded": f"its training loss stayed far above chance (above {records.EXPLODED_LOSS:.1f} nats over the "
            f"run's last fifth; chance is ln 10 = {records.CHANCE_LOSS:.2f}): divergence, bounded only because "
            "saturated sigmoids keep the logits finite",
            "stuck at chance": f"it ended below {records.STUCK_ACCURACY:.0%} accuracy without its loss exploding: a plateau",
        }[o]
        out.append(
            Verdict(f"{plural(len(runs), 'run')} of {len(table)} {o}: {where}", evidence=f"{o.capitalize()}: {what}")
        )
    return out


def init_verdicts(cells: pd.DataFrame) -> list[Verdict]:
    """Claim 2: at the stable rate, BN's final accuracy depends less on the init std than no BN's."""
    stable = cells["lr"].min()
    at = cells[cells["lr"] == stable]
    spans, notes = {}, []
    for bn, name in ((False, "No BN"), (True, "BN")):
        d = at[at["BN"] == bn].sort_values("init_std")
        if d.empty:
            continue
        spans[bn] = d["acc"].max() - d["acc"].min()
        finals = " / ".join(pct(v) for v in d["acc"])
        reach = " / ".join("never" if pd.isna(v) else steps_text(v) for v in d["steps_to_90"])
        stds = " / ".join(f"{s:g}" for s in d["init_std"])
        notes.append(
            Verdict(f"{name} at lr {stable:g}, init std {stds}: final accuracy {finals}; steps to 90% {reach}")
        )
    claim = "BN makes training insensitive to the scale of the weights (Section 3.3)"
    if len(spans) < 2:
        return [Verdict(f"{claim}: this result lacks an arm to compare"), *notes]
    noise = float((at["acc_max"] - at["acc_min"]).max())  # the widest seed spread among these cells
    margin = spans[False] - spans[True]
    evidence = (
        f"at lr {stable:g}, BN's mean final accuracy spans {100 * spans[True]:.2f} points across init scales, "
        f"no BN's {100 * spans[False]:.2f}; the widest seed spread of a cell is {100 * noise:.2f} points"
    )
    outcome = "within_noise" if abs(margin) <= noise else ("supports" if margin > 0 else "contradicts")
    verdict = Verdict(claim, outcome, evidence, margin=100 * margin, scale=100 * spans[False], unit=" points")
    return [verdict, *notes]


def seeds_caption(table: pd.DataFrame, cells: pd.DataFrame) -> str:
    seeds = sorted(table["seed"].unique())
    if len(seeds) == 1:
        return f"One seed per cell ({seeds[0]}): a single cell is one run."
    widest = cells.assign(gap=cells["acc_max"] - cells["acc_min"]).sort_values("gap").iloc[-1]
    return (
        f"Each cell is the mean of {len(seeds)} seeds ({', '.join(map(str, seeds))}); hover for the lowest and "
        f"highest seed. The widest spread between seeds is {100 * widest['gap']:.1f} points "
        f"({'BN' if widest['BN'] else 'no BN'}, lr {widest['lr']:g}, std {widest['init_std']:g})."
    )


def meaning(rates: list[Verdict], init: list[Verdict]) -> str:
    said = {
        "supports": "our runs support it",
        "contradicts": "our runs contradict it",
        "within_noise": "our seeds disagree",
        "context": "it cannot be tested here",
    }
    return f"Higher learning rates: {said[rates[0].outcome]}. Insensitivity to the init scale: {said[init[0].outcome]}."


def findings(result: dict) -> Sweep:
    base = common(result)
    table = sweep_table(result)
    cells = cells_of(table)
    rates = rate_verdicts(cells) + failure_notes(table)
    init = init_verdicts(cells)
    shown = cells.assign(arm=["BN" if bn else "no BN" for bn in cells["BN"]], final=[pct(a) for a in cells["acc"]])[
        ["arm", "lr", "init_std", "final", "outcome"]
    ].rename(
        columns={"arm": "network", "lr": "learning rate", "init_std": "init std", "final": "mean final test accuracy"}
    )
    return Sweep(
        **base,
        verdicts=tuple(rates + init),
        meaning=meaning(rates, init),
        numbers={"outcomes": {o: int((table["outcome"] == o).sum()) for o in records.OUTCOMES}},
        tables={"Every cell": shown},
        table=table,
        cells=cells,
        rates=tuple(rates),
        init=tuple(init),
    )
