"""bnviz.norms.batch_norm against the oracle torch.nn.BatchNorm1d/2d: outputs, gradients, running stats."""

import copy

import pytest
import torch
from torch import nn

from bnviz.norms import batch_norm as bnviz_batch_norm
from bnviz.norms.batch_norm import BatchNorm1d, BatchNorm2d, BatchNormFunction

TOL = dict(rtol=1e-10, atol=1e-12)

SHAPES = [
    (BatchNorm1d, nn.BatchNorm1d, (8, 5)),
    (BatchNorm1d, nn.BatchNorm1d, (6, 4, 7)),
    (BatchNorm2d, nn.BatchNorm2d, (4, 3, 5, 6)),
]


def pair(ours_cls, torch_cls, c, **kw):
    ours = ours_cls(c, dtype=torch.float64, **kw)
    ref = torch_cls(c, dtype=torch.float64, **kw)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.uniform_(0.5, 2.0) if name == "weight" else p.uniform_(-1.0, 1.0)
            getattr(ours, name).copy_(p)
    return ours, ref


def train_both(ours, ref, shape, steps, seed=0):
    """Run both layers over the same batches; assert equal outputs and gradients each step."""
    g = torch.Generator().manual_seed(seed)
    for step in range(steps):
        x = (torch.randn(shape, generator=g, dtype=torch.float64) * (1 + step) + step).requires_grad_()
        x2 = x.detach().clone().requires_grad_()
        dy = torch.randn(shape, generator=g, dtype=torch.float64)
        y, y_ref = ours(x), ref(x2)
        torch.testing.assert_close(y, y_ref, **TOL)
        y.backward(dy)
        y_ref.backward(dy)
        torch.testing.assert_close(x.grad, x2.grad, **TOL)
        for name, p in ref.named_parameters():
            torch.testing.assert_close(getattr(ours, name).grad, p.grad, **TOL)
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
        ours.zero_grad(), ref.zero_grad()


@pytest.mark.parametrize("ours_cls,torch_cls,shape", SHAPES)
@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
@pytest.mark.parametrize("params", [dict(affine=True), dict(affine=False), dict(bias=False)])
def test_train_mode_matches_torch_over_several_steps(ours_cls, torch_cls, shape, momentum, params):
    ours, ref = pair(ours_cls, torch_cls, shape[1], momentum=momentum, **params)
    train_both(ours, ref, shape, steps=5)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        torch.testing.assert_close(getattr(ours, name), getattr(ref, name), **TOL)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", SHAPES)
def test_eval_uses_running_stats(ours_cls, torch_cls, shape):
    ours, ref = pair(ours_cls, torch_cls, shape[1])
    train_both(ours, ref, shape, steps=3)
    ours.eval(), ref.eval()
    x = (torch.randn(shape, dtype=torch.float64) * 3 + 1).requires_grad_()
    x2 = x.detach().clone().requires_grad_()
    y, y_ref = ours(x), ref(x2)
    torch.testing.assert_close(y, y_ref, **TOL)
    y.sum().backward(), y_ref.sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, **TOL)
    # eval must not touch the running statistics
    before = ours.running_mean.clone()
    ours(x)
    assert torch.equal(before, ours.running_mean)
    assert int(ours.num_batches_tracked) == 3


@pytest.mark.parametrize("ours_cls,torch_cls,shape", SHAPES)
def test_without_running_stats_eval_uses_batch_stats(ours_cls, torch_cls, shape):
    ours, ref = pair(ours_cls, torch_cls, shape[1], track_running_stats=False)
    ours.eval(), ref.eval()
    x = torch.randn(shape, dtype=torch.float64) * 2 - 1
    torch.testing.assert_close(ours(x), ref(x), **TOL)
    assert ours.running_mean is None and "running_mean" not in ours.state_dict()


def test_running_var_is_unbiased_with_bessel_factor_nhw():
    """m = N*H*W for BatchNorm2d: running_var after one step with momentum 1 is the unbiased variance."""
    bn = BatchNorm2d(3, momentum=1.0, dtype=torch.float64)
    x = torch.randn(4, 3, 5, 6, dtype=torch.float64)
    bn(x)
    per_channel = x.transpose(0, 1).reshape(3, -1)
    m = 4 * 5 * 6
    torch.testing.assert_close(bn.running_var, per_channel.var(1, correction=1), **TOL)
    torch.testing.assert_close(bn.running_var, per_channel.var(1, correction=0) * m / (m - 1), **TOL)
    torch.testing.assert_close(bn.running_mean, per_channel.mean(1), **TOL)


def test_momentum_none_is_cumulative_average():
    """momentum=None gives Algorithm 2's E_B[μ_B] and m/(m−1)·E_B[σ²_B] over all batches seen."""
    bn = BatchNorm1d(4, momentum=None, dtype=torch.float64)
    batches = [torch.randn(10, 4, dtype=torch.float64) * (k + 1) + k for k in range(6)]
    for xb in batches:
        bn(xb)
    means = torch.stack([xb.mean(0) for xb in batches])
    variances = torch.stack([xb.var(0, correction=0) for xb in batches])
    torch.testing.assert_close(bn.running_mean, means.mean(0), **TOL)
    torch.testing.assert_close(bn.running_var, variances.mean(0) * 10 / 9, **TOL)


def test_training_normalizes_with_biased_variance():
    bn = BatchNorm1d(3, affine=False, dtype=torch.float64)
    x = torch.randn(7, 3, dtype=torch.float64) * 4 + 2
    y = bn(x)
    # x̂ has mean 0 and biased variance σ²/(σ²+ε): exactly 1 up to ε
    torch.testing.assert_close(y.mean(0), torch.zeros(3, dtype=torch.float64), rtol=0, atol=1e-12)
    expected = x.var(0, correction=0) / (x.var(0, correction=0) + bn.eps)
    torch.testing.assert_close(y.var(0, correction=0), expected, **TOL)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", SHAPES)
def test_state_dict_loads_both_ways(ours_cls, torch_cls, shape):
    ours, ref = pair(ours_cls, torch_cls, shape[1])
    train_both(ours, ref, shape, steps=2)
    assert list(ours.state_dict()) == list(ref.state_dict())
    fresh_ours, fresh_ref = ours_cls(shape[1], dtype=torch.float64), torch_cls(shape[1], dtype=torch.float64)
    fresh_ours.load_state_dict(ref.state_dict())
    fresh_ref.load_state_dict(ours.state_dict())
    for name, value in ref.state_dict().items():
        assert torch.equal(fresh_ours.state_dict()[name], value), name
        assert torch.equal(fresh_ref.state_dict()[name], ours.state_dict()[name]), name


@pytest.mark.parametrize("bn_cls,shape", [(BatchNorm1d, (1, 4)), (BatchNorm1d, (1, 4, 1)), (BatchNorm2d, (1, 3, 1, 1))])
def test_one_value_per_channel_raises_value_error_in_training(bn_cls, shape):
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn_cls(shape[1])(torch.randn(shape))
    bn = bn_cls(shape[1]).eval()
    assert bn(torch.randn(shape)).shape == shape  # eval uses running stats: one sample is fine


def test_wrong_input_rank_and_width_raise_value_error():
    with pytest.raises(ValueError, match="2D or 3D"):
        BatchNorm1d(3)(torch.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="4D"):
        BatchNorm2d(3)(torch.randn(2, 3))
    with pytest.raises(ValueError, match="got 5 channels"):
        BatchNorm1d(3)(torch.randn(2, 5))


@pytest.mark.parametrize("shape", [(6, 3), (5, 3, 4), (3, 2, 3, 4)])
@pytest.mark.parametrize("affine", [True, False, "no-bias"])
def test_custom_backward_passes_gradcheck(shape, affine):
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True) * 2
    x = x.detach().requires_grad_()
    c = shape[1]
    w = (torch.rand(c, dtype=torch.float64) + 0.5).requires_grad_() if affine else None
    b = torch.randn(c, dtype=torch.float64, requires_grad=True) if affine is True else None

    def y_only(*args):
        return BatchNormFunction.apply(*args, None, None, 0.0, 1e-5)

    inputs = (x, w, b)
    assert torch.autograd.gradcheck(y_only, inputs, eps=1e-6, atol=1e-7)


def test_layers_do_not_call_torch_batch_norm(monkeypatch):
    """From scratch: with every torch batch-norm entry point booby-trapped, our layers still run."""

    def trap(*args, **kwargs):
        raise AssertionError("bnviz called torch's batch norm")

    for module, name in [
        (torch.nn.functional, "batch_norm"),
        (torch, "batch_norm"),
        (torch, "native_batch_norm"),
        (torch, "_native_batch_norm_legit"),
        (torch, "_native_batch_norm_legit_no_training"),
    ]:
        if hasattr(module, name):
            monkeypatch.setattr(module, name, trap)
    monkeypatch.setattr(nn.modules.batchnorm._BatchNorm, "forward", trap)
    for bn, shape in [(BatchNorm1d(3), (4, 3)), (BatchNorm2d(3), (2, 3, 2, 2))]:
        x = torch.randn(shape, requires_grad=True)
        bn(x).sum().backward()
        torch.autograd.grad(torch.autograd.grad(bn(x).pow(3).sum(), x, create_graph=True)[0].sum(), x)
        torch.func.vmap(bn.eval())(x.detach()[None].expand(2, *shape))
        torch.func.replace_all_batch_norm_modules_(bn)
        torch.func.vmap(torch.func.grad(lambda xx: bn.train()(xx).pow(3).sum()))(x.detach()[None].expand(2, *shape))  # noqa: B023
        bn.eval()(x)
    # torch's _BatchNorm is a base class only so that torch's tools recognise the layers: none of its code runs.
    torch_methods = {
        name
        for cls in (nn.modules.batchnorm._BatchNorm, nn.modules.batchnorm._NormBase)
        for name, v in vars(cls).items()
        if callable(v)
    }
    assert torch_methods <= set(vars(bnviz_batch_norm._BatchNorm)), torch_methods - set(
        vars(bnviz_batch_norm._BatchNorm)
    )


def test_layer_gradient_is_the_custom_function_not_autograd():
    bn = BatchNorm1d(3)
    y = bn(torch.randn(4, 3, requires_grad=True))
    assert type(y.grad_fn).__name__ == "BatchNormFunctionBackward"


@pytest.mark.parametrize("kw", [dict(momentum=None), dict(affine=False), dict(bias=False, eps=1e-3)])
def test_extra_repr_matches_torch(kw):
    assert BatchNorm2d(8, **kw).extra_repr() == nn.BatchNorm2d(8, **kw).extra_repr()


def test_deepcopy_and_float32_default():
    bn = BatchNorm1d(3)
    assert bn.weight.dtype == torch.float32
    clone = copy.deepcopy(bn)
    assert torch.equal(clone.running_var, bn.running_var)
