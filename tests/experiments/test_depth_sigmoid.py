"""depth-sigmoid findings on hand-made results: each placement at its best learning rate, the paper's claim and
the placement decided seed by seed, each placement's stable range, and a note that saturation is not measured."""

import json

from why_results import depth_result

from bnviz import experiments
from bnviz.experiments import depth_sigmoid
from bnviz.experiments.depth_sigmoid.findings import findings


def claim(f, start):
    return next(v for v in f.verdicts if v.claim.startswith(start))


def test_each_placement_runs_over_the_learning_rate_grid():
    exp = depth_sigmoid.EXPERIMENT
    assert set(depth_sigmoid.RATES) >= {0.1, 0.3, 0.9, 3.0, 9.0} and len(exp.runs()) == 3 * 4 * 5 * 3
    assert {a.config.lr for a in exp.arms} == set(depth_sigmoid.RATES) and "Section 4.2.2" in exp.claim


def test_deep_sigmoids_learning_only_with_bn_at_every_rate_agree_with_the_paper():
    f = findings(depth_result(no_bn_fails_from=6))
    head = claim(f, "As with the paper's sigmoid Inception (Section 4.2.2)")
    assert head.outcome == "supports" and "without normalization no rate learns at depths 6, 10 and 20" in head.evidence
    assert f.meaning.startswith("As the paper reports for its sigmoid Inception")


def test_bn_after_the_sigmoid_better_at_its_best_rate_in_every_seed_is_said_plainly():
    f = findings(depth_result(no_bn_fails_from=6, after_acc=0.97))
    at3 = claim(f, "At depth 3, the paper's placement")
    assert at3.outcome == "contradicts" and "before − after -2.00 points" in at3.evidence
    assert "after (lr 0.1)" in at3.evidence and "better after at every seed, beyond the seed spread" in at3.evidence
    assert "BN after the sigmoid was better in every seed at depths 3, 6, 10 and 20" in f.meaning


def test_placements_within_the_seed_spread_are_not_called_either_way():
    f = findings(depth_result(no_bn_fails_from=6, after_acc=0.951))
    assert claim(f, "At depth 3, the paper's placement").outcome == "within_noise"


def test_the_stable_range_shows_bn_before_training_where_bn_after_diverges():
    f = findings(depth_result(no_bn_fails_from=6))
    r = claim(f, "At depth 3, BN before the sigmoid trains at larger rates")
    assert r.outcome == "supports"
    assert "BN before the sigmoid: lr 0.1 to 9; BN after the sigmoid: lr 0.1 to 0.9" in r.evidence
    status = f.tables["Stable rates"]
    plain = status[status["placement"] == "no normalization"].set_index("depth")
    assert (
        plain.at[3, "every seed learns at"] == "lr 0.1 to 0.9" and plain.at[6, "at its best rate"] == "does not learn"
    )
    fates = f.cells[(f.cells["placement"] == "no normalization") & (f.cells["lr"] == 3.0)]["outcomes"]
    assert set(fates) == {"3 loss exploded"}  # far above chance: not "stuck at chance"


def test_deep_sigmoids_learning_without_bn_disagree_with_the_paper():
    f = findings(depth_result(no_bn_fails_from=None, after_fails_from=10))
    assert claim(f, "As with the paper's sigmoid Inception").outcome == "contradicts"
    assert f.meaning.startswith("Not as the paper's sigmoid Inception")


def test_the_claim_cites_the_right_sections_and_saturation_is_said_to_be_unmeasured():
    exp = depth_sigmoid.EXPERIMENT
    assert "Sections 1 and 3.3" in exp.claim and "4.2.1" not in exp.claim and "3.4" not in exp.claim
    f = findings(depth_result(6))
    assert any(
        "Saturation, the paper's reason (Sections 1 and 3.3), is not measured here" in v.text for v in f.verdicts
    )


def test_sections_draw_and_the_summary_is_json():
    result = depth_result(6)
    sections = experiments.sections(findings(result))
    for s in sections:
        for b in s.blocks:
            if hasattr(b, "chart"):
                b.chart.to_dict()
    assert sections[-1].title == "What this means"
    json.dumps(experiments.summary(result), allow_nan=False)


def test_a_result_with_one_rate_says_so_and_claims_no_stable_range():
    result = depth_result(6)
    result["runs"] = [r for r in result["runs"] if r["config"]["lr"] == 0.3]
    f = findings(result)
    assert f.verdicts[1].text.startswith("This result ran one learning rate, 0.3") and not f.ranges
