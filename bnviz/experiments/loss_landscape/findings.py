"""Santurkar et al.'s landscape on our runs, seed by seed, early and late: does the loss rise above L(θ) along the
gradient (overshoot) less with BN, is the gradient more predictive, is the effective β smaller?

The range max − min of L(θ − ηg) (their Figure 4(a)'s shaded band) counts a drop below L(θ), the progress a step
makes, like a rise above it, the overshoot that makes a landscape rough. The losses along the gradient are on
record (``landscape/losses``), so the two are read apart: the rise decides the "varies less" claim, the drop is
reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bnviz.experiments.ics_measured.findings import probe_cost
from bnviz.views import by_seed, compare, records
from bnviz.views.by_seed import PHASES, BySeed
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import listing
from bnviz.views.verdicts import Verdict

NORMS = ("none", "bnviz")
MEASURES = {  # column -> what the reader sees (smaller is smoother for all but the drop, which is progress)
    "rise": "rise of L(θ − ηg) above L(θ)",
    "overshoot": "probes whose loss rose above L(θ)",
    "drop": "drop of L(θ − ηg) below L(θ)",
    "loss_range": "loss range max − min",
    "grad_predictiveness": "gradient change ‖∇L(θ − ηg) − g‖ (max over η)",
    "effective_beta": "effective β-smoothness",
}
AGG = {"rise": "mean", "overshoot": "mean"}  # every other measure: the median over a phase's probes
G_DEFINED = (
    "θ are the network's parameters at a probe step, g = ∇L(θ) the gradient of the loss L on a fixed mini-batch, "
    "and η eight step sizes from lr/2 to 4 lr"
)
STALE = (
    "This result was recorded before the probe kept the losses along the gradient, so a rise above L(θ) (overshoot) "
    "cannot be told from a drop (progress): re-run it (python -m bnviz run landscape)"
)


@dataclass(frozen=True)
class LandscapeFindings(Findings):
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per run and probe step
    by_phase: pd.DataFrame = field(default_factory=pd.DataFrame)  # per norm, seed and phase
    along: tuple[Verdict, ...] = ()  # the rise (decides "varies less") and the drop (context), per phase
    gradient: tuple[Verdict, ...] = ()  # gradient predictiveness and effective β, per phase
    has_losses: bool = False


def landscape_table(result: dict) -> pd.DataFrame:
    """One row per (run, probe step): L(θ), the rise above it and drop below it along −g, whether it overshot,
    the recorded summaries, and whether the loss blew up (then no value)."""
    rows = []
    for run in result["runs"]:
        for r in run["records"]:
            if "landscape/loss_range" not in r and "landscape/blew_up" not in r:
                continue
            loss, losses = r.get("landscape/loss"), r.get("landscape/losses")
            along = losses is not None and loss is not None
            rows.append(
                {
                    "arm": run["arm"],
                    "norm": records.norm_of(run),
                    "seed": run["seed"],
                    "step": r["step"],
                    "loss": loss,
                    # rise = max(0, max_η L(θ − ηg) − L(θ)); drop = max(0, L(θ) − min_η L(θ − ηg))
                    "rise": max(0.0, max(losses) - loss) if along else None,
                    "drop": max(0.0, loss - min(losses)) if along else None,
                    "overshoot": float(max(losses) > loss) if along else None,
                    **{k: r.get(f"landscape/{k}") for k in ("loss_range", "grad_predictiveness", "effective_beta")},
                    "blew_up": bool(r.get("landscape/blew_up")),
                }
            )
    cols = ["arm", "norm", "seed", "step", "loss", "rise", "drop", "overshoot", "loss_range"]
    cols += ["grad_predictiveness", "effective_beta", "blew_up"]
    numeric = [c for c in cols if c not in ("arm", "norm", "seed", "step", "blew_up")]
    return pd.DataFrame(rows, columns=cols).astype({c: float for c in numeric})


def _nats(x: float) -> str:
    return f"{x:.3g} nats"


def rise_verdict(p: pd.DataFrame, t: pd.DataFrame, phase: str) -> Verdict:
    """Their "the loss varies less", read as overshoot: the mean rise above L(θ) over the phase's probes, per seed."""
    c = BySeed(*(by_seed.per_seed(p, "rise", n, phase=phase) for n in ("bnviz", "none")))
    shares = {n: by_seed.per_seed(p, "overshoot", n, phase=phase) for n in NORMS}
    often = "; ".join(
        f"{compare.norm_name(n)} {listing(f'{100 * v:.0f}%' for v in shares[n].values())}" for n in ("bnviz", "none")
    )
    v = by_seed.verdict(
        f"{phase[0].upper()}{phase[1:]} in training ({by_seed.span(t, phase)}), the loss varies less along the "
        "gradient with BN, read as overshoot: a step of up to 4 lr along −g lifts L(θ − ηg) less above L(θ)",
        c,
        _nats,
        (f"with {compare.norm_name('bnviz')}", f"with {compare.norm_name('none')}"),
        ("smaller with BN", "larger with BN"),
        unit=" nats",
    )
    return Verdict(
        v.claim,
        v.outcome,
        f"mean rise per probe, {v.evidence}; share of probes where the loss rose above L(θ), seed by seed: {often}",
        *_rest(v),
    )


def _rest(v: Verdict) -> tuple:
    return v.margin, v.scale, v.unit


def drop_note(p: pd.DataFrame, t: pd.DataFrame, phase: str) -> Verdict:
    """The drop below L(θ) (progress), per seed: what the range max − min also counted."""
    each = {n: by_seed.per_seed(p, "drop", n, phase=phase) for n in ("bnviz", "none")}
    ranges = {n: by_seed.per_seed(p, "loss_range", n, phase=phase) for n in ("bnviz", "none")}
    said = "; ".join(
        f"{compare.norm_name(n)} {listing(f'{x:.3g}' for x in each[n].values())} nats "
        f"(range max − min {listing(f'{x:.3g}' for x in ranges[n].values())})"
        for n in each
    )
    return Verdict(
        f"{phase[0].upper()}{phase[1:]} in training ({by_seed.span(t, phase)}), the drop of the loss below L(θ) "
        f"along −g, the progress a step makes, median per seed (seeds {listing(sorted(each['bnviz']))}): {said}. The range max − min counts this drop as "
        "variation, so it is not the verdict's measure"
    )


def gradient_verdict(p: pd.DataFrame, t: pd.DataFrame, phase: str, measure: str) -> Verdict:
    c = BySeed(*(by_seed.per_seed(p, measure, n, phase=phase) for n in ("bnviz", "none")))
    what = {"grad_predictiveness": "the gradient is more predictive", "effective_beta": "the effective β is smaller"}
    return by_seed.verdict(
        f"{phase[0].upper()}{phase[1:]} in training ({by_seed.span(t, phase)}), {what[measure]} with BN: "
        f"{MEASURES[measure]}, median over the phase's probes, is smaller with BN",
        c,
        lambda x: f"{x:.3g}",
        (f"with {compare.norm_name('bnviz')}", f"with {compare.norm_name('none')}"),
        ("smaller with BN", "larger with BN"),
    )


def blew_up_note(t: pd.DataFrame) -> Verdict:
    blown = t[t["blew_up"]].drop_duplicates(["arm", "seed", "step"])
    count = {n: int((blown["norm"] == n).sum()) for n in NORMS}
    return Verdict(
        f"Probes where the loss blew up (became infinite or NaN) along the gradient: {count['none']} with "
        f"{compare.norm_name('none')}, {count['bnviz']} with {compare.norm_name('bnviz')}"
    )


def findings(result: dict) -> LandscapeFindings:
    base = common(result)
    t = landscape_table(result)
    p = by_seed.phases(t, list(MEASURES), agg=AGG)
    has_losses = bool(t["rise"].notna().any())
    checks = compare.synthetic_caveat(base["synthetic"])
    along, gradient = [], []
    for phase in PHASES:
        if not set(NORMS) <= set(p[p["phase"] == phase]["norm"]):
            continue
        if has_losses:
            along += [rise_verdict(p, t, phase), drop_note(p, t, phase)]
        gradient += [gradient_verdict(p, t, phase, m) for m in ("grad_predictiveness", "effective_beta")]
    if not has_losses and len(t):
        along.append(Verdict(STALE))
    if not gradient:
        checks.append(Verdict("This result has no landscape probes of both arms"))
    notes = [blew_up_note(t)] if len(t) else []
    return LandscapeFindings(
        **base,
        verdicts=tuple(checks + along + gradient + notes),
        meaning=meaning(along, gradient),
        numbers={"by_phase": p.to_dict(orient="records"), **probe_cost(result, "landscape")},
        tables={"Along the gradient, per phase and seed": phase_table(p)} if len(p) else {},
        table=t,
        by_phase=p,
        along=tuple(along),
        gradient=tuple(gradient),
        has_losses=has_losses,
    )


def phase_table(p: pd.DataFrame) -> pd.DataFrame:
    """Per phase, arm and seed, with the column names a reader sees (the rise and the overshoot share are means
    over the phase's probes, the rest medians)."""
    d = p.assign(norm=p["norm"].map(compare.norm_name)).rename(columns={"norm": "arm"})
    d = d.rename(columns={**MEASURES, "rise": "mean rise above L(θ)", "overshoot": "share of probes overshooting"})
    return d[["phase", "arm", "seed", "probes", *[c for c in d.columns if c not in ("phase", "arm", "seed", "probes")]]]


def meaning(along: list[Verdict], gradient: list[Verdict]) -> str:
    """Only what the verdicts say: per measure, in which phases the seeds agree with Santurkar et al."""
    rises = [v for v in along if v.outcome != "context"]
    tested = rises + gradient
    if not tested:
        return "This result has no landscape probes to say anything about."
    names = (
        ("the loss rising less above L(θ) along the gradient", rises),
        ("a more predictive gradient", [v for v in gradient if "more predictive" in v.claim]),
        ("a smaller effective β", [v for v in gradient if "effective β" in v.claim]),
    )
    held, other = [], []
    for name, vs in names:
        phases = [v.claim.split(" in training")[0].lower() for v in vs if v.outcome == "supports"]
        against = [v.claim.split(" in training")[0].lower() for v in vs if v.outcome == "contradicts"]
        if phases:
            held.append(f"{name} ({' and '.join(phases)})")
        if against:
            other.append(f"{name} is contradicted {' and '.join(against)}")
    n = sum(v.outcome == "supports" for v in tested)
    if not rises and along:
        lead = "Without the losses along the gradient this result cannot read the loss-variation claim. "
    else:
        lead = ""
    if n == len(tested):
        return (
            f"{lead}As Santurkar et al. report for VGG, in every seed, early and late in training: "
            + listing(name for name, vs in names if vs)
            + " with BN. Read as overshoot rather than as the range max − min, the loss varies less along the "
            "gradient with BN."
        )
    if n == 0:
        return f"{lead}Unlike Santurkar et al.'s VGG, no measure showed the BN network smoother beyond the seed spread."
    rest = f"; {'; '.join(other)}" if other else ""
    return (
        f"{lead}Partly as Santurkar et al. report: {n} of {len(tested)} comparisons are with them in every seed, "
        f"beyond the seed spread: {listing(held)} with BN{rest}; the others are mixed or within the seed spread."
    )
