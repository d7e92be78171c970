"""The sigmoid-depth claims on our runs, each placement at its best learning rate: does a deep sigmoid network learn
with BN and not without it (Section 4.2.2's sigmoid Inception), is the paper's placement, before the sigmoid, the
better one (Section 3.2), and at which rates does each placement train (Section 3.3)?"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bnviz.experiments.depth_sigmoid import PLACEMENTS, RATES, STEPS
from bnviz.views import by_seed, compare, rate_grid, records
from bnviz.views.by_seed import BySeed
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import listing, pct, points
from bnviz.views.verdicts import Verdict

NONE, BEFORE, AFTER = PLACEMENTS.values()
ORDER = list(PLACEMENTS.values())
NOT_MEASURED = (
    "This experiment records accuracy only: it tests whether deep sigmoid networks learn, not why. Saturation, the "
    "paper's reason (Sections 1 and 3.3), is not measured here; the Activations page shows it per layer"
)


@dataclass(frozen=True)
class DepthFindings(Findings):
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per run (rate_grid.run_table + placement)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)  # per placement, depth and rate
    best: pd.DataFrame = field(default_factory=pd.DataFrame)  # per placement and depth: its best rate's cell
    status: pd.DataFrame = field(default_factory=pd.DataFrame)  # per placement and depth: learns / partly / does not
    band: pd.DataFrame = field(default_factory=pd.DataFrame)  # mean test accuracy over steps at each best rate
    head: tuple[Verdict, ...] = ()
    placement: tuple[Verdict, ...] = ()
    ranges: tuple[Verdict, ...] = ()


def placement_of(norm: str, position: str) -> str:
    return PLACEMENTS.get((norm, position), f"{compare.norm_name(norm)}, {position}")


def run_table(result: dict) -> pd.DataFrame:
    runs = rate_grid.run_table(result, fields=("lr", "depth"))
    runs["placement"] = [placement_of(n, p) for n, p in zip(runs["norm"], runs["position"])]
    runs["lr"] = runs["lr"].astype(float).round(6)
    runs["depth"] = runs["depth"].fillna(3).astype(int)
    return runs


def best_cells(c: pd.DataFrame) -> pd.DataFrame:
    """Per placement and depth, the cell of its best rate (highest mean final accuracy)."""
    rows = [rate_grid.best(d) for _, d in c.groupby(["placement", "depth"], sort=False)]
    return _ordered(pd.DataFrame(rows)) if rows else c.iloc[0:0]


def _ordered(d: pd.DataFrame) -> pd.DataFrame:
    """Placements in the page's order (none, before, after), then by depth."""
    rank = d["placement"].map({p: i for i, p in enumerate(ORDER)}).fillna(len(ORDER))
    return d.assign(_rank=rank).sort_values(["_rank", "depth"]).drop(columns="_rank").reset_index(drop=True)


def status_table(c: pd.DataFrame) -> pd.DataFrame:
    """Per placement and depth: ``learns`` (at some rate every seed reaches 90%), ``does not learn`` (at every rate
    every seed ends below 20%, stalled, exploded or diverged) or ``partly``; and its stable rates."""
    rows = []
    for (placement, depth), d in c.groupby(["placement", "depth"], sort=False):
        stable = rate_grid.stable_rates(d)
        nothing = bool((d["hi"].fillna(0) < rate_grid.FAILS).all())
        rows.append(
            {
                "placement": placement,
                "depth": int(depth),
                "status": "learns" if stable else "does not learn" if nothing else "partly",
                "stable": tuple(stable),
            }
        )
    return _ordered(pd.DataFrame(rows, columns=["placement", "depth", "status", "stable"]))


def _status(s: pd.DataFrame, placement: str) -> dict[int, str]:
    d = s[s["placement"] == placement]
    return dict(zip(d["depth"], d["status"]))


def _best_text(b: pd.DataFrame, placement: str, depth: int) -> str:
    row = b[(b["placement"] == placement) & (b["depth"] == depth)]
    if row.empty:
        return "not run"
    r = row.iloc[0]
    return f"{pct(r['mean'])} at lr {r['lr']:g}"


def _depths(depths: list) -> str:
    return f"depth{'s' if len(depths) > 1 else ''} {listing(depths)}"


def head_verdict(s: pd.DataFrame, b: pd.DataFrame) -> Verdict:
    """Section 4.2.2's sigmoid Inception, on MLPs: with BN before the sigmoid it learns at every depth; without
    normalization it does not learn (at any rate) at some depth."""
    plain, bn = _status(s, NONE), _status(s, BEFORE)
    gone = [d for d, x in sorted(plain.items()) if x == "does not learn"]
    short = [d for d, x in sorted(bn.items()) if x != "learns"]
    holds = bool(gone) and not short
    each = "; ".join(
        f"depth {d}: {_best_text(b, NONE, d)} without, {_best_text(b, BEFORE, d)} with BN before"
        for d in sorted(set(plain) | set(bn))
    )
    said = (
        f"without normalization no rate learns at {_depths(gone)}"
        if gone
        else "without normalization some rate learns, at least partly, at every depth"
    )
    said += (
        "; with BN before the sigmoid it learns at every depth"
        if not short
        else f"; with BN before the sigmoid no rate brings every seed to {rate_grid.LEARNS:.0%} at {_depths(short)}"
    )
    return Verdict(
        "As with the paper's sigmoid Inception (Section 4.2.2), a deep sigmoid network learns with BN and not without "
        "it, each placement at its best learning rate",
        "supports" if holds else "contradicts",
        f"{said}; best rates: {each}",
    )


def _seeds_at(runs: pd.DataFrame, placement: str, cell: pd.Series) -> dict[int, float]:
    d = runs[(runs["placement"] == placement) & (runs["depth"] == cell["depth"]) & (runs["lr"] == cell["lr"])]
    return {int(s): float(a) for s, a in zip(d["seed"], d["final_test_acc"])}


def placement_verdict(runs: pd.DataFrame, b: pd.DataFrame, depth: int) -> Verdict | None:
    """Section 3.2's placement against the other, best rate against best rate, seed by seed."""
    at = b[b["depth"] == depth].set_index("placement")
    if not {BEFORE, AFTER} <= set(at.index):
        return None
    before, after = at.loc[BEFORE], at.loc[AFTER]
    v = by_seed.verdict(
        f"At depth {depth}, the paper's placement, BN before the sigmoid (Section 3.2), does better than BN after it, "
        "each at its best rate",
        BySeed(_seeds_at(runs, AFTER, after), _seeds_at(runs, BEFORE, before)),
        lambda x: f"{100 * x:.2f}%",
        (f"after (lr {after['lr']:g})", f"before (lr {before['lr']:g})"),
        ("better before", "better after"),
        unit=" points",
    )
    gap = before["mean"] - after["mean"]
    margin = 100 * v.margin if v.margin is not None else None
    scale = 100 * v.scale if v.scale is not None else None
    return Verdict(v.claim, v.outcome, f"before − after {points(gap)} on the mean; {v.evidence}", margin, scale, v.unit)


def range_verdict(s: pd.DataFrame, depth: int) -> Verdict | None:
    """Section 3.3: BN allows higher rates. Does BN before the sigmoid train at a larger rate than BN after it?"""
    at = s[s["depth"] == depth].set_index("placement")
    if not {BEFORE, AFTER} <= set(at.index):
        return None
    grid = list(RATES)
    ranges = {p: list(at.at[p, "stable"]) for p in at.index}
    top = {p: (r[-1] if r else 0.0) for p, r in ranges.items()}
    holds = top[BEFORE] > top[AFTER]
    each = "; ".join(f"{p}: {rate_grid.range_text(ranges[p], grid)}" for p in ORDER if p in ranges)
    outcome = "supports" if holds else "contradicts"
    return Verdict(
        f"At depth {depth}, BN before the sigmoid trains at larger rates than BN after it (every seed at "
        f"{rate_grid.LEARNS:.0%} or more, none diverged; Section 3.3's higher learning rates)",
        outcome,
        f"stable range {each}" + ("; the same largest rate on this grid" if top[BEFORE] == top[AFTER] else ""),
    )


def curves_at_best(result: dict, b: pd.DataFrame) -> pd.DataFrame:
    """Mean test accuracy over steps of each placement and depth at its best rate."""
    curves = records.curves(result["runs"])
    by_run = {(r["arm"], r["seed"]): r["config"] for r in result["runs"]}
    cfg = [by_run[(a, s)] for a, s in zip(curves["arm"], curves["seed"])]
    curves["placement"] = [placement_of(c.get("norm", "none"), p) for c, p in zip(cfg, curves["position"])]
    curves["depth"] = [int(c.get("depth", 3)) for c in cfg]
    curves["lr"] = [round(float(c.get("lr", 0)), 6) for c in cfg]
    keep = set(zip(b["placement"], b["depth"], b["lr"]))
    mask = [k in keep for k in zip(curves["placement"], curves["depth"], curves["lr"])]
    d = curves[mask].dropna(subset=["test_acc"])
    band = d.groupby(["placement", "depth", "lr", "step"])["test_acc"].mean().rename("mean").reset_index()
    return band


def findings(result: dict) -> DepthFindings:
    base = common(result, fields=("depth", "lr"))
    runs = run_table(result)
    c = rate_grid.cells(runs, ["placement", "depth", "lr"])
    b, s = best_cells(c), status_table(c)
    checks = compare.synthetic_caveat(base["synthetic"])
    head = [head_verdict(s, b)] if {NONE, BEFORE} <= set(s["placement"]) else []
    depths = sorted(s["depth"].unique())
    placement = [v for d in depths if (v := placement_verdict(runs, b, d)) is not None]
    rates = sorted(runs["lr"].unique())
    ranges = [v for d in depths if (v := range_verdict(s, d)) is not None] if len(rates) > 1 else []
    if not head:
        checks.append(Verdict("This result lacks the placements to test the paper's claim"))
    if len(rates) == 1:
        checks.append(
            Verdict(
                f'This result ran one learning rate, {rates[0]:g}, so each placement\'s "best rate" is that rate and no '
                "stable range can show: re-run it (python -m bnviz run depth-sigmoid) for the five-rate grid"
            )
        )
    return DepthFindings(
        **base,
        verdicts=tuple(checks + head + placement + ranges + [Verdict(NOT_MEASURED)]),
        meaning=meaning(head, placement, ranges, s),
        numbers={
            "best": rate_grid.json_ready(best_table(b)).to_dict(orient="records"),
            "status": status_shown(s).to_dict(orient="records"),
        },
        tables={
            "Each placement at its best rate": rate_grid.json_ready(best_table(b)),
            "Stable rates": status_shown(s),
        },
        runs=runs,
        cells=c,
        best=b,
        status=s,
        band=curves_at_best(result, b),
        head=tuple(head),
        placement=tuple(placement),
        ranges=tuple(ranges),
    )


def best_table(b: pd.DataFrame) -> pd.DataFrame:
    d = b.rename(columns={"lr": "best rate", "mean": "mean final acc.", "lo": "lowest seed", "hi": "highest seed"})
    return d[["placement", "depth", "best rate", "mean final acc.", "lowest seed", "highest seed", "outcomes"]]


def status_shown(s: pd.DataFrame) -> pd.DataFrame:
    grid = list(RATES)
    return s.assign(stable=[rate_grid.range_text(list(r), grid) for r in s["stable"]]).rename(
        columns={"status": "at its best rate", "stable": "every seed learns at"}
    )


def meaning(head: list[Verdict], placement: list[Verdict], ranges: list[Verdict], s: pd.DataFrame) -> str:
    if not head:
        return "This result lacks the placements to test the paper's claim."
    h = head[0]
    lead = (
        f"As the paper reports for its sigmoid Inception, and with each placement at its best rate: {h.evidence.split('; best rates')[0]}."
        if h.outcome == "supports"
        else f"Not as the paper's sigmoid Inception, with each placement at its best rate: {h.evidence.split('; best rates')[0]}."
    )
    tally = {
        o: [v.claim.split(",")[0].removeprefix("At depth ") for v in placement if v.outcome == o]
        for o in ("supports", "contradicts", "within_noise")
    }
    parts = [lead]
    if placement:
        said = []
        if tally["contradicts"]:
            said.append(f"BN after the sigmoid was better in every seed at {_depths(tally['contradicts'])}")
        if tally["supports"]:
            said.append(f"BN before it was better in every seed at {_depths(tally['supports'])}")
        if tally["within_noise"]:
            said.append(f"the seeds do not separate them at {_depths(tally['within_noise'])}")
        parts.append("Best rate against best rate, " + "; ".join(said) + ".")
    wider = [v.claim.split(",")[0].removeprefix("At depth ") for v in ranges if v.outcome == "supports"]
    narrower = [v.claim.split(",")[0].removeprefix("At depth ") for v in ranges if v.outcome == "contradicts"]
    if wider:
        parts.append(
            f"BN before the sigmoid trained at a larger rate than BN after it at {_depths(wider)}, the property "
            "the paper argues from (Section 3.3)."
        )
    if narrower:
        parts.append(f"BN after the sigmoid trained at a larger rate at {_depths(narrower)}.")
    parts.append(f"All within {STEPS:,} steps, and from accuracy alone: saturation is not measured here.")
    return " ".join(parts)
