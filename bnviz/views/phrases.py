"""The phrasings every experiment shares, written once: numbers with their seed range, comparisons
"beyond the seed spread", lists. Pure Python; sentences built here quote file values through
:func:`bnviz.views.markdown.literal`.

A difference is *beyond the seed spread* when one side's worst seed is above the other's best: with
three seeds a weak test, but one that a single lucky seed cannot pass.
"""

from __future__ import annotations

import math

BEYOND = "beyond the seed spread"
WITHIN = "within the seed spread"


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float | None, digits: int = 2) -> str:
    """``97.12%`` (a dash for a missing value)."""
    return "—" if missing(x) else f"{100 * x:.{digits}f}%"


def points(diff: float) -> str:
    """A difference of two accuracies, in percentage points: ``+1.23 points``."""
    return f"{100 * diff:+.2f} points"


def steps_text(n: float) -> str:
    return f"{int(n):,}"


def seed_range(lo: float | None, hi: float | None, seeds: int) -> str:
    """``seeds 96.90–97.30%``, or ``one seed`` when there is nothing to spread."""
    if seeds <= 1 or missing(lo) or missing(hi):
        return "one seed" if seeds == 1 else "no seeds"
    return f"seeds {100 * lo:.2f}–{100 * hi:.2f}%"


def spread(mean: float | None, lo: float | None, hi: float | None, seeds: int) -> str:
    """``97.12% (seeds 96.90–97.30%)``: a mean never without its range over seeds."""
    if missing(mean):
        return "—"
    return f"{pct(mean)} ({seed_range(lo, hi, seeds)})"


def listing(items) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 seed``, ``3 seeds``."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def rates(lrs) -> str:
    """Learning rates as a reader reads them: ``lr 0.1 to 3`` for a run of the grid's rates, else a list."""
    lrs = [f"{lr:g}" for lr in lrs]
    if not lrs:
        return "no rate"
    return f"lr {lrs[0]}" if len(lrs) == 1 else f"lr {listing(lrs)}"


def stable_range(grid, stable) -> str:
    """``lr 0.1 to 0.9 (not 3 or 9)``: the rates of ``grid`` (in order) where every seed trained, and the others."""
    grid, stable = list(grid), set(stable)
    inside = [lr for lr in grid if lr in stable]
    if not inside:
        return f"at no rate of the grid ({rates(grid)[3:]})"
    lo, hi = grid.index(inside[0]), grid.index(inside[-1])
    span = f"lr {inside[0]:g}" if lo == hi else f"lr {inside[0]:g} to {inside[-1]:g}"
    if len(inside) != hi - lo + 1:
        span = rates(inside)
    outside = [f"{lr:g}" for lr in grid if lr not in stable]
    return span + (f" (not {listing(outside).replace(' and ', ' or ')})" if outside else "")
