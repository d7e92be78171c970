"""Issue #23, the cache folder: no name in it can make bnviz write through a link (item 1), hang or run
out of memory reading it (2), print terminal escapes (12) or crash Dismiss (15); a read-only cache
folder says so in one sentence (7); Stop while a run starts is remembered (6); a Ctrl-C while
``python -m bnviz`` imports ends quietly (14)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from harness import APP, scaled
from streamlit.testing.v1 import AppTest

from bnviz import files
from bnviz.cli import main
from bnviz.runs import cache, jobs, owner
from bnviz.runs.request import RunRequest
from bnviz.runs.runner import run_experiment

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
LINUX = Path("/proc/self/stat").exists()
REQUEST = RunRequest("mnist-fig1", 10, (0,), synthetic=True)
EXP = REQUEST.experiment()
KEY = EXP.key()


def victim(tmp_path: Path) -> Path:
    """A file outside the cache that a link in the cache points at: it must never change."""
    path = tmp_path / "elsewhere" / "precious.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text("24 kB of someone's work\n" * 1000)
    return path


# ------------------------------------------------------------------ 1. never written through a link
WRITTEN = {  # every file bnviz creates or truncates in the cache folder, and what makes it write there
    "log": lambda c: jobs.log_path(c, EXP.name, KEY),
    "lock": lambda c: cache.lock_path(c, EXP.name, KEY),
    "progress": lambda c: cache.progress_path(c, EXP.name, KEY),
    "result": lambda c: cache.result_path(c, EXP.name, KEY),
}


@pytest.mark.parametrize(
    "name", ["log", "lock", *(pytest.param(n, marks=pytest.mark.slow) for n in ("progress", "result"))]
)  # progress and result: a whole (10-step) run in worker processes
@pytest.mark.parametrize("dangling", [False, True])
def test_a_link_named_like_a_file_bnviz_writes_is_never_followed(tmp_path, name, dangling):
    folder = tmp_path / "cache"
    folder.mkdir()
    target = victim(tmp_path)
    if dangling:  # a link to a file that does not exist yet: following it would create that file
        target.unlink()
    before = None if dangling else target.read_bytes()
    WRITTEN[name](folder).symlink_to(target)
    try:
        if name == "log":
            jobs.start(REQUEST, folder).wait(timeout=scaled(120))  # opens the log before it starts the run
        else:
            run_experiment(EXP, cache_dir=folder, workers=1)
    except cache.CacheError as e:
        assert "symbolic link" in str(e) and str(WRITTEN[name](folder)) in str(e)
    if dangling:
        assert not target.exists(), f"the {name} file was created through a link"
    else:
        assert target.read_bytes() == before, f"the {name} file was written through a link"


def test_files_refuse_a_fifo_or_a_device_before_truncating_it(tmp_path):
    fifo = tmp_path / "run.log"
    os.mkfifo(fifo)
    with pytest.raises(files.RefusedFile, match="FIFO"):
        files.create_text(fifo)
    with pytest.raises(files.RefusedFile, match="character device"):
        files.open_regular(Path("/dev/null"), os.O_WRONLY | os.O_TRUNC)


# ------------------------------------------------------------------ 2. nothing read hangs or exhausts memory
def not_regular(folder: Path) -> dict[str, Path]:
    """Names a result may have, holding what no result is: each must be listed as ignored, at once."""
    made = {
        "a link to /dev/zero": folder / "mnist-fig1-000000000000zero.json",
        "a sparse 100 GB file": folder / "mnist-fig1-0000000000sparse.json",
        "a FIFO": folder / "mnist-fig1-00000000000000fifo.json",
        "a folder": folder / "mnist-fig1-0000000000folder.json",
    }
    made["a link to /dev/zero"].symlink_to("/dev/zero")
    with open(made["a sparse 100 GB file"], "wb") as f:
        f.truncate(100 * 2**30)  # no disk used
    os.mkfifo(made["a FIFO"])
    made["a folder"].mkdir()
    os.mkfifo(cache.progress_path(folder, "mnist-fig1", "00000000fifo0001"))
    os.mkfifo(cache.lock_path(folder, "mnist-fig1", "00000000fifo0002"))
    return made


REASONS = {
    "a link to /dev/zero": "symbolic link",
    "a sparse 100 GB file": "over the 32.0 MiB",
    "a FIFO": "FIFO",
    "a folder": "folder",
}


@pytest.mark.slow  # a subprocess, so that a hang fails the test instead of stopping the suite
def test_bnviz_list_names_every_cache_entry_that_is_not_a_regular_file_and_never_hangs(tmp_path):
    made = not_regular(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "bnviz", "list", "--cache-dir", str(tmp_path)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=scaled(120),
    )
    assert out.returncode == 0 and "Traceback" not in out.stderr and "MemoryError" not in out.stderr
    for what, path in made.items():
        assert f"ignored: {path}: " in out.stderr and REASONS[what] in out.stderr, (what, out.stderr)


def test_reading_the_cache_never_blocks_on_a_fifo(tmp_path):
    made = not_regular(tmp_path)
    done = {}

    def read():
        done["scan"] = cache.scan(tmp_path)
        done["progress"] = jobs.status("mnist-fig1", "00000000fifo0001", tmp_path)
        done["lock"] = owner.is_held(cache.lock_path(tmp_path, "mnist-fig1", "00000000fifo0002"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(scaled(60))
    if reader.is_alive():  # let the stuck reader go before failing: a writer opens each FIFO once
        for fifo in [made["a FIFO"], *tmp_path.glob("*fifo*")]:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        pytest.fail("reading the cache blocked on a FIFO")
    assert len(done["scan"].problems) == 5  # the four results and the FIFO progress file
    assert done["progress"].state == "invalid" and "FIFO" in done["progress"].message
    assert done["lock"] is False


def test_the_experiments_and_activations_pages_list_them_as_ignored(tmp_path, monkeypatch):
    made = not_regular(tmp_path)
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=scaled(90))
    at.run()
    for page in ("pages/experiments.py", "pages/activations.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    at.button_group(key="act_source").set_value("Replay a recorded run").run()
    ignored = "\n".join(e.value for e in at.markdown).replace("\\", "")
    for path in made.values():
        assert path.name in ignored


# ------------------------------------------------------------------ 4. the schema-valid crashers
@pytest.mark.parametrize(
    "text,why",
    [('{"a": ' + "[" * 6000 + "]" * 6000 + "}", "nested more than 16 deep"), ("[" * 6000, "nested more than 16 deep")],
)
def test_deeply_nested_json_is_refused_before_it_is_parsed(tmp_path, capsys, text, why):
    path = tmp_path / "mnist-fig1-00000000000deep.json"
    path.write_text(text)
    with pytest.raises(cache.CacheError, match=why):
        cache.load_result(path)
    assert main(["list", "--cache-dir", str(tmp_path)]) == 0
    assert f"ignored: {path}: " in capsys.readouterr().err


# ------------------------------------------------------------------ 7. a read-only cache folder
@pytest.fixture
def read_only(tmp_path, monkeypatch):
    """A cache folder nobody may create files in: made read-only, or (root ignores permissions) every
    create in it refused with EACCES, as the kernel refuses it to a user."""
    folder = tmp_path / "cache"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    real_open = os.open

    def refusing(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(os.fspath(path)).parent == folder:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    yield folder


def test_a_read_only_cache_folder_is_named_with_what_to_do(read_only, capsys, monkeypatch):
    with pytest.raises(cache.CacheError, match="cannot write in the cache folder") as e:
        jobs.start(REQUEST, read_only)
    assert str(read_only) in str(e.value) and cache.CACHE_DIR_ENV in str(e.value)
    code = main(["run", *REQUEST.argv()[1:], "--cache-dir", str(read_only)])
    err = capsys.readouterr().err
    assert code == 1 and "cannot write in the cache folder" in err and cache.CACHE_DIR_ENV in err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("bnviz: error: cannot write in")
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(read_only))
    at = AppTest.from_file(APP, default_timeout=scaled(90))
    at.run()
    at.switch_page("pages/experiments.py")
    at.run()
    run = next(b for b in at.get("form_submit_button") if b.label == "Run")
    run.click().run()
    assert not at.exception, [e.value for e in at.exception]
    said = "\n".join(e.value for e in at.error).replace("\\", "")
    assert "cannot write in the cache folder" in said and cache.CACHE_DIR_ENV in said


# ------------------------------------------------------------------ 12. terminal escapes
def test_the_cli_never_prints_terminal_escapes_from_file_names_or_pickles(tmp_path, capsys):
    import datagen

    escape = "\x1b]0;pwned\x07\x1b[2J\x9b31m"
    (tmp_path / f"mnist-fig1-{escape}.json").write_text("{")
    assert main(["list", "--cache-dir", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "ignored:" in err and "\\x1b]0;pwned\\x07" in err
    assert not any(c in err for c in "\x1b\x07\x9b")
    folder = datagen.write_cifar10(tmp_path / "data", n_per_batch=26)
    (folder / "data_batch_1").write_bytes(b"c" + f"os{escape}".encode() + b"\nsystem\n.")
    cache_dir = tmp_path / "other"
    code = main(["run", "cifar10-cnn", "--data-dir", str(tmp_path / "data"), "--cache-dir", str(cache_dir)])
    err = capsys.readouterr().err
    assert code == 1 and "forbidden global" in err and not any(c in err for c in "\x1b\x07\x9b"), err


# ------------------------------------------------------------------ 15. a folder where a progress file should be
def test_a_folder_named_like_a_progress_file_is_invalid_and_dismiss_says_it_stays(tmp_path, monkeypatch):
    path = cache.progress_path(tmp_path, EXP.name, KEY)
    path.mkdir()
    job = jobs.status(EXP.name, KEY, tmp_path)
    assert job.state == "invalid" and "folder" in job.message
    with pytest.raises(cache.CacheError, match="folder"):
        jobs.dismiss(EXP.name, KEY, tmp_path)
    assert path.is_dir()
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=scaled(90))
    at.run()
    at.switch_page("pages/experiments.py")
    at.run()
    at.button(key=f"dismiss-{KEY}").click().run()
    assert not at.exception, [e.value for e in at.exception]


# ------------------------------------------------------------------ 6. Stop while the run's process starts
def hold_lock(path: Path) -> subprocess.Popen:
    """Another process holding a config's lock with no progress file yet: a run that is starting."""
    script = "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
    script += "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(120)"
    p = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


@pytest.mark.slow
def test_stop_while_the_process_starts_is_remembered_and_the_page_says_stopping(tmp_path, monkeypatch):
    holder = hold_lock(cache.lock_path(tmp_path, EXP.name, KEY))
    try:
        monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path))
        at = AppTest.from_file(APP, default_timeout=scaled(90))
        at.run()
        at.switch_page("pages/experiments.py")
        at.run()
        assert jobs.status(EXP.name, KEY, tmp_path).state == "starting"
        at.button(key=f"stop-{KEY}").click().run()
        assert not at.exception, [e.value for e in at.exception]
        said = "\n".join(str(e.value) for e in at.caption)
        assert "Stop was pressed" in said
        assert jobs.status(EXP.name, KEY, tmp_path).stopping
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_a_run_stopped_while_it_starts_stops_instead_of_training_to_the_end(tmp_path):
    request = RunRequest("mnist-fig1", 200_000, (0,), synthetic=True)
    key = request.experiment().key()
    process = jobs.start(request, tmp_path)
    try:
        job = jobs.status(request.name, key, tmp_path)
        assert job.state == "starting" and job.progress is None  # its process is not known yet
        assert jobs.stop(job) is True
        process.wait(timeout=scaled(120))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=scaled(30))
    job = jobs.status(request.name, key, tmp_path)
    assert job.state == "stopped", (job.state, job.message, jobs.log_tail(tmp_path, request.name, key))
    assert not cache.stop_path(tmp_path, request.name, key).exists()


# ------------------------------------------------------------------ 14. Ctrl-C while python -m bnviz imports
def importing_torch(pid: int) -> bool:
    """Whether the process has begun to import torch: its shared library is mapped into the process."""
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def test_ctrl_c_inside_code_run_by_exec_while_importing_still_exits_130(tmp_path):
    """CPython marks a KeyboardInterrupt that leaves code run by exec() (a dataclass being made) as unhandled even
    when an outer ``except`` handles it, and under ``python -m`` the process then killed itself with SIGINT at
    exit (CI, 2026-12-08: returncode -2 after the right message). Here a finder interrupts bnviz.cli's import
    from inside exec(), as a Ctrl-C can."""
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'bnviz.cli':\n"
        "            exec('raise KeyboardInterrupt')\n"
        "sys.meta_path.insert(0, Interrupt())\n"
    )
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    p = subprocess.run(
        [sys.executable, "-m", "bnviz", "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=scaled(60)
    )
    assert (p.returncode, p.stderr) == (130, "bnviz: error: interrupted\n")


@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="reads /proc and signals a child process")
@pytest.mark.parametrize("later", [0.0, 0.3])
def test_ctrl_c_while_torch_imports_prints_one_line_not_a_traceback(tmp_path, later):
    for attempt in range(3):  # a signal that lands after the whole run (the process was seen late) is tried again
        p = subprocess.Popen(
            [sys.executable, "-m", "bnviz", "run", *REQUEST.argv()[1:], "--cache-dir", str(tmp_path / str(attempt))],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # A Ctrl-C reaches a command typed at a terminal. A suite started in the background (`... &` in a
            # script) ignores SIGINT, its children inherit that, and Python then keeps ignoring it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + scaled(60)
        while not importing_torch(p.pid) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert importing_torch(p.pid), "the process never imported torch"
        time.sleep(later)  # at the start of torch's import, or in the middle of it
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=scaled(120))
        if not (p.returncode == 0 and "100%" in err):  # a signal after the whole run: try again
            break
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert p.returncode == 130 and err.strip().splitlines()[-1] == "bnviz: error: interrupted", (p.returncode, err)


# ------------------------------------------------------------------ #22 item 8: a launched run's command line
@pytest.mark.slow
def test_a_launched_run_finds_a_relative_data_folder_and_records_it_as_typed(tmp_path, monkeypatch):
    import datagen

    datagen.write_mnist(tmp_path / "my data")
    monkeypatch.chdir(tmp_path)  # the app's working folder: the launched run keeps it
    request = RunRequest("mnist-fig1", 10, (0,), data_dir="my data")
    jobs.start(request, tmp_path / "cache").wait(timeout=scaled(300))
    result = cache.find(tmp_path / "cache", "mnist-fig1", request.experiment().key())
    assert result is not None, jobs.log_tail(tmp_path / "cache", "mnist-fig1", request.experiment().key(), 20)
    assert result["command"] == "python -m bnviz run mnist-fig1 --steps 10 --seeds 0 --data-dir 'my data'"
    assert result["request"] == request.to_dict() and "non-official" in result["data"]["source"]
