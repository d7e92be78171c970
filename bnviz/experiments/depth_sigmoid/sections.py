"""depth-sigmoid as sections: each placement at its best rate against depth (the paper's claim and the placement),
every rate per depth (each placement's stable range), the curves at the best rates, and what it means."""

from __future__ import annotations

from bnviz.experiments.depth_sigmoid.findings import AFTER, BEFORE, NONE, DepthFindings, best_table, status_shown
from bnviz.views import blocks, why_charts
from bnviz.views.sections import Chart, Details, Section, Table, Text, Verdicts

COLOURS = {NONE: "#1f77b4", BEFORE: "#d62728", AFTER: "#ff9896"}  # no BN's blue and BN's red, as on every page


def best_section(f: DepthFindings) -> Section:
    steps = int(f.finals["steps"].max()) if len(f.finals) else 0
    return Section(
        "Each placement at its best learning rate, against depth",
        (
            Chart(
                why_charts.accuracy_vs_depth(
                    f.best, COLOURS, f"Final test accuracy after {steps:,} steps, at each placement's best rate"
                ),
                best_table(f.best),
                f"{f.name}-best-by-depth",
                "Download the best rate's accuracy per placement and depth (CSV)",
            ),
            Text(
                "Each point is the placement's best of the five rates at that depth (hover for the rate): mean over "
                "seeds, with a bar from the lowest to the highest seed. Chance is 10%.",
                "caption",
            ),
            Verdicts(f.head + f.placement),
            Details("Each placement's best rate", (Table(best_table(f.best), percent=_percent()),)),
        ),
        answer=_first_upper(f.head[0].evidence.split("; best rates")[0]) + "." if f.head else f.meaning,
    )


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _percent() -> tuple[str, ...]:
    return ("mean final acc.", "lowest seed", "highest seed")


def range_section(f: DepthFindings) -> Section:
    cells = f.cells.drop(columns=["norm"], errors="ignore")
    return Section(
        "Every learning rate: each placement's stable range",
        (
            Chart(
                why_charts.accuracy_vs_rate_by_depth(cells, COLOURS),
                cells,
                f"{f.name}-cells",
                "Download every placement, depth and rate (CSV)",
                stretch=False,
            ),
            Text(
                "Mean final accuracy over the seeds that did not diverge; a cross at the bottom marks a rate where a "
                "seed diverged (its loss became infinite or NaN). Stable: every seed at 90% or more.",
                "caption",
            ),
            Verdicts(f.ranges),
            Details("Stable rates per placement and depth", (Table(status_shown(f.status)),)),
        ),
        answer="Which rates each placement trains at, depth by depth: the paper argues from BN allowing higher rates "
        "(Section 3.3).",
    )


def sections(f: DepthFindings) -> list[Section]:
    notes = tuple(v for v in f.verdicts if v not in f.head + f.placement + f.ranges)
    return [
        best_section(f),
        range_section(f),
        Section(
            "Test accuracy over training, per depth, at each placement's best rate",
            (
                Chart(
                    why_charts.curves_by_depth(f.band, COLOURS),
                    f.band,
                    f"{f.name}-curves",
                    "Download the mean curves (CSV)",
                    stretch=False,
                ),
                Details("Every run's final accuracy", (blocks.seed_table(f.finals, f.name),)),
            ),
        ),
        Section("What this means", (Verdicts(notes),), answer=f.meaning),
    ]
