"""ICS findings on hand-made results: per layer and phase, seed by seed; seeds that disagree are mixed and named;
the early probes do not decide the late verdict; a short synthetic run through the real runner."""

import json

import pytest
from why_results import ics_result

from bnviz import experiments
from bnviz.experiments import ics_measured
from bnviz.experiments.ics_measured.findings import findings
from bnviz.runs.runner import run_experiment
from bnviz.views.sections import verdicts_of


def test_the_package_keeps_its_name_page_and_cache_key():
    exp = ics_measured.EXPERIMENT
    assert exp.name == "ics" and exp.page == "why" and "arXiv:1805.11604" in exp.claim
    assert exp.key() == "7d8146b2c4ab259e"  # the shipped result's: the arms and seeds did not change


def test_larger_shift_with_bn_in_every_seed_supports_santurkar():
    f = findings(ics_result(bn_less=False))
    assert [v.outcome for v in f.l2] == ["supports"] * 4  # two layers, early and late
    assert f.l2[0].claim.startswith("In layer 2, early in training (step 100)")
    assert "larger with BN at every seed, beyond the seed spread" in f.l2[0].evidence
    assert "seed 2: 0.102 with no BN against 0.306 with BN" in f.l2[0].evidence


def test_smaller_shift_with_bn_in_every_seed_contradicts_santurkar_and_says_so():
    f = findings(ics_result(bn_less=True, bn_cos=0.995))
    assert {v.outcome for v in f.l2} == {"contradicts"} and {v.outcome for v in f.cos} == {"contradicts"}
    assert "unlike Santurkar et al.'s VGG" in f.meaning


def test_seeds_that_disagree_late_make_the_late_verdicts_mixed_with_the_seeds_named():
    f = findings(ics_result(bn_less=False, late_mixed=True))
    early = [v for v in f.l2 if ", early in training" in v.claim]
    late = [v for v in f.l2 if ", late in training" in v.claim]
    assert {v.outcome for v in early} == {"supports"} and {v.outcome for v in late} == {"within_noise"}
    assert "mixed: larger with BN at seeds 0 and 2, smaller with BN at seed 1" in late[0].evidence
    assert "Late in training (steps 500 to 1,000) the seeds do not all agree" in f.meaning


def test_the_cosine_is_decided_on_how_far_the_direction_turned():
    f = findings(ics_result(bn_less=False, bn_cos=0.98))
    v = f.cos[0]
    assert v.outcome == "supports" and "cos 0.98000 with BN" in v.evidence and not v.knife_edge


def test_tables_and_charts_use_the_readers_names():
    f = findings(ics_result(bn_less=False))
    table = next(iter(f.tables.values()))
    assert {"‖G − G′‖₂", "cos ∠(G, G′)", "‖G − G′‖₂ / ‖G‖"} <= set(table.columns)
    assert set(table["arm"]) == {"no BN", "BN"} and set(table["layer"]) == {"layer 2", "layer 3"}
    sections = experiments.sections(f)
    assert sections[-1].title == "What this means" and sections[-1].answer == f.meaning
    assert "G′ the same layer's gradient once the layers below it" in sections[0].blocks[1].body  # G and G′ defined


def test_the_summary_is_json_with_the_probe_cost():
    s = experiments.summary(ics_result(bn_less=False))
    json.dumps(s, allow_nan=False)
    assert s["ics_probe_seconds"] == 0.7  # 66 records x 0.01 s
    assert {v["outcome"] for v in s["verdicts"]} >= {"supports"}


def test_no_ics_fields_gives_a_sentence_not_an_error():
    result = ics_result(bn_less=False)
    for r in result["runs"]:
        for rec in r["records"]:
            for k in [k for k in rec if "/ics_" in k]:
                rec.pop(k)
    f = findings(result)
    assert "no ICS probes" in f.verdicts[-1].text and f.meaning.startswith("This result has no ICS probes")
    assert experiments.sections(f)


@pytest.mark.slow
def test_a_short_synthetic_run_lands_in_the_cache_and_reads_back(tmp_path):
    from bnviz.runs import cache

    exp = experiments.resolve("ics", steps=20, seeds=[0, 1], synthetic=True)
    run_experiment(exp, cache_dir=tmp_path, command="test")
    result = cache.load_result(cache.result_path(tmp_path, "ics", exp.key()))
    f = experiments.findings(result)
    assert f.l2 and {v.outcome for v in f.l2} <= {"supports", "contradicts", "within_noise"}
    assert verdicts_of(experiments.sections(f)) and experiments.summary(result)["ics_probe_seconds"] > 0
