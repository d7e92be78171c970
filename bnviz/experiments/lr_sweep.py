"""Learning rate by init scale, with and without BN, on the MNIST MLP (Section 3.3).

Section 3.3 claims BN permits higher learning rates and makes training insensitive to the scale
of the weights. The sweep trains every (rate, init std) cell with and without BN for 10,000 steps.
"""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.spec import CURVES, MNIST, MNIST_LR, Experiment, arm
from bnviz.norms import NORMS
from bnviz.views import charts, records
from bnviz.views.analysis import pct, steps_text
from bnviz.views.legacy_sections import Chart, Section, Table, Text, Verdict, Verdicts

ORDER = 30
SWEEP_LRS = tuple(round(k * MNIST_LR, 6) for k in (1, 3, 10, 30))  # 1x, 3x, 10x, 30x the stable rate (0.3 ... 9)
SWEEP_STDS = (0.01, 0.1, 1.0)  # init scales: 0.01 is the plateau-prone small init


def _arms():
    base = MNIST.replace(steps=10_000, probe_every=1000, early_probes=False)
    return tuple(
        arm(base, norm, f"{NORMS[norm].label}, lr {lr:g}, std {std:g}", lr=lr, init_std=std)
        for norm in ("none", "bnviz")
        for std in SWEEP_STDS
        for lr in SWEEP_LRS
    )


EXPERIMENT = Experiment(
    name="lr-sweep",
    title="Learning rate by init scale, with and without BN (MNIST)",
    about="The MNIST MLP for 10,000 steps at 1x, 3x, 10x and 30x the stable learning rate and three init "
    "scales. Section 3.3 claims BN permits higher rates and makes training insensitive to the scale of the weights.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES,
)
TAB = "Learning rate x init"


def sweep_table(result: dict) -> pd.DataFrame:
    """One row per run, learning rates rounded (3 x 0.3 is 0.8999999999999999 in floating point)."""
    return records.sweep_table(result).assign(lr=lambda d: d["lr"].round(6))


def _cells(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (BN, lr, init_std): mean final accuracy, median steps to 90%, and the outcome over seeds."""

    def outcome(s: pd.Series) -> str:
        return s.iloc[0] if s.nunique() == 1 else f"mixed ({int((s == 'trains').sum())}/{len(s)} seeds train)"

    table = table.assign(
        final_test_acc=pd.to_numeric(table["final_test_acc"], errors="coerce"),
        steps_to_90=pd.to_numeric(table["steps_to_90"], errors="coerce"),
    )
    g = table.groupby(["BN", "lr", "init_std"])
    return pd.DataFrame(
        {"final": g["final_test_acc"].mean(), "to90": g["steps_to_90"].median(), "outcome": g["outcome"].agg(outcome)}
    ).reset_index()


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
        trains = {
            bn: [s for s in stds if (bn, s) in at.index and at.loc[(bn, s), "outcome"] == "trains"]
            for bn in (True, False)
        }
        fails = "; ".join(
            f"std {s:g}: {at.loc[(False, s), 'outcome']}"
            for s in stds
            if (False, s) in at.index and s not in trains[False]
        )
        out.append(
            Verdict(
                f"At {_ratio(lr, stable)} the stable rate (lr {lr:g}): BN trains at {len(trains[True])} of "
                f"{len(stds)} init scales, no BN at {len(trains[False])} of {len(stds)}"
                + (f" ({fails})." if fails else ".")
            )
        )
        rescued += len(set(trains[True]) - set(trains[False]))
        lost += len(set(trains[False]) - set(trains[True]))
        n += len(stds)
    answer = "yes" if rescued else "no"
    out.insert(
        0,
        Verdict(
            f"Higher learning rates: does BN train where no BN stalls or diverges? {answer}: in {rescued} of "
            f"{n} (rate, init) cells at {high_from:g}x the stable rate or more (no BN trains where BN does not in {lost}).",
            rescued > 0,
        ),
    )
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
        reach = " / ".join("never" if pd.isna(v) else steps_text(v) for v in d["to90"])
        stds = " / ".join(f"{s:g}" for s in d["init_std"])
        out.append(Verdict(f"{name} at lr {stable:g}, init std {stds}: final accuracy {finals}; steps to 90% {reach}."))
    if len(spread) < 2:
        return out

    def fmt(s):
        return "∞ (a run diverged)" if s == float("inf") else f"{100 * s:.2f}"

    less = bool(spread[True] < spread[False])
    out.insert(
        0,
        Verdict(
            f"Init scale at the stable rate: is BN less sensitive to the init std than no BN? "
            f"{'yes' if less else 'no'}: its final accuracy spans {fmt(spread[True])} points across "
            f"init scales, no BN's {fmt(spread[False])} points.",
            less,
        ),
    )
    return out


SECTION_3_3 = (
    "**Why BN should tolerate larger steps (Section 3.3).** BN makes a layer's output invariant to the scale "
    "of its weights: BN(Wu) = BN((aW)u) for any a > 0, so a step that grows the weights does not blow up the "
    "layer's output, and the gradient with respect to aW is 1/a times the gradient with respect to W: larger "
    "weights receive smaller gradients, which the paper argues stabilizes their growth. The same invariance "
    "means BN cannot undo a large init quickly: large weights train more slowly."
)


def divergence_findings(table: pd.DataFrame) -> list[Verdict]:
    """Whether any run here diverged: the paper's "higher rates" argument is about divergence, which a
    shallow sigmoid network trained with plain SGD may never show."""
    diverged = table[table["outcome"] == "diverged"]
    stalled = table[table["outcome"] == "did not learn"]
    if len(diverged) == 0:
        text = (
            f"No run diverged in this sweep ({len(table)} runs, up to lr {table['lr'].max():g}): with plain SGD "
            f"this sigmoid network stalls instead ({len(stalled)} run{'s' if len(stalled) != 1 else ''} did not "
            "learn), so it cannot show the paper's claim that BN lets a network train at rates where it would "
            "otherwise diverge. A deeper network is the place to look for that."
        )
        return [Verdict(text, None)]
    return [
        Verdict(
            f"{len(diverged)} of {len(table)} runs diverged: "
            + ", ".join(
                f"{'BN' if bn else 'no BN'} at lr {lr:g}, std {std:g}"
                for bn, lr, std in zip(diverged["BN"], diverged["lr"], diverged["init_std"])
            )
            + ".",
            None,
        )
    ]


def seeds_caption(table: pd.DataFrame) -> str:
    seeds = sorted(table["seed"].unique())
    if len(seeds) == 1:
        return f"One seed per cell ({seeds[0]}): a single cell is one run."
    spread = charts.sweep_cells(table)
    widest = spread.assign(gap=spread["acc_max"] - spread["acc_min"]).sort_values("gap").iloc[-1]
    return (
        f"Each cell is the mean of {len(seeds)} seeds ({', '.join(map(str, seeds))}); hover for the lowest and "
        f"highest seed. The widest spread between seeds is {100 * widest['gap']:.1f} points "
        f"({NORMS[widest['norm']].label}, lr {widest['lr']:g}, std {widest['init_std']:g})."
    )


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    table = sweep_table(result)
    shown = table.assign(steps_to_90=[("never" if pd.isna(s) else f"{int(s):,}") for s in table["steps_to_90"]])
    shown = shown.drop(columns=["norm", "BN"]).rename(
        columns={"init_std": "init std", "steps_to_90": "steps to 90%", "final_test_acc": "final test acc."}
    )
    return [
        Section(
            "Final test accuracy by learning rate and init scale",
            (
                Chart(charts.sweep_heatmap(table), stretch=False),
                Text(
                    f"Colours span {charts.SWEEP_COLOR_RANGE[0]:.0%} to {charts.SWEEP_COLOR_RANGE[1]:.0%}, where the "
                    "runs that trained differ; a run below that (one that did not learn) takes the darkest colour. "
                    + seeds_caption(table),
                    "caption",
                ),
            ),
        ),
        Section(
            "1. Higher learning rates (Section 3.3: BN permits higher rates)",
            (Text(SECTION_3_3), Verdicts(tuple(rate_findings(table) + divergence_findings(table)))),
        ),
        Section(
            "2. Init scale (Section 3.3: BN makes training insensitive to the scale of the weights)",
            (Verdicts(tuple(init_findings(table))),),
        ),
        Section(
            "Every run",
            (
                Text("Empty final accuracy: the run diverged.", "caption"),
                Table(
                    shown,
                    csv=table,
                    csv_name=f"{name}-sweep",
                    csv_label="Download the sweep table (CSV)",
                    percent=("final test acc.",),
                ),
            ),
        ),
    ]
