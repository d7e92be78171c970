"""Batch size as sections: BN over two examples, the MLP and the CNN against batch size, Batch Renorm and Ghost
BN, and what to do."""

from __future__ import annotations

from bnviz.experiments.batch_size import EXAMPLES, LR_PER_EXAMPLE, MODEL_NAMES
from bnviz.experiments.batch_size.cells import at, best, sizes
from bnviz.experiments.batch_size.findings import BatchFindings
from bnviz.norms import GHOST_BATCH
from bnviz.views import blocks, grid, practice_charts
from bnviz.views.sections import Chart, Details, Section, Table, Text, Toggle, Verdicts

CELLS = {
    "network": "network",
    "arm": "normalization",
    "batch_size": "batch size",
    "mean": "mean over seeds",
    "lo": "lowest seed",
    "hi": "highest seed",
}


def two_examples(f: BatchFindings) -> Section:
    small = f.curves.merge(f.finals[["arm", "seed", "model", "batch_size"]], on=["arm", "seed"])
    small = small[(small["model"] == "mlp") & (small["batch_size"] == 2)]
    charts = (
        (
            blocks.accuracy_chart(
                small.drop(columns=["model", "batch_size"]),
                f"{f.name}-mlp-batch-2",
                "The MLP at batch 2: test accuracy, mean and lowest to highest seed",
            ),
        )
        if len(small)
        else ()
    )
    return Section(
        "BN over two examples: x̂ = ±1",
        (
            *charts,
            Table(
                f.pair, csv_name=f"{f.name}-two-examples", formats={c: "%.6f" for c in f.pair.columns if c != "unit"}
            ),
            Text(
                "bnviz's BatchNorm1d in training mode on a batch of two (six units of random pre-activations, ε = 1e-5): "
                "μ_B is the midpoint, σ_B half the distance, so x̂₁ = (x₁ − x₂)/√((x₁ − x₂)² + 4ε) and x̂₂ = −x̂₁. "
                "Only the sign of x₁ − x₂ survives (with ε = 0, exactly ±1).",
                "caption",
            ),
            Verdicts(tuple(v for v in f.others if v.claim.startswith("The MLP's batch 2"))),
        ),
        answer=(
            f"Over a batch of two, BN turns every unit into ±1: {f.shares['mlp']:.0%} of a 100-unit layer's x̂ are "
            f"exactly ±1 (ε = 0), against {f.shares['mnist-cnn']:.1%} of a conv map's, which averages over 2·H·W "
            "values. So the MLP's batch 2 tests something else than Wu & He's."
        ),
    )


def by_batch(f: BatchFindings, model: str, title: str) -> Section:
    cells = f.cells[f.cells["model"] == model]
    top = float(cells["hi"].max()) if len(cells) else 1.0
    zoom = [top - 0.08, min(1.0, top + 0.005)]
    csv = cells.drop(columns=["model", "norm"]).rename(columns=CELLS)
    table = next(t for k, t in f.tables.items() if k.startswith(MODEL_NAMES[model]))
    lost = f.lost.get(model, [])
    small = sizes(f.cells, model)[0]
    bn, winner = at(f.cells, model, "bnviz", small), best(f.cells, model, small)
    answer = (
        f"In the {MODEL_NAMES[model]}, BN falls behind the best arm beyond the seed spread at batch "
        f"{grid.listing(map(str, lost))}; at batch {small} BN reaches {grid.spread(bn)} against "
        f"{winner['arm']}'s {grid.spread(winner)}."
        if lost
        else f"In the {MODEL_NAMES[model]}, BN keeps level with the best arm at every batch from {small} up"
        + (f" (batch {small}: {grid.spread(bn)})." if bn is not None else ".")
    )
    steps = f"{EXAMPLES[model]:,} training examples per run, lr = {LR_PER_EXAMPLE[model]:g} x batch size"
    ghost = (
        f" Ghost BN is drawn only above its virtual batch of {GHOST_BATCH}: below it, it is BN."
        if model == "mlp"
        else ""
    )
    return Section(
        title,
        (
            Toggle(
                "The whole accuracy range (off: the top 8 points, where the arms that train differ)",
                on=(
                    Chart(
                        practice_charts.accuracy_by_batch(cells),
                        csv,
                        f"{f.name}-{model}-by-batch",
                        "Download the cells (CSV)",
                    ),
                ),
                off=(
                    Chart(
                        practice_charts.accuracy_by_batch(cells, zoom),
                        csv,
                        f"{f.name}-{model}-by-batch-zoomed",
                        "Download the cells (CSV)",
                        caption="Points below the range are drawn on its bottom edge.",
                    ),
                ),
            ),
            Text(f"{steps}.{ghost}", "caption"),
            Verdicts(f.by_model.get(model, ())),
            Details(
                "Every batch size, every normalization",
                (
                    Text(
                        "Mean final test accuracy in %, and in brackets the distance in points from the lowest to the highest seed.",
                        "caption",
                    ),
                    Table(
                        table,
                        csv=csv,
                        csv_name=f"{f.name}-{model}-table",
                        csv_label="Download the table (CSV, numbers)",
                    ),
                ),
            ),
        ),
        answer=answer,
    )


def renorm_and_ghost(f: BatchFindings) -> Section:
    notes = tuple(v for v in f.others if not v.claim.startswith("The MLP's batch 2"))
    shown = f.renorm.assign(**{c: [f"{x:.2f}" for x in f.renorm[c]] for c in ("r_max reached", "d_max reached")})
    return Section(
        "Batch Renorm's correction, and Ghost BN",
        (
            Table(shown, csv=f.renorm, csv_name=f"{f.name}-renorm-bounds", csv_label="Download the bounds (CSV)"),
            Text(
                "Batch Renorm clips its correction r to [1/r_max, r_max] and d to [−d_max, d_max]; the bounds start at "
                "plain BN's 1 and 0 and widen linearly to the paper's 3 and 5 (bnviz.norms.batch_renorm).",
                "caption",
            ),
            Verdicts(notes),
        ),
        answer=" ".join(v.text for v in notes if "recovers most" in v.claim)
        or "Batch Renorm's bounds as each run reached them, and Ghost BN where it differs from BN.",
    )


def sections(f: BatchFindings) -> list[Section]:
    out = [two_examples(f)] if "mlp" in set(f.cells["model"]) else []
    if "mlp" in set(f.cells["model"]):
        out.append(by_batch(f, "mlp", "The MLP: final test accuracy against batch size"))
    if "mnist-cnn" in set(f.cells["model"]):
        out.append(by_batch(f, "mnist-cnn", "Like for like: a CNN, where BN averages over N·H·W"))
    return [*out, renorm_and_ghost(f), Section("What to do in your own code", (Text(f.meaning),), answer=f.meaning)]
