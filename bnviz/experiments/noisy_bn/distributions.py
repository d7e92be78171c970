"""How far the probed unit's input moved in each noisy-BN run, and the verdicts on it, seed by seed: Santurkar et
al.'s premise (the noise moves noisy BN's inputs more than no BN's) and the paper's reading of Figure 1(b,c) (BN's
move less)."""

from __future__ import annotations

import pandas as pd

from bnviz.train.probes import hist_edges
from bnviz.views import by_seed, compare, drift, records
from bnviz.views.by_seed import BySeed
from bnviz.views.verdicts import Verdict

NORMS = ("none", "bnviz", "noisy")
HIST_AT = (0, 0.02, 0.1, 0.4, 1.0)  # the histograms' steps, as fractions of the run


def step_changes(d: pd.DataFrame) -> float:
    """Mean |Δ median| between consecutive probes at the run's regular probe interval (the early probes
    1, 2, 5, ... are closer together and left out, so arms are compared over equal gaps)."""
    d = d.drop_duplicates("step").sort_values("step")
    gaps = d["step"].diff()
    if gaps.dropna().empty:
        return float("nan")
    return float(d["p50"].diff()[gaps == gaps.max()].abs().mean())


def drift_table(pct_df: pd.DataFrame) -> pd.DataFrame:
    """Per run: how far the probed unit's median got from its start, and how much it changed between probes."""
    rows = []
    for d in drift.drift(pct_df):
        run = pct_df[(pct_df["arm"] == d.arm) & (pct_df["seed"] == d.seed)]
        rows.append(
            {
                "arm": d.arm,
                "norm": d.norm,
                "seed": d.seed,
                "farthest": d.farthest,
                "step_change": step_changes(run),
                "early_shift": abs(d.early_shift),
                "late_shift": abs(d.late_shift),
                "width_first": d.width[0],
                "width_last": d.width[2],
            }
        )
    cols = ["arm", "norm", "seed", "farthest", "step_change", "early_shift", "late_shift", "width_first", "width_last"]
    return pd.DataFrame(rows, columns=cols)


def _of(table: pd.DataFrame, norm: str, column: str) -> dict[int, float]:
    d = table[table["norm"] == norm]
    return {int(s): float(x) for s, x in zip(d["seed"], d[column])}


def moved_verdicts(table: pd.DataFrame, layer: str) -> list[Verdict]:
    """Santurkar et al.'s premise (the noise moves noisy BN's inputs more than no BN's), by Figure 1(b,c)'s
    measure and from probe to probe, and the paper's reading of Figure 1(b,c) (BN's move less), seed by seed."""
    if not set(NORMS) <= set(table["norm"]):
        return [Verdict("Too few probes in this result to say how the distributions moved")]
    unit = f"unit 0 of {layer.replace('layer', 'layer ', 1)}"
    name = {n: f"with {compare.norm_name(n)}" for n in NORMS}

    def fmt(x):
        return f"{x:.2f}"

    return [
        by_seed.verdict(
            f"The noise makes noisy BN's input distribution move more than no BN's, by Figure 1(b,c)'s measure: "
            f"the farthest the median of {unit}'s input gets from its start",
            BySeed(_of(table, "none", "farthest"), _of(table, "noisy", "farthest")),
            fmt,
            (name["none"], name["noisy"]),
            ("farther with noisy BN", "less far with noisy BN"),
        ),
        by_seed.verdict(
            f"The noise makes noisy BN's input distribution less steady than no BN's from one probe to the next: "
            f"the mean change of {unit}'s median between probes 250 steps apart",
            BySeed(_of(table, "none", "step_change"), _of(table, "noisy", "step_change")),
            fmt,
            (name["none"], name["noisy"]),
            ("larger with noisy BN", "smaller with noisy BN"),
        ),
        by_seed.verdict(
            f"BN keeps the input distribution stiller than no BN, as the paper reads its Figure 1(b,c): the median "
            f"of {unit}'s input gets less far from its start with BN",
            BySeed(_of(table, "bnviz", "farthest"), _of(table, "none", "farthest")),
            fmt,
            (name["bnviz"], name["none"]),
            ("less far with BN", "farther with BN"),
        ),
    ]


def histograms(result: dict, layer: str) -> pd.DataFrame:
    """The layer's input histogram per arm (first seed) at the probe steps nearest :data:`HIST_AT` of the run."""
    steps = records.probe_steps(result["runs"])
    if not steps:
        return pd.DataFrame(columns=["arm", "norm", "step", "bin_left", "bin_right", "count", "density"])
    picks = sorted({min(steps, key=lambda s: abs(s - f * steps[-1])) for f in HIST_AT})
    edges = hist_edges()
    return pd.concat(
        [records.histogram(result["runs"], layer, s, edges).assign(step=s) for s in picks], ignore_index=True
    )


def last_layer(result: dict) -> str | None:
    layers = records.layer_names(result["runs"][0]["records"]) if result["runs"] else []
    return layers[-1] if layers else None


def drift_shown(table: pd.DataFrame) -> pd.DataFrame:
    """The drift table with the names a reader sees."""
    return table.drop(columns=["norm"]).rename(
        columns={
            "farthest": "farthest from start (median)",
            "step_change": "mean change between probes (median)",
            "early_shift": "moved in the first 10%",
            "late_shift": "moved after",
            "width_first": "15–85th band, first probe",
            "width_last": "15–85th band, last probe",
        }
    )
