"""Internal covariate shift, measured directly (Santurkar et al. 2018, Section 2.2, Definition 2.1).

The paper's explanation of BN is that it reduces internal covariate shift (ICS). Santurkar, Tsipras,
Ilyas & Mądry give ICS a number: how much layer i's gradient G changes when the layers below it take
their step first (G'), on the same batch: ‖G − G'‖₂ and cos ∠(G, G') (:mod:`bnviz.train.ics`). On VGG
and a 25-layer linear network they find BN networks show as much of it as standard ones, or more.

Here: the paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) with and without BN, three
seeds, the probe on a fixed mini-batch of 60 training images at every probe step. Sizes: 5,000 steps
(where BN's lead on this network lives, as in noisy-bn), probes every 250 steps and at the early steps
1, 2, 5, ...; the probe costs about three training steps, so it adds well under 10% to a run. Only the
curves and the ICS fields are stored.
"""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.views import analysis, records, why_charts
from bnviz.views.legacy_sections import Chart, Section, Table, Text, Verdict, Verdicts, verdicts_of

ORDER = 120
PAGE = "why"
TAB = "Measuring internal covariate shift"
CLAIM = (
    "Measured directly, as the change in a layer's gradient when the layers below it update first, internal "
    "covariate shift is no smaller with BN, and sometimes larger (Santurkar, Tsipras, Ilyas & Mądry 2018, "
    "[arXiv:1805.11604](https://arxiv.org/abs/1805.11604), Section 2.2, Definition 2.1, Figure 5); the original "
    "paper's explanation is that BN reduces it (Ioffe & Szegedy 2015, Section 2)."
)
NORMS = ("none", "bnviz")
DEPTH, STEPS = 3, 5_000


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=250, probe_every=250, probe_ics=True)
    return tuple(arm(base, n) for n in NORMS)


EXPERIMENT = Experiment(
    name="ics",
    title="Internal covariate shift measured as Santurkar et al.'s Definition 2.1, with and without BN",
    about="The paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) for 5,000 steps with BN before "
    "every sigmoid and without; three seeds. Every 250 steps (and at steps 1, 2, 5, ...), on one fixed "
    "mini-batch of 60 training images: each hidden layer's weight gradient G, and G' once the layers below "
    "have taken their SGD step (lr 0.3); ICS is ‖G − G'‖₂ and cos ∠(G, G'). Layer 1 has nothing below it.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES + tuple(f"layer{i + 1}/ics_" for i in range(DEPTH)),
)


def ics_table(result: dict) -> pd.DataFrame:
    """One row per (run, probe step, layer above the first): l2, cos, ‖G‖ and l2/‖G‖."""
    rows = []
    for run in result["runs"]:
        for r in run["records"]:
            for key in r:
                if not key.endswith("/ics_l2") or key.startswith("layer1/") or r[key] is None:
                    continue
                layer = key.split("/")[0]
                g = r.get(f"{layer}/ics_grad_norm")
                rows.append(
                    {
                        "arm": run["arm"],
                        "norm": records.norm_of(run),
                        "seed": run["seed"],
                        "step": r["step"],
                        "layer": layer,
                        "l2": r[key],
                        "cos": r.get(f"{layer}/ics_cos"),
                        "grad_norm": g,
                        "relative": r[key] / g if g else None,
                    }
                )
    cols = ["arm", "norm", "seed", "step", "layer", "l2", "cos", "grad_norm", "relative"]
    return pd.DataFrame(rows, columns=cols).astype({"l2": float, "cos": float, "grad_norm": float, "relative": float})


def layer_means(t: pd.DataFrame) -> pd.DataFrame:
    """Per (layer, norm): mean over the probe steps after step 0 and the seeds."""
    t = t[t["step"] > 0]
    return t.groupby(["layer", "norm"])[["l2", "cos", "relative"]].mean().reset_index()


def verdicts(t: pd.DataFrame) -> list[Verdict]:
    """Per layer above the first, two questions: a smaller ‖G − G'‖₂ with BN (Definition 2.1), and a higher
    cos ∠(G, G') with BN (the gradient's direction changes less); means over the run and the seeds."""
    m = layer_means(t)
    layers = sorted(m["layer"].unique(), key=lambda s: int(s.removeprefix("layer")) if s[5:].isdigit() else 0)
    out = []
    for layer in layers:
        d = m[m["layer"] == layer].set_index("norm")
        if not all(n in d.index for n in NORMS):
            continue
        bn, plain = d.loc["bnviz"], d.loc["none"]
        smaller, aligned = bool(bn["l2"] < plain["l2"]), bool(bn["cos"] > plain["cos"])
        out.append(
            Verdict(
                f"{layer}: does BN reduce ICS here (a smaller ‖G − G'‖₂, mean over the run)? {'yes' if smaller else 'no'}: "
                f"{bn['l2']:.3g} with BN, {plain['l2']:.3g} without ({bn['l2'] / plain['l2']:.2f}x); relative to ‖G‖, "
                f"{bn['relative']:.3f} with BN and {plain['relative']:.3f} without.",
                smaller,
            )
        )
        out.append(
            Verdict(
                f"{layer}: does the gradient's direction change less with BN (a higher cos ∠(G, G'); 1 is no change)? "
                f"{'yes' if aligned else 'no'}: {bn['cos']:.3f} with BN, {plain['cos']:.3f} without.",
                aligned,
            )
        )
    if not out:
        return [Verdict("This result has no ICS probes of both arms above the first layer.", None)]
    return out


def meaning(found: list[Verdict]) -> str:
    l2 = [v.holds for v in found if "does BN reduce ICS here" in v.text]
    cos = [v.holds for v in found if "does the gradient's direction change less" in v.text]
    if not l2:
        return "This result has no ICS probes to say anything about."
    n, less, aligned = len(l2), sum(l2), sum(cos)
    if less == 0 and aligned == 0:
        return (
            f"As Santurkar et al. report: by both of their measures, ‖G − G'‖₂ and cos ∠(G, G'), BN did not reduce "
            f"internal covariate shift in any of the {n} layers measured on this network."
        )
    if less == n and aligned == n:
        return (
            "Unlike Santurkar et al.'s VGG and linear networks: by both of their measures BN reduced internal "
            f"covariate shift in all {n} layers measured on this network."
        )
    if less == 0:
        where = "here that holds for ‖G − G'‖₂ but not for the direction"
    elif aligned == 0:
        where = "here that holds for the direction but not for ‖G − G'‖₂"
    else:
        where = "here it holds in some layers and not in others"
    return (
        f"The answer depends on the measure. By their Definition 2.1, ‖G − G'‖₂, BN reduced internal covariate shift "
        f"in {less} of the {n} layers measured; by the direction of the gradient, cos ∠(G, G'), BN's changed less in "
        f"{aligned} of {n}. Santurkar et al. report as much shift with BN as without, or more: {where}. The verdicts "
        "give the numbers, and ‖G − G'‖₂ relative to ‖G‖."
    )


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    t = ics_table(result)
    found = verdicts(t)
    band = t.groupby(["arm", "norm", "layer", "step"])[["l2", "cos"]].mean().reset_index()
    return [
        Section(
            "ICS over training: ‖G − G'‖₂ and cos ∠(G, G') per layer",
            (
                Chart(why_charts.metric_by_layer(band, "l2", "‖G − G'‖₂ (log scale)", log=True), band, f"{name}-ics"),
                Chart(why_charts.metric_by_layer(band, "cos", "cos ∠(G, G')", log=False)),
                Text("Mean over seeds at each probe step; step 0 is the untrained network.", "caption"),
                Verdicts(tuple(analysis.synthetic_caveat(result) + found)),
            ),
        ),
        Section("Per layer, mean over the run", (Table(layer_means(t), csv_name=f"{name}-layer-means"),)),
        Section("Test accuracy", (analysis.accuracy_chart(result, name), analysis.finals(result))),
        Section("What this means", (Text(meaning(found)),)),
    ]


def summarize(result: dict) -> dict:
    sections = analyze(result)
    out = {"verdicts": [v.text for v in verdicts_of(sections)], "what_this_means": sections[-1].blocks[0].body}
    return out | probe_cost(result, "ics")


def probe_cost(result: dict, probe: str) -> dict:
    """Seconds the probe took over all runs, and its share of the runs' training time (time/elapsed)."""
    spent = sum(r.get(f"time/{probe}") or 0.0 for run in result["runs"] for r in run["records"])
    total = sum(max((r.get("time/elapsed") or 0.0 for r in run["records"]), default=0.0) for run in result["runs"])
    return {
        f"{probe}_probe_seconds": round(spent, 1),
        f"{probe}_probe_share_of_run_time": round(spent / total, 3) if total else None,
    }
