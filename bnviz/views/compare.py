"""Our runs beside the paper and a student's reproduction, and what the lr-sweep shows.

Pure functions: a cache payload (or :func:`bnviz.records.sweep_table`) in, a table and plain
sentences out. Every sentence is computed from the numbers, so a run that disagrees with the
paper says so. Figure 1(a) of the paper is a plot without printed accuracies, so the paper's
column is qualitative; the student's two numbers are the only printed MNIST accuracies here.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bnviz.views import records

CHECKPOINTS = (1_000, 5_000, 10_000, 20_000, 50_000)  # steps at which the table compares
STUDENT = {"no BN": 0.9492, "BN": 0.9815}  # a student's reported reproduction (test accuracy)
STUDENT_STEPS = 50_000  # ... after this many steps
PAPER_Y_MIN = 0.7  # Figure 1(a)'s y-axis spans 0.7-1.0; the baseline is inside it from 10K steps on
PAPER_IN_RANGE_FROM = 10_000
PAPER_COLUMN = "Paper, Fig. 1(a): no numbers printed"
PAPER_CELL = "BN higher"
NO_NUMBERS = ("The paper prints no MNIST accuracies: Figure 1(a) only shows that the BN network has the higher "
              "test accuracy throughout and reaches high accuracy faster (y-axis 70% to 100%).")


@dataclass(frozen=True)
class Verdict:
    """One checked statement. ``holds`` is True/False for a claim, None for context."""

    text: str
    holds: bool | None = None


def pct(x: float | None) -> str:
    return "—" if x is None or pd.isna(x) else f"{100 * x:.2f}%"


def points(diff: float) -> str:
    """A difference of two accuracies, in percentage points."""
    return f"{100 * diff:+.2f} points"


def _steps(n: float) -> str:
    return f"{int(n):,}"


# ----------------------------------------------------------------------------- MNIST Figure 1
def accuracy_band(result: dict) -> pd.DataFrame:
    """Mean, min and max test accuracy over seeds per arm and step."""
    return records.band(records.curves(result["runs"]), "test_acc")


def _wide(band: pd.DataFrame, col: str) -> pd.DataFrame:
    """One row per step, one column per arm ("no BN", "BN"), only steps where both were measured."""
    w = band.pivot(index="step", columns="arm", values=col)
    return w[[a for a in ("no BN", "BN") if a in w]].dropna()


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


def comparison_table(result: dict) -> pd.DataFrame:
    """Ours (mean and min-max over seeds) vs the paper (qualitative) vs the student, at the checkpoints."""
    band = accuracy_band(result).set_index(["arm", "step"])
    steps = table_steps(list(_wide(band.reset_index(), "mean").index))
    rows = []
    for step in steps:
        row = {"Steps": f"{step:,}" + (" (last)" if step == steps[-1] else "")}
        for arm in ("no BN", "BN"):
            if (arm, step) in band.index:
                b = band.loc[(arm, step)]
                spread = f" ({100 * b['lo']:.2f}–{100 * b['hi']:.2f})" if b["seeds"] > 1 else ""
                row[f"{arm}, ours"] = pct(b["mean"]) + spread
            else:
                row[f"{arm}, ours"] = "—"
        both = all((a, step) in band.index for a in ("no BN", "BN"))
        row["BN − no BN, ours"] = points(band.loc[("BN", step), "mean"] - band.loc[("no BN", step), "mean"]) if both else "—"
        row[PAPER_COLUMN] = PAPER_CELL
        for arm in ("no BN", "BN"):
            row[f"{arm}, student"] = pct(STUDENT[arm]) if step == STUDENT_STEPS else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def _first_at_least(series: pd.Series, target: float) -> int | None:
    hit = series[series >= target - 1e-12]
    return int(hit.index[0]) if len(hit) else None


def _lr(result: dict, arm: str) -> float | None:
    return next((r["config"]["lr"] for r in result["runs"] if r["arm"] == arm), None)


def verdicts(result: dict) -> list[Verdict]:
    """The paper's Figure 1(a) claims checked on our runs, then our final numbers beside the student's."""
    band = accuracy_band(result)
    mean = _wide(band, "mean").loc[lambda d: d.index > 0]  # step 0 is the untrained init
    out = []
    if result.get("data", {}).get("source") == "synthetic":
        out.append(Verdict("These runs used synthetic data, so the comparison below shows how the check works, "
                           "not how BN does on MNIST.", None))
    if list(mean.columns) != ["no BN", "BN"] or mean.empty:
        return out + [Verdict("This result lacks evaluated runs of both arms (no BN and BN); nothing to compare.", None)]
    steps = list(mean.index)
    ahead = mean["BN"] > mean["no BN"]
    behind = [s for s in steps if not ahead[s]]
    text = (f"BN's mean test accuracy is above no BN's at every eval point from {_steps(steps[0])} to "
            f"{_steps(steps[-1])} steps: {'yes' if not behind else 'no'} ({int(ahead.sum())}/{len(steps)})")
    if behind:
        shown = ", ".join(_steps(s) for s in behind[:5]) + (", …" if len(behind) > 5 else "")
        text += f"; no BN is level or ahead at step{'s' if len(behind) > 1 else ''} {shown}"
    out.append(Verdict(text + ".", not behind))

    lo, hi = _wide(band, "lo").loc[lambda d: d.index > 0], _wide(band, "hi").loc[lambda d: d.index > 0]
    seeds = band.groupby("arm")["seeds"].min()
    if seeds.min() > 1:
        clear = int((lo["BN"] > hi["no BN"]).sum())
        out.append(Verdict(f"Over seeds: BN's worst seed beats no BN's best seed at {clear} of {len(lo)} eval points "
                           f"({int(seeds['BN'])} BN and {int(seeds['no BN'])} no-BN seeds).", None))

    target = mean["no BN"].iloc[-1]
    t_plain, t_bn = _first_at_least(mean["no BN"], target), _first_at_least(mean["BN"], target)
    if t_bn is None:
        out.append(Verdict(f"BN reaches no BN's final accuracy ({pct(target)}) in fewer steps: no, BN's mean never "
                           f"reaches it in {_steps(steps[-1])} steps.", False))
    else:
        faster = t_bn < t_plain
        speed = f" ({t_plain / t_bn:.1f}x fewer steps)" if faster else ""
        out.append(Verdict(f"BN reaches no BN's final accuracy ({pct(target)}) in fewer steps: "
                           f"{'yes' if faster else 'no'}, BN at step {_steps(t_bn)}, no BN at step {_steps(t_plain)}{speed}.",
                           faster))

    late = mean.loc[mean.index >= PAPER_IN_RANGE_FROM, "no BN"]
    if late.empty:
        out.append(Verdict(f"Figure 1(a) shows the no-BN curve above {PAPER_Y_MIN:.0%} from {_steps(PAPER_IN_RANGE_FROM)} "
                           f"steps on; our runs end at {_steps(steps[-1])} steps, so this cannot be checked.", None))
    else:
        inside = bool((late > PAPER_Y_MIN).all())
        out.append(Verdict(f"Like the paper's plot, no BN stays above {PAPER_Y_MIN:.0%} from {_steps(PAPER_IN_RANGE_FROM)} "
                           f"steps on: {'yes' if inside else 'no'} (lowest {pct(late.min())}).", inside))
    return out + _student_verdicts(result, mean)


def _student_verdicts(result: dict, mean: pd.DataFrame) -> list[Verdict]:
    last = int(mean.index[-1])
    caveat = "" if last == STUDENT_STEPS else (f" Ours stop at {_steps(last)} steps, the student's at "
                                               f"{_steps(STUDENT_STEPS)}, so this is not like for like.")
    out = []
    final = mean.iloc[-1]
    diff = final["BN"] - STUDENT["BN"]
    how = "the same" if abs(diff) < 5e-5 else f"{abs(100 * diff):.2f} points {'higher' if diff > 0 else 'lower'}"
    out.append(Verdict(f"BN mean final accuracy {pct(final['BN'])} vs the student's {pct(STUDENT['BN'])}: {how}.{caveat}"))
    diff = final["no BN"] - STUDENT["no BN"]
    if abs(diff) < 5e-5:
        how = "the same as the student's baseline"
    else:
        how = f"our baseline is {'stronger' if diff > 0 else 'weaker'} by {abs(100 * diff):.2f} points"
    lr = _lr(result, "no BN")
    why = f" (we train with plain SGD at lr {lr:g}; the paper gives no learning rate, so the student's may differ)" if lr else ""
    out.append(Verdict(f"No BN mean final accuracy {pct(final['no BN'])} vs the student's {pct(STUDENT['no BN'])}: "
                       f"{how}{why}.{caveat}"))
    gap, student_gap = final["BN"] - final["no BN"], STUDENT["BN"] - STUDENT["no BN"]
    out.append(Verdict(f"BN's final advantage: ours {points(gap)}, the student's {points(student_gap)}.{caveat}"))
    return out


# ----------------------------------------------------------------------------- lr-sweep
def _cells(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (BN, lr, init_std): mean final accuracy, median steps to 90%, and the outcome over seeds."""
    def outcome(s: pd.Series) -> str:
        return s.iloc[0] if s.nunique() == 1 else f"mixed ({int((s == 'trains').sum())}/{len(s)} seeds train)"

    table = table.assign(final_test_acc=pd.to_numeric(table["final_test_acc"], errors="coerce"),
                         steps_to_90=pd.to_numeric(table["steps_to_90"], errors="coerce"))
    g = table.groupby(["BN", "lr", "init_std"])
    return pd.DataFrame({"final": g["final_test_acc"].mean(), "to90": g["steps_to_90"].median(),
                         "outcome": g["outcome"].agg(outcome)}).reset_index()


def _ratio(lr: float, stable: float) -> str:
    return f"{round(lr / stable, 1):g}x"


def rate_findings(table: pd.DataFrame, high_from: float = 10.0) -> list[Verdict]:
    """Effect 1: at ``high_from`` times the stable (smallest) rate and above, does BN train where no BN does not?"""
    cells = _cells(table)
    stable = cells["lr"].min()
    high = sorted(lr for lr in cells["lr"].unique() if lr >= high_from * stable * 0.999)
    if not high:
        return [Verdict(f"This sweep has no learning rate at {high_from:g}x the stable rate or more.", None)]
    out, rescued, lost, n = [], 0, 0, 0
    for lr in high:
        at = cells[cells["lr"] == lr].set_index(["BN", "init_std"])
        stds = sorted(at.index.get_level_values("init_std").unique())
        trains = {bn: [s for s in stds if (bn, s) in at.index and at.loc[(bn, s), "outcome"] == "trains"] for bn in (True, False)}
        fails = "; ".join(f"std {s:g}: {at.loc[(False, s), 'outcome']}" for s in stds if (False, s) in at.index and s not in trains[False])
        out.append(Verdict(f"At {_ratio(lr, stable)} the stable rate (lr {lr:g}): BN trains at {len(trains[True])} of "
                           f"{len(stds)} init scales, no BN at {len(trains[False])} of {len(stds)}" + (f" ({fails})." if fails else ".")))
        rescued += len(set(trains[True]) - set(trains[False]))
        lost += len(set(trains[False]) - set(trains[True]))
        n += len(stds)
    answer = "yes" if rescued else "no"
    out.insert(0, Verdict(f"Higher learning rates: does BN train where no BN stalls or diverges? {answer}: in {rescued} of "
                          f"{n} (rate, init) cells at {high_from:g}x the stable rate or more (no BN trains where BN does not in {lost}).",
                          rescued > 0))
    return out


def init_findings(table: pd.DataFrame) -> list[Verdict]:
    """Effect 2: at the stable (smallest) rate, how much does each arm's outcome depend on the init std?"""
    cells = _cells(table)
    stable = cells["lr"].min()
    at = cells[cells["lr"] == stable]
    spread, out = {}, []
    for bn, name in ((False, "No BN"), (True, "BN")):
        d = at[at["BN"] == bn].sort_values("init_std")
        if d.empty:
            continue
        spread[bn] = d["final"].max() - d["final"].min() if d["final"].notna().all() else float("inf")
        finals = " / ".join(pct(v) for v in d["final"])
        reach = " / ".join("never" if pd.isna(v) else _steps(v) for v in d["to90"])
        stds = " / ".join(f"{s:g}" for s in d["init_std"])
        out.append(Verdict(f"{name} at lr {stable:g}, init std {stds}: final accuracy {finals}; "
                           f"steps to 90% {reach}."))
    if len(spread) < 2:
        return out
    fmt = lambda s: "∞ (a run diverged)" if s == float("inf") else f"{100 * s:.2f}"
    less = bool(spread[True] < spread[False])
    out.insert(0, Verdict(f"Init scale at the stable rate: is BN less sensitive to the init std than no BN? "
                          f"{'yes' if less else 'no'}: its final accuracy spans {fmt(spread[True])} points across "
                          f"init scales, no BN's {fmt(spread[False])} points.", less))
    return out


# ----------------------------------------------------------------------------- provenance, in words
def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h} h {m} min" if h else f"{m} min {s} s" if m else f"{s} s"


def _seeds(seeds) -> str:
    return ", ".join(map(str, seeds))


def describe(path, result: dict, exp=None) -> dict:
    """What the page says about a cached result: where its numbers come from, in one line and as a choice label."""
    runs = result["runs"]
    steps = max((r["steps"] for r in runs), default=0)
    seeds = sorted({r["seed"] for r in runs})
    created = (result.get("created") or "unknown date")[:16].replace("T", " ")
    code = result.get("code_version") or {}
    git = f", git {code['git']}{' + local changes' if code.get('modified_since_commit') else ''}" if code.get("git") else ""
    cores = (result.get("machine") or {}).get("cores")
    default = exp is not None and result["key"] == exp.key()
    line = (f"{steps:,} steps · seeds {_seeds(seeds)} · wall time {_duration(result.get('wall_time'))}"
            f"{f' on {cores} cores' if cores else ''} · code {code.get('bnviz_sha256', 'unknown')}{git} · created {created} UTC")
    if exp is not None and not default:
        line += (f" · not the default configuration ({exp.steps:,} steps, seeds {_seeds(exp.seeds)}, "
                 f"{exp.arms[0].config.dataset} data)")
    try:
        mtime_ns = Path(path).stat().st_mtime_ns
    except OSError:
        mtime_ns = 0
    data = result.get("data") or {}
    return {
        "path": str(path), "mtime_ns": mtime_ns, "key": result["key"], "default": default,
        "label": data.get("label", "unknown data"), "source": data.get("source", "unknown"),
        "dataset": runs[0]["config"]["dataset"] if runs else "", "command": result.get("command") or "(not recorded)",
        "line": line,
        "choice": f"{data.get('label', 'unknown data')} · {steps:,} steps · seeds {_seeds(seeds)} · {created}"
                  + (" · default config" if default else ""),
    }


def job_label(progress: dict) -> str:
    """A run in progress or ended, in a few words: its length, seeds and data."""
    runs = progress.get("runs") or []
    if not runs:
        return f"`{progress['command']}`" if progress.get("command") else "this experiment"
    steps = max(r["steps"] for r in runs)
    data = (progress.get("data") or {}).get("label", "")
    return f"{steps:,} steps, seeds {_seeds(sorted({r['seed'] for r in runs}))}" + (f", {data}" if data else "")


def rerun_args(progress: dict) -> list[str] | None:
    """The ``python -m bnviz`` arguments that started this run, to start it again (None if not recorded)."""
    try:
        words = shlex.split(progress.get("command") or "")
    except ValueError:
        return None
    return words[3:] if words[:4] == ["python", "-m", "bnviz", "run"] and len(words) > 4 else None
