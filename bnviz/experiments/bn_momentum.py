"""BN in practice, 3: momentum conventions, and how far the running averages trail the network.

BN trains on each mini-batch's statistics and tests on running averages of them. PyTorch moves
those averages with momentum 0.1, the weight of the new batch; Keras and TensorFlow write 0.99, the
weight of the *old* value, which is norm_momentum 0.01 here; ``momentum=None`` keeps the plain
(cumulative) average of every batch seen. The running averages never feed back into training, so
for one seed the three arms train the *same* network, step for step (a verdict checks it): every
difference in test accuracy comes from the statistics used at test time.

Why this network and these sizes (measured pilot, one seed, real MNIST): the paper's MNIST MLP
(3x100 sigmoid, batch 60, lr 0.3) for 5,000 steps, evaluated every 50. In the pilot the momentum
0.01 arm was at 15.8% test accuracy at step 50 and 39.3% at step 100 while the 0.1 arm was at
74.4% and 85.8%, and at step 5,000 the cumulative average trailed by 0.30 std (0.025 with 0.1) and
cost 2.5 points: early and late effects both show within 5,000 steps (about 45 s a run here).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.views import analysis, grid, practice_charts
from bnviz.views.analysis import pct, points
from bnviz.views.legacy_sections import Chart, Section, Text, Verdict, Verdicts, verdicts_of

ORDER = 130
PAGE = "practice"
TAB = "Momentum conventions"
QUESTION = (
    "Does it matter whether BN's running averages use PyTorch's momentum 0.1, Keras's 0.99 or a cumulative average?"
)

STEPS, EVAL_EVERY = 5_000, 50
MOMENTA = (0.1, 0.01, None)  # torch's weight on the new batch; Keras's 0.99 is 0.01; None: cumulative
LABELS = {
    0.1: "momentum 0.1 (PyTorch)",
    0.01: "momentum 0.01 (Keras's 0.99)",
    None: "cumulative average (momentum None)",
}
LAYERS = ("layer1", "layer2", "layer3")


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=EVAL_EVERY, probe_every=STEPS, early_probes=False)
    return tuple(arm(base, "bnviz", LABELS[m], norm_momentum=m) for m in MOMENTA)


EXPERIMENT = Experiment(
    name="bn-momentum",
    title="Momentum conventions of BN's running averages: PyTorch's 0.1, Keras's 0.99, a cumulative average (MNIST)",
    about=f"The paper's MNIST MLP with BN (3x100 sigmoid, batch 60, plain SGD, lr 0.3) for {STEPS:,} steps, once per "
    "convention for the running averages. Every "
    f"{EVAL_EVERY} steps: test accuracy in eval mode (the running averages) and, per BN layer, how far the running "
    "mean and std trail the statistics the current network gives a fixed batch of 1,000 training images.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=(*CURVES, *(f"{layer}/running_" for layer in LAYERS)),
)


# ------------------------------------------------------------------ analysis
REFERENCE = 0.1  # the convention the others are compared with: PyTorch's default
EARLY, LATE = 0.1, 0.8  # early: eval points in the first 10% of the run; late: in the last 20%


def momentum_of(run: dict):
    return (run.get("config") or {}).get("norm_momentum", REFERENCE)


def _label(m) -> str:
    return LABELS.get(m, f"momentum {m}")


def lag_frame(result: dict) -> pd.DataFrame:
    """One row per run and eval step: test accuracy, training loss, and the lag averaged over the BN layers."""
    rows = []
    for run in result["runs"]:
        for r in run["records"]:
            if r.get("test/acc") is None:
                continue
            mean_lags = [v for k, v in r.items() if k.endswith("/running_mean_lag")]
            std_lags = [v for k, v in r.items() if k.endswith("/running_std_lag")]
            rows.append(
                {
                    "line": _label(momentum_of(run)),
                    "momentum": str(momentum_of(run)),  # text: 0.1, 0.01 and None in one column
                    "seed": run["seed"],
                    "step": r["step"],
                    "test_acc": r["test/acc"],
                    "train_loss": r.get("train/loss"),
                    "mean_lag": sum(mean_lags) / len(mean_lags) if mean_lags else float("nan"),
                    "std_lag": sum(std_lags) / len(std_lags) if std_lags else float("nan"),
                }
            )
    columns = ["line", "momentum", "seed", "step", "test_acc", "train_loss", "mean_lag", "std_lag"]
    return pd.DataFrame(rows, columns=columns)


def bands(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """Mean, lowest and highest seed of ``value`` per convention and step."""
    return grid.cells(frame, ["line", "momentum", "step"], value)


def same_training(frame: pd.DataFrame) -> Verdict:
    """The running averages never feed back into training: for each seed, every convention's training loss is the same."""
    worst, seeds = 0.0, 0
    for _, d in frame.dropna(subset=["train_loss"]).groupby("seed"):
        wide = d.pivot_table(index="step", columns="line", values="train_loss", aggfunc="first").dropna()
        if wide.shape[1] > 1:
            seeds += 1
            worst = max(worst, float((wide.max(axis=1) - wide.min(axis=1)).max()))
    if not seeds:
        return Verdict("No seed has runs of two conventions to compare.", None)
    same = worst <= 1e-9
    return Verdict(
        f"The conventions train the same network: for each of {seeds} seed{'s' if seeds > 1 else ''} the training "
        f"loss is {'identical' if worst == 0 else f'the same to {worst:.1e}' if same else 'not the same'} at every "
        f"eval step (largest difference {worst:.2g}), so the accuracy differences below come from the running "
        "averages alone: " + ("yes." if same else "no."),
        same,
    )


def windows(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """The early and late eval windows of this run, in steps."""
    steps = sorted(s for s in frame["step"].unique() if s > 0)
    if not steps:
        return {}
    last = steps[-1]
    early = [s for s in steps if s <= EARLY * last] or steps[:1]
    late = [s for s in steps if s >= LATE * last] or steps[-1:]
    return {"early": (int(early[0]), int(early[-1])), "late": (int(late[0]), int(late[-1]))}


def findings(frame: pd.DataFrame) -> list[tuple[str, str, Verdict]]:
    """Per convention and window (early, late): ``(convention label, window, verdict)``. Against PyTorch's 0.1,
    the verdict holds if the convention's best seed is below 0.1's worst at most of the window's eval points."""
    acc, lag = bands(frame, "test_acc"), bands(frame, "mean_lag")
    ref = _label(REFERENCE)
    out = []
    for phase, (lo, hi) in windows(frame).items():
        inside = acc[(acc["step"] >= lo) & (acc["step"] <= hi)]
        lag_in = lag[(lag["step"] >= lo) & (lag["step"] <= hi)]
        ref_acc = inside[inside["line"] == ref].set_index("step")
        ref_lag = lag_in[lag_in["line"] == ref]["mean"].mean()
        for line in [_label(m) for m in MOMENTA if _label(m) in set(inside["line"])]:
            mine = inside[inside["line"] == line].set_index("step")
            my_lag = lag_in[lag_in["line"] == line]["mean"].mean()
            where = f"{phase} (steps {lo:,}–{hi:,}, {len(mine)} eval points)"
            if line == ref:
                text = (
                    f"{line}, {where}: mean test accuracy {pct(mine['mean'].mean())}; the running mean trails "
                    f"the current network by {my_lag:.3f} std on average over the BN layers."
                )
                out.append((line, phase, Verdict(text, None)))
                continue
            common = mine.index.intersection(ref_acc.index)
            if not len(common):
                continue
            worse = sum(grid.clearly_above(ref_acc.loc[s], mine.loc[s]) for s in common)
            mean, ref_mean = mine.loc[common, "mean"].mean(), ref_acc.loc[common, "mean"].mean()
            costs = bool(worse > len(common) / 2)
            text = (
                f"{line}, {where}: does it cost test accuracy against PyTorch's 0.1? {'yes' if costs else 'no'}: "
                f"{pct(mean)} vs {pct(ref_mean)} ({points(mean - ref_mean)}), its best seed below 0.1's worst at "
                f"{worse} of {len(common)} eval points; the running mean trails by {my_lag:.3f} std (0.1: {ref_lag:.3f})."
            )
            out.append((line, phase, Verdict(text, costs)))
    return out


def biggest_gap(frame: pd.DataFrame) -> list[Verdict]:
    acc = bands(frame, "test_acc")
    acc = acc[acc["step"] > 0]
    wide = acc.pivot_table(index="step", columns="line", values="mean", aggfunc="first")
    ref = _label(REFERENCE)
    out = []
    for line in wide.columns:
        if line == ref or ref not in wide:
            continue
        gap = (wide[line] - wide[ref]).dropna()
        if gap.empty:
            continue
        step = int(gap.idxmin())
        out.append(
            Verdict(
                f"Largest shortfall of {line}: at step {step:,}, {pct(wide.loc[step, line])} vs "
                f"{pct(wide.loc[step, ref])} with PyTorch's 0.1 ({points(gap.min())}).",
                None,
            )
        )
    return out


def advice(frame: pd.DataFrame) -> str:
    """What the verdicts support: where each convention cost accuracy against PyTorch's 0.1, and no more."""
    costs = {(line, phase): v.holds for line, phase, v in findings(frame) if v.holds is not None}
    if not costs:
        return "These runs compare no two conventions; nothing to recommend."
    parts = []
    for line in dict.fromkeys(line for line, _ in costs):
        early, late = costs.get((line, "early")), costs.get((line, "late"))
        if early and late:
            parts.append(f"{line} cost accuracy early and late")
        elif early:
            parts.append(f"{line} cost accuracy early in training, not late")
        elif late:
            parts.append(f"{line} cost accuracy late in training, not early")
        else:
            parts.append(f"{line} was not clearly worse")
    if not any(costs.values()):
        return f"The convention made no clear difference here ({grid.listing(parts)} than PyTorch's 0.1)."
    return (
        f"Keep PyTorch's momentum 0.1 (in Keras, momentum=0.9). Against it, {'; '.join(parts)}. "
        "Keras's default 0.99 is torch's 0.01, not 0.99: the two libraries weight opposite ends."
    )


# All three arms are BN: red, BN's colour everywhere, in three shades, and three dash patterns
COLORS = {0.1: "#d62728", 0.01: "#ff9896", None: "#7f1d1d"}
DASHES = {0.1: "solid", 0.01: "dashed", None: "dotted"}


def _lines(title: str, y_title: str, cells: pd.DataFrame, **kw) -> Chart:
    lines = [_label(m) for m in MOMENTA]
    colors = alt.Scale(domain=lines, range=[COLORS[m] for m in MOMENTA])
    dashes = {_label(m): DASHES[m] for m in MOMENTA}
    return Chart(
        practice_charts.lines_over_steps(cells, y_title, title, log_x=True, colors=colors, dashes=dashes, **kw)
    )


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    frame = lag_frame(result)
    trained = frame[frame["step"] > 0]
    acc = _lines(
        "Test accuracy in eval mode, mean and min-max over seeds (log steps)",
        "Test accuracy (eval mode, fraction correct)",
        bands(trained, "test_acc"),
        fmt=".0%",
    )
    return [
        Section(
            "Test accuracy through the running averages",
            (Chart(acc.chart, frame, f"{name}-curves", "Download accuracy, loss and lag per seed (CSV)"),),
        ),
        Section(
            "How far the running averages trail the network",
            (
                Text(
                    "|running_mean − μ| / σ and |√running_var − σ| / σ on a fixed batch of 1,000 training images, where "
                    "μ and σ are what the current network gives that batch in training mode; averaged over units and "
                    "the three BN layers (bnviz.train.running_lag). Both axes are logarithmic.",
                    "caption",
                ),
                _lines("Running mean lag, in stds", "Running mean lag (stds)", bands(trained, "mean_lag"), log=True),
                _lines(
                    "Running std lag, as a fraction of σ",
                    "Running std lag (fraction of σ)",
                    bands(trained, "std_lag"),
                    log=True,
                ),
            ),
        ),
        Section(
            "Verdicts",
            (
                Verdicts(
                    tuple(
                        analysis.synthetic_caveat(result)
                        + [same_training(frame)]
                        + [v for _, _, v in findings(frame)]
                        + biggest_gap(frame)
                    )
                ),
            ),
        ),
        Section("What to do in your own code", (Text(advice(frame)),)),
    ]


def summarize(result: dict) -> dict:
    frame = lag_frame(result)
    return {
        "windows": windows(frame),
        "verdicts": [v.text for v in verdicts_of(analyze(result))],
        "advice": advice(frame),
    }
