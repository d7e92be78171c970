"""lr-depth findings on hand-made results: each small rate against the 2-point line with its margin (a gap a hair
past the line is a knife edge), BN training at larger rates, where its advantage comes from (seed by seed), how a
network that did not learn failed, and the note that Bjorck et al. compare fully trained networks."""

import json

from why_results import lr_result

from bnviz import experiments
from bnviz.experiments import lr_depth
from bnviz.experiments.lr_depth.findings import findings


def claim(f, start):
    return next(v for v in f.verdicts if v.claim.startswith(start))


def test_the_package_keeps_its_name_page_and_cache_key():
    assert lr_depth.EXPERIMENT.name == "lr-depth" and lr_depth.EXPERIMENT.key() == "e8be5509c6f89c88"


def test_bn_tolerating_rates_where_no_bn_diverges_agrees_with_bjorck():
    f = findings(lr_result(no_bn_diverges_from=1.0, bn_at_small=0.955))
    small = claim(f, "At small learning rates")
    assert small.outcome == "supports" and "up to no BN's best, lr 0.003" in small.claim
    larger = claim(f, "BN lets the network train at larger rates")
    assert larger.outcome == "supports" and "with BN at lr 0.003 to 3, without BN at lr 0.003 to 0.3" in larger.evidence
    source = claim(f, "BN's advantage comes from the larger rates")
    assert source.outcome == "supports" and "more from the larger rate at every seed" in source.evidence
    fates = claim(f, "Where a network did not learn")
    assert "no BN lr 1: 3 diverged" in fates.text and "BN lr 10: 3 stalled at chance" in fates.text
    assert "in every seed most of its advantage came from those larger rates" in f.meaning


def test_bn_far_behind_at_small_rates_and_no_larger_rate_disagrees_with_bjorck():
    result = lr_result(no_bn_diverges_from=None, bn_at_small=0.70)
    for r in result["runs"]:  # without BN it also trains at 1 and 3
        if r["config"]["norm"] == "none" and r["config"]["lr"] in (1.0, 3.0):
            r["records"][-1]["test/acc"] = 0.97
    f = findings(result)
    assert claim(f, "At small learning rates").outcome == "contradicts"
    assert claim(f, "BN lets the network train at larger rates").outcome == "contradicts"
    assert f.meaning.startswith("Unlike Bjorck et al.'s report") and "BN did not train at larger rates" in f.meaning


def test_a_gap_a_hair_past_the_two_point_line_is_a_knife_edge_with_its_margin():
    result = lr_result(no_bn_diverges_from=1.0, bn_at_small=0.955)
    for r in result["runs"]:  # no BN best at lr 0.3 (95.10%), BN 2.02 points ahead of it there
        if r["config"]["lr"] == 0.3:
            r["records"][-1]["test/acc"] = 0.9712 if r["config"]["norm"] == "bnviz" else 0.951
    f = findings(result)
    at = claim(f, "At lr 0.3 the networks")
    assert at.outcome == "contradicts" and at.knife_edge and at.margin < 0 and at.scale == 2
    assert "A knife edge: the deciding margin, -0.02 points, is within 5% of 2 points" in at.text
    small = claim(f, "At small learning rates")
    assert "at lr 0.3 the gap is within 5% of the line, so that count is a knife edge" in small.evidence


def test_the_bjorck_note_says_what_2000_steps_measure_and_the_summary_is_json():
    f = findings(lr_result(1.0, 0.955))
    note = claim(f, "Bjorck et al. compare networks trained to the end")
    assert note.outcome == "context" and "optimization speed" in note.text and "Section 2, Figure 1" in note.text
    table = next(iter(f.tables.values()))
    assert set(table["arm"]) == {"no BN", "BN"} and set(table["every seed learns"]) <= {"yes", "no"}
    json.dumps(experiments.summary(lr_result(1.0, 0.955)), allow_nan=False)


def test_the_chart_marks_every_rate_where_a_seed_diverged():
    spec = experiments.sections(findings(lr_result(1.0, 0.955)))[0].blocks[0].chart.to_dict()
    crosses = next(layer for layer in spec["layer"] if layer["mark"].get("shape") == "cross")
    data = spec["datasets"][crosses["data"]["name"]]
    assert sorted(d["lr"] for d in data) == [1.0, 3.0, 10.0, 30.0]
