r"""Grade a student's BN against the paper's, intermediate by intermediate, and name the first that disagrees.

The student writes CS231n's two functions, ``forward(x, gamma, beta, eps) -> (y, cache)`` and
``backward(dy, cache) -> (dx, dgamma, dbeta)``, for x of shape (m, d). They run in a separate process
(:mod:`bnviz.teach.sandbox`) on the toy batch and on random batches; this module only compares.

Where each of the student's intermediates is read:

- μ_B, σ²_B, √(σ²_B + ε) and x̂ from the cache, by name (``mu``, ``var``, ``std``, ``x_hat`` and their usual
  spellings) or, in a tuple, by value;
- y, ∂ℓ/∂x, ∂ℓ/∂γ and ∂ℓ/∂β from what the two functions return;
- ∂ℓ/∂x̂, ∂ℓ/∂σ²_B and ∂ℓ/∂μ_B from ∂ℓ/∂x itself: the paper's ∂ℓ/∂x adds one term per path,

.. math:: \frac{\partial\ell}{\partial x_i} = \alpha\,\frac{\gamma\,\partial\ell/\partial y_i}{\sqrt{\sigma_B^2+\epsilon}}
          + v\,\frac{2(x_i-\mu_B)}{m} + u\,\frac{1}{m}

so a least-squares fit of the student's ∂ℓ/∂x on those three directions, feature by feature, gives
their ∂ℓ/∂x̂ (α·γ·∂ℓ/∂y), ∂ℓ/∂σ²_B (v) and ∂ℓ/∂μ_B (u) as they reach x, when the fit is exact (m ≥ 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
from torch import Tensor

from bnviz.teach import grader_hints as H
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T
from bnviz.teach.sandbox import Probe, RunResult

STEPS = {  # key -> label, in the paper's order (√(σ²_B + ε) is checked only when the cache holds it)
    "mean": "μ_B",
    "var": "σ²_B",
    "std": "√(σ²_B + ε)",
    "x_hat": "x̂",
    "y": "y",
    "dx_hat": "∂ℓ/∂x̂",
    "dvar": "∂ℓ/∂σ²_B",
    "dmean": "∂ℓ/∂μ_B",
    "dx": "∂ℓ/∂x",
    "dgamma": "∂ℓ/∂γ",
    "dbeta": "∂ℓ/∂β",
}
CACHE_NAMES = {  # usual spellings, compared without case and underscores
    "mean": {"mu", "mean", "mub", "batchmean", "samplemean", "meanb", "mubatch"},
    "var": {"var", "variance", "sigma2", "sigmasq", "sigmasquared", "batchvar", "samplevar", "varb", "varbatch"},
    "std": {"std", "sqrtvar", "sigma", "stdeps", "sd", "denom", "sqrtvareps", "stddev"},
    "inv_std": {"istd", "ivar", "invstd", "invvar", "invsigma", "rstd", "invsqrtvar", "invstddev", "invdenom"},
    "x_hat": {"xhat", "xnorm", "xnormalized", "xn", "normalized", "xnormed", "xhatb"},
}
AGREES, DIFFERS, NOT_READ = "agrees", "differs", "not read"
MIN_ROWS_TO_SPLIT = 4  # with fewer rows the three path directions span every ∂ℓ/∂x: the split would prove nothing


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    status: str  # AGREES | DIFFERS | NOT_READ
    source: str  # where the student's value was read, or why it was not
    probe: int | None = None  # the probe it differs on (the first), else None
    yours: Tensor | None = None  # on that probe
    paper: Tensor | None = None
    hint: str | None = None


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    probes: list[Probe]
    run: RunResult

    @property
    def first(self) -> Row | None:
        """The first intermediate, in the paper's order, that disagrees with the paper's."""
        return next((r for r in self.rows if r.status == DIFFERS), None)

    @property
    def complete(self) -> bool:
        return self.run.status == "ok" and len(self.run.probes) == len(self.probes)

    @property
    def passed(self) -> bool:
        return self.complete and self.first is None


def random_probes(seed: int = 0) -> list[Probe]:
    """Three random batches: different m and d (d > m in one), ε large enough that misplacing it shows."""
    gen = torch.Generator().manual_seed(int(seed) + 11)
    probes = []
    for k, (m, d, eps) in enumerate(((5, 4, 0.1), (8, 3, 0.5), (4, 6, 1e-3)), start=1):
        loc = torch.randn(d, generator=gen, dtype=torch.float64) * 3
        x = loc + torch.rand(d, generator=gen, dtype=torch.float64) * 2 * torch.randn(
            m, d, generator=gen, dtype=torch.float64
        )
        sign = torch.where(torch.arange(d) % 3 == 2, -1.0, 1.0).to(torch.float64)  # one γ in three negative
        gamma = sign * (0.5 + 1.5 * torch.rand(d, generator=gen, dtype=torch.float64))
        beta = torch.randn(d, generator=gen, dtype=torch.float64)
        dy = torch.randn(m, d, generator=gen, dtype=torch.float64)
        probes.append(Probe(f"random batch {k} (m = {m}, d = {d}, ε = {eps:g})", x, gamma, beta, eps, dy))
    return probes


def toy_probe(x: Tensor, gamma: Tensor, beta: Tensor, eps: float, dy: Tensor, name: str = "your toy batch") -> Probe:
    return Probe(name, x, gamma, beta, eps, dy)


def default_probes(seed: int = 0) -> list[Probe]:
    """The step-through page's default toy batch (with its γ, β, ε and "random w" ∂ℓ/∂y), then the random batches."""
    x = T.DEFAULT_BATCH
    gamma, beta = T.default_affine(x.shape[1])
    dy = S.upstream_gradient("random w", x, seed)
    return [toy_probe(x, gamma, beta, 1e-5, dy, "the default toy batch"), *random_probes(seed)]


def _tensor(entry) -> Tensor | None:
    if not isinstance(entry, dict) or "values" not in entry:
        return None
    values = [float(v) for v in entry["values"]]  # "nan" and "inf" come as text
    return torch.tensor(values, dtype=torch.float64).reshape(entry["shape"])


def _from_cache(key: str, cache: dict, p: Probe, r: H.Reference) -> tuple[Tensor | None, str]:
    """The student's value of ``key`` from their cache: by name, or (a tuple) an entry equal to it or to a typical mistake."""
    want = {"mean": r.fwd.batch_mean, "var": r.fwd.batch_var, "std": r.std, "x_hat": r.fwd.x_hat}[key]
    named = {re.sub(r"[^a-z0-9]", "", name.lower()): name for name in cache}
    for spelling in CACHE_NAMES[key]:
        if spelling in named:
            return _tensor(cache[named[spelling]]), f"your cache's '{named[spelling]}'"
    if key == "std":
        for spelling in CACHE_NAMES["inv_std"]:
            if spelling in named and (inv := _tensor(cache[named[spelling]])) is not None:
                return 1 / inv, f"1 / your cache's '{named[spelling]}'"
    positional = {
        name: t for name, entry in cache.items() if name.startswith("#") and (t := _tensor(entry)) is not None
    }
    for name, t in positional.items():
        if H.close(t, want):
            return t, f"your cache's entry {name}"
    for name, t in positional.items():
        if key != "std" and H.matching(key, t, p, r):
            return t, f"your cache's entry {name}"
    return None, "not in your cache (name it " + {"mean": "mu", "var": "var", "std": "std", "x_hat": "x_hat"}[key] + ")"


def split_paths(dx: Tensor, p: Probe, r: H.Reference) -> dict[str, Tensor] | None:
    """The student's ∂ℓ/∂x̂, ∂ℓ/∂σ²_B and ∂ℓ/∂μ_B as they reach x, from a least-squares fit of their ∂ℓ/∂x
    on the three path directions; None when the fit is not exact (their ∂ℓ/∂x is not made of these paths)."""
    m, d = p.x.shape
    if tuple(dx.shape) != (m, d) or m < MIN_ROWS_TO_SPLIT or not bool(torch.isfinite(dx).all()):
        return None
    direct = p.gamma * p.dy / r.std  # γ·∂ℓ/∂yᵢ / √(σ²_B + ε), the direction of the path through x̂ᵢ
    centered = 2 * (p.x - r.fwd.batch_mean) / m  # 2(xᵢ − μ_B)/m, through σ²_B
    basis = torch.stack([direct, centered, torch.full_like(p.x, 1 / m)], dim=2).permute(1, 0, 2)  # (d, m, 3)
    if int(torch.linalg.matrix_rank(basis).min()) < 3:
        return None
    coef = torch.linalg.lstsq(basis, dx.T.unsqueeze(2)).solution.squeeze(2)  # (d, 3): α, v, u per feature
    fit = (basis @ coef.unsqueeze(2)).squeeze(2).T  # (m, d)
    if not H.close(fit, dx):
        return None
    return {"dx_hat": coef[:, 0] * p.gamma * p.dy, "dvar": coef[:, 1], "dmean": coef[:, 2]}


def _read(key: str, out: dict, p: Probe, r: H.Reference) -> tuple[Tensor | None, str]:
    if key in ("mean", "var", "std", "x_hat"):
        return _from_cache(key, out.get("cache", {}), p, r)
    if key in ("y", "dx", "dgamma", "dbeta"):
        entry = out.get(key)
        t = _tensor(entry)
        name = {"y": "forward's y", "dx": "backward's dx", "dgamma": "backward's dgamma", "dbeta": "backward's dbeta"}
        note = entry.get("note") if isinstance(entry, dict) else None
        return t, f"your {name[key]}" if t is not None else f"your {name[key]}: {note or 'not returned'}"
    dx = _tensor(out.get("dx"))
    paths = split_paths(dx, p, r) if dx is not None else None
    if paths is None:
        why = "has fewer than 4 rows" if p.x.shape[0] < MIN_ROWS_TO_SPLIT else "is not a sum of the three paths"
        return None, f"not readable: on this batch your ∂ℓ/∂x {why}"
    return paths[key], "read from your ∂ℓ/∂x (its part " + {
        "dx_hat": "through x̂ᵢ)",
        "dvar": "through σ²_B)",
        "dmean": "through μ_B)",
    }[key]


def _paper(key: str, r: H.Reference) -> Tensor:
    return {
        "mean": r.fwd.batch_mean, "var": r.fwd.batch_var, "std": r.std, "x_hat": r.fwd.x_hat, "y": r.fwd.y,
        "dx_hat": r.bwd.dx_hat, "dvar": r.bwd.dvar, "dmean": r.bwd.dmean, "dx": r.bwd.dx,
        "dgamma": r.bwd.dgamma, "dbeta": r.bwd.dbeta,
    }[key]  # fmt: skip


def grade(probes: list[Probe], run: RunResult) -> Report:
    """Every intermediate's verdict over the probes the student's code finished, in the paper's order."""
    done = [(i, p, out) for i, (p, out) in enumerate(zip(probes, run.probes)) if "dbeta" in out or "y" in out]
    refs = {i: H.reference(p) for i, p, _ in done}
    rows = []
    for key, label in STEPS.items():
        row, source = None, "not reached: your code stopped before it"
        for i, p, out in done:
            yours, source = _read(key, out, p, refs[i])
            if yours is None:
                continue
            paper = _paper(key, refs[i])
            if not H.close(yours, paper):
                row = Row(key, label, DIFFERS, source, i, yours, paper, H.hint(key, yours, p, refs[i]))
                break
            row = Row(key, label, AGREES, source)
        if row is None and key == "std" and "not in your cache" in source:
            continue  # checked only when the cache holds it
        rows.append(row or Row(key, label, NOT_READ, source))
    return Report(rows, probes, run)


def side_by_side(row: Row, max_rows: int = 8) -> list[list[str]]:
    """The first differing row's numbers as text rows: [index, yours, the paper's]."""
    yours = row.yours.reshape(-1) if row.yours.numel() != row.paper.numel() else row.yours.reshape(row.paper.shape)
    paper = row.paper
    if paper.dim() == 2 and yours.shape == paper.shape:
        j = int((yours - paper).abs().amax(0).argmax())  # the feature that differs most
        return [
            [f"row {i + 1}, feature {j + 1}", f"{float(yours[i, j]):.6g}", f"{float(paper[i, j]):.6g}"]
            for i in range(min(len(paper), max_rows))
        ]
    flat_y, flat_p = yours.reshape(-1), paper.reshape(-1)
    n = max(len(flat_y), len(flat_p))
    cell = lambda t, k: f"{float(t[k]):.6g}" if k < len(t) else "—"
    where = "feature" if paper.dim() == 1 else "entry"
    return [[f"{where} {k + 1}", cell(flat_y, k), cell(flat_p, k)] for k in range(min(n, max_rows))]


def report_text(report: Report) -> str:
    """The report as plain text, for the command line."""
    lines = []
    if report.run.framework:
        lines.append(
            f"Ran your {report.run.framework} code on {len(report.run.probes)} of {len(report.probes)} batches."
        )
    for row in report.rows:
        mark = {AGREES: "ok", DIFFERS: "DIFFERS", NOT_READ: "-"}[row.status]
        lines.append(f"  {row.label:<12} {mark:<8} {row.source}")
    if (first := report.first) is not None:
        shape = (
            f" Yours has shape {tuple(first.yours.shape)}, the paper's {tuple(first.paper.shape)}."
            if first.yours.numel() != first.paper.numel()
            else ""
        )
        lines += ["", f"First difference: {first.label}, on {report.probes[first.probe].name}.{shape}"]
        lines += [f"  {'where':<20} {'yours':>12} {'the paper':>12}"]
        lines += [f"  {a:<20} {b:>12} {c:>12}" for a, b, c in side_by_side(first)]
        lines += ["", f"Hint: {first.hint}"]
    elif report.passed:
        lines += ["", "Every intermediate the grader could read agrees with the paper's, on every batch."]
    if report.run.error:
        e = report.run.error
        lines += ["", f"Your code raised {e.get('type')}: {e.get('message')}", str(e.get("where", "")).rstrip()]
    if report.run.message:
        lines += ["", report.run.message]
    if report.run.printed:
        lines += ["", "Your code printed:", report.run.printed.rstrip()]
    return "\n".join(lines)
