"""Where the project is, how long a test may wait (one scale for every wait in the suite), and how many
examples a property test tries.

No test asserts how fast something is (benchmarks/ measure that, as ratios). A test may only *wait*
for something to happen (a server to answer, a page to draw, a process to end), and every such wait
is ``scaled(seconds)``: set ``BNVIZ_TEST_TIMEOUT_SCALE=3`` on a loaded or slow machine and every wait
grows threefold, so a busy CI box fails only on a real hang.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the folder holding app.py
APP = str(ROOT / "app.py")


def timeout_scale() -> float:
    """``BNVIZ_TEST_TIMEOUT_SCALE`` (default 1); a value that is not a positive number counts as 1."""
    try:
        scale = float(os.environ.get("BNVIZ_TEST_TIMEOUT_SCALE", "1"))
    except ValueError:
        return 1.0
    return scale if scale > 0 else 1.0


def scaled(seconds: float) -> float:
    """``seconds`` of waiting, times the suite's timeout scale."""
    return seconds * timeout_scale()


def scaled_ms(milliseconds: float) -> float:
    """The same for Playwright, whose timeouts are in milliseconds."""
    return milliseconds * timeout_scale()


FAST_LOOP_SHARE = 3  # the fast loop tries a third of each property test's examples
fast_loop = False  # set by conftest.py before the test modules are imported: this run is `-m "not slow"`


def examples(n: int) -> int:
    """A property test's number of Hypothesis examples: ``n`` in the whole suite (what CI runs), a third of
    them, at least 10, in the fast loop (``pytest -m "not slow"``), which a person waits for. Thorough where
    the suite runs unattended, quick while developing: the split Hypothesis's documentation recommends
    (settings profiles). A failure either run finds is kept in .hypothesis/ and tried first on the next run."""
    return max(10, n // FAST_LOOP_SHARE) if fast_loop else n


HEAVY_PAGES = ("why", "practice")  # the longest pages: a page-by-page sweep renders them only in the slow tier


def pages_fast_then_heavy(names) -> list:
    """``names`` as pytest parameters, HEAVY_PAGES marked slow: the fast loop sweeps the light pages."""
    import pytest

    return [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY_PAGES else n for n in names]
