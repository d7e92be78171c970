"""BN in practice, where BN goes: arms known by config, verdicts that follow the numbers."""

import pytest
from practice_results import position_result, result, sigmoid_after_wins

from bnviz import data as datasets
from bnviz import experiments
from bnviz.experiments import bn_position as bp
from bnviz.train.models import model_for
from bnviz.train.trainer import train
from bnviz.views.legacy_sections import Chart, verdicts_of


def texts(r):
    return [v for v in verdicts_of(bp.analyze(r))]


def test_the_arms_are_the_paper_s_position_its_redundant_bias_after_and_none_for_each_activation():
    kinds = {
        (a.config.activation, bp.kind(a.config.norm, a.config.norm_position, a.config.bias)) for a in bp.EXPERIMENT.arms
    }
    assert kinds == {(g, k) for g in ("sigmoid", "relu") for k in ("none", "before", "before+bias", "after")}
    for a in bp.EXPERIMENT.arms:
        model = model_for(a.config)
        has_bias = model.linears[0].bias is not None
        assert has_bias == (bp.kind(a.config.norm, a.config.norm_position, a.config.bias) != "before"), a.label


def test_after_clearly_ahead_says_the_paper_s_position_is_not_as_good_and_the_advice_follows():
    r = position_result(sigmoid_after_wins)
    v = {x.text.split("?")[0]: x for x in texts(r)}
    sig = v["sigmoid: is the paper's position, BN before the sigmoid, at least as good as after it"]
    assert sig.holds is False and "ahead beyond the seed spread" in sig.text
    relu = v["relu: is the paper's position, BN before the relu, at least as good as after it"]
    assert relu.holds is True and "within the seed spread" in relu.text
    caffenet = next(x for x in texts(r) if x.text.startswith("The CaffeNet benchmark"))
    assert caffenet.holds is False and "we do not see after ahead" in caffenet.text
    advice = bp.advice(bp.arm_table(r))
    assert advice.startswith("With sigmoid units, put BN after the sigmoid") and "over 3 seeds" in advice
    assert "with relu units either position did as well here" in advice


def test_the_redundant_bias_verdict_can_fail():
    r = position_result(sigmoid_after_wins)
    bias = [x for x in texts(r) if "the bias before BN is redundant" in x.text]
    assert [x.holds for x in bias] == [True, True]

    def bias_hurts(g, k, seed):
        return sigmoid_after_wins(g, k, seed) - (0.05 if k == "before+bias" and g == "relu" else 0)

    bias = [x for x in texts(position_result(bias_hurts)) if "the bias before BN is redundant" in x.text]
    assert [x.holds for x in bias] == [True, False]
    assert "made a difference with relu" in bp.advice(bp.arm_table(position_result(bias_hurts)))


@pytest.mark.slow
def test_analyze_of_a_real_tiny_run():
    data = datasets.synthetic("mnist", n_train=300, n_test=100, seed=0)
    runs = []
    for a in bp.EXPERIMENT.arms:
        config = a.config.replace(dataset="synthetic-mnist", steps=6, eval_every=3, probe_every=6, probe_size=50)
        runs.append(
            {
                "arm": a.label,
                "seed": 0,
                "status": "done",
                "steps": 6,
                "config": config.to_dict(),
                "records": list(train(config, data)),
            }
        )
    r = result("bn-position", runs)
    sections = experiments.REGISTRY[r["experiment"]].legacy.analyze(r)
    assert sum(isinstance(b, Chart) for b in sections[0].blocks) == 1  # the dot plot
    assert sum(isinstance(b, Chart) for b in sections[1].blocks) == 2  # one accuracy panel per activation
    spec = sections[1].blocks[1].chart.to_dict()
    dashes = spec["layer"][1]["encoding"]["strokeDash"]["scale"]
    assert len(set(map(tuple, dashes["range"]))) == 3  # no BN and BN before: solid; with bias: dotted; after: dashed
    colors = spec["layer"][1]["encoding"]["color"]["scale"]
    assert dict(zip(colors["domain"], colors["range"]))["sigmoid: no BN"] == "#1f77b4"  # no BN's blue, as everywhere
    assert experiments.summary(r)["advice"]
    assert any("One seed" in v.text or "within the seed spread" in v.text for v in verdicts_of(sections))
