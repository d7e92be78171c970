"""Issue #17, runs: only a run's own process is ever signalled, one bad cache file is only that
file's problem, workers die with their runner, a full disk keeps the trained runs, and the CLI
refuses what would fail later."""

import errno
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from harness import scaled

from benchmarks.browser import stop
from bnviz import experiments
from bnviz.cli import build_parser, main
from bnviz.runs import cache, jobs, owner, payload, runner, schedule
from bnviz.runs.request import RunRequest
from bnviz.runs.runner import RunError, run_experiment

pytestmark = pytest.mark.slow  # subprocesses: runners, workers, signals

ROOT = Path(__file__).resolve().parents[2]
LINUX = Path("/proc/self/stat").exists()
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def tiny(steps=10, seeds=(0,)):
    exp = experiments.get("mnist-fig1")
    return exp.with_overrides(steps=steps, seeds=list(seeds), dataset="synthetic-mnist")


def long_run_cmd(cache_dir, workers=1):
    return [
        sys.executable,
        "-m",
        "bnviz",
        "run",
        "mnist-fig1",
        "--synthetic",
        "--steps",
        "200000",
        "--seeds",
        "0",
        "--cache-dir",
        str(cache_dir),
        "--workers",
        str(workers),
    ]


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (from /proc)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rfind(")") + 2 :].split()[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def is_worker(pid: int) -> bool:
    """A training worker: forked from the command line (its command line, bnviz's) or spawned (spawn_main)."""
    text = cmdline(pid)
    return "spawn_main" in text or "bnviz run" in text


def workers_of(pid: int) -> list[int]:
    return [k for k in children(pid) if is_worker(k)]


def end(proc: subprocess.Popen) -> None:
    """End a run this test started: SIGTERM first, so its runner ends its workers too."""
    stop(proc, timeout=scaled(30))


def wait_for(condition, timeout=60.0, every=0.1):
    deadline = time.time() + scaled(timeout)
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    return None


@pytest.fixture
def bystander():
    """A process that has nothing to do with bnviz: its pid stands for a recycled one."""
    p = subprocess.Popen(["sleep", "120"])
    yield p
    p.kill()
    p.wait()


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """One finished result, trained for real (10 steps, one seed), as text."""
    folder = tmp_path_factory.mktemp("good")
    exp = tiny()
    run_experiment(exp, cache_dir=folder, workers=2, request=RunRequest("mnist-fig1", 10, (0,), synthetic=True))
    return exp, cache.result_path(folder, exp.name, exp.key()).read_text()


# ------------------------------------------------------------------ 1. only the run's own process
def _progress(tmp_path, **fields):
    exp = tiny()
    payload = {
        "schema": cache.SCHEMA,
        "experiment": exp.name,
        "key": exp.key(),
        "status": "running",
        "runs": [],
        **fields,
    }
    cache.write_json_atomic(cache.progress_path(tmp_path, exp.name, exp.key()), payload)
    return exp


def test_a_progress_file_whose_pid_now_names_another_process_is_stale(tmp_path, bystander):
    exp = _progress(tmp_path, pid=bystander.pid, pid_start="1")  # the run's pid, handed on to `sleep`
    job = jobs.status(exp.name, exp.key(), tmp_path)
    assert job.state == "crashed" and not job.active
    assert jobs.stop(job) is False
    assert bystander.poll() is None  # the unrelated process was not signalled


@pytest.fixture
def old_runner():
    """A process whose command line names bnviz, as an old run's did: it may be the writer of a pid-only file."""
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "bnviz", "run"])
    yield p
    p.kill()
    p.wait()


def test_a_progress_file_without_a_start_time_is_never_signalled(tmp_path, old_runner):
    """Files from before start times were recorded name a pid only: no proof, so Stop never signals it.
    While it may still be the writer it shows as running; once it started after the file's last
    write (its pid was handed on) it is stale."""
    bystander = old_runner
    exp = _progress(tmp_path, pid=bystander.pid)  # written after the bystander started: it may be the writer
    job = jobs.status(exp.name, exp.key(), tmp_path)
    assert job.state == "running"
    assert jobs.stop(job) is False
    assert bystander.poll() is None
    an_hour_ago = time.time() - 3600
    os.utime(cache.progress_path(tmp_path, exp.name, exp.key()), (an_hour_ago, an_hour_ago))
    assert jobs.status(exp.name, exp.key(), tmp_path).state == "crashed"


@pytest.mark.skipif(not LINUX, reason="reads /proc")
@pytest.mark.parametrize("pid", [1, "bystander"])
def test_a_pid_only_progress_file_naming_a_process_that_is_not_bnviz_has_crashed_and_can_be_dismissed(
    tmp_path, bystander, pid
):
    """#23 item 13: pid 1 (init) started before every file was written and lives forever; a file naming it
    showed "training" with no Stop and no Dismiss. A process whose command line does not name bnviz is no run."""
    exp = _progress(tmp_path, pid=bystander.pid if pid == "bystander" else pid)
    job = jobs.status(exp.name, exp.key(), tmp_path)
    assert job.state == "crashed" and not job.active
    assert jobs.stop(job) is False
    assert jobs.dismiss(exp.name, exp.key(), tmp_path)
    assert not cache.progress_path(tmp_path, exp.name, exp.key()).exists()
    assert bystander.poll() is None


@pytest.mark.parametrize("pid", [-1, 0, True])
def test_stop_never_signals_a_pid_that_names_no_single_process(tmp_path, monkeypatch, pid):
    """kill(-1, SIGTERM) would signal every process of the user; kill(0, ...) the whole group."""
    sent = []
    monkeypatch.setattr(os, "kill", lambda p, sig: sent.append((p, sig)))  # never the real one here
    exp = _progress(tmp_path, pid=pid, pid_start="1")
    job = jobs.status(exp.name, exp.key(), tmp_path)
    jobs.stop(job)
    jobs.stop(jobs.JobStatus("running", {"pid": pid, "pid_start": "1"}))
    assert [s for s in sent if s[1] != 0] == []
    assert job.state in ("crashed", "invalid")


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_the_runner_records_its_pid_and_start_time_and_stop_reaches_it(tmp_path):
    proc = subprocess.Popen(
        long_run_cmd(tmp_path), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    exp = tiny(steps=200_000)
    try:
        progress = wait_for(lambda: cache.read_progress(tmp_path, exp.name, exp.key()))
        assert progress and progress["pid"] == proc.pid
        stat = Path(f"/proc/{proc.pid}/stat").read_text()
        assert progress["pid_start"] == stat[stat.rfind(")") + 2 :].split()[19]  # field 22
        job = wait_for(lambda: (j := jobs.status(exp.name, exp.key(), tmp_path)).active and j)
        assert jobs.stop(job) is True
        _, err = proc.communicate(timeout=scaled(60))
    finally:
        end(proc)
    assert jobs.status(exp.name, exp.key(), tmp_path).state == "stopped", err


def test_the_cli_trains_a_config_whose_progress_names_a_recycled_pid(tmp_path, bystander, capsys):
    exp = _progress(tmp_path, pid=bystander.pid, pid_start="1")
    code = main(["run", "mnist-fig1", "--synthetic", "--steps", "10", "--seeds", "0", "--cache-dir", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert cache.find(tmp_path, exp.name, exp.key()) is not None


def test_a_second_process_for_a_config_in_training_is_refused(tmp_path):
    from bnviz.runs import owner

    exp = tiny()
    held = owner.ConfigLock.acquire(cache.lock_path(tmp_path, exp.name, exp.key()))
    try:
        # another process's lock, as the status of any session sees it
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from bnviz.runs import jobs; "
                "print(jobs.status(sys.argv[1], sys.argv[2], sys.argv[3]).state)",
                exp.name,
                exp.key(),
                str(tmp_path),
            ],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
        )
        assert probe.stdout.strip() == "starting", probe.stderr
        with pytest.raises(RunError, match="already training"):
            run_experiment(exp, cache_dir=tmp_path)
    finally:
        held.release()
    assert not cache.progress_path(tmp_path, exp.name, exp.key()).exists()


def test_two_presses_of_run_start_one_process(tmp_path):
    """Two tabs pressing Run within a second: one process, one log; the second press is refused."""
    exp = tiny(steps=200_000)
    request = RunRequest(exp.name, 200_000, (0,), synthetic=True)
    first, second = jobs.start(request, tmp_path), None
    try:
        try:
            second = jobs.start(request, tmp_path)
        except jobs.AlreadyRunning:
            pass
        assert second is None
        assert jobs.status(exp.name, exp.key(), tmp_path).active  # "starting" before any progress file
        job = wait_for(lambda: (j := jobs.status(exp.name, exp.key(), tmp_path)).state == "running" and j, 90)
        assert job and job.progress["pid"] == first.pid  # the child adopted the launcher's lock
        assert jobs.stop(job)
        first.wait(timeout=scaled(60))
    finally:
        for p in (first, second):
            if p is not None:
                end(p)
    assert jobs.status(exp.name, exp.key(), tmp_path).state == "stopped"
    assert jobs.dismiss(exp.name, exp.key(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # progress, log and lock all gone


# ------------------------------------------------------------------ 2. one bad file is that file's problem
BAD_RESULTS = {
    "created is a number": (lambda r: r.update(created=5), "created must be text"),
    "runs is a number": (lambda r: r.update(runs=5), "runs must be a list"),
    "experiment is a list": (lambda r: r.update(experiment=["x"]), "experiment must be text"),
    "wall_time is text": (lambda r: r.update(wall_time="fast"), "wall_time must be a number"),
    "unknown model": (lambda r: r["runs"][0]["config"].update(model="resnet"), "runs[0].config is not a usable"),
    "run without records": (lambda r: r["runs"][0].pop("records"), "runs[0] has no records"),
    "record without a step": (lambda r: r["runs"][0]["records"][0].pop("step"), "records[0] needs step"),
    "seed is text": (lambda r: r["runs"][1].update(seed="0"), "runs[1].seed must be a whole number"),
    "accuracy is text": (lambda r: r["runs"][0]["records"][-1].update({"test/acc": "high"}), "test/acc"),
    "data label is a number": (lambda r: r["data"].update(label=3), "data.label must be text"),
    "schema is true": (lambda r: r.update(schema=True), "schema True"),
}


@pytest.mark.parametrize("case", BAD_RESULTS)
def test_a_result_with_one_bad_field_is_ignored_and_named_while_the_rest_works(good, tmp_path, case, capsys):
    exp, text = good
    (tmp_path / cache.result_path(tmp_path, exp.name, exp.key()).name).write_text(text)
    bad = json.loads(text)
    mutate, what = BAD_RESULTS[case]
    mutate(bad)
    bad_path = tmp_path / "mnist-fig1-0000000000000bad.json"
    bad_path.write_text(json.dumps(bad))
    with pytest.raises(cache.CacheError, match=re.escape(what)) as e:
        cache.load_result(bad_path)
    assert str(bad_path) in str(e.value)
    found = cache.scan(tmp_path)
    assert [p.name for p, _ in found.results["mnist-fig1"]] == [cache.result_path(tmp_path, exp.name, exp.key()).name]
    assert len(found.problems) == 1 and bad_path.name in found.problems[0] and what in found.problems[0]
    assert main(["list", "--cache-dir", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert f"ignored: {bad_path}: " in err and "Traceback" not in err
    assert main(["summary", "mnist-fig1", "--cache-dir", str(tmp_path)]) == 0


@pytest.mark.parametrize("pid", ["123", 1.5, None, [1]])
def test_a_progress_file_with_a_bad_pid_is_invalid_not_a_crash(tmp_path, pid, capsys):
    exp = _progress(tmp_path, pid=pid)
    with pytest.raises(cache.CacheError, match="pid must be a whole number"):
        cache.read_progress(tmp_path, exp.name, exp.key())
    job = jobs.status(exp.name, exp.key(), tmp_path)
    assert job.state == "invalid" and not job.active and "pid" in job.message
    assert [k for k, _ in jobs.unfinished(exp.name, tmp_path)] == [exp.key()]
    assert main(["list", "--cache-dir", str(tmp_path)]) == 0
    assert "ignored:" in capsys.readouterr().err
    assert jobs.dismiss(exp.name, exp.key(), tmp_path)
    assert not cache.progress_path(tmp_path, exp.name, exp.key()).exists()


@pytest.mark.parametrize("change", [{"step": "5"}, {"steps": None}, {"config": {"model": "resnet"}}, {"records": [{}]}])
def test_the_runs_of_a_progress_file_are_checked_too(tmp_path, change):
    run = {
        "arm": "BN",
        "seed": 0,
        "config": tiny().arms[1].config.to_dict(),
        "status": "running",
        "step": 5,
        "steps": 10,
        "records": [{"step": 5}],
    }
    exp = _progress(tmp_path, pid=1, pid_start="1", runs=[run | change])
    assert jobs.status(exp.name, exp.key(), tmp_path).state == "invalid"  # fraction() or the chart would crash
    _progress(tmp_path, pid=1, pid_start="1", runs=[run])
    assert jobs.status(exp.name, exp.key(), tmp_path).state == "crashed"  # pid 1 is no run of ours


# ------------------------------------------------------------------ 5. workers, full disk
@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_killing_the_runner_ends_its_workers(tmp_path):
    proc = subprocess.Popen(
        long_run_cmd(tmp_path, workers=2), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    exp = tiny(steps=200_000)
    try:
        trained = wait_for(
            lambda: (
                (p := cache.read_progress(tmp_path, exp.name, exp.key()))
                and p["status"] == "running"
                and any(r["step"] > 0 for r in p["runs"])
            )
        )
        kids = workers_of(proc.pid)  # two runs (no BN, BN), two workers
    finally:
        proc.kill()  # SIGKILL: no handler runs, nothing can tell the workers
        proc.wait()
    try:
        assert trained and len(kids) == 2, "the workers never trained"
        gone = wait_for(lambda: not any(is_worker(k) for k in kids), 15)
        assert gone, "the workers outlived their runner"
    finally:
        for k in kids:  # our own grandchildren, if they outlived it
            if is_worker(k):
                os.kill(k, signal.SIGKILL)


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_the_command_line_forks_its_workers_with_torch_already_imported(tmp_path):
    """A one-thread command line forks its workers (no second import of torch, 2-4 s each on two cores); a
    process with other threads (this test runner, a server) spawns them, which is safe there."""
    proc = subprocess.Popen(
        long_run_cmd(tmp_path, workers=2), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_for(lambda: len(workers_of(proc.pid)) == 2), "no two workers"
        assert all("spawn_main" not in cmdline(k) for k in workers_of(proc.pid))
    finally:
        end(proc)
    threading.Thread(target=time.sleep, args=(0.5,)).start()
    assert schedule.start_method() == "spawn"


@pytest.mark.skipif(not LINUX, reason="flock")
def test_a_forked_worker_does_not_keep_the_runners_lock(tmp_path):
    path = tmp_path / ".lock"
    lock = owner.ConfigLock.acquire(path)
    r, w = os.pipe()
    started_r, started_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: as a worker, it lives on after the runner lets go
        os.write(started_w, b"x")  # its fork handlers have run
        os.read(r, 1)
        os._exit(0)
    try:
        os.read(started_r, 1)
        lock.release(unlink=False)
        assert not owner.is_held(path), "the lock outlived its holder in a forked child"
    finally:
        os.write(w, b"x")
        os.waitpid(pid, 0)
        for fd in (r, w, started_r, started_w):
            os.close(fd)


@pytest.mark.parametrize("progress_writable", [True, False])
def test_a_full_disk_at_the_final_write_keeps_the_trained_runs(tmp_path, monkeypatch, progress_writable):
    exp = tiny()
    folder, elsewhere = tmp_path / "cache", tmp_path / "tmp"
    elsewhere.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(elsewhere))
    real_write = cache.write_json_atomic
    full = [False]

    def write(path, payload):
        full[0] = full[0] or payload.get("status") == "complete"  # the disk fills up just as training ends
        if full[0] and Path(path).parent == folder and (payload.get("status") == "complete" or not progress_writable):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_write(path, payload)

    monkeypatch.setattr(cache, "write_json_atomic", write)
    with pytest.raises(RunError, match="No space left on device") as e:
        run_experiment(exp, cache_dir=folder, workers=2)
    kept = elsewhere / cache.result_path(folder, exp.name, exp.key()).name
    assert str(kept) in str(e.value)
    result = cache.load_result(kept)  # complete and valid: move it into the cache and it is a result
    assert [r["records"][-1]["step"] for r in result["runs"]] == [10, 10]
    assert not cache.result_path(folder, exp.name, exp.key()).exists()
    job = jobs.status(exp.name, exp.key(), folder)
    if progress_writable:
        assert job.state == "failed" and "No space left" in job.message and str(kept) in job.message
        assert job.progress["result_fallback"] == str(kept)
    else:  # nothing can say so in the cache folder; this process (the run's) lives on, so it is not "crashed" yet
        assert job.state == "running" and job.progress["pid"] == os.getpid()


# ------------------------------------------------------------------ smaller
@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_ctrl_c_while_the_workers_start_prints_no_traceback(tmp_path):
    proc = subprocess.Popen(
        long_run_cmd(tmp_path, workers=2),
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: len(workers_of(proc.pid)) == 2, 60, every=0.02), "no workers started"
        time.sleep(0.5)  # the workers are importing torch: before the fix, each printed a KeyboardInterrupt traceback
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
        _, err = proc.communicate(timeout=scaled(60))
    finally:
        end(proc)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "stopped" in err


def test_a_stop_while_the_data_loads_is_a_stop_not_a_crash(tmp_path):
    script = (
        "import os, signal, sys\n"
        "from bnviz import data, experiments\n"
        "from bnviz.runs import runner\n"
        "load = data.load\n"
        "def slow(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)  # Stop pressed while the data loads\n"
        "    return load(*a, **k)\n"
        "data.load = slow\n"
        "exp = experiments.get('mnist-fig1').with_overrides(steps=10, seeds=[0], dataset='synthetic-mnist')\n"
        "try:\n"
        "    runner.run_experiment(exp, cache_dir=sys.argv[1])\n"
        "except runner.RunError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=scaled(120),
    )
    exp = tiny()
    job = jobs.status(exp.name, exp.key(), tmp_path)
    assert job.state == "stopped", (out.returncode, out.stderr)
    assert "stopped" in out.stdout


@pytest.mark.parametrize("seeds,message", [(["0", "0"], "each seed once"), ([str(10**20)], "seeds are 0 to")])
def test_bad_seeds_are_refused_before_anything_trains(tmp_path, capsys, seeds, message):
    code = main(["run", "mnist-fig1", "--synthetic", "--steps", "10", "--seeds", *seeds, "--cache-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        runner.check_experiment(tiny(seeds=[int(s) for s in seeds]))


def test_more_steps_than_memory_allows_are_refused_with_a_reason(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "mnist-fig1", "--steps", "100000000000"])
    assert "at most 10,000,000 steps" in capsys.readouterr().err
    with pytest.raises(ValueError, match="at most"):
        runner.check_experiment(tiny(steps=10**11))


def test_a_cache_folder_that_is_a_file_is_named_as_the_cache_folder(tmp_path, capsys):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("")
    code = main(["run", "mnist-fig1", "--synthetic", "--steps", "10", "--seeds", "0", "--cache-dir", str(not_a_folder)])
    err = capsys.readouterr().err
    assert code == 1 and f"the cache folder {not_a_folder} is a file" in err
    with pytest.raises(cache.CacheError, match="is a file"):
        jobs.start(RunRequest("mnist-fig1"), not_a_folder)
    assert main(["list", "--cache-dir", str(not_a_folder)]) == 0
    assert "is a file" in capsys.readouterr().err


def test_run_it_again_asks_again_for_the_recorded_request_not_the_recorded_command(tmp_path):
    exp = tiny(steps=20)
    request = RunRequest("mnist-fig1", 20, (0,), synthetic=True)
    progress = {
        "experiment": exp.name,
        "key": exp.key(),
        "status": "stopped",
        "pid": 1,
        "command": "python -m bnviz run mnist-fig1 --steps 20 --seeds 0 --synthetic --cache-dir /elsewhere --force",
        "request": request.to_dict(),
        "runs": [],
    }
    assert jobs.rerun_request(progress, exp.key()) == request
    assert request.argv() == ["run", "mnist-fig1", "--steps", "20", "--seeds", "0", "--synthetic"]
    assert jobs.rerun_request(progress, "0123456789abcdef") is None  # not what the request asks for (any more)
    assert jobs.rerun_request({**progress, "request": None}, exp.key()) is None  # written before requests
    assert jobs.rerun_request({**progress, "request": {**request.to_dict(), "name": "no-such"}}, exp.key()) is None


def test_results_and_progress_record_the_request_and_the_command(good, tmp_path):
    exp, text = good
    assert json.loads(text)["request"] == {
        "name": "mnist-fig1",
        "steps": 10,
        "seeds": [0],
        "synthetic": True,
        "data_dir": None,
    }
    assert json.loads(text)["command"] == "python -m bnviz run mnist-fig1 --steps 10 --seeds 0 --synthetic"
    payload = runner._Progress(tmp_path / "p.json", {"request": {"name": "x"}}).payload("running", "", [])
    assert payload["request"] == {"name": "x"}


def test_the_result_payload_keeps_every_field_of_schema_1(good):
    exp, text = good
    before = {
        "schema",
        "experiment",
        "key",
        "status",
        "title",
        "spec",
        "runs",
        "data",
        "command",
        "code_version",
        "created",
        "wall_time",
        "machine",
    }  # the fields of results written before this change
    assert before <= set(json.loads(text))
    state = json.loads(text)["runs"]
    built = payload.result_payload(
        exp,
        exp.key(),
        state,
        provenance={"label": "x", "source": "synthetic", "sha256": "0"},
        command="c",
        request=None,
        version={},
        started="2026-01-01T00:00:00+00:00",
        wall_time=1.0,
        workers=1,
    )
    assert before | {"request"} == set(built) and built["runs"] == state and built["status"] == "complete"


def test_bnviz_alone_prints_a_usage_line(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "usage: python -m bnviz {list,run,summary,download,check}" in err and "bnviz bnviz" not in err
    assert "see python -m bnviz --help" in err


def test_the_default_cache_folder_is_beside_the_package_and_launches_run_from_the_project(monkeypatch):
    monkeypatch.delenv(cache.CACHE_DIR_ENV, raising=False)
    assert cache.default_cache_dir() == ROOT / "cache"
    assert jobs.PROJECT_ROOT == ROOT
