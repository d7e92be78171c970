"""A recorded run played back step by step: the clock of a replay and the runs as they stood at a step.

A replay shows a recording's probe steps (its "frames": steps 0, 1, 2, 5, 10, ... where histograms were
recorded) one after another, at a speed of 1 to 50 frames per second of wall-clock time; at a step it
draws the runs as they stood then (:func:`runs_at`), so every chart grows as it would while training.
Pure Python: the page passes the time in (``time.monotonic()``), tests pass their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SPEEDS = (1, 2, 5, 10, 20, 50)  # recorded steps (frames) per second of replay
TARGET_SECONDS = 30.0  # the default speed plays a whole recording in at most this long


def default_speed(frames: int) -> int:
    """The slowest speed that plays ``frames`` frames in at most :data:`TARGET_SECONDS`."""
    return next((s for s in SPEEDS if (frames - 1) / s <= TARGET_SECONDS), SPEEDS[-1])


def seconds_to_play(frames: int, speed: float) -> float:
    """Seconds from the first frame to the last at ``speed`` frames per second."""
    return max(frames - 1, 0) / speed


@dataclass
class Clock:
    """Where a replay of ``frames`` (the recorded steps, ascending) stands: a frame index that moves at
    ``speed`` frames per second while playing. ``index`` and ``since`` anchor it: at time ``since`` it was
    at frame ``index``; paused, ``since`` is None and it stays there."""

    frames: tuple[int, ...]
    speed: float
    index: float = 0.0
    since: float | None = None

    @property
    def playing(self) -> bool:
        return self.since is not None

    @property
    def last(self) -> int:
        return len(self.frames) - 1

    def position(self, now: float) -> int:
        """The frame index shown at ``now`` (the last frame once it has been reached)."""
        moved = (now - self.since) * self.speed if self.since is not None else 0.0
        return min(self.last, max(0, math.floor(self.index + moved + 1e-9)))

    def step(self, now: float) -> int:
        return self.frames[self.position(now)]

    def finished(self, now: float) -> bool:
        """Playing has reached the last frame (a paused clock is never finished)."""
        return self.playing and self.position(now) >= self.last

    def seconds_left(self, now: float) -> float:
        return seconds_to_play(self.last - self.position(now) + 1, self.speed)

    def play(self, now: float) -> None:
        """Play from where it stands; from the first frame if it stands at the last."""
        at = self.position(now)
        self.index, self.since = (0.0 if at >= self.last else float(at)), now

    def pause(self, now: float) -> None:
        self.index, self.since = float(self.position(now)), None

    def stop_at_end(self, now: float) -> None:
        """Pause on the last frame once playing has reached it."""
        if self.finished(now):
            self.pause(now)

    def seek(self, step: int, now: float) -> None:
        """Stand at the recorded step ``step`` (the last frame at or before it), playing on if it was."""
        at = max([i for i, s in enumerate(self.frames) if s <= step] or [0])
        self.index = float(at)
        if self.since is not None:
            self.since = now

    def set_speed(self, speed: float, now: float) -> None:
        """Change speed without a jump: re-anchored at the frame shown now."""
        self.index = float(self.position(now))
        if self.since is not None:
            self.since = now
        self.speed = speed


def runs_at(runs: list[dict], step: int) -> list[dict]:
    """Each run as it stood at ``step``: its records up to that step, "running" unless it had ended by then."""
    out = []
    for run in runs:
        records = [r for r in run["records"] if r["step"] <= step]
        ended = records and records[-1].get("status") in ("done", "diverged")
        status = run.get("status", "done") if ended or not records else "running"
        reached = records[-1]["step"] if ended else min(step, run.get("steps", step))
        out.append({**run, "records": records, "status": status, "step": reached})
    return out
