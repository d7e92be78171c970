"""Momentum conventions: one network for all three (checked), and what each convention's running averages cost
in test accuracy early and late in training against PyTorch's 0.1, with how far they trail. Pandas only."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bnviz.experiments.bn_momentum import LABELS, MOMENTA
from bnviz.views import compare, grid
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import BEYOND, pct, plural, points, seed_range
from bnviz.views.verdicts import Verdict

REFERENCE = 0.1  # the convention the others are compared with: PyTorch's default
EARLY, LATE = 0.1, 0.8  # early: eval points in the first 10% of the run; late: in the last 20%
READABLE = {  # the lag frame's columns as a reader reads them (CSV downloads)
    "line": "convention",
    "momentum": "momentum (weight of the new batch)",
    "test_acc": "test accuracy (eval mode)",
    "train_loss": "training loss (nats)",
    "mean_lag": "running mean lag (stds)",
    "std_lag": "running std lag (fraction of σ)",
}


@dataclass(frozen=True)
class MomentumFindings(Findings):
    lags: pd.DataFrame = None  # one row per run and eval step: accuracy, loss, lag averaged over the BN layers
    windows: dict = None  # "early" / "late" -> (first step, last step)
    window_table: pd.DataFrame = None  # per convention and window: accuracy and lag, with their seed ranges
    training: tuple[Verdict, ...] = ()
    costs: tuple[Verdict, ...] = ()
    cost_of: tuple[tuple[str, str], ...] = ()  # (convention, "early" or "late") of each of ``costs``


def label(m) -> str:
    return LABELS.get(m, f"momentum {m}")


def momentum_of(run: dict):
    return (run.get("config") or {}).get("norm_momentum", REFERENCE)


def lag_frame(result: dict) -> pd.DataFrame:
    """One row per run and eval step: test accuracy, training loss, and the lag averaged over the BN layers."""
    rows = []
    for run in result["runs"]:
        for r in run["records"]:
            if r.get("test/acc") is None:
                continue
            mean_lags = [v for k, v in r.items() if k.endswith("/running_mean_lag")]
            std_lags = [v for k, v in r.items() if k.endswith("/running_std_lag")]
            rows.append(
                {
                    "line": label(momentum_of(run)),
                    "momentum": str(momentum_of(run)),  # text: 0.1, 0.01 and None in one column
                    "seed": run["seed"],
                    "step": r["step"],
                    "test_acc": r["test/acc"],
                    "train_loss": r.get("train/loss"),
                    "mean_lag": sum(mean_lags) / len(mean_lags) if mean_lags else float("nan"),
                    "std_lag": sum(std_lags) / len(std_lags) if std_lags else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=["line", "momentum", "seed", "step", *list(READABLE)[2:]])


def bands(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """Mean, lowest and highest seed of ``value`` per convention and step."""
    return grid.cells(frame, ["line", "momentum", "step"], value)


def same_training(frame: pd.DataFrame) -> Verdict:
    """The running averages never feed back into training: for each seed, every convention's training loss is the same."""
    claim = "The three conventions train the same network, since the running averages never feed back into training"
    worst, seeds = 0.0, 0
    for _, d in frame.dropna(subset=["train_loss"]).groupby("seed"):
        wide = d.pivot_table(index="step", columns="line", values="train_loss", aggfunc="first").dropna()
        if wide.shape[1] > 1:
            seeds += 1
            worst = max(worst, float((wide.max(axis=1) - wide.min(axis=1)).max()))
    if not seeds:
        return Verdict(claim + ": no seed has runs of two conventions to compare")
    how = "identical" if worst == 0 else f"the same to {worst:.1e}" if worst <= 1e-9 else "not the same"
    return Verdict(
        claim,
        "supports" if worst <= 1e-9 else "contradicts",
        f"for each of {plural(seeds, 'seed')} the training loss is {how} at every eval step (largest difference "
        f"{worst:.2g}), so the accuracy differences come from the running averages alone",
    )


def windows(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """The early and late eval windows of this run, in steps."""
    steps = sorted(s for s in frame["step"].unique() if s > 0)
    if not steps:
        return {}
    last = steps[-1]
    early = [s for s in steps if s <= EARLY * last] or steps[:1]
    late = [s for s in steps if s >= LATE * last] or steps[-1:]
    return {"early": (int(early[0]), int(early[-1])), "late": (int(late[0]), int(late[-1]))}


def window_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Per convention and window: mean test accuracy and lag over the window's eval points, each seed's own mean
    giving the seed range."""
    rows = []
    for phase, (lo, hi) in windows(frame).items():
        inside = frame[(frame["step"] >= lo) & (frame["step"] <= hi)]
        per_seed = inside.groupby(["line", "seed"], sort=False)[["test_acc", "mean_lag"]].mean().reset_index()
        for line, d in per_seed.groupby("line", sort=False):
            rows.append(
                {"convention": line, "window": phase, "first step": lo, "last step": hi, "seeds": len(d)}
                | {f"accuracy {s}": f(d["test_acc"]) for s, f in (("mean", pd.Series.mean), ("lo", min), ("hi", max))}
                | {f"lag {s}": f(d["mean_lag"]) for s, f in (("mean", pd.Series.mean), ("lo", min), ("hi", max))}
            )
    return pd.DataFrame(rows)


def cost_verdicts(frame: pd.DataFrame) -> list[tuple[str, str, Verdict]]:
    """Per convention and window, against PyTorch's 0.1: the claim that it costs test accuracy there, decided
    eval point by eval point (its best seed below 0.1's worst at more than half of them)."""
    acc, lag = bands(frame, "test_acc"), bands(frame, "mean_lag")
    ref = label(REFERENCE)
    out = []
    for phase, (lo, hi) in windows(frame).items():
        inside = acc[(acc["step"] >= lo) & (acc["step"] <= hi)]
        lag_in = lag[(lag["step"] >= lo) & (lag["step"] <= hi)]
        ref_acc = inside[inside["line"] == ref].set_index("step")
        ref_lag = lag_in[lag_in["line"] == ref]["mean"].mean()
        where = f"{phase} in training (steps {lo:,}–{hi:,})"
        for line in [label(m) for m in MOMENTA if label(m) in set(inside["line"]) and label(m) != ref]:
            mine = inside[inside["line"] == line].set_index("step")
            steps = mine.index.intersection(ref_acc.index)
            if not len(steps):
                continue
            worse = sum(grid.clearly_above(ref_acc.loc[s], mine.loc[s]) for s in steps)
            mean, ref_mean = mine.loc[steps, "mean"].mean(), ref_acc.loc[steps, "mean"].mean()
            half = len(steps) / 2
            outcome = "supports" if worse > half else "contradicts" if mean >= ref_mean else "within_noise"
            out.append(
                (
                    line,
                    phase,
                    Verdict(
                        f"The {line} costs test accuracy against PyTorch's 0.1 {where}",
                        outcome,
                        f"{pct(mean)} against {pct(ref_mean)}, {points(mean - ref_mean)}, mean over the window's "
                        f"{len(steps)} eval points; below 0.1 {BEYOND} at {worse} of them; its running mean trails by "
                        f"{lag_in[lag_in['line'] == line]['mean'].mean():.3f} std, 0.1's by {ref_lag:.3f}",
                        margin=worse - half if outcome == "supports" else None,
                        scale=half,
                        unit=" eval points",
                    ),
                )
            )
    return out


def shortfalls(frame: pd.DataFrame) -> list[Verdict]:
    """Where each convention trails PyTorch's 0.1 most (means over seeds, and the two seed ranges there)."""
    acc = bands(frame, "test_acc")
    acc = acc[acc["step"] > 0]
    ref = label(REFERENCE)
    out = []
    for line, d in acc[acc["line"] != ref].groupby("line", sort=False):
        both = d.merge(acc[acc["line"] == ref], on="step", suffixes=("", "_ref"))
        if both.empty:
            continue
        w = both.loc[(both["mean"] - both["mean_ref"]).idxmin()]
        out.append(
            Verdict(
                f"The largest shortfall of the {line}: at step {int(w['step']):,}, {pct(w['mean'])} "
                f"({seed_range(w['lo'], w['hi'], int(w['seeds']))}) against {pct(w['mean_ref'])} "
                f"({seed_range(w['lo_ref'], w['hi_ref'], int(w['seeds_ref']))}) with PyTorch's 0.1, "
                f"{points(w['mean'] - w['mean_ref'])}"
            )
        )
    return out


def findings(result: dict) -> MomentumFindings:
    base = common(result)
    frame = lag_frame(result)
    training = [same_training(frame)]
    found = cost_verdicts(frame)
    costs = [v for _, _, v in found]
    checks = compare.synthetic_caveat(base["synthetic"]) + training + costs + shortfalls(frame)
    table = window_rows(frame)
    return MomentumFindings(
        **base,
        verdicts=tuple(checks),
        meaning=meaning(found),
        numbers={"windows": windows(frame)},
        tables={"Test accuracy and lag, early and late": shown(table)} if len(table) else {},
        lags=frame,
        windows=windows(frame),
        window_table=table,
        training=tuple(training),
        costs=tuple(costs),
        cost_of=tuple((line, phase) for line, phase, _ in found),
    )


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """One row per convention: each window's mean test accuracy and lag, with the seeds' range."""
    rows = {}
    for _, r in table.iterrows():
        row = rows.setdefault(r["convention"], {"convention": r["convention"]})
        span = f"{r['window']} (steps {r['first step']:,}–{r['last step']:,})"
        row[f"{span}: test accuracy"] = (
            f"{pct(r['accuracy mean'])} ({seed_range(r['accuracy lo'], r['accuracy hi'], r['seeds'])})"
        )
        row[f"{span}: running mean lag, stds"] = f"{r['lag mean']:.3f} ({r['lag lo']:.3f}–{r['lag hi']:.3f})"
    return pd.DataFrame(list(rows.values()))


def meaning(found: list[tuple[str, str, Verdict]]) -> str:
    """What the verdicts support: where each convention cost accuracy against PyTorch's 0.1, and no more."""
    if not found:
        return "These runs compare no two conventions; nothing to recommend."
    by_line: dict[str, dict[str, str]] = {}
    for line, phase, v in found:
        by_line.setdefault(line, {})[phase] = v.outcome
    parts = []
    for line, o in by_line.items():
        early, late = o.get("early") == "supports", o.get("late") == "supports"
        when = "early and late" if early and late else "early in training, not late" if early else "late, not early"
        parts.append(f"the {line} cost accuracy {when}" if early or late else f"the {line} was not clearly worse")
    if not any(v.outcome == "supports" for _, _, v in found):
        return f"The convention made no clear difference here ({'; '.join(parts)} than PyTorch's 0.1)."
    return (
        f"Keep PyTorch's momentum 0.1 (in Keras, momentum=0.9). Against it, {'; '.join(parts)}. Keras's default "
        "0.99 is torch's 0.01, not 0.99: the two libraries weight opposite ends."
    )
