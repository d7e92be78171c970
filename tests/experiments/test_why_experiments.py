"""The "Why does BN work?" experiments: each analysis on hand-made results whose verdicts must come out
yes in one and no in the other, and one short synthetic run through the real runner."""

import json

import pytest
from why_results import depth_result, ics_result, landscape_result, lr_result, noisy_result

from bnviz import experiments
from bnviz.experiments import depth_sigmoid, ics_measured, loss_landscape, lr_depth, noisy_bn
from bnviz.runs.runner import run_experiment
from bnviz.views.legacy_sections import Section, verdicts_of


def by_question(sections, start):
    return next(v for v in verdicts_of(sections) if v.text.startswith(start))


# ----------------------------------------------------------------------------- noisy BN
def test_noisy_bn_that_moves_more_and_keeps_bns_lead_agrees_with_santurkar():
    sections = noisy_bn.analyze(noisy_result(noisy_keeps_lead=True, noisy_moves=True))
    assert all(isinstance(s, Section) for s in sections)
    kept = by_question(sections, "Does noisy BN train about as well as BN")
    assert kept.holds is True and "at step 100 (where BN's lead is largest)" in kept.text and "keeps 100%" in kept.text
    assert by_question(sections, "Does the noise make noisy BN's input").holds is True
    assert by_question(sections, "From one probe to the next").holds is True
    assert by_question(sections, "Does BN keep the distribution stiller").holds is True
    assert sections[-1].title == "What this means"
    assert sections[-1].blocks[0].body.startswith("As Santurkar et al. report")


def test_noisy_bn_that_loses_bns_lead_disagrees_with_santurkar():
    sections = noisy_bn.analyze(noisy_result(noisy_keeps_lead=False, noisy_moves=True))
    kept = by_question(sections, "Does noisy BN train about as well as BN")
    assert kept.holds is False and "keeps 3% of BN's lead" in kept.text  # (0.51 - 0.5) / (0.9 - 0.5)
    assert sections[-1].blocks[0].body.startswith("Unlike Santurkar et al.")


def test_noise_that_only_jitters_the_distribution_is_partly_as_reported():
    result = noisy_result(noisy_keeps_lead=True, noisy_moves=True)
    for r in result["runs"]:
        if r["config"]["norm"] == "noisy":  # ±0.3 around 0: less far from its start than no BN, but jumpier
            for i, rec in enumerate(r["records"]):
                rec["layer3/p50"] = -0.3 if i % 2 else 0.3
    sections = noisy_bn.analyze(result)
    assert by_question(sections, "Does the noise make noisy BN's input").holds is False
    assert by_question(sections, "From one probe to the next").holds is True
    meaning = sections[-1].blocks[0].body
    assert (
        meaning.startswith("Partly as Santurkar et al. report") and "from one probe to the next, though not" in meaning
    )


def test_noise_that_does_not_move_the_distribution_cannot_test_the_argument():
    sections = noisy_bn.analyze(noisy_result(noisy_keeps_lead=True, noisy_moves=False))
    assert by_question(sections, "Does the noise make noisy BN's input").holds is False
    assert by_question(sections, "From one probe to the next").holds is False
    assert "by either measure, so this run cannot test Santurkar et al.'s argument" in sections[-1].blocks[0].body


def test_a_bn_lead_inside_its_seed_spread_is_not_a_test():
    k = noisy_bn.Kept(step=500, none=0.90, bn=0.91, noisy=0.85, bn_spread=0.02)
    assert not k.testable and k.holds is None
    assert "no larger than the spread of its own seeds" in noisy_bn.kept_verdict(k, "x").text
    assert noisy_bn.Kept(500, 0.90, 0.95, 0.93, 0.01).holds is True  # keeps 60%
    assert noisy_bn.Kept(500, 0.90, 0.95, 0.91, 0.01).holds is False  # keeps 20%


def test_step_changes_use_the_regular_probe_interval_only():
    import pandas as pd

    d = pd.DataFrame({"step": [0, 1, 2, 5, 100, 200, 300], "p50": [0, 5, -5, 5, 1, 2, 4]})
    assert noisy_bn.step_changes(d) == pytest.approx((1 + 2) / 2)  # 100->200 and 200->300; 5->100 is shorter


# ----------------------------------------------------------------------------- learning rate, deeper network
def test_bn_tolerating_rates_where_no_bn_diverges_agrees_with_bjorck():
    sections = lr_depth.analyze(lr_result(no_bn_diverges_from=1.0, bn_at_small=0.955))
    small = by_question(sections, "At small rates")
    assert small.holds is True and "up to no BN's best, lr 0.003" in small.text
    larger = by_question(sections, "Does BN train at larger rates")
    assert larger.holds is True and "is 3 with BN and 0.3 without" in larger.text
    assert (
        "without BN a run first diverges at lr 1, with BN no run diverged" in by_question(sections, "Divergence").text
    )
    advantage = by_question(sections, "Does BN's advantage come from the larger rates")
    assert (
        advantage.holds is True
        and "BN is +0.50 points ahead" in advantage.text
        and "adds +2.50 points" in advantage.text
    )
    assert "most of its advantage came from those larger rates" in sections[-1].blocks[0].body
    assert "BN ends below 20% without diverging at lr 10, 30" in by_question(sections, "Divergence").text
    cells = lr_depth.cells(lr_result(1.0, 0.955))
    assert cells.set_index(["norm", "lr"]).loc[("none", 10.0), "diverged"] == 3


def test_bn_far_ahead_at_small_rates_and_no_larger_rate_disagrees_with_bjorck():
    result = lr_result(no_bn_diverges_from=None, bn_at_small=0.70)
    for r in result["runs"]:  # without BN it also trains at 1 and 3
        if r["config"]["norm"] == "none" and r["config"]["lr"] in (1.0, 3.0):
            r["records"][-1]["test/acc"] = 0.97
    sections = lr_depth.analyze(result)
    assert by_question(sections, "At small rates").holds is False
    assert by_question(sections, "Does BN train at larger rates").holds is False
    assert by_question(sections, "Does BN's advantage come from the larger rates").holds is False
    meaning = sections[-1].blocks[0].body
    assert meaning.startswith("Unlike Bjorck et al.'s report") and "BN did not train at larger rates" in meaning


def test_bn_that_tolerates_larger_rates_but_gains_nothing_from_them_says_so():
    result = lr_result(no_bn_diverges_from=1.0, bn_at_small=0.98)  # BN at 0.98 from the smallest rate on
    sections = lr_depth.analyze(result)
    assert by_question(sections, "Does BN train at larger rates").holds is True
    assert by_question(sections, "Does BN's advantage come from the larger rates").holds is False
    assert "but its advantage did not come from those larger rates" in sections[-1].blocks[0].body


def test_lr_depth_chart_marks_every_rate_where_a_seed_diverged():
    spec = lr_depth.analyze(lr_result(1.0, 0.955))[0].blocks[0].chart.to_dict()
    crosses = next(layer for layer in spec["layer"] if layer["mark"].get("shape") == "cross")
    data = spec["datasets"][crosses["data"]["name"]]
    assert sorted(d["lr"] for d in data) == [1.0, 3.0, 10.0, 30.0]


# ----------------------------------------------------------------------------- depth, sigmoids
def test_deep_sigmoids_learning_only_with_bn_agrees_with_the_paper():
    sections = depth_sigmoid.analyze(depth_result(no_bn_fails_from=6))
    head = by_question(sections, "As in the paper's sigmoid Inception")
    assert head.holds is True and "without BN it stops learning at depth 6" in head.text
    assert "BN before the sigmoid learns (mean final accuracy 90% or more) at every depth up to 20" in [
        v.text.split(":")[0] for v in verdicts_of(sections)
    ]
    assert sections[-1].blocks[0].body.startswith("As the paper reports")
    assert sections[-1].blocks[0].body.endswith("BN after the sigmoid learned at every depth too.")
    assert by_question(sections, "Is the paper's placement").holds is True  # both at 96%


def test_bn_after_the_sigmoid_ahead_at_every_depth_is_said_plainly():
    result = depth_result(no_bn_fails_from=6)
    for r in result["runs"]:
        if r["config"]["norm_position"] == "after":
            r["records"][-1]["test/acc"] = 0.98
    sections = depth_sigmoid.analyze(result)
    placement = by_question(sections, "Is the paper's placement")
    assert placement.holds is False and "depth 3: +2.00 points" in placement.text
    assert "the placement Section 3.2 argues for was not the better one" in sections[-1].blocks[0].body


def test_deep_sigmoids_learning_without_bn_disagrees_with_the_paper():
    sections = depth_sigmoid.analyze(depth_result(no_bn_fails_from=None, after_fails_from=10))
    assert by_question(sections, "As in the paper's sigmoid Inception").holds is False
    meaning = sections[-1].blocks[0].body
    assert meaning.startswith("Not as the paper's sigmoid Inception") and "from depth 10" in meaning
    assert depth_sigmoid.stops(
        depth_sigmoid.cells(depth_sigmoid.final_table(depth_result(None, 10))), "BN after the sigmoid"
    ) == (10, 10)


# ----------------------------------------------------------------------------- the registry and a real run
def test_why_experiments_are_on_the_why_page_only():
    why = experiments.on_page("why")
    assert why[:1] == ["noisy-bn"] and {"lr-depth", "depth-sigmoid"} <= set(why)
    assert experiments.on_page("experiments") == ["mnist-fig1", "cifar10-cnn", "lr-sweep"]
    for name in why:
        exp = experiments.get(name)
        assert "arXiv" in exp.claim and exp.seeds == (0, 1, 2)


def test_why_experiments_keep_their_shipped_sets_small():
    """Minutes of one core and files well under 2 MB: curves only where no probe is drawn."""
    assert experiments.get("lr-depth").keep == experiments.get("depth-sigmoid").keep
    assert all(not k.endswith("/") or k in ("test/", "time/") for k in experiments.get("noisy-bn").keep)
    assert len(experiments.get("lr-depth").runs()) == 54 and len(experiments.get("depth-sigmoid").runs()) == 36


@pytest.mark.slow
def test_a_short_synthetic_noisy_bn_run_stores_the_probes_it_draws(tmp_path):
    exp = experiments.resolve("noisy-bn", steps=20, seeds=[0], synthetic=True)
    result = run_experiment(exp, cache_dir=tmp_path, command="test")
    fields = set().union(*(r.keys() for run in result["runs"] for r in run["records"]))
    assert {"layer3/p50", "layer3/hist", "test/acc"} <= fields
    assert not [f for f in fields if "/eval/" in f or "x_hat" in f or f.endswith("/mean")]
    sections = experiments.REGISTRY[result["experiment"]].legacy.analyze(result)
    assert [s.title for s in sections][-1] == "What this means"
    assert any(v.text.startswith("These runs used synthetic data") for v in verdicts_of(sections))
    json.dumps(experiments.summary(result), allow_nan=False)


# ----------------------------------------------------------------------------- ICS and the landscape
def test_ics_smaller_with_bn_in_every_layer_disagrees_with_santurkar():
    sections = ics_measured.analyze(ics_result(bn_less=True, bn_cos=0.995))
    found = [v for v in verdicts_of(sections) if "does BN reduce ICS here" in v.text]
    assert [v.holds for v in found] == [True, True] and found[0].text.startswith("layer2")
    assert "0.333x" not in found[0].text and "(0.33x)" in found[0].text
    assert sections[-1].blocks[0].body.startswith("Unlike Santurkar et al.'s VGG")
    cost = ics_measured.summarize(ics_result(True))
    assert cost["ics_probe_seconds"] == 0.4  # 44 records x 0.01 s
    assert cost["ics_probe_share_of_run_time"] == 0.011  # of 4 runs x 10 s


def test_ics_larger_with_bn_agrees_with_santurkar():
    sections = ics_measured.analyze(ics_result(bn_less=False))
    assert [v.holds for v in verdicts_of(sections) if "does BN reduce ICS" in v.text] == [False, False]
    assert sections[-1].blocks[0].body.startswith("As Santurkar et al. report")


def test_ics_larger_with_bn_but_better_aligned_says_it_depends_on_the_measure():
    result = ics_result(bn_less=False)
    for r in result["runs"]:
        if r["config"]["norm"] == "bnviz":
            for rec in r["records"]:
                rec["layer2/ics_cos"] = rec["layer3/ics_cos"] = 0.999
    sections = ics_measured.analyze(result)
    assert [v.holds for v in verdicts_of(sections) if "direction change less" in v.text] == [True, True]
    meaning = sections[-1].blocks[0].body
    assert meaning.startswith("The answer depends on the measure") and "in 0 of the 2 layers" in meaning
    assert "here that holds for ‖G − G'‖₂ but not for the direction" in meaning


def test_a_landscape_smoother_with_bn_throughout_agrees_with_santurkar():
    sections = loss_landscape.analyze(landscape_result(bn_smoother_late_only=False))
    found = [v for v in verdicts_of(sections) if "is the BN network smoother?" in v.text]
    assert len(found) == 6 and all(v.holds for v in found) and "no BN / BN = 2.00x" in found[0].text
    assert "2 without BN, 0 with BN" in by_question(sections, "Probes where the loss blew up").text
    assert sections[-1].blocks[0].body.startswith("As Santurkar et al. report for VGG")


def test_a_landscape_rougher_with_bn_early_is_only_partly_as_reported():
    sections = loss_landscape.analyze(landscape_result(bn_smoother_late_only=True))
    found = {v.text.split(":")[0]: v.holds for v in verdicts_of(sections) if "is the BN network smoother?" in v.text}
    assert [h for k, h in found.items() if ", early" in k] == [False] * 3
    assert [h for k, h in found.items() if ", late" in k] == [True] * 3
    assert (
        sections[-1]
        .blocks[0]
        .body.startswith("Partly as Santurkar et al. report: the BN network was smoother in 3 of 6")
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ics", "landscape"])
def test_a_short_synthetic_probe_run_lands_in_the_cache_and_reads_back(tmp_path, name):
    """Through the real runner and the cache's schema check: every field the probes add is a number."""
    from bnviz.runs import cache

    exp = experiments.resolve(name, steps=20, seeds=[0], synthetic=True)
    run_experiment(exp, cache_dir=tmp_path, command="test")
    result = cache.load_result(cache.result_path(tmp_path, name, exp.key()))
    tested = [
        v for v in verdicts_of(experiments.REGISTRY[result["experiment"]].legacy.analyze(result)) if v.holds is not None
    ]
    assert tested and experiments.summary(result)[f"{name}_probe_seconds"] > 0
