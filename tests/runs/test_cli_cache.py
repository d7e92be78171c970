"""The CLI, the runner and the cache: end to end on synthetic data, and every bad input."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import datagen
import pytest
from harness import scaled

from bnviz import experiments
from bnviz.cli import main
from bnviz.experiments import spec, summary
from bnviz.runs import cache, jobs
from bnviz.runs.runner import run_experiment

pytestmark = pytest.mark.slow  # subprocesses: the CLI and its workers

ROOT = Path(__file__).resolve().parents[2]


def tiny(name="mnist-fig1", steps=30, seeds=(0,)):
    exp = experiments.get(name)
    return exp.with_overrides(steps=steps, seeds=list(seeds), dataset="synthetic-" + exp.arms[0].config.dataset)


def cli(*args, cwd=ROOT, env=None):
    """Run the real command line in a subprocess: what a user sees, stdout and stderr."""
    e = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bnviz", *args], cwd=cwd, capture_output=True, text=True, env=e, timeout=scaled(300)
    )


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One real two-seed run through the parallel runner, shared by the tests that only read it."""
    folder = tmp_path_factory.mktemp("cache")
    exp = tiny(seeds=(0, 1))
    return exp, folder, run_experiment(exp, cache_dir=folder, command="test", workers=2)


def test_run_writes_a_complete_result_atomically(finished):
    exp, tmp_path, result = finished
    path = cache.result_path(tmp_path, exp.name, exp.key())
    assert path.exists() and not cache.progress_path(tmp_path, exp.name, exp.key()).exists()
    on_disk = cache.load_result(path)
    assert on_disk["status"] == "complete" and on_disk["schema"] == cache.SCHEMA
    assert {(r["arm"], r["seed"]) for r in on_disk["runs"]} == {("no BN", 0), ("no BN", 1), ("BN", 0), ("BN", 1)}
    assert all(r["status"] == "done" and r["records"][-1]["step"] == 30 for r in on_disk["runs"])
    assert on_disk["data"]["source"] == "synthetic"
    assert on_disk["code_version"]["bnviz_sha256"] and on_disk["command"] == "test"
    assert on_disk["spec"]["arms"][0]["config"]["steps"] == 30
    assert result["key"] == exp.key()
    assert list(tmp_path.glob("*.tmp")) == [] and oct(path.stat().st_mode & 0o777) == "0o644"


def test_parallel_and_sequential_runs_give_the_same_records(tmp_path):
    exp = tiny(steps=20)
    a = run_experiment(exp, cache_dir=tmp_path / "a", workers=2)
    b = run_experiment(exp, cache_dir=tmp_path / "b", workers=1)
    strip = lambda res: [
        [{k: v for k, v in r.items() if not k.startswith("time/")} for r in run["records"]] for run in res["runs"]
    ]
    assert strip(a) == strip(b)


def test_summary_reports_final_accuracy_per_seed_and_provenance(finished):
    result = finished[2]
    s = summary(result)
    assert set(s["arms"]) == {"no BN", "BN"}
    for arm in s["arms"].values():
        assert arm["seeds"] == [0, 1] and len(arm["final_test_acc"]) == 2 and arm["steps"] == 30
        assert arm["mean_final_test_acc"] == pytest.approx(sum(arm["final_test_acc"]) / 2, abs=1e-6)
    bn_run = next(r for r in result["runs"] if r["arm"] == "BN" and r["seed"] == 1)
    assert s["arms"]["BN"]["final_test_acc"][1] == pytest.approx(bn_run["records"][-1]["test/acc"], abs=1e-6)
    assert s["data"]["source"] == "synthetic" and len(s["data"]["sha256"]) == 64
    assert list(s["arms"]["BN"]["mean_test_acc_at_step"]) == []  # a 30-step run reaches no checkpoint


def test_summary_means_accuracy_over_seeds_at_checkpoints():
    rec = lambda step, acc: {"step": step, "test/acc": acc}
    runs = [
        {"arm": "BN", "seed": s, "steps": 2000, "status": "done", "records": [rec(1000, a), rec(2000, a + 0.1)]}
        for s, a in ((0, 0.5), (1, 0.7))
    ]
    runs.append({"arm": "BN", "seed": 2, "steps": 2000, "status": "diverged", "records": [rec(1000, 0.0)]})
    result = {
        "experiment": "x",
        "key": "k",
        "data": {},
        "wall_time": 1.0,
        "command": "c",
        "code_version": {},
        "runs": runs,
    }
    assert summary(result)["arms"]["BN"]["mean_test_acc_at_step"] == {"1000": 0.6, "2000": 0.7}


def test_cli_run_then_cached_then_summary_and_list(tmp_path):
    first = cli("run", "mnist-fig1", "--synthetic", "--steps", "20", "--seeds", "0", "--cache-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["arms"]["BN"]["steps"] == 20
    again = cli("run", "mnist-fig1", "--synthetic", "--steps", "20", "--seeds", "0", "--cache-dir", str(tmp_path))
    assert again.returncode == 0 and "already cached" in again.stdout
    summ = cli("summary", "mnist-fig1", "--synthetic", "--steps", "20", "--seeds", "0", "--cache-dir", str(tmp_path))
    assert summ.returncode == 0 and json.loads(summ.stdout)["command"].startswith("python -m bnviz run mnist-fig1")
    listing = cli("list", "--cache-dir", str(tmp_path))
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert len(lines) == len(experiments.EXPERIMENTS) and "mnist-fig1" in lines[0] and "+1 other config" in lines[0]


@pytest.mark.parametrize(
    "args,message",
    [
        (["run", "no-such-experiment"], "unknown experiment"),
        (["run", "mnist-fig1", "--steps", "0"], "must be greater than 0"),
        (["run", "mnist-fig1", "--steps", "-5"], "must be greater than 0"),
        (["run", "mnist-fig1", "--steps", "ten"], "expected a whole number"),
        (["run", "mnist-fig1", "--seeds", "x"], "seeds are whole numbers"),
        (["run", "mnist-fig1", "--data-dir", "/nonexistent/folder"], "MNIST file missing"),
        (["summary", "lr-sweep", "--synthetic"], "no finished result"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments_give_one_line_and_nonzero_exit(args, message, tmp_path, capsys):
    code = main(args + (["--cache-dir", str(tmp_path)] if args and args[0] in ("run", "summary") else []))
    err = capsys.readouterr().err
    assert code != 0
    error_lines = [line for line in err.splitlines() if line.startswith("bnviz: error:")]
    assert len(error_lines) == 1 and message in error_lines[0], err
    assert "Traceback" not in err


def test_corrupt_and_partial_cache_files_are_reported_and_ignored(finished, tmp_path):
    exp, folder, _ = finished
    good = tmp_path / cache.result_path(folder, exp.name, exp.key()).name
    good.write_text(cache.result_path(folder, exp.name, exp.key()).read_text())
    (tmp_path / "mnist-fig1-deadbeef00000000.json").write_text(good.read_text()[:500])  # truncated
    partial = json.loads(good.read_text())
    partial["status"] = "running"
    (tmp_path / "mnist-fig1-0000000000000001.json").write_text(json.dumps(partial))
    (tmp_path / "lr-sweep-0000000000000002.json").write_text("[1, 2]")
    found = cache.scan(tmp_path)
    assert [p for p, _ in found.results["mnist-fig1"]] == [good]
    assert len(found.problems) == 3
    assert any("not readable JSON" in p for p in found.problems)
    assert any("not a finished run" in p for p in found.problems)
    assert cache.find(tmp_path, "mnist-fig1", "deadbeef00000000") is None
    listing = cli("list", "--cache-dir", str(tmp_path))
    assert listing.returncode == 0 and listing.stderr.count("ignored:") == 3


def test_stopped_run_leaves_no_result_and_says_stopped(tmp_path):
    """SIGTERM to a CLI run: workers end, the progress file says "stopped", no result is written."""
    e = {**os.environ, "PYTHONPATH": str(ROOT)}
    exp = tiny(steps=200_000)
    proc = subprocess.Popen(
        [
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
            str(tmp_path),
        ],
        cwd=ROOT,
        env=e,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + scaled(60)
    while time.time() < deadline:
        progress = cache.read_progress(tmp_path, exp.name, exp.key())
        if progress and progress["status"] == "running" and any(r["step"] > 0 for r in progress["runs"]):
            break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the run never reported progress")
    assert jobs.status(exp.name, exp.key(), tmp_path).state == "running"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=scaled(60))
    assert proc.returncode == 1 and "stopped" in err and "Traceback" not in err
    assert not cache.result_path(tmp_path, exp.name, exp.key()).exists()
    status = jobs.status(exp.name, exp.key(), tmp_path)
    assert status.state == "stopped" and not status.active


def test_a_dead_process_is_reported_as_crashed_not_running(tmp_path):
    exp = tiny()
    cache.write_json_atomic(
        cache.progress_path(tmp_path, exp.name, exp.key()), {"status": "running", "pid": 999_999_999, "runs": []}
    )
    status = jobs.status(exp.name, exp.key(), tmp_path)
    assert status.state == "crashed" and "log" in status.message


def test_real_data_run_is_labelled_with_its_provenance(tmp_path):
    """A run on files in the real format carries the dataset label and checksum into the result."""
    datagen.write_mnist(tmp_path / "data", n_train=120, n_test=40)
    exp = experiments.get("mnist-fig1").with_overrides(steps=10, seeds=[0], batch_size=20)
    result = run_experiment(exp, data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    assert result["data"]["label"] == "MNIST, files differ from the official release"
    assert result["data"]["source"] == "non-official" and len(result["data"]["sha256"]) == 64


def test_experiment_key_changes_with_any_setting_but_not_compile():
    exp = experiments.get("mnist-fig1")
    assert exp.key() != exp.with_overrides(steps=100).key()
    assert exp.key() != exp.with_overrides(seeds=[0]).key()
    assert exp.key() == exp.with_overrides(compile=True).key()
    assert exp.key() == experiments.get("mnist-fig1").key()


def test_short_runs_train_eager_and_long_runs_compile_the_bn_arm():
    fig1 = experiments.get("mnist-fig1")
    compiles = lambda exp: {a.label: a.config.compile for a in exp.arms}
    assert compiles(fig1) == {"no BN": False, "BN": True}
    assert compiles(fig1.with_overrides(steps=spec.COMPILE_MIN_STEPS - 1)) == {"no BN": False, "BN": False}
    assert compiles(fig1.with_overrides(steps=spec.COMPILE_MIN_STEPS)) == {"no BN": False, "BN": True}
    assert compiles(fig1.with_overrides(steps=100, compile=True)) == {"no BN": True, "BN": True}


def test_named_experiments_match_the_paper_setup():
    fig1 = experiments.get("mnist-fig1")
    assert len(fig1.seeds) >= 3 and fig1.steps == 50_000
    for arm in fig1.arms:
        c = arm.config
        assert (c.model, c.batch_size, c.optimizer, c.momentum, c.binarize, c.eval_every) == (
            "mlp",
            60,
            "sgd",
            0.0,
            True,
            500,
        )
    assert {a.config.norm for a in fig1.arms} == {"none", "bnviz"}
    cifar = experiments.get("cifar10-cnn")
    assert cifar.steps >= 5000 and all(a.config.augment for a in cifar.arms) and len(cifar.seeds) >= 3
    sweep = experiments.get("lr-sweep")
    lrs = sorted({a.config.lr for a in sweep.arms})
    assert lrs[-1] / lrs[0] >= 30 and any(abs(lr / lrs[0] - 10) < 1e-9 for lr in lrs)
    assert 0.01 in {a.config.init_std for a in sweep.arms}


def test_cache_files_never_use_pickle():
    for path in (ROOT / "cache").glob("*.json"):
        payload = cache.load_result(path)  # plain JSON with a schema version
        assert payload["schema"] == cache.SCHEMA


def test_head_to_head_counts_eval_points_where_bn_is_ahead():
    rec = lambda step, acc: {"step": step, "test/acc": acc}
    runs = [
        {
            "arm": "no BN",
            "seed": 0,
            "steps": 20000,
            "status": "done",
            "config": {"norm": "none"},
            "records": [rec(0, 0.1), rec(500, 0.5), rec(1000, 0.9), rec(20000, 0.95)],
        },
        {
            "arm": "BN",
            "seed": 0,
            "steps": 20000,
            "status": "done",
            "config": {"norm": "bnviz"},
            "records": [rec(0, 0.1), rec(500, 0.8), rec(1000, 0.9), rec(20000, 0.96)],
        },
    ]
    result = {
        "experiment": "mnist-fig1",
        "key": "k",
        "data": {},
        "wall_time": 1.0,
        "command": "c",
        "code_version": {},
        "runs": runs,
    }
    out = summary(result)
    ahead = next(v for v in out["verdicts"] if v["claim"].startswith("BN has the higher test accuracy throughout"))
    assert ahead["outcome"] == "within_noise"  # one seed per arm: no spread to judge a difference by
    assert "mean ahead at 2 of 3 eval points from step 500 to 20,000; level or behind at step 1,000" in ahead["text"]
    gap = out["bn_minus_no_bn"]
    assert gap["largest_at_step"] == 500 and gap["largest"] == pytest.approx(0.3)
    assert gap["last_step"] == 20000 and gap["last"] == pytest.approx(0.01)


def test_progress_shows_steps_done_time_left_and_the_runs_in_flight():
    import io

    from bnviz.cli import _printer

    out = io.StringIO()  # not a terminal: the bar writes plain lines, as into the app's run log
    show = _printer(200, stream=out)
    state = [
        {"arm": "BN", "seed": 0, "step": 0, "steps": 100, "status": "running"},
        {"arm": "no BN", "seed": 0, "step": 0, "steps": 100, "status": "running"},
    ]
    for step in (50, 100):
        for s in state:
            s["step"] = step
        state[1]["status"] = "done" if step == 100 else "running"
        show(state)
    show.close()
    text = out.getvalue()
    assert "100%" in text and "200/200" in text and "<" in text  # done, of all steps, with the time left
    assert "[BN s0: 100/100]" in text and "no BN" not in text  # the run still in flight, not the finished one


def test_run_all_trains_every_experiment_in_turn_each_with_its_own_command(tmp_path, monkeypatch, capsys):
    from bnviz import cli

    asked = []

    def fake_run(exp, command="", **kw):
        asked.append((exp.name, command, exp.steps))
        return {"experiment": exp.name}

    monkeypatch.setattr(cli, "run_experiment", fake_run)
    monkeypatch.setattr(cli, "_print_summary", lambda result: None)
    argv = ["run", "--all", "--synthetic", "--steps", "20", "--cache-dir", str(tmp_path), "--workers", "1"]
    assert main(argv) == 0
    assert [name for name, _, _ in asked] == list(experiments.EXPERIMENTS)
    for name, command, steps in asked:
        assert steps == 20  # --steps reaches each experiment
        assert command == f"python -m bnviz run {name} --synthetic --steps 20 --cache-dir {tmp_path} --workers 1"
    assert main(["run", "mnist-fig1", "--all"]) == 2 and "not both" in capsys.readouterr().err
    assert main(["run"]) == 2 and "or pass --all" in capsys.readouterr().err


def test_a_listed_scan_is_shared_until_the_folder_changes(finished, tmp_path):
    exp, folder, _ = finished
    source = cache.result_path(folder, exp.name, exp.key())
    (tmp_path / source.name).write_text(source.read_text())
    first = cache.scan_listed(tmp_path)
    assert cache.scan_listed(tmp_path) is first  # read once: the pages and Home's warm-up share it
    assert [p.name for p, _ in first.results[exp.name]] == [source.name]
    (tmp_path / "mnist-fig1-deadbeef00000000.json").write_text("{")  # a new file: the folder is read again
    again = cache.scan_listed(tmp_path)
    assert again is not first and len(again.problems) == 1
