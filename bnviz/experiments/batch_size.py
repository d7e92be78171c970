"""BN in practice, 1: below which batch size does BN fall behind, and which alternatives hold?

BN normalizes with the mini-batch's mean and variance, so its output for one example depends on
the others; with few examples those statistics are noisy in training and far from the running
averages used at test time. GroupNorm and LayerNorm normalize each example on its own, Batch
Renorm corrects the batch statistics toward the running ones (Ioffe 2017), and Ghost BN
normalizes virtual batches of 20 (at 20 examples or fewer it is BN).

Why this network and these sizes (measured pilot, one seed, real MNIST, 30,000 examples): the
CIFAR-10 CNN costs about 0.1 s a step here (the issue's figure; we did not time it again), so 5 norms x
6 batch sizes x 3 seeds would take hours; the MNIST MLP costs 1 to 2 ms a step at batch 2. The pilot showed the effect clearly on it: at
batch 2 BN reached 37.9% and Batch Renorm 68.1% while no normalization reached 93.6%, LN 93.6%
and GN 91.9%; at batch 8 BN reached 93.9%. We use ReLU rather than the paper's sigmoid because
the sigmoid network without normalization was still on its plateau (54.8% at batch 128) after
30,000 examples, which would make every comparison with the baseline say nothing. Every run sees
the same 30,000 training examples (half an epoch; ``30000 // batch`` steps) at a learning rate
proportional to the batch (0.005 per example, the paper's 0.3 at batch 60: the linear scaling
rule Wu & He 2018 also use), so a batch size changes the number of steps and the noise of the
statistics, not how far each example moves the weights. GroupNorm on a 100-unit layer makes 25
groups of 4 units (its 32-group rule): the literature's GN results are on conv nets, where a
group is a set of feature maps. Ghost BN runs only at batch 32 and 128: below its virtual
batch of 20 it is BN, and the analysis counts BN's runs there.
"""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.spec import CURVES, MNIST, MNIST_LR, Experiment, arm
from bnviz.norms import GHOST_BATCH, NORMS
from bnviz.views import analysis, grid, practice_charts
from bnviz.views.analysis import pct, points
from bnviz.views.legacy_sections import Chart, Section, Table, Text, Toggle, Verdict, Verdicts, verdicts_of
from bnviz.views.markdown import literal
from bnviz.views.style import norm_rank

ORDER = 110
PAGE = "practice"  # drawn on the "BN in practice" page, not among the paper's experiments
TAB = "Batch size"
QUESTION = "How small can the batch be before BN hurts, and what should you use instead when it is?"

EXAMPLES = 30_000  # training examples every run sees
SIZES = (2, 4, 8, 16, 32, 128)
LR_PER_EXAMPLE = MNIST_LR / MNIST.batch_size  # 0.005: lr = 0.005 x batch size
NORM_KINDS = ("none", "bnviz", "layer", "group", "renorm", "ghost")


def _lr(batch: int) -> float:
    return round(LR_PER_EXAMPLE * batch, 6)


def _arms():
    out = []
    for norm in NORM_KINDS:
        for b in SIZES:
            if norm == "ghost" and b <= GHOST_BATCH:
                continue  # one ghost batch: exactly BN
            steps = EXAMPLES // b
            base = MNIST.replace(
                activation="relu",
                batch_size=b,
                lr=_lr(b),
                steps=steps,
                eval_every=max(1, steps // 10),
                probe_every=steps,
                early_probes=False,
            )
            out.append(arm(base, norm, f"{NORMS[norm].label}, batch {b}"))
    return tuple(out)


EXPERIMENT = Experiment(
    name="batch-size",
    title="Batch size: BN, GroupNorm, LayerNorm, Batch Renorm, Ghost BN and none, from batch 2 to 128 (MNIST)",
    about=f"The MNIST MLP (3x100 ReLU) trained on the same {EXAMPLES:,} examples at batch sizes "
    f"{', '.join(map(str, SIZES))}, learning rate {LR_PER_EXAMPLE:g} x batch size, with each normalization before "
    "every ReLU and without. Test accuracy uses each layer's eval mode (BN's running averages).",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES,
)


# ------------------------------------------------------------------ analysis
ALTERNATIVES = ("layer", "group", "renorm", "ghost")  # what the literature offers when BN's batch is small
WU_HE_GN_POINTS = 10.6  # Wu & He 2018, ImageNet ResNet-50 at batch 2 per GPU: GN's error 10.6 points below BN's


def size_table(result: dict) -> pd.DataFrame:
    """One row per (norm, batch size): mean, lowest and highest seed of the final test accuracy, and the seeds."""
    f = grid.finals(result, ("batch_size",))
    c = grid.cells(f, ["norm", "batch_size"])
    c["arm"] = c["norm"].map(grid.label)
    return c.sort_values(["batch_size", "norm"], key=lambda s: s.map(norm_rank) if s.name == "norm" else s)


def _at(table: pd.DataFrame, norm: str, size: int) -> pd.Series | None:
    """A norm's cell at one size; Ghost BN at or below its virtual batch is BN's (one ghost batch is the batch)."""
    if norm == "ghost" and size <= GHOST_BATCH:
        norm = "bnviz"
    return grid.cell(table, norm=norm, batch_size=size)


def _best(table: pd.DataFrame, size: int) -> pd.Series | None:
    at = table[(table["batch_size"] == size) & table["mean"].notna()]
    return at.loc[at["mean"].idxmax()] if len(at) else None


def behind(table: pd.DataFrame, norm: str, size: int) -> bool | None:
    """Is ``norm`` behind the best arm at ``size`` beyond the seed spread (the best's worst seed above its best)?"""
    c, best = _at(table, norm, size), _best(table, size)
    if c is None or best is None or pd.isna(c["mean"]):
        return None
    return grid.clearly_above(best, c)


def bn_verdicts(table: pd.DataFrame) -> tuple[list[Verdict], list[int]]:
    """Where BN falls behind the best arm, and the sizes at which it does."""
    sizes = [int(s) for s in sorted(table["batch_size"].unique())]
    lost = [int(s) for s in sizes if behind(table, "bnviz", s)]
    if not sizes or _at(table, "bnviz", sizes[0]) is None:
        return [Verdict("This result has no BN runs to compare.", None)], []
    detail = "; ".join(
        f"batch {s}: BN {grid.spread(_at(table, 'bnviz', s))}, best {literal(_best(table, s)['arm'])} "
        f"{grid.spread(_best(table, s))}"
        for s in lost
    )
    if not lost:
        text = (
            f"Does BN fall behind at small batches? no: at every batch size from {sizes[0]} to {sizes[-1]} BN's best "
            "seed reaches the best arm's worst seed."
        )
        return [Verdict(text, False)], lost
    above = [s for s in sizes if s > max(lost)]
    if above and all(not behind(table, "bnviz", s) for s in above):
        where = (
            f"below batch {above[0]}"
            if lost == [s for s in sizes if s < above[0]]
            else f"at batch {grid.listing(map(str, lost))}"
        )
        text = f"Does BN fall behind at small batches? yes, {where}: its best seed is below the best arm's worst seed ({detail})."
    else:
        text = f"Does BN fall behind at small batches? at every batch size here ({detail})."
    return [Verdict(text, bool(lost[0] == sizes[0]))], lost


def alternative_verdicts(table: pd.DataFrame, lost: list[int]) -> list[Verdict]:
    """At the sizes where BN falls behind: which alternatives stay level with the best arm."""
    out = []
    if not lost:
        return out
    for norm in ALTERNATIVES:
        measured = [s for s in lost if _at(table, norm, s) is not None]
        if not measured:
            continue
        if norm == "ghost" and all(s <= GHOST_BATCH for s in measured):
            out.append(
                Verdict(
                    f"Ghost BN at batch {grid.listing(map(str, measured))}: at or below its virtual batch of "
                    f"{GHOST_BATCH} it is BN, so it falls behind with BN.",
                    None,
                )
            )
            continue
        held = [s for s in measured if not behind(table, norm, s)]
        values = "; ".join(f"batch {s}: {grid.spread(_at(table, norm, s))}" for s in measured)
        if len(held) == len(measured):
            text = f"{grid.label(norm)} holds where BN falls behind: level with the best arm at every such size ({values})."
        elif held:
            text = f"{grid.label(norm)} holds at batch {grid.listing(map(str, held))} only ({values})."
        else:
            text = f"{grid.label(norm)} does not hold: behind the best arm wherever BN is ({values})."
        out.append(Verdict(text, len(held) == len(measured)))
    return out


def literature_verdicts(table: pd.DataFrame) -> list[Verdict]:
    """Wu & He 2018 (GN at batch 2) and Ioffe 2017 (Batch Renorm at small batches), against our smallest batch."""
    sizes = sorted(table["batch_size"].unique())
    if not sizes:
        return []
    small = sizes[0]
    bn, gn = _at(table, "bnviz", small), _at(table, "group", small)
    out = []
    if bn is not None and gn is not None:
        points = 100 * (gn["mean"] - bn["mean"])  # error difference = accuracy difference
        agree = grid.clearly_above(gn, bn)
        out.append(
            Verdict(
                f"Wu & He 2018 (ResNet-50 on ImageNet, batch 2): GN's error is {WU_HE_GN_POINTS} points lower than "
                f"BN's. Ours at batch {small}: GN's error is {abs(points):.1f} points {'lower' if points > 0 else 'higher'} "
                f"than BN's ({pct(1 - gn['mean'])} vs {pct(1 - bn['mean'])}); "
                + (
                    "we agree on the direction, beyond the seed spread." if agree else "we do not see GN clearly ahead."
                ),
                agree,
            )
        )
    gn_behind = [int(s) for s in sizes if behind(table, "group", s)]
    if gn is not None and gn_behind == [int(s) for s in sizes]:
        out.append(
            Verdict(
                "GN is behind the best arm at every batch size here, also where BN does well: a group on this MLP is "
                f"{_group_size(table)} of a layer's units, not a set of feature maps as in Wu & He's conv nets.",
                None,
            )
        )
    out += renorm_verdicts(table)
    return out


def _group_size(table: pd.DataFrame) -> str:
    from bnviz.norms.group_norm import divisor_groups

    width = MNIST.width
    return f"{width // divisor_groups(width)}"


def renorm_verdicts(table: pd.DataFrame) -> list[Verdict]:
    """Ioffe 2017: the share of BN's small-batch loss (against BN's own best size) that Batch Renorm wins back,
    at every size where BN falls behind (the smallest size if it never does). Agreement: at least half, everywhere."""
    bn_sizes = table[(table["norm"] == "bnviz") & table["mean"].notna()]
    if len(bn_sizes) < 2 or table[table["norm"] == "renorm"].empty:
        return []
    top = bn_sizes.loc[bn_sizes["mean"].idxmax()]
    _, lost = bn_verdicts(table)
    sizes = lost or [int(bn_sizes["batch_size"].min())]
    shares = {}
    for size in sizes:
        bn, brn = _at(table, "bnviz", size), _at(table, "renorm", size)
        if bn is None or brn is None or top["mean"] - bn["mean"] <= 0:
            continue
        shares[size] = ((brn["mean"] - bn["mean"]) / (top["mean"] - bn["mean"]), bn, brn)
    if not shares:
        return [
            Verdict(
                f"BN loses nothing at batch {grid.listing(map(str, sizes))} here: Batch Renorm has nothing to recover.",
                None,
            )
        ]
    agree = all(share >= 0.5 for share, _, _ in shares.values())
    detail = "; ".join(
        f"at batch {size} BN loses {100 * (top['mean'] - bn['mean']):.1f} points and Batch Renorm "
        f"({pct(brn['mean'])}) wins back {100 * share:.1f}% of them"
        for size, (share, bn, brn) in shares.items()
    )
    return [
        Verdict(
            "Ioffe 2017 (Inception v3 on ImageNet, small mini-batches): Batch Renorm recovers most of what BN loses. "
            f"Ours, against BN's best batch size ({int(top['batch_size'])}: {pct(top['mean'])}): {detail}; "
            + ("we agree." if agree else "we do not see it recover most of the loss at every such size."),
            agree,
        )
    ]


def ghost_verdicts(table: pd.DataFrame) -> list[Verdict]:
    out = []
    for s in sorted(table[(table["norm"] == "ghost") & (table["batch_size"] > GHOST_BATCH)]["batch_size"].unique()):
        gbn, bn = _at(table, "ghost", s), _at(table, "bnviz", s)
        if bn is None:
            continue
        diff = gbn["mean"] - bn["mean"]
        if grid.clearly_above(gbn, bn):
            how = "Ghost BN ahead beyond the seed spread"
        elif grid.clearly_above(bn, gbn):
            how = "BN ahead beyond the seed spread"
        else:
            how = "within the seed spread"
        out.append(
            Verdict(
                f"At batch {s}, Ghost BN (virtual batches of {GHOST_BATCH}) {grid.spread(gbn)} vs BN {grid.spread(bn)}: "
                f"{points(diff)}, {how}.",
                None,
            )
        )
    return out


def advice(table: pd.DataFrame, lost: list[int]) -> str:
    """What the verdicts support, and nothing more."""
    sizes = sorted(table["batch_size"].unique())
    if not lost:
        return (
            f"In this network BN was level with the best normalization at every batch size from {sizes[0]} to "
            f"{sizes[-1]}: these runs give no reason to replace it."
        )
    holders = [
        grid.label(n)
        for n in ALTERNATIVES
        if all(_at(table, n, s) is not None and not behind(table, n, s) for s in lost)
    ]
    plain = all(_at(table, "none", s) is not None and not behind(table, "none", s) for s in lost)
    fine = [s for s in sizes if s not in lost]
    if holders:
        what = f" Use {' or '.join(holders)} there: level with the best arm at every one of those sizes."
    else:
        what = " None of the alternatives tried here held at all of those sizes."
    if plain:
        what += " So was no normalization at all: at those sizes this network did not need one."
    return (
        f"With {grid.listing(map(str, lost))} examples per batch, BN fell behind the best arm.{what}"
        + (
            f" From batch {fine[0]} up, BN was level with the best and needs no replacing."
            if fine and min(fine) > max(lost)
            else ""
        )
        + " Measured on an MNIST MLP; on conv nets, where the literature's numbers come from, check your own sizes."
    )


def _zoom(table: pd.DataFrame) -> list[float]:
    top = float(table["hi"].max()) if len(table) else 1.0
    return [top - 0.08, min(1.0, top + 0.005)]


def _compact(c: pd.Series | None) -> str:
    """``93.65 (0.28)``: the mean in percent and, in brackets, how far apart the lowest and highest seed are."""
    if c is None or pd.isna(c["mean"]):
        return "—"
    return f"{100 * c['mean']:.2f}" + (f" ({100 * (c['hi'] - c['lo']):.2f})" if c["seeds"] > 1 else "")


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    table = size_table(result)
    bn, lost = bn_verdicts(table)
    sizes = sorted(table["batch_size"].unique())
    wide = pd.DataFrame({"batch size": sizes})
    for norm in NORM_KINDS:
        wide[grid.label(norm)] = [
            _compact(_at(table, norm, s)) if norm != "ghost" or s > GHOST_BATCH else "= BN" for s in sizes
        ]
    smallest = min(table["batch_size"]) if len(table) else None
    small_runs = {**result, "runs": [r for r in result["runs"] if r["config"].get("batch_size") == smallest]}
    examples = sorted({r["config"]["steps"] * r["config"]["batch_size"] for r in result["runs"]})
    seen = (
        (
            f"{examples[0]:,} to {examples[-1]:,} training examples per run (steps = examples // batch size)"
            if len(examples) > 1
            else f"{examples[0]:,} training examples per run"
        )
        if examples
        else ""
    )
    return [
        Section(
            "Final test accuracy against batch size",
            (
                Toggle(
                    "The whole accuracy range (off: the top 8 points, where the arms that train differ)",
                    on=(
                        Chart(
                            practice_charts.accuracy_by_batch(table),
                            table,
                            f"{name}-by-batch",
                            "Download the cells (CSV)",
                        ),
                    ),
                    off=(
                        Chart(
                            practice_charts.accuracy_by_batch(table, _zoom(table)),
                            table,
                            f"{name}-by-batch-zoomed",
                            "Download the cells (CSV)",
                        ),
                    ),
                ),
                Text(
                    f"{seen}. Ghost BN is drawn only above its virtual batch of {GHOST_BATCH}: below it, it is BN. "
                    "Table: mean final test accuracy in %, and in brackets the distance in points from the lowest "
                    "to the highest seed (the CSV has both).",
                    "caption",
                ),
                Table(wide, csv=table, csv_name=f"{name}-table", csv_label="Download the table (CSV, numbers)"),
            ),
        ),
        Section(
            "Verdicts",
            (
                Verdicts(
                    tuple(
                        analysis.synthetic_caveat(result)
                        + bn
                        + alternative_verdicts(table, lost)
                        + literature_verdicts(table)
                        + ghost_verdicts(table)
                    )
                ),
            ),
        ),
        Section(
            f"Training at batch {smallest}",
            (
                analysis.accuracy_chart(
                    small_runs,
                    f"{name}-batch-{smallest}",
                    f"Test accuracy at batch {smallest}, mean and min-max over seeds",
                ),
            ),
        ),
        Section("What to do in your own code", (Text(advice(table, lost)),)),
    ]


def summarize(result: dict) -> dict:
    table = size_table(result)
    _, lost = bn_verdicts(table)
    cells = {
        f"{grid.label(n)}, batch {int(s)}": {
            "mean": round(m, 6),
            "lowest_seed": round(lo, 6),
            "highest_seed": round(hi, 6),
        }
        for n, s, m, lo, hi in zip(table["norm"], table["batch_size"], table["mean"], table["lo"], table["hi"])
    }
    return {
        "final_test_acc_by_batch": cells,
        "bn_behind_the_best_at_batch": [int(s) for s in lost],
        "verdicts": [v.text for v in verdicts_of(analyze(result))],
        "advice": advice(table, lost),
    }
