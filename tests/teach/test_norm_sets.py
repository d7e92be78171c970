"""What each normalizer averages over: the hand-computed x̂ of one entry equals bnviz's own layers there,
and only batch normalizers reach into other examples. The page in AppTest."""

import itertools

import pytest
import torch
from harness import APP, scaled
from streamlit.testing.v1 import AppTest

from bnviz.norms import BatchNorm2d, BatchRenorm2d, GroupNorm, LayerNorm
from bnviz.teach import norm_sets as N

SHAPE = (3, 4, 2, 3)


def oracle(kind: str, x: torch.Tensor, groups: int) -> torch.Tensor:
    """The whole layer's x̂ (no γ, β) in training mode: what the set must reproduce entry by entry."""
    c = x.shape[1]
    layer = {
        "bnviz": lambda: BatchNorm2d(c, affine=False, dtype=torch.float64),
        "renorm": lambda: BatchRenorm2d(c, affine=False, r_max=1.0, d_max=0.0, dtype=torch.float64),
        "layer": lambda: LayerNorm(tuple(x.shape[1:]), elementwise_affine=False, dtype=torch.float64),
        "instance": lambda: GroupNorm(c, c, affine=False, dtype=torch.float64),
        "group": lambda: GroupNorm(groups, c, affine=False, dtype=torch.float64),
    }[kind]()
    return layer.train()(x)


@pytest.mark.parametrize("kind", list(N.KINDS))
@pytest.mark.parametrize("groups", [1, 2, 4])
def test_the_set_of_each_entry_gives_the_layer_s_output_there(kind, groups):
    x = torch.randn(SHAPE, generator=torch.Generator().manual_seed(groups), dtype=torch.float64)
    want = oracle(kind, x, groups)
    for entry in itertools.product(*(range(s) for s in SHAPE)):
        got = N.normalize_entry(kind, x, entry, groups).x_hat
        assert got == pytest.approx(float(want[entry]), rel=1e-10, abs=1e-12), (kind, entry)


def test_only_batch_normalizers_depend_on_other_examples():
    x = torch.randn(SHAPE, dtype=torch.float64)
    for kind in N.KINDS:
        uses = N.normalize_entry(kind, x, (1, 2, 0, 1)).uses_other_examples
        assert uses == (kind in ("bnviz", "renorm")), kind
    # a batch of one: BN's set shrinks to the example's own channel, InstanceNorm's set
    one = torch.randn((1, 4, 2, 3), dtype=torch.float64)
    assert torch.equal(
        N.averaging_mask("bnviz", (1, 4, 2, 3), (0, 1, 0, 0)), N.averaging_mask("instance", (1, 4, 2, 3), (0, 1, 0, 0))
    )
    assert not N.normalize_entry("bnviz", one, (0, 1, 0, 0)).uses_other_examples


def test_set_sizes_are_m_for_each_normalizer():
    n, c, h, w = SHAPE
    sizes = {kind: int(N.averaging_mask(kind, SHAPE, (0, 3, 1, 2), groups=2).sum()) for kind in N.KINDS}
    assert sizes == {
        "bnviz": n * h * w,
        "renorm": n * h * w,
        "layer": c * h * w,
        "instance": h * w,
        "group": (c // 2) * h * w,
    }


def test_groups_that_do_not_divide_the_channels_are_refused_with_the_divisors():
    with pytest.raises(ValueError, match="choose a divisor of 4"):
        N.averaging_mask("group", SHAPE, (0, 0, 0, 0), groups=3)


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=scaled(60))
    at.run()
    at.switch_page("pages/norm_sets.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_highlights_the_set_and_compares_every_normalizer():
    at = open_page()
    assert at.title[0].value == "What each normalizer averages over"
    assert at.metric[0].value == "12"  # BN: the entry's channel in all 3 examples x 2 x 2 positions (defaults)
    table = at.dataframe[0].value
    assert list(table["normalizer"]) == [name for name, _ in N.KINDS.values()]
    assert list(table["depends on other examples"]) == ["yes", "no", "no", "no", "yes"]
    at.segmented_control(key="ns_kind").set_value("layer").run()
    assert not at.exception and "does **not** depend" in " ".join(m.value for m in at.markdown)
