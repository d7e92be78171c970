"""Issue #23, item 11: a legal batch mixing values near ±1e6 with values near 1e-300 never makes the
step-through page call one of the paper's equations wrong. A one-ulp difference of 4.9e-324 (the
smallest float64) against a tolerance that underflowed to 0 raised such false red alarms."""

import torch
from harness import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bnviz.teach import stepthrough
from bnviz.teach import toybatch as T
from bnviz.teach.checks import GRAD_NAMES

value = st.one_of(
    st.floats(-T.MAX_ABS, T.MAX_ABS),
    st.floats(1e-310, 1e-290),  # subnormal and tiny normal numbers
    st.floats(-1e-290, -1e-310),
    st.sampled_from([0.0, 5e-324, -5e-324, 1e6, -1e6]),
)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(2, 6).flatmap(lambda m: st.lists(st.lists(value, min_size=2, max_size=2), min_size=m, max_size=m)),
    eps=st.sampled_from([T.MIN_EPS, 1e-5, 1.0]),
    loss=st.sampled_from([loss for loss in stepthrough.LOSSES if loss != stepthrough.TYPED_LOSS]),
    seed=st.integers(0, 5),
)
def test_legal_batches_of_mixed_magnitudes_raise_no_false_alarm(rows, eps, loss, seed):
    x = torch.tensor(rows, dtype=torch.float64)
    gamma, beta = T.default_affine(2)
    w = stepthrough.walk(x, gamma, beta, eps, loss, seed)
    wrong = {name: w.check(name).explanation() for name in GRAD_NAMES if not w.check(name).ok}
    assert not wrong, (rows, eps, loss, wrong)


def test_a_difference_of_one_subnormal_ulp_is_within_rounding():
    from bnviz.teach.checks import make_check

    tiny = torch.tensor([5e-324], dtype=torch.float64)
    check = make_check("x", tiny, torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64), n=2)
    assert check.ok, check.explanation()
