"""MNIST and CIFAR-10 for bnviz: read torchvision's on-disk layout, say where the data came from.

Images stay uint8 (NCHW) until a batch is turned into model inputs: MNIST's training set is
47 MB as uint8 but 188 MB as float32, and a whole MNIST run has a 250 MB RSS budget.
Every load records a Provenance, so results computed from a non-official copy (or from
synthetic stand-in data) can be labelled as such in the app. Downloading lives in
bnviz.download; this module only holds the constants it needs (mirrors, MD5 tables).
"""
from __future__ import annotations

import codecs
import gzip
import hashlib
import importlib
import os
import pickle
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

DATA_DIR_ENV = "BNVIZ_DATA_DIR"
DATASETS = ("mnist", "cifar10", "synthetic-mnist", "synthetic-cifar10")
Progress = Callable[[int, Optional[int], str], None]  # (done_bytes, total_bytes_or_None, filename)

MNIST_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
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
CIFAR10_DIR = "cifar-10-batches-py"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_FILES = CIFAR10_TRAIN + ("test_batch", "batches.meta")
CIFAR10_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
    "batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
    CIFAR10_ARCHIVE: "c58f30108f718f92721af3b95e74349a",
}
# Base URLs (the file name is appended), tried in order. Module-level so tests can redirect them.
MNIST_MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
CIFAR10_MIRRORS = ["https://www.cs.toronto.edu/~kriz/"]

MNIST_CLASSES = tuple(str(d) for d in range(10))
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
# Per-channel mean/std over all CIFAR-10 training pixels on a 0-1 scale (not the often-copied
# 0.2023/0.1994/0.2010, which understate the std of the pixels).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
SYNTHETIC_VERSION = 1  # part of the synthetic digest: bump when the generator changes


def default_data_dir() -> Path:
    """$BNVIZ_DATA_DIR if set, else ./data (relative to the working directory)."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path("data")


class DataError(Exception):
    """A dataset file is missing, corrupt, unsafe or undownloadable; the message names the file
    and says what to do about it."""


@dataclass(frozen=True)
class Provenance:
    source: str   # "official" | "non-official" | "synthetic"
    label: str    # human-readable, shown next to results
    sha256: str   # one digest over the files read (see _file_provenance) or the synthetic recipe
    files: dict = field(default_factory=dict)  # file name -> md5 hex (empty for synthetic)


@dataclass
class Dataset:
    name: str             # "mnist" | "cifar10"
    train_x: torch.Tensor  # uint8 NCHW
    train_y: torch.Tensor  # int64 (N,)
    test_x: torch.Tensor
    test_y: torch.Tensor
    provenance: Provenance
    classes: tuple[str, ...]

    @property
    def synthetic(self) -> bool:
        return self.provenance.source == "synthetic"


# ---------------------------------------------------------------- hashing and provenance
_DIGESTS: dict[tuple[str, int, int], tuple[str, str]] = {}


def _hash_file(path: Path) -> tuple[str, str]:
    """(md5, sha256) hex of a file, read once in 1 MiB chunks."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            md5.update(chunk)
            sha.update(chunk)
    return md5.hexdigest(), sha.hexdigest()


def file_digests(path: Path) -> tuple[str, str]:
    """(md5, sha256) of a file, memoized per (path, size, mtime_ns) so reloading is free."""
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = _hash_file(Path(path))
    return _DIGESTS[key]


def _file_provenance(title: str, paths: list[Path], official_md5: dict) -> Provenance:
    """Official iff every file read has its official MD5. The combined sha256 is the sha256 of
    `sha256sum`-style lines "<hex>  <name>\\n" sorted by name, so it can be checked by hand."""
    md5s, shas = {}, {}
    for p in paths:
        md5s[p.name], shas[p.name] = file_digests(p)
    lines = "".join(f"{shas[n]}  {n}\n" for n in sorted(shas))
    official = all(official_md5.get(n) == m for n, m in md5s.items())
    return Provenance(
        source="official" if official else "non-official",
        label=f"{title}, official files" if official else f"{title}, files differ from the official release",
        sha256=hashlib.sha256(lines.encode()).hexdigest(), files=md5s)


def _redo(path: Path, dataset: str) -> str:
    """The 'what to do' half of a corrupt-file message."""
    depth = 2 if dataset == "mnist" else 1  # <root>/MNIST/raw/<file>, <root>/cifar-10-batches-py/<file>
    root = path.parents[depth] if len(path.parents) > depth else path.parent
    return (f"Delete {path} and re-download it (python -m bnviz download {dataset} --data-dir {root}), "
            f"or point --data-dir / {DATA_DIR_ENV} at a folder holding intact files.")


def _corrupt(path: Path, dataset: str, what: str) -> DataError:
    return DataError(f"{path} is corrupt: {what}. {_redo(path, dataset)}")


# ---------------------------------------------------------------- MNIST (IDX files)
def _read_into(f, buf: bytearray) -> int:
    """Fill buf from f as far as the file goes (readinto may return short counts)."""
    view, got = memoryview(buf), 0
    while got < len(buf):
        k = f.readinto(view[got:])
        if not k:
            break
        got += k
    return got


def read_idx(path: Path, magic: int) -> torch.Tensor:
    """Parse an IDX file (plain or .gz) into a uint8 tensor shaped by its header.

    The data go straight into one preallocated bytearray that the tensor then shares, so a
    47 MB file costs 47 MB, not two or three copies."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or int.from_bytes(head, "big") != magic:
                found = int.from_bytes(head, "big") if len(head) == 4 else "none"
                raise _corrupt(path, "mnist", f"magic number {found}, expected {magic} "
                               "(not an IDX file of this kind)")
            raw_dims = f.read(4 * head[3])
            if len(raw_dims) < 4 * head[3]:
                raise _corrupt(path, "mnist", "truncated header")
            dims = tuple(int(d) for d in np.frombuffer(raw_dims, dtype=">u4"))
            size = int(np.prod(dims))
            # Plain files: compare with the file size before allocating, so a bogus header
            # cannot ask for gigabytes. (A .gz only tells by being read.)
            if opener is open and (have := os.path.getsize(path) - 4 - len(raw_dims)) != size:
                raise _corrupt(path, "mnist", f"header promises {size} data bytes, file holds {have}"
                               + (" (truncated)" if have < size else ""))
            buf = bytearray(size)
            got = _read_into(f, buf)
            if got < size:
                raise _corrupt(path, "mnist", f"truncated: header promises {size} data bytes, found {got}")
            if f.read(1):
                raise _corrupt(path, "mnist", "more data than its header promises")
    except (OSError, EOFError, zlib.error, MemoryError) as e:  # gzip.BadGzipFile is an OSError
        raise _corrupt(path, "mnist", f"unreadable ({e})") from e
    if not buf:
        return torch.zeros(dims, dtype=torch.uint8)
    return torch.frombuffer(buf, dtype=torch.uint8).view(dims)


def _mnist_file(raw: Path, stem: str) -> Optional[Path]:
    """The file to read for stem: uncompressed preferred (faster, and what torchvision reads)."""
    for p in (raw / stem, raw / f"{stem}.gz"):
        if p.is_file():
            return p
    return None


def load_mnist(data_dir=None, download: bool = False, progress: Optional[Progress] = None) -> Dataset:
    """MNIST from <data_dir>/MNIST/raw as uint8 (N, 1, 28, 28) images and int64 labels."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    raw = root / "MNIST" / "raw"
    if download and any(_mnist_file(raw, s) is None for s in MNIST_STEMS):
        _download_module().download_mnist(root, progress=progress)
    paths = {}
    for stem in MNIST_STEMS:
        paths[stem] = _mnist_file(raw, stem)
        if paths[stem] is None:
            raise DataError(
                f"MNIST file missing: {raw / stem} (or {stem}.gz). Run python -m bnviz download mnist "
                f"--data-dir {root}, or point --data-dir / {DATA_DIR_ENV} at a folder holding MNIST/raw/{stem}.")
    splits = []
    for prefix in ("train", "t10k"):
        img_path, lab_path = paths[f"{prefix}-images-idx3-ubyte"], paths[f"{prefix}-labels-idx1-ubyte"]
        x, y = read_idx(img_path, IDX_IMAGES_MAGIC), read_idx(lab_path, IDX_LABELS_MAGIC)
        if x.dim() != 3 or tuple(x.shape[1:]) != (28, 28):
            raise _corrupt(img_path, "mnist", f"images are {tuple(x.shape)}, expected (N, 28, 28)")
        if y.dim() != 1 or len(y) != len(x):
            raise _corrupt(lab_path, "mnist", f"{tuple(y.shape)} labels for {len(x)} images in {img_path.name}")
        if len(y) and int(y.max()) > 9:
            raise _corrupt(lab_path, "mnist", f"label {int(y.max())} outside 0-9")
        splits.append((x.unsqueeze(1), y.to(torch.int64)))
    prov = _file_provenance("MNIST", list(paths.values()), MNIST_MD5)
    (train_x, train_y), (test_x, test_y) = splits
    return Dataset("mnist", train_x, train_y, test_x, test_y, prov, MNIST_CLASSES)


# ---------------------------------------------------------------- CIFAR-10 (pickles)
try:  # numpy >= 2 keeps it in numpy._core; numpy 1 in numpy.core (the official files name this one)
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct


def _latin1_encode(text, encoding="latin1"):
    """_codecs.encode as protocol-2 pickles use it for bytes, but only with the latin-1 codec."""
    if codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError(f"refusing _codecs.encode with codec {encoding!r}")
    return codecs.encode(text, "latin1")


# Everything an official CIFAR-10 pickle (or a protocol-2 re-dump of one) needs, and nothing else.
_PICKLE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that can only rebuild numpy arrays: pickles can run arbitrary code through any
    global they name, and dataset files come from the internet."""

    def __init__(self, file, path: Path):
        super().__init__(file, encoding="latin1")  # Python-2 str keys come out as str
        self.path = Path(path)

    def find_class(self, module, name):
        if (module, name) in _PICKLE_GLOBALS:
            return _PICKLE_GLOBALS[(module, name)]
        raise DataError(
            f"{self.path} tried to load the forbidden global {module}.{name}; it is not a CIFAR-10 "
            f"file and may be malicious. Nothing from it was run. {_redo(self.path, 'cifar10')}")


def _unpickle(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            obj = RestrictedUnpickler(f, path).load()
    except DataError:
        raise
    except Exception as e:  # any failure to parse means the file is not what it claims to be
        raise _corrupt(path, "cifar10", f"not a readable pickle ({type(e).__name__}: {e})") from e
    if not isinstance(obj, dict):
        raise _corrupt(path, "cifar10", f"holds a {type(obj).__name__}, expected a dict")
    return obj


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(data uint8 (n, 3072), labels int64 (n,)) of one batch file, checked."""
    obj = _unpickle(path)
    data, labels = obj.get("data"), obj.get("labels")
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2 and data.shape[1] == 3072):
        raise _corrupt(path, "cifar10", "'data' is not a uint8 array of shape (n, 3072)")
    labels = np.asarray(labels if labels is not None else [])
    in_range = not len(labels) or (labels.dtype.kind in "iu" and labels.min() >= 0 and labels.max() <= 9)
    if labels.shape != (len(data),) or not in_range:
        raise _corrupt(path, "cifar10", f"'labels' is not {len(data)} integers in 0-9")
    return data, labels.astype(np.int64)


def load_cifar10(data_dir=None, download: bool = False, progress: Optional[Progress] = None) -> Dataset:
    """CIFAR-10 from <data_dir>/cifar-10-batches-py as uint8 (N, 3, 32, 32) and int64 labels."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    folder = root / CIFAR10_DIR
    paths = [folder / n for n in CIFAR10_FILES]
    if download and not all(p.is_file() for p in paths):
        _download_module().download_cifar10(root, progress=progress)
    for p in paths:
        if not p.is_file():
            raise DataError(
                f"CIFAR-10 file missing: {p}. Run python -m bnviz download cifar10 --data-dir {root}, "
                f"or point --data-dir / {DATA_DIR_ENV} at a folder holding {CIFAR10_DIR}/{p.name}.")
    meta = _unpickle(folder / "batches.meta")
    names = meta.get("label_names")
    if not (isinstance(names, list) and len(names) == 10 and all(isinstance(n, str) for n in names)):
        raise _corrupt(folder / "batches.meta", "cifar10", "'label_names' is not a list of 10 names")
    train = [_read_cifar_batch(folder / n) for n in CIFAR10_TRAIN]
    # One concatenation, then the per-batch arrays are dropped: N*3072 bytes is the raw layout
    # (1024 red, 1024 green, 1024 blue, each row-major), which is exactly NCHW.
    train_x = torch.from_numpy(np.concatenate([d for d, _ in train])).view(-1, 3, 32, 32)
    train_y = torch.from_numpy(np.concatenate([y for _, y in train]))
    del train
    test_data, test_labels = _read_cifar_batch(folder / "test_batch")
    prov = _file_provenance("CIFAR-10", paths, CIFAR10_MD5)
    return Dataset("cifar10", train_x, train_y, torch.from_numpy(test_data).view(-1, 3, 32, 32),
                   torch.from_numpy(test_labels), prov, tuple(names))


# ---------------------------------------------------------------- synthetic stand-ins
def _synthetic_images(kind: str, y: torch.Tensor, protos: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Class prototype + noise, so the label is learnable but not trivially so."""
    n = len(y)
    if kind == "mnist":  # binary strokes: prototype pixels flipped with p=0.1, bright/dark jitter
        on = protos[y] ^ (torch.rand((n, 1, 28, 28), generator=g) < 0.1)
        bright = torch.randint(150, 256, on.shape, generator=g)
        dark = torch.randint(0, 50, on.shape, generator=g)
        return torch.where(on, bright, dark).to(torch.uint8)
    noise = torch.randn((n, 3, 32, 32), generator=g) * 35 + torch.randn((n, 1, 1, 1), generator=g) * 15
    return (protos[y] + noise).round().clamp(0, 255).to(torch.uint8)


def synthetic(name: str, n_train: int = 2000, n_test: int = 500, seed: int = 0) -> Dataset:
    """Learnable stand-in data shaped like MNIST or CIFAR-10 ("mnist"/"synthetic-mnist", ...)."""
    kind = name.removeprefix("synthetic-")
    if kind not in ("mnist", "cifar10"):
        raise DataError(f"no synthetic variant of {name!r}; valid: {', '.join(DATASETS)}")
    g = torch.Generator().manual_seed(seed)
    if kind == "mnist":  # coarse 7x7 binary patterns blown up to 28x28 look like thick strokes
        protos = (torch.rand((10, 1, 7, 7), generator=g) < 0.35).repeat_interleave(4, 2).repeat_interleave(4, 3)
    else:  # a base colour per class plus a coarse 8x8 colour pattern blown up to 32x32
        colour = torch.rand((10, 3, 1, 1), generator=g) * 175 + 40
        pattern = (torch.randn((10, 3, 8, 8), generator=g) * 45).repeat_interleave(4, 2).repeat_interleave(4, 3)
        protos = colour + pattern
    splits = []
    for n in (n_train, n_test):
        y = (torch.arange(n) % 10)[torch.randperm(n, generator=g)]  # balanced classes, shuffled
        splits.append((_synthetic_images(kind, y, protos, g), y.to(torch.int64)))
    recipe = f"bnviz-synthetic-v{SYNTHETIC_VERSION}|{kind}|seed={seed}|n_train={n_train}|n_test={n_test}"
    label = "synthetic MNIST-shaped data" if kind == "mnist" else "synthetic CIFAR-10-shaped data"
    prov = Provenance("synthetic", label, hashlib.sha256(recipe.encode()).hexdigest(), {})
    (train_x, train_y), (test_x, test_y) = splits
    return Dataset(kind, train_x, train_y, test_x, test_y, prov,
                   MNIST_CLASSES if kind == "mnist" else CIFAR10_CLASSES)


# ---------------------------------------------------------------- entry points
def _download_module():
    # Imported lazily: bnviz.download imports this module for its constants and DataError.
    return importlib.import_module("bnviz.download")


def download(name: str, data_dir=None, progress: Optional[Progress] = None, mirrors=None) -> Path:
    """Fetch a dataset's missing files into data_dir; returns the folder holding them."""
    return _download_module().download(name, data_dir=data_dir, progress=progress, mirrors=mirrors)


def load(name: str, data_dir=None, download: bool = False, progress: Optional[Progress] = None) -> Dataset:
    """Load one of DATASETS by name."""
    if name == "mnist":
        return load_mnist(data_dir, download=download, progress=progress)
    if name == "cifar10":
        return load_cifar10(data_dir, download=download, progress=progress)
    if name in ("synthetic-mnist", "synthetic-cifar10"):
        return synthetic(name)
    raise DataError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")


# ---------------------------------------------------------------- batches -> model inputs
def mnist_inputs(x_uint8: torch.Tensor, binarize: bool) -> torch.Tensor:
    """float32 (B, 784). binarize: pixel >= 128 -> 1.0 else 0.0 (the paper's binary images)."""
    if x_uint8.dtype != torch.uint8:
        raise TypeError(f"expected uint8 pixels, got {x_uint8.dtype}")
    flat = x_uint8.reshape(x_uint8.shape[0], -1)
    if binarize:
        # pixel >= 128 exactly when its top bit is set: a shift is 7x faster here than >= and a bool cast
        return torch.bitwise_right_shift(flat, 7).to(torch.float32)
    return flat.to(torch.float32).div_(255.0)


@dataclass(frozen=True)
class LitPixels:
    """Binary images stored as the flat indices of their lit pixels (pixel >= 128), image after image.

    For a binary image u, a fully connected layer's W u is the sum of W's columns at the lit
    pixels. A split that never changes (the test set, the probe batch) is converted once, and
    :func:`bnviz.models.linear_lit` adds those columns with ``embedding_bag``, skipping the ~80% of
    pixels that are 0: 4.6 ms against 24 ms for the dense product over MNIST's 10,000 test images.
    """

    index: torch.Tensor  # int32: image 0's lit pixels (0..783), then image 1's, ...
    offsets: torch.Tensor  # int32 (B,): where each image's pixels start in ``index``

    def __len__(self) -> int:
        return len(self.offsets)

    def __getitem__(self, images: slice) -> LitPixels:
        """Images ``start:stop`` as LitPixels of their own (views of ``index``, like a tensor's slice)."""
        start, stop, step = images.indices(len(self))
        if step != 1:
            raise ValueError("LitPixels slices take consecutive images (no step)")
        stop = max(start, stop)
        first, end = (int(self.offsets[i]) if i < len(self) else len(self.index) for i in (start, stop))
        return LitPixels(self.index[first:end], self.offsets[start:stop] - first)


def lit_pixels(x_uint8: torch.Tensor) -> LitPixels:
    """The same binary images as ``mnist_inputs(x_uint8, binarize=True)``, as :class:`LitPixels`."""
    if x_uint8.dtype != torch.uint8:
        raise TypeError(f"expected uint8 pixels, got {x_uint8.dtype}")
    flat = x_uint8.flatten(1)  # (B, 784)
    pixels, counts = [], []
    for chunk in flat.split(1024):  # nonzero's int64 pairs for 10,000 images would peak at 17 MB
        image, pixel = (chunk >= 128).nonzero(as_tuple=True)  # row-major: image by image, pixels in order
        pixels.append(pixel.to(torch.int32))
        counts.append(torch.bincount(image, minlength=len(chunk)))  # lit pixels per image; 30x faster than a bool sum
    count = torch.cat(counts)
    return LitPixels(torch.cat(pixels), (torch.cumsum(count, 0) - count).to(torch.int32))


def cifar_inputs(x_uint8: torch.Tensor) -> torch.Tensor:
    """float32 (B, 3, 32, 32): /255, then per-channel (x - CIFAR10_MEAN) / CIFAR10_STD."""
    if x_uint8.dtype != torch.uint8:
        raise TypeError(f"expected uint8 pixels, got {x_uint8.dtype}")
    mean = torch.tensor(CIFAR10_MEAN, device=x_uint8.device).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD, device=x_uint8.device).view(1, 3, 1, 1)
    return x_uint8.to(torch.float32).div_(255.0).sub_(mean).div_(std)


def crop_flip(x: torch.Tensor, oy: torch.Tensor, ox: torch.Tensor, flip: torch.Tensor,
              pad: int = 4) -> torch.Tensor:
    """Per-sample crops of the zero-padded batch at offsets (oy, ox) in [0, 2*pad], mirrored where
    flip is True; one advanced-indexing gather instead of a Python loop over samples."""
    b, c, h, w = x.shape
    dev = x.device
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    rows = oy.view(b, 1) + torch.arange(h, device=dev)                 # (B, H)
    cols = ox.view(b, 1) + torch.arange(w, device=dev)                 # (B, W)
    cols = torch.where(flip.view(b, 1), cols.flip(1), cols)  # a mirrored crop = its columns reversed
    batch, chan = torch.arange(b, device=dev).view(b, 1, 1, 1), torch.arange(c, device=dev).view(1, c, 1, 1)
    return padded[batch, chan, rows.view(b, 1, h, 1), cols.view(b, 1, 1, w)]


def augment_cifar(x: torch.Tensor, generator: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Random crop with `pad`-pixel zero padding + random horizontal flip of a float batch.

    Zero padding happens on whatever x holds; after cifar_inputs that is the mean colour.
    Deterministic given the generator (draws: row offsets, column offsets, flips)."""
    b = x.shape[0]
    dev = generator.device
    oy = torch.randint(0, 2 * pad + 1, (b,), generator=generator, device=dev).to(x.device)
    ox = torch.randint(0, 2 * pad + 1, (b,), generator=generator, device=dev).to(x.device)
    flip = (torch.rand((b,), generator=generator, device=dev) < 0.5).to(x.device)
    return crop_flip(x, oy, ox, flip, pad)
