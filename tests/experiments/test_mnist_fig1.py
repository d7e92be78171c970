"""Figure 1's findings on hand-made data: the comparison table, the claims of Figure 1(a) as verdicts by
meaning, the student's numbers as context, and a short synthetic run that is said to be one."""

import pytest
from payloads import AHEAD, payload

from bnviz.experiments import mnist_fig1
from bnviz.experiments.mnist_fig1.findings import comparison_numbers, comparison_table, findings, table_steps
from bnviz.views import compare


def table(p):
    return comparison_table(comparison_numbers(compare.accuracy_band(findings(p).curves)))


def claim(found, start):
    return next(v for v in found.verdicts if v.claim.startswith(start))


def test_the_package_names_its_experiment():
    assert mnist_fig1.EXPERIMENT.name == "mnist-fig1" and mnist_fig1.EXPERIMENT.page == "experiments"


def test_table_has_mean_and_min_max_over_seeds_at_each_checkpoint():
    t = table(payload(AHEAD))
    assert list(t["Steps"]) == ["1,000", "5,000", "10,000", "20,000", "50,000 (last)"]
    assert t.loc[0, "no BN, ours"] == "81.00% (80.00–82.00)"
    assert t.loc[4, "BN, ours"] == "97.80% (97.70–97.90)"
    assert t.loc[4, "BN − no BN, ours"] == "+0.70 points"


def test_student_numbers_appear_only_at_50k_steps():
    t = table(payload(AHEAD))
    assert list(t["no BN, student"]) == ["—"] * 4 + ["94.92%"]
    assert list(t["BN, student"]) == ["—"] * 4 + ["98.15%"]


def test_paper_column_is_qualitative_without_numbers():
    t = table(payload(AHEAD))
    assert all(not any(ch.isdigit() for ch in cell) for cell in t["Paper, Fig. 1(a): no numbers printed"])


def test_one_seed_shows_no_range():
    t = table(payload({"no BN": [AHEAD["no BN"][0]], "BN": [AHEAD["BN"][0]]}))
    assert t.loc[4, "no BN, ours"] == "97.00%"


def test_bn_ahead_everywhere_and_beyond_the_spread_supports_figure_1a():
    v = claim(findings(payload(AHEAD)), "BN has the higher test accuracy throughout")
    assert v.outcome == "supports"
    assert "mean ahead at 5 of 5 eval points from step 1,000 to 50,000" in v.evidence  # step 0 is the init
    assert "beyond the seed spread at 5, behind it at 0" in v.evidence


def test_bn_clearly_behind_at_one_point_contradicts_and_names_the_step():
    behind = {
        "no BN": AHEAD["no BN"],
        "BN": [[0.09, 0.90, 0.95, 0.96, 0.95, 0.977], [0.09, 0.92, 0.95, 0.96, 0.95, 0.979]],
    }
    v = claim(findings(payload(behind)), "BN has the higher test accuracy throughout")
    assert v.outcome == "contradicts" and "at step 20,000" in v.evidence and "behind it at 1" in v.evidence


def test_one_seed_cannot_tell_beyond_noise():
    one = {"no BN": [AHEAD["no BN"][0]], "BN": [AHEAD["BN"][0]]}
    v = claim(findings(payload(one)), "BN has the higher test accuracy throughout")
    assert v.outcome == "within_noise" and "one seed per arm" in v.evidence


def test_the_student_is_context_and_says_it_is_not_like_for_like():
    found = findings(payload(AHEAD))
    assert [v.outcome for v in found.student] == ["context"]
    text = found.student[0].text
    assert "98.15%" in text and "97.80%" in text and "+0.70 points against +3.23 points" in text
    assert "Not like for like" in text and "momentum 0.9 at lr 0.01" in text and "Zenan Yang" in text


def test_bn_faster_to_the_baselines_final_accuracy():
    v = claim(findings(payload(AHEAD)), "BN reaches no BN's final accuracy")
    assert v.outcome == "supports" and "BN at step 20,000, no BN at step 50,000, 2.5x fewer" in v.evidence


def test_bn_that_never_reaches_the_baseline_contradicts_faster():
    acc = {"no BN": [[0.1, 0.8, 0.9, 0.95, 0.96, 0.97]], "BN": [[0.1, 0.9, 0.95, 0.96, 0.96, 0.965]]}
    v = claim(findings(payload(acc)), "BN reaches no BN's final accuracy")
    assert v.outcome == "contradicts" and "never reaches it" in v.evidence


def test_baseline_below_the_papers_plot_range_contradicts_the_plot():
    acc = {"no BN": [[0.1, 0.3, 0.5, 0.6, 0.75, 0.8]], "BN": [[0.1, 0.9, 0.95, 0.96, 0.97, 0.98]]}
    v = claim(findings(payload(acc)), "As in Figure 1(a), whose y-axis")
    assert v.outcome == "contradicts" and "at least 60.00%" in v.evidence


def test_the_answer_names_the_largest_gap_and_its_step():
    found = findings(payload(AHEAD))
    assert found.gap["largest_at_step"] == 1_000 and found.meaning.startswith("As in Figure 1(a)")
    assert "+10.00 points" in found.meaning  # step 1,000: 0.91 against 0.81


def test_short_synthetic_run_is_flagged_and_not_compared_like_for_like():
    acc = {"no BN": [[0.1, 0.5, 0.7, 0.8, 0.9]], "BN": [[0.1, 0.8, 0.9, 0.95, 0.97]]}
    p = payload(acc, steps=(0, 75, 150, 225, 300), source="synthetic")
    found = findings(p)
    assert found.verdicts[0].text.startswith("These runs used synthetic data")
    assert "ours stop at step 300, the student's at 50,000" in found.student[0].text
    assert any("cannot be checked" in v.text for v in found.verdicts)
    assert list(table(p)["Steps"]) == ["75", "150", "225", "300 (last)"]


def test_missing_arm_gives_a_sentence_not_an_error():
    found = findings(payload({"BN": AHEAD["BN"]}))
    assert "lacks evaluated runs of both" in found.verdicts[-1].text
    assert found.meaning == "This result lacks the two arms Figure 1(a) compares."


@pytest.mark.parametrize(
    "steps, expected",
    [
        (list(range(0, 50_001, 500)), [1_000, 5_000, 10_000, 20_000, 50_000]),
        (list(range(0, 12_001, 500)), [1_000, 5_000, 10_000, 12_000]),
        ([0, 10, 20, 30, 40], [10, 20, 30, 40]),
        (list(range(0, 401, 50)), [50, 150, 250, 300, 400]),
    ],
)
def test_table_steps(steps, expected):
    assert table_steps(steps) == expected


def probed(sat_bn, sat_plain, far_bn=0.2, far_plain=1.5, seeds=3):
    """A result with probes at steps 0, 100, 200, 300: unit 0's median drifts by far_* and each layer's
    saturation at the last probe is sat_*[layer] (a list per seed or one value for all)."""
    runs = []
    for norm, sat, far in (("none", sat_plain, far_plain), ("bnviz", sat_bn, far_bn)):
        for seed in range(seeds):
            recs = []
            for i, step in enumerate((0, 100, 200, 300)):
                r = {"step": step, "status": "running", "test/acc": 0.5 + 0.1 * i, "train/loss": 1.0}
                for k, layer in enumerate(("layer1", "layer2")):
                    s = sat[k][seed] if isinstance(sat[k], list) else sat[k]
                    r |= {
                        f"{layer}/p15": -1.0 + far * i / 3,
                        f"{layer}/p50": far * i / 3,
                        f"{layer}/p85": 1.0 + far * i / 3,
                        f"{layer}/hist": [1, 2, 1],
                        f"{layer}/mean": 0.0,
                        f"{layer}/std": 1.0,
                        f"{layer}/saturation": s if step == 300 else 0.0,
                    }
                recs.append(r)
            runs.append(
                {
                    "arm": "BN" if norm == "bnviz" else "no BN",
                    "seed": seed,
                    "status": "done",
                    "steps": 300,
                    "records": recs,
                    "config": {"norm": norm, "dataset": "mnist", "lr": 0.3},
                }
            )
    return {"experiment": "mnist-fig1", "key": "k", "runs": runs, "data": {"source": "official"}}


def test_a_stiller_bn_input_in_every_seed_supports_figure_1bc_and_a_wilder_one_contradicts():
    v = findings(probed((0.1, 0.1), (0.5, 0.5))).stability[0]
    assert v.outcome == "supports" and "seed 0: 0.20 with BN, 1.50 without" in v.evidence
    assert findings(probed((0.1, 0.1), (0.5, 0.5), far_bn=2.0)).stability[0].outcome == "contradicts"


def test_saturation_is_judged_per_layer_and_seed_and_the_answer_says_mixed():
    found = findings(probed(sat_bn=(0.15, 0.14), sat_plain=(0.48, [0.005, 0.2, 0.006])))
    layer1, layer2 = found.saturation
    assert layer1.outcome == "supports" and "15.0%–15.0% of the sigmoids are saturated with BN" in layer1.evidence
    assert layer2.outcome == "within_noise" and "lower with BN in 1 of 3 seeds" in layer2.evidence
    assert found.saturation_answer.startswith(
        "Mixed: at the end of training BN keeps fewer sigmoids saturated in layer1"
    )
    worse = findings(probed(sat_bn=(0.5, 0.5), sat_plain=(0.1, 0.1)))
    assert {v.outcome for v in worse.saturation} == {"contradicts"} and "does not hold" in worse.saturation_answer
