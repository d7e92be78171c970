"""BN in practice, batch size: verdicts that follow the numbers, and the analysis of a real tiny run."""

import dataclasses

import pytest
from practice_results import batch_result, result, small_batch_trouble

from bnviz import data as datasets
from bnviz import experiments
from bnviz.experiments import batch_size as bs
from bnviz.norms import GHOST_BATCH
from bnviz.train.config import TrainConfig
from bnviz.train.trainer import train
from bnviz.views.legacy_sections import Chart, Table, Toggle, verdicts_of


def texts(r):
    return [v.text for v in verdicts_of(bs.analyze(r))]


def verdict(r, start):
    return next(v for v in verdicts_of(bs.analyze(r)) if v.text.startswith(start))


def test_ghost_bn_runs_only_above_its_virtual_batch_and_every_run_sees_the_same_examples():
    ghost = [a.config.batch_size for a in bs.EXPERIMENT.arms if a.config.norm == "ghost"]
    assert ghost and min(ghost) > GHOST_BATCH
    seen = {a.config.steps * a.config.batch_size for a in bs.EXPERIMENT.arms}
    assert max(seen) <= bs.EXAMPLES and min(seen) > bs.EXAMPLES - max(bs.SIZES)
    assert [a.config.lr / a.config.batch_size for a in bs.EXPERIMENT.arms] == pytest.approx(
        [bs.LR_PER_EXAMPLE] * len(bs.EXPERIMENT.arms)
    )


def test_bn_worse_at_small_batches_yields_that_verdict_and_the_size_it_starts_at():
    v = verdict(batch_result(small_batch_trouble), "Does BN fall behind")
    assert v.holds is True and "yes, below batch 8" in v.text
    assert "batch 2: BN 40.10% (40.00–40.20), best no BN 95.10%" in v.text


def test_bn_level_everywhere_yields_no_such_verdict():
    r = batch_result(lambda norm, size, seed: 0.95 + seed / 1000)
    v = verdict(r, "Does BN fall behind")
    assert v.holds is False and v.text.startswith("Does BN fall behind at small batches? no")
    table = bs.size_table(r)
    assert "no reason to replace it" in bs.advice(table, [])


def test_a_gap_inside_the_seed_spread_is_not_falling_behind():
    # BN's mean is lower at batch 2, but its best seed reaches the best arm's worst seed
    def overlap(norm, size, seed):
        return 0.94 + seed / 100 - (0.01 if norm == "bnviz" and size == 2 else 0)

    v = verdict(batch_result(overlap), "Does BN fall behind")
    assert v.holds is False


def test_which_alternatives_hold_and_the_advice_name_only_those():
    r = batch_result(small_batch_trouble)
    found = texts(r)
    assert any(t.startswith("LN holds where BN falls behind") for t in found)
    assert any(t.startswith("GN holds where BN falls behind") for t in found)
    assert any(t.startswith("BRN does not hold") for t in found)
    advice = bs.advice(bs.size_table(r), [2, 4])
    assert "Use LN or GN there" in advice and "BRN" not in advice and "From batch 8 up" in advice
    assert "So was no normalization at all" in advice


def test_literature_verdicts_agree_or_disagree_with_the_numbers():
    r = batch_result(small_batch_trouble)
    gn = verdict(r, "Wu & He 2018")
    assert gn.holds is True and "GN's error is 55.0 points lower than BN's" in gn.text
    brn = verdict(r, "Ioffe 2017")
    # BN loses 95.1 - 40.1 = 55 points at batch 2 and 4; Batch Renorm's 80.1% wins back 40/55 = 72.7% of them
    assert brn.holds is True and "at batch 2 BN loses 55.0 points and Batch Renorm (80.10%) wins back 72.7%" in brn.text

    def brn_only_at_2(norm, size, seed):
        return 0.42 + seed / 1000 if norm == "renorm" and size == 4 else small_batch_trouble(norm, size, seed)

    partial = verdict(batch_result(brn_only_at_2), "Ioffe 2017")
    assert partial.holds is False and "wins back 3.6% of them" in partial.text

    def brn_fails(norm, size, seed):
        return 0.45 + seed / 1000 if norm == "renorm" and size < 8 else small_batch_trouble(norm, size, seed)

    assert verdict(batch_result(brn_fails), "Ioffe 2017").holds is False

    def gn_fails(norm, size, seed):
        return 0.40 + seed / 1000 if norm == "group" and size < 8 else small_batch_trouble(norm, size, seed)

    assert verdict(batch_result(gn_fails), "Wu & He 2018").holds is False


def test_analysis_draws_the_chart_the_table_and_says_synthetic():
    sections = bs.analyze(batch_result(small_batch_trouble))
    assert [s.title for s in sections][-1] == "What to do in your own code"
    blocks = [b for s in sections for b in s.blocks]
    toggle = next(b for b in blocks if isinstance(b, Toggle))
    assert isinstance(toggle.on[0], Chart) and isinstance(toggle.off[0], Chart)  # the whole range, or zoomed in
    assert sum(isinstance(b, Chart) for b in blocks) == 1  # and the accuracy curves at the smallest batch
    table = next(b for b in blocks if isinstance(b, Table))
    assert list(table.df["batch size"]) == list(bs.SIZES)
    assert list(table.df["GBN"])[:4] == ["= BN"] * 4
    assert table.df["BN"].iloc[0] == "40.10 (0.20)"  # mean %, and the lowest-to-highest seed distance in points
    assert "synthetic data" in texts(batch_result(small_batch_trouble))[0]


def test_analyze_and_summary_of_a_real_tiny_run():
    """Real training on synthetic data: two sizes, every norm, one seed, a few steps each."""
    data = datasets.synthetic("mnist", n_train=300, n_test=100, seed=0)
    arms = [a for a in bs.EXPERIMENT.arms if a.config.batch_size in (4, 32)]
    runs = []
    for a in arms:
        config = a.config.replace(dataset="synthetic-mnist", steps=6, eval_every=3, probe_every=6, probe_size=50)
        records = list(train(config, data))
        runs.append(
            {"arm": a.label, "seed": 0, "status": "done", "steps": 6, "config": config.to_dict(), "records": records}
        )
    r = result("batch-size", runs)
    sections = experiments.REGISTRY[r["experiment"]].legacy.analyze(r)
    assert sections[0].title == "Final test accuracy against batch size"
    summary = experiments.summary(r)
    assert set(summary["final_test_acc_by_batch"]) >= {"BN, batch 4", "GBN, batch 32", "no BN, batch 32"}
    assert summary["advice"]


def test_the_experiment_resolves_for_the_cli_on_synthetic_data():
    exp = experiments.resolve("batch-size", steps=6, seeds=[0], synthetic=True)
    assert {a.config.dataset for a in exp.arms} == {"synthetic-mnist"}
    assert exp.key() != bs.EXPERIMENT.key()
    assert dataclasses.replace(exp, arms=exp.arms[:2]).runs()[0][2] == TrainConfig.from_dict(
        exp.arms[0].config.replace(seed=0).to_dict()
    )
