"""Files in folders other people can write (the cache, a shared ``/tmp``), opened so that no name there
can redirect, hang or exhaust bnviz.

A cache folder travels in git, which keeps symbolic links, and ``BNVIZ_CACHE_DIR`` may point into a
folder anyone can write. So a name bnviz is about to write may be a link to another file, and a name
it is about to read may be a link to ``/dev/zero``, a FIFO that never answers, or a sparse file of
100 GB. Every file bnviz creates, truncates or reads there is opened here: never through a link
(``O_NOFOLLOW``), never blocking (``O_NONBLOCK``), and used only if ``fstat`` says it is a regular
file (and, for reading, not over a size limit). Anything else is a :class:`RefusedFile` whose
message names the file and says what it is.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


class RefusedFile(OSError):
    """A path bnviz will not open: a link, not a regular file, or too large. The message says which."""


def _kind(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def _open(path: Path, flags: int, mode: int = 0o644) -> int:
    """``os.open`` without following a link or blocking; the descriptor only if it is a regular file."""
    path = Path(path)
    try:
        fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK, mode)
    except OSError as e:
        if e.errno == errno.ELOOP:  # O_NOFOLLOW met a link as the last part of the path
            raise RefusedFile(
                f"{path} is a symbolic link; bnviz never reads or writes through a link here: delete it"
            ) from e
        if e.errno == errno.ENXIO:  # a FIFO opened for writing with nobody reading it
            raise RefusedFile(f"{path} is a FIFO (named pipe), not a regular file: delete it") from e
        if e.errno == errno.EISDIR:
            raise RefusedFile(f"{path} is a folder, not a file: move it away") from e
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile(f"{path} is {_kind(info.st_mode)}, not a regular file: move it away")
        os.set_blocking(fd, True)  # a regular file never blocks; reads and writes go on as usual
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_regular(path: Path, flags: int, mode: int = 0o644) -> int:
    """A descriptor for ``path`` opened with ``flags`` (e.g. ``O_RDWR | O_CREAT``), never through a link
    and only onto a regular file; :class:`RefusedFile` otherwise. ``O_TRUNC`` is applied only after
    the check, so a device or FIFO is never truncated."""
    fd = _open(path, flags & ~os.O_TRUNC, mode)
    if flags & os.O_TRUNC:
        try:
            os.ftruncate(fd, 0)
        except BaseException:
            os.close(fd)
            raise
    return fd


def create_text(path: Path):
    """``open(path, "w")`` for a file bnviz owns (a run's log): created or truncated, never through a link."""
    return os.fdopen(open_regular(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w")


def read_bytes(path: Path, limit: int) -> bytes:
    """The whole of a regular file of at most ``limit`` bytes; :class:`RefusedFile` for anything else.

    The size is checked before reading (a sparse 100 GB file costs nothing) and again while reading
    (a file that grows meanwhile is cut off at ``limit + 1`` bytes and refused)."""
    fd = _open(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(fd).st_size
        if size > limit:
            raise RefusedFile(f"{path} is {_mb(size)}, over the {_mb(limit)} a bnviz file may have")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise RefusedFile(f"{path} grew over the {_mb(limit)} a bnviz file may have while it was read")
    return data


def read_tail(path: Path, size: int) -> bytes:
    """The last ``size`` bytes of a regular file (a log's last lines); :class:`RefusedFile` for anything else."""
    fd = _open(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        f.seek(max(0, os.fstat(fd).st_size - size))
        return f.read(size)


def remove(path: Path) -> bool:
    """Delete a file or a link (never what it points to); whether something went. A folder is refused."""
    path = Path(path)
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            raise RefusedFile(f"{path} is a folder, not a file bnviz wrote: bnviz leaves it alone; remove it yourself")
        path.unlink()
        return True
    except FileNotFoundError:
        return False


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n:,} bytes"
