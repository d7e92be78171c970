"""The C-speed test of a list of numbers (bnviz.runs.checks._all_leaves) against the item-by-item one (the oracle)."""

import math
from typing import Annotated

from harness import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.runs import checks
from bnviz.runs.checks import MAX_NUMBER, Range

HINTS = [
    int,
    float,
    Annotated[int, Range(0, None)],
    Annotated[int, Range(None, 5)],
    Annotated[float, Range(-1.0, 1.0)],
    Annotated[float, Range(0, None)],
]
items = st.one_of(
    st.integers(-(2**60), 2**60),
    st.sampled_from([0, 1, 5, 6, -1, MAX_NUMBER, MAX_NUMBER + 1, -MAX_NUMBER - 1, True, False, None, "1"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1.5, math.nan, math.inf, 1e300]),
)


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from(HINTS), st.lists(items, max_size=6))
def test_a_list_passes_exactly_when_every_item_does(hint, values):
    assert checks._all_leaves(hint)(values) == all(map(checks._leaf(hint), values))


def test_a_histogram_s_counts_pass_and_one_bad_count_fails_them():
    all_fit, counts = checks._all_leaves(Annotated[int, Range(0, None)]), list(range(1000))
    assert all_fit(counts)
    assert not any(all_fit([*counts, bad]) for bad in (-1, True, 1.0, None, MAX_NUMBER + 1))
