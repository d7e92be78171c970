"""Where BN goes, as sections: best rate against best rate, where each placement trains, the redundant bias
seed by seed, training at the paper's rate, and what to do."""

from __future__ import annotations

from bnviz.experiments.bn_position.findings import BIAS_LR, PositionFindings
from bnviz.experiments.bn_position.rates import best_of, name
from bnviz.views import grid, practice_charts
from bnviz.views.phrases import pct, points, seed_range
from bnviz.views.sections import Chart, Columns, Details, Metric, Metrics, Section, Table, Text, Verdicts

DASHES = {"none": "solid", "before": "solid", "before+bias": "dotted", "after": "dashed"}  # BN's arms share red
READABLE = {  # the CSV downloads' columns as a reader reads them
    "name": "placement",
    "lr": "learning rate",
    "mean": "mean over seeds",
    "lo": "lowest seed",
    "hi": "highest seed",
    "trained": "seeds that trained",
    "trains_at": "trains (every seed) at",
    "without": "without the bias",
    "with": "with the bias",
    "difference": "with minus without",
}


def readable(df):
    """``df`` for a CSV download: the machine columns (kind, norm, position) out, the rest named for a reader."""
    return df.drop(columns=[c for c in ("kind", "norm", "position") if c in df]).rename(columns=READABLE)


def _activations(f: PositionFindings) -> list[str]:
    return list(dict.fromkeys(f.rates["activation"]))


def cards(f: PositionFindings) -> Metrics:
    """Each placement at its best rate, with its seed range; BN after against BN before, and whether beyond the spread."""
    items = []
    for g in _activations(f):
        before = best_of(f.best, g, "before")
        for k in ("none", "before", "after"):
            c = best_of(f.best, g, k)
            if c is None:
                continue
            delta = beyond = None
            if k == "after" and before is not None:
                delta = f"{points(c['mean'] - before['mean'])} vs BN before, {grid.versus(c, before)}"
                beyond = grid.clearly_above(c, before) or grid.clearly_above(before, c)
            items.append(
                Metric(
                    f"{g}: {name(g, k)}, best lr {c['lr']:g}",
                    pct(c["mean"]),
                    seed_range(c["lo"], c["hi"], int(c["seeds"])),
                    delta,
                    f"Final test accuracy at its best learning rate; it trains (every seed) at {c['trains_at']}",
                    beyond,
                )
            )
    return Metrics(tuple(items))


def best_answer(f: PositionFindings) -> str:
    parts = []
    for g in _activations(f):
        before, after = best_of(f.best, g, "before"), best_of(f.best, g, "after")
        if before is not None and after is not None:
            parts.append(
                f"with {g}, BN after reaches {grid.spread(after)} at lr {after['lr']:g} and BN before "
                f"{grid.spread(before)} at lr {before['lr']:g} ({points(after['mean'] - before['mean'])} for after, "
                f"{grid.versus(after, before)})"
            )
    return ("Best rate against best rate: " + "; ".join(parts) + ".") if parts else "No placement trained at any rate."


def best_vs_best(f: PositionFindings) -> Section:
    charts = tuple(
        Chart(
            practice_charts.accuracy_by_rate(d, f"{g}: final test accuracy against the learning rate"),
            readable(d),
            f"{f.name}-{g}-by-rate",
            "Download the cells (CSV)",
        )
        for g in _activations(f)
        if len(d := f.rates[(f.rates["activation"] == g) & (f.rates["kind"] != "before+bias")])
    )
    tables = list(f.tables.items())
    return Section(
        "Before or after the nonlinearity, each at its best learning rate",
        (
            Columns(charts),
            Text(
                "Mean over seeds; bar: lowest to highest seed; a cross on the bottom edge: a rate where not every "
                "seed trained (diverged: a non-finite loss; exploded: a training loss over the run's last fifth "
                "above twice chance, 2 ln 10; stuck at chance: under 20% test accuracy).",
                "caption",
            ),
            cards(f),
            Verdicts(f.placement),
            Details(
                "Best rate against best rate, as a table",
                (Table(tables[1][1], csv=readable(f.best), csv_name=f"{f.name}-best"),),
            ),
        ),
        answer=best_answer(f),
    )


def stable_ranges(f: PositionFindings) -> Section:
    title, table = next(iter(f.tables.items()))
    held = [v for v in f.stability if v.claim.startswith("BN before the")]
    answer = (
        "; ".join(f"{v.claim.split(' trains')[0]}: {v.evidence}" for v in held) + "."
        if held
        else "These runs hold no placements to compare over rates."
    )
    return Section(
        "Where each placement trains at all",
        (
            Table(
                table, csv=readable(f.rates), csv_name=f"{f.name}-rates", csv_label="Download every cell (CSV, numbers)"
            ),
            Text(f"{title}. A cell where not every seed trained says what its seeds did.", "caption"),
            Verdicts(f.stability),
        ),
        answer=answer,
    )


def redundant_bias(f: PositionFindings) -> Section:
    table = list(f.tables.values())[2]
    return Section(
        "The bias BN makes redundant",
        (
            Table(
                table, csv=readable(f.bias), csv_name=f"{f.name}-bias", csv_label="Download the seeds (CSV, numbers)"
            ),
            Text(
                f"BN before g (g the nonlinearity) at lr {BIAS_LR:g}, with and without a bias in the weight layer before "
                "it. Both arms of a seed start from the same weights (the bias at 0) and see the same batches.",
                "caption",
            ),
            Verdicts(f.redundant),
        ),
        answer=" ".join(f"{v.claim}: {v.evidence}." for v in f.redundant) or "This result has no bias arms.",
    )


def over_training(f: PositionFindings) -> Section:
    panels = tuple(
        Chart(
            practice_charts.lines_over_steps(
                d,
                "Test accuracy (fraction correct)",
                f"{g} at lr {BIAS_LR:g}: test accuracy, mean and lowest to highest seed",
                fmt=".0%",
                dashes={line: DASHES[k] for line, k in zip(d["line"], d["kind"])},
            )
        )
        for g in _activations(f)
        if len(d := f.paper_rate[f.paper_rate["activation"] == g])
    )
    return Section(
        f"Test accuracy over training at lr {BIAS_LR:g}",
        (
            Text(
                "BN's arms share BN's red: before the nonlinearity g solid, with the bias dotted, after g dashed.",
                "caption",
            ),
            *panels,
        ),
        answer=f"At one rate, {BIAS_LR:g}, the placements' curves: where the single-rate comparison came from.",
    )


def sections(f: PositionFindings) -> list[Section]:
    return [
        best_vs_best(f),
        stable_ranges(f),
        redundant_bias(f),
        over_training(f),
        Section("What to do in your own code", (Text(f.meaning),), answer=f.meaning),
    ]
