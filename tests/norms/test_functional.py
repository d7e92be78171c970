"""The step-by-step math of bnviz.norms.bn_steps against autograd, finite differences and torch."""

import pytest
import torch
from torch import nn

from bnviz.norms import bn_fused, bn_steps
from bnviz.norms.batch_norm import BatchNorm1d, BatchNorm2d

TOL = dict(rtol=1e-9, atol=1e-11)


def toy(shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64) * 3 + 1
    c = shape[1]
    w = torch.rand(c, generator=g, dtype=torch.float64) + 0.5
    b = torch.randn(c, generator=g, dtype=torch.float64)
    dy = torch.randn(shape, generator=g, dtype=torch.float64)
    return x, w, b, dy


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3), (3, 2, 4, 5)])
def test_forward_steps_match_torch_batch_norm(shape):
    x, w, b, _ = toy(shape)
    fwd = bn_steps.forward_steps(x, w, b, eps=1e-5)
    ref = torch.nn.functional.batch_norm(x, None, None, w, b, training=True, eps=1e-5)
    torch.testing.assert_close(fwd.y, ref, **TOL)
    dims = bn_fused.reduce_dims(x)
    torch.testing.assert_close(fwd.batch_mean, x.mean(dims), **TOL)
    torch.testing.assert_close(fwd.batch_var, x.var(dims, correction=0), **TOL)
    assert fwd.m == x.numel() // shape[1]


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3), (3, 2, 4, 5)])
def test_paper_backward_equations_match_autograd(shape):
    """Each of Section 3's six gradients against autograd through the step-by-step forward."""
    x, w, b, dy = toy(shape)
    x = x.requires_grad_()
    w = w.requires_grad_()
    b = b.requires_grad_()
    fwd = bn_steps.forward_steps(x, w, b)
    mean, var, x_hat = fwd.batch_mean, fwd.batch_var, fwd.x_hat
    for t in (mean, var, x_hat):
        t.retain_grad()
    fwd.y.backward(dy)
    steps = bn_steps.backward_steps(dy, bn_steps.forward_steps(x.detach(), w.detach(), b.detach()), w.detach())
    torch.testing.assert_close(steps.dx_hat, x_hat.grad, **TOL)
    torch.testing.assert_close(steps.dx, x.grad, **TOL)
    torch.testing.assert_close(steps.dgamma, w.grad, **TOL)
    torch.testing.assert_close(steps.dbeta, b.grad, **TOL)
    # autograd's var.grad and mean.grad include only the paths the paper's dvar/dmean count:
    # σ²_B feeds x̂ directly; μ_B feeds x̂ directly and through σ²_B.
    torch.testing.assert_close(steps.dvar, var.grad, **TOL)
    torch.testing.assert_close(steps.dmean, mean.grad, **TOL)


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3), (3, 2, 4, 5)])
@pytest.mark.parametrize("affine", ["both", "weight only", "none"])
def test_fast_path_equals_paper_step_by_step(shape, affine):
    """train_forward and closed_form_backward (what the layers run) equal Algorithm 1 and Section 3's chain rule."""
    x, w, b, dy = toy(shape, seed=1)
    fwd = bn_steps.forward_steps(
        x, w if affine != "none" else torch.ones_like(w), b if affine == "both" else torch.zeros_like(b)
    )
    steps = bn_steps.backward_steps(dy, fwd, w if affine != "none" else torch.ones_like(w))
    y, mean, var, centered, inv_std = bn_fused.train_forward(
        x, w if affine != "none" else None, b if affine == "both" else None, 1e-5
    )
    torch.testing.assert_close(y, fwd.y, **TOL)
    torch.testing.assert_close(mean.flatten(), fwd.batch_mean, **TOL)
    torch.testing.assert_close(var.flatten(), fwd.batch_var, **TOL)
    dx, dgamma, dbeta = bn_fused.closed_form_backward(dy, centered, inv_std, w if affine != "none" else None)
    torch.testing.assert_close(dx, steps.dx, **TOL)
    torch.testing.assert_close(dgamma, steps.dgamma, **TOL)
    torch.testing.assert_close(dbeta, steps.dbeta, **TOL)


def test_backward_matches_finite_differences():
    x, w, b, dy = toy((4, 2), seed=2)
    steps = bn_steps.backward_steps(dy, bn_steps.forward_steps(x, w, b), w)
    h = 1e-6
    for i in range(4):
        for j in range(2):
            xp, xm = x.clone(), x.clone()
            xp[i, j] += h
            xm[i, j] -= h
            lp = (bn_steps.forward_steps(xp, w, b).y * dy).sum()
            lm = (bn_steps.forward_steps(xm, w, b).y * dy).sum()
            assert abs((lp - lm) / (2 * h) - steps.dx[i, j]) < 1e-6


def test_gradient_wrt_x_sums_to_zero_per_channel():
    """BN's output ignores shifts of a channel, so ∂ℓ/∂x sums to 0 over the mini-batch."""
    x, w, b, dy = toy((6, 3), seed=3)
    steps = bn_steps.backward_steps(dy, bn_steps.forward_steps(x, w, b), w)
    torch.testing.assert_close(steps.dx.sum(0), torch.zeros(3, dtype=torch.float64), rtol=0, atol=1e-12)


@pytest.mark.parametrize("bn_cls,shape", [(BatchNorm1d, (8, 3)), (BatchNorm2d, (4, 3, 2, 2))])
def test_folded_inference_map_equals_eval_output(bn_cls, shape):
    bn = bn_cls(shape[1], dtype=torch.float64)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 2)
        bn.bias.uniform_(-1, 1)
    for k in range(4):
        bn(torch.randn(shape, dtype=torch.float64) * 2 + k)
    bn.eval()
    x = torch.randn(shape, dtype=torch.float64)
    a, b = bn_fused.inference_affine(bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.eps)
    torch.testing.assert_close(bn_fused.per_channel(a, x) * x + bn_fused.per_channel(b, x), bn(x), **TOL)
    ref = torch.nn.functional.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, training=False)
    torch.testing.assert_close(bn(x), ref, **TOL)


def test_population_stats_is_algorithm_2():
    w, b = torch.tensor([1.5, 0.5], dtype=torch.float64), torch.tensor([0.1, -0.2], dtype=torch.float64)
    batches = [torch.randn(5, 2, dtype=torch.float64) + k for k in range(4)]
    pop = bn_steps.population_stats(batches, w, b)
    allx = torch.stack(batches)  # (K, m, C)
    torch.testing.assert_close(pop.mean, allx.mean((0, 1)), **TOL)
    torch.testing.assert_close(pop.var, allx.var(1, correction=1).mean(0), **TOL)
    # and the layer with momentum=None agrees
    bn = BatchNorm1d(2, momentum=None, dtype=torch.float64)
    for xb in batches:
        bn(xb)
    torch.testing.assert_close(bn.running_var, pop.var, **TOL)
    with pytest.raises(ValueError, match="one size"):
        bn_steps.population_stats([torch.randn(5, 2), torch.randn(4, 2)], w.float(), b.float())


@pytest.mark.parametrize("bn_cls,shape,lin", [(BatchNorm1d, (16, 6), "linear"), (BatchNorm2d, (4, 6, 5, 5), "conv")])
def test_scale_invariance_of_bn_w_u(bn_cls, shape, lin):
    """Section 3.3: BN((aW)u) = BN(Wu), and ∂BN((aW)u)/∂u = ∂BN(Wu)/∂u, ∂/∂(aW) = (1/a)·∂/∂W."""
    torch.manual_seed(0)
    u = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    layer = nn.Linear(6, 6, bias=False) if lin == "linear" else nn.Conv2d(6, 6, 3, padding=1, bias=False)
    layer = layer.double()
    # The paper's identity ignores ε; with ε = 0 it holds to rounding (ε > 0 breaks it by O(ε/σ²)).
    bn = bn_cls(6, eps=0.0, dtype=torch.float64)
    a = 7.5
    dy = torch.randn(shape, dtype=torch.float64)

    def run(scale):
        w = (layer.weight.detach() * scale).requires_grad_()
        uu = u.detach().clone().requires_grad_()
        z = torch.nn.functional.linear(uu, w) if lin == "linear" else torch.nn.functional.conv2d(uu, w, padding=1)
        y = bn(z)
        y.backward(dy)
        return y.detach(), uu.grad, w.grad

    y1, du1, dw1 = run(1.0)
    ya, dua, dwa = run(a)
    torch.testing.assert_close(ya, y1, **TOL)
    torch.testing.assert_close(dua, du1, **TOL)
    torch.testing.assert_close(dwa * a, dw1, **TOL)
    assert not torch.allclose(dwa, dw1)  # the larger weights get the smaller gradient
