"""Property: whatever text a student types or pastes, the toy-batch parsers answer with a batch or a
ToyBatchError, never another exception (which the page would show as a traceback)."""

import torch
from harness import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bnviz.teach import toybatch as T

# Characters the parser treats specially, so random text hits its branches (separators, signs,
# exponents, decimal commas, nan/inf, line breaks of every kind) far more often than uniform text.
SPECIAL = "0123456789,;.\t\n\r eE+-_naifNIF\x0b\x0c\x1c\u2028\u00a0\u0663"
token = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**400), 10**400).map(str),
    st.text(alphabet=SPECIAL, max_size=12),
    st.text(max_size=6),
)
separator = st.sampled_from([",", ", ", " ", "\t", ";", " ,", "\n", "\r\n", ",,", "  "])
structured = st.lists(st.tuples(token, separator), max_size=120).map(lambda ts: "".join(a + b for a, b in ts))
any_text = st.one_of(st.text(max_size=400), st.text(alphabet=SPECIAL, max_size=2000), structured)
FUZZ = settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(any_text)
def test_parse_batch_returns_a_valid_batch_or_raises_toybatcherror(text):
    try:
        x = T.parse_batch(text)
    except T.ToyBatchError as e:
        assert str(e)
        return
    m, d = x.shape
    assert x.dtype == torch.float64 and 2 <= m <= T.MAX_ROWS and 1 <= d <= T.MAX_FEATURES
    assert torch.isfinite(x).all() and x.abs().max() <= T.MAX_ABS
    assert torch.equal(T.parse_batch(T.format_batch(x)), x)  # what the text area then shows reads back


@FUZZ
@given(any_text, st.integers(2, T.MAX_ROWS), st.integers(1, T.MAX_FEATURES))
def test_parse_upstream_returns_the_right_shape_or_raises_toybatcherror(text, m, d):
    try:
        dy = T.parse_upstream(text, m, d)
    except T.ToyBatchError:
        return
    assert dy.shape == (m, d)


cell = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**20), 10**20))


@FUZZ
@given(st.lists(st.lists(cell, max_size=10), max_size=70))
def test_batch_from_table_returns_a_batch_or_raises_toybatcherror(rows):
    try:
        x = T.batch_from_table(rows)
    except T.ToyBatchError:
        return
    assert x.shape == (len(rows), len(rows[0]))
