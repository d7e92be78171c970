"""BN in practice, where BN goes: placements over the rate grid, best against best, stable ranges, the redundant
bias seed by seed, verdicts by meaning; and a real tiny run."""

import json

import pytest
from practice_results import after_ahead_before_wider, position_result, result

from bnviz import data as datasets
from bnviz import experiments
from bnviz.experiments import bn_position as bp
from bnviz.experiments.bn_position.findings import findings
from bnviz.train.models import model_for
from bnviz.train.trainer import train
from bnviz.views.sections import Chart, Columns, Metrics, Table, verdicts_of


def claim(f, start):
    return next(v for v in f.verdicts if v.claim.startswith(start))


def test_every_placement_trains_over_the_grid_and_the_bias_at_the_paper_s_rate():
    cells = {
        (a.config.activation, bp.kind(a.config.norm, a.config.norm_position, a.config.bias), a.config.lr)
        for a in bp.EXPERIMENT.arms
    }
    assert {(g, k, lr) for g in bp.ACTIVATIONS for k in bp.KINDS for lr in bp.LRS} <= cells
    assert {c for c in cells if c[1] == "before+bias"} == {(g, "before+bias", 0.3) for g in bp.ACTIVATIONS}
    assert {0.1, 0.3, 0.9, 3.0, 9.0} <= set(bp.LRS)
    for a in bp.EXPERIMENT.arms:
        has_bias = model_for(a.config).linears[0].bias is not None
        assert has_bias == (bp.kind(a.config.norm, a.config.norm_position, a.config.bias) != "before"), a.label


def test_best_rate_against_best_rate_not_one_rate():
    f = findings(position_result(after_ahead_before_wider))
    v = claim(f, "BN after the sigmoid ends above BN before it, each at its best learning rate")
    # after's best is 0.9 (96.8%), before's best is 3 (96.2%): +0.60 points, beyond the spread of 0.2 points
    assert v.outcome == "supports" and "after: 96.90% (96.80–97.00) at lr 0.9" in v.evidence
    assert "before: 96.30% (96.20–96.40) at lr 3" in v.evidence and "+0.60 points" in v.evidence
    relu = claim(f, "BN after the relu ends above")
    assert relu.outcome == "within_noise"


def test_the_stable_range_shows_before_training_where_after_diverges():
    f = findings(position_result(after_ahead_before_wider))
    v = claim(f, "BN before the sigmoid trains at learning rates where BN after it does not")
    assert v.outcome == "supports"
    assert "BN before trains (every seed) at lr 0.1 to 9, BN after at lr 0.1 to 0.9 (not 3 or 9)" in v.evidence
    assert "lr 3: diverged; lr 9: diverged" in v.evidence
    assert claim(f, "BN before the relu trains at learning rates").outcome == "contradicts"  # both train everywhere
    # no BN's loss explodes at lr 9 though finite: that is divergence, not a stall
    none = claim(f, "With BN before the sigmoid the network trains at higher learning rates than without BN")
    assert none.outcome == "supports" and "lr 9: exploded" in none.evidence


def test_the_redundant_bias_is_judged_seed_by_seed_and_can_fail():
    f = findings(position_result(after_ahead_before_wider))
    v = claim(f, "With sigmoid units the bias before BN changes nothing")
    assert v.outcome == "supports" and "seed 0: +0.05, seed 1: +0.05, seed 2: +0.05 points" in v.evidence
    assert list(f.bias["activation"]) == ["sigmoid"] * 3 + ["relu"] * 3

    def bias_hurts(g, k, lr, seed):
        hurt = k == "before+bias" and g == "relu"
        return after_ahead_before_wider(g, k, lr, seed) - 0.05 if hurt else after_ahead_before_wider(g, k, lr, seed)

    hurt = claim(findings(position_result(bias_hurts)), "With relu units the bias before BN changes nothing")
    assert hurt.outcome == "contradicts" and "seed 0: -5.00" in hurt.evidence


def test_the_caffenet_quote_is_the_affine_pair_and_the_mixed_picture():
    f = findings(position_result(after_ahead_before_wider))
    (quote,) = [v for v in f.verdicts if v.claim.startswith("The CaffeNet benchmark")]
    assert (
        quote.outcome == "context"
        and "49.3% against 47.8%" in quote.claim
        and "GoogLeNet rows favour BN before" in quote.claim
    )
    assert "2ba16e3ffd04db6d2e1d44f0d15a93e6b246333d/batchnorm.md" in quote.claim
    assert not any("49.9% vs 47.4%" in v.text for v in f.verdicts)


def test_the_advice_follows_the_verdicts():
    r = position_result(after_ahead_before_wider)
    f = findings(r)
    json.dumps(experiments.summary(r))  # the CLI prints it: plain JSON, no numpy values
    assert f.meaning.startswith("With sigmoid units BN after the sigmoid ended ahead at its best rate")
    assert "but only BN before the sigmoid also trained at lr 3 and 9, where BN after it failed" in f.meaning
    assert "with relu units the placements ended level" in f.meaning
    assert "the bias before BN can go (with sigmoid and relu units" in f.meaning
    assert f.numbers["best_rate"]["sigmoid"]["BN before sigmoid (the paper)"]["lr"] == 3.0


def test_sections_draw_a_chart_per_activation_cards_with_seed_ranges_and_human_tables():
    f = findings(position_result(after_ahead_before_wider))
    sections = bp.sections.sections(f) if hasattr(bp, "sections") else experiments.sections(f)
    first = sections[0]
    (charts,) = [b for b in first.blocks if isinstance(b, Columns)]
    assert len(charts.blocks) == 2 and all(isinstance(c, Chart) for c in charts.blocks)
    (cards,) = [b for b in first.blocks if isinstance(b, Metrics)]
    assert all(m.spread.startswith("seeds ") for m in cards.items)
    assert not {"kind", "norm", "position"} & set(charts.blocks[0].csv.columns)  # CSV headers a reader can read
    assert "learning rate" in charts.blocks[0].csv.columns
    table = next(b for b in sections[1].blocks if isinstance(b, Table)).df
    assert list(table.columns) == ["placement", "lr 0.1", "lr 0.3", "lr 0.9", "lr 3", "lr 9"]
    assert table.set_index("placement").loc["sigmoid: BN after sigmoid", "lr 3"] == "diverged"
    assert [s.title for s in sections][-1] == "What to do in your own code"
    assert len(verdicts_of(sections)) == len(f.verdicts) - 1  # all but the synthetic-data caveat are drawn


@pytest.mark.slow
def test_findings_and_sections_of_a_real_tiny_run():
    data = datasets.synthetic("mnist", n_train=300, n_test=100, seed=0)
    runs = []
    for a in bp.EXPERIMENT.arms:
        if a.config.lr not in (0.3, 9.0):
            continue
        config = a.config.replace(dataset="synthetic-mnist", steps=6, eval_every=3, probe_every=6, probe_size=50)
        records = list(train(config, data))
        runs.append(
            {
                "arm": a.label,
                "seed": 0,
                "status": records[-1]["status"],
                "steps": 6,
                "config": config.to_dict(),
                "records": records,
            }
        )
    r = result("bn-position", runs)
    f = experiments.findings(r)
    assert f.meaning and experiments.sections(f)[0].title.startswith("Before or after")
    summary = experiments.summary(r)
    assert summary["verdicts"] and "best_rate" in summary
