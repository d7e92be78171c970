"""lr-depth as sections: final test accuracy against the learning rate with the verdicts, every rate's closeness
to the 2-point line, and what it means."""

from __future__ import annotations

from bnviz.experiments.lr_depth import DEPTH
from bnviz.experiments.lr_depth.findings import LrDepthFindings, cell_table
from bnviz.views import compare, why_charts
from bnviz.views.sections import Chart, Details, Section, Table, Text, Verdicts


def _answer(f: LrDepthFindings) -> str:
    larger = next((v for v in f.verdicts if v.claim.startswith("BN lets the network train at larger rates")), None)
    if larger is None:
        return f.meaning
    held = sum(v.outcome == "supports" for v in f.small)
    return (
        f"{larger.evidence[0].upper()}{larger.evidence[1:]}; at the small rates the two end within 2 points at "
        f"{held} of {len(f.small)}."
    )


def sections(f: LrDepthFindings) -> list[Section]:
    c = f.cells.assign(arm=f.cells["norm"].map(compare.norm_name))
    steps = int(f.finals["steps"].max()) if len(f.finals) else 0
    title = f"Final test accuracy after {steps:,} steps, {DEPTH}-layer ReLU MLP"
    head = tuple(v for v in f.verdicts if v not in f.small)
    shown = cell_table(f.cells)
    return [
        Section(
            "Test accuracy against the learning rate",
            (
                Chart(
                    why_charts.accuracy_vs_rate(c, title),
                    c.drop(columns=["norm"]),
                    f"{f.name}-by-rate",
                    "Download accuracy by rate (CSV)",
                ),
                Text(
                    "Mean over the seeds that did not diverge, with a bar from the lowest to the highest seed; a cross "
                    "at the bottom marks a rate where at least one seed diverged (no line point: all of them did).",
                    "caption",
                ),
                Verdicts(head),
            ),
            answer=_answer(f),
        ),
        Section(
            "Each small rate against the 2-point line",
            (
                Verdicts(f.small),
                Details(
                    "Every rate",
                    (
                        Table(
                            shown,
                            csv=f.cells,
                            csv_name=f"{f.name}-cells",
                            percent=("mean final acc.", "lowest seed", "highest seed"),
                        ),
                    ),
                ),
            ),
            answer="Within 2 points or not, rate by rate, with how close each gap came to the line.",
        ),
        Section("What this means", (), answer=f.meaning),
    ]
