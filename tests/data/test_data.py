"""bnviz.data and bnviz.data.download against small generated files in the real formats."""

import gzip
import hashlib
import io
import os
import pickle
from pathlib import Path

import datagen
import numpy as np
import pytest
import torch

from bnviz import data
from bnviz.data import DataError, fetch

REAL_DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"
# Images per generated CIFAR-10 file: 5 x 26 = 130 training images, one 128-image batch and change
# (data.cifar10.CIFAR10_MIN_TRAIN). datagen's default of 20 per file is too few to load.
CIFAR_N = 26


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # urllib honours *_proxy variables; the local test server must be reached directly.
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


def patch_md5s(monkeypatch, table, folder):
    """Make every file in folder 'official' by putting its real MD5 into the module's table."""
    for p in Path(folder).iterdir():
        if p.is_file():
            monkeypatch.setitem(table, p.name, datagen.md5_of(p))


# ---------------------------------------------------------------- MNIST / IDX
@pytest.mark.parametrize("gz", [False, True])
def test_idx_roundtrip_gives_exact_pixels_and_labels(tmp_path, gz):
    datagen.write_mnist(tmp_path, n_train=60, n_test=20, gz=gz, seed=3)
    want = datagen.mnist_arrays(60, 20, seed=3)
    ds = data.load_mnist(tmp_path)
    assert ds.train_x.dtype == torch.uint8 and ds.train_x.shape == (60, 1, 28, 28)
    assert ds.train_y.dtype == torch.int64 and ds.test_x.shape == (20, 1, 28, 28)
    np.testing.assert_array_equal(ds.train_x[:, 0].numpy(), want["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(ds.train_y.numpy(), want["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(ds.test_x[:, 0].numpy(), want["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(ds.test_y.numpy(), want["t10k-labels-idx1-ubyte"])
    suffix = ".gz" if gz else ""
    assert set(ds.provenance.files) == {s + suffix for s in datagen.MNIST_STEMS}


def test_uncompressed_mnist_file_is_preferred_over_gz(tmp_path):
    datagen.write_mnist(tmp_path, gz=True, seed=1)
    datagen.write_mnist(tmp_path, gz=False, seed=2)
    ds = data.load_mnist(tmp_path)
    np.testing.assert_array_equal(ds.train_x[:, 0].numpy(), datagen.mnist_arrays(seed=2)["train-images-idx3-ubyte"])
    assert "train-images-idx3-ubyte" in ds.provenance.files


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_idx_file_raises_dataerror_naming_it(tmp_path, gz):
    raw = datagen.write_mnist(tmp_path, gz=gz)
    path = raw / ("train-images-idx3-ubyte" + (".gz" if gz else ""))
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) - 100])
    with pytest.raises(DataError, match="train-images-idx3-ubyte") as err:
        data.load_mnist(tmp_path)
    assert "Delete" in str(err.value) and "download" in str(err.value)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_file_with_trailing_bytes_is_rejected(tmp_path, gz):
    raw = datagen.write_mnist(tmp_path, gz=gz)
    path = raw / ("t10k-labels-idx1-ubyte" + (".gz" if gz else ""))
    payload = datagen.idx_bytes(datagen.mnist_arrays()["t10k-labels-idx1-ubyte"]) + b"\x00"
    path.write_bytes(gzip.compress(payload) if gz else payload)
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.*(more data|holds)"):
        data.load_mnist(tmp_path)


def test_wrong_idx_magic_raises_dataerror_naming_the_file(tmp_path):
    raw = datagen.write_mnist(tmp_path)
    # A label file where an image file should be: valid IDX, wrong magic (2049 vs 2051).
    (raw / "train-images-idx3-ubyte").write_bytes((raw / "train-labels-idx1-ubyte").read_bytes())
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.*magic number 2049, expected 2051"):
        data.load_mnist(tmp_path)


def test_not_gzip_data_in_gz_file_raises_dataerror(tmp_path):
    raw = datagen.write_mnist(tmp_path, gz=True)
    (raw / "t10k-images-idx3-ubyte.gz").write_bytes(b"this is not gzip data at all")
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz"):
        data.load_mnist(tmp_path)


def test_missing_mnist_file_raises_dataerror_saying_how_to_get_it(tmp_path):
    raw = datagen.write_mnist(tmp_path)
    (raw / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte") as err:
        data.load_mnist(tmp_path)
    assert "python -m bnviz download mnist" in str(err.value) and data.DATA_DIR_ENV in str(err.value)


def test_image_and_label_counts_must_agree(tmp_path):
    raw = datagen.write_mnist(tmp_path, n_train=30)
    other = datagen.mnist_arrays(n_train=31)["train-labels-idx1-ubyte"]
    (raw / "train-labels-idx1-ubyte").write_bytes(datagen.idx_bytes(other))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte"):
        data.load_mnist(tmp_path)


def test_mnist_label_outside_0_to_9_is_rejected(tmp_path):
    raw = datagen.write_mnist(tmp_path, n_test=32)
    labels = datagen.mnist_arrays()["t10k-labels-idx1-ubyte"].copy()
    labels[5] = 10
    (raw / "t10k-labels-idx1-ubyte").write_bytes(datagen.idx_bytes(labels))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.*label 10"):
        data.load_mnist(tmp_path)


def test_default_data_dir_follows_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert data.default_data_dir() == tmp_path
    monkeypatch.delenv(data.DATA_DIR_ENV)
    assert data.default_data_dir() == Path("data")


def test_load_without_data_dir_uses_env_var(monkeypatch, tmp_path):
    datagen.write_mnist(tmp_path, n_train=61)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert len(data.load("mnist").train_y) == 61


# ---------------------------------------------------------------- CIFAR-10 / pickles
def test_cifar_roundtrip_keeps_pixels_labels_and_rgb_plane_layout(tmp_path):
    datagen.write_cifar10(tmp_path, n_per_batch=CIFAR_N, seed=5)
    want = datagen.cifar_arrays(CIFAR_N, seed=5)
    ds = data.load_cifar10(tmp_path)
    assert ds.train_x.shape == (5 * CIFAR_N, 3, 32, 32) and ds.train_x.dtype == torch.uint8
    assert ds.test_x.shape == (CIFAR_N, 3, 32, 32) and ds.train_y.dtype == torch.int64
    train_data = np.concatenate([want[b][0] for b in datagen.CIFAR10_BATCHES[:5]])
    train_labels = sum((want[b][1] for b in datagen.CIFAR10_BATCHES[:5]), [])
    # First 1024 bytes of a row are the red plane, row-major: they must become x[:, 0].
    np.testing.assert_array_equal(ds.train_x[:, 0].reshape(5 * CIFAR_N, 1024).numpy(), train_data[:, :1024])
    np.testing.assert_array_equal(ds.train_x[:, 2].reshape(5 * CIFAR_N, 1024).numpy(), train_data[:, 2048:])
    np.testing.assert_array_equal(ds.train_x[7, 1, 3, 5].item(), train_data[7, 1024 + 3 * 32 + 5])
    assert ds.train_y.tolist() == train_labels
    np.testing.assert_array_equal(ds.test_x.reshape(CIFAR_N, 3072).numpy(), want["test_batch"][0])
    assert ds.test_y.tolist() == want["test_batch"][1]
    assert ds.classes == tuple(datagen.CIFAR10_LABEL_NAMES)


class _SystemPayload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


class _OpenPayload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("payload", [_SystemPayload, _OpenPayload])
def test_restricted_unpickler_refuses_code_execution_payload(tmp_path, payload):
    folder = datagen.write_cifar10(tmp_path)
    # Sanity: the payload really does run under plain pickle, so the check below means something.
    probe = tmp_path / "probe"
    result = pickle.loads(pickle.dumps(payload(probe), protocol=2))
    if hasattr(result, "close"):
        result.close()
    assert probe.exists()

    marker = tmp_path / "pwned"
    evil = {"data": payload(marker), "labels": [0]}
    (folder / "data_batch_3").write_bytes(pickle.dumps(evil, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_3.*forbidden global.*malicious"):
        data.load_cifar10(tmp_path)
    assert not marker.exists()


def test_restricted_unpickler_refuses_codecs_other_than_latin1(tmp_path):
    blob = b"\x80\x02c_codecs\nencode\nX\x04\x00\x00\x00abcdX\x06\x00\x00\x00rot_13\x86R."
    assert pickle.loads(blob) == "nopq"  # the crafted pickle is valid and does call the codec
    with pytest.raises(pickle.UnpicklingError, match="rot_13"):
        data.RestrictedUnpickler(io.BytesIO(blob), tmp_path / "x").load()
    folder = datagen.write_cifar10(tmp_path)
    (folder / "batches.meta").write_bytes(blob)
    with pytest.raises(DataError, match=r"batches.meta.*rot_13"):
        data.load_cifar10(tmp_path)


def test_truncated_cifar_batch_raises_dataerror_naming_it(tmp_path):
    folder = datagen.write_cifar10(tmp_path, n_per_batch=CIFAR_N)
    blob = (folder / "test_batch").read_bytes()
    (folder / "test_batch").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match="test_batch"):
        data.load_cifar10(tmp_path)


def test_cifar_batch_with_wrong_data_shape_is_rejected(tmp_path):
    folder = datagen.write_cifar10(tmp_path)
    bad = {"data": np.zeros((4, 1024), np.uint8), "labels": [0, 1, 2, 3]}
    (folder / "data_batch_2").write_bytes(pickle.dumps(bad, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_2.*\(n, 3072\)"):
        data.load_cifar10(tmp_path)


@pytest.mark.parametrize("labels", [[0, 1, 2, 10], [0, 1, -1, 2], [0, 1, 2]])
def test_cifar_labels_must_be_one_int_in_0_to_9_per_image(tmp_path, labels):
    folder = datagen.write_cifar10(tmp_path)
    bad = {"data": np.zeros((4, 3072), np.uint8), "labels": labels}
    (folder / "data_batch_4").write_bytes(pickle.dumps(bad, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_4.*'labels'"):
        data.load_cifar10(tmp_path)


def test_missing_cifar_file_raises_dataerror_naming_it(tmp_path):
    folder = datagen.write_cifar10(tmp_path)
    (folder / "batches.meta").unlink()
    with pytest.raises(DataError, match="batches.meta") as err:
        data.load_cifar10(tmp_path)
    assert "python -m bnviz download cifar10" in str(err.value)


# ---------------------------------------------------------------- provenance
def test_generated_files_are_labelled_non_official(tmp_path):
    raw = datagen.write_mnist(tmp_path)
    datagen.write_cifar10(tmp_path, n_per_batch=CIFAR_N)
    m, c = data.load_mnist(tmp_path).provenance, data.load_cifar10(tmp_path).provenance
    assert (m.source, m.label) == ("non-official", "MNIST, files differ from the official release")
    assert (c.source, c.label) == ("non-official", "CIFAR-10, files differ from the official release")
    assert m.files["train-images-idx3-ubyte"] == datagen.md5_of(raw / "train-images-idx3-ubyte")
    assert set(c.files) == set(datagen.CIFAR10_BATCHES) | {"batches.meta"}


def test_files_matching_the_md5_table_are_labelled_official(tmp_path, monkeypatch):
    raw = datagen.write_mnist(tmp_path, gz=True)
    folder = datagen.write_cifar10(tmp_path, n_per_batch=CIFAR_N)
    patch_md5s(monkeypatch, data.MNIST_MD5, raw)
    patch_md5s(monkeypatch, data.CIFAR10_MD5, folder)
    m, c = data.load_mnist(tmp_path).provenance, data.load_cifar10(tmp_path).provenance
    assert (m.source, m.label) == ("official", "MNIST, official files")
    assert (c.source, c.label) == ("official", "CIFAR-10, official files")
    # One non-matching file is enough to lose the label.
    monkeypatch.setitem(data.CIFAR10_MD5, "batches.meta", "0" * 32)
    assert data.load_cifar10(tmp_path).provenance.source == "non-official"


def test_provenance_sha256_is_digest_of_sorted_per_file_sha256_lines(tmp_path):
    raw = datagen.write_mnist(tmp_path)
    lines = "".join(f"{hashlib.sha256((raw / n).read_bytes()).hexdigest()}  {n}\n" for n in sorted(datagen.MNIST_STEMS))
    prov = data.load_mnist(tmp_path).provenance
    assert prov.sha256 == hashlib.sha256(lines.encode()).hexdigest()
    # Changing one byte of one file changes the digest.
    path = raw / "t10k-labels-idx1-ubyte"
    blob = bytearray(path.read_bytes())
    blob[-1] = (blob[-1] + 1) % 10
    path.write_bytes(bytes(blob))
    assert data.load_mnist(tmp_path).provenance.sha256 != prov.sha256


def test_file_hashes_are_memoized_until_the_file_changes(tmp_path, monkeypatch):
    raw = datagen.write_mnist(tmp_path)
    calls = []
    from bnviz.data import provenance

    real = provenance._hash_file
    monkeypatch.setattr(provenance, "_hash_file", lambda p: calls.append(p.name) or real(p))
    data.load_mnist(tmp_path)
    assert len(calls) == 4
    data.load_mnist(tmp_path)
    assert len(calls) == 4  # second load: no re-hash
    path = raw / "t10k-labels-idx1-ubyte"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    data.load_mnist(tmp_path)
    assert calls[4:] == ["t10k-labels-idx1-ubyte"]


@pytest.mark.parametrize(
    "name,shape,label",
    [("mnist", (1, 28, 28), "synthetic MNIST-shaped data"), ("cifar10", (3, 32, 32), "synthetic CIFAR-10-shaped data")],
)
def test_synthetic_data_has_real_shapes_and_synthetic_provenance(name, shape, label):
    ds = data.synthetic(name, n_train=300, n_test=100, seed=1)
    assert ds.name == name and ds.synthetic
    assert ds.train_x.shape == (300, *shape) and ds.test_x.shape == (100, *shape)
    assert ds.train_x.dtype == torch.uint8 and ds.train_y.dtype == torch.int64
    assert ds.provenance.source == "synthetic" and ds.provenance.label == label
    assert ds.provenance.files == {}
    assert torch.bincount(ds.train_y, minlength=10).tolist() == [30] * 10
    again = data.synthetic(name, n_train=300, n_test=100, seed=1)
    assert torch.equal(again.train_x, ds.train_x) and again.provenance == ds.provenance
    other = data.synthetic(name, n_train=300, n_test=100, seed=2)
    assert not torch.equal(other.train_x, ds.train_x) and other.provenance.sha256 != ds.provenance.sha256


@pytest.mark.parametrize("name", ["synthetic-mnist", "synthetic-cifar10"])
def test_synthetic_labels_are_learnable_by_nearest_class_mean(name):
    ds = data.load(name)
    x_train = ds.train_x.reshape(len(ds.train_x), -1).float()
    x_test = ds.test_x.reshape(len(ds.test_x), -1).float()
    means = torch.stack([x_train[ds.train_y == k].mean(0) for k in range(10)])
    pred = torch.cdist(x_test, means).argmin(1)
    assert (pred == ds.test_y).float().mean() > 0.9


def test_real_datasets_are_not_marked_synthetic(tmp_path):
    datagen.write_mnist(tmp_path)
    assert not data.load("mnist", tmp_path).synthetic


def test_unknown_dataset_name_lists_the_valid_ones():
    with pytest.raises(DataError) as err:
        data.load("imagenet")
    for name in ("mnist", "cifar10", "synthetic-mnist", "synthetic-cifar10"):
        assert name in str(err.value)


# ---------------------------------------------------------------- model inputs
def test_mnist_inputs_binarize_threshold_is_128():
    x = torch.tensor([0, 127, 128, 255], dtype=torch.uint8).repeat(196).view(1, 1, 28, 28)
    out = data.mnist_inputs(x, binarize=True)
    assert out.shape == (1, 784) and out.dtype == torch.float32
    assert out[0, :4].tolist() == [0.0, 0.0, 1.0, 1.0]
    scaled = data.mnist_inputs(x, binarize=False)
    torch.testing.assert_close(scaled[0, :4], torch.tensor([0, 127, 128, 255]) / 255.0)


def test_lit_pixels_are_the_binary_images_pixel_for_pixel():
    """Decoded back to dense, LitPixels are exactly mnist_inputs(binarize=True), blank and full images included."""
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (5, 1, 28, 28), dtype=torch.uint8, generator=g)
    x[1], x[3] = 0, 255  # no lit pixel at all (an empty bag), every pixel lit
    lit = data.lit_pixels(x)
    assert len(lit) == 5 and lit.index.dtype == lit.offsets.dtype == torch.int32
    ends = [*lit.offsets.tolist()[1:], len(lit.index)]
    dense = torch.zeros(5, 784)
    for i, (a, b) in enumerate(zip(lit.offsets.tolist(), ends)):
        dense[i, lit.index[a:b].long()] = 1.0
    assert torch.equal(dense, data.mnist_inputs(x, binarize=True))
    assert ends[1] - lit.offsets[1] == 0 and ends[3] - lit.offsets[3] == 784
    with pytest.raises(TypeError, match="uint8"):
        data.lit_pixels(x.float())


@pytest.mark.parametrize("part", [slice(0, 2), slice(1, 4), slice(3, None), slice(4, 5), slice(2, 2), slice(None)])
def test_a_slice_of_lit_pixels_is_the_lit_pixels_of_the_sliced_images(part):
    x = torch.randint(0, 256, (5, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    x[1] = 0
    got, want = data.lit_pixels(x)[part], data.lit_pixels(x[part])
    assert torch.equal(got.index, want.index) and torch.equal(got.offsets, want.offsets)


def test_cifar_inputs_normalize_per_channel():
    x = torch.zeros((2, 3, 32, 32), dtype=torch.uint8)
    x[:, 0], x[:, 1], x[:, 2] = 0, 128, 255
    out = data.cifar_inputs(x)
    assert out.shape == x.shape and out.dtype == torch.float32
    for c, v in enumerate((0, 128, 255)):
        want = (v / 255 - data.CIFAR10_MEAN[c]) / data.CIFAR10_STD[c]
        torch.testing.assert_close(out[:, c], torch.full((2, 32, 32), want))


def _crop_oracle(x, oy, ox, flip, pad=4):
    out = []
    for i in range(len(x)):
        padded = torch.nn.functional.pad(x[i], (pad, pad, pad, pad))
        crop = padded[:, oy[i] : oy[i] + x.shape[2], ox[i] : ox[i] + x.shape[3]]
        out.append(crop.flip(-1) if flip[i] else crop)
    return torch.stack(out)


def test_crop_flip_matches_per_sample_loop_oracle():
    g = torch.Generator().manual_seed(0)
    x = torch.randn((6, 3, 8, 10), generator=g)
    oy, ox = torch.randint(0, 9, (6,), generator=g), torch.randint(0, 9, (6,), generator=g)
    oy[0], ox[0], oy[1], ox[1] = 0, 8, 8, 0  # include the extreme corners
    flip = torch.tensor([True, False, True, False, True, False])
    assert torch.equal(data.crop_flip(x, oy, ox, flip), _crop_oracle(x, oy, ox, flip))


def test_crop_at_offset_4_4_without_flip_is_identity():
    x = torch.randn((3, 3, 32, 32))
    four = torch.full((3,), 4)
    assert torch.equal(data.crop_flip(x, four, four, torch.zeros(3, dtype=torch.bool)), x)


def test_augment_cifar_is_deterministic_and_picks_one_of_the_valid_crops():
    x = torch.randn((16, 3, 32, 32))
    a = data.augment_cifar(x, torch.Generator().manual_seed(7))
    b = data.augment_cifar(x, torch.Generator().manual_seed(7))
    c = data.augment_cifar(x, torch.Generator().manual_seed(8))
    assert a.shape == x.shape and a.dtype == x.dtype
    assert torch.equal(a, b) and not torch.equal(a, c)
    for i in range(len(x)):  # every output is some crop/flip of its own input
        candidates = [
            _crop_oracle(x[i : i + 1], [dy], [dx], [f])[0] for dy in range(9) for dx in range(9) for f in (False, True)
        ]
        assert any(torch.equal(a[i], cand) for cand in candidates)


# ---------------------------------------------------------------- downloads (local server)
@pytest.fixture
def local_http(monkeypatch):
    """The test-only override: the local server on 127.0.0.1 speaks plain http (real mirrors must be https)."""
    monkeypatch.setattr(fetch, "ALLOW_HTTP_HOSTS", ("127.0.0.1",))


@pytest.fixture
def mnist_mirror(tmp_path, monkeypatch, local_http):
    """A served folder holding generated MNIST .gz files whose MD5s are made 'official'."""
    served = tmp_path / "served" / "good"
    datagen.write_mnist(tmp_path / "src", n_train=60, n_test=20, gz=True, seed=4)
    served.mkdir(parents=True)
    for p in (tmp_path / "src" / "MNIST" / "raw").iterdir():
        (served / p.name).write_bytes(p.read_bytes())
    patch_md5s(monkeypatch, data.MNIST_MD5, served)
    with datagen.serve_directory(tmp_path / "served") as base:
        yield base


def test_mnist_download_fetches_verifies_and_decompresses(tmp_path, mnist_mirror, monkeypatch):
    monkeypatch.setattr(data.mnist, "MNIST_MIRRORS", [mnist_mirror + "good/"])
    calls = []
    ds = data.load_mnist(tmp_path / "d", download=True, progress=lambda *a: calls.append(a))
    raw = tmp_path / "d" / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(
        datagen.MNIST_STEMS + tuple(s + ".gz" for s in datagen.MNIST_STEMS)
    )
    want = datagen.mnist_arrays(60, 20, seed=4)
    np.testing.assert_array_equal(ds.train_x[:, 0].numpy(), want["train-images-idx3-ubyte"])
    assert {name for _, _, name in calls} == {s + ".gz" for s in datagen.MNIST_STEMS}
    done, total, _ = calls[-1]
    assert done == total == (raw / "t10k-labels-idx1-ubyte.gz").stat().st_size


def test_download_falls_back_to_second_mirror_after_404(tmp_path, mnist_mirror):
    raw = data.download("mnist", tmp_path / "d", mirrors=[mnist_mirror + "nothing-here/", mnist_mirror + "good/"])
    assert all((raw / s).is_file() for s in datagen.MNIST_STEMS)


def test_download_keeps_files_already_present(tmp_path, mnist_mirror):
    raw = datagen.write_mnist(tmp_path / "d", n_train=7, seed=11)
    (raw / "t10k-images-idx3-ubyte").unlink()
    before = (raw / "train-images-idx3-ubyte").read_bytes()
    data.download("mnist", tmp_path / "d", mirrors=[mnist_mirror + "good/"])
    assert (raw / "train-images-idx3-ubyte").read_bytes() == before  # the user's copy is kept
    assert sorted(p.name for p in raw.iterdir()) == sorted(datagen.MNIST_STEMS + ("t10k-images-idx3-ubyte.gz",))


def test_load_with_download_does_not_touch_the_network_when_files_exist(tmp_path, monkeypatch):
    datagen.write_mnist(tmp_path)
    monkeypatch.setattr(data.mnist, "MNIST_MIRRORS", ["http://127.0.0.1:9/never/"])
    assert len(data.load_mnist(tmp_path, download=True).train_y) == 64


def test_download_md5_mismatch_raises_and_leaves_no_file(tmp_path, mnist_mirror, monkeypatch):
    monkeypatch.setitem(data.MNIST_MD5, "train-images-idx3-ubyte.gz", "0" * 32)
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz.*MD5") as err:
        data.download("mnist", tmp_path / "d", mirrors=[mnist_mirror + "good/"])
    raw = tmp_path / "d" / "MNIST" / "raw"
    assert not (raw / "train-images-idx3-ubyte.gz").exists()
    assert not (raw / "train-images-idx3-ubyte").exists()
    assert not list(raw.glob("*.tmp")) and "copy the file by hand" in str(err.value)


def test_download_with_server_down_raises_dataerror_naming_urls(tmp_path, local_http):
    with datagen.serve_directory(tmp_path) as base:
        pass  # the server is stopped again: its port now refuses connections
    with pytest.raises(DataError) as err:
        data.download("mnist", tmp_path / "d", mirrors=[base + "a/", base + "b/"])
    msg = str(err.value)
    assert base + "a/train-images-idx3-ubyte.gz" in msg and base + "b/train-images-idx3-ubyte.gz" in msg
    assert "by hand" in msg and str(tmp_path / "d" / "MNIST" / "raw") in msg


class _FakeTerminal(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def test_default_progress_prints_one_line_on_a_tty_and_nothing_otherwise():
    from bnviz.data.download import tty_progress

    term, pipe = _FakeTerminal(True), _FakeTerminal(False)
    for stream in (term, pipe):
        show = tty_progress(stream)
        show(1_000_000, 2_000_000, "f.gz")
        show(2_000_000, 2_000_000, "f.gz")
    assert term.getvalue() == "\rdownloading f.gz: 1.0/2.0 MB\rdownloading f.gz: 2.0/2.0 MB\n"
    assert pipe.getvalue() == ""


def test_download_of_unknown_dataset_is_refused(tmp_path):
    with pytest.raises(DataError, match="synthetic-mnist"):
        data.download("synthetic-mnist", tmp_path)


def _cifar_archive(tmp_path, monkeypatch, extra=None):
    folder = datagen.write_cifar10(tmp_path / "src", n_per_batch=CIFAR_N, seed=9)
    served = tmp_path / "served"
    served.mkdir()
    archive = datagen.write_tar_gz(folder, served / data.CIFAR10_ARCHIVE, extra)
    monkeypatch.setitem(data.CIFAR10_MD5, data.CIFAR10_ARCHIVE, datagen.md5_of(archive))
    return served


def test_cifar_download_extracts_the_archive_into_place(tmp_path, monkeypatch, local_http):
    served = _cifar_archive(tmp_path, monkeypatch)
    calls = []
    with datagen.serve_directory(served) as base:
        monkeypatch.setattr(data.cifar10, "CIFAR10_MIRRORS", [base + "missing/", base])
        ds = data.load_cifar10(tmp_path / "d", download=True, progress=lambda *a: calls.append(a))
    assert ds.train_x.shape == (5 * CIFAR_N, 3, 32, 32) and len(ds.test_y) == CIFAR_N
    want = datagen.cifar_arrays(CIFAR_N, seed=9)
    np.testing.assert_array_equal(ds.test_x.reshape(CIFAR_N, 3072).numpy(), want["test_batch"][0])
    assert calls and calls[-1][0] == calls[-1][1] and calls[-1][2] == data.CIFAR10_ARCHIVE
    # Only the verified archive and the finished folder remain: no temp files or extraction dirs.
    assert {p.name for p in (tmp_path / "d").iterdir()} == {data.CIFAR10_ARCHIVE, "cifar-10-batches-py"}


def test_cifar_archive_with_path_traversal_is_refused(tmp_path, monkeypatch, local_http):
    served = _cifar_archive(tmp_path, monkeypatch, extra={"../escaped": b"gotcha"})
    with datagen.serve_directory(served) as base:
        with pytest.raises(DataError, match=data.CIFAR10_ARCHIVE):
            data.download("cifar10", tmp_path / "d", mirrors=[base])
    assert not (tmp_path / "escaped").exists()
    assert not (tmp_path / "d" / "cifar-10-batches-py").exists()


# ---------------------------------------------------------------- the real files, if present
real = pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"no real datasets at {REAL_DATA}")


@real
def test_real_mnist_is_official():
    ds = data.load_mnist(REAL_DATA)
    assert ds.train_x.shape == (60000, 1, 28, 28) and ds.test_x.shape == (10000, 1, 28, 28)
    assert ds.provenance.label == "MNIST, official files"
    assert ds.train_y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


@real
def test_real_cifar10_is_labelled_non_official():
    ds = data.load_cifar10(REAL_DATA)
    assert ds.provenance.label == "CIFAR-10, files differ from the official release"
    assert ds.train_x.shape == (50000, 3, 32, 32) and ds.test_x.shape == (10000, 3, 32, 32)
    assert ds.train_y[:10].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    assert ds.provenance.files["batches.meta"] == data.CIFAR10_MD5["batches.meta"]
    assert ds.classes[6] == "frog"
