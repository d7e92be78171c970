"""The batch-size result against the literature: Wu & He 2018 where the comparison is like for like (the CNN),
Ioffe 2017's Batch Renorm (with the bounds each run reached), and Ghost BN with what it was proposed for."""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.batch_size import MODEL_NAMES
from bnviz.experiments.batch_size.cells import at, models, sizes
from bnviz.norms import GHOST_BATCH
from bnviz.views import grid
from bnviz.views.phrases import listing, pct, points
from bnviz.views.verdicts import Verdict

WU_HE = "[Wu & He 2018](https://arxiv.org/abs/1803.08494), Section 4.1"  # ResNet-50, ImageNet, batch per GPU
IOFFE = "[Ioffe 2017](https://arxiv.org/abs/1702.03275)"
HOFFER = (
    'Hoffer, Hubara & Soudry 2017, "Train longer, generalize better: closing the generalization gap in large batch '
    'training of neural networks" ([arXiv:1705.08741](https://arxiv.org/abs/1705.08741))'
)


def error(c: pd.Series) -> str:
    return f"{pct(1 - c['mean'])} error"


def wu_he_verdicts(table: pd.DataFrame) -> list[Verdict]:
    """In the CNN, where BN averages over N·H·W as in Wu & He's ResNet-50: GN against BN at batch 2, and their
    ordering of Batch Renorm, BN and GN at batch 4."""
    model, out = "mnist-cnn", []
    if model not in models(table):
        return out
    small = sizes(table, model)[0]
    gn, bn = at(table, model, "group", small), at(table, model, "bnviz", small)
    if gn is not None and bn is not None:
        outcome, margin = grid.above(gn, bn)
        out.append(
            Verdict(
                f"In the CNN, GN ends above BN at batch {small}, as in {WU_HE} (batch 2: GN 24.1% against BN 34.7% "
                "top-1 error, 10.6 points)",
                outcome,
                f"GN {grid.spread(gn)}, BN {grid.spread(bn)} accuracy ({error(gn)} against {error(bn)}), "
                f"{points(gn['mean'] - bn['mean'])} for GN, {grid.versus(gn, bn)}",
                **margin,
            )
        )
    if 4 in sizes(table, model):
        brn, bn, gn = (at(table, model, n, 4) for n in ("renorm", "bnviz", "group"))
        if all(c is not None for c in (brn, bn, gn)):
            first, second = grid.above(brn, bn)[0], grid.above(gn, brn)[0]
            both = (first, second)
            outcome = (
                "contradicts" if "contradicts" in both else "supports" if both == ("supports",) * 2 else "within_noise"
            )
            out.append(
                Verdict(
                    f"At batch 4, Batch Renorm ends above BN and GN above Batch Renorm, as in {WU_HE} (error: BR 26.3%, "
                    "BN 27.3%, GN 24.2%; BN at batch 32: 23.6%)",
                    outcome,
                    f"ours in the CNN: Batch Renorm {error(brn)}, BN {error(bn)}, GN {error(gn)}; Batch Renorm against "
                    f"BN {grid.versus(brn, bn)}, GN against Batch Renorm {grid.versus(gn, brn)}",
                )
            )
    return out


def renorm_verdicts(table: pd.DataFrame, lost: dict, reached: pd.DataFrame) -> list[Verdict]:
    """Ioffe 2017: the share of BN's small-batch loss (against BN's own best size) that Batch Renorm wins back,
    at every size where BN falls behind; and the bounds every run reached."""
    out = []
    for model in models(table):
        bn_cells = table[(table["model"] == model) & (table["norm"] == "bnviz") & table["mean"].notna()]
        if len(bn_cells) < 2 or not lost.get(model) or at(table, model, "renorm", lost[model][0]) is None:
            continue
        top = bn_cells.loc[bn_cells["mean"].idxmax()]
        shares = {}
        for s in lost[model]:
            bn, brn = at(table, model, "bnviz", s), at(table, model, "renorm", s)
            if brn is not None and top["mean"] > bn["mean"]:
                shares[s] = ((brn["mean"] - bn["mean"]) / (top["mean"] - bn["mean"]), bn, brn)
        if not shares:
            continue
        worst = float(min(share for share, _, _ in shares.values()))
        detail = "; ".join(
            f"at batch {s} BN loses {100 * (top['mean'] - bn['mean']):.1f} points and Batch Renorm "
            f"({grid.spread(brn)}) wins back {100 * share:.0f}% of them"
            for s, (share, bn, brn) in shares.items()
        )
        out.append(
            Verdict(
                f"In the {MODEL_NAMES[model]}, Batch Renorm recovers most of what BN loses at small batches ({IOFFE}, "
                "Inception v3 on ImageNet)",
                "supports" if worst >= 0.5 else "contradicts",
                f"BN's best batch is {int(top['batch_size'])}, at {grid.spread(top)}; {detail}",
                margin=worst - 0.5,
                scale=0.5,
            )
        )
    for network, d in reached.groupby("network", sort=False):
        each = [
            (int(b), f"r_max {r:.2f}, d_max {x:.2f}")
            for b, r, x in zip(d["batch size"], d["r_max reached"], d["d_max reached"])
        ]
        plain = sorted({round(100 * n / t) for n, t in zip(d["plain BN until step"], d["steps"])})
        done = sorted({round(100 * e / t) for e, t in zip(d["ramp ends at step"], d["steps"])})
        said = (
            f"every run reached {each[0][1]}"
            if len({e for _, e in each}) == 1
            else "; ".join(f"batch {b}: {e}" for b, e in each)
        )
        out.append(
            Verdict(
                f"Batch Renorm's correction bounds in the {network} at each run's last step: {said} (plain BN for the "
                f"first {listing(f'{x}%' for x in plain)} of the steps, the full r_max 3, d_max 5 from "
                f"{listing(f'{x}%' for x in done)} on)"
            )
        )
    return out


def ghost_verdicts(table: pd.DataFrame) -> list[Verdict]:
    """Ghost BN against BN where it is not BN (above its virtual batch), with what it was proposed for."""
    out = []
    d = table[(table["norm"] == "ghost") & (table["batch_size"] > GHOST_BATCH)]
    for model, s in zip(d["model"], d["batch_size"]):
        gbn, bn = at(table, model, "ghost", int(s)), at(table, model, "bnviz", int(s))
        if gbn is not None and bn is not None:
            out.append(
                Verdict(
                    f"In the {MODEL_NAMES.get(model, model)} at batch {int(s)}, Ghost BN (virtual batches of "
                    f"{GHOST_BATCH}) {grid.spread(gbn)} against BN {grid.spread(bn)}: "
                    f"{points(gbn['mean'] - bn['mean'])}, {grid.versus(gbn, bn)}"
                )
            )
    if out:
        out.append(
            Verdict(
                f"Ghost BN was proposed for large-batch training, to close its generalization gap ({HOFFER}), not as a "
                f"fix for small batches: at or below its virtual batch of {GHOST_BATCH} it is BN"
            )
        )
    return out
