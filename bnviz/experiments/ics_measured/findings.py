"""Santurkar et al.'s ICS measured on our runs: per layer above the first, early and late in training, seed by
seed, is ‖G − G′‖₂ no smaller with BN, and does the gradient's direction change no less (cos ∠(G, G′))?"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bnviz.views import by_seed, compare, records
from bnviz.views.by_seed import PHASES, BySeed
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import listing
from bnviz.views.verdicts import Verdict

NORMS = ("none", "bnviz")
MEASURES = {  # column -> what the reader sees
    "l2": "‖G − G′‖₂",
    "cos": "cos ∠(G, G′)",
    "relative": "‖G − G′‖₂ / ‖G‖",
}
G_DEFINED = (
    "G is a layer's weight gradient on a fixed mini-batch; G′ the same layer's gradient once the layers below it "
    "have taken their SGD step (Definition 2.1)"
)


@dataclass(frozen=True)
class ICSFindings(Findings):
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per run, probe step and layer above the first
    by_phase: pd.DataFrame = field(default_factory=pd.DataFrame)  # per layer, norm, seed and phase: medians
    l2: tuple[Verdict, ...] = ()
    cos: tuple[Verdict, ...] = ()


def layer_name(layer: str) -> str:
    """``layer2`` -> ``layer 2``."""
    return layer.replace("layer", "layer ", 1) if layer[5:].isdigit() else layer


def ics_table(result: dict) -> pd.DataFrame:
    """One row per (run, probe step, layer above the first): ‖G − G′‖₂, cos, ‖G‖ and ‖G − G′‖₂/‖G‖."""
    rows = []
    for run in result["runs"]:
        for r in run["records"]:
            for key in r:
                if not key.endswith("/ics_l2") or key.startswith("layer1/") or r[key] is None:
                    continue
                layer = key.split("/")[0]
                g = r.get(f"{layer}/ics_grad_norm")
                rows.append(
                    {
                        "arm": run["arm"],
                        "norm": records.norm_of(run),
                        "seed": run["seed"],
                        "step": r["step"],
                        "layer": layer,
                        "l2": r[key],
                        "cos": r.get(f"{layer}/ics_cos"),
                        "grad_norm": g,
                        "relative": r[key] / g if g else None,
                    }
                )
    cols = ["arm", "norm", "seed", "step", "layer", "l2", "cos", "grad_norm", "relative"]
    return pd.DataFrame(rows, columns=cols).astype({"l2": float, "cos": float, "grad_norm": float, "relative": float})


def layers_of(t: pd.DataFrame) -> list[str]:
    return sorted(t["layer"].unique(), key=lambda s: (len(s), s))


def l2_verdict(p: pd.DataFrame, t: pd.DataFrame, layer: str, phase: str) -> Verdict:
    """Santurkar et al.: ICS is no smaller with BN. Read as "no BN's ‖G − G′‖₂ is below BN's" at every seed."""
    where = dict(layer=layer, phase=phase)
    c = BySeed(by_seed.per_seed(p, "l2", "none", **where), by_seed.per_seed(p, "l2", "bnviz", **where))
    return by_seed.verdict(
        f"In {layer_name(layer)}, {phase} in training ({by_seed.span(t, phase)}), BN does not reduce internal "
        "covariate shift as Definition 2.1 measures it: ‖G − G′‖₂ is no smaller with BN",
        c,
        lambda x: f"{x:.3g}",
        (f"with {compare.norm_name('none')}", f"with {compare.norm_name('bnviz')}"),
        ("larger with BN", "smaller with BN"),
    )


def cos_verdict(p: pd.DataFrame, t: pd.DataFrame, layer: str, phase: str) -> Verdict:
    """Santurkar et al. report BN's gradient direction changing as much or more: BN's cos no higher. Decided on
    1 − cos ∠(G, G′), how far the direction turned, so that the gap is measured against the turn, not against 1."""
    where = dict(layer=layer, phase=phase)
    turn = {n: {s: 1.0 - c for s, c in by_seed.per_seed(p, "cos", n, **where).items()} for n in NORMS}
    return by_seed.verdict(
        f"In {layer_name(layer)}, {phase} in training ({by_seed.span(t, phase)}), the gradient's direction changes "
        "no less with BN: cos ∠(G, G′) is no higher with BN (1 is no change)",
        BySeed(turn["none"], turn["bnviz"]),
        lambda x: f"cos {1.0 - x:.5f}",
        (f"with {compare.norm_name('none')}", f"with {compare.norm_name('bnviz')}"),
        ("lower with BN", "higher with BN"),
    )


def verdicts(t: pd.DataFrame, p: pd.DataFrame) -> tuple[list[Verdict], list[Verdict]]:
    """Per layer above the first and per phase: the ‖G − G′‖₂ verdicts and the cos ∠(G, G′) verdicts."""
    l2, cos = [], []
    for layer in layers_of(t):
        for phase in PHASES:
            d = p[(p["layer"] == layer) & (p["phase"] == phase)]
            if not set(NORMS) <= set(d["norm"]):
                continue
            l2.append(l2_verdict(p, t, layer, phase))
            cos.append(cos_verdict(p, t, layer, phase))
    return l2, cos


def phase_table(p: pd.DataFrame) -> pd.DataFrame:
    """The medians per layer, phase, arm and seed, with the column names a reader sees."""
    d = p.assign(layer=p["layer"].map(layer_name), norm=p["norm"].map(compare.norm_name))
    return d.rename(columns={"norm": "arm", "probes": "probes in the phase", **MEASURES})[
        ["layer", "phase", "arm", "seed", "probes in the phase", *MEASURES.values()]
    ]


def probe_cost(result: dict, probe: str) -> dict:
    """Seconds the probe took over all runs, and its share of the runs' training time (time/elapsed)."""
    spent = sum(r.get(f"time/{probe}") or 0.0 for run in result["runs"] for r in run["records"])
    total = sum(max((r.get("time/elapsed") or 0.0 for r in run["records"]), default=0.0) for run in result["runs"])
    return {
        f"{probe}_probe_seconds": round(spent, 1),
        f"{probe}_probe_share_of_run_time": round(spent / total, 3) if total else None,
    }


def findings(result: dict) -> ICSFindings:
    base = common(result)
    t = ics_table(result)
    p = by_seed.phases(t, list(MEASURES), by=("layer",))
    l2, cos = verdicts(t, p)
    checks = compare.synthetic_caveat(base["synthetic"])
    if not l2:
        checks.append(Verdict("This result has no ICS probes of both arms above the first layer"))
    return ICSFindings(
        **base,
        verdicts=tuple(checks + l2 + cos),
        meaning=meaning(l2, cos, t),
        numbers={"by_phase": p.to_dict(orient="records"), **probe_cost(result, "ics")},
        tables={"ICS per layer, phase and seed (medians over the phase's probes)": phase_table(p)} if len(p) else {},
        table=t,
        by_phase=p,
        l2=tuple(l2),
        cos=tuple(cos),
    )


def _where(found: list[Verdict], outcome: str) -> str:
    """``layers 2 and 3`` (or ``layer 2``): the layers whose verdict came out ``outcome``."""
    layers = [v.claim.split(",")[0].removeprefix("In layer ") for v in found if v.outcome == outcome]
    return f"layer{'s' if len(layers) > 1 else ''} {listing(layers)}"


def meaning(l2: list[Verdict], cos: list[Verdict], t: pd.DataFrame) -> str:
    """Phase by phase, what the seeds agree on: Santurkar et al.'s reading (no less shift with BN) or the paper's."""
    if not l2:
        return "This result has no ICS probes of both arms to say anything about."
    said = {
        "supports": "no smaller with BN at every seed",
        "contradicts": "smaller with BN at every seed",
        "within_noise": "mixed or within the seed spread",
    }
    parts = []
    for phase in PHASES:
        l2_p = [v for v in l2 if f", {phase} in training" in v.claim]
        cos_p = [v for v in cos if f", {phase} in training" in v.claim]
        if not l2_p:
            continue
        outcomes = {v.outcome for v in l2_p + cos_p}
        when = f"{phase[0].upper()}{phase[1:]} in training ({by_seed.span(t, phase)})"
        if outcomes == {"supports"}:
            parts.append(
                f"{when}, as Santurkar et al. report: in every seed and every layer measured, BN's internal covariate "
                "shift was larger, by both ‖G − G′‖₂ and cos ∠(G, G′)."
            )
        elif outcomes == {"contradicts"}:
            parts.append(
                f"{when}, unlike Santurkar et al.'s VGG: in every seed and layer BN reduced internal covariate shift, "
                "by both measures, as the original paper's explanation has it."
            )
        else:
            each = "; ".join(
                f"{name} " + ", ".join(f"{said[o]} in {_where(vs, o)}" for o in said if any(v.outcome == o for v in vs))
                for name, vs in (("‖G − G′‖₂", l2_p), ("the turn of the gradient, cos ∠(G, G′),", cos_p))
            )
            parts.append(f"{when} the seeds do not all agree: {each}.")
    return " ".join(parts)
