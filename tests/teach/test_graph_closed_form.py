"""The backward pass as a graph (bnviz.teach.graph, graph_chart) and its compact closed form (closed_form),
checked against torch autograd on random batches."""

import pytest
import torch
from harness import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.teach import closed_form as C
from bnviz.teach import graph as G
from bnviz.teach import graph_chart as GC
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T


@st.composite
def walks(draw, eps=None) -> S.Walk:
    """A random toy batch (2 to 12 rows, 1 to 4 features, any seed, any of the page's losses) through the walk."""
    m, d, seed = draw(st.integers(2, 12)), draw(st.integers(1, 4)), draw(st.integers(0, 10_000))
    x = T.random_batch(m, d, seed)
    gen = torch.Generator().manual_seed(seed)
    gamma = torch.randn(d, generator=gen, dtype=torch.float64) * 2
    beta = torch.randn(d, generator=gen, dtype=torch.float64)
    loss = draw(st.sampled_from(["random w", "squared error"]))
    return S.walk(x, gamma, beta, draw(st.sampled_from([1e-5, 1e-3, 0.1])) if eps is None else eps, loss, seed)


def close(a: torch.Tensor, b: torch.Tensor, scale: torch.Tensor) -> bool:
    return bool(((a - b).abs() <= 1e-9 * (1 + scale)).all())


@settings(max_examples=examples(150), deadline=None)
@given(walks())
def test_the_three_paths_add_up_to_autograds_gradient(w):
    p = G.paths(w)
    scale = p.direct.abs() + p.var.abs() + p.mean.abs()
    assert close(p.total, w.autograd["dx"], scale)
    assert close(p.total, w.bwd.dx, scale)
    # ∂ℓ/∂μ_B is its part from the x̂ₖ plus the part through σ²_B, which is 0 (Σ(xₖ − μ_B) = 0)
    assert close(p.dmean_from_x_hat + p.dmean_from_var, w.bwd.dmean, w.bwd.dmean.abs() + p.dmean_from_x_hat.abs())
    assert torch.equal(p.dmean_from_var, torch.zeros_like(p.dmean_from_var))


@settings(max_examples=examples(100), deadline=None)
@given(walks())
def test_constants_keep_only_the_direct_path_and_miss_autograd_by_the_other_two(w):
    const = G.constants_gradient(w)
    p = G.paths(w)
    assert torch.allclose(const, p.direct)
    assert torch.allclose(w.autograd["dx"] - const, p.var + p.mean, atol=1e-9 * (1 + p.direct.abs().max().item()))


def test_constants_gradient_shifts_the_batch_the_true_one_does_not():
    gamma, beta = T.default_affine(3)
    w = S.walk(T.DEFAULT_BATCH, gamma, beta, 1e-5, "random w", 0)
    assert G.constants_gradient(w).sum(0).abs().min() > 0.1
    assert w.autograd["dx"].sum(0).abs().max() < 1e-12


@pytest.mark.parametrize("loss", ["random w", "squared error", "sum of y"])
def test_section_2_b_grows_every_step_while_y_and_the_loss_stay(loss):
    gamma, beta = T.default_affine(3)
    w = S.walk(T.DEFAULT_BATCH, gamma, beta, 1e-5, loss, 0)
    held = G.bias_drift(w.fwd.x, gamma, beta, 1e-5, w.dy, 0.5, 10, constants=True)
    steps = held.b[1:] - held.b[:-1]
    assert torch.allclose(steps, steps[0].expand_as(steps))  # the same step, every step
    assert steps.abs().max() > 0.1  # ... and not a small one: b grows without end
    assert held.y_moved.max() < 1e-9 and (held.loss - held.loss[0]).abs().max() < 1e-9
    full = G.bias_drift(w.fwd.x, gamma, beta, 1e-5, w.dy, 0.5, 10, constants=False)
    assert full.b.abs().max() < 1e-12  # the full chain rule: ∂ℓ/∂b = Σ ∂ℓ/∂xᵢ = 0


def test_the_graph_puts_each_paths_term_on_its_edge_into_x():
    gamma, beta = T.default_affine(3)
    w = S.walk(T.DEFAULT_BATCH, gamma, beta, 1e-5, "random w", 0)
    p = G.paths(w)
    nodes, edges = GC.graph_data(w, p, feature=1, row=3, lit=("direct", "var", "mean"))
    label = dict(zip(edges["edge"], edges["label"]))
    assert label["x→xhat"].endswith(GC.num(p.direct[3, 1]))
    assert label["x→var"].endswith(GC.num(p.var[3, 1]))
    assert label["x→mu"].endswith(GC.num(p.mean[3, 1]))
    text = dict(zip(nodes["node"], nodes["text"]))
    assert GC.num(p.total[3, 1]) in text["x"] and GC.num(w.bwd.dvar[1]) in text["var"]
    dark = set(edges.loc[edges["color"] != GC.IDLE, "edge"])
    assert dark == set(edges["edge"])  # every path lit: every edge in a path colour
    _, only = GC.graph_data(w, p, 1, 3, lit=("var",))
    lit = set(only.loc[only["color"] == GC.PATH_COLORS["var"], "edge"])
    assert lit == {"x→var", "var→xhat", "var→others", "xhat→y", "y→loss", "others→loss"}
    _, cut = GC.graph_data(w, p, 1, 3, lit=("direct", "var", "mean"), constants=True)
    assert set(cut.loc[cut["color"] == GC.CUT, "edge"]) == {"x→var", "x→mu"}
    GC.graph_chart(w, p, 1, 3, ("direct",), large=True).to_dict()  # a valid Vega-Lite spec


@settings(max_examples=examples(150), deadline=None)
@given(walks())
def test_the_compact_form_equals_the_six_equations_and_autograd(w):
    cf = C.closed_form(w)
    assert cf.against_paper.ok, cf.against_paper.explanation()
    assert cf.against_autograd.ok, cf.against_autograd.explanation()


@settings(max_examples=examples(150), deadline=None)
@given(walks())
def test_the_gradient_is_orthogonal_to_ones_and_to_x_hat_up_to_what_eps_leaves(w):
    g = C.geometry(w)
    assert torch.equal(g.sum_dx, torch.zeros_like(g.sum_dx))
    size = (C.compact_dx(w.dy, w.fwd, w.gamma, w.eps).abs() * w.fwd.x_hat.abs()).sum(0)
    assert ((g.sum_dx_x_hat - g.eps_part).abs() <= 1e-9 * (1 + size)).all()


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(3, 10), st.integers(1, 3), st.integers(0, 1000))
def test_at_eps_zero_the_gradient_is_orthogonal_to_x_hat_exactly(m, d, seed):
    x = T.random_batch(m, d, seed) + torch.linspace(0, 1, m, dtype=torch.float64)[:, None]  # no constant column
    gamma, beta = T.default_affine(d)
    w = S.walk(x, gamma, beta, 0.0, "random w", seed)
    g = C.geometry(w)
    assert torch.equal(g.eps_part, torch.zeros_like(g.eps_part))
    assert (g.sum_dx_x_hat.abs() <= 1e-9 * (1 + g.sum_direct_x_hat.abs())).all()
    assert (g.sum_direct.abs() + g.sum_direct_x_hat.abs()).max() > 0  # the direct path alone is not orthogonal
