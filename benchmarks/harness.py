"""Side-by-side timing: contenders interleaved in one run, median of repeats, ratios not seconds.

Interleaving (A, B, A, B, ...) means a background load or a clock change hits every contender
alike, so the *ratio* is meaningful even on a busy laptop; absolute times are printed for context.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from collections.abc import Callable

import torch


def time_once(fn: Callable[[], object], inner: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call of ``fn`` over ``inner`` back-to-back calls (``time.process_time``: CPU seconds)."""
    start = clock()
    for _ in range(inner):
        fn()
    return (clock() - start) / inner


class Times(dict):
    """Median seconds per call of each contender; ``samples`` keeps every round's time, in round order."""

    samples: dict[str, list[float]]


def compare(
    contenders: dict[str, Callable[[], object]],
    inner: int,
    repeats: int = 15,
    warmup: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> Times:
    """Median seconds per call of each contender, measured interleaved (on ``clock``: wall time by default)."""
    for fn in contenders.values():
        for _ in range(warmup):
            time_once(fn, inner)
    samples = {name: [] for name in contenders}
    gc.disable()
    try:
        for _ in range(repeats):
            for name, fn in contenders.items():
                samples[name].append(time_once(fn, inner, clock))
    finally:
        gc.enable()
    times = Times({name: statistics.median(s) for name, s in samples.items()})
    times.samples = samples
    return times


def ratio_spread(times: dict[str, float], name: str, reference: str) -> str:
    """The middle half (25th to 75th percentile) of this contender's per-round ratio to the reference:
    each round times both back to back, so the spread shows how steady the ratio is on this machine."""
    samples = getattr(times, "samples", None)
    if not samples or len(samples[name]) < 4:
        return ""
    ratios = sorted(a / b for a, b in zip(samples[name], samples[reference]))
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return f" ({q1:.2f}-{q3:.2f})"


def machine() -> str:
    return (
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), torch {torch.__version__}, "
        f"{torch.get_num_threads()} torch threads, Python {platform.python_version()}"
    )


class Table:
    """Rows of (benchmark, contender, time, ratio to the reference), printed as Markdown."""

    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(
        self, bench: str, times: dict[str, float], reference: str, unit: str = "us", target: str | dict[str, str] = ""
    ) -> None:
        """One row per contender; ``target`` is every other contender's, or a dict of targets by contender."""
        scale = {"us": 1e6, "ms": 1e3, "s": 1.0}[unit]
        for name, t in times.items():
            ratio = (
                "1.00 (ref)"
                if name == reference
                else f"{t / times[reference]:.2f}x{ratio_spread(times, name, reference)}"
            )
            goal = target.get(name, "") if isinstance(target, dict) else target if name != reference else ""
            self.rows.append((bench, name, f"{t * scale:,.1f} {unit}", ratio, goal))

    def markdown(self) -> str:
        head = (
            "| benchmark | contender | median time | ratio (middle half of rounds) | target |\n"
            "|---|---|---:|---:|---|\n"
        )
        return head + "\n".join(f"| {' | '.join(r)} |" for r in self.rows)
