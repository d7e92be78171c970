"""Issue #23, the data folder: corrupt CIFAR-10 labels fail a run by name (item 5), a typed data folder
that cannot be one is refused with a reason (8), a download never outgrows its file, outlives its
deadline, leaves https or leaves a temp file behind (9), and a read-only data folder is named (16)."""

from __future__ import annotations

import contextlib
import errno
import http.server
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import datagen
import numpy as np
import pytest
from harness import APP, scaled
from streamlit.testing.v1 import AppTest

from bnviz import data, experiments
from bnviz.cli import main
from bnviz.data import DataError, fetch, mnist
from bnviz.runs import jobs
from bnviz.runs.runner import RunError, run_experiment

ROOT = Path(__file__).resolve().parents[2]
GZ = "train-images-idx3-ubyte.gz"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


# ------------------------------------------------------------------ 5. corrupt CIFAR-10 labels
@pytest.mark.parametrize("labels", [{"a": 1}, 7, [[0, 1], [2]], [0, 1, "x"], None])
def test_corrupt_cifar_labels_are_a_data_error_naming_the_file(tmp_path, labels):
    folder = datagen.write_cifar10(tmp_path, n_per_batch=26)
    bad = {"data": np.zeros((3, 3072), np.uint8), "labels": labels}
    (folder / "data_batch_3").write_bytes(pickle.dumps(bad, protocol=2))
    with pytest.raises(DataError, match=r"data_batch_3 is corrupt: 'labels'"):
        data.load_cifar10(tmp_path)


def test_a_run_on_corrupt_labels_is_recorded_as_failed_with_the_file(tmp_path, capsys):
    folder = datagen.write_cifar10(tmp_path / "data", n_per_batch=26)
    bad = {"data": np.zeros((3, 3072), np.uint8), "labels": {"a": 1}}
    (folder / "data_batch_3").write_bytes(pickle.dumps(bad, protocol=2))
    code = main(["run", "cifar10-cnn", "--data-dir", str(tmp_path / "data"), "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 1 and "data_batch_3 is corrupt" in err and "Traceback" not in err
    exp = experiments.get("cifar10-cnn")
    job = jobs.status(exp.name, exp.key(), tmp_path / "c")
    assert job.state == "failed" and "data_batch_3 is corrupt" in job.message


def test_any_exception_while_the_data_loads_fails_the_run_with_its_reason(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("'int' object is not iterable")

    monkeypatch.setattr(data, "load", broken)
    exp = experiments.resolve("mnist-fig1", 10, [0], synthetic=True)
    with pytest.raises(RunError, match="TypeError"):
        run_experiment(exp, cache_dir=tmp_path)
    job = jobs.status(exp.name, exp.key(), tmp_path)
    assert job.state == "failed" and "'int' object is not iterable" in job.message  # not "crashed, see the log"


# ------------------------------------------------------------------ 8. typed data folders
def loop(tmp_path: Path) -> Path:
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def unusable(tmp_path: Path) -> dict[str, str]:
    """Data folders a user can type that cannot be one, by the reason the app gives."""
    return {"too long": str(tmp_path / ("x" * 300)), "loop of symbolic links": str(loop(tmp_path)), "NUL": "data\0x"}


def test_a_data_folder_that_cannot_be_one_is_refused_with_a_reason(tmp_path):
    for why, folder in unusable(tmp_path).items():
        assert not data.available("mnist", folder)
        with pytest.raises(DataError, match=why):
            data.load("mnist", folder)


def test_the_pages_say_why_a_typed_data_folder_cannot_be_one(tmp_path, monkeypatch):
    (tmp_path / "cache").mkdir()
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    at = AppTest.from_file(APP, default_timeout=scaled(90))
    at.run()
    for why, folder in unusable(tmp_path).items():
        at.sidebar.text_input[0].set_value(folder).run()
        for page in ("pages/experiments.py", "pages/activations.py"):
            at.switch_page(page)
            at.run()
            assert not at.exception, (why, page, [e.value for e in at.exception])
            assert why in "\n".join(e.value for e in at.sidebar.error).replace("\\", "")
        at.toggle(key="act_synth_mlp").set_value(False).run()  # Activations on real data from that folder
        assert not at.exception, (why, [e.value for e in at.exception])


# ------------------------------------------------------------------ 9. downloads
class Misbehaving(http.server.BaseHTTPRequestHandler):
    """/endless: bytes with no end; /huge: claims a terabyte; /trickle: a byte every 50 ms; /redirect:
    on to plain http elsewhere; /good: the file itself."""

    body = b""

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        kind = self.path.split("/")[1]
        with contextlib.suppress(OSError):
            if kind == "redirect":
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{self.server.server_address[1]}/good/{GZ}")
                self.end_headers()
                return
            self.send_response(200)
            if kind == "huge":
                self.send_header("Content-Length", str(10**12))
            elif kind in ("trickle", "good"):
                self.send_header("Content-Length", str(len(self.body) if kind == "good" else 1000))
            self.end_headers()
            if kind == "good":
                self.wfile.write(self.body)
            while kind in ("endless", "trickle"):
                self.wfile.write(b"x" * (65536 if kind == "endless" else 1))
                self.wfile.flush()
                if kind == "trickle":
                    time.sleep(0.05)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def local_http(monkeypatch):
    monkeypatch.setattr(fetch, "ALLOW_HTTP_HOSTS", ("127.0.0.1",))  # the explicit test-only override


def test_an_endless_response_is_cut_at_the_files_size_and_leaves_no_temp_file(tmp_path, server, local_http):
    with pytest.raises(DataError, match=f"more than the {mnist.MNIST_GZ_BYTES[GZ]:,} bytes"):
        fetch.fetch(GZ, tmp_path, "0" * 32, mnist.MNIST_GZ_BYTES[GZ], [server + "endless/"], lambda *a: None)
    assert list(tmp_path.iterdir()) == []


def test_a_response_claiming_more_than_the_file_is_refused_before_reading(tmp_path, server, local_http):
    with pytest.raises(DataError, match="offers 1,000,000,000,000 bytes"):
        fetch.fetch(GZ, tmp_path, "0" * 32, mnist.MNIST_GZ_BYTES[GZ], [server + "huge/"], lambda *a: None)


def test_a_trickling_mirror_meets_one_deadline_for_the_whole_file(tmp_path, server, local_http, monkeypatch):
    monkeypatch.setattr(fetch, "MIN_DEADLINE_S", 0.5)  # each read answers within its timeout; the whole cannot
    with pytest.raises(DataError, match="too slow"):
        fetch.fetch(GZ, tmp_path, "0" * 32, 1000, [server + "trickle/"], lambda *a: None)
    assert list(tmp_path.iterdir()) == []


def test_each_file_gets_one_deadline_of_at_least_100_kb_per_second():
    assert fetch.deadline_for(mnist.MNIST_GZ_BYTES[GZ]) == max(fetch.MIN_DEADLINE_S, 9_912_422 / 100_000)
    assert fetch.deadline_for(data.cifar10.CIFAR10_ARCHIVE_BYTES) == 170_498_071 / 100_000  # 28 minutes


def test_downloads_are_https_only_redirects_included(tmp_path, server, local_http, monkeypatch):
    assert all(m.startswith("https://") for m in mnist.MNIST_MIRRORS + data.cifar10.CIFAR10_MIRRORS)
    Misbehaving.body = b"payload"
    with pytest.raises(DataError, match="https only"):  # 127.0.0.1 may speak http; the redirect's localhost not
        fetch.fetch(GZ, tmp_path, "0" * 32, 100, [server + "redirect/"], lambda *a: None)
    monkeypatch.setattr(fetch, "ALLOW_HTTP_HOSTS", ())
    with pytest.raises(DataError, match="https only"):
        fetch.fetch(GZ, tmp_path, "0" * 32, 100, [server + "good/"], lambda *a: None)


def test_temp_files_of_a_download_that_died_are_swept_by_the_next(tmp_path, server, local_http):
    old = tmp_path / f".{GZ}.dead1234.tmp"
    old.write_bytes(b"x" * 1000)
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    busy = tmp_path / f".{GZ}.live5678.tmp"  # another download, writing now: kept
    busy.write_bytes(b"x")
    with pytest.raises(DataError):
        fetch.fetch(GZ, tmp_path, "0" * 32, 100, [server + "nothing/"], lambda *a: None)
    assert not old.exists() and busy.exists()


@pytest.mark.slow  # a subprocess downloading from a trickling local server, then SIGTERM
def test_sigterm_during_a_download_removes_its_temp_file(tmp_path, server):
    script = (
        "import sys\n"
        "from bnviz import data\n"
        "from bnviz.data import fetch\n"
        "fetch.ALLOW_HTTP_HOSTS = ('127.0.0.1',)\n"
        "data.download('mnist', sys.argv[1], mirrors=[sys.argv[2]])\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path), server + "trickle/"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        text=True,
    )
    raw = tmp_path / "MNIST" / "raw"
    deadline = time.monotonic() + scaled(60)
    while not list(raw.glob("*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(raw.glob("*.tmp")), "the download never started"
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=scaled(60))
    assert p.returncode == 128 + signal.SIGTERM, err
    assert list(raw.glob("*.tmp")) == []


# ------------------------------------------------------------------ 16. a read-only data folder
@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A data folder nobody may create files or folders in (root ignores permissions: then simulated)."""
    folder = tmp_path / "data"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    real_open, real_mkdir = os.open, os.mkdir

    def inside(path) -> bool:
        return folder in Path(os.fspath(path)).parents

    def refusing_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and inside(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def refusing_mkdir(path, *args, **kwargs):
        if inside(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    monkeypatch.setattr(os, "mkdir", refusing_mkdir)
    yield folder


@pytest.mark.parametrize("dataset", ["cifar10", "mnist"])
def test_a_download_into_a_read_only_folder_names_the_folder(read_only, capsys, dataset, server, local_http):
    code = main(["download", dataset, "--data-dir", str(read_only)])
    err = capsys.readouterr().err
    assert code == 1 and "cannot write into the data folder" in err and ".tmp" not in err, err
    assert "--data-dir" in err and "Traceback" not in err


def test_a_sweep_never_touches_a_link_target(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").write_text("x")
    link = tmp_path / "folder" / ".cifar-extract-old"
    link.parent.mkdir()
    link.symlink_to(elsewhere)
    os.utime(link, (0, 0), follow_symlinks=False)
    fetch.sweep(link.parent, ".cifar-extract-*")
    assert (elsewhere / "keep").exists()
