"""The benchmark harness: contenders interleaved round by round, ratios and their spread per round."""

from benchmarks.harness import Table, Times, compare, ratio_spread


def test_contenders_are_timed_interleaved_round_by_round():
    calls = []
    times = compare({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, inner=2, repeats=3, warmup=1)
    assert calls == ["a", "a", "b", "b"] + ["a", "a", "b", "b"] * 3  # warm-up, then A then B in every round
    assert set(times) == {"a", "b"} and len(times.samples["a"]) == 3


def test_ratio_is_of_medians_and_the_spread_is_of_per_round_ratios():
    times = Times({"ref": 1.0, "x": 2.0})
    times.samples = {
        "ref": [1.0, 1.0, 2.0, 1.0, 1.0],
        "x": [2.0, 2.2, 2.0, 1.8, 2.0],
    }  # round 3: the reference alone slowed
    assert ratio_spread(times, "x", "ref") == " (1.40-2.10)"
    table = Table()
    table.add("bench", times, "ref", "s")
    assert table.rows[1][3] == "2.00x (1.40-2.10)" and table.rows[0][3] == "1.00 (ref)"


def test_no_spread_without_enough_rounds():
    assert ratio_spread({"ref": 1.0, "x": 2.0}, "x", "ref") == ""
