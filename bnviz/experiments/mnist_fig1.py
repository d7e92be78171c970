"""Figure 1 of the paper: the MNIST MLP with and without BN (Section 4.1).

Figure 1(a) is test accuracy against steps; the paper prints no numbers, only a plot in which the
BN network is ahead throughout (y-axis 70% to 100%). A student's reproduction printed two final
accuracies, the only printed MNIST numbers we compare with. Figure 1(b,c) are the 15th, 50th and
85th percentiles of one last-layer sigmoid's input over training.
"""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.spec import MNIST, Experiment, pair
from bnviz.views import analysis, charts, drift, probe_modes, records
from bnviz.views.analysis import pct, points, steps_text
from bnviz.views.sections import Chart, Columns, Download, Section, Table, Text, Toggle, Verdict, Verdicts

ORDER = 10  # place among the experiments (page tabs, CLI list)
EXPERIMENT = Experiment(
    name="mnist-fig1",
    title="MNIST, 3x100 sigmoid MLP, with and without BN (Figure 1)",
    about="Section 4.1: the same network trained with plain SGD, batch 60, for 50,000 steps, with BN "
    "before every sigmoid and without. Figure 1(a) is test accuracy against steps; Figure 1(b,c) the "
    "15/50/85th percentiles of one last-layer sigmoid's input over training.",
    arms=pair(MNIST, compile_bn=True),
    seeds=(0, 1, 2),
)
TAB = "MNIST Figure 1"

CHECKPOINTS = (1_000, 5_000, 10_000, 20_000, 50_000)  # steps the comparison table shows (as the README's table)
STUDENT = {"none": 0.9492, "bnviz": 0.9815}  # a student's reported reproduction (test accuracy) ...
STUDENT_STEPS = 50_000  # ... after this many steps
PAPER_Y_MIN = 0.7  # Figure 1(a)'s y-axis spans 0.7-1.0; the baseline is inside it from 10K steps on
PAPER_IN_RANGE_FROM = 10_000
NO_NUMBERS = (
    "The paper prints no MNIST accuracies: Figure 1(a) only shows that the BN network has the higher "
    "test accuracy throughout and reaches high accuracy faster (y-axis 70% to 100%)."
)
NORMS = ("none", "bnviz")


def table_steps(steps: list[int]) -> list[int]:
    """The checkpoints this run reached, plus its last eval step; a short run gets five evenly spaced steps."""
    steps = sorted(s for s in steps if s > 0)
    if not steps:
        return []
    chosen = [c for c in CHECKPOINTS if c in steps]
    if len(chosen) < 2:
        chosen = sorted({steps[round(i * (len(steps) - 1) / 4)] for i in range(5)})
    if steps[-1] not in chosen:
        chosen.append(steps[-1])
    return chosen


def comparison_numbers(result: dict) -> pd.DataFrame:
    """Ours (mean, lowest and highest seed) and the student's, per checkpoint and arm: numbers, for CSV."""
    band = analysis.accuracy_band(result)
    steps = table_steps(list(analysis.by_norm(band, "mean", NORMS).index))
    rows = []
    for step in steps:
        for norm in NORMS:
            b = band[(band["norm"] == norm) & (band["step"] == step)]
            rows.append(
                {
                    "step": step,
                    "arm": analysis.label(norm),
                    "norm": norm,
                    "mean": b["mean"].iloc[0] if len(b) else None,
                    "lowest_seed": b["lo"].iloc[0] if len(b) else None,
                    "highest_seed": b["hi"].iloc[0] if len(b) else None,
                    "seeds": int(b["seeds"].iloc[0]) if len(b) else 0,
                    "student": STUDENT[norm] if step == STUDENT_STEPS else None,
                }
            )
    return pd.DataFrame(
        rows, columns=["step", "arm", "norm", "mean", "lowest_seed", "highest_seed", "seeds", "student"]
    )


def comparison_table(result: dict) -> pd.DataFrame:
    """Ours (mean and min-max over seeds) vs the paper (qualitative) vs the student, at the checkpoints."""
    n = comparison_numbers(result)
    rows = []
    steps = list(dict.fromkeys(n["step"]))
    for step in steps:
        row = {"Steps": f"{step:,}" + (" (last)" if step == steps[-1] else "")}
        at = n[n["step"] == step].set_index("norm")
        for norm in NORMS:
            b = at.loc[norm]
            spread = f" ({100 * b['lowest_seed']:.2f}–{100 * b['highest_seed']:.2f})" if b["seeds"] > 1 else ""
            row[f"{analysis.label(norm)}, ours"] = pct(b["mean"]) + spread if pd.notna(b["mean"]) else "—"
        both = at["mean"].notna().all()
        row["BN − no BN, ours"] = points(at.loc["bnviz", "mean"] - at.loc["none", "mean"]) if both else "—"
        row["Paper, Fig. 1(a): no numbers printed"] = "BN higher"
        for norm in NORMS:
            row[f"{analysis.label(norm)}, student"] = pct(STUDENT[norm]) if step == STUDENT_STEPS else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def verdicts(result: dict) -> list[Verdict]:
    """The paper's Figure 1(a) claims checked on our runs, then our final numbers beside the student's."""
    out = analysis.synthetic_caveat(result) + analysis.head_to_head(result, "bnviz", "none")
    mean = analysis.by_norm(analysis.accuracy_band(result), "mean", NORMS)
    if list(mean.columns) != list(NORMS) or mean.empty:
        return out
    late = mean.loc[mean.index >= PAPER_IN_RANGE_FROM, "none"]
    if late.empty:
        out.append(
            Verdict(
                f"Figure 1(a) shows the no-BN curve above {PAPER_Y_MIN:.0%} from {steps_text(PAPER_IN_RANGE_FROM)} "
                f"steps on; our runs end at {steps_text(mean.index[-1])} steps, so this cannot be checked.",
                None,
            )
        )
    else:
        inside = bool((late > PAPER_Y_MIN).all())
        out.append(
            Verdict(
                f"Like the paper's plot, no BN stays above {PAPER_Y_MIN:.0%} from {steps_text(PAPER_IN_RANGE_FROM)} "
                f"steps on: {'yes' if inside else 'no'} (lowest {pct(late.min())}).",
                inside,
            )
        )
    return out + student_verdicts(result, mean)


def student_verdicts(result: dict, mean: pd.DataFrame) -> list[Verdict]:
    last = int(mean.index[-1])
    caveat = (
        ""
        if last == STUDENT_STEPS
        else (
            f" Ours stop at {steps_text(last)} steps, the student's at "
            f"{steps_text(STUDENT_STEPS)}, so this is not like for like."
        )
    )
    final = mean.iloc[-1]
    diff = final["bnviz"] - STUDENT["bnviz"]
    how = "the same" if abs(diff) < 5e-5 else f"{abs(100 * diff):.2f} points {'higher' if diff > 0 else 'lower'}"
    out = [
        Verdict(
            f"BN mean final accuracy {pct(final['bnviz'])} vs the student's {pct(STUDENT['bnviz'])}: {how}.{caveat}"
        )
    ]
    diff = final["none"] - STUDENT["none"]
    if abs(diff) < 5e-5:
        how = "the same as the student's baseline"
    else:
        how = f"our baseline is {'stronger' if diff > 0 else 'weaker'} by {abs(100 * diff):.2f} points"
    lr = next((r["config"]["lr"] for r in result["runs"] if records.norm_of(r) == "none"), None)
    why = (
        f" (we train with plain SGD at lr {lr:g}; the paper gives no learning rate, so the student's may differ)"
        if lr
        else ""
    )
    out.append(
        Verdict(
            f"No BN mean final accuracy {pct(final['none'])} vs the student's {pct(STUDENT['none'])}: "
            f"{how}{why}.{caveat}"
        )
    )
    gap, student_gap = final["bnviz"] - final["none"], STUDENT["bnviz"] - STUDENT["none"]
    out.append(Verdict(f"BN's final advantage: ours {points(gap)}, the student's {points(student_gap)}.{caveat}"))
    return out


def percentile_section(result: dict, name: str) -> Section:
    """Figure 1(b,c): the 15/50/85th percentiles of one last-layer unit's input, per arm, on one y-range."""
    layers = records.layer_names(result["runs"][0]["records"]) if result["runs"] else []
    title = "Figure 1(b, c): the input to one sigmoid of the last hidden layer"
    if not layers:
        return Section(title, (Text("This result has no percentile probes (it was run without them).", "info"),))
    layer = layers[-1]
    pct_df = records.percentiles(result["runs"], layer)
    first = pct_df[pct_df["seed"] == pct_df.groupby("arm")["seed"].transform("min")]
    lo, hi = float(first["p15"].min()), float(first["p85"].max())
    pad = 0.05 * (hi - lo or 1.0)
    arms = first[["arm", "norm"]].drop_duplicates().sort_values("norm", key=lambda s: s.map({"none": 0}).fillna(1))
    panels = tuple(
        Chart(charts.fit_width(charts.percentile_bands(pct_df, a, [lo - pad, hi + pad], f"({letter}) {a}")))
        for a, letter in zip(arms["arm"], "bcdefg")
    )
    legacy = probe_modes.recorded_modes(result["runs"]) == ("eval",)
    how = (
        "This result was recorded before bnviz probed in training mode: its BN arm is probed through the running "
        "averages (eval mode), not the batch statistics the training network uses. Re-run it for the paper's view."
        if legacy
        else "The BN arm is probed as it trains (the paper's N_BN^tr): BN normalizes the probe batch with "
        "its own mean and variance, and the probe moves no running average."
    )
    return Section(
        f"{title} ({layer})",
        (
            Text(
                "The 15th, 50th and 85th percentiles over a fixed probe batch (first seed), both arms on one y-range. "
                + how,
                "caption",
            ),
            Columns(panels),
            Text(
                "**How far it moved** (measured on this run; the paper reads its Figure 1(b,c) as the BN network's "
                "distributions being much more stable):",
                "markdown",
            ),
            Verdicts(tuple(Verdict(t) for t in drift.sentences(pct_df))),
            Download(pct_df, f"{name}-percentiles", "Download the percentiles, every seed (CSV)"),
        ),
    )


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    band = analysis.accuracy_band(result)
    below = len(band) and band["lo"].min() < PAPER_Y_MIN
    paper = analysis.accuracy_chart(result, name, paper_axes=True)
    full = analysis.accuracy_chart(result, name)
    note = (
        (
            Text(
                "Some points lie below 70%: they are drawn on the bottom edge. Switch the toggle off for the full range.",
                "caption",
            ),
        )
        if below
        else ()
    )
    return [
        Section(
            "Figure 1(a): test accuracy",
            (Toggle("The paper's y-range (70% to 100%)", on=note + (paper,), off=(full,)), analysis.finals(result)),
        ),
        percentile_section(result, name),
        analysis.loss_section(result, name),
        Section(
            "Ours, the paper, and a student's reproduction",
            (
                Text(
                    f"{NO_NUMBERS} The student reported {pct(STUDENT['none'])} without BN and {pct(STUDENT['bnviz'])} "
                    f"with BN after {STUDENT_STEPS:,} steps. Ours: mean over seeds, lowest to highest seed in brackets.",
                    "caption",
                ),
                Table(
                    comparison_table(result),
                    csv=comparison_numbers(result),
                    csv_name=f"{name}-comparison",
                    csv_label="Download the comparison (CSV, numbers)",
                ),
                Verdicts(tuple(verdicts(result))),
                analysis.seed_table(result, name),
            ),
        ),
    ]


def summarize(result: dict) -> dict:
    """Extra fields of ``python -m bnviz summary``: the head-to-head count of Figure 1(a), and how far
    Figure 1(b,c)'s distribution moved (training-mode probes, and eval mode where recorded)."""
    out = {}
    mean = analysis.by_norm(analysis.accuracy_band(result), "mean", NORMS)
    if list(mean.columns) == list(NORMS):
        behind = [int(s) for s in mean.index[mean["bnviz"] <= mean["none"]]]
        up_to_10k = [int(s) for s in mean.index if s <= 10_000]
        out["bn_vs_no_bn"] = {
            "eval_points": len(mean),
            "bn_ahead": len(mean) - len(behind),
            "bn_ahead_up_to_10000_steps": f"{sum(1 for s in up_to_10k if s not in behind)}/{len(up_to_10k)}",
            "steps_where_bn_is_not_ahead": behind,
        }
    layers = records.layer_names(result["runs"][0]["records"]) if result["runs"] else []
    if layers:
        moved = {}
        for mode in probe_modes.recorded_modes(result["runs"]):
            runs = probe_modes.view(result["runs"], mode)
            moved[f"{mode} mode"] = drift.sentences(records.percentiles(runs, layers[-1]))
        out[f"figure_1bc_{layers[-1]}_unit_0"] = moved
    return out
