"""Batch size: where BN falls behind the best normalization in the MLP and in the CNN, which alternatives keep
up, Wu & He's and Ioffe's claims where they compare like for like, and what BN computes over two examples."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from bnviz.experiments.batch_size import MODEL_NAMES, NORM_KINDS
from bnviz.experiments.batch_size.cells import (
    at,
    behind,
    best,
    final_losses,
    lost_sizes,
    models,
    pair_shares,
    renorm_reached,
    size_table,
    sizes,
    two_examples,
    wide,
)
from bnviz.experiments.batch_size.literature import ghost_verdicts, renorm_verdicts, wu_he_verdicts
from bnviz.norms import GHOST_BATCH
from bnviz.views import compare, grid, records
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import listing
from bnviz.views.verdicts import Verdict

ALTERNATIVES = ("none", "layer", "group", "renorm", "ghost")  # what the literature offers, and no normalization


@dataclass(frozen=True)
class BatchFindings(Findings):
    cells: pd.DataFrame = None  # one row per (model, norm, batch size): mean, lowest and highest seed
    lost: dict = None  # model -> the batch sizes where BN is behind the best arm beyond the seed spread
    pair: pd.DataFrame = None  # BN's step on two examples, unit by unit (computed, bnviz's BatchNorm1d)
    shares: dict = None  # with ε = 0, the share of x̂ exactly ±1 over a batch of two: "mlp", "mnist-cnn"
    renorm: pd.DataFrame = None  # the bounds each Batch Renorm run reached
    by_model: dict = None  # model -> its verdicts (BN falls behind, alternatives, literature)
    others: tuple[Verdict, ...] = ()  # Batch Renorm's recovery and bounds, Ghost BN


def name(model: str) -> str:
    return MODEL_NAMES.get(model, model)


def bn_verdict(table: pd.DataFrame, model: str, lost: list[int]) -> Verdict:
    """The common claim: BN falls behind at small batches. Decided at the smallest batch, against the best arm."""
    claim = f"In the {name(model)}, BN falls behind the best normalization at small batches (Wu & He 2018, Ioffe 2017)"
    small = sizes(table, model)[0]
    bn, top = at(table, model, "bnviz", small), best(table, model, small)
    if bn is None or top is None:
        return Verdict(claim + ": this result has no BN runs to compare")
    where = (
        f"behind the best arm {grid.BEYOND} at batch {listing(map(str, lost))}; "
        + "; ".join(
            f"batch {s}: BN {grid.spread(at(table, model, 'bnviz', s))}, best {best(table, model, s)['arm']} {grid.spread(best(table, model, s))}"
            for s in lost
        )
        if lost
        else f"BN's best seed reaches the best arm's worst at every batch from {small} to {sizes(table, model)[-1]}"
    )
    if top["norm"] == "bnviz":
        return Verdict(claim, "contradicts", f"BN is the best arm at batch {small}: {grid.spread(bn)}")
    outcome, margin = grid.above(top, bn)
    return Verdict(claim, outcome, where, **margin)


def alternative_verdicts(table: pd.DataFrame, model: str, lost: list[int]) -> list[Verdict]:
    """At the sizes where BN falls behind: which alternatives keep level with the best arm."""
    out = []
    for norm in (n for n in ALTERNATIVES if n in NORM_KINDS.get(model, ())):
        measured = [s for s in lost if at(table, model, norm, s) is not None]
        if not measured:
            continue
        if norm == "ghost":
            if all(s <= GHOST_BATCH for s in measured):
                continue  # at or below its virtual batch it is BN: said by the Ghost BN notes
            measured = [s for s in measured if s > GHOST_BATCH]
        claim = f"In the {name(model)}, {compare.norm_name(norm)} keeps level with the best arm where BN falls behind"
        checks = [grid.level(at(table, model, norm, s), best(table, model, s)) for s in measured]
        fails = [s for s, (o, _) in zip(measured, checks) if o == "contradicts"]
        values = "; ".join(f"batch {s}: {grid.spread(at(table, model, norm, s))}" for s in measured)
        margin = min(checks, key=lambda c: c[1].get("margin", math.inf))[1]
        evidence = values + (
            f"; behind the best arm {grid.BEYOND} at batch {listing(map(str, fails))}" if fails else ""
        )
        out.append(Verdict(claim, "contradicts" if fails else "supports", evidence, **margin))
    return out


def pair_verdict(result: dict, table: pd.DataFrame, shares: dict) -> list[Verdict]:
    """The MLP's batch 2 is not Wu & He's: BN over two examples gives x̂ = ±1, and that network never trains."""
    if "mlp" not in models(table) or 2 not in sizes(table, "mlp"):
        return []
    losses = final_losses(result, "mlp", "bnviz", 2)
    trained = f"its training loss ends at {min(losses):.2f}–{max(losses):.2f} nats (chance: ln 10 = {records.CHANCE_LOSS:.2f})"
    return (
        [
            Verdict(
                f"The MLP's batch 2 is not Wu & He's: BN over two examples outputs x̂ = ±1 for every unit ({shares['mlp']:.0%} "
                f"of a 100-unit layer's outputs with ε = 0, against {shares['mnist-cnn']:.1%} of a conv map's over 2·28·28 "
                f"values), so the next layer sees only which of the two examples is larger; {trained}"
            )
        ]
        if losses
        else []
    )


def findings(result: dict) -> BatchFindings:
    base = common(result, ("model", "batch_size"))
    table = size_table(result)
    lost = {m: lost_sizes(table, m) for m in models(table)}
    shares = pair_shares()
    by_model = {}
    for m in models(table):
        checks = [bn_verdict(table, m, lost[m]), *alternative_verdicts(table, m, lost[m])]
        if m == "mnist-cnn":
            checks += wu_he_verdicts(table)
        by_model[m] = tuple(checks)
    others = renorm_verdicts(table, lost, renorm_reached(result)) + ghost_verdicts(table)
    notes = pair_verdict(result, table, shares)
    return BatchFindings(
        **base,
        verdicts=tuple(
            compare.synthetic_caveat(base["synthetic"]) + notes + [v for c in by_model.values() for v in c] + others
        ),
        meaning=meaning(table, lost),
        numbers=numbers(table, lost, shares),
        tables={
            f"{name(m)}: final test accuracy, % (brackets: lowest to highest seed, points)": wide(
                table, m, NORM_KINDS[m]
            )
            for m in models(table)
        },
        cells=table,
        lost=lost,
        pair=two_examples(),
        shares=shares,
        renorm=renorm_reached(result),
        by_model=by_model,
        others=tuple(notes + others),
    )


def meaning(table: pd.DataFrame, lost: dict) -> str:
    """What the verdicts support, network by network, and nothing more."""
    parts = []
    for m in models(table):
        fine = [s for s in sizes(table, m) if s not in lost[m]]
        if not lost[m]:
            parts.append(
                f"In the {name(m)}, BN kept level with the best normalization at every batch from {fine[0]} to {fine[-1]}: no reason to replace it here."
            )
            continue
        keep = [
            n
            for n in ALTERNATIVES
            if n in NORM_KINDS[m]
            and n != "ghost"
            and all(at(table, m, n, s) is not None and not behind(table, m, n, s) for s in lost[m])
        ]
        text = f"In the {name(m)}, BN fell behind at batch {listing(map(str, lost[m]))}"
        text += (
            f"; {listing([compare.norm_name(n) for n in keep])} kept level there"
            if keep
            else "; no alternative tried kept level there"
        )
        if fine and min(fine) > max(lost[m]):
            text += f"; from batch {fine[0]} up BN was level with the best"
        parts.append(text + ".")
    if not parts:
        return "These runs hold no batch sizes to compare."
    return " ".join(parts) + " What BN averages over decides it: check your own network at your own batch size."


def numbers(table: pd.DataFrame, lost: dict, shares: dict) -> dict:
    cells = {}
    for _, c in table.iterrows():
        cells.setdefault(name(c["model"]), {})[f"{c['arm']}, batch {int(c['batch_size'])}"] = {
            "mean": round(c["mean"], 6),
            "lowest_seed": round(c["lo"], 6),
            "highest_seed": round(c["hi"], 6),
        }
    return {
        "final_test_acc_by_batch": cells,
        "bn_behind_the_best_at_batch": {name(m): s for m, s in lost.items()},
        "share_of_x_hat_exactly_plus_minus_one_at_batch_2": {name(m): shares[m] for m in ("mlp", "mnist-cnn")},
    }
