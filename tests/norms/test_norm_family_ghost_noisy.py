"""Ghost BN against torch BN applied chunk by chunk; Noisy BN against BN, its seed, and the paper's noise recipe."""

import pytest
import torch
from torch import nn

from bnviz.norms.ghost_batch_norm import GhostBatchNorm1d, GhostBatchNorm2d
from bnviz.norms.noisy_batch_norm import NoisyBatchNorm1d, NoisyBatchNorm2d, sample_noise

TOL = dict(rtol=1e-10, atol=1e-12)
F64 = dict(dtype=torch.float64)


def set_affine(*layers, seed=1):
    g = torch.Generator().manual_seed(seed)
    c = layers[0].num_features
    w, b = torch.rand(c, generator=g, **F64) + 0.5, torch.randn(c, generator=g, **F64)
    with torch.no_grad():
        for layer in layers:
            if layer.weight is not None:
                layer.weight.copy_(w)
            if layer.bias is not None:
                layer.bias.copy_(b)


def compare_steps(ours, oracle, params_of_oracle, shape, steps, seed=0):
    """Feed both the same batches; equal outputs, input gradients and parameter gradients each step."""
    g = torch.Generator().manual_seed(seed)
    for step in range(steps):
        x = torch.randn(shape, generator=g, **F64) * (1 + step) + step
        dy = torch.randn(shape, generator=g, **F64)
        x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
        y, y_ref = ours(x1), oracle(x2)
        torch.testing.assert_close(y, y_ref, **TOL)
        y.backward(dy), y_ref.backward(dy)
        torch.testing.assert_close(x1.grad, x2.grad, **TOL)
        for name, p in params_of_oracle.named_parameters():
            torch.testing.assert_close(getattr(ours, name).grad, p.grad, **TOL)


# ---------------------------------------------------------------- Ghost BN

GHOST_CASES = [
    (GhostBatchNorm1d, nn.BatchNorm1d, (12, 5), 4),  # 3 ghost batches of 4
    (GhostBatchNorm1d, nn.BatchNorm1d, (10, 4, 3), 4),  # 4, 4 and a last one of 2
    (GhostBatchNorm2d, nn.BatchNorm2d, (8, 3, 4, 5), 3),  # 3, 3, 2
]


def chunk_by_chunk(bn, g):
    """The oracle: torch's own BN called on each chunk of ``g`` examples in turn."""
    return lambda x: torch.cat([bn(chunk) for chunk in x.split(g)])


@pytest.mark.parametrize("ours_cls,torch_cls,shape,g", GHOST_CASES)
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("kw", [{}, dict(affine=False)])
def test_ghost_bn_is_torch_bn_applied_chunk_by_chunk(ours_cls, torch_cls, shape, g, momentum, kw):
    ours = ours_cls(shape[1], momentum=momentum, virtual_batch_size=g, **kw, **F64)
    ref = torch_cls(shape[1], momentum=momentum, **kw, **F64)
    set_affine(ours, ref)
    compare_steps(ours, chunk_by_chunk(ref, g), ref, shape, steps=3)
    # running statistics moved once per ghost batch, in order, exactly as the sequential oracle's
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        torch.testing.assert_close(getattr(ours, name), getattr(ref, name), **TOL)
    assert int(ours.num_batches_tracked) == 3 * len(range(0, shape[0], g))
    ours.eval(), ref.eval()
    compare_steps(ours, ref, ref, shape, steps=1, seed=4)  # eval: BN's, the running statistics


@pytest.mark.parametrize("ours_cls,torch_cls,shape,g", GHOST_CASES)
def test_ghost_bn_without_running_stats_normalizes_ghost_batches_in_eval_too(ours_cls, torch_cls, shape, g):
    ours = ours_cls(shape[1], track_running_stats=False, virtual_batch_size=g, **F64)
    ref = torch_cls(shape[1], track_running_stats=False, **F64)
    set_affine(ours, ref)
    ours.eval(), ref.eval()
    compare_steps(ours, chunk_by_chunk(ref, g), ref, shape, steps=2)


def test_ghost_batch_as_large_as_the_batch_is_plain_batch_norm_and_smaller_is_not():
    x = torch.randn(12, 4, **F64) * 2 + 1
    bn = nn.BatchNorm1d(4, **F64)
    torch.testing.assert_close(GhostBatchNorm1d(4, virtual_batch_size=12, **F64)(x), bn(x), **TOL)
    torch.testing.assert_close(GhostBatchNorm1d(4, virtual_batch_size=50, **F64)(x), bn(x), **TOL)
    assert (GhostBatchNorm1d(4, virtual_batch_size=4, **F64)(x) - bn(x)).abs().max() > 1e-3


def test_ghost_batch_of_one_value_per_channel_raises_value_error():
    with pytest.raises(ValueError, match=r"input size \[1, 3\] \(a ghost batch: input size \[5, 3\]"):
        GhostBatchNorm1d(3, virtual_batch_size=2)(torch.randn(5, 3))


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, None])
def test_bad_virtual_batch_size_raises_value_error(bad):
    with pytest.raises(ValueError, match="virtual_batch_size must be a positive whole number"):
        GhostBatchNorm2d(3, virtual_batch_size=bad)


def test_ghost_bn_state_dict_keys_are_torch_batch_norms():
    ours, ref = GhostBatchNorm2d(3, virtual_batch_size=4), nn.BatchNorm2d(3)
    assert list(ours.state_dict()) == list(ref.state_dict())
    ours.load_state_dict(ref.state_dict())
    ref.load_state_dict(ours.state_dict())
    assert repr(ours).endswith("track_running_stats=True, virtual_batch_size=4)")


# ---------------------------------------------------------------- Noisy BN

NO_NOISE = dict(n_mu=0.0, n_sigma=1.0, r_mu=0.0, r_sigma=0.0)
NOISY_CASES = [
    (NoisyBatchNorm1d, nn.BatchNorm1d, (8, 5)),
    (NoisyBatchNorm1d, nn.BatchNorm1d, (6, 4, 7)),
    (NoisyBatchNorm2d, nn.BatchNorm2d, (4, 3, 5, 6)),
]


@pytest.mark.parametrize("ours_cls,torch_cls,shape", NOISY_CASES)
def test_with_zero_noise_it_is_batch_norm(ours_cls, torch_cls, shape):
    ours = ours_cls(shape[1], seed=0, **NO_NOISE, **F64)
    ref = torch_cls(shape[1], **F64)
    set_affine(ours, ref)
    compare_steps(ours, ref, ref, shape, steps=3)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        torch.testing.assert_close(getattr(ours, name), getattr(ref, name), **TOL)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", NOISY_CASES)
def test_eval_has_no_noise(ours_cls, torch_cls, shape):
    ours, ref = ours_cls(shape[1], seed=0, **F64), torch_cls(shape[1], **F64)
    set_affine(ours, ref)
    for _ in range(2):
        ours(torch.randn(shape, **F64) * 2 + 1)
    ref.load_state_dict(ours.state_dict())
    ours.eval(), ref.eval()
    compare_steps(ours, ref, ref, shape, steps=2)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", NOISY_CASES)
def test_training_output_is_s_times_bn_plus_m_with_gradient_s_times_bns(ours_cls, torch_cls, shape):
    ours, bn = ours_cls(shape[1], seed=11, **F64), torch_cls(shape[1], **F64)
    set_affine(ours, bn)
    x = torch.randn(shape, **F64) * 3 - 1
    dy = torch.randn(shape, **F64)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    y, a = ours(x1), bn(x2)
    s, m = sample_noise(a, 0.5, 1.25, 0.1, 0.1, torch.Generator().manual_seed(11))  # the same draws again
    torch.testing.assert_close(y, s * a + m, **TOL)
    y.backward(dy), a.backward(dy * s)  # m and s are constants: ∂y/∂a = s
    torch.testing.assert_close(x1.grad, x2.grad, **TOL)
    torch.testing.assert_close(ours.weight.grad, bn.weight.grad, **TOL)


def test_seeded_runs_repeat_exactly_and_seeds_differ():
    def run(**kw):
        layer = NoisyBatchNorm2d(3, **kw, **F64)
        g = torch.Generator().manual_seed(0)
        return [layer(torch.randn(4, 3, 5, 5, generator=g, **F64)) for _ in range(3)]

    first, again = run(seed=5), run(seed=5)
    for y1, y2 in zip(first, again):
        assert torch.equal(y1, y2)
    for y1, y2 in zip(first, run(generator=torch.Generator().manual_seed(5))):
        assert torch.equal(y1, y2)  # a seed is a generator seeded with it
    assert not torch.equal(first[0], run(seed=6)[0])
    assert not torch.equal(first[0], first[1])  # and the noise changes from step to step


def test_noise_follows_the_papers_recipe_per_unit_and_per_step():
    """Algorithm 1, Appendix A.2.1 of arXiv 1805.11604, checked statistically (fixed seed, loose bounds)."""
    n, c = 400, 2000
    g = torch.Generator().manual_seed(0)
    like = torch.empty(n, c, **F64)
    s, m = sample_noise(like, 0.5, 1.25, 0.1, 0.1, g)
    # m_ij ~ U(μ_j − 0.1, μ_j + 0.1): per unit, a band of width exactly ≤ 0.2 around its centre μ_j
    lo, hi = m.min(0).values, m.max(0).values
    assert (hi - lo).max() <= 0.2 and (hi - lo).min() > 0.19
    mu = (lo + hi) / 2  # each unit's μ_j, to within ~0.001
    # μ_j ~ U(−0.5, 0.5) across units: inside the range, mean ≈ 0, variance ≈ 1/12, spread over the range
    assert mu.abs().max() <= 0.5 + 1e-3
    assert abs(float(mu.mean())) < 0.03 and abs(float(mu.var()) - 1 / 12) < 0.01
    assert float(mu.min()) < -0.48 and float(mu.max()) > 0.48
    # within a unit m is uniform: variance 0.2²/12
    assert abs(float((m - mu).var()) - 0.04 / 12) < 2e-4
    # s_ij ~ N(σ_j, 0.1) with σ_j ~ U(1, 1.25)
    sigma = s.mean(0)  # each unit's σ_j, to within ~0.005
    assert float(sigma.min()) > 1 - 0.02 and float(sigma.max()) < 1.25 + 0.02
    assert abs(float(sigma.mean()) - 1.125) < 0.01 and abs(float(sigma.var()) - 0.25**2 / 12) < 1e-3
    assert abs(float((s - sigma).std()) - 0.1) < 0.002
    within = (s - sigma) / 0.1  # standardized: a normal has 68.3% within one sd, 95.4% within two
    assert abs(float((within.abs() < 1).double().mean()) - 0.683) < 0.01
    assert abs(float((within.abs() < 2).double().mean()) - 0.954) < 0.005
    # a new step draws new μ_j, σ_j (time-varying noise)
    s2, m2 = sample_noise(like, 0.5, 1.25, 0.1, 0.1, g)
    assert (m2.mean(0) - m.mean(0)).abs().mean() > 0.1
    assert (s2.mean(0) - s.mean(0)).abs().mean() > 0.03


def test_conv_noise_is_drawn_per_position():
    s, m = sample_noise(torch.empty(2, 3, 4, 4), 0.5, 1.25, 0.1, 0.1, torch.Generator().manual_seed(0))
    assert s.shape == m.shape == (2, 3, 4, 4)
    assert float(m[0, 0].std()) > 0.01 and float(s[0, 0].std()) > 0.01  # varies over h, w within a map


def test_bad_noise_settings_raise_value_error():
    with pytest.raises(ValueError, match="n_sigma >= 1"):
        NoisyBatchNorm1d(3, n_sigma=0.5)
    with pytest.raises(ValueError, match="generator or a seed, not both"):
        NoisyBatchNorm1d(3, seed=1, generator=torch.Generator())


def test_noisy_bn_state_dict_keys_are_torch_batch_norms():
    ours, ref = NoisyBatchNorm1d(3, seed=1), nn.BatchNorm1d(3)
    assert list(ours.state_dict()) == list(ref.state_dict())
    ours.load_state_dict(ref.state_dict())
    ref.load_state_dict(ours.state_dict())
