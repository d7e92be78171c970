"""The analysis every comparison shares: accuracy curves, final numbers and head-to-head verdicts.

Pure functions from a cache payload to DataFrames, :mod:`bnviz.views.legacy_sections` blocks and plain
sentences. Arms are told apart by their config's norm kind (``"none"``, ``"bnviz"``, ...), never
by label text. Every sentence is computed from the numbers, so a run that disagrees with the
paper says so.
"""

from __future__ import annotations

import pandas as pd

from bnviz.norms import NORMS
from bnviz.views import charts, records
from bnviz.views.legacy_sections import Chart, Metric, Metrics, Section, Table, Verdict
from bnviz.views.markdown import literal

BASELINE = "none"  # the norm kind every other arm is compared with


def pct(x: float | None) -> str:
    return "—" if x is None or pd.isna(x) else f"{100 * x:.2f}%"


def points(diff: float) -> str:
    """A difference of two accuracies, in percentage points."""
    return f"{100 * diff:+.2f} points"


def steps_text(n: float) -> str:
    return f"{int(n):,}"


def label(norm: str) -> str:
    return NORMS[norm].label if norm in NORMS else norm


def accuracy_band(result: dict) -> pd.DataFrame:
    """Mean, min and max test accuracy over seeds per arm and step."""
    return records.band(records.curves(result["runs"]), "test_acc")


def by_norm(band: pd.DataFrame, col: str, norms: tuple[str, ...]) -> pd.DataFrame:
    """One row per step (after step 0, the untrained init), one column per norm kind, steps where all were measured."""
    w = band.pivot_table(index="step", columns="norm", values=col, aggfunc="first")
    w = w[[n for n in norms if n in w]].dropna()
    return w.loc[w.index > 0]


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
                **{f: _hashable(config.get(f)) for f in fields},
                "status": run["status"],
                "final_test_acc": final,
            }
        )
    return pd.DataFrame(rows, columns=["arm", "norm", "seed", "steps", *fields, "status", "final_test_acc"])


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def finals(result: dict) -> Metrics:
    """Each arm's mean final test accuracy over seeds, and its difference from the baseline arm."""
    f = final_accuracy(result)
    means = f.groupby("arm", sort=False)["final_test_acc"].mean()
    base = f[f["norm"] == BASELINE]["arm"].unique()
    plain = means[base[0]] if len(base) == 1 else None
    items = []
    for arm_label, d in f.groupby("arm", sort=False):
        acc = means[arm_label]
        is_base = d["norm"].iloc[0] == BASELINE
        delta = (
            f"{points(acc - plain)} vs {label(BASELINE)}"
            if plain is not None and not is_base and pd.notna(acc)
            else None
        )
        seeds = ", ".join(f"seed {s}: {pct(a)}" for s, a in zip(d["seed"], d["final_test_acc"]))
        items.append(
            Metric(
                f"{literal(arm_label)}: final test accuracy",  # a label from the file: never Markdown
                pct(acc),
                delta,
                f"Mean over seeds after {int(d['steps'].max()):,} steps ({seeds})",
            )
        )
    return Metrics(tuple(items))


def seed_table(result: dict, name: str) -> Table:
    """Final test accuracy of every seed of every arm, and their spread: what a single seed can say."""
    f = final_accuracy(result)
    g = f.groupby("arm", sort=False)["final_test_acc"]
    t = pd.DataFrame(
        {"seeds": g.count(), "mean": g.mean(), "lowest seed": g.min(), "highest seed": g.max()}
    ).reset_index()
    for seed in sorted(f["seed"].unique()):
        t[f"seed {seed}"] = [f[(f["arm"] == a) & (f["seed"] == seed)]["final_test_acc"].mean() for a in t["arm"]]
    pct_cols = tuple(c for c in t.columns if c not in ("arm", "seeds"))
    return Table(
        t,
        csv_name=f"{name}-final-accuracy-per-seed",
        csv_label="Download final accuracy per seed (CSV)",
        percent=pct_cols,
    )


def accuracy_chart(
    result: dict, name: str, title: str = "Test accuracy, mean and min-max over seeds", paper_axes: bool = False
) -> Chart:
    curves = records.curves(result["runs"])
    chart = charts.fit_width(charts.accuracy(records.band(curves, "test_acc"), paper_axes=paper_axes, title=title))
    return Chart(chart, curves, f"{name}-curves", "Download test accuracy and loss per seed (CSV)")


def loss_section(result: dict, name: str) -> Section:
    band = records.band(records.curves(result["runs"]), "train_loss")
    chart = charts.fit_width(charts.loss(band, title="Training loss, mean over seeds"))
    return Section("Training loss", (Chart(chart, band, f"{name}-train-loss", "Download the training loss (CSV)"),))


def first_at_least(series: pd.Series, target: float) -> int | None:
    hit = series[series >= target - 1e-12]
    return int(hit.index[0]) if len(hit) else None


def head_to_head(result: dict, norm: str = "bnviz", against: str = BASELINE) -> list[Verdict]:
    """Is the ``norm`` arm ahead of the ``against`` arm at every eval point, beyond the seed spread,
    and does it reach the other's final accuracy sooner? Needs exactly one arm of each kind."""
    band = accuracy_band(result)
    a, b = label(norm), label(against)
    mean = by_norm(band, "mean", (against, norm))
    if list(mean.columns) != [against, norm] or mean.empty:
        return [Verdict(f"This result lacks evaluated runs of both arms ({b} and {a}); nothing to compare.", None)]
    steps = list(mean.index)
    ahead = mean[norm] > mean[against]
    behind = [s for s in steps if not ahead[s]]
    text = (
        f"{a}'s mean test accuracy is above {b}'s at every eval point from {steps_text(steps[0])} to "
        f"{steps_text(steps[-1])} steps: {'yes' if not behind else 'no'} ({int(ahead.sum())}/{len(steps)})"
    )
    if behind:
        shown = ", ".join(steps_text(s) for s in behind[:5]) + (", …" if len(behind) > 5 else "")
        text += f"; {b} is level or ahead at step{'s' if len(behind) > 1 else ''} {shown}"
    out = [Verdict(text + ".", not behind)]

    lo, hi = by_norm(band, "lo", (against, norm)), by_norm(band, "hi", (against, norm))
    seeds = band.groupby("norm")["seeds"].min()
    if seeds.min() > 1:
        clear = int((lo[norm] > hi[against]).sum())
        out.append(
            Verdict(
                f"Over seeds: {a}'s worst seed beats {b}'s best seed at {clear} of {len(lo)} eval points "
                f"({int(seeds[norm])} {a} and {int(seeds[against])} {b} seeds).",
                None,
            )
        )
    else:
        out.append(
            Verdict("One seed per arm: a single run cannot tell a real difference from seed-to-seed noise.", None)
        )

    target = mean[against].iloc[-1]
    t_plain, t_norm = first_at_least(mean[against], target), first_at_least(mean[norm], target)
    if t_norm is None:
        out.append(
            Verdict(
                f"{a} reaches {b}'s final accuracy ({pct(target)}) in fewer steps: no, {a}'s mean never "
                f"reaches it in {steps_text(steps[-1])} steps.",
                False,
            )
        )
    else:
        faster = t_norm < t_plain
        speed = f" ({t_plain / t_norm:.1f}x fewer steps)" if faster else ""
        out.append(
            Verdict(
                f"{a} reaches {b}'s final accuracy ({pct(target)}) in fewer steps: "
                f"{'yes' if faster else 'no'}, {a} at step {steps_text(t_norm)}, {b} at step "
                f"{steps_text(t_plain)}{speed}.",
                faster,
            )
        )
    return out


def synthetic_caveat(result: dict) -> list[Verdict]:
    if (result.get("data") or {}).get("source") == "synthetic":
        return [
            Verdict(
                "These runs used synthetic data, so the comparison shows how the check works, "
                "not how the networks do on the real dataset.",
                None,
            )
        ]
    return []
