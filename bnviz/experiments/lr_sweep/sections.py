"""The sweep as sections: the heat map, then each of Section 3.3's claims (learning rate, init scale), then every run."""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.lr_sweep import heatmap
from bnviz.experiments.lr_sweep.findings import SECTION_3_3, Sweep, seeds_caption
from bnviz.views.sections import Chart, Details, Section, Table, Text, Verdicts


def sections(f: Sweep) -> list[Section]:
    table = f.table
    shown = table.assign(steps_to_90=[("never" if pd.isna(s) else f"{int(s):,}") for s in table["steps_to_90"]])
    shown = shown.drop(columns=["norm", "BN"]).rename(
        columns={
            "arm": "network",
            "init_std": "init std",
            "steps_to_90": "steps to 90%",
            "final_test_acc": "final test acc.",
            "final_train_loss": "final training loss (nats)",
        }
    )
    return [
        Section(
            "Final test accuracy by learning rate and init scale",
            (
                Chart(heatmap.sweep_heatmap(f.cells), stretch=False),
                Text(
                    f"Colours span {heatmap.SWEEP_COLOR_RANGE[0]:.0%} to {heatmap.SWEEP_COLOR_RANGE[1]:.0%}, where the "
                    "runs that trained differ; a run below that takes the darkest colour, and a cell whose runs "
                    "exploded or diverged says so. " + seeds_caption(table, f.cells),
                    "caption",
                ),
            ),
            answer=f.meaning,
        ),
        Section(
            "1. Higher learning rates (Section 3.3: BN permits higher rates)",
            (Verdicts(f.rates), Text(SECTION_3_3)),
            answer=f.rates[0].text,
        ),
        Section(
            "2. Init scale (Section 3.3: BN makes training insensitive to the scale of the weights)",
            (Verdicts(f.init),),
            answer=f.init[0].text,
        ),
        Section(
            "Every run",
            (
                Details(
                    "Every run of the sweep",
                    (
                        Text("Empty final accuracy: the run diverged.", "caption"),
                        Table(
                            shown,
                            csv=table,
                            csv_name=f"{f.name}-sweep",
                            csv_label="Download the sweep table (CSV)",
                            percent=("final test acc.",),
                            formats={"final training loss (nats)": "%.2f"},
                        ),
                    ),
                ),
            ),
        ),
    ]
