"""CIFAR-10 from the python batches in torchvision's layout: ``<root>/cifar-10-batches-py/``.

The batches are pickles, and pickles can run code: a restricted unpickler rebuilds numpy arrays
and nothing else.
"""

from __future__ import annotations

import codecs
import pickle
from pathlib import Path

import numpy as np
import torch

from bnviz.data.dataset import DATA_DIR_ENV, MIN_TEST, DataError, Dataset, corrupt, redo, root_of, too_few
from bnviz.data.provenance import file_provenance

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
CIFAR10_ARCHIVE_BYTES = 170_498_071  # a download stops at this size (bnviz.data.fetch)
CIFAR10_MIRRORS = ["https://www.cs.toronto.edu/~kriz/"]
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
# Per-channel mean/std over all CIFAR-10 training pixels on a 0-1 scale (not the often-copied
# 0.2023/0.1994/0.2010, which understate the std of the pixels).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
# Training draws whole mini-batches (the last partial one is dropped) and refuses a batch larger than
# the training set: fewer images than one 128-image batch of the CIFAR-10 experiment cannot train.
CIFAR10_MIN_TRAIN = 128

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
            f"file and may be malicious. Nothing from it was run. {redo(self.path, 'cifar10')}"
        )


def _unpickle(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            obj = RestrictedUnpickler(f, path).load()
    except DataError:
        raise
    except Exception as e:  # any failure to parse means the file is not what it claims to be
        raise corrupt(path, "cifar10", f"not a readable pickle ({type(e).__name__}: {e})") from e
    if not isinstance(obj, dict):
        raise corrupt(path, "cifar10", f"holds a {type(obj).__name__}, expected a dict")
    return obj


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(data uint8 (n, 3072), labels int64 (n,)) of one batch file, checked; DataError naming the file otherwise."""
    obj = _unpickle(path)
    data, labels = obj.get("data"), obj.get("labels")
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2 and data.shape[1] == 3072):
        raise corrupt(path, "cifar10", "'data' is not a uint8 array of shape (n, 3072)")
    expected = f"'labels' is not {len(data)} integers in 0-9"
    if not isinstance(labels, (list, tuple, np.ndarray)):  # a dict, a number, text: not a list of labels
        raise corrupt(path, "cifar10", f"{expected} (it is a {type(labels).__name__})")
    try:
        labels = np.asarray(labels)
    except (ValueError, TypeError, OverflowError) as e:  # a ragged list, nested lists of other lengths
        raise corrupt(path, "cifar10", f"{expected} ({e})") from e
    if labels.shape != (len(data),) or (len(labels) and labels.dtype.kind not in "iu"):  # [] comes out as float
        raise corrupt(path, "cifar10", expected)
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise corrupt(path, "cifar10", expected)
    return data, labels.astype(np.int64)


def available(data_dir=None) -> bool:
    """Whether every CIFAR-10 batch file is there; says nothing of their contents."""
    folder = root_of(data_dir) / CIFAR10_DIR
    return all((folder / n).is_file() for n in CIFAR10_FILES)


def load_cifar10(data_dir=None) -> Dataset:
    """CIFAR-10 from <data_dir>/cifar-10-batches-py as uint8 (N, 3, 32, 32) and int64 labels."""
    root = root_of(data_dir)
    folder = root / CIFAR10_DIR
    paths = [folder / n for n in CIFAR10_FILES]
    for p in paths:
        if not p.is_file():
            raise DataError(
                f"CIFAR-10 file missing: {p}. Run python -m bnviz download cifar10 --data-dir {root}, "
                f"or point --data-dir / {DATA_DIR_ENV} at a folder holding {CIFAR10_DIR}/{p.name}."
            )
    meta = _unpickle(folder / "batches.meta")
    names = meta.get("label_names")
    if not (isinstance(names, list) and len(names) == 10 and all(isinstance(n, str) for n in names)):
        raise corrupt(folder / "batches.meta", "cifar10", "'label_names' is not a list of 10 names")
    train = [_read_cifar_batch(folder / n) for n in CIFAR10_TRAIN]
    if (n_train := sum(len(y) for _, y in train)) < CIFAR10_MIN_TRAIN:
        counts = ", ".join(str(len(y)) for _, y in train)
        raise too_few(
            [folder / n for n in CIFAR10_TRAIN],
            "cifar10",
            n_train,
            CIFAR10_MIN_TRAIN,
            f"training draws whole mini-batches of 128 images; the files hold {counts}",
        )
    # One concatenation, then the per-batch arrays are dropped: N*3072 bytes is the raw layout
    # (1024 red, 1024 green, 1024 blue, each row-major), which is exactly NCHW.
    train_x = torch.from_numpy(np.concatenate([d for d, _ in train])).view(-1, 3, 32, 32)
    train_y = torch.from_numpy(np.concatenate([y for _, y in train]))
    del train
    test_data, test_labels = _read_cifar_batch(folder / "test_batch")
    if len(test_labels) < MIN_TEST:
        raise too_few(
            [folder / "test_batch"],
            "cifar10",
            len(test_labels),
            MIN_TEST,
            "test accuracy is an average over the test images",
        )
    prov = file_provenance("CIFAR-10", paths, CIFAR10_MD5)
    return Dataset(
        "cifar10",
        train_x,
        train_y,
        torch.from_numpy(test_data).view(-1, 3, 32, 32),
        torch.from_numpy(test_labels),
        prov,
        tuple(names),
    )
