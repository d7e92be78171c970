"""Figure 1 as sections: (a) test accuracy, (b,c) one sigmoid's input, the training loss, and our
numbers beside the paper's plot and a student's reproduction."""

from __future__ import annotations

from bnviz.experiments.mnist_fig1.findings import NO_NUMBERS, PAPER_Y_MIN, STUDENT, STUDENT_STEPS, Figure1
from bnviz.views import blocks, charts
from bnviz.views.phrases import pct
from bnviz.views.sections import Chart, Columns, Details, Download, Section, Table, Text, Toggle, Verdicts
from bnviz.views.verdicts import Verdict


def figure_1a(f: Figure1) -> Section:
    clipped = bool(len(f.curves)) and f.curves["test_acc"].min() < PAPER_Y_MIN
    note = (
        f"The paper's y-range: points below {PAPER_Y_MIN:.0%} are drawn on the bottom edge, so a curve there is not flat."
        if clipped
        else f"The paper's y-range, {PAPER_Y_MIN:.0%} to 100%."
    )
    full = blocks.accuracy_chart(f.curves, f.name)
    paper = blocks.accuracy_chart(f.curves, f"{f.name}-paper-range", paper_axes=True, caption=note)
    return Section(
        "Figure 1(a): test accuracy",
        (
            Toggle(f"The paper's y-range ({PAPER_Y_MIN:.0%} to 100%)", on=(paper,), off=(full,), default=False),
            blocks.headline_cards(f.finals),
            Verdicts(f.checks),
        ),
        answer=f.meaning,
    )


def figure_1bc(f: Figure1) -> Section:
    title = "Figure 1(b, c): the input to one sigmoid of the last hidden layer"
    if not f.layer:
        return Section(title, (Text("This result has no percentile probes (it was run without them).", "info"),))
    first = f.percentiles[f.percentiles["seed"] == f.percentiles.groupby("arm")["seed"].transform("min")]
    lo, hi = float(first["p15"].min()), float(first["p85"].max())
    pad = 0.05 * (hi - lo or 1.0)
    arms = first[["arm", "norm"]].drop_duplicates().sort_values("norm", key=lambda s: s.map({"none": 0}).fillna(1))
    panels = tuple(
        Chart(charts.fit_width(charts.percentile_bands(f.percentiles, a, [lo - pad, hi + pad], f"({letter}) {a}")))
        for a, letter in zip(arms["arm"], "bcdefg")
    )
    how = (
        "This result was recorded before bnviz probed in training mode: its BN arm is probed through the running "
        "averages (eval mode), not the batch statistics the training network uses. Re-run it for the paper's view."
        if f.eval_mode_only
        else "The BN arm is probed as it trains (the paper's N_BN^tr): BN normalizes the probe batch with its own "
        "mean and variance, and the probe moves no running average."
    )
    return Section(
        f"{title} ({f.layer})",
        (
            Columns(panels),
            Text(
                f"The 15th, 50th and 85th percentiles over a fixed probe batch (first seed), on one y-range. {how}",
                "caption",
            ),
            Verdicts(f.stability),
            Details(
                "How far it moved, in numbers (first seed)",
                (
                    Verdicts(tuple(Verdict(t) for t in f.drift)),
                    Download(f.percentiles, f"{f.name}-percentiles", "Download the percentiles, every seed (CSV)"),
                ),
            ),
        ),
        answer=f.stability[0].text if f.stability else "",
    )


def saturation(f: Figure1) -> Section:
    title = "Saturation: how many sigmoids sit near 0 or 1"
    if f.stats is None or f.stats.empty:
        return Section(title, (Text("This result has no saturation probes.", "info"),))
    return Section(
        title,
        (
            Chart(
                charts.fit_width(charts.saturation(f.stats)),
                f.stats,
                f"{f.name}-saturation",
                "Download saturation per layer and step, every seed (CSV)",
            ),
            Text(
                "The fraction of each layer's sigmoids whose output is within 0.05 of 0 or 1 on the probe batch "
                "(first seed drawn; the verdicts compare every seed). The paper argues BN keeps the inputs of "
                "saturating nonlinearities out of their flat tails (Sections 1 and 3.3).",
                "caption",
            ),
            Verdicts(f.saturation),
            *(
                (
                    Chart(
                        charts.affine_growth(f.affine),
                        f.affine,
                        f"{f.name}-gamma-beta",
                        "Download mean |γ| and |β| per layer and step, every seed (CSV)",
                        stretch=False,
                    ),
                    Verdicts(f.affine_notes),
                )
                if f.affine is not None and len(f.affine)
                else (
                    Text(
                        "This result was recorded before bnviz kept γ and β; re-run it to see what the saturation "
                        "comes from.",
                        "caption",
                    ),
                )
            ),
        ),
        answer=f.saturation_answer,
    )


def comparison(f: Figure1) -> Section:
    return Section(
        "Ours, the paper, and a student's reproduction",
        (
            Table(
                next(iter(f.tables.values())),
                csv=f.comparison,
                csv_name=f"{f.name}-comparison",
                csv_label="Download the comparison (CSV, numbers)",
            )
            if f.tables
            else Text("This result has no evaluated checkpoints.", "info"),
            Text(
                f"{NO_NUMBERS} The student reported {pct(STUDENT['none'])} without BN and {pct(STUDENT['bnviz'])} "
                f"with BN after {STUDENT_STEPS:,} steps. Ours: mean over seeds, lowest to highest seed in brackets.",
                "caption",
            ),
            Verdicts(f.student),
            Details("Every seed", (blocks.seed_table(f.finals, f.name),)),
        ),
        answer="The paper prints no MNIST numbers; a student's reproduction printed two, from a different setup.",
    )


def sections(f: Figure1) -> list[Section]:
    return [figure_1a(f), figure_1bc(f), saturation(f), blocks.loss_section(f.curves, f.name), comparison(f)]
