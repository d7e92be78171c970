"""Momentum conventions as sections: test accuracy through the running averages, how far they trail, and what
to do."""

from __future__ import annotations

import altair as alt

from bnviz.experiments.bn_momentum import MOMENTA
from bnviz.experiments.bn_momentum.findings import READABLE, REFERENCE, MomentumFindings, bands, label
from bnviz.views import blocks, practice_charts
from bnviz.views.phrases import spread
from bnviz.views.sections import Chart, Details, Section, Table, Text, Verdicts

# All three arms are BN: red, BN's colour everywhere, in three shades, and three dash patterns
COLORS = {0.1: "#d62728", 0.01: "#ff9896", None: "#7f1d1d"}
DASHES = {0.1: "solid", 0.01: "dashed", None: "dotted"}


def _lines(title: str, y_title: str, cells, **kw):
    lines = [label(m) for m in MOMENTA]
    colors = alt.Scale(domain=lines, range=[COLORS[m] for m in MOMENTA])
    dashes = {label(m): DASHES[m] for m in MOMENTA}
    return practice_charts.lines_over_steps(cells, y_title, title, log_x=True, colors=colors, dashes=dashes, **kw)


def accuracy(f: MomentumFindings) -> Section:
    trained = f.lags[f.lags["step"] > 0]
    chart = _lines(
        "Test accuracy in eval mode, mean and lowest to highest seed (log steps)",
        "Test accuracy (eval mode, fraction correct)",
        bands(trained, "test_acc"),
        fmt=".0%",
    )
    table = next(iter(f.tables.values()), None)
    return Section(
        "Test accuracy through the running averages",
        (
            Chart(
                chart,
                f.lags.rename(columns=READABLE),
                f"{f.name}-curves",
                "Download accuracy, loss and lag per seed (CSV)",
            ),
            blocks.headline_cards(f.finals),
            Verdicts(f.training + f.costs),
            Details(
                "Early and late, each with its seed range",
                (Table(table, csv=f.window_table, csv_name=f"{f.name}-windows"),) if table is not None else (),
            ),
        ),
        answer=accuracy_answer(f),
    )


def accuracy_answer(f: MomentumFindings) -> str:
    """Where a convention cost accuracy beyond the seed spread, and how much (the window's means)."""
    costly = [(line, phase) for (line, phase), v in zip(f.cost_of, f.costs) if v.outcome == "supports"]
    if not costly:
        return "No convention cost test accuracy beyond the seed spread against PyTorch's 0.1, early or late."
    t = f.window_table.set_index(["convention", "window"])
    ref = t.xs(label(REFERENCE))

    def acc(r) -> str:
        return spread(r["accuracy mean"], r["accuracy lo"], r["accuracy hi"], int(r["seeds"]))

    parts = [
        f"the {line} {phase} in training, {acc(t.loc[(line, phase)])} against {acc(ref.loc[phase])}"
        for line, phase in costly
    ]
    return "Against PyTorch's 0.1, beyond the seed spread: " + "; ".join(parts) + " (means over the window)."


def lag(f: MomentumFindings) -> Section:
    trained = f.lags[f.lags["step"] > 0]
    return Section(
        "How far the running averages trail the network",
        (
            Chart(_lines("Running mean lag, in stds", "Running mean lag (stds)", bands(trained, "mean_lag"), log=True)),
            Text(
                "|running_mean − μ| / σ and |√running_var − σ| / σ on a fixed batch of 1,000 training images, where "
                "μ and σ are what the current network gives that batch in training mode; averaged over units and "
                "the three BN layers (bnviz.train.running_lag). Both axes are logarithmic.",
                "caption",
            ),
            Chart(
                _lines(
                    "Running std lag, as a fraction of σ",
                    "Running std lag (fraction of σ)",
                    bands(trained, "std_lag"),
                    log=True,
                )
            ),
            Verdicts(tuple(v for v in f.verdicts if v.claim.startswith("The largest shortfall"))),
        ),
        answer=lag_answer(f),
    )


def lag_answer(f: MomentumFindings) -> str:
    """How far each convention's running mean trails, early and late (means over the window and the seeds)."""
    t = f.window_table
    if t is None or t.empty:
        return "This result holds no lag measurements."
    parts = []
    for line, d in t.groupby("convention", sort=False):
        lags = d.set_index("window")["lag mean"]
        parts.append(f"{line}: {lags.get('early', float('nan')):.3f} early, {lags.get('late', float('nan')):.3f} late")
    return "The running mean trails the current network's statistics, in stds, by " + "; ".join(parts) + "."


def sections(f: MomentumFindings) -> list[Section]:
    return [accuracy(f), lag(f), Section("What to do in your own code", (Text(f.meaning),), answer=f.meaning)]
