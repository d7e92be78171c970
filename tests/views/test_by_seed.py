"""Comparisons decided seed by seed: every seed one way and apart is a verdict, seeds that disagree are "mixed" and
named, a gap that barely separates the seeds is a knife edge; phases keep early probes from outweighing late ones."""

import pandas as pd
import pytest

from bnviz.views import by_seed, rate_grid
from bnviz.views.by_seed import BySeed


def test_every_seed_below_and_apart_supports_and_names_the_way():
    c = BySeed({0: 1.0, 1: 1.1, 2: 1.2}, {0: 2.0, 1: 2.1, 2: 2.2})
    assert c.outcome() == "supports" and c.gap == pytest.approx(0.8) and c.scale == pytest.approx(1.0)
    assert c.how("smaller", "larger") == "smaller at every seed, beyond the seed spread"


def test_every_seed_above_and_apart_contradicts():
    assert BySeed({0: 3.0, 1: 3.1}, {0: 1.0, 1: 1.1}).outcome() == "contradicts"


def test_seeds_that_disagree_are_mixed_and_named():
    c = BySeed({0: 1.0, 1: 3.0, 2: 1.0}, {0: 2.0, 1: 2.0, 2: 2.0})
    assert c.outcome() == "within_noise"
    assert c.how("lower with BN", "higher with BN") == "mixed: lower with BN at seeds 0 and 2, higher with BN at seed 1"


def test_every_seed_one_way_but_overlapping_is_within_the_spread():
    c = BySeed({0: 1.0, 1: 2.5}, {0: 2.0, 1: 3.0})  # each seed lower, but a's highest (2.5) above b's lowest (2.0)
    assert c.below == [0, 1] and c.gap < 0 and c.outcome() == "within_noise"
    assert c.how() == "below at every seed, within the seed spread"


def test_one_seed_cannot_decide():
    c = BySeed({0: 1.0}, {0: 2.0})
    assert c.outcome() == "within_noise" and "no seed spread" in c.how()
    assert BySeed({0: 1.0}, {1: 2.0}).outcome() == "context"  # no seed in common


def test_a_gap_that_barely_separates_the_seeds_is_a_knife_edge():
    v = by_seed.verdict("A is lower", BySeed({0: 1.0, 1: 1.99}, {0: 2.0, 1: 3.0}), str, ("a", "b"), ("lower", "higher"))
    assert v.outcome == "supports" and v.knife_edge and "knife edge" in v.text
    wide = by_seed.verdict(
        "A is lower", BySeed({0: 1.0, 1: 1.2}, {0: 2.0, 1: 3.0}), str, ("a", "b"), ("lower", "higher")
    )
    assert wide.outcome == "supports" and not wide.knife_edge


def test_phases_give_each_seed_its_own_median_early_and_late():
    t = pd.DataFrame(
        {
            "norm": ["none"] * 8,
            "seed": [0] * 8,
            "step": [0, 1, 2, 5, 10, 50, 60, 100],
            "x": [99.0, 1.0, 1.0, 1.0, 1.0, 5.0, 6.0, 7.0],
        }
    )
    p = by_seed.phases(t, ["x"])
    early, late = (p[p["phase"] == ph].iloc[0] for ph in ("early", "late"))
    assert early["x"] == 1.0 and early["probes"] == 4  # steps 1 to 10; step 0 (the init) is neither
    assert late["x"] == 6.0 and late["probes"] == 3  # four early probes do not outweigh the three late ones
    assert by_seed.span(t, "early") == "steps 1 to 10" and by_seed.span(t, "late") == "steps 50 to 100"
    assert by_seed.per_seed(p, "x", "none", phase="late") == {0: 6.0}


@pytest.mark.parametrize(
    "status, acc, loss, expected",
    [
        ("diverged", float("nan"), float("nan"), "diverged"),
        ("done", 0.09, 40.0, "loss exploded"),  # far above chance (ln 10 = 2.30): not "stuck at chance"
        ("done", 0.11, 2.31, "stalled at chance"),
        ("done", 0.95, 0.2, "learns"),
        ("done", 0.6, 1.0, "partly"),
    ],
)
def test_a_run_that_did_not_learn_says_how(status, acc, loss, expected):
    assert rate_grid.outcome(status, acc, loss) == expected


def test_a_stable_range_reads_as_a_span_only_when_the_rates_are_consecutive():
    grid = [0.1, 0.3, 0.9, 3.0, 9.0]
    assert rate_grid.range_text([0.1, 0.3, 0.9], grid) == "lr 0.1 to 0.9"
    assert rate_grid.range_text([0.1, 0.9], grid) == "lr 0.1 and 0.9"
    assert rate_grid.range_text([], grid) == "no rate"
