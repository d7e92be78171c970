"""BN in practice, momentum conventions: one network for all conventions, costs judged early and late by meaning."""

import json

import pytest
from practice_results import momentum_result, result, slow_early_cumulative_late

from bnviz import data as datasets
from bnviz import experiments
from bnviz.experiments import bn_momentum as bm
from bnviz.experiments.bn_momentum.findings import findings, lag_frame, same_training, shortfalls, windows
from bnviz.train.trainer import train
from bnviz.views.sections import verdicts_of


def outcomes(f):
    return {pair: v.outcome for pair, v in zip(f.cost_of, f.costs)}


def test_the_package_keeps_its_experiment_and_cache_key():
    assert bm.EXPERIMENT.key() == "e95fb2fe145d18bc" and bm.EXPERIMENT.page == "practice"


def test_a_slow_average_costs_early_and_a_cumulative_one_late():
    r = momentum_result(slow_early_cumulative_late)
    f = findings(r)
    json.dumps(experiments.summary(r))  # the CLI prints it: plain JSON, no numpy values
    keras, cumulative = bm.LABELS[0.01], bm.LABELS[None]
    got = outcomes(f)
    assert got[(keras, "early")] == "supports" and got[(cumulative, "late")] == "supports"
    # level with 0.1 (equal means): the claim that it costs accuracy is contradicted, not given a red cross for luck
    assert got[(keras, "late")] == "contradicts" and got[(cumulative, "early")] == "contradicts"
    assert f.meaning.startswith("Keep PyTorch's momentum 0.1")
    assert f"the {keras} cost accuracy early in training, not late" in f.meaning
    assert f"the {cumulative} cost accuracy late, not early" in f.meaning


def test_a_lower_mean_inside_the_seed_spread_is_within_noise():
    def slightly_lower(m, step, seed):
        return 0.95 + seed / 100 - (0.005 if m == 0.01 else 0)

    f = findings(momentum_result(slightly_lower))
    assert outcomes(f)[(bm.LABELS[0.01], "early")] == "within_noise"
    assert f.meaning.startswith("The convention made no clear difference")


def test_windows_are_the_first_tenth_and_the_last_fifth():
    assert windows(lag_frame(momentum_result(slow_early_cumulative_late))) == {"early": (10, 10), "late": (80, 100)}


def test_the_largest_shortfall_names_its_step_and_both_seed_ranges():
    texts = [v.text for v in shortfalls(lag_frame(momentum_result(slow_early_cumulative_late)))]
    assert any(
        t.startswith(
            f"The largest shortfall of the {bm.LABELS[0.01]}: at step 10, 30.10% (seeds 30.00–30.20%) against 95.10%"
        )
        for t in texts
    )


def test_sections_answer_with_seed_ranges_and_csv_headers_are_human():
    f = findings(momentum_result(slow_early_cumulative_late))
    sections = experiments.sections(f)
    assert "30.10% (seeds 30.00–30.20%) against 95.10% (seeds 95.00–95.20%)" in sections[0].answer
    chart = sections[0].blocks[0]
    assert "running mean lag (stds)" in chart.csv.columns and "mean_lag" not in chart.csv.columns
    assert [s.title for s in sections][-1] == "What to do in your own code"


@pytest.fixture(scope="module")
def tiny():
    """Real training on synthetic data: the three conventions, two seeds, 30 steps."""
    data = datasets.synthetic("mnist", n_train=300, n_test=100, seed=0)
    runs = []
    for a in bm.EXPERIMENT.arms:
        for seed in (0, 1):
            config = a.config.replace(
                dataset="synthetic-mnist", steps=30, eval_every=5, probe_every=30, probe_size=60, seed=seed
            )
            records = [{k: v for k, v in r.items() if k.startswith(bm.EXPERIMENT.keep)} for r in train(config, data)]
            runs.append(
                {
                    "arm": a.label,
                    "seed": seed,
                    "status": "done",
                    "steps": 30,
                    "config": config.to_dict(),
                    "records": records,
                }
            )
    return result("bn-momentum", runs)


@pytest.mark.slow
def test_a_real_run_trains_one_network_for_every_convention(tiny):
    v = same_training(lag_frame(tiny))
    assert v.outcome == "supports" and "for each of 2 seeds the training loss is identical" in v.evidence
    frame = lag_frame(tiny)
    assert frame["mean_lag"].notna().all() and (frame["mean_lag"] >= 0).all()
    # at step 0 the running averages are all at their initial 0 and 1: the same lag for every convention
    assert (frame[frame["step"] == 0].groupby("seed")["mean_lag"].nunique() == 1).all()


@pytest.mark.slow
def test_findings_sections_and_summary_of_the_real_run(tiny):
    sections = experiments.sections(experiments.findings(tiny))
    assert len(verdicts_of(sections)) >= 5
    assert experiments.summary(tiny)["meaning"]
