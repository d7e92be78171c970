"""Depth with saturating units: sigmoid MLPs of 3 to 20 layers with BN before the sigmoid, after it, or none.

The paper trains an Inception network with sigmoids instead of ReLUs: with BN it reaches 69.8%
accuracy, without BN it "never achieves better than 1/1000" (Ioffe & Szegedy 2015, Section 4.2.1):
BN keeps the sigmoids out of their saturated regime, where gradients vanish (Section 3.4). Here the
same question on MNIST MLPs: 3, 6, 10 and 20 hidden layers of 100 sigmoids, batch 60, plain SGD at
the paper-setting rate 0.3, init std 0.1, without BN, with BN before each sigmoid (the paper's
z = g(BN(Wu))) and with BN after it (z = BN(g(Wu + b))); three seeds.

Sizes: 2,000 steps per run: the paper's 3-layer network passes 90% by then with and without BN
(91.0% and 93.4% at 2,000 steps in mnist-fig1, docs/results.md), so a deeper network still near chance
after 2,000 steps has not started learning within the budget, which is the verdicts' sense of "does not
learn" (nothing here says it never would). 36 runs, curves only.
"""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.views import records, why_charts
from bnviz.views.analysis import pct, points, synthetic_caveat
from bnviz.views.legacy_sections import Chart, Section, Table, Text, Verdict, Verdicts, verdicts_of

ORDER = 150
PAGE = "why"
TAB = "Depth with saturating units"
CLAIM = (
    "With sigmoid units a deep network trains with BN and does not without it, because BN keeps the sigmoids' "
    "inputs out of saturation (Ioffe & Szegedy 2015, [arXiv:1502.03167](https://arxiv.org/abs/1502.03167), "
    "Sections 3.4 and 4.2.1: the sigmoid Inception without BN never beats 1/1000)."
)
DEPTHS = (3, 6, 10, 20)
STEPS = 2_000
LEARNS, CHANCE = 0.9, 0.2  # mean final accuracy: "learns" at 90% or more; "does not learn" below 20% (chance 10%)
VARIANTS = {  # (norm, norm_position) -> the variant's name
    ("none", "before"): "no BN",
    ("bnviz", "before"): "BN before the sigmoid",
    ("bnviz", "after"): "BN after the sigmoid",
}
COLOURS = {"no BN": "#1f77b4", "BN before the sigmoid": "#d62728", "BN after the sigmoid": "#ff9896"}


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=100, probe_every=STEPS, early_probes=False, activation="sigmoid")
    return tuple(
        arm(base, norm, f"{name}, depth {depth}", depth=depth, norm_position=position)
        for (norm, position), name in VARIANTS.items()
        for depth in DEPTHS
    )


EXPERIMENT = Experiment(
    name="depth-sigmoid",
    title="Sigmoid MLPs of 3 to 20 layers: BN before the sigmoid, after it, or none (Section 4.2.1)",
    about=f"MNIST MLPs of {', '.join(map(str, DEPTHS))} hidden layers of 100 sigmoids, batch 60, plain SGD at lr 0.3, "
    f"init std 0.1, {STEPS:,} steps, without BN, with BN before every sigmoid (the paper's placement) and with BN "
    "after it; three seeds.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES,
)


def variant(config: dict) -> str:
    return VARIANTS.get((config.get("norm"), config.get("norm_position", "before")), config.get("norm", "?"))


def final_table(result: dict) -> pd.DataFrame:
    """One row per run: variant, depth, seed, status, final test accuracy (NaN if it diverged)."""
    rows = []
    for run in result["runs"]:
        acc = [r["test/acc"] for r in run["records"] if r.get("test/acc") is not None]
        final = acc[-1] if acc and run["status"] != "diverged" else float("nan")
        c = run["config"]
        rows.append(
            {
                "variant": variant(c),
                "depth": int(c.get("depth", 3)),
                "seed": run["seed"],
                "status": run["status"],
                "final": final,
            }
        )
    return pd.DataFrame(rows, columns=["variant", "depth", "seed", "status", "final"])


def cells(table: pd.DataFrame) -> pd.DataFrame:
    g = table.groupby(["variant", "depth"], sort=False)["final"]
    c = pd.DataFrame({"mean": g.mean(), "lo": g.min(), "hi": g.max(), "seeds": g.size()}).reset_index()
    c["outcome"] = [
        "learns" if m >= LEARNS else "does not learn" if pd.isna(m) or m < CHANCE else "partly" for m in c["mean"]
    ]
    return c.sort_values(["variant", "depth"], key=lambda s: s.map(list(COLOURS).index) if s.name == "variant" else s)


def stops(c: pd.DataFrame, name: str) -> tuple[int | None, int | None]:
    """(smallest depth below 90%, smallest depth below 20%) for a variant; None where it never falls there."""
    d = c[c["variant"] == name].sort_values("depth")
    below = d[~(d["mean"] >= LEARNS)]["depth"]
    chance = d[~(d["mean"] >= CHANCE)]["depth"]
    return (int(below.min()) if len(below) else None, int(chance.min()) if len(chance) else None)


def placement_gaps(c: pd.DataFrame) -> dict[int, float]:
    """BN after the sigmoid minus BN before it, mean final accuracy, per depth both were run at."""
    m = c.pivot_table(index="depth", columns="variant", values="mean")
    cols = ("BN before the sigmoid", "BN after the sigmoid")
    if not all(v in m for v in cols):
        return {}
    d = (m[cols[1]] - m[cols[0]]).dropna()
    return {int(k): float(v) for k, v in d.items()}


def placement(c: pd.DataFrame) -> list[Verdict]:
    """Section 3.2 puts BN before the nonlinearity, on Wu, 'more likely to have a symmetric, non-sparse
    distribution'; is that placement at least as good as after the sigmoid, at every depth?"""
    gaps = placement_gaps(c)
    if not gaps:
        return []
    holds = all(g <= 0 for g in gaps.values())
    each = ", ".join(f"depth {k}: {points(g)}" for k, g in gaps.items())
    return [
        Verdict(
            f"Is the paper's placement, BN before the sigmoid (Section 3.2), at least as good as BN after it at every "
            f"depth? {'yes' if holds else 'no'}: after − before, mean final accuracy, {each}.",
            holds,
        )
    ]


def verdicts(c: pd.DataFrame) -> list[Verdict]:
    out = []
    depths = sorted(c["depth"].unique())
    if not len(depths):
        return [Verdict("This result has no finished runs.", None)]
    for name in COLOURS:
        if name not in set(c["variant"]):
            continue
        d = c[c["variant"] == name].set_index("depth")
        short, gone = stops(c, name)
        each = ", ".join(f"depth {k}: {pct(d.at[k, 'mean'])}" for k in depths if k in d.index)
        if gone is not None:
            text = f"{name} stops learning at depth {gone} (mean final accuracy below {CHANCE:.0%})"
        elif short is not None:
            text = f"{name} learns at every depth here but falls below {LEARNS:.0%} from depth {short}"
        else:
            text = f"{name} learns (mean final accuracy {LEARNS:.0%} or more) at every depth up to {depths[-1]}"
        out.append(Verdict(f"{text}: {each}.", None))
    out += placement(c)
    plain_gone = stops(c, "no BN")[1]
    bn_short = stops(c, "BN before the sigmoid")[0]
    if "no BN" in set(c["variant"]) and "BN before the sigmoid" in set(c["variant"]):
        holds = plain_gone is not None and bn_short is None
        out.insert(
            0,
            Verdict(
                f"As in the paper's sigmoid Inception, does a deep sigmoid network learn with BN (before the sigmoid) "
                f"and not without? {'yes' if holds else 'no'}: without BN it "
                + (f"stops learning at depth {plain_gone}" if plain_gone else "learns at every depth here")
                + "; with BN it "
                + (
                    f"falls below {LEARNS:.0%} from depth {bn_short}"
                    if bn_short
                    else f"learns at every depth up to {depths[-1]}"
                )
                + ".",
                holds,
            ),
        )
    return out


def meaning(c: pd.DataFrame, found: list[Verdict], steps: int = STEPS) -> str:
    head = found[0] if found and found[0].holds is not None else None
    if head is None:
        return "This result lacks the arms to test the paper's claim."
    plain_gone = stops(c, "no BN")[1]
    after_short = stops(c, "BN after the sigmoid")[0]
    gaps = placement_gaps(c)
    if "BN after the sigmoid" not in set(c["variant"]):
        after = ""
    elif after_short is not None:
        after = (
            f" BN after the sigmoid fell below {LEARNS:.0%} from depth {after_short}, so the paper's placement, "
            "before the sigmoid, mattered here."
        )
    elif gaps and all(g > 0 for g in gaps.values()):
        after = (
            " BN after the sigmoid learned at every depth too, and ended ahead of the paper's placement, before the "
            f"sigmoid, at every depth ({min(gaps.values()) * 100:+.2f} to {max(gaps.values()) * 100:+.2f} points): "
            "on these networks the placement Section 3.2 argues for was not the better one."
        )
    else:
        after = " BN after the sigmoid learned at every depth too."
    if head.holds:
        return (
            f"As the paper reports for its sigmoid Inception: without BN the sigmoid network stopped learning within "
            f"{steps:,} steps from depth {plain_gone}, and with BN before each sigmoid it learned at every depth tried."
            + after
        )
    bn_short = stops(c, "BN before the sigmoid")[0]
    plain = f"stopped learning from depth {plain_gone}" if plain_gone else "learned at every depth tried"
    bn = f"fell below {LEARNS:.0%} from depth {bn_short}" if bn_short else "learned at every depth tried"
    return (
        f"Not as the paper's sigmoid Inception: within {steps:,} steps the sigmoid network without BN {plain}, "
        f"and with BN before each sigmoid it {bn}." + after
    )


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    table = final_table(result)
    c = cells(table)
    found = verdicts(c)
    steps = max((r["steps"] for r in result["runs"]), default=0)
    curves = records.curves(result["runs"])
    by_run = {(r["arm"], r["seed"]): r["config"] for r in result["runs"]}
    curves["variant"] = [variant(by_run[(a, s)]) for a, s in zip(curves["arm"], curves["seed"])]
    curves["depth"] = [int(by_run[(a, s)].get("depth", 3)) for a, s in zip(curves["arm"], curves["seed"])]
    band = curves.dropna(subset=["test_acc"]).groupby(["variant", "depth", "step"])["test_acc"].mean()
    band = band.rename("mean").reset_index()
    return [
        Section(
            "Final test accuracy against depth",
            (
                Chart(
                    why_charts.accuracy_vs_depth(c, COLOURS, f"Final test accuracy after {steps:,} steps"),
                    c,
                    f"{name}-by-depth",
                    "Download accuracy by depth (CSV)",
                ),
                Text(
                    f"Mean over seeds, with a bar from the lowest to the highest seed. Learns: {LEARNS:.0%} or more; "
                    f"does not learn: below {CHANCE:.0%} (chance is 10%).",
                    "caption",
                ),
                Verdicts(tuple(synthetic_caveat(result) + found)),
            ),
        ),
        Section(
            "Test accuracy over training, per depth",
            (
                Chart(
                    why_charts.curves_by_depth(band, COLOURS),
                    band,
                    f"{name}-curves",
                    "Download the mean curves (CSV)",
                    stretch=False,
                ),
            ),
        ),
        Section(
            "Every depth",
            (
                Table(
                    c.rename(columns={"mean": "mean final acc.", "lo": "lowest seed", "hi": "highest seed"}),
                    csv=c,
                    csv_name=f"{name}-cells",
                    percent=("mean final acc.", "lowest seed", "highest seed"),
                ),
            ),
        ),
        Section("What this means", (Text(meaning(c, found, steps)),)),
    ]


def summarize(result: dict) -> dict:
    sections = analyze(result)
    return {"verdicts": [v.text for v in verdicts_of(sections)], "what_this_means": sections[-1].blocks[0].body}
