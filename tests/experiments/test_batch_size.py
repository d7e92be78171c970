"""BN in practice, batch size: claims whose outcomes follow the numbers, in the MLP and the like-for-like CNN;
BN over two examples computed; Batch Renorm's bounds; Ghost BN's source; a real tiny run."""

import dataclasses
import json

import pytest
from practice_results import batch_result, result, small_batch_trouble

from bnviz import data as datasets
from bnviz import experiments
from bnviz.experiments import batch_size as bs
from bnviz.experiments.batch_size.cells import pair_shares, two_examples
from bnviz.experiments.batch_size.findings import findings
from bnviz.norms import GHOST_BATCH
from bnviz.train.config import TrainConfig
from bnviz.train.trainer import train
from bnviz.views.sections import Chart, Details, Table, Toggle


def claim(f, start):
    return next(v for v in f.verdicts if v.claim.startswith(start))


def test_every_run_of_a_network_sees_the_same_examples_at_a_rate_proportional_to_its_batch():
    for model in bs.MODELS:
        arms = [a.config for a in bs.EXPERIMENT.arms if a.config.model == model]
        seen = {c.steps * c.batch_size for c in arms}
        assert max(seen) <= bs.EXAMPLES[model] and min(seen) > bs.EXAMPLES[model] - max(bs.SIZES)
        assert [c.lr / c.batch_size for c in arms] == pytest.approx([bs.LR_PER_EXAMPLE[model]] * len(arms))
        assert {c.batch_size for c in arms} == set(bs.SIZES)
    ghost = [a.config.batch_size for a in bs.EXPERIMENT.arms if a.config.norm == "ghost"]
    assert ghost and min(ghost) > GHOST_BATCH


def test_the_cnn_arms_are_like_for_like_and_batch_renorm_ramps_within_each_run():
    cnn = [a.config for a in bs.EXPERIMENT.arms if a.config.model == "mnist-cnn"]
    assert {c.norm for c in cnn} == {"none", "bnviz", "group", "layer", "renorm"}
    assert all(c.channels == (8, 16) and c.dataset == "mnist" for c in cnn)
    assert all(c.norm_groups == 4 for c in cnn if c.norm == "group")
    renorm = [a.config for a in bs.EXPERIMENT.arms if a.config.norm == "renorm"]
    assert renorm and all(c.renorm_warmup == (0.1, 0.5) for c in renorm)


def test_bn_over_two_examples_is_plus_or_minus_one_computed_not_stated():
    pair = two_examples()
    assert (pair["x̂₁"] + pair["x̂₂"]).abs().max() < 1e-12  # x̂₂ = −x̂₁
    assert ((pair["x̂₁"].abs() - 1).abs() < 1e-4).all()  # ±1 up to ε
    assert ((pair["x̂₁"] > 0) == (pair["x₁"] > pair["x₂"])).all()  # the sign of x₁ − x₂, nothing more
    shares = pair_shares()
    assert shares["mlp"] == 1.0 and shares["mnist-cnn"] < 0.01


def test_bn_falls_behind_at_small_batches_in_each_network_by_meaning():
    f = findings(batch_result(small_batch_trouble))
    mlp = claim(f, "In the MLP, BN falls behind the best normalization at small batches")
    assert mlp.outcome == "supports" and "batch 2 and 4" in mlp.evidence
    assert "batch 2: BN 40.10% (40.00–40.20), best no BN 95.10% (95.00–95.20)" in mlp.evidence
    cnn = claim(f, "In the CNN, BN falls behind")
    assert cnn.outcome == "supports" and f.lost == {"mlp": [2, 4], "mnist-cnn": [2, 4]}


def test_bn_level_everywhere_contradicts_the_claim_and_a_gap_inside_the_spread_is_within_noise():
    level = findings(batch_result(lambda m, n, s, seed: 0.95 + seed / 1000))
    assert claim(level, "In the MLP, BN falls behind").outcome == "within_noise"
    assert "no reason to replace it" in level.meaning

    def bn_best(model, norm, size, seed):
        return 0.96 + seed / 1000 if norm == "bnviz" else 0.95 + seed / 1000

    assert claim(findings(batch_result(bn_best)), "In the MLP, BN falls behind").outcome == "contradicts"

    def overlap(model, norm, size, seed):
        return 0.94 + seed / 100 - (0.01 if norm == "bnviz" and size == 2 else 0)

    assert claim(findings(batch_result(overlap)), "In the MLP, BN falls behind").outcome == "within_noise"


def test_which_alternatives_keep_level_and_the_advice_names_only_those():
    f = findings(batch_result(small_batch_trouble))
    assert claim(f, "In the MLP, LN keeps level").outcome == "supports"
    assert claim(f, "In the MLP, GN keeps level").outcome == "supports"
    assert claim(f, "In the MLP, BRN keeps level").outcome == "contradicts"
    assert f.meaning.startswith("In the MLP, BN fell behind at batch 2 and 4; no BN, LN and GN kept level there")
    assert "BRN" not in f.meaning.split("In the CNN")[0] and "from batch 8 up BN was level" in f.meaning


def test_wu_and_he_are_checked_in_the_cnn_with_their_own_numbers():
    f = findings(batch_result(small_batch_trouble))
    gn = claim(f, "In the CNN, GN ends above BN at batch 2")
    assert (
        gn.outcome == "supports" and "GN 24.1% against BN 34.7%" in gn.claim and "arxiv.org/abs/1803.08494" in gn.claim
    )
    four = claim(f, "At batch 4, Batch Renorm ends above BN and GN above Batch Renorm")
    assert four.outcome == "supports" and "BR 26.3%, BN 27.3%, GN 24.2%; BN at batch 32: 23.6%" in four.claim
    assert not any("57.1 points" in v.text or "by far more" in v.text for v in f.verdicts)
    note = claim(f, "The MLP's batch 2 is not Wu & He's")
    assert note.outcome == "context" and "2.10–2.12 nats" in note.claim


def test_batch_renorm_recovery_its_bounds_and_ghost_bn_with_its_source():
    f = findings(batch_result(small_batch_trouble))
    ioffe = claim(f, "In the MLP, Batch Renorm recovers most of what BN loses")
    # BN loses 95.1 − 40.1 = 55 points at batch 2 and 4; Batch Renorm's 80.1% wins back 40/55 = 73% of them
    assert (
        ioffe.outcome == "supports"
        and "at batch 2 BN loses 55.0 points and Batch Renorm (80.10% (80.00–80.20)) wins back 73%" in ioffe.evidence
    )
    bounds = claim(f, "Batch Renorm's correction bounds in the MLP")
    assert "every run reached r_max 3.00, d_max 5.00" in bounds.claim and "first 10% of the steps" in bounds.claim
    assert "from 50% on" in bounds.claim
    hoffer = claim(f, "Ghost BN was proposed for large-batch training")
    assert "arXiv:1705.08741" in hoffer.claim and "Hoffer, Hubara & Soudry 2017" in hoffer.claim


def test_sections_draw_each_network_and_name_columns_for_readers():
    r = batch_result(small_batch_trouble)
    f = findings(r)
    json.dumps(experiments.summary(r))  # the CLI prints it: plain JSON, no numpy values
    sections = experiments.sections(f)
    titles = [s.title for s in sections]
    assert titles[:3] == [
        "BN over two examples: x̂ = ±1",
        "The MLP: final test accuracy against batch size",
        "Like for like: a CNN, where BN averages over N·H·W",
    ]
    assert titles[-1] == "What to do in your own code"
    mlp = sections[1]
    toggle = next(b for b in mlp.blocks if isinstance(b, Toggle))
    assert isinstance(toggle.on[0], Chart) and "normalization" in toggle.on[0].csv.columns
    (details,) = [b for b in mlp.blocks if isinstance(b, Details)]
    table = next(b for b in details.blocks if isinstance(b, Table)).df
    assert list(table["batch size"]) == list(bs.SIZES) and list(table["GBN"])[:4] == ["= BN"] * 4
    assert table["BN"].iloc[0] == "40.10 (0.20)"
    assert "40.10% (40.00–40.20)" in mlp.answer


@pytest.mark.slow
def test_findings_and_summary_of_a_real_tiny_run():
    """Real training on synthetic data: two sizes, every norm of both networks, one seed, a few steps each."""
    data = datasets.synthetic("mnist", n_train=300, n_test=100, seed=0)
    runs = []
    for a in bs.EXPERIMENT.arms:
        if a.config.batch_size not in (4, 32):
            continue
        config = a.config.replace(dataset="synthetic-mnist", steps=6, eval_every=3, probe_every=6, probe_size=50)
        records = list(train(config, data))
        runs.append(
            {"arm": a.label, "seed": 0, "status": "done", "steps": 6, "config": config.to_dict(), "records": records}
        )
    r = result("batch-size", runs)
    sections = experiments.sections(experiments.findings(r))
    assert sections[1].title.startswith("The MLP") and any(s.title.startswith("Like for like") for s in sections)
    summary = experiments.summary(r)
    assert set(summary["final_test_acc_by_batch"]["MLP"]) >= {"BN, batch 4", "GBN, batch 32", "no BN, batch 32"}
    assert "CNN" in summary["final_test_acc_by_batch"] and summary["meaning"]


def test_the_experiment_resolves_for_the_cli_on_synthetic_data():
    exp = experiments.resolve("batch-size", steps=6, seeds=[0], synthetic=True)
    assert {a.config.dataset for a in exp.arms} == {"synthetic-mnist"}
    assert exp.key() != bs.EXPERIMENT.key()
    assert dataclasses.replace(exp, arms=exp.arms[:2]).runs()[0][2] == TrainConfig.from_dict(
        exp.arms[0].config.replace(seed=0).to_dict()
    )
