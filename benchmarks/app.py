"""Benchmark 5: server-side time of each page's first render (warm caches) and a step-through control change."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")  # AppTest resolves paths from the caller's folder

PAGES = [
    "pages/home.py",
    "pages/algorithm.py",
    "pages/norm_sets.py",
    "pages/activations.py",
    "pages/experiments.py",
    "pages/code.py",
]


def first_render(page: str) -> float:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    t0 = time.perf_counter()
    at.switch_page(page).run()
    elapsed = time.perf_counter() - t0
    assert not at.exception, f"{page}: {at.exception}"
    return elapsed


def run(quick: bool) -> list[str]:
    lines = []
    repeats = 2 if quick else 5
    for page in PAGES:
        first_render(page)  # warms st.cache_data / st.cache_resource in this process
        t = statistics.median(first_render(page) for _ in range(repeats))
        lines.append(f"| first render, {page} | {t * 1e3:,.0f} ms | < 2,000 ms |")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/algorithm.py").run()
    samples = []
    for _ in range(repeats * 2):
        button = next(b for b in at.button if "Next" in b.label)
        t0 = time.perf_counter()
        button.click().run()
        samples.append(time.perf_counter() - t0)
    lines.append(f"| step-through page, click Next | {statistics.median(samples) * 1e3:,.0f} ms | < 200 ms |")
    return ["| app | median server time | target |", "|---|---:|---|", *lines]
