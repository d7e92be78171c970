"""Which process is a run, proven, and the lock that lets one process at a time train a config.

A pid names a process only while it lives: once the process ends, the kernel hands the number to
the next one. So a progress file records the runner's pid *and* its start time (field 22 of
``/proc/<pid>/stat``, clock ticks after boot; ``ps -o lstart=`` where there is no ``/proc``), and
a process counts as the run only while both match. Nothing here signals any other process.

A run also holds an exclusive ``flock`` on ``.<experiment>-<key>.lock`` in the cache folder for
as long as it lives. The kernel drops the lock when the process ends, however it ends, so "is
the lock held" never goes stale, and a second process for the same config is refused instead of
clobbering the first one's progress file and log. :func:`bnviz.runs.jobs.start` takes the lock
before it launches ``python -m bnviz run`` and hands it down (``BNVIZ_RUN_LOCK_FD``), so there is
no moment between two button presses where neither holds it.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
from pathlib import Path

from bnviz.files import open_regular, remove

try:
    import fcntl
except ImportError:  # Windows: no flock; a lock is then always granted and never seen held
    fcntl = None

LOCK_FD_ENV = "BNVIZ_RUN_LOCK_FD"
_PROC = Path("/proc/self/stat").exists()
_HELD: set[int] = set()  # descriptors of the locks this process holds


def _forget_locks_in_child() -> None:
    """A forked child (a training worker) closes its copies of the parent's lock descriptors: the lock is
    the runner's, and lives as long as the runner, not as long as its last worker."""
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


def _valid_pid(pid) -> bool:
    # pid <= 0 means "every process I may signal" (-1) or "my process group" (0) to kill(2): never a run
    return isinstance(pid, int) and not isinstance(pid, bool) and pid > 0


def start_time(pid) -> str | None:
    """When process ``pid`` started, as an opaque text; None if there is no such (living) process."""
    if not _valid_pid(pid):
        return None
    if _PROC:
        try:
            with open(f"/proc/{pid}/stat") as f:
                text = f.read()
        except OSError:
            return None
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")"
        fields = text[text.rfind(")") + 2 :].split()
        # fields[0] is field 3 (state), so field 22 (starttime) is fields[19]; a zombie has ended
        return None if fields[0] in ("Z", "X") else fields[19]
    try:
        out = subprocess.run(["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def started_by(pid, when: float) -> bool:
    """Whether ``pid`` lives and started no later than ``when`` (a Unix time, give or take the 1 s
    resolution of the boot time): a process that started after a file was written did not write it."""
    ticks = start_time(pid)
    if ticks is None or not _PROC:
        return False
    try:
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    except (OSError, StopIteration, ValueError):
        return False
    return boot + int(ticks) / os.sysconf("SC_CLK_TCK") <= when + 1.0


def runs_bnviz(pid) -> bool:
    """Whether process ``pid`` runs bnviz at all (its command line names it): a file that records a pid
    but no start time may name init or any other process by now. False where there is no ``/proc``."""
    if not _valid_pid(pid) or not _PROC:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"bnviz" in f.read()
    except OSError:
        return False


def identity() -> dict:
    """This process as a progress file records it: ``{"pid": ..., "pid_start": ...}``."""
    return {"pid": os.getpid(), "pid_start": start_time(os.getpid())}


def is_alive(pid, pid_start) -> bool:
    """Whether the process that recorded ``pid`` and ``pid_start`` still runs (not a reuse of its pid)."""
    return isinstance(pid_start, str) and start_time(pid) == pid_start


def send_signal(pid, pid_start, sig: int) -> bool:
    """Send ``sig`` only to the process proven to be the one recorded; whether it was sent.

    On Linux the process is pinned with a pidfd first, so it cannot end and hand its pid to
    another process between the check and the signal.
    """
    if not _valid_pid(pid) or not isinstance(pid_start, str):
        return False
    pidfd = None
    try:
        if hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal"):
            try:
                pidfd = os.pidfd_open(pid)
            except OSError as e:
                if e.errno != errno.ENOSYS:  # an old kernel without pidfds: check, then kill
                    return False  # no such process
        if start_time(pid) != pid_start:
            return False
        if pidfd is not None:
            signal.pidfd_send_signal(pidfd, sig)
        else:
            os.kill(pid, sig)
        return True
    except OSError:  # ended meanwhile, or not ours to signal
        return False
    finally:
        if pidfd is not None:
            os.close(pidfd)


class ConfigLock:
    """An exclusive lock on one config's lock file, held until :meth:`release` or the process ends."""

    def __init__(self, path: Path, fd: int | None, inherited: bool = False):
        self.path, self.fd = Path(path), fd
        self.inherited = inherited  # handed down by the launcher (:func:`bnviz.runs.jobs.start`), not taken here

    @classmethod
    def acquire(cls, path: Path, wait: float = 0.0) -> ConfigLock | None:
        """The lock, or None if another process holds it (after trying for ``wait`` seconds).
        Adopts the lock a launcher handed down in ``$BNVIZ_RUN_LOCK_FD`` if it is this file's."""
        path = Path(path)
        if fcntl is None:
            return cls(path, None)
        deadline = time.monotonic() + wait
        while True:
            fd = _inherited(path)
            inherited = fd is not None
            if fd is None:  # RefusedFile if the name is a link or not a regular file: never locked through one
                fd = open_regular(path, os.O_RDWR | os.O_CREAT)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.05)
                continue
            if _same_file(fd, path):
                _HELD.add(fd)
                return cls(path, fd, inherited)
            os.close(fd)  # its holder deleted the file as it let go: lock the file now at that path

    def release(self, unlink: bool = True) -> None:
        """Let go; ``unlink`` deletes the file first (while still held, so nobody locks a deleted file)."""
        if self.fd is None:
            return
        if unlink:
            try:
                remove(self.path)
            except OSError:  # a folder put in its place: not ours to delete
                pass
        _HELD.discard(self.fd)
        os.close(self.fd)
        self.fd = None

    def hand_over(self) -> None:
        """Close this process's copy without unlocking: a child that inherited the descriptor keeps the lock."""
        if self.fd is not None:
            _HELD.discard(self.fd)
            os.close(self.fd)
            self.fd = None


def is_held(path: Path) -> bool:
    """Whether some living process holds the lock on ``path`` (a shared probe: it never blocks a holder)."""
    if fcntl is None:
        return False
    try:
        fd = open_regular(path, os.O_RDONLY)  # a FIFO named like a lock would block a plain open forever
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's shared lock too


def _inherited(path: Path) -> int | None:
    """The descriptor a launcher passed down for ``path``, taken out of the environment; else None."""
    text = os.environ.get(LOCK_FD_ENV)
    if not text:
        return None
    try:
        fd = int(text)
        if not _same_file(fd, path):
            return None
    except (ValueError, OSError):
        return None
    del os.environ[LOCK_FD_ENV]  # the workers this process starts must not see it
    os.set_inheritable(fd, False)
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
