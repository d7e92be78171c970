"""Train and eval as sections: one trained network tested each way, networks trained on one-class batches, the
training loss, and what to do."""

from __future__ import annotations

from bnviz.experiments.train_eval.findings import TrainEvalFindings
from bnviz.experiments.train_eval.modes import cell, modes
from bnviz.views import grid, practice_charts
from bnviz.views.phrases import listing
from bnviz.views.sections import Chart, Details, Section, Table, Text, Verdicts

READABLE = {"network": "trained network", "batches": "training batches", "mode": "mode (field)", "acc": "test accuracy"}
CELLS = {"mean": "mean over seeds", "lo": "lowest seed", "hi": "highest seed"}


def answer_of(f: TrainEvalFindings) -> str:
    """The BN network trained on random batches: eval mode, population statistics, eval() forgotten at the
    smallest test batch that runs, and one-class test batches."""
    run = cell(f.cells, "bnviz", "random", "running")
    if run is None:
        return "This result has no BN network trained on random batches."
    parts = [f"{grid.spread(run)} in eval mode"]
    if (pop := cell(f.cells, "bnviz", "random", "population")) is not None:
        parts.append(f"{grid.spread(pop)} with population statistics")
    forgotten = [
        (key, c)
        for key, _ in modes()
        if key.startswith("batch_stats/") and (c := cell(f.cells, "bnviz", "random", key)) is not None
    ]
    if forgotten:
        key, c = forgotten[-1]
        parts.append(f"{grid.spread(c)} with eval() forgotten at test batches of {int(key.split('/')[1]):,}")
    one_class = [
        c
        for key, _ in modes()
        if key.startswith("non_iid/") and (c := cell(f.cells, "bnviz", "random", key)) is not None
    ]
    if one_class:
        lo, hi = min(one_class, key=lambda c: c["mean"]), max(one_class, key=lambda c: c["mean"])
        parts.append(f"{grid.spread(lo)} to {grid.spread(hi)} on one-class test batches")
    return "The BN network trained on random batches scores " + listing(parts) + "."


def tested_each_way(f: TrainEvalFindings) -> Section:
    answer = answer_of(f)
    table = next(iter(f.tables.values()), None)
    return Section(
        "One trained network, tested each way",
        (
            Chart(
                practice_charts.modes_chart(
                    f.cells.rename(columns={"network": "line", "tested with": "mode_label"}).assign(
                        **{"training batches": f.cells["batches"]}
                    ),
                    [label for _, label in modes()],
                ),
                f.cells.drop(columns=["norm"]).rename(columns=READABLE | CELLS),
                f"{f.name}-modes",
                "Download accuracy per mode (CSV)",
            ),
            Text(
                "A mode with no point could not run (a test batch of one leaves BN no variance). Without normalization, "
                "or with LayerNorm, every mode is the same network.",
                "caption",
            ),
            Verdicts(f.test_time),
            Details(
                "Every network, every way of testing",
                (
                    Text(
                        "One column per trained network, one row per way of testing (every batch is a batch of test "
                        "images): mean test accuracy in %, and in brackets the distance in points from the lowest to "
                        "the highest seed.",
                        "caption",
                    ),
                    Table(
                        table,
                        csv=f.modes.drop(columns=["norm"]).rename(columns=READABLE),
                        csv_name=f"{f.name}-table",
                        csv_label="Download every seed (CSV)",
                    ),
                )
                if table is not None
                else (),
            ),
        ),
        answer=answer,
    )


def one_class_training(f: TrainEvalFindings) -> Section:
    chart = practice_charts.lines_over_steps(
        f.losses,
        "Cross-entropy (nats, mean since the last point)",
        "Training loss, mean and lowest to highest seed (dashed: one-class training batches)",
        log=True,
        dashes={
            line: "dashed" if b == "one-class" else "solid" for line, b in zip(f.losses["line"], f.losses["batches"])
        },
    )
    trained = [
        f"{name.removesuffix(', one-class training batches')} {grid.spread(c)}"
        for name in dict.fromkeys(f.cells["network"])
        if (c := grid.cell(f.cells, network=name, mode="running")) is not None and c["batches"] == "one-class"
    ]
    return Section(
        "Networks trained on one-class mini-batches",
        (
            Chart(
                chart,
                f.losses.drop(columns=["norm"]).rename(columns={"line": "trained network"} | READABLE | CELLS),
                f"{f.name}-train-loss",
                "Download the training loss (CSV)",
            ),
            Verdicts(f.training),
        ),
        answer=("Trained on one-class batches, tested in eval mode: " + ", ".join(trained) + "; chance is 10%.")
        if trained
        else "This result has no network trained on one-class batches.",
    )


def sections(f: TrainEvalFindings) -> list[Section]:
    if f.modes.empty:
        return [Section("Test-time modes", (Text("This result holds no final eval-mode fields.", "info"),))]
    return [
        tested_each_way(f),
        one_class_training(f),
        Section("What to do in your own code", (Text(f.meaning),), answer=f.meaning),
    ]
