"""Code a student can start the grader from: an empty template, the paper's BN in NumPy and in PyTorch, and the
typical mistakes, each the paper's code with one change (the page offers them; the tests grade every one).

Each example is ``(label, first intermediate the grader must name or None, source)``.
"""

from __future__ import annotations

TEMPLATE = '''import numpy as np


def forward(x, gamma, beta, eps):
    """x: (m, d); gamma, beta: (d,).
    Returns y (m, d) and a cache for backward. Keep mu,
    var and x_hat in it: the grader checks each one."""
    mu = ...
    var = ...
    x_hat = ...
    y = ...
    cache = {"x": x, "gamma": gamma, "eps": eps,
             "mu": mu, "var": var, "x_hat": x_hat}
    return y, cache


def backward(dy, cache):
    """dy: (m, d). Returns dx (m, d), dgamma (d,),
    dbeta (d,)."""
    dx = ...
    dgamma = ...
    dbeta = ...
    return dx, dgamma, dbeta
'''

PAPER_NUMPY = """import numpy as np


def forward(x, gamma, beta, eps):
    m = x.shape[0]
    mu = x.sum(axis=0) / m                       # μ_B = 1/m Σ x_i
    var = ((x - mu) ** 2).sum(axis=0) / m        # σ²_B = 1/m Σ (x_i − μ_B)²
    x_hat = (x - mu) / np.sqrt(var + eps)        # x̂_i = (x_i − μ_B) / √(σ²_B + ε)
    y = gamma * x_hat + beta                     # y_i = γ x̂_i + β
    return y, {"x": x, "gamma": gamma, "eps": eps, "mu": mu, "var": var, "x_hat": x_hat}


def backward(dy, cache):
    x, gamma, eps = cache["x"], cache["gamma"], cache["eps"]
    mu, var, x_hat = cache["mu"], cache["var"], cache["x_hat"]
    m = x.shape[0]
    dx_hat = dy * gamma                                                     # ∂ℓ/∂x̂
    dvar = (dx_hat * (x - mu)).sum(axis=0) * -0.5 * (var + eps) ** -1.5     # ∂ℓ/∂σ²_B
    dmean = (dx_hat * -1 / np.sqrt(var + eps)).sum(axis=0) + dvar * (-2 * (x - mu)).sum(axis=0) / m  # ∂ℓ/∂μ_B
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m + dmean / m  # ∂ℓ/∂x
    dgamma = (dy * x_hat).sum(axis=0)                                       # ∂ℓ/∂γ
    dbeta = dy.sum(axis=0)                                                  # ∂ℓ/∂β
    return dx, dgamma, dbeta
"""

PAPER_TORCH = """import torch


def forward(x, gamma, beta, eps):
    mu = x.mean(0)                                   # μ_B
    var = x.var(0, unbiased=False)                   # σ²_B (biased)
    x_hat = (x - mu) / torch.sqrt(var + eps)         # x̂
    y = gamma * x_hat + beta
    return y, (x, gamma, eps, mu, var, x_hat)


def backward(dy, cache):
    x, gamma, eps, mu, var, x_hat = cache
    m = x.shape[0]
    # the compact form: γ/(m√(σ²_B+ε)) · (m ∂ℓ/∂y − Σ ∂ℓ/∂y − x̂ Σ ∂ℓ/∂y·x̂)
    dx = gamma / (m * torch.sqrt(var + eps)) * (m * dy - dy.sum(0) - x_hat * (dy * x_hat).sum(0))
    return dx, (dy * x_hat).sum(0), dy.sum(0)
"""


def _mistake(old: str, new: str, count: int = 1) -> str:
    if PAPER_NUMPY.count(old) != count:
        raise ValueError(f"{old!r} is not in the paper's code {count} time(s)")
    return PAPER_NUMPY.replace(old, new)


EXAMPLES = (
    ("The paper's BN (NumPy)", None, PAPER_NUMPY),
    ("The paper's BN (PyTorch, compact backward)", None, PAPER_TORCH),
    (
        "Mistake: the unbiased variance",
        "var",
        _mistake("var = ((x - mu) ** 2).sum(axis=0) / m ", "var = ((x - mu) ** 2).sum(axis=0) / (m - 1)"),
    ),
    (
        "Mistake: the path through σ²_B is missing",
        "dvar",
        _mistake(
            "dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m + dmean / m",
            "dx = dx_hat / np.sqrt(var + eps) + dmean / m",
        ),
    ),
    (
        "Mistake: the path through μ_B is missing",
        "dmean",
        _mistake(
            "dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m + dmean / m",
            "dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / m",
        ),
    ),
    (
        "Mistake: ε outside the square root",
        "x_hat",
        _mistake("x_hat = (x - mu) / np.sqrt(var + eps) ", "x_hat = (x - mu) / (np.sqrt(var) + eps)"),
    ),
    (
        "Mistake: statistics over the wrong axis",
        "mean",
        _mistake("mu = x.sum(axis=0) / m ", "mu = x.mean(axis=1, keepdims=True)").replace(
            "var = ((x - mu) ** 2).sum(axis=0) / m ", "var = ((x - mu) ** 2).mean(axis=1, keepdims=True)"
        ),
    ),
    (
        "Mistake: γ applied before normalizing",
        "mean",
        _mistake("    m = x.shape[0]\n    mu = x.sum", "    m = x.shape[0]\n    x = gamma * x\n    mu = x.sum").replace(
            "y = gamma * x_hat + beta ", "y = x_hat + beta"
        ),
    ),
    (
        "Mistake: ∂ℓ/∂β summed over the wrong axis",
        "dbeta",
        _mistake("dbeta = dy.sum(axis=0) ", "dbeta = dy.sum(axis=1)"),
    ),
    ("Mistake: γ missing from ∂ℓ/∂x̂", "dx_hat", _mistake("dx_hat = dy * gamma  ", "dx_hat = dy  ")),
)
