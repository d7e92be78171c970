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

from bnviz import files
from bnviz.runs import cache, owner
from bnviz.runs.request import RunRequest
from bnviz.runs.schema import ACTIVE, JobState, Progress

PROJECT_ROOT = cache.PROJECT_ROOT


@dataclass
class JobStatus:
    state: JobState
    progress: Progress | None  # the progress file's payload, if any
    message: str = ""
    stop_file: Path | None = None  # where a stop asked for before the process is known is left for it

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def stopping(self) -> bool:
        """A stop was asked for while the run's process was not yet known; the run reads it once it is."""
        return self.active and self.stop_file is not None and os.path.lexists(self.stop_file)

    def fraction(self) -> float:
        if not self.progress or not self.progress.get("runs"):
            return 0.0
        runs = self.progress["runs"]
        return sum(min(r["step"], r["steps"]) for r in runs) / max(1, sum(r["steps"] for r in runs))


def rerun_request(progress: Progress, key: str) -> RunRequest | None:
    """What a (checked) progress file's run asked for, to run it again: the request it recorded, if it
    still asks for exactly the configuration ``key`` (an experiment's defaults may have changed since).
    None for a file without one (written before requests were recorded) or one that no longer fits."""
    try:
        request = RunRequest.from_dict(progress["request"])
        return request if request.experiment().key() == key else None
    except (KeyError, TypeError, ValueError):
        return None


class AlreadyRunning(RuntimeError):
    """:func:`start` was asked for a config that is already starting or training."""


def start(request: RunRequest, cache_dir: str | Path | None = None) -> subprocess.Popen:
    """Launch ``python -m bnviz <request.argv()>`` detached from this process; its output goes to a log
    beside the cache. It runs in this process's working folder, so a data folder typed relative to it
    means the same folder to both, and the recorded command names it as typed.

    Raises :class:`AlreadyRunning` if a process for this config is starting or training: the
    config's lock is taken here, before the log is opened, and handed to the child, so two
    presses of Run (two tabs, one second apart) start one process and one log. Raises
    :class:`bnviz.runs.cache.CacheError` if the cache folder cannot be written.
    """
    name, key = request.name, request.experiment().key()
    cache_dir = cache.ensure_dir(Path(cache_dir or cache.default_cache_dir()))
    busy = AlreadyRunning(f"{name} with this configuration is already starting or training")
    if status(name, key, cache_dir).active:
        raise busy
    lock = cache.acquire_lock(cache_dir, name, key)
    if lock is None:
        raise busy
    try:
        cache.remove(cache.stop_path(cache_dir, name, key))  # a stop left by an earlier run is not for this one
        env = {
            **os.environ,
            cache.CACHE_DIR_ENV: str(cache_dir),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        }
        pass_fds = ()
        if lock.fd is not None:
            env[owner.LOCK_FD_ENV], pass_fds = str(lock.fd), (lock.fd,)
        try:
            log = files.create_text(log_path(cache_dir, name, key))
        except files.RefusedFile as e:
            raise cache.CacheError(str(e)) from e
        except OSError as e:
            raise cache.unwritable(cache_dir, e) from e
        with log:
            process = subprocess.Popen(
                # -P: the working folder (kept for the data folder) never shadows the bnviz on PYTHONPATH
                [sys.executable, "-P", "-m", "bnviz", *request.argv()],
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
    stop_file = cache.stop_path(cache_dir, name, key)
    starting = JobStatus("starting", None, "the training process is starting", stop_file)
    if progress is None:
        return starting if owner.is_held(cache.lock_path(cache_dir, name, key)) else JobStatus("none", None)
    state = progress["status"]
    if state in ACTIVE and not _may_be_its_writer(progress, cache.progress_path(cache_dir, name, key)):
        if owner.is_held(cache.lock_path(cache_dir, name, key)):
            return starting  # a new process took over this config and has not written its progress yet
        return JobStatus(
            "crashed",
            progress,
            "the training process ended without finishing; see the log "
            f"{log_path(cache_dir, name, key).name} in the cache folder",
        )
    return JobStatus(state, progress, progress.get("message", ""), stop_file)


def _may_be_its_writer(progress: Progress, path: Path) -> bool:
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
    return owner.started_by(progress["pid"], written) and owner.runs_bnviz(progress["pid"])


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
            try:
                left = owner.ConfigLock.acquire(cache.lock_path(cache_dir, name, key))
            except OSError:  # not a file bnviz would lock (a FIFO, a link, a read-only folder): left alone
                left = None
            if left is not None:
                left.release(unlink=True)
    return found


def stop(job: JobStatus) -> bool:
    """Ask a running experiment to stop; whether the request was made. Once its progress file names its
    process, that process (and only it, proven by pid and start time) gets SIGTERM: the runner ends its
    workers and records "stopped". Before that (the process is starting) a stop request is left in the
    cache folder, which the run reads as soon as it holds its lock, so the press is not lost."""
    progress = job.progress or {}
    if not job.active:
        return False
    if progress.get("pid_start") is not None:
        return owner.send_signal(progress.get("pid"), progress.get("pid_start"), signal.SIGTERM)
    if job.state != "starting" or job.stop_file is None:
        return False  # a run whose process cannot be proven (an old file without a start time): never signalled
    try:
        os.close(files.open_regular(job.stop_file, os.O_WRONLY | os.O_CREAT))
    except OSError:
        return False
    return True


def dismiss(name: str, key: str, cache_dir: str | Path | None = None) -> bool:
    """Forget a run that ended without a result (stopped, failed, crashed, invalid): delete its
    progress file and log. A run still in flight (its config locked), or a finished result, is
    never touched; returns whether it went. :class:`bnviz.runs.cache.CacheError` if a folder sits
    where its progress file or log should be."""
    cache_dir = Path(cache_dir or cache.default_cache_dir())
    job = status(name, key, cache_dir)
    if job.state in ("none", "complete") or job.active:
        return False
    lock = cache.acquire_lock(cache_dir, name, key, wait=0.0)
    if lock is None:  # a process for this config started meanwhile
        return False
    try:
        for path in (cache.progress_path(cache_dir, name, key), log_path(cache_dir, name, key)):
            cache.remove(path)  # CacheError for a folder in its place: bnviz deletes only files it wrote
    finally:
        lock.release(unlink=True)
    return True


def log_tail(cache_dir: Path, name: str, key: str, lines: int = 3) -> list[str]:
    """The last lines of a launched run's log (empty if there is none, or it is not a regular file)."""
    try:
        text = files.read_tail(log_path(cache_dir, name, key), 16_384).decode(errors="replace")
    except OSError:
        return []
    return text.strip().splitlines()[-lines:]
