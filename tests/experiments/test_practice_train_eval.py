"""BN in practice, train and eval: the modes read from the last record, verdicts that follow the numbers."""

import pytest
from practice_results import eval_result, eval_trouble, result

from bnviz import data as datasets
from bnviz import experiments
from bnviz.experiments import train_eval as te
from bnviz.train.trainer import train
from bnviz.views.legacy_sections import Chart, Table, verdicts_of


def verdicts(r):
    return verdicts_of(te.analyze(r))


def find(r, start):
    return next(v for v in verdicts(r) if v.text.startswith(start))


def test_every_arm_tests_itself_at_the_end_and_the_training_batches_come_from_the_config():
    assert all(a.config.final_eval_modes for a in te.EXPERIMENT.arms)
    assert {(a.config.norm, a.config.batches) for a in te.EXPERIMENT.arms} == set(te.ARMS)
    assert te.EXPERIMENT.keep[-1] == "final/"


@pytest.mark.slow
def test_forgotten_eval_and_one_class_test_batches_cost_accuracy_where_the_numbers_say_so():
    r = eval_result(eval_trouble)
    assert find(r, "eval() forgotten, test batches of 8:").holds is True
    assert find(r, "eval() forgotten, test batches of 1,000:").holds is False
    assert "cannot run at all" in find(r, "eval() forgotten, test batches of 1:").text
    assert find(r, "Training mode on one-class test batches of 64").holds is True
    assert find(r, "Are the running averages as good as Algorithm 2").holds is True


def test_one_class_training_verdicts_and_the_literature():
    r = eval_result(eval_trouble)
    assert find(r, "Does BN trained on one-class mini-batches fall behind").holds is True
    assert find(r, "One-class batches hurt plain SGD too").holds is True
    assert find(r, "Ioffe 2017").holds is True and "we agree" in find(r, "Ioffe 2017").text

    def brn_no_help(norm, batches, mode, seed):
        return 0.10 + seed / 1000 if norm == "renorm" else eval_trouble(norm, batches, mode, seed)

    assert find(eval_result(brn_no_help), "Ioffe 2017").holds is False


def test_a_harmless_forgotten_eval_is_not_reported_as_a_cost():
    def harmless(norm, batches, mode, seed):
        value = eval_trouble(norm, batches, mode, seed)
        return 0.95 + seed / 1000 if mode.startswith("batch_stats") and value is not None and norm == "bnviz" else value

    r = eval_result(harmless)
    assert find(r, "eval() forgotten, test batches of 8:").holds is False
    advice = te.advice(te.mode_cells(te.mode_frame(r)), te.mode_frame(r))
    assert "forgetting it cost nothing measurable, and a test batch of 1 could not run at all" in advice


def test_the_advice_says_only_what_the_verdicts_support():
    r = eval_result(eval_trouble)
    frame = te.mode_frame(r)
    advice = te.advice(te.mode_cells(frame), frame)
    assert advice.startswith(
        "Call model.eval() before testing: forgetting it cost 5.00 points at test batches of 8, and a"
    )
    assert "Never let BN normalize with the statistics of a batch drawn from one class: 15.10% to 17.10%" in advice
    assert "Shuffle your training data: BN trained on one-class batches fell to 10.10%; LN (88.10%) and BRN" in advice
    assert "still below BN on random batches (95.10%)" in advice


def test_without_bn_the_modes_agree_and_the_table_marks_what_cannot_run():
    r = eval_result(eval_trouble)
    sanity = [v for v in verdicts(r) if v.text.startswith("Without BN")]
    assert [v.holds for v in sanity] == [True, True]
    table = next(b for s in te.analyze(r) for b in s.blocks if isinstance(b, Table)).df.set_index("tested with")
    assert table.loc["eval() forgotten, batches of 1", "BN, random"] == "cannot run"
    assert table.loc["population statistics (Algorithm 2)", "no BN, random"] == "—"
    assert table.loc["eval() forgotten, batches of 8", "BN, random"] == "90.10 (0.20)"


def test_analyze_of_a_real_tiny_run():
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
    sections = experiments.REGISTRY[r["experiment"]].legacy.analyze(r)
    assert isinstance(sections[0].blocks[0], Chart)
    assert len(te.mode_frame(r)) == 6 * len(te.modes()) - 3  # the population mode only where there are running averages
    assert experiments.summary(r)["advice"]


@pytest.mark.slow
def test_the_runner_keeps_the_final_modes_in_the_cached_result(tmp_path):
    """Through the runner (worker processes, the experiment's keep= filter, the cache file), on synthetic data."""
    import dataclasses

    from bnviz.runs import cache
    from bnviz.runs.runner import run_experiment

    exp = experiments.resolve("train-vs-eval", steps=6, seeds=[0], synthetic=True)
    exp = dataclasses.replace(exp, arms=exp.arms[:2])  # no BN and BN, random batches
    run_experiment(exp, cache_dir=tmp_path, command="test", workers=1)
    stored = cache.load_result(cache.result_path(tmp_path, exp.name, exp.key()))
    last = stored["runs"][1]["records"][-1]
    assert last["final/batch_stats/1/acc"] is None and 0 <= last["final/population/acc"] <= 1
    assert not [k for r in stored["runs"][1]["records"] for k in r if "/p50" in k]  # probes not stored
    assert len(te.mode_frame(stored)) == 2 * len(te.modes()) - 1
