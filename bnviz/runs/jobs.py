"""Experiments launched from the app run as their own process: ``python -m bnviz run ...``.

So a run keeps going while the user browses other pages or refreshes the browser, uses both
cores (the runner's worker processes), can be stopped from any session, and lands in the
cache exactly as a CLI run does. The progress file the runner writes is the only shared
state; this module reads it and tells a finished, running, stopped or crashed run apart.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bnviz.runs import cache

PROJECT_ROOT = cache.PROJECT_ROOT


@dataclass
class JobStatus:
    state: str  # "none" | "starting" | "running" | "stopped" | "failed" | "crashed" | "complete"
    progress: dict | None  # the progress file's payload, if any
    message: str = ""

    @property
    def active(self) -> bool:
        return self.state in ("starting", "running")

    def fraction(self) -> float:
        if not self.progress or not self.progress.get("runs"):
            return 0.0
        runs = self.progress["runs"]
        return sum(min(r["step"], r["steps"]) for r in runs) / max(1, sum(r["steps"] for r in runs))


def command(exp_name: str, steps: int | None = None, seeds: list[int] | None = None, synthetic: bool = False,
            data_dir: str | Path | None = None, cache_dir: str | Path | None = None, force: bool = False) -> list[str]:
    """The CLI call that trains this experiment (also what the result records as its command)."""
    args = ["run", exp_name]
    if steps is not None:
        args += ["--steps", str(steps)]
    if seeds is not None:
        args += ["--seeds", *map(str, seeds)]
    if synthetic:
        args.append("--synthetic")
    if data_dir is not None and not synthetic:
        args += ["--data-dir", str(data_dir)]
    if cache_dir is not None:
        args += ["--cache-dir", str(cache_dir)]
    if force:
        args.append("--force")
    return args


def start(args: list[str], name: str, key: str, cache_dir: str | Path | None = None) -> subprocess.Popen:
    """Launch ``python -m bnviz <args>`` detached from this process; its output goes to a log beside the cache."""
    cache_dir = Path(cache_dir or cache.default_cache_dir())
    cache_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_path(cache_dir, name, key), "w")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-m", "bnviz", *args], cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)


def log_path(cache_dir: Path, name: str, key: str) -> Path:
    """The launched process's output, beside its progress file: ``<experiment>-<key>.log``."""
    return Path(cache_dir) / f"{name}-{key}.log"


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped by its parent) is not running
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def status(name: str, key: str, cache_dir: str | Path | None = None) -> JobStatus:
    """Where the experiment ``name`` with config ``key`` (``Experiment.key()``) stands: complete in
    the cache, in progress, or ended without a result."""
    cache_dir = cache_dir or cache.default_cache_dir()
    if cache.find(cache_dir, name, key) is not None:
        return JobStatus("complete", None)
    progress = cache.read_progress(cache_dir, name, key)
    if progress is None:
        return JobStatus("none", None)
    state = progress.get("status", "running")
    if state in ("starting", "running") and not pid_alive(progress.get("pid")):
        return JobStatus("crashed", progress, "the training process ended without finishing; see the log "
                         f"{log_path(Path(cache_dir), name, key).name} in the cache folder")
    return JobStatus(state, progress, progress.get("message", ""))


def unfinished(name: str, cache_dir: str | Path | None = None) -> list[tuple[str, JobStatus]]:
    """(key, status) of every config of this experiment that left a progress file and has no result:
    in flight, or ended (stopped, failed, crashed)."""
    cache_dir = Path(cache_dir or cache.default_cache_dir())
    found = []
    for path in sorted(cache_dir.glob(f"{name}-*.progress.json")):
        key = path.name[len(name) + 1 : -len(".progress.json")]
        job = status(name, key, cache_dir)
        if job.state not in ("none", "complete"):
            found.append((key, job))
    return found


def stop(job: JobStatus) -> bool:
    """Ask a running experiment to stop (SIGTERM: the runner ends its workers and records "stopped")."""
    pid = (job.progress or {}).get("pid")
    if not job.active or not pid_alive(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    return True


def dismiss(name: str, key: str, cache_dir: str | Path | None = None) -> bool:
    """Forget a run that ended without a result (stopped, failed, crashed): delete its progress file
    and log. A run still in flight, or a finished result, is never touched; returns whether it went."""
    cache_dir = Path(cache_dir or cache.default_cache_dir())
    job = status(name, key, cache_dir)
    if job.state in ("none", "complete") or job.active:
        return False
    for path in (cache.progress_path(cache_dir, name, key), log_path(cache_dir, name, key)):
        path.unlink(missing_ok=True)
    return True
