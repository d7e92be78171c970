"""Experiments launched from the app run as their own process: ``python -m bnviz run ...``.

So a run keeps going while the user browses other pages or refreshes the browser, uses both
cores (the runner's worker processes), can be stopped from any session, and lands in the
cache exactly as a CLI run does. The progress file the runner writes is the shared state;
this module reads it and tells a finished, running, stopped, crashed or invalid run apart. The
process a progress file names is trusted only as far as :mod:`bnviz.runs.owner` can prove it
(pid and start time), and each config's lock keeps a second process for it from starting.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bnviz import experiments
from bnviz.experiments import Experiment
from bnviz.runs import cache, owner

PROJECT_ROOT = cache.PROJECT_ROOT


@dataclass
class JobStatus:
    state: str  # "none" | "starting" | "running" | "stopped" | "failed" | "crashed" | "invalid" | "complete"
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


def command(
    exp_name: str,
    steps: int | None = None,
    seeds: list[int] | None = None,
    synthetic: bool = False,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    force: bool = False,
) -> list[str]:
    """The CLI arguments that train this experiment at this length, seeds and data (what the
    result records as its ``args``). Built from values, never from a recorded command string."""
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


def _arguments(name: str, steps: int, seeds: list[int], synthetic: bool, key: str, data_dir=None) -> list[str] | None:
    """The arguments that train exactly the experiment ``key`` (None if the CLI cannot express it)."""
    if name not in experiments.EXPERIMENTS:
        return None
    default = experiments.get(name)
    steps_arg = None if steps == default.steps else steps
    seeds_arg = None if tuple(seeds) == default.seeds else list(seeds)
    try:
        same = experiments.resolve(name, steps_arg, seeds_arg, synthetic).key() == key
    except (KeyError, ValueError):
        return None
    return command(name, steps_arg, seeds_arg, synthetic, data_dir) if same else None


def args_for(exp: Experiment, data_dir: str | Path | None = None) -> list[str] | None:
    """The CLI arguments that train ``exp`` (on real data from ``data_dir``), or None if it has
    settings the CLI cannot give."""
    return _arguments(
        exp.name, exp.steps, list(exp.seeds), exp.arms[0].config.dataset.startswith("synthetic-"), exp.key(), data_dir
    )


def rerun_args(progress: dict, data_dir: str | Path | None = None) -> list[str] | None:
    """The arguments that train again the config a (checked) progress file describes, rebuilt
    from its experiment, runs and key, with this app's ``data_dir`` for real data. The file's own
    ``command`` and ``args`` (another cache folder, ``--force``, ...) are never reused. None if
    the runs do not rebuild to the recorded key."""
    runs = progress.get("runs") or []
    if (
        not runs
        or any("config" not in r for r in runs)
        or not isinstance(progress.get("experiment"), str)
        or not isinstance(progress.get("key"), str)
    ):
        return None
    seeds = list(dict.fromkeys(r["seed"] for r in runs))  # the spec's order
    synthetic = all(r["config"].get("dataset", "").startswith("synthetic-") for r in runs)
    return _arguments(
        progress["experiment"], max(r["steps"] for r in runs), seeds, synthetic, progress["key"], data_dir
    )


class AlreadyRunning(RuntimeError):
    """:func:`start` was asked for a config that is already starting or training."""


def start(args: list[str], name: str, key: str, cache_dir: str | Path | None = None) -> subprocess.Popen:
    """Launch ``python -m bnviz <args>`` detached from this process; its output goes to a log beside the cache.

    Raises :class:`AlreadyRunning` if a process for this config is starting or training: the
    config's lock is taken here, before the log is opened, and handed to the child, so two
    presses of Run (two tabs, one second apart) start one process and one log.
    """
    cache_dir = cache.ensure_dir(Path(cache_dir or cache.default_cache_dir()))
    busy = AlreadyRunning(f"{name} with this configuration is already starting or training")
    if status(name, key, cache_dir).active:
        raise busy
    # wait a moment: another session's status() may be probing the lock right now
    lock = owner.ConfigLock.acquire(cache.lock_path(cache_dir, name, key), wait=1.0)
    if lock is None:
        raise busy
    try:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        }
        pass_fds = ()
        if lock.fd is not None:
            env[owner.LOCK_FD_ENV], pass_fds = str(lock.fd), (lock.fd,)
        with open(log_path(cache_dir, name, key), "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bnviz", *args],
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
                pass_fds=pass_fds,
            )
    except BaseException:
        lock.release(unlink=True)
        raise
    lock.hand_over()
    return process


def log_path(cache_dir: Path, name: str, key: str) -> Path:
    """The launched process's output, beside its progress file: ``<experiment>-<key>.log``."""
    return Path(cache_dir) / f"{name}-{key}.log"


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this pid exists (and is not a zombie). Says nothing about *which*
    process it is: use :func:`bnviz.runs.owner.is_alive` before acting on a recorded pid."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
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
    the cache, in progress, or ended without a result. A progress file counts as in progress only
    while the process it names (pid and start time) lives; one that fails its schema is "invalid"."""
    cache_dir = Path(cache_dir or cache.default_cache_dir())
    if cache.find(cache_dir, name, key) is not None:
        return JobStatus("complete", None)
    try:
        progress = cache.read_progress(cache_dir, name, key)
    except cache.CacheError as e:
        return JobStatus("invalid", None, str(e))
    except OSError:  # the cache folder is not a folder
        return JobStatus("none", None)
    starting = JobStatus("starting", None, "the training process is starting")
    if progress is None:
        return starting if owner.is_held(cache.lock_path(cache_dir, name, key)) else JobStatus("none", None)
    state = progress["status"]
    if state in ("starting", "running") and not _may_be_its_writer(progress, cache.progress_path(cache_dir, name, key)):
        if owner.is_held(cache.lock_path(cache_dir, name, key)):
            return starting  # a new process took over this config and has not written its progress yet
        return JobStatus(
            "crashed",
            progress,
            "the training process ended without finishing; see the log "
            f"{log_path(cache_dir, name, key).name} in the cache folder",
        )
    return JobStatus(state, progress, progress.get("message", ""))


def _may_be_its_writer(progress: dict, path: Path) -> bool:
    """Whether the process a progress file names may still be the run that wrote it. A file with a
    start time names its process exactly. One written before start times were recorded names a
    pid only: it may still be the run if that pid lives and started before the file was last
    written (a pid handed on to a new process fails that). :func:`stop` never signals such a pid."""
    if "pid_start" in progress:
        return owner.is_alive(progress["pid"], progress["pid_start"])
    try:
        written = path.stat().st_mtime
    except OSError:
        return False
    return owner.started_by(progress["pid"], written)


def unfinished(name: str, cache_dir: str | Path | None = None) -> list[tuple[str, JobStatus]]:
    """(key, status) of every config of this experiment that left a progress file (or whose
    process is starting) and has no result: in flight, or ended (stopped, failed, crashed, invalid)."""
    cache_dir = Path(cache_dir or cache.default_cache_dir())
    keys = {p.name[len(name) + 1 : -len(".progress.json")] for p in cache_dir.glob(f"{name}-*.progress.json")}
    keys |= {p.name[len(name) + 2 : -len(".lock")] for p in cache_dir.glob(f".{name}-*.lock")}
    found = []
    for key in sorted(keys):
        job = status(name, key, cache_dir)
        if job.state not in ("none", "complete"):
            found.append((key, job))
        elif job.state == "none":  # a lock file left by a process that ended before its run began
            left = owner.ConfigLock.acquire(cache.lock_path(cache_dir, name, key))
            if left is not None:
                left.release(unlink=True)
    return found


def stop(job: JobStatus) -> bool:
    """Ask a running experiment to stop (SIGTERM: the runner ends its workers and records "stopped").
    Only the process the progress file proves to be the run's own is signalled; returns whether it was."""
    progress = job.progress or {}
    if not job.active:
        return False
    return owner.send_signal(progress.get("pid"), progress.get("pid_start"), signal.SIGTERM)


def dismiss(name: str, key: str, cache_dir: str | Path | None = None) -> bool:
    """Forget a run that ended without a result (stopped, failed, crashed, invalid): delete its
    progress file and log. A run still in flight (its config locked), or a finished result, is
    never touched; returns whether it went."""
    cache_dir = Path(cache_dir or cache.default_cache_dir())
    job = status(name, key, cache_dir)
    if job.state in ("none", "complete") or job.active:
        return False
    lock = owner.ConfigLock.acquire(cache.lock_path(cache_dir, name, key))
    if lock is None:  # a process for this config started meanwhile
        return False
    try:
        for path in (cache.progress_path(cache_dir, name, key), log_path(cache_dir, name, key)):
            path.unlink(missing_ok=True)
    finally:
        lock.release(unlink=True)
    return True
