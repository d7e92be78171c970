"""Noisy BN as sections: test accuracy of the three arms and what noisy BN keeps of BN's lead; the inputs to the
last hidden layer's sigmoids over time (Santurkar et al.'s Figure 2); what it means."""

from __future__ import annotations

from bnviz.experiments.noisy_bn.distributions import NORMS, drift_shown
from bnviz.experiments.noisy_bn.findings import NoisyFindings
from bnviz.views import blocks, charts, drift, why_charts
from bnviz.views.sections import Chart, Columns, Details, Download, Section, Table, Text, Verdicts
from bnviz.views.verdicts import Verdict


def accuracy_section(f: NoisyFindings) -> Section:
    peak = next((v for v in f.accuracy if v.claim.startswith("Noisy BN trains about as well")), None)
    answer = (
        "Whether noisy BN keeps BN's lead over no BN, seed by seed: "
        + {
            "supports": "it keeps at least half of it in every seed where that lead is largest.",
            "contradicts": "it keeps less than half of it in every seed where that lead is largest.",
            "within_noise": "the seeds disagree where that lead is largest.",
            "context": "BN has no clear lead to keep here.",
        }[peak.outcome]
        if peak
        else "This result lacks the three arms to compare."
    )
    return Section(
        "Test accuracy: no BN, BN and noisy BN",
        (
            blocks.accuracy_chart(f.curves, f.name),
            blocks.headline_cards(f.finals),
            Verdicts(f.accuracy),
            Details("Every seed", (blocks.seed_table(f.finals, f.name),)),
        ),
        answer=answer,
    )


def distribution_section(f: NoisyFindings) -> Section:
    title = "The inputs to the last hidden layer's sigmoids over time (Santurkar et al.'s Figure 2)"
    if f.layer is None or f.percentiles.empty:
        return Section(title, (Text("This result has no distribution probes.", "info"),))
    layer = f.layer.replace("layer", "layer ", 1)
    pct_df = f.percentiles
    first = pct_df[pct_df["seed"] == pct_df.groupby("arm")["seed"].transform("min")]
    lo, hi = float(first["p15"].min()), float(first["p85"].max())
    pad = 0.05 * (hi - lo or 1.0)
    arms = first[["arm", "norm"]].drop_duplicates()
    arms = arms.assign(rank=arms["norm"].map({n: i for i, n in enumerate(NORMS)})).sort_values("rank")
    panels = tuple(
        Chart(charts.fit_width(charts.percentile_bands(pct_df, a, [lo - pad, hi + pad], a))) for a in arms["arm"]
    )
    supported = sum(v.outcome == "supports" for v in f.moved)
    return Section(
        title,
        (
            Columns(panels),
            Text(
                f"Unit 0 of {layer}: 15th, 50th and 85th percentiles of its input over a fixed probe batch of "
                "training images (first seed), each network probed as it trains (noisy BN with its noise), on one "
                "y-range: Figure 1(b,c)'s view, for the three arms.",
                "caption",
            ),
            Verdicts(f.moved),
            Text(
                f"All units of {layer} at five steps, first seed (values beyond ±8 are counted in the end bins):",
                "caption",
            ),
            Chart(
                why_charts.histogram_grid(f.histograms, "Input to the sigmoid"),
                f.histograms,
                f"{f.name}-histograms",
                "Download the histograms (CSV)",
                stretch=False,
            ),
            Details(
                "Each arm's unit, in numbers (first seed), and every seed's drift",
                (
                    Verdicts(tuple(Verdict(t) for t in drift.sentences(pct_df[pct_df["norm"] != "noisy"]))),
                    Verdicts(tuple(Verdict(drift.describe(d)) for d in drift.drift(first) if d.norm == "noisy")),
                    Table(drift_shown(f.drift_table), csv=f.drift_table, csv_name=f"{f.name}-drift"),
                    Download(pct_df, f"{f.name}-percentiles", "Download the percentiles, every seed (CSV)"),
                ),
            ),
        ),
        answer=f"{supported} of the {len(f.moved)} claims about how far the distributions moved hold in every seed, "
        "beyond the seed spread.",
    )


def sections(f: NoisyFindings) -> list[Section]:
    notes = tuple(v for v in f.verdicts if v not in f.accuracy + f.moved)
    return [
        accuracy_section(f),
        distribution_section(f),
        Section("What this means", (Verdicts(notes),) if notes else (), answer=f.meaning),
    ]
