"""What the step-through page draws for one step: tables (inputs beside the output) and a before/after chart."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
import torch
from torch import Tensor

from bnviz.teach.checks import Check, make_check, rounding_scales, zero_within_rounding
from bnviz.teach.step_charts import before_after_chart, strip_data
from bnviz.teach.stepthrough import Inference, Walk

# Sums the math makes 0: shown as 0 where float64 rounding explains the remainder (checks.zero_within_rounding)
ZERO_SUM_CENTERED = "Σᵢ(x − μ_B) (0 within float64 rounding)"
ZERO_SUM_DX = "Σᵢ ∂ℓ/∂xᵢ (0 within float64 rounding)"


def _ratio(a: Tensor, b: Tensor) -> Tensor:
    """a / b, empty (NaN) where b is 0: a constant feature has no variance to compare with."""
    return torch.where(b > 0, a / torch.where(b > 0, b, torch.ones_like(b)), torch.full_like(a, float("nan")))


@dataclass(frozen=True)
class StepView:
    per_row: pd.DataFrame | None  # (m rows) x (feature, quantity) columns
    per_feature: pd.DataFrame  # quantities x features
    chart: alt.Chart
    checks: list[Check]  # two computations that must agree to float64 rounding
    note: str = ""  # what this step's numbers show, in words built from them (Markdown written here)


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


def bessel_note(inf: Inference, m: int) -> str:
    """What Algorithm 2's averages came to with this K, beside what they tend to (step 10's text)."""
    biased = _ratio(inf.pop.batch_vars.mean(0), inf.true_var)
    unbiased = _ratio(inf.pop.var, inf.true_var)

    def values(t: Tensor) -> str:
        return ", ".join("–" if v != v else f"{v:.2f}" for v in t.tolist())

    return (
        f"With these K = {len(inf.batches):,} batches, E_B[σ²_B] / true variance is {values(biased)} per feature "
        f"(it tends to (m − 1)/m = {(m - 1) / m:.2f}) and Var[x] / true variance is {values(unbiased)} "
        "(it tends to 1). The dashed line is the true variance."
    )


def step_view(step: int, w: Walk, inf: Inference | None, large: bool = False) -> StepView:
    """Tables and chart for step ``step`` (0-based) of :func:`steps`; ``large``: the chart for a projector.
    ``inf`` (Algorithm 2 over K batches) is needed by the inference steps only (10 and 11)."""
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
                "true mean (the batches are drawn from it)": inf.true_mean,
                "E[x] = E_B[μ_B]": inf.pop.mean,
                "true variance": inf.true_var,
                "E_B[σ²_B] (biased average)": biased,
                "E_B[σ²_B] / true variance (tends to (m−1)/m)": _ratio(biased, inf.true_var),
                "(m−1)/m": (m - 1) / m,
                "m/(m−1)": m / (m - 1),
                "Var[x] = m/(m−1)·E_B[σ²_B]": inf.pop.var,
                "Var[x] / true variance (tends to 1)": _ratio(inf.pop.var, inf.true_var),
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
            truth={"true variance": inf.true_var},
        )
        return StepView(per_row, per_feature, before_after_chart(data, "overlay", large), checks, bessel_note(inf, m))
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
        return StepView(per_row, per_feature, before_after_chart(data, "overlay", large), checks)
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
            {
                "∂ℓ/∂σ²_B": b.dvar,
                ZERO_SUM_CENTERED: zero_within_rounding(centered.sum(0), f.x.abs() + f.batch_mean.abs()),
                "∂ℓ/∂μ_B": b.dmean,
            },
            {"∂ℓ/∂x̂": b.dx_hat},
            {"∂ℓ/∂μ_B": b.dmean},
            "independent",
        ),
        7: (
            {"∂ℓ/∂x̂": b.dx_hat, "∂ℓ/∂x": b.dx},
            {
                "∂ℓ/∂σ²_B": b.dvar,
                "∂ℓ/∂μ_B": b.dmean,
                ZERO_SUM_DX: zero_within_rounding(b.dx.sum(0), rounding_scales(w)["dx"]),
            },
            {"∂ℓ/∂x̂": b.dx_hat},
            {"∂ℓ/∂x": b.dx},
            "independent",  # ∂ℓ/∂x can be a hundred times smaller than ∂ℓ/∂x̂ (a feature of large spread)
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
    return StepView(row_table(rows), feature_table(feats), before_after_chart(data, layout, large), checks)
