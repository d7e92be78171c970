"""Dataset files that are readable but impossible: crafted IDX headers, and too few examples to train on.

Every case must end in a DataError that names the file, at load time, quickly and without
allocating what the header merely claims.
"""

import gzip
import pickle
import tracemalloc

import datagen
import numpy as np
import pytest

from bnviz import data
from bnviz.data import DataError
from bnviz.data.cifar10 import CIFAR10_MIN_TRAIN
from bnviz.data.mnist import IDX_MAX_BYTES, MNIST_MIN_TRAIN
from bnviz.experiments import spec
from bnviz.train.config import TrainConfig
from bnviz.train.trainer import train

IMAGES = "train-images-idx3-ubyte"


def idx_header(magic: int, dims) -> bytes:
    return magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in dims)


def write_images(tmp_path, payload: bytes, gz: bool):
    """Generated MNIST with the training images replaced by payload (a crafted file)."""
    raw = datagen.write_mnist(tmp_path, gz=gz)
    path = raw / (IMAGES + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(payload, mtime=0) if gz else payload)
    return path


# ---------------------------------------------------------------- crafted IDX headers
@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    "dims",
    [
        (2**21, 2**21, 2**22),  # 2**64 bytes: numpy's int64 product wraps to 0 (torch: "Storage size ... overflowed")
        (2**16, 2**16, 2**31),  # 2**63 bytes: the product wraps negative ("negative count", no file named)
        (0, 2**32 - 1, 2**32 - 1),  # no data at all, but strides that overflow
        (2**32 - 1, 28, 28),  # plausible image size, impossible count
    ],
)
def test_overflowing_idx_header_is_a_dataerror_naming_the_file(tmp_path, dims, gz):
    path = write_images(tmp_path, idx_header(data.IDX_IMAGES_MAGIC, dims), gz)
    with pytest.raises(DataError, match=path.name) as err:
        data.load_mnist(tmp_path)
    assert "corrupt" in str(err.value) and "Delete" in str(err.value)


def test_tiny_gz_claiming_millions_of_images_is_refused_before_allocating(tmp_path):
    # 200,000 images = 157 MB claimed by a ~60-byte .gz: deflate cannot expand that much.
    path = write_images(tmp_path, idx_header(data.IDX_IMAGES_MAGIC, (200_000, 28, 28)) + b"\0" * 16, gz=True)
    assert path.stat().st_size < 100
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=rf"{path.name}.*truncated"):
            data.read_idx(path, data.IDX_IMAGES_MAGIC)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"{peak:,} bytes allocated for a {path.stat().st_size}-byte file"


def test_gz_whose_data_stop_short_allocates_only_what_decompresses(tmp_path):
    # 1 MB of noise does not compress, so a 100 MB claim passes the deflate-ratio check: only
    # reading can tell the file is short, and reading must not start by allocating the claim.
    body = np.random.default_rng(0).integers(0, 256, 1_000_000, dtype=np.uint8).tobytes()
    path = write_images(tmp_path, idx_header(data.IDX_IMAGES_MAGIC, (127_551, 28, 28)) + body, gz=True)
    assert 127_551 * 784 < IDX_MAX_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=rf"{path.name}.*truncated.*found {len(body)}"):
            data.read_idx(path, data.IDX_IMAGES_MAGIC)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(body), f"{peak:,} bytes allocated to read {len(body):,}"


def test_header_larger_than_any_mnist_file_is_refused(tmp_path):
    dims = (IDX_MAX_BYTES // 784 + 1, 28, 28)
    path = write_images(tmp_path, idx_header(data.IDX_IMAGES_MAGIC, dims), gz=False)
    with pytest.raises(DataError, match=rf"{path.name}.*more than"):
        data.load_mnist(tmp_path)


# ---------------------------------------------------------------- too few examples
@pytest.mark.parametrize("n_train", [0, 10, MNIST_MIN_TRAIN - 1])
def test_mnist_with_too_few_training_images_names_the_file_at_load(tmp_path, n_train):
    datagen.write_mnist(tmp_path, n_train=n_train, n_test=5)
    with pytest.raises(
        DataError, match=rf"{IMAGES} holds too few examples: {n_train} images.*at least {MNIST_MIN_TRAIN}"
    ):
        data.load_mnist(tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_with_an_empty_test_set_names_the_file_at_load(tmp_path, gz):
    datagen.write_mnist(tmp_path, n_train=MNIST_MIN_TRAIN, n_test=0, gz=gz)
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte(\.gz)? holds too few examples: 0 images"):
        data.load_mnist(tmp_path)


def test_cifar_with_too_few_training_images_names_the_five_files(tmp_path):
    folder = datagen.write_cifar10(tmp_path, n_per_batch=2)
    with pytest.raises(DataError) as err:
        data.load_cifar10(tmp_path)
    msg = str(err.value)
    assert f"data_batch_1, data_batch_2, data_batch_3, data_batch_4, data_batch_5 in {folder} hold" in msg
    assert f"10 images, and bnviz needs at least {CIFAR10_MIN_TRAIN}" in msg and "2, 2, 2, 2, 2" in msg
    assert "Delete these 5 files" in msg


def test_cifar_with_an_empty_test_batch_names_it_at_load(tmp_path):
    folder = datagen.write_cifar10(tmp_path, n_per_batch=26)
    empty = {"batch_label": "testing batch 1 of 1", "labels": [], "data": np.zeros((0, 3072), np.uint8)}
    (folder / "test_batch").write_bytes(pickle.dumps(empty, protocol=4))  # 2 would name builtins.bytes
    with pytest.raises(DataError, match=r"test_batch holds too few examples: 0 images"):
        data.load_cifar10(tmp_path)


def test_minimums_are_one_batch_of_the_experiments_batch_size():
    assert MNIST_MIN_TRAIN == spec.MNIST.batch_size == TrainConfig().batch_size
    assert CIFAR10_MIN_TRAIN == spec.CIFAR.batch_size


def test_the_smallest_mnist_that_loads_trains_with_the_paper_config(tmp_path):
    """The oracle for the minimum: what loads must get through the trainer's batch, probe and eval."""
    datagen.write_mnist(tmp_path, n_train=MNIST_MIN_TRAIN, n_test=1)
    ds = data.load_mnist(tmp_path)
    config = spec.MNIST.replace(steps=2, eval_every=1, probe_every=1, compile=False)
    records = list(train(config, ds))
    assert records[-1]["status"] == "done" and 0 <= records[-1]["test/acc"] <= 1
