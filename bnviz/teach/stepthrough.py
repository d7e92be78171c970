r"""Algorithms 1 and 2 on a toy batch, one step at a time: the numbers, tables and charts a page shows.

:func:`walk` runs :func:`bnviz.norms.bn_steps.forward_steps` and :func:`~bnviz.norms.bn_steps.backward_steps`
and checks every gradient of Section 3 against torch autograd; :func:`inference_demo` runs
Algorithm 2 over K toy batches and, as a second opinion, :class:`bnviz.norms.batch_norm.BatchNorm1d`
with ``momentum=None``. :func:`step_view` turns one step into tables and a chart. The equations
shown are read from the docstrings of the functions that compute them, so they cannot drift.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

import altair as alt
import pandas as pd
import torch
from torch import Tensor

from bnviz.norms import bn_fused, bn_steps
from bnviz.norms.batch_norm import BatchNorm1d

BEFORE_COLOR, AFTER_COLOR = "#7f7f7f", "#d62728"  # grey: a step's input; red: its output
FLOAT64_EPS = torch.finfo(torch.float64).eps  # 2.2e-16, the spacing of float64 numbers near 1
# Two float64 evaluations of one formula in different orders differ by rounding: a few ε per
# operation, times the size of the terms combined, and a sum of n terms gathers up to n of them.
# Within ROUNDING_ULPS · n · ε · |terms| two results agree; beyond it they differ in the math.
ROUNDING_ULPS = 8


def docstring_equations(obj) -> list[str]:
    r"""The LaTeX equations of ``obj``'s ``.. math::`` blocks, split at blank lines and ``\qquad``."""
    equations = []
    for block in re.split(r"\.\. math::", inspect.getdoc(obj) or "")[1:]:
        first, *rest = block.split("\n")
        lines = [first.strip()]
        for line in rest:  # the block runs until the first unindented, non-blank line
            if line.strip() and not line.startswith(" "):
                break
            lines.append(line.strip())
        for paragraph in re.split(r"\n\s*\n", "\n".join(lines)):
            for eq in paragraph.split(r"\qquad"):
                eq = " ".join(eq.split()).rstrip(",; ")
                if eq:
                    equations.append(eq)
    return equations


@dataclass(frozen=True)
class Step:
    label: str  # short name for the stepper
    title: str
    equations: list[str]  # LaTeX, the paper's
    text: str  # what to notice, in a sentence or two


def steps() -> list[Step]:
    fwd, bwd = docstring_equations(bn_steps.forward_steps), docstring_equations(bn_steps.backward_steps)
    pop, fold = docstring_equations(bn_steps.population_stats), docstring_equations(bn_fused.inference_affine)
    return [
        Step(
            "1 μ_B",
            "Step 1 · the mini-batch mean μ_B",
            fwd[0:1],
            "Each feature's average over the m rows of this mini-batch (Algorithm 1, line 1).",
        ),
        Step(
            "2 σ²_B",
            "Step 2 · the mini-batch variance σ²_B",
            fwd[1:2],
            "The mean squared distance from μ_B, dividing by m, not m − 1: the *biased* variance, "
            "which is the one Algorithm 1 normalizes with.",
        ),
        Step(
            "3 x̂",
            "Step 3 · normalize: x̂",
            fwd[2:3],
            "Every feature now has mean 0 and variance just under 1, whatever its offset and scale "
            "were: compare the two panels. ε keeps a constant feature from dividing by zero.",
        ),
        Step(
            "4 y",
            "Step 4 · scale and shift: y = γx̂ + β",
            fwd[3:4],
            "Two learned numbers per feature give the layer back its range: with γ = √(σ²_B + ε) and "
            "β = μ_B it would be the identity (Section 3). This y is what the next layer sees.",
        ),
        Step(
            "5 ∂ℓ/∂x̂",
            "Step 5 · backward: ∂ℓ/∂x̂",
            bwd[0:1],
            "Backpropagation starts from the upstream gradient ∂ℓ/∂y (choose the loss under *Parameters*) "
            "and walks Algorithm 1 backwards. Through y = γx̂ + β it is multiplied by γ.",
        ),
        Step(
            "6 ∂ℓ/∂σ²_B",
            "Step 6 · backward: ∂ℓ/∂σ²_B",
            bwd[1:2],
            "σ²_B enters every x̂_i of its feature, so its gradient is a sum over the batch.",
        ),
        Step(
            "7 ∂ℓ/∂μ_B",
            "Step 7 · backward: ∂ℓ/∂μ_B",
            bwd[2:3],
            "μ_B reaches the loss through every x̂_i and through σ²_B. The second term is 0 here, "
            "because Σ(x_i − μ_B) = 0, but the paper keeps it: it is the chain rule, term by term.",
        ),
        Step(
            "8 ∂ℓ/∂x",
            "Step 8 · backward: ∂ℓ/∂x",
            bwd[3:4],
            "Each x_i gets three contributions: through its own x̂_i, and through the μ_B and σ²_B it "
            "helped compute. Per feature the result sums to 0 over the batch (see the table): a "
            "gradient step cannot shift the batch mean, BN would undo it (Section 2).",
        ),
        Step(
            "9 ∂ℓ/∂γ, ∂ℓ/∂β",
            "Step 9 · backward: ∂ℓ/∂γ and ∂ℓ/∂β",
            bwd[4:6],
            "The gradients of the two parameters, per feature: γ learns from how the loss varies "
            "with x̂, β from the total upstream gradient.",
        ),
        Step(
            "10 running stats",
            "Step 10 · Algorithm 2: population statistics",
            pop,
            "After training, average μ_B and σ²_B over many training mini-batches (here K toy "
            "batches drawn from a normal distribution with your batch's mean and variance). The "
            "average of the *biased* σ²_B is too small by (m − 1)/m, so Bessel's factor m/(m − 1) "
            "makes Var[x] unbiased.",
        ),
        Step(
            "11 inference",
            "Step 11 · Algorithm 2: the inference map y = a·x + b",
            [*fold, r"y = a\,x + b"],
            "At inference BN is a fixed affine map per feature, so an example's output no longer "
            "depends on the rest of its batch. For your batch it differs from the training-mode "
            "output: E[x], Var[x] come from other batches, and Var[x] carries Bessel's factor.",
        ),
    ]


TYPED_LOSS = "your own ∂ℓ/∂y"
LOSSES = {  # name -> (LaTeX of the loss, what ∂ℓ/∂y is)
    "random w": (r"\ell = \sum_{i,k} w_{ik}\,y_{ik},\quad w_{ik}\sim\mathcal N(0,1)", "∂ℓ/∂y = w"),
    "squared error": (r"\ell = \tfrac12\sum_{i,k}(y_{ik}-t_{ik})^2,\quad t_{ik}\sim\mathcal N(0,1)", "∂ℓ/∂y = y − t"),
    "sum of y": (r"\ell = \sum_{i,k} y_{ik}", "∂ℓ/∂y = 1: watch ∂ℓ/∂x and ∂ℓ/∂γ vanish (β absorbs it)"),
    TYPED_LOSS: (r"\ell = \sum_{i,k} g_{ik}\,y_{ik}", "∂ℓ/∂y = g, the values you typed"),
}


def upstream_gradient(loss: str, y: Tensor, seed: int, typed: Tensor | None = None) -> Tensor:
    """∂ℓ/∂y for one of :data:`LOSSES`, ``(m, d)``; random parts seeded and rounded to 2 decimals.
    For :data:`TYPED_LOSS` it is ``typed``, the student's own values."""
    if loss == TYPED_LOSS:
        if typed is None or typed.shape != y.shape:
            raise ValueError(f"{TYPED_LOSS} needs typed values shaped like y {tuple(y.shape)}")
        return typed.to(y.dtype)
    noise = torch.randn(y.shape, generator=torch.Generator().manual_seed(int(seed) + 1), dtype=torch.float64)
    noise = torch.round(noise, decimals=2)
    if loss == "random w":
        return noise
    if loss == "squared error":
        return y - noise
    return torch.ones_like(y)


@dataclass(frozen=True)
class Walk:
    fwd: bn_steps.ForwardSteps  # Algorithm 1's intermediates (detached)
    dy: Tensor  # ∂ℓ/∂y, (m, d)
    bwd: bn_steps.BackwardSteps  # Section 3's chain rule, as printed
    autograd: dict[str, Tensor]  # the same gradients from torch autograd, keyed like BackwardSteps
    gamma: Tensor
    beta: Tensor
    eps: float

    def max_diff(self, name: str) -> float:
        """max |paper − autograd| for one gradient of :class:`~bnviz.norms.bn_steps.BackwardSteps`."""
        return (getattr(self.bwd, name) - self.autograd[name]).abs().max().item()

    def check(self, name: str) -> Check:
        """The paper's gradient ``name`` against autograd's, within float64 rounding for its terms."""
        return make_check(
            f"{GRAD_NAMES[name]}, the paper's equation vs torch autograd",
            getattr(self.bwd, name),
            self.autograd[name],
            rounding_scales(self)[name],
            self.fwd.m,
        )


GRAD_NAMES = {
    "dx_hat": "∂ℓ/∂x̂",
    "dvar": "∂ℓ/∂σ²_B",
    "dmean": "∂ℓ/∂μ_B",
    "dx": "∂ℓ/∂x",
    "dgamma": "∂ℓ/∂γ",
    "dbeta": "∂ℓ/∂β",
}


def rounding_scales(w: Walk) -> dict[str, Tensor]:
    """The size of the terms behind each gradient: its formula with every term made non-negative.

    Rounding errs in proportion to these, not to the result: ∂ℓ/∂σ²_B sums terms of ±10¹² that
    cancel to ~0 when ε = 1e-12 meets a feature of tiny spread, and float64 keeps their sum only
    to ~10¹² · ε ≈ 10⁻⁴. An absolute tolerance called that a failure."""
    f, m = w.fwd, w.fwd.m
    centered = (f.x - f.batch_mean).abs()  # |x_i − μ_B|, (m, d)
    inv_std = (f.batch_var + w.eps) ** -0.5  # 1/√(σ²_B + ε), (d,)
    dx_hat = w.bwd.dx_hat.abs()
    # |∂ℓ/∂y_i| · |γ|
    s_dx_hat = w.dy.abs() * w.gamma.abs()
    # Σ_i |∂ℓ/∂x̂_i| · |x_i − μ_B| · ½ (σ²_B + ε)^(−3/2)
    s_dvar = (dx_hat * centered).sum(0) * 0.5 * inv_std**3
    # Σ_i |∂ℓ/∂x̂_i| / √(σ²_B + ε) + |∂ℓ/∂σ²_B| · Σ_i 2|x_i − μ_B| / m
    s_dmean = dx_hat.sum(0) * inv_std + s_dvar * 2.0 * centered.sum(0) / m
    # |∂ℓ/∂x̂_i| / √(σ²_B + ε) + |∂ℓ/∂σ²_B| · 2|x_i − μ_B| / m + |∂ℓ/∂μ_B| / m
    s_dx = dx_hat * inv_std + s_dvar * 2.0 * centered / m + s_dmean / m
    # Σ_i |∂ℓ/∂y_i| · |x̂_i|   and   Σ_i |∂ℓ/∂y_i|
    s_dgamma, s_dbeta = (w.dy.abs() * f.x_hat.abs()).sum(0), w.dy.abs().sum(0)
    return {"dx_hat": s_dx_hat, "dvar": s_dvar, "dmean": s_dmean, "dx": s_dx, "dgamma": s_dgamma, "dbeta": s_dbeta}


@dataclass(frozen=True)
class Check:
    """Two computations of one quantity (e.g. the paper's ∂ℓ/∂x and autograd's), entry by entry."""

    what: str  # e.g. "∂ℓ/∂x, the paper's equation vs torch autograd"
    got: Tensor  # the first computation, (m, d) or (d,)
    want: Tensor  # the reference
    tol: Tensor  # the largest |got − want| float64 rounding explains, per entry

    @property
    def diff(self) -> Tensor:
        return (self.got - self.want).abs()

    @property
    def max_diff(self) -> float:
        return self.diff.max().item()

    @property
    def ok(self) -> bool:
        return bool((self.diff <= self.tol).all())

    def explanation(self) -> str:
        """One or two sentences: how close the two are and why that counts as agreement, or not."""
        excess = self.diff / self.tol.clamp_min(torch.finfo(torch.float64).tiny)  # how many tolerances apart
        k = int(excess.argmax())
        d, t, ref = self.diff.flatten()[k].item(), self.tol.flatten()[k].item(), self.want.flatten()[k].item()
        if self.ok:
            return (
                f"max |difference| = {self.max_diff:.2g}, within float64 rounding for terms of this size "
                f"(up to {t:.2g} where the two come closest to the limit)."
            )
        where = (
            f"row {k // self.want.shape[1] + 1}, feature {k % self.want.shape[1] + 1}"
            if self.want.dim() == 2
            else f"feature {k + 1}"
        )
        share = f", {d / abs(ref):.2g} times the value itself ({ref:.4g})" if ref else ""
        return (
            f"max |difference| = {self.max_diff:.3g}. At {where} the two differ by {d:.3g}{share}, but "
            f"float64 rounding of terms this size explains at most {t:.2g}: the two computations "
            "disagree in the math, not in rounding, so one of them has a wrong or missing term."
        )


def make_check(what: str, got: Tensor, want: Tensor, scale: Tensor, n: int) -> Check:
    """A :class:`Check` whose tolerance is float64 rounding for ``n`` combined terms of size ``scale``."""
    # |got − want| ≤ ROUNDING_ULPS · n · ε_float64 · |terms|
    tol = ROUNDING_ULPS * n * FLOAT64_EPS * scale.expand_as(want)
    return Check(what, got.detach(), want.detach(), tol)


def walk(
    x: Tensor, gamma: Tensor, beta: Tensor, eps: float, loss: str, seed: int, typed_dy: Tensor | None = None
) -> Walk:
    """Algorithm 1 forward, Section 3 backward, and autograd on the same graph for comparison."""
    xs, g, b = (t.detach().clone().requires_grad_(True) for t in (x, gamma, beta))
    traced = bn_steps.forward_steps(xs, g, b, eps)
    for t in (traced.batch_mean, traced.batch_var, traced.x_hat):
        t.retain_grad()  # autograd's total derivative at each node is what the paper writes out
    dy = upstream_gradient(loss, traced.y.detach(), seed, typed_dy)
    traced.y.backward(dy)
    autograd = {
        "dx_hat": traced.x_hat.grad,
        "dvar": traced.batch_var.grad,
        "dmean": traced.batch_mean.grad,
        "dx": xs.grad,
        "dgamma": g.grad,
        "dbeta": b.grad,
    }
    fwd = bn_steps.forward_steps(x, gamma, beta, eps)
    return Walk(fwd, dy, bn_steps.backward_steps(dy, fwd, gamma, eps), autograd, gamma, beta, eps)


@dataclass(frozen=True)
class Inference:
    batches: list[Tensor]  # K toy training batches, each (m, d)
    pop: bn_steps.PopulationStats  # Algorithm 2's E[x], Var[x], a, b
    layer_mean: Tensor  # BatchNorm1d(momentum=None).running_mean after the K batches
    layer_var: Tensor  # ... .running_var (stored unbiased, must equal pop.var)
    train_y: Tensor  # your batch through Algorithm 1 (its own μ_B, σ²_B)
    eval_y: Tensor  # your batch through a·x + b
    layer_eval_y: Tensor  # your batch through BatchNorm1d.eval()


def inference_demo(x: Tensor, gamma: Tensor, beta: Tensor, eps: float, k: int, seed: int) -> Inference:
    """K batches ~ N(μ_B, σ²_B of ``x``) -> population stats; train- vs eval-mode output for ``x``."""
    m, d = x.shape
    gen = torch.Generator().manual_seed(int(seed) + 2)
    loc, scale = x.mean(0), x.std(0, unbiased=False)
    batches = [loc + scale * torch.randn(m, d, generator=gen, dtype=torch.float64) for _ in range(k)]
    pop = bn_steps.population_stats(batches, gamma, beta, eps)
    layer = BatchNorm1d(d, eps=eps, momentum=None, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(gamma)
        layer.bias.copy_(beta)
        for xb in batches:
            layer(xb)
        layer.eval()
        layer_eval_y = layer(x)
    train_y = bn_steps.forward_steps(x, gamma, beta, eps).y
    return Inference(
        batches, pop, layer.running_mean.clone(), layer.running_var.clone(), train_y, pop.a * x + pop.b, layer_eval_y
    )


# ---------------------------------------------------------------------------------------------
# What a page draws for one step: tables (inputs beside the output) and a before/after chart.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    per_row: pd.DataFrame | None  # (m rows) x (feature, quantity) columns
    per_feature: pd.DataFrame  # quantities x features
    chart: alt.Chart
    checks: list[Check]  # two computations that must agree to float64 rounding


def row_table(named: dict[str, Tensor], index_name: str = "i") -> pd.DataFrame:
    """``{name: (n, d)}`` -> one row per i, columns "f1: name", grouped by feature."""
    n, d = next(iter(named.values())).shape
    cols = {f"f{j + 1}: {name}": t[:, j].tolist() for j in range(d) for name, t in named.items()}
    return pd.DataFrame(cols, index=pd.Index([f"{index_name}={i + 1}" for i in range(n)], name=index_name))


def feature_table(named: dict[str, Tensor | float]) -> pd.DataFrame:
    """``{name: (d,)}`` -> one row per quantity, one column per feature."""
    d = next(len(v) for v in named.values() if isinstance(v, Tensor))
    rows = {name: (v.tolist() if isinstance(v, Tensor) else [float(v)] * d) for name, v in named.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=[f"f{j + 1}" for j in range(d)])


def strip_data(
    before: dict[str, Tensor], after: dict[str, Tensor], before_title: str, after_title: str
) -> pd.DataFrame:
    """Long table for :func:`before_after_chart`: one row per value (per-row or per-feature tensors)."""
    records = []
    for panel, side, named in ((before_title, "before", before), (after_title, "after", after)):
        for name, t in named.items():
            t2 = t if t.dim() == 2 else t.unsqueeze(0)  # (n, d)
            for i, row in enumerate(t2.tolist()):
                for j, v in enumerate(row):
                    records.append(
                        {
                            "panel": panel,
                            "side": side,
                            "quantity": name,
                            "feature": f"f{j + 1}",
                            "row": f"i={i + 1}" if t.dim() == 2 else "per feature",
                            "value": v,
                        }
                    )
    return pd.DataFrame.from_records(records)


def before_after_chart(data: pd.DataFrame, layout: str) -> alt.Chart:
    """A step's inputs (grey) and outputs (red), one lane per feature.

    ``layout``: "overlay" puts them in one panel per feature (each with its own x axis: a mean
    among the values it averages); "shared" and "independent" put inputs and outputs in two
    panels side by side, on one x axis (same units) or on two (the units change, as for x → x̂).
    """
    mark = {"filled": True, "size": 110, "opacity": 0.75}
    encoding = dict(
        color=alt.Color(
            "side:N", scale=alt.Scale(domain=["before", "after"], range=[BEFORE_COLOR, AFTER_COLOR]), legend=None
        ),
        shape=alt.Shape(
            "side:N", scale=alt.Scale(domain=["before", "after"], range=["circle", "diamond"]), legend=None
        ),
        # Channel objects, not "field:type" strings: Altair parses strings against its schema (~10 ms each).
        tooltip=[
            alt.Tooltip("quantity:N"),
            alt.Tooltip("feature:N"),
            alt.Tooltip("row:N"),
            alt.Tooltip("value:Q", format=".4g"),
        ],
    )
    quantities = list(dict.fromkeys(data["quantity"]))
    if layout == "overlay":
        lanes = (
            alt.Chart(data)
            .mark_point(**mark)
            .encode(
                x=alt.X("value:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(tickCount=8)),
                y=alt.Y("quantity:N", title=None, sort=quantities),
                **encoding,
            )
            .properties(width=640, height=26 * len(quantities))
        )
        header = alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")
        return lanes.facet(row=alt.Row("feature:N", title=None, header=header)).resolve_scale(x="independent")
    if len(quantities) > 2:  # e.g. ∂ℓ/∂γ and ∂ℓ/∂β in one panel: tell them apart by shape
        encoding["shape"] = alt.Shape("quantity:N", sort=quantities, legend=alt.Legend(title=None, orient="right"))
    panels = []
    for panel in dict.fromkeys(data["panel"]):
        d = data[data["panel"] == panel]
        panels.append(
            alt.Chart(d)
            .mark_point(**mark)
            .encode(
                x=alt.X("value:Q", title=panel, scale=alt.Scale(zero=False), axis=alt.Axis(tickCount=6)),
                y=alt.Y("feature:N", title="feature"),
                **encoding,
            )
            .properties(width=330, height=34 * d["feature"].nunique() + 10)
        )
    return alt.hconcat(*panels).resolve_scale(x="shared" if layout == "shared" else "independent")


def step_view(step: int, w: Walk, inf: Inference) -> StepView:
    """Tables and chart for step ``step`` (0-based) of :func:`steps`."""
    f, b, x = w.fwd, w.bwd, w.fwd.x
    centered = x - f.batch_mean  # x_i − μ_B, (m, d)
    std = torch.sqrt(f.batch_var + w.eps)  # √(σ²_B + ε)
    check = {4: ["dx_hat"], 5: ["dvar"], 6: ["dmean"], 7: ["dx"], 8: ["dgamma", "dbeta"]}.get(step, [])
    checks = [w.check(n) for n in check]
    if step == 9:
        biased = inf.pop.batch_vars.mean(0)  # E_B[σ²_B]
        m = x.shape[0]
        per_row = row_table({"μ_B": inf.pop.batch_means, "σ²_B": inf.pop.batch_vars}, index_name="batch")
        per_feature = feature_table(
            {
                "E[x] = E_B[μ_B]": inf.pop.mean,
                "E_B[σ²_B] (biased average)": biased,
                "m/(m−1)": m / (m - 1),
                "Var[x] = m/(m−1)·E_B[σ²_B]": inf.pop.var,
                "BatchNorm1d running_mean": inf.layer_mean,
                "BatchNorm1d running_var": inf.layer_var,
            }
        )
        # Both average K per-batch statistics, each a sum over m rows: terms up to m/(m−1)·max σ²_B, max |μ_B|
        n = len(inf.batches) + m
        checks = [
            make_check(
                "BatchNorm1d(momentum=None).running_var vs Var[x]",
                inf.layer_var,
                inf.pop.var,
                inf.pop.batch_vars.amax(0) * m / (m - 1),
                n,
            ),
            make_check("running_mean vs E[x]", inf.layer_mean, inf.pop.mean, inf.pop.batch_means.abs().amax(0), n),
        ]
        data = strip_data(
            {"σ²_B": inf.pop.batch_vars},
            {"E_B[σ²_B]": biased, "Var[x]": inf.pop.var},
            "σ²_B of each training batch",
            "biased average vs Var[x] (Bessel)",
        )
        return StepView(per_row, per_feature, before_after_chart(data, "overlay"), checks)
    if step == 10:
        per_row = row_table({"x": x, "train y": inf.train_y, "eval y": inf.eval_y})
        per_feature = feature_table(
            {
                "μ_B (this batch)": f.batch_mean,
                "σ²_B (this batch)": f.batch_var,
                "E[x]": inf.pop.mean,
                "Var[x]": inf.pop.var,
                "γ": w.gamma,
                "β": w.beta,
                "a = γ/√(Var[x]+ε)": inf.pop.a,
                "b = β − a·E[x]": inf.pop.b,
            }
        )
        # a·x + b = γ(x − E[x])/√(Var[x]+ε) + β: terms of size |a|·(|x| + |E[x]|) + |β| that cancel,
        # combined by a handful of operations and no sum (n = 8)
        scale = inf.pop.a.abs() * (x.abs() + inf.pop.mean.abs()) + w.beta.abs()
        checks = [make_check("BatchNorm1d.eval()(x) vs a·x + b", inf.layer_eval_y, inf.eval_y, scale, 8)]
        data = strip_data(
            {"train y": inf.train_y},
            {"eval y": inf.eval_y},
            "train mode: γ·x̂ + β (this batch's μ_B, σ²_B)",
            "eval mode: a·x + b (E[x], Var[x])",
        )
        return StepView(per_row, per_feature, before_after_chart(data, "overlay"), checks)
    rows, feats, before, after, layout = {
        0: ({"x": x}, {"μ_B": f.batch_mean}, {"x": x}, {"μ_B": f.batch_mean}, "overlay"),
        1: (
            {"x − μ_B": centered, "(x − μ_B)²": centered**2},
            {"μ_B": f.batch_mean, "σ²_B": f.batch_var},
            {"(x − μ_B)²": centered**2},
            {"σ²_B": f.batch_var},
            "overlay",
        ),
        2: (
            {"x": x, "x̂": f.x_hat},
            {"μ_B": f.batch_mean, "σ²_B": f.batch_var, "ε": w.eps, "√(σ²_B+ε)": std},
            {"x": x},
            {"x̂": f.x_hat},
            "independent",
        ),
        3: ({"x̂": f.x_hat, "y": f.y}, {"γ": w.gamma, "β": w.beta}, {"x̂": f.x_hat}, {"y": f.y}, "shared"),
        4: ({"∂ℓ/∂y": w.dy, "∂ℓ/∂x̂": b.dx_hat}, {"γ": w.gamma}, {"∂ℓ/∂y": w.dy}, {"∂ℓ/∂x̂": b.dx_hat}, "shared"),
        5: (
            {"∂ℓ/∂x̂": b.dx_hat, "x − μ_B": centered},
            {"σ²_B + ε": f.batch_var + w.eps, "∂ℓ/∂σ²_B": b.dvar},
            {"∂ℓ/∂x̂": b.dx_hat},
            {"∂ℓ/∂σ²_B": b.dvar},
            "independent",
        ),
        6: (
            {"∂ℓ/∂x̂": b.dx_hat, "x − μ_B": centered},
            {"∂ℓ/∂σ²_B": b.dvar, "Σᵢ(x − μ_B)": centered.sum(0), "∂ℓ/∂μ_B": b.dmean},
            {"∂ℓ/∂x̂": b.dx_hat},
            {"∂ℓ/∂μ_B": b.dmean},
            "independent",
        ),
        7: (
            {"∂ℓ/∂x̂": b.dx_hat, "∂ℓ/∂x": b.dx},
            {"∂ℓ/∂σ²_B": b.dvar, "∂ℓ/∂μ_B": b.dmean, "Σᵢ ∂ℓ/∂xᵢ (0 up to rounding)": b.dx.sum(0)},
            {"∂ℓ/∂x̂": b.dx_hat},
            {"∂ℓ/∂x": b.dx},
            "shared",
        ),
        8: (
            {"∂ℓ/∂y": w.dy, "x̂": f.x_hat},
            {"∂ℓ/∂γ": b.dgamma, "∂ℓ/∂β": b.dbeta},
            {"∂ℓ/∂y": w.dy},
            {"∂ℓ/∂γ": b.dgamma, "∂ℓ/∂β": b.dbeta},
            "independent",
        ),
    }[step]
    data = strip_data(before, after, "input: " + ", ".join(before), "output: " + ", ".join(after))
    return StepView(row_table(rows), feature_table(feats), before_after_chart(data, layout), checks)
