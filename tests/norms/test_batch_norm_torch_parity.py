"""bnviz's BatchNorm1d/2d as a drop-in for torch.nn.BatchNorm1d/2d beyond the ordinary forward and
backward: empty batches, double backward, torch.func, forward-mode AD, eps, mixed precision, old
checkpoints and torch's errors. torch's own layer is the oracle in every test."""

import copy

import pytest
import torch
import torch.autograd.forward_ad as fwAD
from torch import nn
from torch.func import functional_call, grad, jacrev, jvp, replace_all_batch_norm_modules_, stack_module_state, vmap

from bnviz.norms.batch_norm import BatchNorm1d, BatchNorm2d

F64 = dict(rtol=1e-9, atol=1e-10)
CASES = [  # (ours, torch's, input shape)
    (BatchNorm1d, nn.BatchNorm1d, (6, 3)),
    (BatchNorm1d, nn.BatchNorm1d, (4, 3, 5)),
    (BatchNorm2d, nn.BatchNorm2d, (3, 2, 3, 4)),
]


def pair(ours_cls, torch_cls, c, dtype=torch.float64, **kw):
    """Our layer and torch's with the same random γ, β (so that no gradient is trivially symmetric)."""
    ref = torch_cls(c, dtype=dtype, **kw)
    ours = ours_cls(c, dtype=dtype, **kw)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.copy_(
                torch.rand(c, generator=g, dtype=dtype) + 0.5
                if name == "weight"
                else torch.randn(c, generator=g, dtype=dtype)
            )
            getattr(ours, name).copy_(p)
    return ours, ref


def assert_same_buffers(ours, ref, **tol):
    for name, value in ref.named_buffers():
        torch.testing.assert_close(getattr(ours, name), value, **(tol or F64))


def sample(shape, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g, dtype=dtype) * 2 + 1


# ----------------------------------------------------------------------------- 1. empty batch


@pytest.mark.parametrize(
    "ours_cls,torch_cls,shape",
    [
        (BatchNorm2d, nn.BatchNorm2d, (0, 3, 2, 2)),
        (BatchNorm1d, nn.BatchNorm1d, (0, 3)),
        (BatchNorm1d, nn.BatchNorm1d, (2, 3, 0)),  # N > 0 but no positions: m = 0 too
    ],
)
@pytest.mark.parametrize("momentum", [0.1, None])
def test_empty_batch_leaves_running_stats_and_gives_zero_gradients(ours_cls, torch_cls, shape, momentum):
    ours, ref = pair(ours_cls, torch_cls, shape[1], momentum=momentum)
    full = (5, *shape[1:]) if shape[0] == 0 else (shape[0], shape[1], 4)
    for x in (sample(full, 0), torch.empty(shape, dtype=torch.float64), sample(full, 1)):  # empty batch in the middle
        x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
        y, y_ref = ours(x1), ref(x2)
        assert y.shape == y_ref.shape
        torch.testing.assert_close(y, y_ref, **F64)
        y.pow(2).sum().backward(), y_ref.pow(2).sum().backward()
        torch.testing.assert_close(x1.grad, x2.grad, **F64)
        for name, p in ref.named_parameters():
            torch.testing.assert_close(getattr(ours, name).grad, p.grad, **F64)  # zeros for the empty batch
        ours.zero_grad(), ref.zero_grad()
        assert_same_buffers(ours, ref)  # including num_batches_tracked, which torch counts up for it
        assert not ours.running_mean.isnan().any()


# ----------------------------------------------------------------------------- 2. double backward


@pytest.mark.parametrize("ours_cls,torch_cls,shape", CASES)
@pytest.mark.parametrize("kw", [dict(), dict(affine=False), dict(bias=False), dict(track_running_stats=False)])
def test_double_backward_matches_torch(ours_cls, torch_cls, shape, kw):
    """∂/∂(x, γ, β) of ‖∂ℓ/∂x‖², which needs the backward pass to be differentiable itself."""
    ours, ref = pair(ours_cls, torch_cls, shape[1], **kw)
    x = sample(shape)
    results = []
    for layer in (ours, ref):
        xx = x.clone().requires_grad_()
        inputs = [xx, *layer.parameters()]
        (dx,) = torch.autograd.grad(layer(xx).pow(3).sum(), xx, create_graph=True)
        results.append(torch.autograd.grad(dx.pow(2).sum(), inputs, allow_unused=True))
    for second, second_ref in zip(*results):
        torch.testing.assert_close(second, second_ref, **F64)
    assert_same_buffers(ours, ref)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", CASES)
@pytest.mark.parametrize("training", [True, False])
def test_second_derivative_passes_gradgradcheck(ours_cls, torch_cls, shape, training):
    """Finite differences of the (hand-written) backward, in float64, for x, γ and β together."""
    layer = ours_cls(shape[1], dtype=torch.float64).train(training)
    if not training:
        layer(sample(shape, 3)), layer.eval()
    x = sample(shape).requires_grad_()
    w = (torch.rand(shape[1], dtype=torch.float64) + 0.5).requires_grad_()
    b = torch.randn(shape[1], dtype=torch.float64, requires_grad=True)

    def f(x, w, b):
        return functional_call(layer, {"weight": w, "bias": b}, (x,))

    assert torch.autograd.gradcheck(f, (x, w, b))
    assert torch.autograd.gradgradcheck(f, (x, w, b))


# ----------------------------------------------------------------------------- 3. torch.func and vectorized jacobians


@pytest.mark.parametrize("ours_cls,torch_cls,shape", CASES)
def test_vectorized_jacobian_matches_torch(ours_cls, torch_cls, shape):
    ours, ref = pair(ours_cls, torch_cls, shape[1])
    x = sample(shape)
    jac = torch.autograd.functional.jacobian(ours, x, vectorize=True)
    jac_ref = torch.autograd.functional.jacobian(ref, x, vectorize=True)
    torch.testing.assert_close(jac, jac_ref, **F64)
    assert_same_buffers(ours, ref)


def test_replace_all_batch_norm_modules_reaches_our_layers():
    model = nn.Sequential(nn.Linear(4, 3), BatchNorm1d(3), nn.ReLU(), nn.Conv1d(3, 3, 1), BatchNorm1d(3))
    replace_all_batch_norm_modules_(model)
    for bn in (model[1], model[4]):
        assert bn.running_mean is None and bn.running_var is None and bn.num_batches_tracked is None
        assert not bn.track_running_stats
    assert isinstance(model[1], nn.modules.batchnorm._BatchNorm)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", CASES)
def test_vmap_grad_and_jacrev_match_torch_after_replace_all_batch_norm_modules(ours_cls, torch_cls, shape):
    """torch.func's recipe for batch norm: no running stats, then vmap over several batches at once."""
    ours, ref = pair(ours_cls, torch_cls, shape[1])
    replace_all_batch_norm_modules_(ours), replace_all_batch_norm_modules_(ref)
    xs = sample((5, *shape))  # 5 independent mini-batches
    torch.testing.assert_close(vmap(ours)(xs), vmap(ref)(xs), **F64)

    def loss(layer):
        return lambda x: layer(x).pow(3).sum()

    torch.testing.assert_close(vmap(grad(loss(ours)))(xs), vmap(grad(loss(ref)))(xs), **F64)
    torch.testing.assert_close(jacrev(ours)(xs[0]), jacrev(ref)(xs[0]), **F64)
    # and the second derivative through torch.func: hessian-vector products
    v = sample(shape, 7)
    hvp = jvp(grad(loss(ours)), (xs[0],), (v,))[1]
    torch.testing.assert_close(hvp, jvp(grad(loss(ref)), (xs[0],), (v,))[1], **F64)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", CASES)
def test_vmap_in_eval_mode_uses_running_stats_like_torch(ours_cls, torch_cls, shape):
    ours, ref = pair(ours_cls, torch_cls, shape[1])
    for seed in range(3):
        x = sample(shape, seed)
        ours(x), ref(x)
    ours.eval(), ref.eval()
    xs = sample((4, *shape), 9)
    torch.testing.assert_close(vmap(ours)(xs), vmap(ref)(xs), **F64)
    torch.testing.assert_close(
        vmap(grad(lambda x: ours(x).pow(3).sum()))(xs), vmap(grad(lambda x: ref(x).pow(3).sum()))(xs), **F64
    )


def test_vmap_over_stacked_parameters_matches_torch():
    """Model ensembling with torch.func: one vmap over three layers' stacked γ and β."""
    layers = [pair(BatchNorm2d, nn.BatchNorm2d, 3, track_running_stats=False) for _ in range(3)]
    for k, (ours, ref) in enumerate(layers):
        with torch.no_grad():
            ours.weight.mul_(k + 1), ref.weight.mul_(k + 1)
    x = sample((4, 3, 2, 2))
    out = []
    for i in (0, 1):
        params, buffers = stack_module_state([pair_[i] for pair_ in layers])
        base = copy.deepcopy(layers[0][i]).to("meta")
        out.append(vmap(lambda p, b: functional_call(base, (p, b), (x,)), in_dims=(0, 0))(params, buffers))  # noqa: B023
    torch.testing.assert_close(out[0], out[1], **F64)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", CASES[:1])
def test_tracked_running_stats_under_vmap_raise_like_torch(ours_cls, torch_cls, shape):
    """Running averages cannot be updated in place from a vmapped batch: torch raises, so do we."""
    ours, ref = pair(ours_cls, torch_cls, shape[1])
    xs = sample((2, *shape))
    with pytest.raises(RuntimeError):
        vmap(ref)(xs)
    with pytest.raises(RuntimeError):
        vmap(ours)(xs)


# ----------------------------------------------------------------------------- 4. forward-mode AD


@pytest.mark.parametrize("ours_cls,torch_cls,shape", CASES)
@pytest.mark.parametrize("kw", [dict(), dict(affine=False), dict(momentum=None)])
def test_forward_mode_dual_tensors_match_torch_in_training(ours_cls, torch_cls, shape, kw):
    ours, ref = pair(ours_cls, torch_cls, shape[1], **kw)
    x, tangent = sample(shape), sample(shape, 5)
    outs = []
    for layer in (ours, ref):
        with fwAD.dual_level():
            y = layer(fwAD.make_dual(x, tangent))
            outs.append(fwAD.unpack_dual(y))
            assert fwAD.unpack_dual(layer.running_mean).tangent is None  # buffers stay plain tensors
    torch.testing.assert_close(outs[0].primal, outs[1].primal, **F64)
    torch.testing.assert_close(outs[0].tangent, outs[1].tangent, **F64)
    assert_same_buffers(ours, ref)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", CASES)
@pytest.mark.parametrize("training", [True, False])
def test_func_jvp_matches_torch(ours_cls, torch_cls, shape, training):
    ours, ref = pair(ours_cls, torch_cls, shape[1], track_running_stats=False)
    ours.train(training), ref.train(training)
    x, tangent = sample(shape), sample(shape, 5)
    for got, want in zip(jvp(ours, (x,), (tangent,)), jvp(ref, (x,), (tangent,))):
        torch.testing.assert_close(got, want, **F64)


# ----------------------------------------------------------------------------- 5. eps


@pytest.mark.parametrize("training,track", [(True, True), (True, False), (False, True), (False, False)])
@pytest.mark.parametrize("eps", [-1e-5, -1.0])
def test_negative_eps_raises_value_error_like_torch(training, track, eps):
    x = sample((4, 3))
    with pytest.raises(ValueError, match="eps must be"):
        nn.BatchNorm1d(3, eps=eps, track_running_stats=track).train(training)(x)
    layer = BatchNorm1d(3, eps=eps, track_running_stats=track).train(training)
    with pytest.raises(ValueError, match="eps must be non-negative"):
        layer(x)
    if track:
        assert int(layer.num_batches_tracked) == 0  # a call that raises leaves the buffers alone


def test_zero_eps_is_allowed_in_training_unlike_torch():
    """A deliberate difference: ε = 0 makes Section 3.3's scale invariance exact (test_functional), so
    we accept it where torch raises; eval with ε = 0 is accepted by both."""
    x = sample((4, 3))
    with pytest.raises(ValueError):
        nn.BatchNorm1d(3, eps=0.0)(x)
    assert BatchNorm1d(3, eps=0.0, dtype=torch.float64)(x).isfinite().all()
    torch.testing.assert_close(
        BatchNorm1d(3, eps=0.0, dtype=torch.float64).eval()(x),
        nn.BatchNorm1d(3, eps=0.0, dtype=torch.float64).eval()(x),
        **F64,
    )


# ----------------------------------------------------------------------------- 6. mixed precision


def test_autocast_conv_then_batch_norm_matches_torch():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 8, 3)
    ours, ref = pair(BatchNorm2d, nn.BatchNorm2d, 8, dtype=torch.float32)
    x = torch.randn(4, 3, 8, 8)
    results = []
    for layer in (ours, ref):
        model = nn.Sequential(copy.deepcopy(conv), layer)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = model(x)
        y.float().pow(2).sum().backward()
        results.append((y, model[0].weight.grad, layer.weight.grad, layer.bias.grad))
        assert layer.running_mean.dtype == torch.float32
    for got, want in zip(*results):
        assert got.dtype == want.dtype
        torch.testing.assert_close(got.float(), want.float(), rtol=0.02, atol=0.05)
    assert results[0][0].dtype == torch.bfloat16
    assert_same_buffers(ours, ref, rtol=1e-2, atol=1e-3)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", CASES)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_eval_returns_the_input_dtype_like_torch(ours_cls, torch_cls, shape, dtype):
    ours, ref = pair(ours_cls, torch_cls, shape[1], dtype=torch.float32)
    x = sample(shape, dtype=torch.float32)
    ours(x), ref(x)
    ours.eval(), ref.eval()
    x16 = x.to(dtype)
    y, y_ref = ours(x16), ref(x16)
    assert y.dtype == y_ref.dtype == dtype
    torch.testing.assert_close(y.float(), y_ref.float(), rtol=1e-2, atol=1e-2)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert ours(x16).dtype == ref(x16).dtype == dtype


def errors_against_float64(layer_cls, shape, dtype):
    """Largest errors of a layer run wholly in ``dtype``, against the same layer in float64."""
    ref = layer_cls(shape[1], dtype=torch.float64)
    layer = layer_cls(shape[1], dtype=dtype)
    g = torch.Generator().manual_seed(0)
    x, dy = (
        torch.randn(shape, generator=g, dtype=torch.float64) * 3 + 5,
        torch.randn(shape, generator=g, dtype=torch.float64),
    )
    x_ref, x16 = x.clone().requires_grad_(), x.to(dtype).requires_grad_()
    ref(x_ref).backward(dy)
    y = layer(x16)
    y.backward(dy.to(dtype))
    assert y.dtype == x16.grad.dtype == layer.weight.grad.dtype == dtype
    errors = {
        "y": (y.double() - ref(x_ref).detach()).abs().max(),
        "dx": (x16.grad.double() - x_ref.grad).abs().max(),
        "dgamma": (layer.weight.grad.double() - ref.weight.grad).abs().max(),
        "running_var": (layer.running_var.double() - ref.running_var).abs().max(),
    }
    layer.eval(), ref.eval()
    with torch.no_grad():
        errors["eval y"] = (layer(x.to(dtype)).double() - ref(x)).abs().max()
    return {k: float(v) for k, v in errors.items()}


@pytest.mark.parametrize(
    "ours_cls,torch_cls,shape",
    [(BatchNorm1d, nn.BatchNorm1d, (256, 32)), (BatchNorm2d, nn.BatchNorm2d, (64, 16, 8, 8))],
)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_16bit_layer_is_no_less_accurate_than_torchs(ours_cls, torch_cls, shape, dtype):
    """Statistics summed in float32, as torch's CPU kernel does: our errors against float64 are
    at most torch's (within 10 %, rounding to 16 bits decides the rest)."""
    ours, theirs = errors_against_float64(ours_cls, shape, dtype), errors_against_float64(torch_cls, shape, dtype)
    for key, err in ours.items():
        assert err <= 1.1 * theirs[key] + 1e-6, (key, err, theirs[key])


# ----------------------------------------------------------------------------- 7. old checkpoints


@pytest.mark.parametrize("count", [0, 5])
def test_state_dict_without_num_batches_tracked_loads_like_torch(count):
    """A checkpoint from before torch added num_batches_tracked (version < 2) loads; the count is kept."""
    source, _ = pair(BatchNorm2d, nn.BatchNorm2d, 3)
    source(sample((2, 3, 2, 2)))
    old = source.state_dict()
    del old["num_batches_tracked"]
    del old._metadata  # what a version-1 checkpoint has: no version number
    loaded = []
    for cls in (BatchNorm2d, nn.BatchNorm2d):
        layer = cls(3, dtype=torch.float64)
        layer.num_batches_tracked.fill_(count)
        assert not layer.load_state_dict(copy.copy(old)).missing_keys
        loaded.append(layer.state_dict())
    assert list(loaded[0]) == list(loaded[1])
    for key, value in loaded[1].items():
        assert torch.equal(loaded[0][key], value), key
    assert int(loaded[0]["num_batches_tracked"]) == count


def test_version_2_state_dict_without_num_batches_tracked_fails_like_torch():
    sd = BatchNorm1d(3).state_dict()
    assert sd._metadata[""]["version"] == nn.BatchNorm1d(3).state_dict()._metadata[""]["version"] == 2
    del sd["num_batches_tracked"]
    for cls in (BatchNorm1d, nn.BatchNorm1d):
        with pytest.raises(RuntimeError, match="num_batches_tracked"):
            cls(3).load_state_dict(copy.copy(sd))


# ----------------------------------------------------------------------------- 8. errors


@pytest.mark.parametrize(
    "cls,torch_cls,shape", [(BatchNorm1d, nn.BatchNorm1d, (1, 3)), (BatchNorm2d, nn.BatchNorm2d, (1, 3, 1, 1))]
)
def test_eval_without_running_stats_and_one_value_per_channel_raises_value_error(cls, torch_cls, shape):
    x = sample(shape)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        torch_cls(3, track_running_stats=False).eval()(x)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        cls(3, track_running_stats=False, dtype=torch.float64).eval()(x)


@pytest.mark.parametrize("kw", [dict(), dict(affine=False)])
@pytest.mark.parametrize("training", [True, False])
def test_channel_mismatch_raises_both_value_error_and_runtime_error(kw, training):
    x = sample((4, 5))
    with pytest.raises(RuntimeError):
        nn.BatchNorm1d(3, **kw).train(training)(x)
    with pytest.raises(RuntimeError, match="got 5 channels") as info:
        BatchNorm1d(3, **kw).train(training)(x)
    assert isinstance(info.value, ValueError)  # what bnviz raised before, so both kinds of `except` still catch it


def test_swa_update_bn_recomputes_our_running_stats_like_torch():
    """torch.optim.swa_utils.update_bn finds batch norm layers by type: ours are found and recomputed alike."""
    loader = [sample((8, 4), seed) for seed in range(3)]
    stats = []
    for cls in (BatchNorm1d, nn.BatchNorm1d):
        model = nn.Sequential(nn.Linear(4, 4).double(), cls(4, dtype=torch.float64))
        nn.init.eye_(model[0].weight), nn.init.zeros_(model[0].bias)
        model[1].running_mean.fill_(7.0)
        torch.optim.swa_utils.update_bn(loader, model)
        stats.append((model[1].running_mean, model[1].running_var, model[1].momentum))
    torch.testing.assert_close(stats[0][:2], stats[1][:2], **F64)
    assert stats[0][2] == stats[1][2] == 0.1  # momentum restored afterwards
