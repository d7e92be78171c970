"""Benchmark: the server time of a click that changes nothing a page shows (a rerun), per page, and of one
step of the Activations page's replay (the slider moved to a step not yet drawn), in AppTest.

Each page reads the cache folder the app reads (``BNVIZ_CACHE_DIR``, else ``cache/``): the shipped results.
A rerun redraws what a page keeps (its charts' specs, the tables behind them); a replay step derives and
converts that step's charts. Medians of several runs in one process, after a first render that fills the caches.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from pages import _replay

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = (
    "pages/home.py",
    "pages/algorithm.py",
    "pages/moments.py",
    "pages/norm_sets.py",
    "pages/activations.py",
    "pages/experiments.py",
    "pages/practice.py",
    "pages/why.py",
)
TARGET = 300  # ms: a click answers at once


def opened(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    return at


def timed(action) -> float:
    t0 = time.perf_counter()
    action()
    return time.perf_counter() - t0


def replay_steps(at: AppTest, repeats: int) -> list[float]:
    """Seconds for the replay shown to draw steps it has not drawn (a few apart, as a scrub or a fast replay)."""
    steps = [int(option.replace(",", "")) for option in at.select_slider(key=_replay.SCRUB).options]
    picks = [steps[(i * 7 + 3) % len(steps)] for i in range(repeats)]
    return [timed(lambda s=s: at.select_slider(key=_replay.SCRUB).set_value(s).run()) for s in picks]


def run(quick: bool) -> list[str]:
    repeats = 3 if quick else 7
    lines = []
    for page in PAGES:
        at = opened(page)
        t = statistics.median(timed(at.run) for _ in range(repeats))
        lines.append(f"| rerun, {page} | {t * 1e3:,.0f} ms | < {TARGET} ms |")
    steps = replay_steps(opened("pages/activations.py"), repeats)
    lines.append(f"| replay, a step not drawn yet (Activations) | {statistics.median(steps) * 1e3:,.0f} ms | |")
    return ["| a click (AppTest) | median server time | target |", "|---|---:|---|", *lines]
