"""What every dataset reader shares: the data folder, the error type, and the Dataset record.

Images stay uint8 (NCHW) until a batch is turned into model inputs (bnviz.data.inputs): MNIST's
training set is 47 MB as uint8 but 188 MB as float32.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from bnviz.data.provenance import Provenance
from bnviz.folders import DATA_DIR_ENV, default_data_dir

# The trainer's test accuracy and loss are averages over the test set: an empty one divides by zero.
MIN_TEST = 1
Progress = Callable[[int, int | None, str], None]  # (done_bytes, total_bytes_or_None, filename)


class DataError(Exception):
    """A dataset file is missing, corrupt, unsafe or undownloadable; the message names the file
    and says what to do about it."""


@dataclass
class Dataset:
    name: str  # "mnist" | "cifar10"
    train_x: torch.Tensor  # uint8 NCHW
    train_y: torch.Tensor  # int64 (N,)
    test_x: torch.Tensor
    test_y: torch.Tensor
    provenance: Provenance
    classes: tuple[str, ...]

    @property
    def synthetic(self) -> bool:
        return self.provenance.source == "synthetic"


def redo(path: Path, dataset: str, delete: str | None = None) -> str:
    """The 'what to do' half of a corrupt-file message (``delete``: what to delete, if not ``path``)."""
    depth = 2 if dataset == "mnist" else 1  # <root>/MNIST/raw/<file>, <root>/cifar-10-batches-py/<file>
    root = path.parents[depth] if len(path.parents) > depth else path.parent
    return (
        f"Delete {delete or f'{path} and re-download it'} (python -m bnviz download {dataset} --data-dir {root}), "
        f"or point --data-dir / {DATA_DIR_ENV} at a folder holding intact files."
    )


def corrupt(path: Path, dataset: str, what: str) -> DataError:
    return DataError(f"{path} is corrupt: {what}. {redo(path, dataset)}")


def too_few(paths: list[Path], dataset: str, n: int, minimum: int, why: str) -> DataError:
    """Readable files holding fewer examples than training needs: said at load, naming the files,
    rather than as a ZeroDivisionError or a batch-size error deep in training."""
    paths = [Path(p) for p in paths]
    held = f"{paths[0]} holds" if len(paths) == 1 else f"{', '.join(p.name for p in paths)} in {paths[0].parent} hold"
    fix = redo(paths[0], dataset, None if len(paths) == 1 else f"these {len(paths)} files and re-download them")
    return DataError(
        f"{held} too few examples: {n} image{'s' if n != 1 else ''}, and bnviz needs at least {minimum} ({why}). {fix}"
    )


def root_of(data_dir) -> Path:
    return Path(data_dir) if data_dir is not None else default_data_dir()
