"""The loss landscape along the gradient (Santurkar et al. 2018, Section 3.1) against plain forward passes."""

import copy
import math

import pytest
import torch
from probe_models import TRACE_NORMS, assert_probe_leaves_no_trace, explicit_gradients, tiny_batch, tiny_model
from torch import nn

from bnviz.train.landscape import along_gradient, step_sizes
from bnviz.train.models import build_model

ETAS = [0.05, 0.1, 0.3, 0.6, 1.0]


def flat(grads: dict) -> torch.Tensor:
    return torch.cat([g.flatten() for g in grads.values()])


def explicit_landscape(net: nn.Module, x, y, etas: list[float]) -> dict:
    """Loss and gradient at θ − ηg, one deep copy per η moved by hand, plain forward and ``.backward()``
    (torch's RNG set alike before each pass)."""
    rng = torch.get_rng_state()
    loss, g = explicit_gradients(net, x, y, rng)
    losses, changes = [], []
    for eta in etas:
        moved = copy.deepcopy(net)
        with torch.no_grad():
            for name, p in moved.named_parameters():
                p -= eta * g[name]
        moved_loss, g_moved = explicit_gradients(moved, x, y, rng)
        losses.append(moved_loss)
        changes.append(float((flat(g_moved) - flat(g)).norm()))
    torch.set_rng_state(rng)
    g_norm = float(flat(g).norm())
    return {"loss": loss, "losses": losses, "grad_norm": g_norm, "grad_changes": changes}


@pytest.mark.parametrize(
    "model,norm",
    [("mlp", "none"), ("mlp", "bnviz"), ("mlp", "torch"), ("mlp", "renorm"), ("mlp", "noisy"), ("cnn", "bnviz")],
)
def test_the_probes_match_forward_passes_on_moved_copies(model, norm):
    net = tiny_model(model, norm)
    x, y = tiny_batch(model)
    got = along_gradient(net, x, y, ETAS)
    want = explicit_landscape(net, x, y, ETAS)
    assert got["step_sizes"] == ETAS
    assert got["loss"] == pytest.approx(want["loss"], rel=1e-12)
    assert got["grad_norm"] == pytest.approx(want["grad_norm"], rel=1e-12)
    assert got["losses"] == pytest.approx(want["losses"], rel=1e-12)
    assert got["grad_changes"] == pytest.approx(want["grad_changes"], rel=1e-9)
    betas = [c / (eta * want["grad_norm"]) for c, eta in zip(want["grad_changes"], ETAS)]
    assert got["betas"] == pytest.approx(betas, rel=1e-9)
    every_loss = [want["loss"], *want["losses"]]
    assert got["loss_range"] == pytest.approx(max(every_loss) - min(every_loss), rel=1e-9)
    assert got["grad_predictiveness"] == pytest.approx(max(want["grad_changes"]), rel=1e-9)
    assert got["effective_beta"] == pytest.approx(max(betas), rel=1e-9)
    assert len(set(got["betas"])) == len(ETAS), "a curved loss: the gradient's change per unit distance varies"


def test_on_a_quadratic_the_gradient_changes_by_the_hessian_s_action():
    r"""L(w) = 1/n ‖Xw − t‖²: g = (2/n) Xᵀ(Xw − t), H = (2/n) XᵀX, and for every η
    ∇L(w − ηg) − g = −ηHg, so β along g is ‖Hg‖/‖g‖ and L(w − ηg) = L − η‖g‖² + η²/2 gᵀHg exactly."""
    gen = torch.Generator().manual_seed(0)
    n, d = 40, 7
    X = torch.randn(n, d, generator=gen, dtype=torch.float64) * torch.linspace(0.2, 3.0, d, dtype=torch.float64)
    t = torch.randn(n, 1, generator=gen, dtype=torch.float64)
    model = nn.Linear(d, 1, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(1, d, generator=gen, dtype=torch.float64))
    w = model.weight.detach().flatten()
    residual = X @ w - t.flatten()
    g = 2 / n * X.T @ residual
    H = 2 / n * X.T @ X
    loss = float(residual.square().mean())
    got = along_gradient(model, X, t, ETAS, loss_fn=nn.functional.mse_loss)
    hg = float((H @ g).norm())
    assert got["loss"] == pytest.approx(loss, rel=1e-12)
    assert got["grad_norm"] == pytest.approx(float(g.norm()), rel=1e-12)
    assert got["grad_changes"] == pytest.approx([eta * hg for eta in ETAS], rel=1e-10)
    assert got["betas"] == pytest.approx([hg / float(g.norm())] * len(ETAS), rel=1e-10)
    assert got["effective_beta"] == pytest.approx(hg / float(g.norm()), rel=1e-10)
    quadratic = [loss - eta * float(g @ g) + eta**2 / 2 * float(g @ H @ g) for eta in ETAS]
    assert got["losses"] == pytest.approx(quadratic, rel=1e-10)
    assert got["effective_beta"] <= float(torch.linalg.eigvalsh(H)[-1]), "a Rayleigh quotient of H is at most λ_max"


@pytest.mark.parametrize("norm", TRACE_NORMS)
def test_the_probe_leaves_parameters_buffers_grads_rng_and_modes_as_they_were(norm):
    assert_probe_leaves_no_trace(norm, lambda net, x, y: along_gradient(net, x, y, ETAS))


def test_at_a_zero_gradient_there_is_no_direction_and_no_beta():
    model = nn.Linear(3, 1, bias=False).double()
    nn.init.zeros_(model.weight)
    x, t = torch.randn(5, 3, dtype=torch.float64), torch.zeros(5, 1, dtype=torch.float64)
    got = along_gradient(model, x, t, ETAS, loss_fn=nn.functional.mse_loss)
    assert got["grad_norm"] == 0.0 and got["loss_range"] == 0.0 and got["grad_predictiveness"] == 0.0
    assert got["betas"] == [None] * len(ETAS) and got["effective_beta"] is None


def test_a_step_that_blows_the_loss_up_makes_the_summaries_infinite():
    torch.manual_seed(0)
    net = build_model("mlp", "none", 5.0)
    x, y = (torch.rand(60, 784) > 0.5).float(), torch.randint(0, 10, (60,))
    got = along_gradient(net, x, y, [0.1, 1e38])
    assert math.isfinite(got["losses"][0]) and not math.isfinite(got["losses"][1])
    assert got["loss_range"] == math.inf and got["grad_predictiveness"] == math.inf


def test_step_sizes_span_half_to_four_learning_rates():
    assert step_sizes(0.1, n=8) == pytest.approx([0.05 + k * 0.05 for k in range(8)])
    assert step_sizes(0.5, n=1) == [0.25]
    with pytest.raises(ValueError):
        step_sizes(0.1, n=0)


@pytest.mark.parametrize("bad", [[], [0.0], [-0.1], [float("nan")], [0.1, float("inf")]])
def test_non_positive_or_missing_step_sizes_are_refused(bad):
    with pytest.raises(ValueError, match="step_sizes must be"):
        along_gradient(tiny_model("mlp", "none"), *tiny_batch("mlp"), bad)
