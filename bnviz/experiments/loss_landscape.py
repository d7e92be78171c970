"""The loss landscape along the gradient, with and without BN (Santurkar et al. 2018, Section 3.1, Figure 4).

Santurkar, Tsipras, Ilyas & Mądry propose that BN helps because it makes the loss landscape smoother:
along the gradient the loss changes less (a smaller loss range), the gradient a step away is closer to
the one at hand (better gradient predictiveness), and the gradient's "effective" Lipschitz constant β is
smaller (:mod:`bnviz.train.landscape`). Their Figure 4 shows all three on VGG, with and without BN.

Here: the paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) with and without BN, three
seeds, the probe on a fixed mini-batch of 60 training images at every probe step, at eight step sizes
from lr/2 to 4 lr. Sizes: 5,000 steps (as noisy-bn and ics), probes every 250 steps and at the early steps
1, 2, 5, ...; the probe costs about eleven training steps, a few percent of a run at this spacing. Only the
curves and the landscape fields are stored.
"""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.ics_measured import probe_cost
from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.views import analysis, records, why_charts
from bnviz.views.legacy_sections import Chart, Section, Table, Text, Verdict, Verdicts, verdicts_of

ORDER = 130
PAGE = "why"
TAB = "The loss landscape along the gradient"
CLAIM = (
    "BN makes the loss landscape smoother: along the gradient the loss varies less, the gradient stays more "
    "predictive and the effective β-smoothness is smaller (Santurkar, Tsipras, Ilyas & Mądry 2018, "
    "[arXiv:1805.11604](https://arxiv.org/abs/1805.11604), Section 3.1, Figure 4)."
)
NORMS = ("none", "bnviz")
STEPS = 5_000
METRICS = {  # record field -> what the page calls it (smaller is smoother for all three)
    "loss_range": "loss range along the gradient",
    "grad_predictiveness": "gradient change ‖∇L(θ − ηg) − g‖ (max over η)",
    "effective_beta": "effective β-smoothness",
}
EARLY, LATE = 0.1, 0.5  # early: probe steps in (0, 10% of the run]; late: from 50% of the run on


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=250, probe_every=250, probe_landscape=True)
    return tuple(arm(base, n) for n in NORMS)


EXPERIMENT = Experiment(
    name="landscape",
    title="The loss landscape along the gradient, with and without BN (Santurkar et al. 2018, Figure 4)",
    about="The paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) for 5,000 steps with BN before "
    "every sigmoid and without; three seeds. Every 250 steps (and at steps 1, 2, 5, ...), on one fixed mini-batch "
    "of 60 training images: the loss and gradient at θ − ηg for eight step sizes η from 0.15 to 1.2 (lr/2 to 4 lr), "
    "g the gradient at θ; from them the loss range, the largest gradient change and the effective β.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES + ("landscape/",),
)


def landscape_table(result: dict) -> pd.DataFrame:
    """One row per (run, probe step, metric); a point where the loss blew up has no value (and blew_up)."""
    rows = []
    for run in result["runs"]:
        for r in run["records"]:
            if "landscape/loss_range" not in r and "landscape/blew_up" not in r:
                continue
            for field, metric in METRICS.items():
                rows.append(
                    {
                        "arm": run["arm"],
                        "norm": records.norm_of(run),
                        "seed": run["seed"],
                        "step": r["step"],
                        "metric": metric,
                        "value": r.get(f"landscape/{field}"),
                        "blew_up": bool(r.get("landscape/blew_up")),
                    }
                )
    cols = ["arm", "norm", "seed", "step", "metric", "value", "blew_up"]
    return pd.DataFrame(rows, columns=cols).astype({"value": float})


def phases(t: pd.DataFrame) -> pd.DataFrame:
    """Per (metric, norm, phase): the median over the phase's probe steps of the mean over seeds."""
    if t.empty:
        return pd.DataFrame(columns=["metric", "norm", "phase", "value", "probes"])
    last = t["step"].max()
    mean = t.groupby(["metric", "norm", "step"])["value"].mean().reset_index()
    early = mean[(mean["step"] > 0) & (mean["step"] <= EARLY * last)].assign(phase="early")
    late = mean[mean["step"] >= LATE * last].assign(phase="late")
    both = pd.concat([early, late])
    g = both.groupby(["metric", "norm", "phase"])["value"]
    return pd.DataFrame({"value": g.median(), "probes": g.count()}).reset_index()


def verdicts(t: pd.DataFrame) -> list[Verdict]:
    p = phases(t)
    out = []
    last = int(t["step"].max()) if len(t) else 0
    for metric in METRICS.values():
        for phase, where in (
            ("early", f"steps 1 to {int(EARLY * last):,}"),
            ("late", f"steps {int(LATE * last):,} to {last:,}"),
        ):
            d = p[(p["metric"] == metric) & (p["phase"] == phase)].set_index("norm")
            if not all(n in d.index for n in NORMS):
                continue
            bn, plain = d.at["bnviz", "value"], d.at["none", "value"]
            smoother = bool(bn < plain)
            out.append(
                Verdict(
                    f"{metric[0].upper() + metric[1:]}, {phase} ({where}): is the BN network smoother? {'yes' if smoother else 'no'}: "
                    f"median {bn:.3g} with BN, {plain:.3g} without; no BN / BN = {plain / bn:.2f}x.",
                    smoother,
                )
            )
    blown = t[t["blew_up"]].drop_duplicates(["arm", "seed", "step"])
    if len(t):
        out.append(
            Verdict(
                f"Probes where the loss blew up along the gradient: {int((blown['norm'] == 'none').sum())} without BN, "
                f"{int((blown['norm'] == 'bnviz').sum())} with BN.",
                None,
            )
        )
    return out or [Verdict("This result has no landscape probes of both arms.", None)]


def meaning(found: list[Verdict]) -> str:
    tested = [v for v in found if v.holds is not None]
    if not tested:
        return "This result has no landscape probes to say anything about."
    yes = sum(bool(v.holds) for v in tested)
    if yes == len(tested):
        return (
            "As Santurkar et al. report for VGG: on all three measures, early and late in training, the BN network's "
            "loss landscape along the gradient was smoother than the network's without BN (the verdicts say by how much)."
        )
    if yes == 0:
        return (
            "Unlike Santurkar et al.'s VGG: on none of the three measures, early or late, was the BN network's loss "
            "landscape smoother along the gradient here."
        )
    per_metric = []
    for metric in METRICS.values():
        phases_held = [
            p
            for p in ("early", "late")
            for v in tested
            if v.holds and v.text.startswith(f"{metric[0].upper() + metric[1:]}, {p}")
        ]
        per_metric.append(f"{metric}: {' and '.join(phases_held) if phases_held else 'neither early nor late'}")
    return (
        f"Partly as Santurkar et al. report: the BN network was smoother in {yes} of {len(tested)} comparisons. "
        f"Where it was smoother, by measure: {'; '.join(per_metric)}."
    )


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    t = landscape_table(result)
    found = verdicts(t)
    band = t.groupby(["arm", "norm", "metric", "step"])["value"].mean().reset_index()
    return [
        Section(
            "Along the gradient, over training (their Figure 4)",
            (
                Chart(
                    why_charts.metric_over_steps(
                        band, "Smaller is smoother (log scale, mean over seeds)", list(METRICS.values())
                    ),
                    band,
                    f"{name}-landscape",
                    stretch=False,
                ),
                Verdicts(tuple(analysis.synthetic_caveat(result) + found)),
            ),
        ),
        Section("Early and late, per measure", (Table(phases(t), csv_name=f"{name}-phases"),)),
        Section("Test accuracy", (analysis.accuracy_chart(result, name), analysis.finals(result))),
        Section("What this means", (Text(meaning(found)),)),
    ]


def summarize(result: dict) -> dict:
    sections = analyze(result)
    out = {"verdicts": [v.text for v in verdicts_of(sections)], "what_this_means": sections[-1].blocks[0].body}
    return out | probe_cost(result, "landscape")
