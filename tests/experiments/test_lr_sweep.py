"""The sweep's findings on hand-made runs: a run's outcome read from its records (a loss that explodes
far above chance is divergence, a loss at chance is a plateau), Section 3.3's two claims as verdicts,
the heat map's cells, and the shipped result's no-BN runs at lr 9, std 1 called what they are."""

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from bnviz.experiments.lr_sweep import heatmap
from bnviz.experiments.lr_sweep.findings import cells_of, findings, seeds_caption, sweep_table
from bnviz.views import records

CHANCE = math.log(10)
STEPS = (0, 500, 1_000, 1_500, 2_000)
TRAINS = ([0.1, 0.9, 0.95, 0.96, 0.97], [2.3, 0.4, 0.2, 0.15, 0.1])
EXPLODES = ([0.1, 0.1, 0.11, 0.09, 0.1], [20.8, 73.0, 65.0, 70.0, 77.0])
STUCK = ([0.1, 0.11, 0.1, 0.1, 0.11], [2.31, 2.30, 2.30, 2.30, 2.30])
SLOW = ([0.1, 0.5, 0.7, 0.8, 0.85], [2.3, 1.2, 0.8, 0.6, 0.5])


def run(bn, lr, std, seed, curve, status="done"):
    acc, loss = curve or TRAINS  # a diverged run's records are replaced below
    recs = [
        {"step": s, "status": "running", "train/loss": None if s == 0 else x, "test/acc": a, "test/loss": x}
        for s, a, x in zip(STEPS, acc, loss)
    ]
    norm = "bnviz" if bn else "none"
    return {
        "arm": f"{'BN' if bn else 'no BN'}, lr {lr:g}, std {std:g}",
        "seed": seed,
        "status": status,
        "steps": STEPS[-1],
        "records": recs,
        "config": {"norm": norm, "lr": lr, "init_std": std, "dataset": "mnist"},
    }


def result(plain_high, bn_high, seeds=3, plain_stable=(STUCK, TRAINS, SLOW), bn_stable=(TRAINS, TRAINS, TRAINS)):
    """lr 0.3 (the stable rate) and 3, 9 (10x, 30x); plain_high/bn_high: one curve per seed, or one for all."""
    runs = []
    for seed in range(seeds):
        for i, std in enumerate((0.01, 0.1, 1.0)):
            runs.append(run(False, 0.3, std, seed, plain_stable[i]))
            runs.append(run(True, 0.3, std, seed, bn_stable[i]))
            for lr in (3.0, 9.0):
                for bn, high in ((False, plain_high), (True, bn_high)):
                    curve = high[seed] if isinstance(high, list) else high
                    runs.append(run(bn, lr, std, seed, curve, "diverged" if curve is None else "done"))
    for r in runs:
        if r["status"] == "diverged":
            r["records"] = [{"step": 0, "status": "diverged", "train/loss": None, "test/acc": 0.1}]
    return {"experiment": "lr-sweep", "key": "k", "runs": runs, "data": {"source": "official"}}


@pytest.mark.parametrize(
    "curve, status, outcome",
    [
        (TRAINS, "done", "trains"),
        (SLOW, "done", "slow (< 90%)"),
        (STUCK, "done", "stuck at chance"),
        (EXPLODES, "done", "exploded"),
        (TRAINS, "diverged", "diverged"),
    ],
)
def test_a_runs_outcome_is_read_from_its_records(curve, status, outcome):
    assert records.run_outcome(run(False, 9.0, 1.0, 0, curve, status)) == outcome


def test_a_loss_just_above_chance_is_a_plateau_and_far_above_it_an_explosion():
    near = ([0.1] * 5, [2.3, 2.4, 2.5, 2.6, 2.5])
    far = ([0.1] * 5, [2.3, 5.0, 5.0, 5.0, 5.0])
    assert records.run_outcome(run(False, 9.0, 1.0, 0, near)) == "stuck at chance"
    assert (
        records.run_outcome(run(False, 9.0, 1.0, 0, far)) == "exploded"
        and 5.0 > records.EXPLODED_LOSS > 2 * CHANCE - 1e-9
    )


def first(found, start):
    return next(v for v in found.verdicts if v.claim.startswith(start))


def test_bn_training_where_the_plain_net_explodes_supports_higher_rates():
    found = findings(result(plain_high=EXPLODES, bn_high=TRAINS))
    v = first(found, "BN permits higher learning rates")
    assert v.outcome == "supports" and "6 cells at 10x the stable rate or more where BN trains" in v.evidence
    at9 = first(found, "At 30x the stable rate (lr 9)")
    assert "exploded in 3 of 3 seeds (final training loss 77.0–77.0 nats; chance is 2.30)" in at9.text
    assert any(v.claim.startswith("18 runs of 54 exploded") and "divergence, bounded" in v.text for v in found.verdicts)
    assert "No run diverged" not in " ".join(v.text for v in found.verdicts)


def test_bn_failing_where_the_plain_net_trains_contradicts():
    v = first(findings(result(plain_high=TRAINS, bn_high=None)), "BN permits higher learning rates")
    assert v.outcome == "contradicts" and "0 cells at 10x" in v.evidence and "6 cells the other way round" in v.evidence


def test_when_nothing_fails_at_high_rates_the_claim_cannot_be_tested():
    v = first(findings(result(plain_high=TRAINS, bn_high=TRAINS)), "BN permits higher learning rates")
    assert v.outcome == "context" and "cannot be tested here" in v.text


def test_seeds_that_disagree_are_within_noise():
    v = first(findings(result(plain_high=[EXPLODES, TRAINS, TRAINS], bn_high=TRAINS)), "BN permits higher learning")
    assert v.outcome == "within_noise" and "where the seeds disagree" in v.evidence


def test_init_scale_claim_from_the_spread_across_init_scales_at_the_stable_rate():
    found = findings(result(plain_high=EXPLODES, bn_high=TRAINS))
    v = first(found, "BN makes training insensitive to the scale of the weights")
    # no BN at lr 0.3: 11% / 97% / 85% across init scales; BN 97% at each
    assert v.outcome == "supports" and "BN's mean final accuracy spans 0.00 points" in v.evidence
    assert v.margin == pytest.approx(86.0) and not v.knife_edge
    worse = result(plain_high=EXPLODES, bn_high=TRAINS, plain_stable=(TRAINS,) * 3, bn_stable=(STUCK, TRAINS, SLOW))
    assert first(findings(worse), "BN makes training insensitive").outcome == "contradicts"


def test_the_heat_map_labels_exploded_and_diverged_cells_and_keeps_its_colour_range():
    cells = cells_of(sweep_table(result(plain_high=EXPLODES, bn_high=None)))
    spec = heatmap.sweep_heatmap(cells).to_dict()
    scale = spec["spec"]["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == [0.85, 0.98] and scale["clamp"] is True
    labels = {row["label"] for row in next(iter(spec["datasets"].values()))}
    assert {"exploded", "diverged"} <= labels


def test_heat_map_cells_are_the_mean_over_seeds_with_their_range_and_mixed_outcomes():
    cells = cells_of(sweep_table(result(plain_high=[EXPLODES, TRAINS, TRAINS], bn_high=TRAINS))).set_index(
        ["norm", "lr", "init_std"]
    )
    assert len(cells) == 18 and set(cells["seeds"]) == {3}
    cell = cells.loc[("none", 9.0, 0.1)]
    assert cell["outcome"] == "mixed (2/3 train)" and cell["acc_min"] == pytest.approx(0.1)
    assert cell["acc"] == pytest.approx((0.1 + 0.97 + 0.97) / 3)


def test_seed_caption_names_the_seeds_and_the_widest_spread():
    table = sweep_table(result(plain_high=[EXPLODES, TRAINS, TRAINS], bn_high=TRAINS))
    text = seeds_caption(table, cells_of(table))
    assert text.startswith("Each cell is the mean of 3 seeds (0, 1, 2)") and "87.0 points (no BN, lr " in text
    one = table[table["seed"] == 0]
    assert seeds_caption(one, cells_of(one)).startswith("One seed per cell (0)")


SHIPPED = sorted(Path(__file__).resolve().parents[2].joinpath("cache").glob("lr-sweep-*.json"))


@pytest.mark.skipif(not SHIPPED, reason="no shipped lr-sweep result in cache/")
def test_the_shipped_no_bn_runs_at_lr_9_std_1_exploded_and_bn_trains_there():
    table = sweep_table(json.loads(SHIPPED[0].read_text()))
    cell = table[(table["lr"] == 9.0) & (table["init_std"] == 1.0)]
    assert set(cell[~cell["BN"]]["outcome"]) == {"exploded"}
    assert (cell[~cell["BN"]]["final_train_loss"] > 10 * CHANCE).all()
    assert set(cell[cell["BN"]]["outcome"]) == {"trains"}
    assert pd.Series(table["outcome"]).isin(records.OUTCOMES).all()
