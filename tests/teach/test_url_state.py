"""The step-through page's URL state (bnviz.teach.url_state): format then parse is the identity, and any
junk a browser can send yields defaults and a message per ignored part, never an exception."""

from urllib.parse import parse_qs, urlencode

import pytest
import torch
from harness import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T
from bnviz.teach import url_state as U

values = st.floats(-T.MAX_ABS, T.MAX_ABS, allow_nan=False, allow_infinity=False)


@st.composite
def states(draw) -> U.UrlState:
    """Any state the page can be in: a batch of up to 8 x 4 (or the default), γ, β and ∂ℓ/∂y to match."""
    batch = draw(st.none() | st.integers(2, 8).flatmap(lambda m: st.integers(1, 4).map(lambda d: (m, d))))
    m, d = (6, 3) if batch is None else batch
    rows = st.lists(st.lists(values, min_size=d, max_size=d).map(tuple), min_size=m, max_size=m).map(tuple)
    vector = st.lists(values, min_size=d, max_size=d).map(tuple)
    loss = draw(st.sampled_from(list(S.LOSSES)))
    return U.UrlState(
        step=draw(st.integers(1, U.N_STEPS)),
        batch=None if batch is None else draw(rows),
        gamma=draw(st.none() | vector),
        beta=draw(st.none() | vector),
        eps=draw(st.floats(T.MIN_EPS, T.MAX_EPS)),
        loss=loss,
        dy=draw(st.none() | rows) if loss == S.TYPED_LOSS else None,
        k=draw(st.integers(*U.K_RANGE)),
        seed=draw(st.integers(*U.SEED_RANGE)),
        present=draw(st.booleans()),
    )


def through_the_browser(params: dict[str, str]) -> dict[str, str]:
    """What the page reads back after Streamlit writes ``params`` into the URL (urlencode) and parses it (parse_qs)."""
    return {k: v[-1] for k, v in parse_qs(urlencode(params), keep_blank_values=True).items()}


@settings(max_examples=examples(300), deadline=None)
@given(states())
def test_format_then_parse_gives_the_same_state(state):
    params = U.to_params(state)
    assert U.parse(params) == (state, [])
    assert U.parse(through_the_browser(params)) == (state, [])


junk = st.text(max_size=60).map(lambda s: s + "!")  # "!" is in no valid value of any setting


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(st.sampled_from(U.KEYS) | st.text(max_size=20), junk, max_size=12))
def test_random_junk_only_yields_defaults_plus_a_message_per_part(params):
    state, ignored = U.parse(params)
    assert state == U.DEFAULT
    assert len(ignored) == len(params)


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(st.sampled_from(U.KEYS) | st.text(max_size=10), st.text(max_size=80), max_size=12))
def test_any_query_parses_to_a_state_the_page_can_draw(params):
    state, ignored = U.parse(params)
    x = state.batch_tensor()
    assert torch.equal(T.batch_from_rows(x.tolist()), x)  # a valid batch
    gamma, beta = state.affine()
    T.validate_affine(gamma.tolist(), beta.tolist(), x.shape[1])
    assert T.validate_eps(state.eps) == state.eps and state.loss in S.LOSSES
    assert state.dy is None or (state.loss == S.TYPED_LOSS and len(state.dy) == x.shape[0])
    assert 1 <= state.step <= U.N_STEPS and U.K_RANGE[0] <= state.k <= U.K_RANGE[1]
    assert U.SEED_RANGE[0] <= state.seed <= U.SEED_RANGE[1]
    assert all(len(message) < 400 for message in ignored)  # short, even for a long value


def test_the_url_is_short_and_readable():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.5]], dtype=torch.float64)
    gamma, beta = T.default_affine(2)
    state = U.state_of(8, x, gamma * 2, beta, 1e-5, "random w", U.DEFAULT_K, 0)
    assert U.to_params(state) == {"step": "8", "batch": "1_2~3_4.5", "gamma": "4_1"}  # defaults left out
    assert urlencode(U.to_params(state)) == "step=8&batch=1_2~3_4.5&gamma=4_1"  # nothing percent-encoded
    assert U.to_params(U.state_of(1, T.DEFAULT_BATCH, *T.default_affine(3), 1e-5, "random w", U.DEFAULT_K, 0)) == {
        "step": "1"
    }
    assert U.format_number(1e20) == "1e20" and U.format_number(-0.5) == "-0.5" and U.format_number(3.0) == "3"


def test_a_hand_typed_link_with_commas_and_semicolons_is_read():
    state, ignored = U.parse({"step": "8", "batch": "1,2;3,4.5;5,6;", "gamma": "2,1", "loss": "sum-of-y"})
    assert ignored == []
    assert state.batch == ((1.0, 2.0), (3.0, 4.5), (5.0, 6.0)) and state.gamma == (2.0, 1.0)
    assert state.step == 8 and state.loss == "sum of y" and state.beta is None


def test_state_of_page_values_round_trips_through_the_url():
    x = T.random_batch(5, 2, seed=3)
    gamma, beta = torch.tensor([0.5, -2.0], dtype=torch.float64), torch.tensor([1e-3, 7.0], dtype=torch.float64)
    dy = torch.arange(10, dtype=torch.float64).view(5, 2) / 3
    state = U.state_of(11, x, gamma, beta, 0.25, S.TYPED_LOSS, 40, 17, dy, present=True)
    back, ignored = U.parse(through_the_browser(U.to_params(state)))
    assert ignored == [] and back == state
    assert torch.equal(back.batch_tensor(), x) and torch.equal(back.affine()[0], gamma)
    assert torch.equal(torch.tensor(back.dy, dtype=torch.float64), dy)


@pytest.mark.parametrize(
    "key, value, reason",
    [
        ("step", "12", "there are 11 steps, 1 to 11"),
        ("step", "0", "there are 11 steps"),
        ("step", "8.5", "there are 11 steps"),
        ("batch", "1_2~3", "Row 2 has 1 value"),
        ("batch", "1_x~3_4", "'x' is not a number"),
        ("batch", "1_2", "at least 2 rows"),
        ("batch", "nan_1~2_3", "'nan' is not a number"),
        ("batch", "1e300_1~2_3", "too large"),
        ("gamma", "1_2", "γ needs one value per feature: 3, got 2"),
        ("beta", "1_2_1e999", "keep every β within"),
        ("eps", "0", "ε must lie between"),
        ("eps", "inf", "not a number"),
        ("loss", "mse", "choose one of random-w"),
        ("k", "1", "K is a whole number from 2 to 1000"),
        ("k", "9" * 5000, "K is a whole number"),
        ("seed", "-1", "the seed is a whole number"),
        ("present", "yes", "use 1 or 0"),
        ("dy", "1_2~3_4", "only used with loss=typed"),
        ("colour", "red", "this page has no such setting"),
    ],
)
def test_each_bad_part_falls_back_alone_and_says_why(key, value, reason):
    state, ignored = U.parse({"step": "4", "k": "7", key: value} if key not in ("step", "k") else {key: value})
    (message,) = ignored
    assert reason in message and message.startswith(key) and len(message) < 200
    if key not in ("step", "k"):
        assert state.step == 4 and state.k == 7  # the good parts still apply
    assert getattr(state, key, None) == getattr(U.DEFAULT, key, None)


def test_gamma_and_dy_must_match_the_batch_the_link_ends_up_with():
    state, ignored = U.parse({"batch": "1_2~3_4", "gamma": "1_2_3"})  # γ for the default 3 features
    assert state.batch == ((1.0, 2.0), (3.0, 4.0)) and state.gamma is None
    assert ignored == ["gamma=1_2_3 (γ needs one value per feature: 2, got 3)"]
    state, ignored = U.parse({"batch": "1_2~x", "gamma": "1_2_3"})  # a bad batch: γ is checked against the default
    assert state.batch is None and state.gamma == (1.0, 2.0, 3.0) and len(ignored) == 1
    state, ignored = U.parse({"loss": "typed", "dy": "1_0~0_0"})
    assert state.loss == S.TYPED_LOSS and state.dy is None
    assert ignored == ["dy=1_0~0_0 (2 rows of 2 values, but the batch has 6 rows of 3)"]


def test_a_long_bad_value_is_quoted_short():
    _, (message,) = U.parse({"batch": "x" * 10_000})
    assert len(message) < 120 and "…" in message
