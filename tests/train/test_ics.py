"""Internal covariate shift (Santurkar et al. 2018, Definition 2.1) against gradients computed the plain way."""

import copy
import math

import pytest
import torch
from probe_models import TRACE_NORMS, assert_probe_leaves_no_trace, blocks, explicit_gradients, tiny_batch, tiny_model
from torch import nn

from bnviz import data as datasets
from bnviz.train.ics import cosine, internal_covariate_shift
from bnviz.train.models import build_model

LR = 0.5


def explicit_ics(net: nn.Module, model: str, x, y, lr: float) -> list[tuple[float, float, float, float]]:
    """(‖G − G'‖, cos, ‖G‖, ‖G'‖) per layer from two plain autograd passes on deep copies: G at the model's weights;
    G' after ``W_j −= lr·G_j`` by hand on every parameter of the blocks below (torch's RNG set alike before each)."""
    rng = torch.get_rng_state()
    _, G = explicit_gradients(net, x, y, rng)
    weights = [f"{prefixes[0]}weight" for prefixes in blocks(model)]
    out = []
    for i, weight in enumerate(weights):
        moved = copy.deepcopy(net).train()  # its own running stats: they start where the model's are
        below = tuple(p for block in blocks(model)[:i] for p in block)
        with torch.no_grad():
            for name, p in moved.named_parameters():
                if name.startswith(below):
                    p -= lr * G[name]
        torch.set_rng_state(rng)
        nn.functional.cross_entropy(moved(x), y).backward()
        g, g_after = G[weight], dict(moved.named_parameters())[weight].grad
        cos = float((g * g_after).sum() / (g.norm() * g_after.norm()))
        out.append((float((g - g_after).norm()), cos, float(g.norm()), float(g_after.norm())))
    torch.set_rng_state(rng)
    return out


@pytest.mark.parametrize(
    "model,norm",
    [("mlp", "none"), ("mlp", "bnviz"), ("mlp", "torch"), ("mlp", "renorm"), ("mlp", "noisy"), ("cnn", "bnviz")],
)
def test_ics_is_the_gradient_change_after_the_lower_layers_step(model, norm):
    """Against two explicit gradient computations in float64: plain BN layers (bnviz's and torch's), Batch Renorm
    (whose training output depends on the running averages, so every pass must start from the model's) and noisy BN
    (every pass must draw the same noise, else G − G' would hold the noise's change too)."""
    net = tiny_model(model, norm)
    x, y = tiny_batch(model)
    got = internal_covariate_shift(net, x, y, LR)
    want = explicit_ics(net, model, x, y, LR)
    assert [r["layer"] for r in got] == net.layer_names()
    for r, (l2, cos, g_norm, g_after_norm) in zip(got, want):
        assert r["grad_norm"] == pytest.approx(g_norm, rel=1e-12)
        assert r["grad_norm_after"] == pytest.approx(g_after_norm, rel=1e-12)
        assert r["l2"] == pytest.approx(l2, rel=1e-9, abs=1e-13 * g_norm)
        assert r["cos"] == pytest.approx(cos, abs=1e-12)
    assert all(r["l2"] > 1e-3 * r["grad_norm"] for r in got[1:]), "the lower layers' step does move these gradients"


@pytest.mark.parametrize("norm", ["none", "bnviz", "torch", "noisy", "ghost", "layer"])
def test_the_first_layer_has_nothing_below_it_so_no_shift(norm):
    net = build_model("mlp", norm)
    x, y = (torch.rand(60, 784) > 0.5).float(), torch.randint(0, 10, (60,))
    first = internal_covariate_shift(net, x, y, LR)[0]
    assert (first["l2"], first["cos"]) == (0.0, 1.0)
    assert first["grad_norm"] == first["grad_norm_after"] > 0


@pytest.mark.parametrize("norm", TRACE_NORMS)
def test_the_probe_leaves_parameters_buffers_grads_rng_and_modes_as_they_were(norm):
    assert_probe_leaves_no_trace(norm, lambda net, x, y: internal_covariate_shift(net, x, y, LR))


def test_bn_normalizes_over_the_batch_even_when_the_model_is_in_eval_mode():
    """The probe stands for a training step, so BN uses μ_B and σ²_B (not the running averages) in either mode."""
    net = tiny_model("mlp", "bnviz")
    x, y = tiny_batch("mlp")
    trained = internal_covariate_shift(net.train(), x, y, LR)
    assert internal_covariate_shift(net.eval(), x, y, LR) == trained
    assert not net.training


def test_lit_pixels_give_the_ics_of_the_dense_binary_images():
    """The trainer's probe batch goes in as :class:`~bnviz.data.LitPixels`; the MLP's first layer then sums weight columns."""
    torch.manual_seed(0)
    net = build_model("mlp", "bnviz")
    images = datasets.synthetic("mnist", n_train=60, n_test=10, seed=0)
    x, y = images.train_x, images.train_y
    dense = internal_covariate_shift(net, datasets.mnist_inputs(x, binarize=True), y, LR)
    lit = internal_covariate_shift(net, datasets.lit_pixels(x), y, LR)
    for a, b in zip(dense, lit):
        assert b["l2"] == pytest.approx(a["l2"], rel=1e-3) and b["cos"] == pytest.approx(a["cos"], abs=1e-5)


def test_the_shift_vanishes_in_proportion_to_the_learning_rate():
    """G' − G ≈ −η Σ_{j<i} (∂G_i/∂W_j) G_j for small η: halving η halves ‖G − G'‖ (to first order)."""
    net = tiny_model("mlp", "bnviz")
    x, y = tiny_batch("mlp")
    small, half = (internal_covariate_shift(net, x, y, lr) for lr in (1e-4, 5e-5))
    for a, b in zip(small[1:], half[1:]):
        assert b["l2"] / a["l2"] == pytest.approx(0.5, rel=1e-3)


def test_cosine_is_none_without_a_direction_and_exactly_one_for_a_vector_with_itself():
    assert cosine(torch.zeros(3), torch.ones(3)) is None
    v = torch.tensor([0.1, 0.2, 0.3])
    assert cosine(v, v) == 1.0 and cosine(v, -v) == -1.0
    assert cosine(v, 3 * v) == pytest.approx(1.0, abs=1e-15) and cosine(v, 3 * v) <= 1.0
    assert cosine(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])) == 0.0
    assert math.isclose(cosine(torch.tensor([1.0, 1.0]), torch.tensor([1.0, 0.0])), math.sqrt(0.5))


def test_a_non_positive_learning_rate_is_refused():
    net = tiny_model("mlp", "none")
    with pytest.raises(ValueError, match="lr must be positive"):
        internal_covariate_shift(net, *tiny_batch("mlp"), 0.0)
