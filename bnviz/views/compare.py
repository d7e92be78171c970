"""What every comparison of arms computes: final accuracies, accuracy bands, the head-to-head claims of
Figure 1(a), and headline numbers that never appear without their seed range. pandas only, no charts.

Arms are told apart by their config's norm kind (``"none"``, ``"bnviz"``, ...), never by label text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bnviz.norms import NORMS
from bnviz.views import records
from bnviz.views.markdown import literal
from bnviz.views.phrases import BEYOND, WITHIN, pct, plural, points, seed_range, steps_text
from bnviz.views.verdicts import Verdict

BASELINE = "none"  # the norm kind every other arm is compared with


def norm_name(kind: str) -> str:
    """The normalization's name as a reader sees it (a kind bnviz does not know is quoted as written)."""
    return NORMS[kind].label if kind in NORMS else literal(kind)


def final_accuracy(result: dict, fields: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per run: arm, norm, seed, steps, the config ``fields`` (lists as tuples, so they group),
    status and final test accuracy (NaN for a diverged run)."""
    rows = []
    for run in result["runs"]:
        config = run.get("config") or {}
        acc = [r["test/acc"] for r in run["records"] if r.get("test/acc") is not None]
        final = acc[-1] if acc and run["status"] != "diverged" else float("nan")
        rows.append(
            {
                "arm": run["arm"],
                "norm": records.norm_of(run),
                "seed": run["seed"],
                "steps": run["steps"],
                **{f: tuple(v) if isinstance(v := config.get(f), list) else v for f in fields},
                "status": run["status"],
                "final_test_acc": final,
            }
        )
    return pd.DataFrame(rows, columns=["arm", "norm", "seed", "steps", *fields, "status", "final_test_acc"])


def accuracy_band(curves: pd.DataFrame) -> pd.DataFrame:
    """Mean, lowest and highest seed of test accuracy per arm and step."""
    return records.band(curves, "test_acc")


def by_norm(band: pd.DataFrame, col: str, norms: tuple[str, ...]) -> pd.DataFrame:
    """One row per step (after step 0, the untrained init), one column per norm kind, steps where all were measured."""
    w = band.pivot_table(index="step", columns="norm", values=col, aggfunc="first")
    w = w[[n for n in norms if n in w]].dropna()
    return w.loc[w.index > 0]


def seed_table(finals: pd.DataFrame) -> pd.DataFrame:
    """Final test accuracy of every seed of every arm, with the mean and the lowest and highest seed."""
    g = finals.groupby("arm", sort=False)["final_test_acc"]
    t = pd.DataFrame(
        {"seeds": g.count(), "mean": g.mean(), "lowest seed": g.min(), "highest seed": g.max()}
    ).reset_index()
    for seed in sorted(finals["seed"].unique()):
        t[f"seed {seed}"] = [
            finals[(finals["arm"] == a) & (finals["seed"] == seed)]["final_test_acc"].mean() for a in t["arm"]
        ]
    return t


@dataclass(frozen=True)
class Headline:
    """One arm's final test accuracy as a card: the mean, its seed range, and its difference from the
    baseline, which says whether it is beyond the seed spread."""

    arm: str  # the label, as recorded (quote it before putting it in Markdown)
    mean: float
    lo: float
    hi: float
    seeds: int
    steps: int
    delta: float | None = None  # mean minus the baseline's mean
    beyond: bool | None = None  # the difference is beyond the seed spread (None: no baseline, or one seed)

    @property
    def value(self) -> str:
        return pct(self.mean)

    @property
    def range_text(self) -> str:
        return seed_range(self.lo, self.hi, self.seeds)

    @property
    def delta_text(self) -> str | None:
        if self.delta is None or pd.isna(self.delta):
            return None
        how = "" if self.beyond is None else f", {BEYOND if self.beyond else WITHIN}"
        return f"{points(self.delta)} vs {norm_name(BASELINE)}{how}"


def headlines(finals: pd.DataFrame) -> list[Headline]:
    """A card per arm, in the order the arms were run."""
    g = finals.groupby("arm", sort=False)
    base = finals[finals["norm"] == BASELINE]["arm"].unique()
    b = g["final_test_acc"].agg(["mean", "min", "max", "count"]).loc[base[0]] if len(base) == 1 else None
    out = []
    for arm, d in g:
        acc = d["final_test_acc"]
        mean, lo, hi, n = acc.mean(), acc.min(), acc.max(), int(acc.count())
        delta = beyond = None
        if b is not None and arm != base[0] and pd.notna(mean):
            delta = mean - b["mean"]
            if n > 1 and b["count"] > 1:
                beyond = bool(lo > b["max"] or hi < b["min"])
        out.append(Headline(arm, mean, lo, hi, n, int(d["steps"].max()), delta, beyond))
    return out


def head_to_head(curves: pd.DataFrame, norm: str = "bnviz", against: str = BASELINE) -> list[Verdict]:
    """Figure 1(a)'s two claims for ``norm`` against ``against``: ahead at every eval point, and reaching the
    other's final accuracy in fewer steps. Needs one arm of each kind."""
    band = accuracy_band(curves)
    a, b = norm_name(norm), norm_name(against)
    mean = by_norm(band, "mean", (against, norm))
    if list(mean.columns) != [against, norm] or mean.empty:
        return [Verdict(f"This result lacks evaluated runs of both {b} and {a}: nothing to compare")]
    lo, hi = by_norm(band, "lo", (against, norm)), by_norm(band, "hi", (against, norm))
    seeds = int(band.groupby("norm")["seeds"].min().loc[[against, norm]].min())
    steps = list(mean.index)
    ahead = mean[norm] > mean[against]
    clear_ahead = (lo[norm] > hi[against]) if seeds > 1 else ahead & False
    clear_behind = (hi[norm] < lo[against]) if seeds > 1 else ahead & False
    behind = [s for s in steps if not ahead[s]]
    where = f"from step {steps_text(steps[0])} to {steps_text(steps[-1])}"
    evidence = f"mean ahead at {int(ahead.sum())} of {len(steps)} eval points {where}"
    if behind:
        shown = ", ".join(steps_text(s) for s in behind[:5]) + (", …" if len(behind) > 5 else "")
        evidence += f"; level or behind at step{'s' if len(behind) > 1 else ''} {shown}"
    if seeds > 1:
        evidence += f"; {BEYOND} at {int(clear_ahead.sum())}, behind it at {int(clear_behind.sum())}"
    else:
        evidence += "; one seed per arm, so no seed spread to judge by"
    if clear_behind.any():
        outcome = "contradicts"
    elif not behind and seeds > 1 and clear_ahead.sum() * 2 >= len(steps):
        outcome = "supports"
    else:
        outcome = "within_noise"
    out = [
        Verdict(
            f"{a} has the higher test accuracy throughout training (Figure 1(a))",
            outcome,
            evidence,
            margin=float(clear_ahead.sum() - len(steps) / 2) if outcome == "supports" else None,
            scale=len(steps) / 2,
            unit=" eval points",
        )
    ]
    target = mean[against].iloc[-1]
    t_base, t_norm = first_at_least(mean[against], target), first_at_least(mean[norm], target)
    claim = f"{a} reaches {b}'s final accuracy ({pct(target)}) in fewer steps"
    if t_norm is None:
        out.append(Verdict(claim, "contradicts", f"{a}'s mean never reaches it in {steps_text(steps[-1])} steps"))
    else:
        faster = t_norm < t_base
        speed = f", {t_base / t_norm:.1f}x fewer" if faster else ""
        out.append(
            Verdict(
                claim,
                "supports" if faster else "contradicts",
                f"{a} at step {steps_text(t_norm)}, {b} at step {steps_text(t_base)}{speed}; seed means",
            )
        )
    return out


def first_at_least(series: pd.Series, target: float) -> int | None:
    hit = series[series >= target - 1e-12]
    return int(hit.index[0]) if len(hit) else None


def synthetic_caveat(synthetic: bool) -> list[Verdict]:
    if not synthetic:
        return []
    return [
        Verdict(
            "These runs used synthetic data, so the comparison shows how the check works, not how the networks "
            "do on the real dataset"
        )
    ]


def seeds_of(finals: pd.DataFrame) -> str:
    """``3 seeds`` (or ``1 to 3 seeds`` when arms differ)."""
    n = finals.groupby("arm")["seed"].nunique()
    return plural(int(n.min()), "seed") if n.min() == n.max() else f"{int(n.min())} to {int(n.max())} seeds"
