"""Property-based: bnviz's BatchNorm1d/2d against torch.nn.BatchNorm1d/2d over random layers and call
sequences (shapes with N = 0 and m = 2, float32 and float64, momentum None or not, affine on or off,
running stats tracked or not, several eps, train and eval in any order): outputs, gradients, buffers
and the exceptions raised must agree."""

import pytest
import torch
from harness import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from bnviz.norms.batch_norm import BatchNorm1d, BatchNorm2d

TOL = {torch.float64: dict(rtol=1e-9, atol=1e-10), torch.float32: dict(rtol=2e-4, atol=2e-5)}


@st.composite
def layer_and_calls(draw):
    dims = draw(st.sampled_from([1, 2]))  # BatchNorm1d or BatchNorm2d
    c = draw(st.integers(1, 4))
    rank = 4 if dims == 2 else draw(st.sampled_from([2, 3]))
    config = dict(
        dtype=draw(st.sampled_from([torch.float32, torch.float64])),
        momentum=draw(st.sampled_from([0.1, 0.5, 1.0, None])),
        eps=draw(st.sampled_from([1e-5, 1e-3, 0.5])),
        track_running_stats=draw(st.booleans()),
        **draw(st.sampled_from([dict(affine=True), dict(affine=False), dict(affine=True, bias=False)])),
    )
    # Each call: train or eval, and a shape whose N (and L, H, W) may be 0, 1 or 2: m = 0, 1, 2 and more.
    calls = draw(
        st.lists(st.tuples(st.booleans(), st.tuples(*[st.integers(0, 3)] * (rank - 1))), min_size=1, max_size=4)
    )
    shapes = [(training, (rest[0], c, *rest[1:])) for training, rest in calls]
    return dims, c, config, shapes, draw(st.integers(0, 2**16))


def outcome(layer, x, dy):
    """(y, dx, dγ, dβ) of one call, or the type of exception it raised."""
    x = x.clone().requires_grad_()
    try:
        y = layer(x)
    except Exception as e:  # noqa: BLE001 - which kind is the point of the comparison
        return type(e)
    y.backward(dy)
    grads = [None if p is None else p.grad for p in (layer.weight, layer.bias)]
    layer.zero_grad()
    return y.detach(), x.grad, *grads


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layer_and_calls())
def test_layer_matches_torch_over_random_call_sequences(case):
    dims, c, config, shapes, seed = case
    ours = (BatchNorm1d if dims == 1 else BatchNorm2d)(c, **config)
    ref = (nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d)(c, **config)
    g = torch.Generator().manual_seed(seed)
    dtype = config["dtype"]
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.copy_(
                torch.rand(c, generator=g, dtype=dtype) + 0.5
                if name == "weight"
                else torch.randn(c, generator=g, dtype=dtype)
            )
            getattr(ours, name).copy_(p)
    for training, shape in shapes:
        ours.train(training), ref.train(training)
        x = torch.randn(shape, generator=g, dtype=dtype) * 3 + 2
        dy = torch.randn(shape, generator=g, dtype=dtype)
        got, want = outcome(ours, x, dy), outcome(ref, x, dy)
        if isinstance(want, type):  # torch raised (one value per channel): so must we, with a subclass of its type
            assert isinstance(got, type) and issubclass(got, want), (got, want)
            return  # torch counts the failed call in num_batches_tracked; we leave the buffers alone
        assert not isinstance(got, type), got
        for a, b in zip(got, want):
            assert (a is None) == (b is None)
            if b is not None:
                assert a.dtype == b.dtype and a.shape == b.shape
                torch.testing.assert_close(a, b, **TOL[dtype])
        for name, value in ref.named_buffers():
            torch.testing.assert_close(getattr(ours, name), value, **TOL[dtype])


@settings(max_examples=examples(25), deadline=None)
@given(
    st.sampled_from([(5, 3), (2, 2), (3, 2, 2), (2, 2, 1, 3)]),
    st.sampled_from([True, False]),
    st.sampled_from([dict(affine=True), dict(affine=False), dict(bias=False)]),
    st.integers(0, 2**16),
)
def test_double_backward_matches_torch_on_random_inputs(shape, training, kw, seed):
    """∂/∂x of ‖∂(Σ y³)/∂x‖², in float64 (m = 2 included, where x̂ is ±1 and the Hessian is singular)."""
    dims = 2 if len(shape) == 4 else 1
    ours = (BatchNorm1d if dims == 1 else BatchNorm2d)(shape[1], dtype=torch.float64, **kw)
    ref = (nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d)(shape[1], dtype=torch.float64, **kw)
    g = torch.Generator().manual_seed(seed)
    if not training:
        warm = torch.randn(shape, generator=g, dtype=torch.float64)
        ours(warm), ref(warm)
        ours.eval(), ref.eval()
    x = torch.randn(shape, generator=g, dtype=torch.float64) * 2
    second = []
    for layer in (ours, ref):
        xx = x.clone().requires_grad_()
        (dx,) = torch.autograd.grad(layer(xx).pow(3).sum(), xx, create_graph=True)
        second.append(torch.autograd.grad(dx.pow(2).sum(), xx)[0])
    torch.testing.assert_close(second[0], second[1], rtol=1e-8, atol=1e-8)


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
