"""Noisy BN: is a still input distribution what BN buys? (Santurkar et al. 2018, Section 2.1, Figure 2)

Santurkar, Tsipras, Ilyas & Mądry (arXiv 1805.11604) add time-varying noise after every BN layer
(:mod:`bnviz.norms.noisy_batch_norm`, their Appendix A.2.1), so that each unit's input distribution
moves more than it would without BN at all, and report that such a network still trains about as
well as with plain BN (their Figure 2, VGG on CIFAR-10). If BN worked by keeping distributions still,
the noise should take its advantage away.

Here: the paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3), no BN, BN and noisy BN,
three seeds. Sizes: 5,000 steps, because that is where BN's lead on this network lives (Figure 1(a)
here: +6.1 points at 1,000 steps, +0.4 at 5,000; see docs/results.md), so there is an advantage for
the noise to take away; eval and probe every 250 steps (and the early steps 1, 2, 5, ...) to see
distributions move; only the training-mode percentiles and histograms are stored (301 KB). The nine
runs took 78 s on one worker here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.train.probes import hist_edges
from bnviz.views import analysis, charts, drift, records, why_charts
from bnviz.views.analysis import pct, points, steps_text
from bnviz.views.legacy_sections import Chart, Columns, Download, Section, Text, Verdict, Verdicts, verdicts_of

ORDER = 110
PAGE = "why"
TAB = "Noisy BN"
CLAIM = (
    "BN does not work by reducing internal covariate shift: a network with BN whose layer inputs are made "
    "to shift at every step by added noise trains about as well as one with plain BN (Santurkar, Tsipras, "
    "Ilyas & Mądry 2018, *How Does Batch Normalization Help Optimization?*, "
    "[arXiv:1805.11604](https://arxiv.org/abs/1805.11604), Section 2.1, Figure 2)."
)
NORMS = ("none", "bnviz", "noisy")
DEPTH = 3
STEPS = 5_000
HIST_AT = (0, 0.02, 0.1, 0.4, 1.0)  # the histograms' steps, as fractions of the run
KEEPS = 0.5  # "about as well as BN": noisy BN keeps at least half of BN's lead over no BN at that step


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=250, probe_every=250)
    return tuple(arm(base, norm) for norm in NORMS)


EXPERIMENT = Experiment(
    name="noisy-bn",
    title="Noisy BN: BN with time-varying noise after every layer (Santurkar et al. 2018, Figure 2)",
    about="The paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) for 5,000 steps without BN, "
    "with BN before every sigmoid, and with noisy BN: BN followed in training by noise whose mean and scale "
    "change at every step for every unit (Santurkar et al.'s Appendix A.2.1: n_μ 0.5, n_σ 1.25, r_μ = r_σ = 0.1). "
    "Three seeds; test accuracy every 250 steps; each sigmoid's input on a fixed probe batch of 1,000 "
    "training images, probed as the network trains.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES + tuple(f"layer{i + 1}/{f}" for i in range(DEPTH) for f in ("p", "hist")),
)


# ------------------------------------------------------------------ accuracy
@dataclass(frozen=True)
class Kept:
    """How much of BN's lead over no BN noisy BN keeps at one eval step."""

    step: int
    none: float
    bn: float
    noisy: float
    bn_spread: float  # BN's highest minus lowest seed at that step

    @property
    def lead(self) -> float:
        return self.bn - self.none

    @property
    def share(self) -> float:
        return (self.noisy - self.none) / self.lead

    @property
    def testable(self) -> bool:
        """BN is ahead by more than its own seeds differ: there is a lead for the noise to take away."""
        return self.lead > 0 and self.lead > self.bn_spread

    @property
    def holds(self) -> bool | None:
        return bool(self.share >= KEEPS) if self.testable else None


def kept(result: dict) -> list[Kept]:
    """At the eval step where BN's mean lead over no BN is largest, and at the last: what noisy BN keeps of it."""
    band = analysis.accuracy_band(result)
    mean = analysis.by_norm(band, "mean", NORMS)
    if list(mean.columns) != list(NORMS) or mean.empty:
        return []
    spread = analysis.by_norm(band, "hi", NORMS)["bnviz"] - analysis.by_norm(band, "lo", NORMS)["bnviz"]
    lead = mean["bnviz"] - mean["none"]
    steps = list(dict.fromkeys([int(lead.idxmax()), int(mean.index[-1])]))
    return [Kept(s, *(float(mean.at[s, n]) for n in NORMS), float(spread.get(s, 0.0))) for s in steps]


def kept_verdict(k: Kept, where: str) -> Verdict:
    head = "Does noisy BN train about as well as BN (keep at least half of BN's lead over no BN)?"
    numbers = f"at step {steps_text(k.step)} ({where}) no BN {pct(k.none)}, BN {pct(k.bn)}, noisy BN {pct(k.noisy)}"
    if k.lead <= 0:
        return Verdict(f"{head} Not testable {numbers}: BN is not ahead of no BN there.", None)
    if not k.testable:
        return Verdict(
            f"{head} Not testable {numbers}: BN's lead ({points(k.lead)}) is no larger than the spread of its "
            f"own seeds ({points(k.bn_spread)}).",
            None,
        )
    return Verdict(
        f"{head} {'yes' if k.holds else 'no'}: {numbers}; noisy BN keeps {k.share:.0%} of BN's lead.", k.holds
    )


def accuracy_findings(result: dict) -> list[Verdict]:
    out = analysis.synthetic_caveat(result)
    out += analysis.head_to_head(result, "bnviz", "none")[:1] + analysis.head_to_head(result, "noisy", "none")[:1]
    ks = kept(result)
    out += [kept_verdict(k, "where BN's lead is largest" if i == 0 else "the last eval") for i, k in enumerate(ks)]
    f = analysis.final_accuracy(result)
    g = f.groupby("norm")["final_test_acc"]
    means, lo, hi = g.mean(), g.min(), g.max()
    if all(n in means for n in NORMS):
        arms = "; ".join(
            f"{analysis.label(n)} {pct(means[n])} ({pct(lo[n])} to {pct(hi[n])})" for n in ("noisy", "bnviz", "none")
        )
        out.append(
            Verdict(
                f"Final accuracy, mean (lowest to highest seed): {arms}. Noisy BN − BN: "
                f"{points(means['noisy'] - means['bnviz'])}; BN − no BN: {points(means['bnviz'] - means['none'])}; "
                f"noisy BN − no BN: {points(means['noisy'] - means['none'])}."
            )
        )
    return out


# ------------------------------------------------------------------ distributions
def last_layer(result: dict) -> str | None:
    layers = records.layer_names(result["runs"][0]["records"]) if result["runs"] else []
    return layers[-1] if layers else None


def step_changes(d: pd.DataFrame) -> float:
    """Mean |Δ median| between consecutive probes at the run's regular probe interval (the early probes
    1, 2, 5, ... are closer together and left out, so arms are compared over equal gaps)."""
    d = d.drop_duplicates("step").sort_values("step")
    gaps = d["step"].diff()
    if gaps.dropna().empty:
        return float("nan")
    regular = gaps.max()
    return float(d["p50"].diff()[gaps == regular].abs().mean())


def drift_table(pct_df: pd.DataFrame) -> pd.DataFrame:
    """Per run: Figure 1(b,c)'s drift of the probed unit (:mod:`bnviz.views.drift`) and the step-to-step change."""
    rows = []
    for d in drift.drift(pct_df):
        run = pct_df[(pct_df["arm"] == d.arm) & (pct_df["seed"] == d.seed)]
        rows.append(
            {
                "arm": d.arm,
                "norm": d.norm,
                "seed": d.seed,
                "farthest": d.farthest,
                "early_shift": abs(d.early_shift),
                "late_shift": abs(d.late_shift),
                "step_change": step_changes(run),
                "width_first": d.width[0],
                "width_last": d.width[2],
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "arm",
            "norm",
            "seed",
            "farthest",
            "early_shift",
            "late_shift",
            "step_change",
            "width_first",
            "width_last",
        ],
    )


def drift_findings(table: pd.DataFrame, layer: str) -> list[Verdict]:
    """Does the noise make noisy BN's unit move more than no BN's (Santurkar et al.'s premise), and does
    BN's move less than no BN's (the paper's reading of Figure 1(b,c))? Means over seeds."""
    m = table.groupby("norm")[["farthest", "step_change"]].mean()
    if not all(n in m.index for n in NORMS):
        return [Verdict("Too few probes in this result to say how the distributions moved.", None)]
    far, jump = m["farthest"], m["step_change"]
    n_seeds = int(table.groupby("norm")["seed"].nunique().min())
    where = f"unit 0 of {layer}, mean over {n_seeds} seed{'s' if n_seeds > 1 else ''}"
    more = bool(far["noisy"] > far["none"])
    jumpier = bool(jump["noisy"] > jump["none"])
    stiller = bool(far["bnviz"] < far["none"])
    return [
        Verdict(
            f"Does the noise make noisy BN's input distribution move more than no BN's (Santurkar et al.'s premise)? "
            f"{'yes' if more else 'no'}: at its farthest the median was {far['noisy']:.2f} from its start with "
            f"noisy BN, {far['none']:.2f} without BN and {far['bnviz']:.2f} with BN ({where}).",
            more,
        ),
        Verdict(
            f"From one probe to the next, is noisy BN's median less steady than no BN's? {'yes' if jumpier else 'no'}: "
            f"it changed by {jump['noisy']:.2f} on average with noisy BN, {jump['none']:.2f} without BN and "
            f"{jump['bnviz']:.2f} with BN ({where}).",
            jumpier,
        ),
        Verdict(
            f"Does BN keep the distribution stiller than no BN, as the paper reads its Figure 1(b,c)? "
            f"{'yes' if stiller else 'no'}: farthest median shift {far['bnviz']:.2f} with BN against "
            f"{far['none']:.2f} without ({where}).",
            stiller,
        ),
    ]


def histograms(result: dict, layer: str) -> pd.DataFrame:
    """The layer's input histogram per arm (first seed) at the probe steps nearest :data:`HIST_AT` of the run."""
    steps = records.probe_steps(result["runs"])
    if not steps:
        return pd.DataFrame(columns=["arm", "norm", "step", "bin_left", "bin_right", "count", "density"])
    picks = sorted({min(steps, key=lambda s: abs(s - f * steps[-1])) for f in HIST_AT})
    edges = hist_edges()
    return pd.concat(
        [records.histogram(result["runs"], layer, s, edges).assign(step=s) for s in picks], ignore_index=True
    )


def distribution_section(result: dict, name: str) -> tuple[Section, list[Verdict]]:
    layer = last_layer(result)
    title = "The inputs to the last hidden layer's sigmoids over time (their Figure 2)"
    if layer is None:
        return Section(title, (Text("This result has no distribution probes.", "info"),)), []
    pct_df = records.percentiles(result["runs"], layer)
    first = pct_df[pct_df["seed"] == pct_df.groupby("arm")["seed"].transform("min")]
    lo, hi = float(first["p15"].min()), float(first["p85"].max())
    pad = 0.05 * (hi - lo or 1.0)
    arms = first[["arm", "norm"]].drop_duplicates()
    arms = arms.assign(rank=arms["norm"].map({n: i for i, n in enumerate(NORMS)})).sort_values("rank")
    panels = tuple(
        Chart(charts.fit_width(charts.percentile_bands(pct_df, a, [lo - pad, hi + pad], a))) for a in arms["arm"]
    )
    table = drift_table(pct_df)
    found = drift_findings(table, layer)
    hist = histograms(result, layer)
    section = Section(
        title,
        (
            Text(
                f"Unit 0 of {layer}: 15th, 50th and 85th percentiles of its input over a fixed probe batch of "
                "training images (first seed), each network probed as it trains (noisy BN with its noise), on one "
                "y-range; Figure 1(b,c)'s view, for the three arms.",
                "caption",
            ),
            Columns(panels),
            Verdicts(tuple(found)),
            Text(
                f"All units of {layer} at five steps, first seed (values beyond ±8 are counted in the end bins):",
                "caption",
            ),
            Chart(
                why_charts.histogram_grid(hist, "Input to the sigmoid"),
                hist,
                f"{name}-histograms",
                "Download the histograms (CSV)",
                stretch=False,
            ),
            Text("**Each arm's unit, in numbers** (first seed):", "markdown"),
            Verdicts(tuple(Verdict(t) for t in drift.sentences(pct_df[pct_df["norm"] != "noisy"]))),
            Verdicts(tuple(Verdict(drift.describe(d)) for d in drift.drift(first) if d.norm == "noisy")),
            Download(table, f"{name}-drift", "Download the drift per seed (CSV)"),
            Download(pct_df, f"{name}-percentiles", "Download the percentiles, every seed (CSV)"),
        ),
    )
    return section, found


# ------------------------------------------------------------------ what it means
def meaning(ks: list[Kept], moved: list[Verdict]) -> str:
    """Only what the verdicts say: whether the noise moved the distributions (by each of the two measures),
    and whether BN's lead survived it."""
    peak = ks[0] if ks else None
    if peak is None or len(moved) < 2:
        return "This result lacks the arms or probes to say anything about Santurkar et al.'s argument."
    far, jumpy = moved[0].holds, moved[1].holds
    if not far and not jumpy:
        return (
            "On this network the noise did not make noisy BN's input distribution move more than the network "
            "without BN, by either measure, so this run cannot test Santurkar et al.'s argument; it only shows that "
            f"noisy BN kept {peak.share:.0%} of BN's lead at step {steps_text(peak.step)}."
        )
    if far and jumpy:
        how = "by both measures"
    elif jumpy:
        how = (
            "from one probe to the next, though not by Figure 1(b,c)'s measure (how far the median got from its "
            "start), by which the network without BN, whose distribution drifts steadily, moved more"
        )
    else:
        how = (
            "by Figure 1(b,c)'s measure (how far the median got from its start), though not from one probe to the next"
        )
    moved_text = f"the noise made noisy BN's input distribution less stable than without BN {how}"
    if peak.holds is None:
        return (
            f"On this network {moved_text}; but BN was not clearly ahead of no BN (at step {steps_text(peak.step)}, "
            f"{points(peak.lead)}), so there was no advantage for the noise to take away: this run neither supports "
            "nor contradicts Santurkar et al."
        )
    if peak.holds:
        return (
            f"{'As' if far and jumpy else 'Partly as'} Santurkar et al. report: on this network {moved_text}, and "
            f"yet noisy BN kept {peak.share:.0%} of BN's lead at step {steps_text(peak.step)}, where that lead was "
            "largest. Here, a steadier input distribution in that sense is not what gives BN its head start."
        )
    return (
        f"Unlike Santurkar et al.'s VGG: on this network {moved_text}, and noisy BN kept only {peak.share:.0%} of "
        f"BN's lead at step {steps_text(peak.step)}: here the added instability did cost most of BN's advantage, "
        "as the covariate-shift explanation predicts."
    )


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    found = accuracy_findings(result)
    dist, moved = distribution_section(result, name)
    return [
        Section(
            "Test accuracy: no BN, BN and noisy BN",
            (analysis.accuracy_chart(result, name), analysis.finals(result), Verdicts(tuple(found))),
        ),
        dist,
        Section("Every seed", (analysis.seed_table(result, name),)),
        Section("What this means", (Text(meaning(kept(result), moved)),)),
    ]


def summarize(result: dict) -> dict:
    sections = analyze(result)
    return {"verdicts": [v.text for v in verdicts_of(sections)], "what_this_means": sections[-1].blocks[0].body}
