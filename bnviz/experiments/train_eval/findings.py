"""Train and eval are two networks: one trained network tested each way, networks trained on one-class batches,
each as a claim with what our seeds say of it. Pandas only."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bnviz.experiments.train_eval.modes import cell, mode_cells, mode_frame, mode_numbers, mode_table, network
from bnviz.norms.batch_renorm import renorm_bounds
from bnviz.train.final_eval import ONE_CLASS_BATCHES, TEST_BATCHES
from bnviz.views import compare, grid, records
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import listing, points
from bnviz.views.verdicts import Verdict

R_MAX, D_MAX = 3.0, 5.0  # Batch Renorm's final bounds (bnviz.norms.batch_renorm's defaults, the paper's)


@dataclass(frozen=True)
class TrainEvalFindings(Findings):
    modes: pd.DataFrame = None  # one row per run and test-time mode: its accuracy (None: the mode cannot run)
    cells: pd.DataFrame = None  # per trained network and mode: mean, lowest and highest seed
    losses: pd.DataFrame = None  # training loss per network and step: mean, lowest and highest seed
    test_time: tuple[Verdict, ...] = ()
    training: tuple[Verdict, ...] = ()


def costs(claim: str, worse: pd.Series, base: pd.Series, evidence: str) -> Verdict:
    """The claim that ``worse`` is below ``base``: beyond the seed spread, within it, or not lower at all."""
    outcome, margin = grid.above(base, worse)
    if outcome == "within_noise" and worse["mean"] >= base["mean"]:
        outcome, margin = "contradicts", {}
    return Verdict(claim, outcome, evidence, **margin)


def test_time_verdicts(cells: pd.DataFrame, frame: pd.DataFrame) -> list[Verdict]:
    """The BN network trained on random batches, tested each way, against eval mode."""
    run = cell(cells, "bnviz", "random", "running")
    if run is None:
        return [Verdict("This result has no BN network trained on random batches")]
    out = []
    pop = cell(cells, "bnviz", "random", "population")
    if pop is not None:
        outcome, margin = grid.level(pop, run)
        out.append(
            Verdict(
                "BN's running averages serve as well as Algorithm 2's population statistics",
                outcome,
                f"eval mode {grid.spread(run)}, population statistics {grid.spread(pop)}; "
                f"{points(pop['mean'] - run['mean'])} for the population, {grid.versus(pop, run)}",
                **margin,
            )
        )
    for b in sorted(TEST_BATCHES):
        c = cell(cells, "bnviz", "random", f"batch_stats/{b}")
        claim = f"Forgetting model.eval() costs accuracy at test batches of {b:,}"
        if c is None:
            if not frame[(frame["norm"] == "bnviz") & (frame["mode"] == f"batch_stats/{b}")].empty:
                out.append(
                    Verdict(
                        claim,
                        "supports",
                        "the network cannot run at all: a batch of one leaves every BN unit a single value, "
                        "σ²_B = 0, and the layer refuses it",
                    )
                )
            continue
        evidence = f"{grid.spread(c)} against {grid.spread(run)} in eval mode, {points(c['mean'] - run['mean'])}"
        out.append(costs(claim, c, run, evidence))
    for b in sorted(ONE_CLASS_BATCHES):
        c = cell(cells, "bnviz", "random", f"non_iid/{b}")
        if c is not None:
            evidence = f"{grid.spread(c)} against {grid.spread(run)} in eval mode, {points(c['mean'] - run['mean'])}"
            out.append(
                costs(f"BN in training mode on one-class test batches of {b:,} costs accuracy", c, run, evidence)
            )
    return out


def training_verdicts(cells: pd.DataFrame) -> list[Verdict]:
    """Networks trained on one-class batches, in eval mode, against BN on random batches and each other."""
    out = []
    bn_random = cell(cells, "bnviz", "random", "running")
    bn_one, none_one = cell(cells, "bnviz", "one-class", "running"), cell(cells, "none", "one-class", "running")
    if bn_one is not None and bn_random is not None:
        evidence = f"{grid.spread(bn_one)} against {grid.spread(bn_random)}; chance is 10%"
        out.append(
            costs(
                "BN trained on one-class mini-batches falls behind BN trained on random ones",
                bn_one,
                bn_random,
                evidence,
            )
        )
    if bn_one is not None and none_one is not None:
        evidence = f"BN {grid.spread(bn_one)}, no BN {grid.spread(none_one)}, {grid.versus(bn_one, none_one)}"
        out.append(costs("On one-class mini-batches BN is worse off than no normalization", bn_one, none_one, evidence))
    for norm, claim in (
        (
            "renorm",
            "Batch Renorm trains substantially better than BN on non-i.i.d. mini-batches (Ioffe 2017, Inception v3 on "
            "ImageNet; ours are the extreme case, one class a batch)",
        ),
        ("layer", "LayerNorm, which normalizes each example alone, trains better than BN on one-class mini-batches"),
    ):
        c = cell(cells, norm, "one-class", "running")
        if c is not None and bn_one is not None:
            outcome, margin = grid.above(c, bn_one)
            tail = f"; no BN reached {grid.spread(none_one)}" if none_one is not None else ""
            evidence = f"{compare.norm_name(norm)} {grid.spread(c)} against BN {grid.spread(bn_one)}{tail}"
            out.append(Verdict(claim, outcome, evidence, **margin))
    return out


def sanity_verdicts(cells: pd.DataFrame) -> list[Verdict]:
    """Without BN the test-time modes are one network: every mode gives the same accuracy."""
    out = []
    for batches in ("random", "one-class"):
        c = cells[(cells["norm"] == "none") & (cells["batches"] == batches) & (cells["seeds"] > 0)]
        if len(c) >= 2:
            spread = float(c["mean"].max() - c["mean"].min())
            out.append(
                Verdict(
                    f"Without normalization ({batches} training batches) every test-time mode is the same network",
                    "supports" if spread < 1e-9 else "contradicts",
                    f"the accuracies differ by {100 * spread:.2g} points across {len(c)} modes",
                )
            )
    return out


def renorm_notes(result: dict) -> list[Verdict]:
    """The bounds Batch Renorm's correction reached by each run's last step (computed from its config)."""
    reached = set()
    for run in result["runs"]:
        c = run.get("config") or {}
        if c.get("norm") != "renorm":
            continue
        w = c.get("renorm_warmup")
        bn_steps, warmup = (round(w[0] * c["steps"]), round((w[1] - w[0]) * c["steps"])) if w else (0, 5_000)
        reached.add((renorm_bounds(run["steps"] - 1, R_MAX, D_MAX, bn_steps, warmup), bn_steps, warmup, run["steps"]))
    return [
        Verdict(
            f"Batch Renorm's correction bounds at the last of {steps:,} steps: r_max {r:.2f}, d_max {d:.2f} (plain BN "
            f"for the first {bn:,} steps, then a linear ramp over {ramp:,} to r_max {R_MAX:g}, d_max {D_MAX:g})"
        )
        for (r, d), bn, ramp, steps in sorted(reached)
    ]


def loss_cells(result: dict) -> pd.DataFrame:
    """Training loss per network and step: mean, lowest and highest seed (``line`` names the network)."""
    frames = []
    for run in result["runs"]:
        config = run.get("config") or {}
        batches = config.get("batches", "random")
        c = records.curves([run]).dropna(subset=["train_loss"])
        frames.append(c.assign(line=network(config.get("norm"), batches), batches=batches))
    if not frames:
        return pd.DataFrame(columns=["norm", "batches", "line", "step", "mean", "lo", "hi", "seeds"])
    return grid.cells(pd.concat(frames), ["norm", "batches", "line", "step"], "train_loss")


def findings(result: dict) -> TrainEvalFindings:
    base = common(result)
    frame = mode_frame(result)
    cells = mode_cells(frame)
    test_time, training = test_time_verdicts(cells, frame), training_verdicts(cells)
    notes = sanity_verdicts(cells) + renorm_notes(result)
    return TrainEvalFindings(
        **base,
        verdicts=tuple(compare.synthetic_caveat(base["synthetic"]) + test_time + training + notes),
        meaning=meaning(cells, frame),
        numbers={"test_acc_by_mode": mode_numbers(cells)},
        tables={"Test accuracy of each trained network, tested each way": mode_table(cells)} if len(cells) else {},
        modes=frame,
        cells=cells,
        losses=loss_cells(result),
        test_time=tuple(test_time),
        training=tuple(training + notes),
    )


def meaning(cells: pd.DataFrame, frame: pd.DataFrame) -> str:
    """What the verdicts support, one sentence per finding."""
    run = cell(cells, "bnviz", "random", "running")
    if run is None:
        return "These runs hold no BN network trained on random batches; nothing to recommend."
    sentences = []
    forgotten = {
        b: c for b in sorted(TEST_BATCHES) if (c := cell(cells, "bnviz", "random", f"batch_stats/{b}")) is not None
    }
    costly = [(b, c) for b, c in forgotten.items() if grid.clearly_above(run, c)]
    refused = [b for b in TEST_BATCHES if b not in forgotten and not frame[frame["mode"] == f"batch_stats/{b}"].empty]
    if costly or refused:
        each = [f"{100 * (run['mean'] - c['mean']):.2f} points at test batches of {b:,}" for b, c in costly]
        cost = f"cost {listing(each)}" if costly else "cost nothing measurable"
        sentences.append(
            f"Call model.eval() before testing: forgetting it {cost}"
            + (f", and a test batch of {refused[0]} could not run at all." if refused else ".")
        )
    one_class = [c for b in ONE_CLASS_BATCHES if (c := cell(cells, "bnviz", "random", f"non_iid/{b}")) is not None]
    if one_class and all(grid.clearly_above(run, c) for c in one_class):
        low, high = min(one_class, key=lambda c: c["mean"]), max(one_class, key=lambda c: c["mean"])
        sentences.append(
            f"Never let BN normalize with the statistics of a batch drawn from one class: {grid.spread(low)} to "
            f"{grid.spread(high)} instead of {grid.spread(run)}."
        )
    pop = cell(cells, "bnviz", "random", "population")
    if pop is not None and grid.level(pop, run)[0] == "supports":
        sentences.append(
            "The running averages served as well as recomputed population statistics: no extra pass needed."
        )
    bn_one = cell(cells, "bnviz", "one-class", "running")
    if bn_one is not None and grid.clearly_above(run, bn_one):
        better = [
            (compare.norm_name(n), c)
            for n in ("layer", "renorm")
            if (c := cell(cells, n, "one-class", "running")) is not None and grid.clearly_above(c, bn_one)
        ]
        text = f"Shuffle your training data: BN trained on one-class batches fell to {grid.spread(bn_one)}"
        if better:
            below = all(grid.clearly_above(run, c) for _, c in better)
            names = listing([f"{name} at {grid.spread(c)}" for name, c in better])
            text += f"; {names} did better there" + (", still below BN on random batches" if below else "")
        sentences.append(text + ".")
    return " ".join(sentences) or "These runs show no difference between the ways of testing; nothing to recommend."
