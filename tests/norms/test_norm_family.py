"""LayerNorm and GroupNorm (and InstanceNorm as GroupNorm's groups = channels case) against torch.nn."""

import copy

import pytest
import torch
from torch import nn

from bnviz.norms.group_norm import GroupNorm, divisor_groups, group_norm_for, instance_norm_for
from bnviz.norms.layer_norm import LayerNorm

TOL = dict(rtol=1e-10, atol=1e-12)


def randomize(ours, ref, seed=0):
    """Give both layers the same non-trivial γ, β (so a wrong broadcast of γ or β shows)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            v = (
                torch.rand(p.shape, generator=g, dtype=p.dtype) * 1.5 + 0.5
                if name == "weight"
                else torch.randn(p.shape, generator=g, dtype=p.dtype)
            )
            p.copy_(v)
            getattr(ours, name).copy_(v)


def assert_same_forward_backward(ours, ref, shape, seed=0):
    """Equal outputs, input gradients and parameter gradients, in train mode and in eval mode."""
    g = torch.Generator().manual_seed(seed)
    for mode in ("train", "eval"):
        getattr(ours, mode)(), getattr(ref, mode)()
        x = (torch.randn(shape, generator=g, dtype=torch.float64) * 3 + 2).requires_grad_()
        x2 = x.detach().clone().requires_grad_()
        dy = torch.randn(shape, generator=g, dtype=torch.float64)
        y, y_ref = ours(x), ref(x2)
        torch.testing.assert_close(y, y_ref, **TOL)
        y.backward(dy), y_ref.backward(dy)
        torch.testing.assert_close(x.grad, x2.grad, **TOL)
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
        for name, p in ref.named_parameters():
            torch.testing.assert_close(getattr(ours, name).grad, p.grad, **TOL)
        ours.zero_grad(), ref.zero_grad()


LN_CASES = [((8, 5), 5), ((4, 6, 7), 7), ((4, 6, 7), (6, 7)), ((3, 4, 5, 6), (4, 5, 6))]


@pytest.mark.parametrize("shape,normalized_shape", LN_CASES)
@pytest.mark.parametrize("kw", [{}, dict(elementwise_affine=False), dict(bias=False)])
def test_layer_norm_matches_torch_forward_and_backward(shape, normalized_shape, kw):
    ours = LayerNorm(normalized_shape, dtype=torch.float64, **kw)
    ref = nn.LayerNorm(normalized_shape, dtype=torch.float64, **kw)
    randomize(ours, ref)
    assert_same_forward_backward(ours, ref, shape)


def test_layer_norm_normalizes_each_example_over_its_features():
    x = torch.randn(6, 9, dtype=torch.float64) * 4 + 3
    y = LayerNorm(9, eps=0.0, dtype=torch.float64)(x)
    torch.testing.assert_close(y.mean(1), torch.zeros(6, dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close(y.var(1, correction=0), torch.ones(6, dtype=torch.float64), atol=1e-12, rtol=0)
    # one example's output does not depend on the rest of the batch
    torch.testing.assert_close(LayerNorm(9, dtype=torch.float64)(x[:1]), LayerNorm(9, dtype=torch.float64)(x)[:1])


def test_layer_norm_state_dict_and_repr_match_torch():
    ours, ref = LayerNorm((4, 5)), nn.LayerNorm((4, 5))
    assert list(ours.state_dict()) == list(ref.state_dict()) == ["weight", "bias"]
    ours.load_state_dict(ref.state_dict())
    ref.load_state_dict(ours.state_dict())
    for kw in ({}, dict(elementwise_affine=False), dict(bias=False, eps=1e-3)):
        assert repr(LayerNorm(7, **kw)) == repr(nn.LayerNorm(7, **kw))


def test_layer_norm_wrong_trailing_shape_raises_value_error():
    with pytest.raises(ValueError, match="last 1 axes have shape"):
        LayerNorm(5)(torch.randn(4, 6))


GN_CASES = [(2, (8, 6)), (3, (5, 6, 7)), (2, (4, 6, 5, 3)), (1, (4, 6, 5, 3)), (6, (4, 6, 5, 3))]


@pytest.mark.parametrize("groups,shape", GN_CASES)
@pytest.mark.parametrize("kw", [{}, dict(affine=False), dict(bias=False)])
def test_group_norm_matches_torch_forward_and_backward(groups, shape, kw):
    ours = GroupNorm(groups, shape[1], dtype=torch.float64, **kw)
    ref = nn.GroupNorm(groups, shape[1], dtype=torch.float64, **kw)
    randomize(ours, ref)
    assert_same_forward_backward(ours, ref, shape)


@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (2, 5, 4, 4)])
def test_group_norm_with_one_channel_per_group_is_instance_norm(shape):
    c = shape[1]
    ours = GroupNorm(c, c, dtype=torch.float64)
    ref = nn.InstanceNorm2d(c, affine=True, track_running_stats=False, dtype=torch.float64)
    randomize(ours, ref, seed=3)
    assert_same_forward_backward(ours, ref, shape, seed=3)


def test_group_norm_with_one_group_is_layer_norm_over_chw():
    x = torch.randn(3, 4, 5, 6, dtype=torch.float64)
    torch.testing.assert_close(
        GroupNorm(1, 4, dtype=torch.float64)(x), LayerNorm((4, 5, 6), dtype=torch.float64)(x), **TOL
    )


def test_group_norm_groups_not_dividing_channels_raise_value_error():
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\).*1, 2, 3, 6"):
        GroupNorm(4, 6)
    with pytest.raises(ValueError, match="divisible"):
        GroupNorm(0, 6)


def test_group_norm_state_dict_and_repr_match_torch():
    ours, ref = GroupNorm(2, 6), nn.GroupNorm(2, 6)
    assert list(ours.state_dict()) == list(ref.state_dict()) == ["weight", "bias"]
    ours.load_state_dict(ref.state_dict())
    ref.load_state_dict(ours.state_dict())
    for kw in ({}, dict(affine=False), dict(bias=False, eps=1e-3)):
        assert repr(GroupNorm(3, 6, **kw)) == repr(nn.GroupNorm(3, 6, **kw))
    assert copy.deepcopy(ours).weight.dtype == torch.float32


def test_group_norm_wrong_width_raises_value_error():
    with pytest.raises(ValueError, match=r"expects an \(N, 6, \*\) input"):
        GroupNorm(2, 6)(torch.randn(4, 5, 3))


@pytest.mark.parametrize("c,expected", [(32, 32), (64, 32), (100, 25), (128, 32), (6, 6), (7, 7), (37, 1)])
def test_divisor_groups_is_largest_divisor_at_most_32(c, expected):
    assert divisor_groups(c) == expected


def test_registry_factories_build_32_group_norm_and_instance_norm():
    assert (group_norm_for(128).num_groups, group_norm_for(100).num_groups) == (32, 25)
    ours = instance_norm_for(3).double()
    ref = nn.InstanceNorm2d(3, affine=True, track_running_stats=False, dtype=torch.float64)
    randomize(ours, ref, seed=2)
    assert_same_forward_backward(ours, ref, (2, 3, 4, 5), seed=2)
