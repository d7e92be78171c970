"""Learnable stand-in data shaped like MNIST or CIFAR-10, labelled "synthetic" wherever it is shown.

Used offline and in tests; its numbers say nothing about the real datasets.
"""

from __future__ import annotations

import hashlib

import torch

from bnviz.data.cifar10 import CIFAR10_CLASSES
from bnviz.data.dataset import DataError, Dataset
from bnviz.data.mnist import MNIST_CLASSES
from bnviz.data.provenance import Provenance

SYNTHETIC = ("synthetic-mnist", "synthetic-cifar10")
SYNTHETIC_VERSION = 1  # part of the synthetic digest: bump when the generator changes


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
        raise DataError(f"no synthetic variant of {name!r}; valid: {', '.join(SYNTHETIC)}")
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
    return Dataset(kind, train_x, train_y, test_x, test_y, prov, MNIST_CLASSES if kind == "mnist" else CIFAR10_CLASSES)
