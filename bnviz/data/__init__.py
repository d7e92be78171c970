"""MNIST and CIFAR-10 for bnviz: read torchvision's on-disk layout, say where the data came from.

One module per dataset (:mod:`.mnist`, :mod:`.cifar10`, :mod:`.synthetic`), turning batches into
model inputs (:mod:`.inputs`), provenance (:mod:`.provenance`) and downloads (:mod:`.download`).
This package's namespace is the entry point the rest of bnviz uses.
"""

from __future__ import annotations

from pathlib import Path

from bnviz.data import cifar10 as _cifar10
from bnviz.data import download as _download
from bnviz.data import mnist as _mnist
from bnviz.data.cifar10 import (
    CIFAR10_ARCHIVE,
    CIFAR10_CLASSES,
    CIFAR10_DIR,
    CIFAR10_FILES,
    CIFAR10_MD5,
    CIFAR10_MEAN,
    CIFAR10_STD,
    CIFAR10_TRAIN,
    RestrictedUnpickler,
)
from bnviz.data.dataset import DATA_DIR_ENV, DataError, Dataset, Progress, default_data_dir, root_of
from bnviz.data.inputs import LitPixels, augment_cifar, cifar_inputs, crop_flip, lit_pixels, mnist_inputs
from bnviz.data.mnist import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, MNIST_CLASSES, MNIST_MD5, MNIST_STEMS, read_idx
from bnviz.data.provenance import Provenance, file_digests
from bnviz.data.synthetic import SYNTHETIC, synthetic
from bnviz.folders import data_dir_problem

__all__ = [
    "CIFAR10_ARCHIVE",
    "CIFAR10_CLASSES",
    "CIFAR10_DIR",
    "CIFAR10_FILES",
    "CIFAR10_MD5",
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "CIFAR10_TRAIN",
    "RestrictedUnpickler",
    "DATA_DIR_ENV",
    "DataError",
    "Dataset",
    "Progress",
    "default_data_dir",
    "root_of",
    "LitPixels",
    "augment_cifar",
    "cifar_inputs",
    "crop_flip",
    "lit_pixels",
    "mnist_inputs",
    "IDX_IMAGES_MAGIC",
    "IDX_LABELS_MAGIC",
    "MNIST_CLASSES",
    "MNIST_MD5",
    "MNIST_STEMS",
    "read_idx",
    "Provenance",
    "file_digests",
    "SYNTHETIC",
    "synthetic",
    "REAL",
    "DATASETS",
    "available",
    "download",
    "load_mnist",
    "load_cifar10",
    "load",
]

REAL = ("mnist", "cifar10")
DATASETS = REAL + SYNTHETIC


def available(name: str, data_dir=None) -> bool:
    """Whether the files of dataset ``name`` are in the data folder (synthetic data always is); False
    for a folder that cannot be one (:func:`bnviz.folders.data_dir_problem`)."""
    if name in SYNTHETIC:
        return True
    if name not in REAL:
        raise DataError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    if data_dir_problem(root_of(data_dir)):
        return False
    return (_mnist if name == "mnist" else _cifar10).available(data_dir)


def _usable(data_dir) -> None:
    """:class:`DataError` with the reason if the data folder cannot be one (checked once, before any file)."""
    problem = data_dir_problem(root_of(data_dir))
    if problem:
        raise DataError(problem[0].upper() + problem[1:] + ".")


def download(name: str, data_dir=None, progress: Progress | None = None, mirrors=None) -> Path:
    """Fetch a dataset's missing files into data_dir; returns the folder holding them."""
    _usable(data_dir)
    return _download.download(name, data_dir=data_dir, progress=progress, mirrors=mirrors)


def load_mnist(data_dir=None, download: bool = False, progress: Progress | None = None) -> Dataset:
    """MNIST from <data_dir>/MNIST/raw as uint8 (N, 1, 28, 28) images and int64 labels."""
    if download and not _mnist.available(data_dir):
        _download.download_mnist(root_of(data_dir), progress=progress)
    return _mnist.load_mnist(data_dir)


def load_cifar10(data_dir=None, download: bool = False, progress: Progress | None = None) -> Dataset:
    """CIFAR-10 from <data_dir>/cifar-10-batches-py as uint8 (N, 3, 32, 32) and int64 labels."""
    if download and not _cifar10.available(data_dir):
        _download.download_cifar10(root_of(data_dir), progress=progress)
    return _cifar10.load_cifar10(data_dir)


def load(name: str, data_dir=None, download: bool = False, progress: Progress | None = None) -> Dataset:
    """Load one of DATASETS by name."""
    if name in REAL:
        _usable(data_dir)
    if name == "mnist":
        return load_mnist(data_dir, download=download, progress=progress)
    if name == "cifar10":
        return load_cifar10(data_dir, download=download, progress=progress)
    if name in SYNTHETIC:
        return synthetic(name)
    raise DataError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
