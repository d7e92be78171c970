"""Figure 1(b,c) and saturation, as claims checked seed by seed: is the BN network's sigmoid input more
stable over training (the paper's reading of Figure 1(b,c)), and does BN keep the sigmoids' inputs out of
saturation (Sections 1 and 3.3)? Paired by seed: seed s of BN against seed s of no BN."""

from __future__ import annotations

import pandas as pd

from bnviz.views import drift
from bnviz.views.phrases import listing
from bnviz.views.verdicts import Verdict


def _paired(by_seed: dict[int, tuple[float, float]]) -> tuple[str, str]:
    """(outcome, evidence) for a claim that BN's value is below no BN's, seed by seed."""
    below = [s for s, (bn, plain) in by_seed.items() if bn < plain]
    above = [s for s, (bn, plain) in by_seed.items() if bn > plain]
    if len(below) == len(by_seed):
        outcome = "supports"
    elif len(above) == len(by_seed):
        outcome = "contradicts"
    else:
        outcome = "within_noise"
    return outcome, f"lower with BN in {len(below)} of {len(by_seed)} seeds"


def stability_verdict(pct: pd.DataFrame, layer: str) -> Verdict:
    """The farthest the probed unit's median got from its start, BN against no BN, seed by seed."""
    claim = "The BN network's sigmoid input is much more stable over training (the paper's reading of Figure 1(b,c))"
    far = {(d.norm, d.seed): d.farthest for d in drift.drift(pct)}
    seeds = sorted({s for n, s in far if n == "none"} & {s for n, s in far if n == "bnviz"})
    if not seeds:
        return Verdict(f"{claim}: this result lacks probes of both arms")
    by_seed = {s: (far[("bnviz", s)], far[("none", s)]) for s in seeds}
    outcome, count = _paired(by_seed)
    values = "; ".join(f"seed {s}: {bn:.2f} with BN, {plain:.2f} without" for s, (bn, plain) in by_seed.items())
    return Verdict(claim, outcome, f"the farthest unit 0 of {layer}'s median got from its start: {values}; {count}")


def saturation_verdicts(stats: pd.DataFrame) -> list[Verdict]:
    """Per layer: the fraction of saturated sigmoids at the last probe, BN against no BN, seed by seed."""
    stats = stats[stats["norm"].isin(("none", "bnviz"))]
    if stats.empty:
        return []
    last = stats[stats["step"] == stats["step"].max()]
    out = []
    for layer, d in last.groupby("layer", sort=False):
        at = d.set_index(["norm", "seed"])["saturation"]
        seeds = sorted(set(at.get("none", pd.Series()).index) & set(at.get("bnviz", pd.Series()).index))
        if not seeds:
            continue
        by_seed = {s: (float(at[("bnviz", s)]), float(at[("none", s)])) for s in seeds}
        outcome, count = _paired(by_seed)
        bn = [v[0] for v in by_seed.values()]
        plain = [v[1] for v in by_seed.values()]
        out.append(
            Verdict(
                f"BN keeps the sigmoids' inputs in {layer} out of saturation (Sections 1 and 3.3)",
                outcome,
                f"at step {int(last['step'].iloc[0]):,}, {min(bn):.1%}–{max(bn):.1%} of the sigmoids are saturated "
                f"with BN, {min(plain):.1%}–{max(plain):.1%} without, over the seeds; {count}",
            )
        )
    return out


def saturation_answer(verdicts: list[Verdict]) -> str:
    """One sentence over the layers' saturation verdicts."""
    if not verdicts:
        return "This result has no saturation probes."
    layer = lambda v: v.claim.split(" in ")[1].split(" out of")[0]  # noqa: E731
    held = [layer(v) for v in verdicts if v.outcome == "supports"]
    broken = [layer(v) for v in verdicts if v.outcome == "contradicts"]
    unclear = [layer(v) for v in verdicts if v.outcome == "within_noise"]
    if len(held) == len(verdicts):
        return "At the end of training BN keeps fewer sigmoids saturated in every layer, in every seed."
    if len(broken) == len(verdicts):
        return "At the end of training BN leaves more sigmoids saturated in every layer: the paper's claim does not hold here."
    parts = [
        f"BN keeps fewer sigmoids saturated in {listing(held)}" if held else "",
        f"more in {listing(broken)}" if broken else "",
        f"the seeds disagree in {listing(unclear)}" if unclear else "",
    ]
    return "Mixed: at the end of training " + "; ".join(p for p in parts if p) + "."


def affine_table(runs: list[dict]) -> pd.DataFrame:
    """Per BN run, probe step and layer: mean |γ| and mean |β| (results recorded before these fields: empty)."""
    rows = []
    for run in runs:
        for r in run["records"]:
            for key, value in r.items():
                if key.endswith("/gamma_abs_mean"):
                    layer = key.split("/")[0]
                    rows.append(
                        {
                            "arm": run["arm"],
                            "norm": (run.get("config") or {}).get("norm", "none"),
                            "position": (run.get("config") or {}).get("norm_position", "before"),
                            "seed": run["seed"],
                            "step": r["step"],
                            "layer": layer,
                            "gamma_abs_mean": value,
                            "beta_abs_mean": r.get(f"{layer}/beta_abs_mean"),
                        }
                    )
    columns = ["arm", "norm", "position", "seed", "step", "layer", "gamma_abs_mean", "beta_abs_mean"]
    return pd.DataFrame(rows, columns=columns)


def affine_notes(table: pd.DataFrame) -> list[Verdict]:
    """Per layer, how far mean |γ| and mean |β| moved from the first probe to the last, over the seeds."""
    if table.empty:
        return []
    out = []
    first, last = table["step"].min(), table["step"].max()
    for layer, d in table.groupby("layer", sort=False):
        start, end = d[d["step"] == first], d[d["step"] == last]
        g0, g1 = start["gamma_abs_mean"], end["gamma_abs_mean"]
        b0, b1 = start["beta_abs_mean"], end["beta_abs_mean"]
        out.append(
            Verdict(
                f"With BN, {layer}'s mean |γ| went from {g0.min():.2f}–{g0.max():.2f} at step {int(first):,} to "
                f"{g1.min():.2f}–{g1.max():.2f} at step {int(last):,}, and its mean |β| from "
                f"{b0.min():.2f}–{b0.max():.2f} to {b1.min():.2f}–{b1.max():.2f} (over the seeds)",
                evidence="With x̂ about N(0, 1), a unit's y = γx̂ + β reaches the sigmoid's flat tails more often as "
                "|γ| or |β| grows",
            )
        )
    return out
