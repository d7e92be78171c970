"""BN in practice, 4: BN before or after the nonlinearity, and the bias BN makes redundant.

Section 3.2 puts BN just before the nonlinearity, z = g(BN(Wu)), and drops the weight layer's
bias: BN subtracts the mean, so a bias b in BN(Wu + b) is cancelled and its gradient is zero; β
takes its role. Practice often puts BN after the nonlinearity instead, z = BN(g(Wu + b)), where
the bias is not redundant. We train both positions for sigmoid and ReLU networks, the paper's
position with and without the redundant bias, and no BN as the reference.

Why this network and these sizes (measured pilot, one seed, real MNIST, 3,000 steps): the MNIST
MLP (3x100, batch 60, plain SGD, lr 0.3, init std 0.1) trains in 6 to 22 s a run here. In the
pilot, sigmoid: no BN 91.1%, BN before 95.1%, BN after 96.7%; ReLU: no BN 96.1%, BN before 97.1%,
BN after 97.0%. 3,000 steps (three epochs) separate the sigmoid arms and keep 24 runs within
minutes; the ReLU arms are close, which three seeds should tell apart from noise or not.
"""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.views import analysis, grid, practice_charts, records
from bnviz.views.analysis import pct, points
from bnviz.views.legacy_sections import Chart, Section, Table, Text, Verdict, Verdicts, verdicts_of

ORDER = 140
PAGE = "practice"
TAB = "Where BN goes"
QUESTION = (
    "Should BN go before the nonlinearity, as the paper puts it, or after it, and does the layer before it need a bias?"
)

STEPS, EVAL_EVERY = 3_000, 150
ACTIVATIONS = ("sigmoid", "relu")


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=EVAL_EVERY, probe_every=STEPS, early_probes=False)
    out = []
    for g in ACTIVATIONS:
        out += [
            arm(base, "none", f"{g}: no BN", activation=g),
            arm(base, "bnviz", f"{g}: BN before {g}, no bias (the paper)", activation=g),
            arm(base, "bnviz", f"{g}: BN before {g}, with bias", activation=g, bias=True),
            arm(base, "bnviz", f"{g}: BN after {g}", activation=g, norm_position="after"),
        ]
    return tuple(out)


EXPERIMENT = Experiment(
    name="bn-position",
    title="Where BN goes: before or after the nonlinearity, with or without the redundant bias (MNIST)",
    about=f"The MNIST MLP (3x100, batch 60, plain SGD, lr 0.3) for {STEPS:,} steps with sigmoid and with ReLU "
    "units: BN before each nonlinearity without a bias (the paper's Section 3.2), the same with the bias BN makes "
    "redundant, BN after each nonlinearity (the weight layer keeps its bias there), and no BN.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES,
)


# ------------------------------------------------------------------ analysis
FIELDS = ("activation", "norm_position", "bias")
# ducha-aiki/caffenet-benchmark, batchnorm.md (CaffeNet on ImageNet, 128-px images): top-1 accuracy
CAFFENET = {"before": 0.474, "after": 0.499}


ROWS = {
    "none": "no BN",
    "before": "BN before {g} (the paper)",
    "before+bias": "BN before {g}, with bias",
    "after": "BN after {g}",
}


def kind(norm: str, position: str, bias) -> str:
    """Which of the four arms of an activation a config is: "none", "before", "before+bias" or "after"."""
    if norm == "none":
        return "none"
    if position == "after":
        return "after"
    return "before+bias" if bias else "before"


def arm_table(result: dict) -> pd.DataFrame:
    """One row per arm: its activation, kind, and final test accuracy over seeds (mean, lowest, highest)."""
    f = grid.finals(result, FIELDS)
    f["activation"] = f["activation"].fillna("sigmoid")  # None is the MLP's own: sigmoid
    f["kind"] = [kind(n, p, b) for n, p, b in zip(f["norm"], f["norm_position"], f["bias"])]
    c = grid.cells(f, ["activation", "kind", "norm", "arm"])
    c["line"] = [ROWS[k].format(g=g) for k, g in zip(c["kind"], c["activation"])]  # the panel names the activation
    c["panel"] = c["activation"]
    return c


def _get(table, g, k):
    return grid.cell(table, activation=g, kind=k)


def _compare(a: pd.Series, b: pd.Series) -> str:
    """``a`` against ``b`` in words: ahead or behind beyond the seed spread, or within it."""
    if grid.clearly_above(a, b):
        return "ahead beyond the seed spread"
    if grid.clearly_above(b, a):
        return "behind beyond the seed spread"
    return "within the seed spread"


def position_verdicts(table: pd.DataFrame) -> list[Verdict]:
    out = []
    for g in dict.fromkeys(table["activation"]):
        before, after = _get(table, g, "before"), _get(table, g, "after")
        if before is None or after is None:
            continue
        ok = not grid.clearly_above(after, before)
        out.append(
            Verdict(
                f"{g}: is the paper's position, BN before the {g}, at least as good as after it? "
                f"{'yes' if ok else 'no'}: before {grid.spread(before)}, after {grid.spread(after)} "
                f"({points(after['mean'] - before['mean'])} for after, {_compare(after, before)}).",
                ok,
            )
        )
        if g == "relu":
            agree = grid.clearly_above(after, before)
            out.append(
                Verdict(
                    f"The CaffeNet benchmark (ducha-aiki/caffenet-benchmark, ImageNet at 128 px) found BN after ReLU "
                    f"ahead: {100 * CAFFENET['after']:.1f}% vs {100 * CAFFENET['before']:.1f}% top-1. Ours: "
                    f"{'we agree, after is ahead beyond the seed spread' if agree else 'we do not see after ahead'} "
                    f"({pct(after['mean'])} vs {pct(before['mean'])}).",
                    agree,
                )
            )
    return out


def bias_verdicts(table: pd.DataFrame) -> list[Verdict]:
    out = []
    for g in dict.fromkeys(table["activation"]):
        plain, biased = _get(table, g, "before"), _get(table, g, "before+bias")
        if plain is None or biased is None:
            continue
        same = not (grid.clearly_above(plain, biased) or grid.clearly_above(biased, plain))
        out.append(
            Verdict(
                f"{g}: the bias before BN is redundant (Section 3.2: BN subtracts the mean, so the bias's gradient is "
                f"zero): does adding it change nothing beyond the seed spread? {'yes' if same else 'no'}: with bias "
                f"{grid.spread(biased)}, without {grid.spread(plain)} ({points(biased['mean'] - plain['mean'])}).",
                same,
            )
        )
    return out


def baseline_verdicts(table: pd.DataFrame) -> list[Verdict]:
    out = []
    for g in dict.fromkeys(table["activation"]):
        none = _get(table, g, "none")
        bns = [c for k in ("before", "after") if (c := _get(table, g, k)) is not None]
        if none is None or not bns:
            continue
        best = max(bns, key=lambda c: c["mean"])
        out.append(
            Verdict(
                f"{g}: the better BN position ({best['kind']}) {grid.spread(best)} vs no BN "
                f"{grid.spread(none)}: {points(best['mean'] - none['mean'])}, {_compare(best, none)}.",
                None,
            )
        )
    return out


def advice(table: pd.DataFrame) -> str:
    """What the verdicts support, per activation: where BN goes, and whether the bias before it matters."""
    parts, no_effect, effect = [], [], []
    for g in dict.fromkeys(table["activation"]):
        before, after, biased = _get(table, g, "before"), _get(table, g, "after"), _get(table, g, "before+bias")
        if before is not None and after is not None:
            if grid.clearly_above(after, before):
                parts.append(f"with {g} units, put BN after the {g} (ahead here beyond the seed spread)")
            elif grid.clearly_above(before, after):
                parts.append(f"with {g} units, put BN before the {g}, as the paper does (ahead here)")
            else:
                parts.append(f"with {g} units either position did as well here")
        if before is not None and biased is not None:
            same = not (grid.clearly_above(before, biased) or grid.clearly_above(biased, before))
            (no_effect if same else effect).append(g)
    if no_effect:
        parts.append(f"the bias before BN can go: it changed nothing measurable with {' or '.join(no_effect)}")
    if effect:
        parts.append(
            f"the bias before BN made a difference with {' and '.join(effect)} that the seed spread does not explain"
        )
    if not parts:
        return "These runs hold no comparison of positions; nothing to recommend."
    text = "; ".join(parts)
    seeds = int(table["seeds"].min())
    return (
        text[0].upper()
        + text[1:]
        + f". Measured on an MNIST MLP over {seeds} seed{'s' if seeds > 1 else ''}; differences within the seed "
        "spread are not findings."
    )


def curves(result: dict) -> pd.DataFrame:
    """Test accuracy per arm and step: mean and min-max over seeds (``line`` is the arm), with its activation,
    norm and kind (from its config)."""
    frames = []
    for run in result["runs"]:
        config = run.get("config") or {}
        c = records.curves([run]).dropna(subset=["test_acc"])
        frames.append(
            c.assign(
                line=run["arm"],
                activation=config.get("activation") or "sigmoid",
                kind=kind(config.get("norm"), config.get("norm_position", "before"), config.get("bias")),
            )
        )
    c = (
        pd.concat(frames)
        if frames
        else pd.DataFrame(columns=["line", "activation", "kind", "norm", "step", "test_acc"])
    )
    return grid.cells(c, ["activation", "kind", "norm", "line", "step"], "test_acc")


DASHES = {"none": "solid", "before": "solid", "before+bias": "dotted", "after": "dashed"}  # BN's three arms share red


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    table = arm_table(result)
    shown = pd.DataFrame(
        {
            "arm": table["arm"],
            "final test accuracy, mean % (lowest–highest seed)": [grid.spread(c) for _, c in table.iterrows()],
        }
    )
    curve = curves(result)
    panels = tuple(
        Chart(
            practice_charts.lines_over_steps(
                d,
                "Test accuracy (fraction correct)",
                f"{g}: test accuracy, mean and min-max over seeds",
                fmt=".0%",
                dashes={line: DASHES[k] for line, k in zip(d["line"], d["kind"])},
            )
        )
        for g in dict.fromkeys(table["activation"])
        if len(d := curve[curve["activation"] == g])
    )
    return [
        Section(
            "Final test accuracy of every arm",
            (
                Chart(
                    practice_charts.dot_plot(table, "Final test accuracy: mean (dot), lowest to highest seed (bar)"),
                    table,
                    f"{name}-arms",
                    "Download the arms (CSV)",
                    stretch=False,
                ),
                Table(shown, csv=table, csv_name=f"{name}-table", csv_label="Download the table (CSV, numbers)"),
            ),
        ),
        Section(
            "Test accuracy over training",
            (
                Text("BN's arms share BN's red: before g solid, before g with bias dotted, after g dashed.", "caption"),
                *panels,
            ),
        ),
        Section(
            "Verdicts",
            (
                Verdicts(
                    tuple(
                        analysis.synthetic_caveat(result)
                        + position_verdicts(table)
                        + bias_verdicts(table)
                        + baseline_verdicts(table)
                    )
                ),
            ),
        ),
        Section("What to do in your own code", (Text(advice(table)),)),
    ]


def summarize(result: dict) -> dict:
    table = arm_table(result)
    return {
        "final_test_acc": {
            a: {"mean": round(m, 6), "lowest_seed": round(lo, 6), "highest_seed": round(hi, 6)}
            for a, m, lo, hi in zip(table["arm"], table["mean"], table["lo"], table["hi"])
        },
        "verdicts": [v.text for v in verdicts_of(analyze(result))],
        "advice": advice(table),
    }
