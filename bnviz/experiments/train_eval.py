"""BN in practice, 2: train and eval are two different networks.

In training BN normalizes with each mini-batch's statistics; at inference with fixed ones. The
same trained weights therefore give different networks depending on which statistics BN uses at
test time: the running averages (eval mode), the population statistics of Algorithm 2 (one pass
over the training set after training), each test batch's own (``model.eval()`` forgotten; test
batches of 1, 8, 64 and 1,000), or batches that each hold one class. And a network *trained* on
one-class mini-batches learns under BN's normalization of what each batch shares: its class.
Every mode is computed inside the training run at its last step (``final_eval_modes``), so the
cached result holds them.

Why this network and these sizes (measured pilot, one seed, real MNIST, 3,000 steps): the paper's
MNIST MLP (3x100 sigmoid, batch 60, plain SGD, lr 0.3) takes 10 to 42 s a run here with every mode.
In the pilot the BN network gave 95.08% in eval mode, 95.07% with population statistics, 89.88%
with "eval() forgotten" at test batches of 8 and 15.4% to 17.1% on one-class test batches; trained
on one-class batches it stayed at chance (9.5%), plain SGD without BN reached 40.4% and LayerNorm
87.9%. Every effect is large at 3,000 steps, so 3 seeds of 6 arms take minutes.
"""

from __future__ import annotations

import pandas as pd

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.train.final_eval import ONE_CLASS_BATCHES, PREFIX, TEST_BATCHES
from bnviz.views import analysis, grid, practice_charts, records
from bnviz.views.analysis import pct, points
from bnviz.views.legacy_sections import Chart, Section, Table, Text, Verdict, Verdicts, verdicts_of

ORDER = 120
PAGE = "practice"
TAB = "Train and eval are two networks"
QUESTION = (
    "Which statistics should BN use at test time, what does forgetting model.eval() cost, and what happens "
    "when the batches are not i.i.d.?"
)

STEPS = 3_000
ARMS = (("none", "random"), ("bnviz", "random"), ("none", "one-class"), ("bnviz", "one-class"))
ARMS += (("renorm", "one-class"), ("layer", "one-class"))


def _arms():
    base = MNIST.replace(
        steps=STEPS, eval_every=STEPS // 20, probe_every=STEPS, early_probes=False, final_eval_modes=True
    )
    return tuple(
        arm(base, norm, f"{grid.label(norm)}, {'random' if b == 'random' else 'one-class'} training batches", batches=b)
        for norm, b in ARMS
    )


EXPERIMENT = Experiment(
    name="train-vs-eval",
    title="Train and eval are two different networks: BN's statistics at test time, and non-i.i.d. batches (MNIST)",
    about=f"The paper's MNIST MLP (3x100 sigmoid, batch 60, plain SGD, lr 0.3) for {STEPS:,} steps, trained on "
    "random mini-batches (the paper's) or on mini-batches of one class each, with BN, Batch Renorm, LayerNorm or "
    "no normalization. After the last step each network is tested with the running averages (eval mode), with "
    "Algorithm 2's population statistics, in training mode on test batches of "
    f"{', '.join(map(str, TEST_BATCHES))} (eval() forgotten), and on one-class test batches of "
    f"{', '.join(map(str, ONE_CLASS_BATCHES))}.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=(*CURVES, PREFIX),
)


# ------------------------------------------------------------------ analysis
def modes() -> list[tuple[str, str]]:
    """(field key, label) of every test-time mode, in the order the page shows them."""
    out = [("running", "eval mode (running averages)"), ("population", "population statistics (Algorithm 2)")]
    out += [(f"batch_stats/{b}", f"eval() forgotten, batches of {b:,}") for b in sorted(TEST_BATCHES, reverse=True)]
    out += [(f"non_iid/{b}", f"one-class batches of {b:,}") for b in sorted(ONE_CLASS_BATCHES, reverse=True)]
    return out


def mode_frame(result: dict) -> pd.DataFrame:
    """One row per run and mode: the arm, its norm and training batches, and the mode's test accuracy (None: cannot run)."""
    rows = []
    for run in result["runs"]:
        last = next((r for r in reversed(run["records"]) if any(k.startswith(PREFIX) for k in r)), None)
        if last is None or run["status"] == "diverged":
            continue
        config = run.get("config") or {}
        for key, label in modes():
            field = f"{PREFIX}{key}/acc"
            if field not in last:
                continue
            rows.append(
                {
                    "arm": run["arm"],
                    "norm": config.get("norm"),
                    "batches": config.get("batches", "random"),
                    "seed": run["seed"],
                    "mode": key,
                    "mode_label": label,
                    "acc": last[field],
                }
            )
    return pd.DataFrame(rows, columns=["arm", "norm", "batches", "seed", "mode", "mode_label", "acc"])


def mode_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean, lowest and highest seed per (arm, mode); a mode that could not run has mean NaN and 0 seeds."""
    c = grid.cells(
        frame.assign(acc=pd.to_numeric(frame["acc"])), ["arm", "norm", "batches", "mode", "mode_label"], "acc"
    )
    c["line"] = c["arm"]
    c["normalization"] = c["norm"].map(grid.label)
    c["training batches"] = c["batches"]
    return c


def _cell(cells, norm, batches, mode):
    c = grid.cell(cells, norm=norm, batches=batches, mode=mode)
    return c if c is not None and c["seeds"] > 0 else None


def _versus(a, b) -> str:
    if grid.clearly_above(a, b):
        return "ahead beyond the seed spread"
    if grid.clearly_above(b, a):
        return "behind beyond the seed spread"
    return "within the seed spread"


def test_time_verdicts(cells: pd.DataFrame, frame: pd.DataFrame) -> list[Verdict]:
    """The BN network trained on random batches, tested each way, against eval mode."""
    run = _cell(cells, "bnviz", "random", "running")
    if run is None:
        return [Verdict("This result has no BN network trained on random batches.", None)]
    out = []
    pop = _cell(cells, "bnviz", "random", "population")
    if pop is not None:
        same = not (grid.clearly_above(pop, run) or grid.clearly_above(run, pop))
        out.append(
            Verdict(
                "Are the running averages as good as Algorithm 2's population statistics? "
                f"{'yes' if same else 'no'}: eval mode {grid.spread(run)}, population statistics {grid.spread(pop)} "
                f"({points(pop['mean'] - run['mean'])} for the population, {_versus(pop, run)}).",
                same,
            )
        )
    for b in sorted(TEST_BATCHES):
        c = _cell(cells, "bnviz", "random", f"batch_stats/{b}")
        if c is None:
            tried = not frame[(frame["norm"] == "bnviz") & (frame["mode"] == f"batch_stats/{b}")].empty
            if tried:
                out.append(
                    Verdict(
                        f"eval() forgotten, test batches of {b}: the network cannot run at all (a batch of one leaves "
                        "every BN unit a single value, σ²_B = 0, and the layer refuses it).",
                        None,
                    )
                )
            continue
        lost = grid.clearly_above(run, c)
        out.append(
            Verdict(
                f"eval() forgotten, test batches of {b:,}: does it cost accuracy? {'yes' if lost else 'no'}: "
                f"{grid.spread(c)} vs {pct(run['mean'])} in eval mode ({points(c['mean'] - run['mean'])}).",
                lost,
            )
        )
    for b in sorted(ONE_CLASS_BATCHES):
        c = _cell(cells, "bnviz", "random", f"non_iid/{b}")
        if c is None:
            continue
        lost = grid.clearly_above(run, c)
        out.append(
            Verdict(
                f"Training mode on one-class test batches of {b:,}: does it cost accuracy? {'yes' if lost else 'no'}: "
                f"{grid.spread(c)} vs {pct(run['mean'])} ({points(c['mean'] - run['mean'])}).",
                lost,
            )
        )
    return out


def training_verdicts(cells: pd.DataFrame) -> list[Verdict]:
    """Networks trained on one-class batches, in eval mode, against BN on random batches and each other."""
    out = []
    bn_random = _cell(cells, "bnviz", "random", "running")
    bn_one, none_one = _cell(cells, "bnviz", "one-class", "running"), _cell(cells, "none", "one-class", "running")
    if bn_one is not None and bn_random is not None:
        hurt = grid.clearly_above(bn_random, bn_one)
        out.append(
            Verdict(
                f"Does BN trained on one-class mini-batches fall behind BN trained on random ones? {'yes' if hurt else 'no'}: "
                f"{grid.spread(bn_one)} vs {grid.spread(bn_random)} (chance is 10%).",
                hurt,
            )
        )
    if bn_one is not None and none_one is not None:
        worse = grid.clearly_above(none_one, bn_one)
        out.append(
            Verdict(
                "One-class batches hurt plain SGD too; is BN worse off than no normalization on them? "
                f"{'yes' if worse else 'no'}: BN {grid.spread(bn_one)}, no BN {grid.spread(none_one)}.",
                worse,
            )
        )
    for norm, claim in (
        (
            "renorm",
            "Ioffe 2017 (Inception v3 on ImageNet): Batch Renorm trains substantially better than BN on non-i.i.d. "
            "mini-batches; ours are the extreme case, one class per batch",
        ),
        ("layer", "LayerNorm normalizes each example alone, so the batch's class cannot leak into it"),
    ):
        c = _cell(cells, norm, "one-class", "running")
        if c is None or bn_one is None:
            continue
        better = grid.clearly_above(c, bn_one)
        out.append(
            Verdict(
                f"{claim}. Ours, one-class batches: {grid.label(norm)} {grid.spread(c)} vs BN {grid.spread(bn_one)}: "
                + ("ahead beyond the seed spread, we agree" if better else "not clearly ahead, we do not see it")
                + (f"; no BN reached {pct(none_one['mean'])}." if none_one is not None else "."),
                better,
            )
        )
    return out


def sanity_verdicts(cells: pd.DataFrame) -> list[Verdict]:
    """Without BN the test-time modes are one network: every mode gives the same accuracy."""
    out = []
    for batches in ("random", "one-class"):
        c = cells[(cells["norm"] == "none") & (cells["batches"] == batches) & (cells["seeds"] > 0)]
        if len(c) < 2:
            continue
        spread = float(c["mean"].max() - c["mean"].min())
        out.append(
            Verdict(
                f"Without BN ({batches} training batches) every test-time mode is the same network: "
                f"{'yes' if spread < 1e-9 else 'no'} (accuracies differ by {100 * spread:.2g} points across "
                f"{len(c)} modes).",
                spread < 1e-9,
            )
        )
    return out


def advice(cells: pd.DataFrame, frame: pd.DataFrame) -> str:
    """What the verdicts support, one sentence per finding."""
    sentences = []
    run = _cell(cells, "bnviz", "random", "running")
    if run is None:
        return "These runs hold no BN network trained on random batches; nothing to recommend."
    forgotten = {
        b: c for b in sorted(TEST_BATCHES) if (c := _cell(cells, "bnviz", "random", f"batch_stats/{b}")) is not None
    }
    costly = [(b, run["mean"] - c["mean"]) for b, c in forgotten.items() if grid.clearly_above(run, c)]
    refused = [b for b in TEST_BATCHES if b not in forgotten and not frame[frame["mode"] == f"batch_stats/{b}"].empty]
    if costly or refused:
        cost = (
            f"cost {grid.listing([f'{100 * d:.2f} points at test batches of {b:,}' for b, d in costly])}"
            if costly
            else "cost nothing measurable"
        )
        sentences.append(
            f"Call model.eval() before testing: forgetting it {cost}"
            + (f", and a test batch of {refused[0]} could not run at all." if refused else ".")
        )
    one_class = [c for b in ONE_CLASS_BATCHES if (c := _cell(cells, "bnviz", "random", f"non_iid/{b}")) is not None]
    if one_class and all(grid.clearly_above(run, c) for c in one_class):
        low, high = min(c["mean"] for c in one_class), max(c["mean"] for c in one_class)
        sentences.append(
            f"Never let BN normalize with the statistics of a batch drawn from one class: {pct(low)} to {pct(high)} "
            f"instead of {pct(run['mean'])}."
        )
    pop = _cell(cells, "bnviz", "random", "population")
    if pop is not None and not (grid.clearly_above(pop, run) or grid.clearly_above(run, pop)):
        sentences.append(
            "The running averages served as well as recomputed population statistics: no extra pass needed."
        )
    bn_one = _cell(cells, "bnviz", "one-class", "running")
    if bn_one is not None and grid.clearly_above(run, bn_one):
        better = [
            (grid.label(n), c)
            for n in ("layer", "renorm")
            if (c := _cell(cells, n, "one-class", "running")) is not None and grid.clearly_above(c, bn_one)
        ]
        text = f"Shuffle your training data: BN trained on one-class batches fell to {pct(bn_one['mean'])}"
        if better:
            below = all(grid.clearly_above(run, c) for _, c in better)
            names = grid.listing([f"{name} ({pct(c['mean'])})" for name, c in better])
            text += f"; {names} did better there" + (
                f", still below BN on random batches ({pct(run['mean'])})" if below else ""
            )
        sentences.append(text + ".")
    return " ".join(sentences) or "These runs show no difference between the ways of testing; nothing to recommend."


def loss_section(result: dict, name: str) -> Section:
    """Training loss per arm, mean and min-max over seeds: colour by norm, dashed for one-class training batches."""
    frames = []
    for run in result["runs"]:
        config = run.get("config") or {}
        c = records.curves([run]).dropna(subset=["train_loss"])
        frames.append(c.assign(line=run["arm"], batches=config.get("batches", "random")))
    if not frames:
        return Section("Training loss", ())
    cells = grid.cells(pd.concat(frames), ["norm", "batches", "line", "step"], "train_loss")
    chart = practice_charts.lines_over_steps(
        cells,
        "Cross-entropy (nats, mean since the last point)",
        "Training loss, mean and min-max over seeds (dashed: one-class training batches)",
        log=True,
        dashes={line: "dashed" if b == "one-class" else "solid" for line, b in zip(cells["line"], cells["batches"])},
    )
    return Section("Training loss", (Chart(chart, cells, f"{name}-train-loss", "Download the training loss (CSV)"),))


def _shown(c) -> str:
    """``95.08 (0.40)``: the mean in percent and the lowest-to-highest seed distance in points."""
    if c is None:
        return "—"
    if c["seeds"] == 0:
        return "cannot run"
    return f"{100 * c['mean']:.2f}" + (f" ({100 * (c['hi'] - c['lo']):.2f})" if c["seeds"] > 1 else "")


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    frame = mode_frame(result)
    cells = mode_cells(frame)
    if frame.empty:
        return [Section("Test-time modes", (Text("This result holds no final eval-mode fields.", "info"),))]
    shown = pd.DataFrame({"tested with": [label for _, label in modes()]})
    for (arm_label, norm, batches), _ in cells.groupby(["arm", "norm", "batches"], sort=False):
        shown[f"{grid.label(norm)}, {batches}"] = [
            _shown(grid.cell(cells, arm=arm_label, mode=key)) for key, _ in modes()
        ]
    return [
        Section(
            "One trained network, tested each way",
            (
                Chart(
                    practice_charts.modes_chart(cells, [label for _, label in modes()]),
                    cells,
                    f"{name}-modes",
                    "Download accuracy per mode (CSV)",
                ),
                Text(
                    "A mode with no point could not run (a test batch of one leaves BN no variance). Without "
                    "normalization, or with LayerNorm, every mode is the same network. Table: one column per trained "
                    "network (its normalization and training batches), one row per way of testing (every batch is a batch of "
                    "test images); mean test accuracy in %, and in brackets the "
                    "distance in points from the lowest to the highest seed.",
                    "caption",
                ),
                Table(shown, csv=cells, csv_name=f"{name}-table", csv_label="Download the table (CSV, numbers)"),
            ),
        ),
        Section(
            "Verdicts",
            (
                Verdicts(
                    tuple(
                        analysis.synthetic_caveat(result)
                        + test_time_verdicts(cells, frame)
                        + training_verdicts(cells)
                        + sanity_verdicts(cells)
                    )
                ),
            ),
        ),
        loss_section(result, name),
        Section("What to do in your own code", (Text(advice(cells, frame)),)),
    ]


def summarize(result: dict) -> dict:
    frame = mode_frame(result)
    cells = mode_cells(frame)
    return {
        "test_acc_by_mode": {
            f"{a} | {label}": None
            if pd.isna(m)
            else {"mean": round(m, 6), "lowest_seed": round(lo, 6), "highest_seed": round(hi, 6)}
            for a, label, m, lo, hi in zip(cells["arm"], cells["mode_label"], cells["mean"], cells["lo"], cells["hi"])
        },
        "verdicts": [v.text for v in verdicts_of(analyze(result))],
        "advice": advice(cells, frame),
    }
