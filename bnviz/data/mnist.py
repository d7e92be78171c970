"""MNIST from IDX files (plain or .gz) in torchvision's layout: ``<root>/MNIST/raw/<stem>``."""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import torch

from bnviz.data.dataset import DATA_DIR_ENV, MIN_TEST, DataError, Dataset, corrupt, root_of, too_few
from bnviz.data.provenance import file_provenance

MNIST_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC = 2051, 2049
MNIST_MD5 = {  # published MD5s of the uncompressed files, and torchvision's for the .gz files
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MNIST_GZ_BYTES = {  # the .gz files' sizes: a download stops at these (bnviz.data.fetch)
    "train-images-idx3-ubyte.gz": 9_912_422,
    "train-labels-idx1-ubyte.gz": 28_881,
    "t10k-images-idx3-ubyte.gz": 1_648_877,
    "t10k-labels-idx1-ubyte.gz": 4_542,
}
# Base URLs (the file name is appended), tried in order, https only. Module-level so tests can redirect them.
MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
MNIST_CLASSES = tuple(str(d) for d in range(10))


def raw_dir(data_dir=None) -> Path:
    return root_of(data_dir) / "MNIST" / "raw"


# A header asking for more than this is not MNIST (whose largest file holds 47 MB): refuse it
# before allocating anything, rather than let a crafted 58-byte file ask for gigabytes.
IDX_MAX_BYTES = 1 << 28  # 256 MiB
# Deflate expands at most 1032:1 (a 258-byte match per 2 bits), so a .gz of n bytes decompresses
# to at most 1032·n: a header promising more cannot be honest, whatever the file goes on to hold.
GZIP_MAX_RATIO = 1032
GZ_CHUNK = 1 << 20  # a .gz is read 1 MiB at a time, so memory follows the data actually there
# Training draws whole mini-batches (the last partial one is dropped) and refuses a batch larger than
# the training set: fewer images than one of the paper's 60-example batches cannot train at all.
MNIST_MIN_TRAIN = 60


def _read_into(f, buf: bytearray) -> int:
    """Fill buf from f as far as the file goes (readinto may return short counts)."""
    view, got = memoryview(buf), 0
    while got < len(buf):
        k = f.readinto(view[got:])
        if not k:
            break
        got += k
    return got


def _read_growing(f, size: int) -> bytearray:
    """Up to size bytes of a stream whose length is unknown (a .gz), in bounded chunks: the buffer
    grows with what really decompresses, never to what the header merely claims."""
    buf = bytearray()
    while len(buf) < size:
        chunk = f.read(min(GZ_CHUNK, size - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def _check_header(path: Path, dims: tuple[int, ...], header_bytes: int, gz: bool) -> int:
    """The number of data bytes dims promise, once they are possible for this file; else DataError.

    Python integers cannot overflow, so a crafted header gets a message instead of numpy's wrapped
    (even negative) product or torch's "Storage size calculation overflowed"."""
    size = math.prod(dims)
    # Every dimension counts (a 0 next to two huge ones still overflows torch's strides).
    if math.prod(max(d, 1) for d in dims) > IDX_MAX_BYTES:
        raise corrupt(
            path,
            "mnist",
            f"header dimensions {dims} describe {size:,} data bytes, more than the "
            f"{IDX_MAX_BYTES:,} an MNIST file can need (a damaged or crafted header)",
        )
    file_size = os.path.getsize(path)
    if not gz and (have := file_size - header_bytes) != size:
        raise corrupt(
            path,
            "mnist",
            f"header promises {size} data bytes, file holds {have}" + (" (truncated)" if have < size else ""),
        )
    if gz and size > (most := GZIP_MAX_RATIO * file_size):
        raise corrupt(
            path,
            "mnist",
            f"truncated: header promises {size:,} data bytes, but a .gz of "
            f"{file_size} bytes decompresses to at most {most:,}",
        )
    return size


def read_idx(path: Path, magic: int) -> torch.Tensor:
    """Parse an IDX file (plain or .gz) into a uint8 tensor shaped by its header.

    The header is checked against the file's real size before anything is allocated. A plain
    file's data go straight into one preallocated bytearray that the tensor then shares, so a
    47 MB file costs 47 MB, not two or three copies; a .gz grows its buffer as it decompresses."""
    path = Path(path)
    gz = path.suffix == ".gz"
    try:
        with (gzip.open if gz else open)(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or int.from_bytes(head, "big") != magic:
                found = int.from_bytes(head, "big") if len(head) == 4 else "none"
                raise corrupt(path, "mnist", f"magic number {found}, expected {magic} (not an IDX file of this kind)")
            raw_dims = f.read(4 * head[3])
            if len(raw_dims) < 4 * head[3]:
                raise corrupt(path, "mnist", "truncated header")
            dims = tuple(int.from_bytes(raw_dims[i : i + 4], "big") for i in range(0, len(raw_dims), 4))
            size = _check_header(path, dims, 4 + len(raw_dims), gz)
            if gz:
                buf = _read_growing(f, size)
                got = len(buf)
            else:
                buf = bytearray(size)
                got = _read_into(f, buf)
            if got < size:
                raise corrupt(path, "mnist", f"truncated: header promises {size} data bytes, found {got}")
            if f.read(1):
                raise corrupt(path, "mnist", "more data than its header promises")
    except (OSError, EOFError, zlib.error, MemoryError) as e:  # gzip.BadGzipFile is an OSError
        raise corrupt(path, "mnist", f"unreadable ({e})") from e
    if not buf:
        return torch.zeros(dims, dtype=torch.uint8)
    return torch.frombuffer(buf, dtype=torch.uint8).view(dims)


def mnist_file(raw: Path, stem: str) -> Path | None:
    """The file to read for stem: uncompressed preferred (faster, and what torchvision reads)."""
    for p in (raw / stem, raw / f"{stem}.gz"):
        if p.is_file():
            return p
    return None


def available(data_dir=None) -> bool:
    """Whether every MNIST file is there (plain or .gz); says nothing of their contents."""
    raw = raw_dir(data_dir)
    return all(mnist_file(raw, s) is not None for s in MNIST_STEMS)


def load_mnist(data_dir=None) -> Dataset:
    """MNIST from <data_dir>/MNIST/raw as uint8 (N, 1, 28, 28) images and int64 labels."""
    root = root_of(data_dir)
    raw = raw_dir(root)
    paths = {}
    for stem in MNIST_STEMS:
        paths[stem] = mnist_file(raw, stem)
        if paths[stem] is None:
            raise DataError(
                f"MNIST file missing: {raw / stem} (or {stem}.gz). Run python -m bnviz download mnist "
                f"--data-dir {root}, or point --data-dir / {DATA_DIR_ENV} at a folder holding MNIST/raw/{stem}."
            )
    splits = []
    for prefix in ("train", "t10k"):
        img_path, lab_path = paths[f"{prefix}-images-idx3-ubyte"], paths[f"{prefix}-labels-idx1-ubyte"]
        x, y = read_idx(img_path, IDX_IMAGES_MAGIC), read_idx(lab_path, IDX_LABELS_MAGIC)
        if x.dim() != 3 or tuple(x.shape[1:]) != (28, 28):
            raise corrupt(img_path, "mnist", f"images are {tuple(x.shape)}, expected (N, 28, 28)")
        if y.dim() != 1 or len(y) != len(x):
            raise corrupt(lab_path, "mnist", f"{tuple(y.shape)} labels for {len(x)} images in {img_path.name}")
        if len(y) and int(y.max()) > 9:
            raise corrupt(lab_path, "mnist", f"label {int(y.max())} outside 0-9")
        if prefix == "train" and len(x) < MNIST_MIN_TRAIN:
            raise too_few(
                [img_path],
                "mnist",
                len(x),
                MNIST_MIN_TRAIN,
                "training draws whole mini-batches of the paper's 60 images",
            )
        if prefix == "t10k" and len(x) < MIN_TEST:
            raise too_few([img_path], "mnist", len(x), MIN_TEST, "test accuracy is an average over the test images")
        splits.append((x.unsqueeze(1), y.to(torch.int64)))
    prov = file_provenance("MNIST", list(paths.values()), MNIST_MD5)
    (train_x, train_y), (test_x, test_y) = splits
    return Dataset("mnist", train_x, train_y, test_x, test_y, prov, MNIST_CLASSES)
