"""Figure 1's claims checked on our runs: BN ahead throughout and sooner (1(a)), how far one sigmoid's
input moved (1(b,c)), and our numbers beside a student's reproduction, which trained differently."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bnviz.experiments.mnist_fig1 import probes
from bnviz.views import compare, drift, probe_modes, records
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import pct, points, steps_text
from bnviz.views.verdicts import Verdict

NORMS = ("none", "bnviz")
CHECKPOINTS = (1_000, 5_000, 10_000, 20_000, 50_000)  # steps the comparison table shows
PAPER_Y_MIN = 0.7  # Figure 1(a)'s y-axis spans 0.7-1.0; the baseline is inside it from 10K steps on
PAPER_IN_RANGE_FROM = 10_000
NO_NUMBERS = (
    "The paper prints no MNIST accuracies: Figure 1(a) only shows that the BN network has the higher "
    "test accuracy throughout and reaches high accuracy faster (y-axis 70% to 100%)."
)
# Zenan Yang's reproduction (its README and experiments/mnist_experiment.py): one run per arm, 50,000 steps
STUDENT = {"none": 0.9492, "bnviz": 0.9815}
STUDENT_STEPS = 50_000
STUDENT_SOURCE = (
    'Zenan Yang, "Batch Normalization: Paper Reproduction", CS4100 project, Northeastern University, Fall 2025 '
    "([github.com/Al13n0231/batch-normalization-reproduction](https://github.com/Al13n0231/batch-normalization-reproduction))"
)
STUDENT_SETUP = (
    "one run per arm of the same 3x100 sigmoid MLP (init std 0.01), batch 60, 50,000 steps, but SGD with momentum "
    "0.9 at lr 0.01 on grayscale pixels, where ours is plain SGD at lr 0.3 on the paper's binarized pixels"
)


@dataclass(frozen=True)
class Figure1(Findings):
    comparison: pd.DataFrame | None = None  # per checkpoint and arm: mean, lowest and highest seed, the student's
    percentiles: pd.DataFrame | None = None  # Figure 1(b,c): p15/p50/p85 of unit 0 of the last hidden layer, every seed
    layer: str = ""  # that layer ("" when the result has no probes)
    eval_mode_only: bool = False  # recorded before training-mode probes: BN probed through its running averages
    drift: tuple[str, ...] = ()  # how far that unit's input moved, in sentences (first seed of each arm)
    gap: dict | None = None  # BN minus no BN: the largest mean gap and its step, and the gap at the end
    checks: tuple[Verdict, ...] = ()  # Figure 1(a)'s claims, checked
    stability: tuple[Verdict, ...] = ()  # Figure 1(b,c)'s claim, checked seed by seed
    stats: pd.DataFrame | None = None  # per run, probe step and layer: mean, std, saturation of the sigmoid's input
    saturation: tuple[Verdict, ...] = ()  # Sections 1 and 3.3: BN keeps the sigmoids out of saturation, per layer
    saturation_answer: str = ""
    affine: pd.DataFrame | None = None  # BN's mean |γ| and |β| per layer and probe step (recorded since issue #24)
    affine_notes: tuple[Verdict, ...] = ()  # how far they moved: what the saturation comes from
    student: tuple[Verdict, ...] = ()  # our numbers beside the student's: context


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


def comparison_numbers(band: pd.DataFrame) -> pd.DataFrame:
    """Ours (mean, lowest and highest seed) and the student's, per checkpoint and arm: numbers, for CSV."""
    rows = []
    for step in table_steps(list(compare.by_norm(band, "mean", NORMS).index)):
        for norm in NORMS:
            b = band[(band["norm"] == norm) & (band["step"] == step)]
            rows.append(
                {
                    "step": step,
                    "arm": compare.norm_name(norm),
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


def comparison_table(n: pd.DataFrame) -> pd.DataFrame:
    """Ours (mean and lowest to highest seed) vs the paper (qualitative) vs the student, at the checkpoints."""
    rows = []
    steps = list(dict.fromkeys(n["step"]))
    for step in steps:
        row = {"Steps": f"{step:,}" + (" (last)" if step == steps[-1] else "")}
        at = n[n["step"] == step].set_index("norm")
        for norm in NORMS:
            b = at.loc[norm]
            spread = f" ({100 * b['lowest_seed']:.2f}–{100 * b['highest_seed']:.2f})" if b["seeds"] > 1 else ""
            row[f"{compare.norm_name(norm)}, ours"] = pct(b["mean"]) + spread if pd.notna(b["mean"]) else "—"
        both = at["mean"].notna().all()
        row["BN − no BN, ours"] = points(at.loc["bnviz", "mean"] - at.loc["none", "mean"]) if both else "—"
        row["Paper, Fig. 1(a): no numbers printed"] = "BN higher"
        for norm in NORMS:
            row[f"{compare.norm_name(norm)}, student"] = pct(STUDENT[norm]) if step == STUDENT_STEPS else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def gap_of(mean: pd.DataFrame) -> dict | None:
    """BN minus no BN in mean test accuracy: where it is largest, and at the last eval step."""
    if list(mean.columns) != list(NORMS) or mean.empty:
        return None
    gap = mean["bnviz"] - mean["none"]
    return {
        "largest": float(gap.max()),
        "largest_at_step": int(gap.idxmax()),
        "last": float(gap.iloc[-1]),
        "last_step": int(gap.index[-1]),
    }


def paper_range_verdict(mean: pd.DataFrame) -> Verdict:
    claim = (
        f"As in Figure 1(a), whose y-axis starts at {PAPER_Y_MIN:.0%}, the network without BN is above "
        f"{PAPER_Y_MIN:.0%} from step {steps_text(PAPER_IN_RANGE_FROM)} on"
    )
    late = mean.loc[mean.index >= PAPER_IN_RANGE_FROM, "none"]
    if late.empty:
        return Verdict(
            claim + f": our runs end at step {steps_text(mean.index[-1])}, before that, so it cannot be checked"
        )
    inside = bool((late > PAPER_Y_MIN).all())
    return Verdict(claim, "supports" if inside else "contradicts", f"seed mean at least {pct(late.min())}")


def student_notes(mean: pd.DataFrame) -> list[Verdict]:
    """Our final numbers beside the student's: context, not a check (the two setups differ)."""
    final, last = mean.iloc[-1], int(mean.index[-1])
    when = "" if last == STUDENT_STEPS else f"; ours stop at step {steps_text(last)}, the student's at 50,000"
    return [
        Verdict(
            f"Beside a student's reproduction ({STUDENT_SOURCE}): BN {pct(final['bnviz'])} here against "
            f"{pct(STUDENT['bnviz'])} there, no BN {pct(final['none'])} against {pct(STUDENT['none'])}; BN's lead "
            f"{points(final['bnviz'] - final['none'])} against {points(STUDENT['bnviz'] - STUDENT['none'])}",
            evidence=f"Not like for like: the student trained {STUDENT_SETUP}{when}",
        )
    ]


def figure_1bc(result: dict) -> dict:
    """Figure 1(b,c)'s percentiles of unit 0 of the last hidden layer, and how far it moved."""
    layers = records.layer_names(result["runs"][0]["records"]) if result["runs"] else []
    if not layers:
        return {}
    pct_df = records.percentiles(result["runs"], layers[-1])
    stats = records.layer_stats(result["runs"])
    saturation = probes.saturation_verdicts(stats)
    affine = probes.affine_table(result["runs"])
    return {
        "percentiles": pct_df,
        "layer": layers[-1],
        "eval_mode_only": probe_modes.recorded_modes(result["runs"]) == ("eval",),
        "drift": tuple(drift.sentences(pct_df)),
        "stability": (probes.stability_verdict(pct_df, layers[-1]),),
        "stats": stats,
        "saturation": tuple(saturation),
        "saturation_answer": probes.saturation_answer(saturation),
        "affine": affine,
        "affine_notes": tuple(probes.affine_notes(affine)),
    }


def findings(result: dict) -> Figure1:
    base = common(result)
    band = compare.accuracy_band(base["curves"])
    mean = compare.by_norm(band, "mean", NORMS)
    checks = compare.synthetic_caveat(base["synthetic"]) + compare.head_to_head(base["curves"], "bnviz", "none")
    student = []
    if list(mean.columns) == list(NORMS) and not mean.empty:
        checks.append(paper_range_verdict(mean))
        student = student_notes(mean)
    numbers = comparison_numbers(band)
    gap = gap_of(mean)
    extra = figure_1bc(result)
    summary = {"bn_minus_no_bn": gap} if gap else {}
    if extra:
        summary[f"figure_1bc_{extra['layer']}_unit_0"] = list(extra["drift"])
    return Figure1(
        **base,
        verdicts=tuple(checks)
        + extra.get("stability", ())
        + extra.get("saturation", ())
        + extra.get("affine_notes", ())
        + tuple(student),
        meaning=meaning(checks, gap),
        numbers=summary,
        tables={"Test accuracy at the checkpoints": comparison_table(numbers)} if len(numbers) else {},
        comparison=numbers,
        gap=gap,
        checks=tuple(checks),
        student=tuple(student),
        **extra,
    )


def meaning(verdicts: list[Verdict], gap: dict | None) -> str:
    """The answer to Figure 1(a), from the head-to-head verdict and the gap."""
    ahead = next((v for v in verdicts if v.claim.endswith("throughout training (Figure 1(a))")), None)
    if ahead is None or gap is None:
        return "This result lacks the two arms Figure 1(a) compares."
    lead = (
        f"largest at step {steps_text(gap['largest_at_step'])} ({points(gap['largest'])}), "
        f"{points(gap['last'])} at step {steps_text(gap['last_step'])}"
    )
    if ahead.outcome == "supports":
        return f"As in Figure 1(a), the BN network has the higher test accuracy throughout: its lead is {lead}."
    if ahead.outcome == "contradicts":
        return (
            f"Unlike Figure 1(a), the BN network is not ahead throughout here ({ahead.evidence}); its lead is {lead}."
        )
    return f"BN's mean is ahead, but not clearly beyond the seed spread at most points; its lead is {lead}."
