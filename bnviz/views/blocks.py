"""Section blocks every comparison of arms draws alike: the accuracy and loss curves, headline cards
with their seed range, and the seed-by-seed table. Built from :class:`~bnviz.views.findings.Findings`."""

from __future__ import annotations

import pandas as pd

from bnviz.views import charts, compare, records
from bnviz.views.markdown import literal
from bnviz.views.phrases import pct
from bnviz.views.sections import Chart, Metric, Metrics, Section, Table


def accuracy_chart(
    curves: pd.DataFrame,
    name: str,
    title: str = "Test accuracy, mean and lowest to highest seed",
    paper_axes: bool = False,
    caption: str = "",
) -> Chart:
    chart = charts.fit_width(charts.accuracy(records.band(curves, "test_acc"), paper_axes=paper_axes, title=title))
    return Chart(chart, curves, f"{name}-curves", "Download test accuracy and loss per seed (CSV)", caption=caption)


def loss_section(curves: pd.DataFrame, name: str) -> Section:
    band = records.band(curves, "train_loss")
    chart = charts.fit_width(charts.loss(band, title="Training loss, mean over seeds"))
    return Section("Training loss", (Chart(chart, band, f"{name}-train-loss", "Download the training loss (CSV)"),))


def headline_cards(finals: pd.DataFrame) -> Metrics:
    """Each arm's mean final test accuracy, its range over seeds, and its difference from the baseline."""
    items = []
    for h in compare.headlines(finals):
        seeds = finals[finals["arm"] == h.arm]
        each = ", ".join(f"seed {s}: {pct(a)}" for s, a in zip(seeds["seed"], seeds["final_test_acc"]))
        items.append(
            Metric(
                f"{literal(h.arm)}: final test accuracy",
                h.value,
                h.range_text,
                h.delta_text,
                f"Mean over seeds after {h.steps:,} steps ({each})",
                h.beyond,
            )
        )
    return Metrics(tuple(items))


def seed_table(finals: pd.DataFrame, name: str) -> Table:
    """Final test accuracy of every seed of every arm: what a single seed can say."""
    t = compare.seed_table(finals)
    return Table(
        t,
        csv_name=f"{name}-final-accuracy-per-seed",
        csv_label="Download final accuracy per seed (CSV)",
        percent=tuple(c for c in t.columns if c not in ("arm", "seeds")),
    )
