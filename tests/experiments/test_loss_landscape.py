"""Landscape findings on hand-made results: the rise above L(θ) (overshoot) decides "the loss varies less", not
the range max − min, which counts progress too; per seed, early and late; an old result without the losses says so."""

import json

import pytest
from why_results import landscape_result

from bnviz import experiments
from bnviz.experiments import loss_landscape
from bnviz.experiments.loss_landscape.findings import findings, landscape_table
from bnviz.runs.runner import run_experiment


def test_the_package_keeps_its_name_page_and_cache_key():
    exp = loss_landscape.EXPERIMENT
    assert exp.name == "landscape" and exp.page == "why" and exp.key() == "e3b641f4a3c624dd"


def test_a_larger_range_that_is_all_progress_is_not_read_as_roughness():
    """BN's loss only drops along −g (range 0.3); no BN's rises 0.2 above L(θ) (range 0.3 with its 0.1 drop)."""
    result = landscape_result(bn_smoother_late_only=False)
    t = landscape_table(result)
    bn, plain = t[t["norm"] == "bnviz"].iloc[1], t[t["norm"] == "none"].iloc[1]
    assert bn["loss_range"] == pytest.approx(0.3) and bn["rise"] == 0 and bn["drop"] == pytest.approx(0.3)
    assert plain["rise"] == pytest.approx(0.2) and plain["drop"] == pytest.approx(0.1) and plain["overshoot"] == 1
    f = findings(result)
    rises = [v for v in f.along if v.outcome != "context"]
    assert [v.outcome for v in rises] == ["supports", "supports"]  # early and late, every seed
    assert "mean rise per probe, seed 0: 0 nats with BN against 0.2 nats with no BN" in rises[0].evidence
    assert "share of probes where the loss rose above L(θ), seed by seed: BN 0%, 0% and 0%" in rises[0].evidence
    drop = next(v for v in f.along if v.outcome == "context")
    assert "counts this drop as variation" in drop.text and "BN 0.3, 0.3 and 0.3 nats" in drop.text
    assert f.meaning.startswith("As Santurkar et al. report for VGG, in every seed, early and late in training")


def test_rougher_early_is_only_partly_as_reported_and_names_the_phase():
    f = findings(landscape_result(bn_smoother_late_only=True))
    early = [v for v in f.gradient if v.claim.startswith("Early")]
    late = [v for v in f.gradient if v.claim.startswith("Late")]
    assert {v.outcome for v in early} == {"contradicts"} and {v.outcome for v in late} == {"supports"}
    assert f.meaning.startswith("Partly as Santurkar et al. report: 4 of 6 comparisons")
    assert "a more predictive gradient is contradicted early" in f.meaning


def test_a_result_recorded_before_the_losses_were_kept_says_it_cannot_tell_rise_from_drop():
    f = findings(landscape_result(bn_smoother_late_only=False, with_losses=False))
    assert not f.has_losses and any("cannot be told from a drop" in v.text for v in f.along)
    assert f.meaning.startswith("Without the losses along the gradient this result cannot read")
    assert experiments.sections(f)[0].answer.startswith("This result cannot tell a rise")


def test_blown_up_probes_are_counted_and_the_summary_is_json():
    f = findings(landscape_result(bn_smoother_late_only=False))
    assert "3 with no BN, 0 with BN" in next(v.text for v in f.verdicts if v.text.startswith("Probes where"))
    json.dumps(experiments.summary(landscape_result(False)), allow_nan=False)


def test_the_phase_table_uses_the_readers_names():
    table = next(iter(findings(landscape_result(False)).tables.values()))
    assert {"mean rise above L(θ)", "drop of L(θ − ηg) below L(θ)", "effective β-smoothness"} <= set(table.columns)
    assert set(table["arm"]) == {"no BN", "BN"}


@pytest.mark.slow
def test_a_short_synthetic_run_records_the_losses_along_the_gradient(tmp_path):
    from bnviz.runs import cache

    exp = experiments.resolve("landscape", steps=20, seeds=[0, 1], synthetic=True)
    run_experiment(exp, cache_dir=tmp_path, command="test")
    result = cache.load_result(cache.result_path(tmp_path, "landscape", exp.key()))
    record = next(r for r in result["runs"][0]["records"] if "landscape/losses" in r)
    assert len(record["landscape/losses"]) == len(record["landscape/step_sizes"]) == 8
    f = experiments.findings(result)
    assert f.has_losses and any(v.outcome != "context" for v in f.along)
    assert experiments.summary(result)["landscape_probe_seconds"] > 0
