"""Batch Renormalization against torch BN (r = 1, d = 0) and against a direct transcription of the paper's Algorithm 1."""

import pytest
import torch
from torch import nn

from bnviz.norms.batch_renorm import BatchRenorm1d, BatchRenorm2d, renorm_bounds

TOL = dict(rtol=1e-10, atol=1e-12)
F64 = dict(dtype=torch.float64)

SHAPES = [
    (BatchRenorm1d, nn.BatchNorm1d, (8, 5)),
    (BatchRenorm1d, nn.BatchNorm1d, (6, 4, 7)),
    (BatchRenorm2d, nn.BatchNorm2d, (4, 3, 5, 6)),
]


def batches(shape, steps, seed=0):
    """(x, dy) pairs whose mean and spread drift from step to step, so r and d have work to do."""
    g = torch.Generator().manual_seed(seed)
    c = shape[1]
    view = (1, c, *([1] * (len(shape) - 2)))
    for step in range(steps):
        scale = (torch.rand(c, generator=g, **F64) * 3 + 0.2 * (1 + step)).view(view)
        shift = (torch.randn(c, generator=g, **F64) * 2).view(view)
        yield torch.randn(shape, generator=g, **F64) * scale + shift, torch.randn(shape, generator=g, **F64)


def set_affine(*layers, seed=1):
    g = torch.Generator().manual_seed(seed)
    w = torch.rand(layers[0].num_features, generator=g, **F64) + 0.5
    b = torch.randn(layers[0].num_features, generator=g, **F64)
    with torch.no_grad():
        for layer in layers:
            layer.weight.copy_(w), layer.bias.copy_(b)


def run_and_compare(ours, reference, shape, steps, seed=0):
    """Train ``ours`` and ``reference(x)`` side by side; equal outputs and gradients every step."""
    for x, dy in batches(shape, steps, seed):
        x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
        y, y_ref = ours(x1), reference(x2)
        torch.testing.assert_close(y, y_ref, **TOL)
        y.backward(dy), y_ref.backward(dy)
        torch.testing.assert_close(x1.grad, x2.grad, **TOL)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", SHAPES)
@pytest.mark.parametrize("momentum", [0.1, None])
def test_with_r_max_1_and_d_max_0_it_is_torch_batch_norm(ours_cls, torch_cls, shape, momentum):
    ours = ours_cls(shape[1], momentum=momentum, r_max=1.0, d_max=0.0, **F64)
    ref = torch_cls(shape[1], momentum=momentum, **F64)
    set_affine(ours, ref)
    run_and_compare(ours, ref, shape, steps=4)
    for name in ("weight", "bias"):
        torch.testing.assert_close(getattr(ours, name).grad, getattr(ref, name).grad, **TOL)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        torch.testing.assert_close(getattr(ours, name), getattr(ref, name), **TOL)
    ours.eval(), ref.eval()
    run_and_compare(ours, ref, shape, steps=1, seed=5)


class PaperAlgorithm1:
    """Algorithm 1 of arXiv 1702.03275 written out per channel on a (C, m) matrix, with its own moving averages.

    Moving averages kept as documented in bnviz.norms.batch_renorm: the mean and the *unbiased*
    variance, moved with ``momentum``; σ = √(Var + ε). ``detach`` chooses whether r and d are
    stop-gradient constants (the paper) or not.
    """

    def __init__(self, c, eps, momentum, r_max, d_max, weight, bias, detach=True):
        self.mu, self.var = torch.zeros(c, **F64), torch.ones(c, **F64)
        self.eps, self.momentum, self.r_max, self.d_max = eps, momentum, r_max, d_max
        self.weight, self.bias, self.detach = weight, bias, detach
        self.r = self.d = None

    def __call__(self, x):
        c = x.shape[1]
        xm = x.transpose(0, 1).reshape(c, -1)  # (C, m): row j holds every value channel j sees
        m = xm.shape[1]
        mu_b = xm.sum(1) / m
        sigma_b = torch.sqrt(((xm - mu_b[:, None]) ** 2).sum(1) / m + self.eps)
        sigma = torch.sqrt(self.var + self.eps)
        r = torch.minimum(
            torch.maximum(sigma_b / sigma, torch.full_like(sigma, 1 / self.r_max)), torch.full_like(sigma, self.r_max)
        )
        d = torch.minimum(
            torch.maximum((mu_b - self.mu) / sigma, torch.full_like(sigma, -self.d_max)),
            torch.full_like(sigma, self.d_max),
        )
        if self.detach:
            r, d = r.detach(), d.detach()
        self.r, self.d = r.detach(), d.detach()
        x_hat = (xm - mu_b[:, None]) / sigma_b[:, None] * r[:, None] + d[:, None]
        ym = self.weight[:, None] * x_hat + self.bias[:, None]
        with torch.no_grad():
            self.mu = self.mu + self.momentum * (mu_b - self.mu)
            unbiased = ((xm - mu_b[:, None]) ** 2).sum(1) / (m - 1)
            self.var = self.var + self.momentum * (unbiased - self.var)
        rest = (x.shape[0], *x.shape[2:])
        return ym.reshape(c, *rest).transpose(0, 1)


@pytest.mark.parametrize("ours_cls,_,shape", SHAPES)
def test_training_matches_the_papers_equations_with_clipping_active(ours_cls, _, shape):
    c = shape[1]
    ours = ours_cls(c, momentum=0.3, r_max=1.5, d_max=0.5, warmup_steps=0, **F64)
    set_affine(ours)
    w, b = ours.weight.detach().clone().requires_grad_(), ours.bias.detach().clone().requires_grad_()
    paper = PaperAlgorithm1(c, 1e-5, 0.3, 1.5, 0.5, w, b)
    clipped, free = 0, 0
    for x, dy in batches(shape, steps=5):
        x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
        y, y_ref = ours(x1), paper(x2)
        torch.testing.assert_close(y, y_ref, **TOL)
        y.backward(dy), y_ref.backward(dy)
        torch.testing.assert_close(x1.grad, x2.grad, **TOL)
        at_bound = (
            (paper.r - 1.5).abs().lt(1e-12)
            | (paper.r - 1 / 1.5).abs().lt(1e-12)
            | (paper.d.abs() - 0.5).abs().lt(1e-12)
        )
        clipped += int(at_bound.sum())
        free += int((~at_bound).sum())
    torch.testing.assert_close(ours.weight.grad, w.grad, **TOL)
    torch.testing.assert_close(ours.bias.grad, b.grad, **TOL)
    torch.testing.assert_close(ours.running_mean, paper.mu, **TOL)
    torch.testing.assert_close(ours.running_var, paper.var, **TOL)
    assert clipped > 0 and free > 0, (clipped, free)  # the test saw both clipped and unclipped r, d


def test_r_and_d_are_constants_to_the_gradient():
    shape, c = (16, 4), 4
    ours = BatchRenorm1d(c, momentum=0.5, r_max=100.0, d_max=100.0, warmup_steps=0, **F64)
    set_affine(ours)
    w, b = ours.weight.detach().clone(), ours.bias.detach().clone()
    with_stop = PaperAlgorithm1(c, 1e-5, 0.5, 100.0, 100.0, w, b, detach=True)
    without_stop = PaperAlgorithm1(c, 1e-5, 0.5, 100.0, 100.0, w, b, detach=False)
    (x0, _), (x, dy) = list(batches(shape, steps=2))
    for layer in (ours, with_stop, without_stop):
        layer(x0)  # one step so the moving averages differ from the batch statistics
    grads = []
    for layer in (ours, with_stop, without_stop):
        xi = x.clone().requires_grad_()
        layer(xi).backward(dy)
        grads.append(xi.grad)
    torch.testing.assert_close(grads[0], grads[1], **TOL)
    # Letting the gradient through r and d would give (x − μ)/σ's gradient instead: clearly different.
    assert (grads[0] - grads[2]).abs().max() > 1e-3


def test_unclipped_training_output_is_the_inference_output():
    ours = BatchRenorm2d(3, r_max=1e6, d_max=1e6, warmup_steps=0, **F64)
    set_affine(ours)
    (x0, _), (x, _) = list(batches((4, 3, 5, 5), steps=2))
    ours(x0)
    ours.eval()
    y_inference = ours(x)
    ours.train()
    torch.testing.assert_close(ours(x), y_inference, **TOL)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", SHAPES)
def test_eval_is_batch_norm_eval_with_the_running_stats(ours_cls, torch_cls, shape):
    ours = ours_cls(shape[1], **F64)
    set_affine(ours)
    for x, _ in batches(shape, steps=3):
        ours(x)
    ref = torch_cls(shape[1], **F64)
    ref.load_state_dict(ours.state_dict())
    ours.eval(), ref.eval()
    run_and_compare(ours, ref, shape, steps=2, seed=9)
    assert int(ours.num_batches_tracked) == 3  # eval did not count batches


def test_warmup_is_bn_then_a_linear_ramp_on_num_batches_tracked():
    assert renorm_bounds(0, 3.0, 5.0, bn_steps=10, warmup_steps=20) == (1.0, 0.0)
    assert renorm_bounds(9, 3.0, 5.0, bn_steps=10, warmup_steps=20) == (1.0, 0.0)
    assert renorm_bounds(10, 3.0, 5.0, bn_steps=10, warmup_steps=20) == (1.0, 0.0)
    assert renorm_bounds(15, 3.0, 5.0, bn_steps=10, warmup_steps=20) == (1.5, 1.25)
    assert renorm_bounds(30, 3.0, 5.0, bn_steps=10, warmup_steps=20) == (3.0, 5.0)
    assert renorm_bounds(10_000, 3.0, 5.0, bn_steps=10, warmup_steps=20) == (3.0, 5.0)
    assert renorm_bounds(0, 3.0, 5.0, bn_steps=0, warmup_steps=0) == (3.0, 5.0)
    layer = BatchRenorm1d(2, r_max=3.0, d_max=5.0, warmup_steps=4)
    seen = []
    for _ in range(6):
        seen.append(layer.current_bounds())
        layer(torch.randn(8, 2))
    assert seen == [(1.0, 0.0), (1.5, 1.25), (2.0, 2.5), (2.5, 3.75), (3.0, 5.0), (3.0, 5.0)]


def test_first_batch_with_default_warmup_is_plain_batch_norm():
    x = next(batches((10, 4), steps=1))[0]
    torch.testing.assert_close(BatchRenorm1d(4, **F64)(x), nn.BatchNorm1d(4, **F64)(x), **TOL)


@pytest.mark.parametrize("ours_cls,torch_cls,shape", SHAPES)
def test_state_dict_keys_are_torch_batch_norms(ours_cls, torch_cls, shape):
    ours, ref = ours_cls(shape[1]), torch_cls(shape[1])
    assert list(ours.state_dict()) == list(ref.state_dict())
    ours.load_state_dict(ref.state_dict())
    ref.load_state_dict(ours.state_dict())


def test_bad_arguments_and_inputs_raise_value_error():
    with pytest.raises(ValueError, match="r_max >= 1"):
        BatchRenorm1d(3, r_max=0.5)
    with pytest.raises(ValueError, match="d_max >= 0"):
        BatchRenorm1d(3, d_max=-1.0)
    with pytest.raises(ValueError, match="warmup_steps must be >= 0"):
        BatchRenorm1d(3, warmup_steps=-1)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchRenorm1d(3)(torch.randn(1, 3))
    with pytest.raises(ValueError, match="expected 4D input"):
        BatchRenorm2d(3)(torch.randn(4, 3))


def test_repr_names_the_renorm_settings():
    assert repr(BatchRenorm2d(8, r_max=2.0, bn_steps=5, warmup_steps=7)) == (
        "BatchRenorm2d(8, eps=1e-05, momentum=0.1, affine=True, r_max=2.0, d_max=5.0, bn_steps=5, warmup_steps=7)"
    )
