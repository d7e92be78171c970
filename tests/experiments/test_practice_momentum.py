"""BN in practice, momentum conventions: one network for all conventions, and verdicts that follow the numbers."""

import pytest
from practice_results import momentum_result, result, slow_early_cumulative_late

from bnviz import data as datasets
from bnviz import experiments
from bnviz.experiments import bn_momentum as bm
from bnviz.train.trainer import train
from bnviz.views.legacy_sections import verdicts_of


def found(r):
    return {(line, phase): v.holds for line, phase, v in bm.findings(bm.lag_frame(r))}


def test_a_slow_average_costs_early_and_a_cumulative_one_late():
    r = momentum_result(slow_early_cumulative_late)
    got = found(r)
    keras, cumulative = bm.LABELS[0.01], bm.LABELS[None]
    assert got[(keras, "early")] is True and got[(keras, "late")] is False
    assert got[(cumulative, "early")] is False and got[(cumulative, "late")] is True
    assert got[(bm.LABELS[0.1], "early")] is None  # the reference is context, not a claim
    advice = bm.advice(bm.lag_frame(r))
    assert advice.startswith("Keep PyTorch's momentum 0.1")
    assert f"{keras} cost accuracy early in training, not late" in advice
    assert f"{cumulative} cost accuracy late in training, not early" in advice


def test_equal_conventions_give_no_clear_difference():
    r = momentum_result(lambda m, step, seed: 0.9 + seed / 1000)
    assert not any(found(r).values())
    assert bm.advice(bm.lag_frame(r)).startswith("The convention made no clear difference")


def test_windows_are_the_first_tenth_and_the_last_fifth():
    assert bm.windows(bm.lag_frame(momentum_result(slow_early_cumulative_late))) == {
        "early": (10, 10),
        "late": (80, 100),
    }


def test_the_largest_shortfall_names_its_step():
    texts = [v.text for v in bm.biggest_gap(bm.lag_frame(momentum_result(slow_early_cumulative_late)))]
    assert any(t.startswith(f"Largest shortfall of {bm.LABELS[0.01]}: at step 10, 30.10% vs 95.10%") for t in texts)


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
    v = bm.same_training(bm.lag_frame(tiny))
    assert v.holds is True and "for each of 2 seeds the training loss is identical" in v.text
    frame = bm.lag_frame(tiny)
    assert frame["mean_lag"].notna().all() and (frame["mean_lag"] >= 0).all()
    # at step 0 the running averages are all at their initial 0 and 1: the same lag for every convention
    at0 = frame[frame["step"] == 0].groupby("seed")["mean_lag"].nunique()
    assert (at0 == 1).all()


def test_analyze_and_summary_of_the_real_run(tiny):
    sections = experiments.REGISTRY[tiny["experiment"]].legacy.analyze(tiny)
    assert [s.title for s in sections][-1] == "What to do in your own code"
    assert len(verdicts_of(sections)) >= 5
    assert experiments.summary(tiny)["advice"]
