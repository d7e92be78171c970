"""Noisy-BN findings on hand-made results: what noisy BN keeps of BN's lead, seed by seed, with a knife edge when a
seed barely keeps half; how far the distributions moved, seed by seed; a short synthetic run."""

import json

import pandas as pd
import pytest
from why_results import noisy_result

from bnviz import experiments
from bnviz.experiments import noisy_bn
from bnviz.experiments.noisy_bn.distributions import step_changes
from bnviz.experiments.noisy_bn.findings import Kept, findings, kept_verdict
from bnviz.runs.runner import run_experiment


def claim(f, start):
    return next(v for v in f.verdicts if v.claim.startswith(start))


def test_the_package_keeps_its_name_page_and_cache_key():
    assert noisy_bn.EXPERIMENT.name == "noisy-bn" and noisy_bn.EXPERIMENT.key() == "d17f128160b0e87e"


def test_noise_that_moves_the_inputs_and_keeps_bns_lead_agrees_with_santurkar():
    f = findings(noisy_result(noisy_keeps_lead=True, noisy_moves=True))
    kept = claim(f, "Noisy BN trains about as well as BN: at step 100")
    assert kept.outcome == "supports" and "(where BN's lead is largest)" in kept.claim
    assert "noisy BN keeps 100% and 100% of BN's lead (seeds 0 and 1)" in kept.evidence
    assert [v.outcome for v in f.moved] == ["supports"] * 3  # farther and jumpier with noise; stiller with BN
    assert f.meaning.startswith("As Santurkar et al. report") and "by both measures" in f.meaning


def test_noise_that_only_jitters_the_distribution_is_partly_as_reported():
    result = noisy_result(noisy_keeps_lead=True, noisy_moves=True)
    for r in result["runs"]:
        if r["config"]["norm"] == "noisy":  # ±0.3 around 0: less far from its start than no BN, but jumpier
            for i, rec in enumerate(r["records"]):
                rec["layer3/p50"] = -0.3 if i % 2 else 0.3
    f = findings(result)
    assert [v.outcome for v in f.moved[:2]] == ["contradicts", "supports"]
    assert f.meaning.startswith("Partly as Santurkar et al. report")
    assert "from one probe to the next in every seed, though not by Figure 1(b,c)'s measure" in f.meaning


def test_noise_that_loses_bns_lead_in_every_seed_disagrees_with_santurkar():
    f = findings(noisy_result(noisy_keeps_lead=False, noisy_moves=True))
    kept = claim(f, "Noisy BN trains about as well as BN: at step 100")
    assert kept.outcome == "contradicts" and "keeps 3% and 3% of BN's lead" in kept.evidence
    assert "Unlike Santurkar et al." in f.meaning


def test_noise_that_does_not_move_the_distribution_cannot_test_the_argument():
    f = findings(noisy_result(noisy_keeps_lead=True, noisy_moves=False))
    assert f.moved[0].outcome != "supports" and f.moved[1].outcome != "supports"
    assert "so this run cannot test Santurkar et al.'s argument" in f.meaning


def test_a_seed_that_barely_keeps_half_makes_a_knife_edge_and_seeds_that_split_are_mixed():
    acc = {"none": {0: 0.90, 1: 0.90}, "bnviz": {0: 0.95, 1: 0.95}, "noisy": {0: 0.93, 1: 0.926}}
    v = kept_verdict(Kept(500, acc), "x")
    assert v.outcome == "supports" and v.knife_edge and "52%" in v.evidence  # seed 1 keeps 52%, 2 points over half
    split = {**acc, "noisy": {0: 0.94, 1: 0.91}}
    assert kept_verdict(Kept(500, split), "x").outcome == "within_noise"


def test_a_bn_lead_inside_its_seed_spread_is_not_a_test():
    acc = {"none": {0: 0.90, 1: 0.93}, "bnviz": {0: 0.91, 1: 0.95}, "noisy": {0: 0.85, 1: 0.85}}
    v = kept_verdict(Kept(500, acc), "x")
    assert v.outcome == "context" and "within the seed spread" in v.text


def test_step_changes_use_the_regular_probe_interval_only():
    d = pd.DataFrame({"step": [0, 1, 2, 5, 100, 200, 300], "p50": [0, 5, -5, 5, 1, 2, 4]})
    assert step_changes(d) == pytest.approx((1 + 2) / 2)  # 100->200 and 200->300; 5->100 is shorter


def test_sections_show_the_readers_names_and_the_summary_is_json():
    result = noisy_result(True, True)
    f = findings(result)
    sections = experiments.sections(f)
    assert [s.title for s in sections][-1] == "What this means" and sections[-1].answer == f.meaning
    assert "Santurkar et al.'s Figure 2" in sections[1].title and "unit 0 of layer 3" in f.moved[0].claim
    json.dumps(experiments.summary(result), allow_nan=False)


@pytest.mark.slow
def test_a_short_synthetic_run_stores_the_probes_it_draws(tmp_path):
    exp = experiments.resolve("noisy-bn", steps=20, seeds=[0], synthetic=True)
    result = run_experiment(exp, cache_dir=tmp_path, command="test")
    fields = set().union(*(r.keys() for run in result["runs"] for r in run["records"]))
    assert {"layer3/p50", "layer3/hist", "test/acc"} <= fields
    assert not [f for f in fields if "/eval/" in f or "x_hat" in f or f.endswith("/mean")]
    f = experiments.findings(result)
    assert experiments.sections(f)[-1].title == "What this means"
    assert f.verdicts[0].text.startswith("These runs used synthetic data")
    json.dumps(experiments.summary(result), allow_nan=False)
