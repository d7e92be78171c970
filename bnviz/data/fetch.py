"""One file from the first mirror that serves it: https only, no more bytes than the file has, one
deadline for the whole file, MD5-verified, and never a temp file left behind.

A mirror can misbehave in ways a per-read timeout does not catch: an endless response (the temp file
grows until the disk is full), a trickle of one byte a second (each read succeeds, the download never
ends), a redirect to plain http. So the known size of each file caps what is read, a deadline ends the
whole download, and every URL, redirects included, must be https. A SIGTERM during a download removes
the temp file before the process ends; temp files of a process killed outright are swept by the next
download into that folder.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from bnviz.data.dataset import DATA_DIR_ENV, DataError, Progress

TIMEOUT_S = 30.0  # seconds one connect or read may take
MIN_RATE = 100_000  # bytes per second: a mirror slower than this, on average over the whole file, is given up
MIN_DEADLINE_S = 60.0  # but every file gets at least this long
STALE_S = 600.0  # a temp file nobody has written for this long belongs to a download that died
CHUNK = 1 << 20
# Hosts that may be reached over plain http. Empty: real mirrors are https only. Tests put 127.0.0.1 here to
# serve generated files from a local server; nothing else should.
ALLOW_HTTP_HOSTS: tuple[str, ...] = ()


def tty_progress(stream=None) -> Progress:
    """A progress callback printing one updating line to a terminal; silent when not a tty."""
    stream = stream if stream is not None else sys.stderr
    if stream is None or not stream.isatty():
        return lambda done, total, name: None

    def show(done: int, total: int | None, name: str) -> None:
        size = f"{done / 1e6:.1f}/{total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
        end = "\n" if total is not None and done >= total else ""
        stream.write(f"\rdownloading {name}: {size}{end}")
        stream.flush()

    return show


def deadline_for(size: int) -> float:
    """Seconds a whole download of ``size`` bytes may take: at least :data:`MIN_RATE` bytes a second."""
    return max(MIN_DEADLINE_S, size / MIN_RATE)


def secure(url: str) -> None:
    """ValueError unless ``url`` is https (or http to a host of :data:`ALLOW_HTTP_HOSTS`)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in ALLOW_HTTP_HOSTS):
        raise ValueError(f"refusing {url}: datasets are downloaded over https only")


class _HttpsRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        secure(newurl)  # an https mirror must not hand the download on to plain http
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _stream(url: str, out, progress: Progress, name: str, size: int, deadline: float, timeout: float) -> str:
    """Copy ``url`` into the open file ``out``, at most ``size`` bytes and until ``deadline`` (a
    ``time.monotonic()``); returns the MD5 of what arrived."""
    secure(url)
    md5, done = hashlib.md5(usedforsecurity=False), 0
    req = urllib.request.Request(url, headers={"User-Agent": "bnviz"})
    with urllib.request.build_opener(_HttpsRedirects).open(req, timeout=timeout) as resp:  # proxies as now set
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > size:
            raise OSError(f"the server offers {total:,} bytes, more than the {size:,} of this file")
        # read1: whatever has arrived, so a trickle still reaches the deadline check
        while chunk := resp.read1(CHUNK):
            done += len(chunk)
            if done > size:
                raise OSError(f"the server sent more than the {size:,} bytes of this file")
            if time.monotonic() > deadline:
                raise OSError(f"too slow: {done:,} of {total or size:,} bytes in {deadline_for(size):.0f} s")
            out.write(chunk)
            md5.update(chunk)
            progress(done, total, name)
    if total is None:
        progress(done, done, name)  # the size is known now: lets a progress line finish
    elif done != total:
        raise OSError(f"connection closed after {done} of {total} bytes")
    return md5.hexdigest()


def fetch(
    name: str,
    dest_dir: Path,
    md5: str,
    size: int,
    mirrors: Sequence[str],
    progress: Progress | None = None,
    timeout: float = TIMEOUT_S,
) -> Path:
    """Download ``dest_dir/name`` (``size`` bytes at most) from the first mirror (a base URL) that serves
    it with the right MD5, within :func:`deadline_for` its size."""
    dest_dir = Path(dest_dir)
    progress = progress if progress is not None else tty_progress()
    sweep(dest_dir, f".{name}.*.tmp")
    tried = []
    for base in mirrors:
        url = base if base.endswith(name) else base.rstrip("/") + "/" + name
        fd, tmp = temp_file(dest_dir, f".{name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                got = _stream(url, out, progress, name, size, time.monotonic() + deadline_for(size), timeout)
            if got != md5:
                tried.append(f"{url} (MD5 {got}, expected {md5})")
                continue
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; a dataset file is not a secret
            os.replace(tmp, dest_dir / name)
            return dest_dir / name
        except (OSError, http.client.HTTPException, ValueError) as e:  # URLError is an OSError
            tried.append(f"{url} ({e})")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise DataError(
        f"could not download {name}; tried: {'; '.join(tried) or 'no mirrors'}. Without network "
        f"access, copy the file by hand into {dest_dir} (or point --data-dir / {DATA_DIR_ENV} "
        "at a folder that has the dataset)."
    )


def temp_file(folder: Path, prefix: str) -> tuple[int, str]:
    """A new temp file in ``folder`` (created if need be); DataError naming the folder if it cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as e:
        raise not_writable(folder, e) from e


def not_writable(folder: Path, e: OSError) -> DataError:
    return DataError(
        f"cannot write into the data folder {folder} ({e.strerror or e}); choose a folder you can write "
        f"with --data-dir or {DATA_DIR_ENV}, or copy the dataset's files there by hand"
    )


def sweep(folder: Path, pattern: str) -> None:
    """Delete what a killed download left in ``folder``: names matching ``pattern`` that nobody has
    written for :data:`STALE_S` (a download in progress writes every few seconds; its files stay)."""
    try:
        leftovers = list(Path(folder).glob(pattern))
    except OSError:
        return
    for path in leftovers:
        try:
            if time.time() - os.lstat(path).st_mtime > STALE_S:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink()
        except OSError:
            pass


@contextmanager
def removed_on_sigterm():
    """While inside, a SIGTERM ends the process through ``SystemExit`` (exit code 143), so ``finally``
    blocks delete temp files first. Only in the main thread (where Python runs signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
