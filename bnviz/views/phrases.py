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
