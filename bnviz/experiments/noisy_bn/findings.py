"""Santurkar et al.'s noisy-BN argument checked seed by seed: does the noise make the distributions move more than
without BN (their premise), and does noisy BN still keep most of BN's lead over no BN (their finding)?"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bnviz.experiments.noisy_bn.distributions import (
    NORMS,
    drift_shown,
    drift_table,
    histograms,
    last_layer,
    moved_verdicts,
)
from bnviz.views import compare, records
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import BEYOND, listing, pct, points, spread, steps_text
from bnviz.views.verdicts import Verdict

KEEPS = 0.5  # "about as well as BN": noisy BN keeps at least half of BN's lead over no BN at that step, in every seed


@dataclass(frozen=True)
class Kept:
    """What noisy BN keeps of BN's lead over no BN at one eval step, seed by seed."""

    step: int
    acc: dict[str, dict[int, float]]  # norm -> seed -> test accuracy

    @property
    def seeds(self) -> list[int]:
        return sorted(set.intersection(*(set(self.acc.get(n, {})) for n in NORMS)))

    def mean(self, norm: str) -> float:
        return sum(self.acc[norm][s] for s in self.seeds) / len(self.seeds)

    @property
    def lead(self) -> float:
        return self.mean("bnviz") - self.mean("none")

    @property
    def clear(self) -> bool:
        """BN's worst seed is above no BN's best: there is a lead for the noise to take away."""
        bn, plain = (self.acc[n] for n in ("bnviz", "none"))
        return len(self.seeds) > 1 and min(bn[s] for s in self.seeds) > max(plain[s] for s in self.seeds)

    @property
    def shares(self) -> dict[int, float]:
        """Per seed: (noisy − no BN) / (BN − no BN), seeds paired (the same batches)."""
        out = {}
        for s in self.seeds:
            lead = self.acc["bnviz"][s] - self.acc["none"][s]
            out[s] = (self.acc["noisy"][s] - self.acc["none"][s]) / lead if lead > 0 else float("nan")
        return out


@dataclass(frozen=True)
class NoisyFindings(Findings):
    kept: tuple[Kept, ...] = ()
    accuracy: tuple[Verdict, ...] = ()
    moved: tuple[Verdict, ...] = ()  # the noise's effect on the distributions, and BN's (Figure 1(b,c))
    layer: str | None = None
    percentiles: pd.DataFrame = field(default_factory=pd.DataFrame)
    drift_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    histograms: pd.DataFrame = field(default_factory=pd.DataFrame)


def kept(curves: pd.DataFrame) -> list[Kept]:
    """At the eval step where BN's mean lead over no BN is largest, and at the last one."""
    d = curves.dropna(subset=["test_acc"])
    d = d[d["step"] > 0]
    mean = d.pivot_table(index="step", columns="norm", values="test_acc", aggfunc="mean")
    if not set(NORMS) <= set(mean.columns) or mean.dropna().empty:
        return []
    mean = mean[list(NORMS)].dropna()
    lead = mean["bnviz"] - mean["none"]
    out = []
    for step in dict.fromkeys([int(lead.idxmax()), int(mean.index[-1])]):
        at = d[d["step"] == step]
        acc = {n: {int(s): float(a) for s, a in zip(g["seed"], g["test_acc"])} for n, g in at.groupby("norm")}
        out.append(Kept(step, acc))
    return out


def kept_verdict(k: Kept, where: str) -> Verdict:
    claim = (
        f"Noisy BN trains about as well as BN: at step {steps_text(k.step)} ({where}) it keeps at least "
        f"{KEEPS:.0%} of BN's lead over no BN in every seed"
    )
    numbers = "; ".join(
        f"seed {s}: no BN {pct(k.acc['none'][s])}, BN {pct(k.acc['bnviz'][s])}, noisy BN {pct(k.acc['noisy'][s])}"
        for s in k.seeds
    )
    if k.lead <= 0 or not k.clear:
        why = (
            "BN is not ahead of no BN there"
            if k.lead <= 0
            else f"BN's lead, {points(k.lead)}, is within the seed spread"
        )
        return Verdict(f"{claim}: not testable here, {why}", evidence=numbers)
    shares = k.shares
    held = [s for s, x in shares.items() if x >= KEEPS]
    if len(held) == len(shares):
        outcome, margin = "supports", min(shares.values()) - KEEPS
    elif not held:
        outcome, margin = "contradicts", KEEPS - max(shares.values())
    else:
        outcome, margin = "within_noise", None
    kept_text = listing(f"{x:.0%}" for x in shares.values())
    return Verdict(
        claim,
        outcome,
        f"{numbers}; noisy BN keeps {kept_text} of BN's lead (seeds {listing(shares)}); BN's lead "
        f"{points(k.lead)} on the mean, {BEYOND}",
        margin=100 * margin if margin is not None else None,
        scale=100 * KEEPS if margin is not None else None,
        unit="% of BN's lead",
    )


def final_note(finals: pd.DataFrame) -> list[Verdict]:
    g = finals.groupby("norm")["final_test_acc"]
    m, lo, hi, n = g.mean(), g.min(), g.max(), g.count()
    if not set(NORMS) <= set(m.index):
        return []
    arms = "; ".join(
        f"{compare.norm_name(k)} {spread(m[k], lo[k], hi[k], int(n[k]))}" for k in ("noisy", "bnviz", "none")
    )
    return [
        Verdict(
            f"Final test accuracy, mean over seeds: {arms}. Noisy BN − BN {points(m['noisy'] - m['bnviz'])}, "
            f"BN − no BN {points(m['bnviz'] - m['none'])}"
        )
    ]


def findings(result: dict) -> NoisyFindings:
    base = common(result)
    checks = compare.synthetic_caveat(base["synthetic"])
    ks = kept(base["curves"])
    accuracy = compare.head_to_head(base["curves"], "bnviz", "none")[:1]
    accuracy += [kept_verdict(k, "where BN's lead is largest" if i == 0 else "the last eval") for i, k in enumerate(ks)]
    accuracy += final_note(base["finals"])
    layer = last_layer(result)
    pct_df = records.percentiles(result["runs"], layer) if layer else pd.DataFrame()
    table = drift_table(pct_df) if layer else pd.DataFrame()
    moved = moved_verdicts(table, layer) if layer else [Verdict("This result has no distribution probes")]
    shares = {f"step_{k.step}": {str(s): round(x, 4) for s, x in k.shares.items()} for k in ks}
    return NoisyFindings(
        **base,
        verdicts=tuple(checks + accuracy + moved),
        meaning=meaning(accuracy, moved),
        numbers={"noisy_bn_share_of_bns_lead": shares},
        tables={"Distribution drift per seed": drift_shown(table)} if len(table) else {},
        kept=tuple(ks),
        accuracy=tuple(accuracy),
        moved=tuple(moved),
        layer=layer,
        percentiles=pct_df,
        drift_table=table,
        histograms=histograms(result, layer) if layer else pd.DataFrame(),
    )


def meaning(accuracy: list[Verdict], moved: list[Verdict]) -> str:
    """Only what the verdicts say: whether the noise moved the distributions (by each measure) and whether BN's
    lead survived it, seed by seed."""
    peak = next((v for v in accuracy if v.claim.startswith("Noisy BN trains about as well")), None)
    if peak is None or len(moved) < 3:
        return "This result lacks the arms or probes to say anything about Santurkar et al.'s argument."
    far, jumpy = moved[0].outcome == "supports", moved[1].outcome == "supports"
    step = peak.claim.split("at step ")[1].split(" (")[0]
    if not far and not jumpy:
        return (
            "On this network the noise did not make noisy BN's input distribution move more than the network without "
            "BN, in every seed, by either measure, so this run cannot test Santurkar et al.'s argument."
        )
    if far and jumpy:
        how = "by both measures"
    elif jumpy:
        far_said = {
            "contradicts": "by which the network without BN, whose distribution drifts as it leaves its early plateau, "
            "moved farther in every seed",
            "within_noise": "by which the seeds disagree",
        }[moved[0].outcome]
        how = (
            "from one probe to the next in every seed, though not by Figure 1(b,c)'s measure (how far the median got from its "
            f"start), {far_said}"
        )
    else:
        how = "by Figure 1(b,c)'s measure, though not from one probe to the next"
    moved_text = f"the noise made noisy BN's input distribution less stable than without BN {how}"
    if peak.outcome == "context":
        return (
            f"On this network {moved_text}; but BN was not clearly ahead of no BN at step {step}, so there was no "
            "advantage for the noise to take away: this run neither supports nor contradicts Santurkar et al."
        )
    if peak.outcome == "supports":
        return (
            f"{'As' if far and jumpy else 'Partly as'} Santurkar et al. report: on this network {moved_text}, and yet "
            f"in every seed noisy BN kept at least half of BN's lead at step {step}, where that lead was largest. Here "
            "a steadier input distribution in that sense is not what gives BN its head start."
        )
    if peak.outcome == "contradicts":
        return (
            f"Unlike Santurkar et al.'s VGG: on this network {moved_text}, and in every seed noisy BN kept less than "
            f"half of BN's lead at step {step}: the added instability cost most of BN's advantage, as the "
            "covariate-shift explanation predicts."
        )
    return (
        f"On this network {moved_text}; whether noisy BN kept half of BN's lead at step {step} depends on the seed, so "
        "these runs cannot say whether the noise costs BN its advantage."
    )
