"""What every dataset reader shares: the data folder, the error type, and the Dataset record.

Images stay uint8 (NCHW) until a batch is turned into model inputs (bnviz.data.inputs): MNIST's
training set is 47 MB as uint8 but 188 MB as float32.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import torch

from bnviz.data.provenance import Provenance

DATA_DIR_ENV = "BNVIZ_DATA_DIR"
Progress = Callable[[int, Optional[int], str], None]  # (done_bytes, total_bytes_or_None, filename)


def default_data_dir() -> Path:
    """$BNVIZ_DATA_DIR if set, else ./data (relative to the working directory)."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path("data")


class DataError(Exception):
    """A dataset file is missing, corrupt, unsafe or undownloadable; the message names the file
    and says what to do about it."""


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


def redo(path: Path, dataset: str) -> str:
    """The 'what to do' half of a corrupt-file message."""
    depth = 2 if dataset == "mnist" else 1  # <root>/MNIST/raw/<file>, <root>/cifar-10-batches-py/<file>
    root = path.parents[depth] if len(path.parents) > depth else path.parent
    return (f"Delete {path} and re-download it (python -m bnviz download {dataset} --data-dir {root}), "
            f"or point --data-dir / {DATA_DIR_ENV} at a folder holding intact files.")


def corrupt(path: Path, dataset: str, what: str) -> DataError:
    return DataError(f"{path} is corrupt: {what}. {redo(path, dataset)}")


def root_of(data_dir) -> Path:
    return Path(data_dir) if data_dir is not None else default_data_dir()
