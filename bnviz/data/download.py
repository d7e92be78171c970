"""Fetch MNIST / CIFAR-10 into torchvision's on-disk layout, atomically and MD5-verified.

Every file is streamed (:mod:`bnviz.data.fetch`: https, capped at its known size, one deadline)
into a temporary file inside its target folder and only renamed into place (os.replace, atomic on
one filesystem) once its MD5 matches, so an interrupted or bad download never leaves a half file
under the final name. Mirrors, sizes and MD5 tables are read from bnviz.data.mnist and
bnviz.data.cifar10 at call time, so tests can point them at a local server.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path

from bnviz.data import cifar10, mnist
from bnviz.data.dataset import DataError, Progress, root_of

__all__ = ["download", "download_cifar10", "download_mnist", "fetch", "tty_progress"]
from bnviz.data.fetch import CHUNK, fetch, not_writable, removed_on_sigterm, sweep, temp_file, tty_progress
from bnviz.data.provenance import file_digests

EXTRACT_PREFIX = ".cifar-extract-"  # the archive is unpacked into a temp folder of this name, then moved


def _gunzip(src: Path, dst: Path) -> None:
    """Decompress src to dst atomically (temp file in dst's folder, then rename)."""
    sweep(dst.parent, f".{dst.name}.*.tmp")
    fd, tmp = temp_file(dst.parent, f".{dst.name}.")
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
        fetch(gz, raw, mnist.MNIST_MD5[gz], mnist.MNIST_GZ_BYTES[gz], mirrors or mnist.MNIST_MIRRORS, progress)
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
        fetch(name, root, md5, cifar10.CIFAR10_ARCHIVE_BYTES, mirrors or cifar10.CIFAR10_MIRRORS, progress)
    sweep(root, f"{EXTRACT_PREFIX}*")
    try:
        unpacking = tempfile.TemporaryDirectory(prefix=EXTRACT_PREFIX, dir=root)
    except OSError as e:
        raise not_writable(root, e) from e
    with unpacking as tmp:
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
    """Fetch the missing files of "mnist" or "cifar10" into data_dir; returns their folder. A SIGTERM
    meanwhile removes the temp files before the process ends."""
    root = root_of(data_dir)
    with removed_on_sigterm():
        if name == "mnist":
            return download_mnist(root, progress, mirrors)
        if name == "cifar10":
            return download_cifar10(root, progress, mirrors)
    raise DataError(
        f"cannot download {name!r}; downloadable datasets: mnist, cifar10 (synthetic data is generated, not downloaded)"
    )
