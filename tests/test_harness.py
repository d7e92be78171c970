"""The suite's own settings: how many examples a property test tries in the whole suite and in the fast loop."""

import harness
import pytest


@pytest.mark.parametrize(
    "fast_loop,asked,tried", [(False, 300, 300), (True, 300, 100), (True, 25, 10), (False, 25, 25)]
)
def test_the_fast_loop_tries_a_third_of_a_property_tests_examples_and_the_whole_suite_all(
    monkeypatch, fast_loop, asked, tried
):
    monkeypatch.setattr(harness, "fast_loop", fast_loop)
    assert harness.examples(asked) == tried


def test_this_run_is_the_fast_loop_exactly_when_it_leaves_the_slow_tests_out(pytestconfig):
    assert harness.fast_loop == ("not slow" in (pytestconfig.getoption("markexpr") or ""))
