"""Fetch MNIST / CIFAR-10 into torchvision's on-disk layout, atomically and MD5-verified.

Every file is streamed into a temporary file inside its target folder and only renamed into
place (os.replace, atomic on one filesystem) once its MD5 matches, so an interrupted or bad
download never leaves a half file under the final name. Mirrors and MD5 tables are read from
bnviz.data.mnist and bnviz.data.cifar10 at call time, so tests can point them at a local server.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path

from bnviz.data import cifar10, mnist
from bnviz.data.dataset import DATA_DIR_ENV, DataError, Progress, root_of
from bnviz.data.provenance import file_digests

TIMEOUT_S = 30.0
CHUNK = 1 << 20


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


def _stream(url: str, out, progress: Progress, name: str, timeout: float) -> str:
    """Copy url into the open file out, reporting progress; returns the MD5 of what arrived."""
    md5, done = hashlib.md5(usedforsecurity=False), 0
    req = urllib.request.Request(url, headers={"User-Agent": "bnviz"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        while chunk := resp.read(CHUNK):
            out.write(chunk)
            md5.update(chunk)
            done += len(chunk)
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
    mirrors: Sequence[str],
    progress: Progress | None = None,
    timeout: float = TIMEOUT_S,
) -> Path:
    """Download dest_dir/name from the first mirror (base URL) that serves it with the right MD5."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    report = progress if progress is not None else tty_progress()
    tried = []
    for base in mirrors:
        url = base if base.endswith(name) else base.rstrip("/") + "/" + name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=dest_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                got = _stream(url, out, report, name, timeout)
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


def _gunzip(src: Path, dst: Path) -> None:
    """Decompress src to dst atomically (temp file in dst's folder, then rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as out, gzip.open(src, "rb") as f:
            shutil.copyfileobj(f, out, CHUNK)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"could not decompress {src} ({e}); delete it and download again.") from e
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def download_mnist(root: Path, progress: Progress | None = None, mirrors=None) -> Path:
    """Fetch the .gz of every MNIST file that is absent in both forms and decompress it.

    Files already present (plain or .gz) are left alone: the loader can read them, and a
    user's own copy is never overwritten."""
    raw = Path(root) / "MNIST" / "raw"
    for stem in mnist.MNIST_STEMS:
        if (raw / stem).is_file() or (raw / f"{stem}.gz").is_file():
            continue
        gz = f"{stem}.gz"
        fetch(gz, raw, mnist.MNIST_MD5[gz], mirrors or mnist.MNIST_MIRRORS, progress)
        _gunzip(raw / gz, raw / stem)
    return raw


def _safe_extract(archive: Path, into: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        if hasattr(tarfile, "data_filter"):  # refuses absolute paths, '..', links out, devices
            tar.extractall(into, filter="data")
            return
        for m in tar.getmembers():  # pragma: no cover - Python < 3.11.4 fallback
            if not (m.isfile() or m.isdir()) or m.name.startswith("/") or ".." in Path(m.name).parts:
                raise tarfile.TarError(f"unsafe member {m.name!r}")
        tar.extractall(into)  # pragma: no cover


def download_cifar10(root: Path, progress: Progress | None = None, mirrors=None) -> Path:
    """Fetch and unpack cifar-10-python.tar.gz, filling in missing files of cifar-10-batches-py."""
    root = Path(root)
    target = root / cifar10.CIFAR10_DIR
    missing = [n for n in cifar10.CIFAR10_FILES if not (target / n).is_file()]
    if not missing:
        return target
    name, md5 = cifar10.CIFAR10_ARCHIVE, cifar10.CIFAR10_MD5[cifar10.CIFAR10_ARCHIVE]
    archive = root / name
    # A verified archive from an earlier run is reused rather than fetched again (170 MB).
    if not (archive.is_file() and file_digests(archive)[0] == md5):
        fetch(name, root, md5, mirrors or cifar10.CIFAR10_MIRRORS, progress)
    with tempfile.TemporaryDirectory(prefix=".cifar-extract-", dir=root) as tmp:
        try:
            _safe_extract(archive, Path(tmp))
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise DataError(
                f"could not unpack {archive} ({e}); delete it and download again, or copy "
                f"{cifar10.CIFAR10_DIR} into {root} by hand."
            ) from e
        src = Path(tmp) / cifar10.CIFAR10_DIR
        if not src.is_dir():
            raise DataError(f"{archive} holds no {cifar10.CIFAR10_DIR} folder; delete it and download again.")
        if not target.exists():
            os.replace(src, target)  # the whole folder appears at once
        else:  # keep the user's existing files, add the missing ones
            for n in missing:
                if (src / n).is_file():
                    os.replace(src / n, target / n)
    return target


def download(name: str, data_dir=None, progress: Progress | None = None, mirrors=None) -> Path:
    """Fetch the missing files of "mnist" or "cifar10" into data_dir; returns their folder."""
    root = root_of(data_dir)
    if name == "mnist":
        return download_mnist(root, progress, mirrors)
    if name == "cifar10":
        return download_cifar10(root, progress, mirrors)
    raise DataError(
        f"cannot download {name!r}; downloadable datasets: mnist, cifar10 (synthetic data is generated, not downloaded)"
    )
