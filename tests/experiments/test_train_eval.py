"""BN in practice, train and eval: the modes read from the last record, claims whose outcomes follow the numbers
(good news never carries a red cross), Batch Renorm's bounds, and a real tiny run."""

import dataclasses
import json

import pytest
from practice_results import eval_result, eval_trouble, result

from bnviz import data as datasets
from bnviz import experiments
from bnviz.experiments import train_eval as te
from bnviz.experiments.train_eval.findings import findings
from bnviz.experiments.train_eval.modes import mode_frame, modes
from bnviz.train.trainer import train
from bnviz.views.sections import Chart, Details, Table


def claim(f, start):
    return next(v for v in f.verdicts if v.claim.startswith(start))


def test_every_arm_tests_itself_at_the_end_and_batch_renorm_ramps_within_the_run():
    assert all(a.config.final_eval_modes for a in te.EXPERIMENT.arms)
    assert {(a.config.norm, a.config.batches) for a in te.EXPERIMENT.arms} == set(te.ARMS)
    assert te.EXPERIMENT.keep[-1] == "final/"
    (brn,) = [a.config for a in te.EXPERIMENT.arms if a.config.norm == "renorm"]
    assert brn.renorm_warmup == (0.1, 0.5) and brn.renorm_schedule() == (300, 1_200)


def test_forgotten_eval_and_one_class_test_batches_by_meaning():
    f = findings(eval_result(eval_trouble))
    assert claim(f, "Forgetting model.eval() costs accuracy at test batches of 8").outcome == "supports"
    # 95.10% either way at batches of 1,000: the claim that it costs accuracy is contradicted (good news, no cross
    # beside a "no"): the outcome says what our runs say of the claim
    assert claim(f, "Forgetting model.eval() costs accuracy at test batches of 1,000").outcome == "contradicts"
    (one,) = [v for v in f.verdicts if v.claim.endswith("test batches of 1")]
    assert one.outcome == "supports" and "cannot run at all" in one.evidence
    assert claim(f, "BN in training mode on one-class test batches of 64 costs accuracy").outcome == "supports"
    assert claim(f, "BN's running averages serve as well as Algorithm 2's").outcome == "supports"


def test_a_forgotten_eval_inside_the_seed_spread_is_within_noise():
    def slightly_lower(norm, batches, mode, seed):
        value = eval_trouble(norm, batches, mode, seed)
        return value - 0.001 if mode == "batch_stats/1000" and norm == "bnviz" and batches == "random" else value

    f = findings(eval_result(slightly_lower))
    assert claim(f, "Forgetting model.eval() costs accuracy at test batches of 1,000").outcome == "within_noise"


def test_one_class_training_and_the_literature():
    f = findings(eval_result(eval_trouble))
    assert claim(f, "BN trained on one-class mini-batches falls behind").outcome == "supports"
    assert claim(f, "On one-class mini-batches BN is worse off than no normalization").outcome == "supports"
    assert claim(f, "Batch Renorm trains substantially better than BN on non-i.i.d.").outcome == "supports"

    def brn_no_help(norm, batches, mode, seed):
        return 0.10 + seed / 1000 if norm == "renorm" else eval_trouble(norm, batches, mode, seed)

    assert claim(findings(eval_result(brn_no_help)), "Batch Renorm trains substantially").outcome == "within_noise"


def test_batch_renorm_says_the_bounds_it_reached():
    f = findings(eval_result(eval_trouble))
    (note,) = [v for v in f.verdicts if v.claim.startswith("Batch Renorm's correction bounds")]
    assert note.outcome == "context"
    assert "at the last of 3,000 steps: r_max 3.00, d_max 5.00 (plain BN for the first 300 steps" in note.claim


def test_the_advice_says_only_what_the_verdicts_support():
    r = eval_result(eval_trouble)
    f = findings(r)
    json.dumps(experiments.summary(r))  # the CLI prints it: plain JSON, no numpy values
    assert f.meaning.startswith(
        "Call model.eval() before testing: forgetting it cost 5.00 points at test batches of 8, and a"
    )
    assert "one class: 15.10% (15.00–15.20) to 17.10% (17.00–17.20) instead of 95.10% (95.00–95.20)" in f.meaning
    assert (
        "Shuffle your training data: BN trained on one-class batches fell to 10.10% (10.00–10.20); LN at" in f.meaning
    )

    def harmless(norm, batches, mode, seed):
        value = eval_trouble(norm, batches, mode, seed)
        return 0.95 + seed / 1000 if mode.startswith("batch_stats") and value is not None and norm == "bnviz" else value

    assert (
        "forgetting it cost nothing measurable, and a test batch of 1 could not run at all"
        in findings(eval_result(harmless)).meaning
    )


def test_the_table_marks_what_cannot_run_and_names_read_as_words():
    f = findings(eval_result(eval_trouble))
    table = next(iter(f.tables.values())).set_index("tested with")
    assert table.loc["eval() forgotten, test batches of 1", "BN, random training batches"] == "cannot run"
    assert table.loc["population statistics (Algorithm 2)", "no BN, random training batches"] == "—"
    assert table.loc["eval() forgotten, test batches of 8", "BN, random training batches"] == "90.10 (0.20)"
    sections = experiments.sections(f)
    chart = sections[0].blocks[0]
    assert isinstance(chart, Chart) and "trained network" in chart.csv.columns and "norm" not in chart.csv.columns
    (details,) = [b for b in sections[0].blocks if isinstance(b, Details)]
    assert isinstance(details.blocks[1], Table)
    assert sections[0].answer.startswith(
        "The BN network trained on random batches scores 95.10% (95.00–95.20) in eval mode"
    )


@pytest.mark.slow
def test_findings_of_a_real_tiny_run():
    data = datasets.synthetic("mnist", n_train=400, n_test=120, seed=0)
    runs = []
    for a in te.EXPERIMENT.arms:
        config = a.config.replace(
            dataset="synthetic-mnist", steps=6, eval_every=3, probe_every=6, probe_size=50, batch_size=20
        )
        recs = [{k: v for k, v in rec.items() if k.startswith(te.EXPERIMENT.keep)} for rec in train(config, data)]
        runs.append(
            {"arm": a.label, "seed": 0, "status": "done", "steps": 6, "config": config.to_dict(), "records": recs}
        )
    r = result("train-vs-eval", runs)
    f = experiments.findings(r)
    assert isinstance(experiments.sections(f)[0].blocks[0], Chart)
    assert len(mode_frame(r)) == 6 * len(modes()) - 3  # the population mode only where there are running averages
    assert experiments.summary(r)["meaning"]


@pytest.mark.slow
def test_the_runner_keeps_the_final_modes_in_the_cached_result(tmp_path):
    """Through the runner (worker processes, the experiment's keep= filter, the cache file), on synthetic data."""
    from bnviz.runs import cache
    from bnviz.runs.runner import run_experiment

    exp = experiments.resolve("train-vs-eval", steps=6, seeds=[0], synthetic=True)
    exp = dataclasses.replace(exp, arms=exp.arms[:2])  # no BN and BN, random batches
    run_experiment(exp, cache_dir=tmp_path, command="test", workers=1)
    stored = cache.load_result(cache.result_path(tmp_path, exp.name, exp.key()))
    last = stored["runs"][1]["records"][-1]
    assert last["final/batch_stats/1/acc"] is None and 0 <= last["final/population/acc"] <= 1
    assert not [k for r in stored["runs"][1]["records"] for k in r if "/p50" in k]  # probes not stored
    assert len(mode_frame(stored)) == 2 * len(modes()) - 1
