"""Property: whatever header and body an IDX file has, plain or gzipped, read_idx answers with a tensor that matches its header or a DataError naming the file, never another exception
and never an allocation the file cannot back."""

import gzip
import math
import tracemalloc

from harness import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bnviz import data
from bnviz.data import DataError

MEMORY_BOUND = 8_000_000  # bytes: the bodies below are at most a few kB, the claims up to 2**96

u32 = st.one_of(st.integers(0, 2**32 - 1), st.sampled_from([0, 1, 28, 255, 2**16, 2**21, 2**31, 2**32 - 1]))
magic = st.one_of(
    st.sampled_from([data.IDX_IMAGES_MAGIC, data.IDX_LABELS_MAGIC]),
    st.integers(0, 2**32 - 1),
    st.integers(0x800, 0x8FF),
)
dims = st.lists(u32, max_size=4)
body = st.one_of(st.binary(max_size=64), st.integers(0, 4096).map(bytes))
# Headers whose dims agree with a short body are the rare, interesting case that reaches the data.
honest = st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)).map(lambda d: (d, bytes(math.prod(d))))
FUZZ = settings(
    max_examples=examples(120),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def read(path, expected_magic):
    """read_idx's tensor or DataError, with its peak allocation measured."""
    tracemalloc.start()
    try:
        return data.read_idx(path, expected_magic)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < MEMORY_BOUND, f"{peak:,} bytes for a {path.stat().st_size}-byte file"


def write(tmp_path, gz: bool, blob: bytes):
    path = tmp_path / ("f.gz" if gz else "f")
    path.write_bytes(gzip.compress(blob, mtime=0) if gz else blob)
    return path


@FUZZ
@given(
    gz=st.booleans(),
    kind=st.sampled_from(["images", "labels", "other"]),
    other=magic,
    dims=dims,
    body=body,
    cut=st.integers(0, 40),
)
def test_read_idx_of_random_headers_and_bodies_raises_only_dataerror(tmp_path, gz, kind, other, dims, body, cut):
    # Mostly the magic number read_idx expects (so the dimensions get read), sometimes anything.
    expected = data.IDX_LABELS_MAGIC if kind == "labels" else data.IDX_IMAGES_MAGIC
    header = (expected if kind != "other" else other).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    blob = (header + body)[: max(0, len(header) + len(body) - cut)]
    path = write(tmp_path, gz, blob)
    try:
        x = read(path, expected)
    except DataError as e:
        assert path.name in str(e)
        return
    assert x.numel() == len(blob) - 4 - 4 * (expected & 0xFF)  # every data byte, and no more


@FUZZ
@given(gz=st.booleans(), shape_and_body=honest, extra=st.binary(max_size=3))
def test_read_idx_of_matching_header_and_body_gives_the_data(tmp_path, gz, shape_and_body, extra):
    shape, payload = shape_and_body
    blob = data.IDX_IMAGES_MAGIC.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape) + payload
    path = write(tmp_path, gz, blob + extra)
    try:
        x = read(path, data.IDX_IMAGES_MAGIC)
    except DataError as e:
        assert extra and ("more data" in str(e) or "file holds" in str(e))
        return
    assert not extra and tuple(x.shape) == shape and x.sum() == 0


@FUZZ
@given(body=st.binary(min_size=1, max_size=200), flip=st.integers(0, 10_000))
def test_read_idx_of_corrupted_gzip_streams_raises_only_dataerror(tmp_path, body, flip):
    blob = bytearray(
        gzip.compress(data.IDX_LABELS_MAGIC.to_bytes(4, "big") + len(body).to_bytes(4, "big") + body, mtime=0)
    )
    blob[flip % len(blob)] ^= 1 + flip % 255  # one damaged byte: header, deflate data or CRC
    path = write(tmp_path, False, b"")
    path = path.with_suffix(".gz")
    path.write_bytes(bytes(blob))
    try:
        x = read(path, data.IDX_LABELS_MAGIC)
    except DataError as e:
        assert path.name in str(e)
        return
    assert x.numel() == len(body)
