"""The batch-size result as cells, one per (network, normalization, batch size), and what BN computes over two
examples. Pandas and torch only (the two-example demonstration runs bnviz's own BN layers)."""

from __future__ import annotations

import pandas as pd
import torch

from bnviz.experiments.batch_size import MODEL_NAMES
from bnviz.norms import GHOST_BATCH, BatchNorm1d, BatchNorm2d
from bnviz.norms.batch_renorm import renorm_bounds
from bnviz.views import grid
from bnviz.views.style import norm_rank

R_MAX, D_MAX = 3.0, 5.0  # Batch Renorm's final bounds (the layer's defaults, the paper's)


def size_table(result: dict) -> pd.DataFrame:
    """One row per (model, norm, batch size): mean, lowest and highest seed of the final test accuracy, and the seeds."""
    f = grid.finals(result, ("model", "batch_size"))
    f["model"] = f["model"].fillna("mlp")
    c = grid.cells(f, ["model", "norm", "batch_size"])
    c["arm"] = c["norm"].map(grid.label)  # the legend's name: the normalization's
    c["network"] = c["model"].map(lambda m: MODEL_NAMES.get(m, m))
    return c.sort_values(
        ["model", "batch_size", "norm"], key=lambda s: s.map(norm_rank) if s.name == "norm" else s
    ).reset_index(drop=True)


def models(table: pd.DataFrame) -> list[str]:
    return [m for m in MODEL_NAMES if m in set(table["model"])]


def sizes(table: pd.DataFrame, model: str) -> list[int]:
    return [int(s) for s in sorted(table[table["model"] == model]["batch_size"].unique())]


def at(table: pd.DataFrame, model: str, norm: str, size: int) -> pd.Series | None:
    """A norm's cell at one size; Ghost BN at or below its virtual batch is BN's (one ghost batch is the batch)."""
    if norm == "ghost" and size <= GHOST_BATCH:
        norm = "bnviz"
    c = grid.cell(table, model=model, norm=norm, batch_size=size)
    return c if c is not None and pd.notna(c["mean"]) else None


def best(table: pd.DataFrame, model: str, size: int) -> pd.Series | None:
    d = table[(table["model"] == model) & (table["batch_size"] == size) & table["mean"].notna()]
    return d.loc[d["mean"].idxmax()] if len(d) else None


def behind(table: pd.DataFrame, model: str, norm: str, size: int) -> bool | None:
    """Is ``norm`` behind the best arm at ``size`` beyond the seed spread (the best's worst seed above its best)?"""
    c, top = at(table, model, norm, size), best(table, model, size)
    return None if c is None or top is None else grid.clearly_above(top, c)


def lost_sizes(table: pd.DataFrame, model: str) -> list[int]:
    """The batch sizes at which BN is behind the best arm beyond the seed spread."""
    return [s for s in sizes(table, model) if behind(table, model, "bnviz", s)]


def wide(table: pd.DataFrame, model: str, kinds: tuple[str, ...]) -> pd.DataFrame:
    """The table a reader sees: one row per batch size, one column per normalization, ``93.65 (0.28)`` cells."""
    out = pd.DataFrame({"batch size": sizes(table, model)})
    for norm in kinds:
        out[grid.label(norm)] = [
            grid.compact(at(table, model, norm, s)) if norm != "ghost" or s > GHOST_BATCH else "= BN"
            for s in out["batch size"]
        ]
    return out


def final_losses(result: dict, model: str, norm: str, size: int) -> list[float]:
    """The last recorded training loss (mean since the previous record) of every seed of one cell."""
    out = []
    for run in result["runs"]:
        c = run.get("config") or {}
        if (c.get("model", "mlp"), c.get("norm"), c.get("batch_size")) == (model, norm, size):
            losses = [r["train/loss"] for r in run["records"] if r.get("train/loss") is not None]
            out += losses[-1:]
    return out


def renorm_reached(result: dict) -> pd.DataFrame:
    """Per Batch Renorm run: its network, batch, steps, warm-up and the bounds r_max, d_max at its last step."""
    rows = []
    for run in result["runs"]:
        c = run.get("config") or {}
        if c.get("norm") != "renorm":
            continue
        w = c.get("renorm_warmup")
        bn_steps, ramp = (round(w[0] * c["steps"]), round((w[1] - w[0]) * c["steps"])) if w else (0, 5_000)
        r, d = renorm_bounds(run["steps"] - 1, R_MAX, D_MAX, bn_steps, ramp)
        network = MODEL_NAMES.get(c.get("model", "mlp"), c.get("model"))
        rows.append(
            {
                "network": network,
                "batch size": c["batch_size"],
                "steps": run["steps"],
                "plain BN until step": bn_steps,
                "ramp ends at step": bn_steps + ramp,
                "r_max reached": r,
                "d_max reached": d,
            }
        )
    columns = [
        "network",
        "batch size",
        "steps",
        "plain BN until step",
        "ramp ends at step",
        "r_max reached",
        "d_max reached",
    ]
    return pd.DataFrame(rows, columns=columns).drop_duplicates().reset_index(drop=True)


def two_examples(units: int = 6, seed: int = 0) -> pd.DataFrame:
    """BN's training-mode step on a batch of two, computed with bnviz's ``BatchNorm1d``: for every unit
    x̂₁ = (x₁ − μ_B)/√(σ²_B + ε) = (x₁ − x₂)/√((x₁ − x₂)² + 4ε) ≈ sign(x₁ − x₂), and x̂₂ = −x̂₁."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, units, generator=g, dtype=torch.float64) * 3  # two examples' W u, one column per unit
    bn = BatchNorm1d(units, affine=False, dtype=torch.float64).train()
    with torch.no_grad():
        x_hat = bn(x)
    mean, var = x.mean(0), x.var(0, unbiased=False)
    return pd.DataFrame(
        {
            "unit": range(1, units + 1),
            "x₁": x[0].numpy(),
            "x₂": x[1].numpy(),
            "μ_B": mean.numpy(),
            "σ_B": var.sqrt().numpy(),
            "x̂₁": x_hat[0].numpy(),
            "x̂₂": x_hat[1].numpy(),
        }
    )


def share_at_one(x_hat: torch.Tensor, tol: float = 1e-9) -> float:
    """The share of x̂ values that are ±1 (to within ``tol``)."""
    return float(((x_hat.abs() - 1).abs() < tol).double().mean())


def pair_shares(seed: int = 0) -> dict[str, float]:
    """With ε = 0, how many of BN's outputs over a batch of two are exactly ±1 (float64): per unit of a 100-unit
    layer (the MLP's), and per map of 8 maps of 28x28 (the CNN's first block: 2·28·28 values a map)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        one_d = BatchNorm1d(100, eps=0.0, affine=False, dtype=torch.float64).train()
        two_d = BatchNorm2d(8, eps=0.0, affine=False, dtype=torch.float64).train()
        mlp = one_d(torch.randn(2, 100, generator=g, dtype=torch.float64))
        cnn = two_d(torch.randn(2, 8, 28, 28, generator=g, dtype=torch.float64))
    return {
        "mlp": share_at_one(mlp),
        "mnist-cnn": share_at_one(cnn),
        "mlp_opposite": float((mlp[0] + mlp[1]).abs().max()),
    }
