"""Learning rate, where BN matters: a deeper MLP over a wide range of rates (Bjorck et al. 2018).

Bjorck, Gomes, Selman & Weinberger (*Understanding Batch Normalization*, arXiv 1806.02375) find that
at small learning rates networks with and without BN reach about the same accuracy, and that BN's
benefit comes from the larger rates it lets a network train at, where the unnormalized network
diverges (their Section 2, Figure 1, ResNet-110 on CIFAR-10).

Here: an MNIST MLP of 10 hidden ReLU layers of 100 units (deep enough that the network without BN
diverges at high rates, which the paper's 3-layer sigmoid network never does with plain SGD: see
the lr-sweep), He-scaled init (std √(2/100) ≈ 0.14), batch 60, plain SGD, for 2,000 steps at nine
rates from 0.003 to 30 (half a decade apart), with BN before every ReLU and without; three seeds.
Sizes: 54 runs of 2,000 steps (a diverged run stops at once) fit in minutes of one core; records
keep only the curves. 2,000 steps is short for the smallest rates; the small-rate verdict reports
what the runs reached in it.
"""

from __future__ import annotations

import math

import pandas as pd

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.norms import NORMS as NORM_KINDS
from bnviz.views import records, why_charts
from bnviz.views.analysis import pct, points, synthetic_caveat
from bnviz.views.legacy_sections import Chart, Section, Table, Text, Verdict, Verdicts, verdicts_of

ORDER = 140
PAGE = "why"
TAB = "Learning rate, where it matters"
CLAIM = (
    "At small learning rates networks with and without BN train about equally well; BN's advantage is that it "
    "trains at the larger rates where the network without BN diverges (Bjorck, Gomes, Selman & Weinberger 2018, "
    "*Understanding Batch Normalization*, [arXiv:1806.02375](https://arxiv.org/abs/1806.02375), Section 2)."
)
RATES = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
DEPTH, ACTIVATION, INIT_STD, STEPS = 10, "relu", 0.14, 2_000
NORMS = ("none", "bnviz")
CLOSE = 0.02  # "about equally well": mean final accuracies within 2 points
TRAINS = 0.9  # a cell "trains" when every seed ends at 90% or more without diverging
FAILS = 0.2  # a cell "does not learn" when its seeds that did not diverge end below 20% on average (chance: 10%)


def _arms():
    base = MNIST.replace(
        steps=STEPS,
        depth=DEPTH,
        activation=ACTIVATION,
        init_std=INIT_STD,
        eval_every=100,
        probe_every=STEPS,
        early_probes=False,
    )
    return tuple(arm(base, n, f"{NORM_KINDS[n].label}, lr {lr:g}", lr=lr) for n in NORMS for lr in RATES)


EXPERIMENT = Experiment(
    name="lr-depth",
    title="Test accuracy against the learning rate, 10-layer ReLU MLP, with and without BN (Bjorck et al. 2018)",
    about=f"An MNIST MLP of {DEPTH} hidden ReLU layers of 100 units (init std {INIT_STD}), batch 60, plain SGD, "
    f"{STEPS:,} steps at nine learning rates from {RATES[0]:g} to {RATES[-1]:g}, with BN before every ReLU and "
    "without; three seeds. A run whose loss becomes infinite or NaN is marked diverged.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES,
)


def cells(result: dict) -> pd.DataFrame:
    """One row per (arm kind, rate): final accuracy over the seeds that did not diverge, and how many did."""
    t = records.sweep_table(result).assign(lr=lambda d: d["lr"].round(6))
    t["final_test_acc"] = pd.to_numeric(t["final_test_acc"], errors="coerce")
    rows = []
    for (norm, lr), d in t.groupby(["norm", "lr"], sort=True):
        acc = d["final_test_acc"].dropna()
        rows.append(
            {
                "arm": NORM_KINDS[norm].label if norm in NORM_KINDS else norm,
                "norm": norm,
                "lr": float(lr),
                "mean": acc.mean() if len(acc) else float("nan"),
                "lo": acc.min() if len(acc) else float("nan"),
                "hi": acc.max() if len(acc) else float("nan"),
                "seeds": len(d),
                "diverged": int((d["outcome"] == "diverged").sum()),
                "trains": bool(len(acc) == len(d) and (acc >= TRAINS).all()),
            }
        )
    return pd.DataFrame(rows, columns=["arm", "norm", "lr", "mean", "lo", "hi", "seeds", "diverged", "trains"])


def _at(c: pd.DataFrame, norm: str) -> pd.DataFrame:
    return c[c["norm"] == norm].set_index("lr").sort_index()


def _acc(row) -> str:
    return "diverged" if row["diverged"] == row["seeds"] else pct(row["mean"])


def findings(c: pd.DataFrame) -> dict:
    """The numbers behind the verdicts: the small rates and the gap at each, the largest rate each arm
    trains at, the smallest at which each diverges, and each arm's best rate."""
    plain, bn = _at(c, "none"), _at(c, "bnviz")
    if plain.empty or bn.empty:
        return {}
    # a cell where every seed diverged counts as 0 for "best": it trained to nothing
    best_plain = plain["mean"].fillna(0).idxmax()
    small = [lr for lr in plain.index if lr <= best_plain and lr in bn.index]
    gaps = {lr: bn.at[lr, "mean"] - plain.at[lr, "mean"] for lr in small}

    def largest_trained(d):
        ok = d.index[d["trains"]]
        return float(ok.max()) if len(ok) else None

    def first_diverged(d):
        bad = d.index[d["diverged"] > 0]
        return float(bad.min()) if len(bad) else None

    at_best = bn["mean"].get(best_plain, float("nan"))
    best_bn = float(bn["mean"].fillna(0).max())

    def fails(d):  # trained to near chance without diverging
        return [float(lr) for lr in d.index[(d["diverged"] < d["seeds"]) & (d["mean"] < FAILS)]]

    return {
        # BN − no BN at no BN's best rate, and what BN's best adds beyond its own result at that rate
        "same_rate": at_best - plain.at[best_plain, "mean"],
        "from_larger": best_bn - at_best,
        "fails": {"none": fails(plain), "bnviz": fails(bn)},
        "small": small,
        "gaps": gaps,
        "close": {lr: bool(abs(g) <= CLOSE) if not math.isnan(g) else False for lr, g in gaps.items()},
        "largest": {"none": largest_trained(plain), "bnviz": largest_trained(bn)},
        "diverges": {"none": first_diverged(plain), "bnviz": first_diverged(bn)},
        "best": {
            "none": (float(best_plain), float(plain.at[best_plain, "mean"])),
            "bnviz": (float(bn["mean"].fillna(0).idxmax()), best_bn),
        },
    }


def _first(lr: float | None) -> str:
    return "no run diverged" if lr is None else f"a run first diverges at lr {lr:g}"


def _rate(lr: float | None) -> str:
    return "none" if lr is None else f"{lr:g}"


def verdicts(c: pd.DataFrame) -> list[Verdict]:
    f = findings(c)
    if not f:
        return [Verdict("This result lacks runs with and without BN; nothing to compare.", None)]
    plain, bn = _at(c, "none"), _at(c, "bnviz")
    close_all = all(f["close"].values()) and bool(f["small"])
    per_rate = "; ".join(
        f"lr {lr:g}: BN {_acc(bn.loc[lr])}, no BN {_acc(plain.loc[lr])} ({points(g)})" for lr, g in f["gaps"].items()
    )
    out = [
        Verdict(
            f"At small rates (up to no BN's best, lr {f['best']['none'][0]:g}), are the two within {100 * CLOSE:.0f} "
            f"points? {'yes' if close_all else 'no'}, at {sum(f['close'].values())} of {len(f['small'])}: {per_rate}.",
            close_all,
        )
    ]
    big_bn, big_plain = f["largest"]["bnviz"], f["largest"]["none"]
    larger = big_bn is not None and (big_plain is None or big_bn > big_plain)
    out.append(
        Verdict(
            f"Does BN train at larger rates than no BN (every seed at {TRAINS:.0%} or more, none diverged)? "
            f"{'yes' if larger else 'no'}: the largest such rate is {_rate(big_bn)} with BN and {_rate(big_plain)} "
            "without.",
            larger,
        )
    )
    d_plain, d_bn = f["diverges"]["none"], f["diverges"]["bnviz"]
    out.append(
        Verdict(
            f"Divergence: without BN {_first(d_plain)}, with BN {_first(d_bn)}"
            + (
                f" ({int(plain['diverged'].sum())} of {int(plain['seeds'].sum())} runs without BN and "
                f"{int(bn['diverged'].sum())} of {int(bn['seeds'].sum())} with BN diverged)"
            )
            + "".join(
                f"; {name} ends below {FAILS:.0%} without diverging at lr {', '.join(f'{lr:g}' for lr in f['fails'][n])}"
                for n, name in (("none", "no BN"), ("bnviz", "BN"))
                if f["fails"][n]
            )
            + ".",
            None,
        )
    )
    (lr_b, acc_b), (lr_p, acc_p) = f["best"]["bnviz"], f["best"]["none"]
    same, extra = f["same_rate"], f["from_larger"]
    from_larger = bool(lr_b > lr_p and not math.isnan(same) and extra > same)
    out.append(
        Verdict(
            f"Does BN's advantage come from the larger rates it tolerates (its best result gains more over its own "
            f"result at no BN's best rate than BN leads by at that rate)? {'yes' if from_larger else 'no'}: at no "
            f"BN's best rate (lr {lr_p:g}, {pct(acc_p)}) BN is {points(same)} ahead; BN's best, {pct(acc_b)} at lr "
            f"{lr_b:g}, adds {points(extra)} to that ({points(acc_b - acc_p)} over no BN's best in all).",
            from_larger,
        )
    )
    return out


def meaning(c: pd.DataFrame, found: list[Verdict]) -> str:
    if len(found) < 4:
        return "This result lacks runs with and without BN; it says nothing about Bjorck et al.'s claim."
    close, larger, from_larger = found[0].holds, found[1].holds, found[3].holds
    f = findings(c)
    if close:
        parts = [
            f"At the small rates the two networks ended within {100 * CLOSE:.0f} points of each other, as Bjorck et al. report"
        ]
    else:
        apart = ", ".join(f"{points(g)} at lr {lr:g}" for lr, g in f["gaps"].items() if not f["close"][lr])
        parts = [
            f"Unlike Bjorck et al.'s report, the two networks were not within {100 * CLOSE:.0f} points at every small "
            f"rate (BN − no BN: {apart})"
        ]
    if not larger:
        parts.append("BN did not train at larger rates than the network without BN here")
        return "; ".join(parts) + "."
    tolerates = (
        f"BN trained at rates up to {_rate(f['largest']['bnviz'])}, where the network without BN trained only up to "
        f"{_rate(f['largest']['none'])}"
        + (f" and diverged from lr {_rate(f['diverges']['none'])} on" if f["diverges"]["none"] is not None else "")
    )
    if from_larger:
        parts.append(f"{tolerates}, and most of its advantage came from those larger rates, as Bjorck et al. find")
    else:
        parts.append(
            f"{tolerates}; but its advantage did not come from those larger rates: at no BN's best rate BN was already "
            f"{points(f['same_rate'])} ahead, and its best result at a larger rate added {points(f['from_larger'])}"
        )
    return "; ".join(parts) + f" (after {STEPS:,} steps)."


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    c = cells(result)
    found = verdicts(c)
    shown = c.drop(columns=["norm"]).rename(
        columns={"mean": "mean final acc.", "lo": "lowest seed", "hi": "highest seed", "diverged": "seeds diverged"}
    )
    steps = max((r["steps"] for r in result["runs"]), default=0)
    title = f"Final test accuracy after {steps:,} steps, {DEPTH}-layer ReLU MLP"
    return [
        Section(
            "Test accuracy against the learning rate",
            (
                Chart(why_charts.accuracy_vs_rate(c, title), c, f"{name}-by-rate", "Download accuracy by rate (CSV)"),
                Text(
                    "Mean over the seeds that did not diverge, with a bar from the lowest to the highest seed; a cross "
                    "at the bottom marks a rate where at least one seed diverged (no line point: all of them did).",
                    "caption",
                ),
                Verdicts(tuple(synthetic_caveat(result) + found)),
            ),
        ),
        Section(
            "Every rate",
            (
                Table(
                    shown, csv=c, csv_name=f"{name}-cells", percent=("mean final acc.", "lowest seed", "highest seed")
                ),
            ),
        ),
        Section("What this means", (Text(meaning(c, found)),)),
    ]


def summarize(result: dict) -> dict:
    sections = analyze(result)
    return {"verdicts": [v.text for v in verdicts_of(sections)], "what_this_means": sections[-1].blocks[0].body}
