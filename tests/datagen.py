"""Small dataset files in the REAL on-disk formats, for tests (import as `import datagen`).

Content is deterministic per seed and class-dependent (prototype + noise), so a small net can
learn it. The files do not match the official MD5s; to exercise the "official" label,
monkeypatch bnviz.data.MNIST_MD5 / CIFAR10_MD5 with `md5_of(...)` of the generated files.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import http.server
import io
import pickle
import tarfile
import threading
from pathlib import Path

import numpy as np

MNIST_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CIFAR10_LABEL_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
CIFAR10_BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch")


def md5_of(path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def _balanced_labels(rng, n: int) -> np.ndarray:
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    return labels


def mnist_arrays(n_train: int = 64, n_test: int = 32, seed: int = 0) -> dict[str, np.ndarray]:
    """What write_mnist writes, keyed by file stem: uint8 images (n, 28, 28), uint8 labels (n,)."""
    rng = np.random.default_rng(seed)
    protos = rng.random((10, 28, 28)) < 0.3
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = _balanced_labels(rng, n)
        noise = rng.integers(0, 60, (n, 28, 28))
        out[f"{prefix}-images-idx3-ubyte"] = np.where(protos[labels], 255 - noise, noise).astype(np.uint8)
        out[f"{prefix}-labels-idx1-ubyte"] = labels.astype(np.uint8)
    return out


def idx_bytes(array: np.ndarray) -> bytes:
    """IDX encoding of a uint8 array: magic 0x00 0x00 0x08 ndim, big-endian uint32 dims, data."""
    header = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_mnist(root, n_train: int = 64, n_test: int = 32, gz: bool = False, seed: int = 0) -> Path:
    """Write <root>/MNIST/raw/* (plain, or only .gz when gz=True); returns the raw folder."""
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for stem, array in mnist_arrays(n_train, n_test, seed).items():
        payload = idx_bytes(array)
        if gz:
            (raw / f"{stem}.gz").write_bytes(gzip.compress(payload, mtime=0))
        else:
            (raw / stem).write_bytes(payload)
    return raw


def cifar_arrays(n_per_batch: int = 20, seed: int = 0) -> dict[str, tuple[np.ndarray, list[int]]]:
    """What write_cifar10 writes: batch name -> (data uint8 (n, 3072) in R,G,B planes, labels)."""
    rng = np.random.default_rng(seed)
    colours = rng.integers(30, 226, (10, 3, 1, 1))
    out = {}
    for name in CIFAR10_BATCHES:
        labels = _balanced_labels(rng, n_per_batch)
        images = colours[labels] + rng.integers(-30, 31, (n_per_batch, 3, 32, 32))
        out[name] = (images.clip(0, 255).astype(np.uint8).reshape(n_per_batch, 3072), labels.tolist())
    return out


def write_cifar10(root, n_per_batch: int = 20, seed: int = 0) -> Path:
    """Write <root>/cifar-10-batches-py/* as protocol-2 pickles shaped like the official ones."""
    folder = Path(root) / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (data, labels) in cifar_arrays(n_per_batch, seed).items():
        split = "testing batch 1 of 1" if name == "test_batch" else f"training batch {name[-1]} of 5"
        batch = {
            "batch_label": split,
            "labels": labels,
            "data": data,
            "filenames": [f"{name}_{i:05d}.png" for i in range(len(labels))],
        }
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    meta = {"num_cases_per_batch": n_per_batch, "label_names": CIFAR10_LABEL_NAMES, "num_vis": 3072}
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump(meta, f, protocol=2)
    return folder


def write_tar_gz(folder, archive, extra: dict[str, bytes] | None = None) -> Path:
    """Pack folder (as its own name, like cifar-10-python.tar.gz) plus extra raw members."""
    folder, archive = Path(folder), Path(archive)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
        for member_name, payload in (extra or {}).items():
            info = tarfile.TarInfo(member_name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return archive


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@contextlib.contextmanager
def serve_directory(directory):
    """Serve directory over HTTP on 127.0.0.1 (free port) in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
