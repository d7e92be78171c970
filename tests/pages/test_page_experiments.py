"""The Experiments page in AppTest: cached results, broken cache files, and runs in every state."""

import json
import shutil
import subprocess
import sys

import experiment_pages
import pandas as pd
import pytest
from experiment_pages import text_of
from streamlit.testing.v1 import AppTest

from bnviz import experiments
from bnviz.experiments import paper_imagenet, resolve
from bnviz.runs import cache, jobs
from bnviz.runs.request import RunRequest
from bnviz.runs.runner import run_experiment


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A small real cache file: mnist-fig1 on synthetic data, 40 steps, 2 seeds (its key is not the default's)."""
    folder = tmp_path_factory.mktemp("recorded")
    exp = experiments.get("mnist-fig1").with_overrides(steps=40, seeds=[0, 1], dataset="synthetic-mnist")
    run_experiment(exp, cache_dir=folder, command="test")
    assert exp.key() != experiments.get("mnist-fig1").key()
    return cache.result_path(folder, exp.name, exp.key())


@pytest.fixture
def sleeper():
    """A live process standing in for a training run's pid (its command line names bnviz, as a run's does)."""
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "bnviz", "run"])
    yield p
    p.kill()
    p.wait()


def open_page(page: str = "pages/experiments.py") -> AppTest:
    return experiment_pages.open_page(page, timeout=60)


def open_tab(at: AppTest, i: int):
    """Tab ``i``, opened as a click opens it (only the open tab is drawn)."""
    at.session_state["experiments_tab"] = at.tabs[i].label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.tabs[i]


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def progress_file(folder, exp, status, pid, step=20, request=None):
    runs = [
        {
            "arm": arm.label,
            "seed": seed,
            "status": "running",
            "step": step,
            "steps": cfg.steps,
            "config": cfg.to_dict(),
            "records": [
                {"step": 0, "status": "running", "test/acc": 0.1},
                {"step": step, "status": "running", "test/acc": 0.5},
            ],
        }
        for arm, seed, cfg in exp.runs()
    ]
    cache.write_json_atomic(
        cache.progress_path(folder, exp.name, exp.key()),
        {
            "schema": 1,
            "experiment": exp.name,
            "key": exp.key(),
            "pid": pid,
            "status": status,
            "message": "",
            "command": "python -m bnviz run mnist-fig1 --steps 40 --synthetic",
            "started": "2026-01-01T00:00:00+00:00",
            "data": {"label": "synthetic MNIST-shaped data", "source": "synthetic", "sha256": "x"},
            "request": request.to_dict() if request else None,
            "runs": runs,
        },
    )


@pytest.mark.slow
def test_a_cached_short_synthetic_run_draws_charts_table_and_its_label(folder, recorded):
    shutil.copy(recorded, folder)
    at = open_page()
    mnist = at.tabs[0]
    assert len(mnist.get("vega_lite_chart")) >= 4  # Figure 1(a), (b), (c), the training loss
    assert "Synthetic data" in text_of(mnist.warning)
    assert any(c.value == "test" for c in mnist.code)  # the command that produced it
    assert "40 steps · seeds 0, 1" in text_of(mnist.caption)
    table = next(d.value for d in mnist.dataframe if "Paper, Fig. 1(a): no numbers printed" in d.value.columns)
    assert table["Steps"].iloc[-1] == "40 (last)"
    assert "BN has the higher test accuracy throughout training (Figure 1(a))" in text_of(mnist.markdown)
    assert len(mnist.download_button) >= 4
    labels = [e.label for e in mnist.expander]  # answer first: where the numbers come from, then the run form, last
    assert (
        labels[-2].startswith("Where these numbers come from: synthetic MNIST")
        and labels[-1] == "Train another configuration"
    )
    assert "Every seed" in labels[:-2]
    assert "Nothing is cached" not in text_of(mnist.info)


def handmade(name, runs, source, label):
    """A finished result written by hand: one record per (step, test accuracy) of each run."""
    return {
        "schema": 1,
        "experiment": name,
        "key": f"hand{len(runs):012d}",
        "status": "complete",
        "command": "by hand",
        "code_version": {"bnviz_sha256": "hand"},
        "wall_time": 1.0,
        "created": "2026-01-01T00:00:00+00:00",
        "data": {"label": label, "source": source, "sha256": "x"},
        "runs": [
            {
                "arm": arm,
                "seed": 0,
                "status": status,
                "steps": 1000,
                "config": config,
                "records": [{"step": s, "status": "running", "test/acc": a, "train/loss": 1.0} for s, a in records],
            }
            for arm, config, status, records in runs
        ],
    }


def test_cifar_and_sweep_results_draw_with_their_data_notes_and_findings(folder):
    cnn = {"dataset": "cifar10", "lr": 0.05, "norm": "none"}
    cifar = handmade(
        "cifar10-cnn",
        [
            ("no BN", cnn, "done", [(0, 0.1), (1000, 0.70)]),
            ("BN", cnn | {"norm": "bnviz"}, "done", [(0, 0.1), (1000, 0.78)]),
        ],
        "non-official",
        "CIFAR-10, files differ from the official release",
    )
    runs = []
    for bn in (False, True):
        for std in (0.01, 0.1, 1.0):
            for lr in (0.3, 3.0):
                fails = not bn and (lr == 3.0 or std == 0.01)
                runs.append(
                    (
                        f"{'BN' if bn else 'no BN'}, lr {lr:g}, std {std:g}",
                        {"dataset": "mnist", "norm": "bnviz" if bn else "none", "lr": lr, "init_std": std},
                        "diverged" if fails and lr == 3.0 else "done",
                        [(0, 0.1), (500, 0.1 if fails else 0.93), (1000, 0.1 if fails else 0.97)],
                    )
                )
    sweep = handmade("lr-sweep", runs, "synthetic", "synthetic MNIST-shaped data")
    for payload in (cifar, sweep):
        cache.write_json_atomic(cache.result_path(folder, payload["experiment"], payload["key"]), payload)
    at = open_page()
    cifar_tab = open_tab(at, 1)
    assert "JPEG re-encoded" in text_of(cifar_tab.caption)
    badge = text_of(cifar_tab.info)
    assert "files differ from the official release" in badge and badge.count("differ from the official") == 1
    assert [m.value for m in cifar_tab.metric] == ["70.00%", "78.00%"]
    assert len(cifar_tab.get("vega_lite_chart")) == 2
    sweep_tab = open_tab(at, 2)
    assert not at.tabs[1].get("vega_lite_chart")  # one tab is drawn at a time: the one open
    findings = text_of(sweep_tab.markdown)
    assert (
        "BN permits higher learning rates (Section 3.3): where the network without BN fails, BN trains: our runs support this (3 cells"
        in findings
    )
    assert "BN makes training insensitive to the scale of the weights (Section 3.3): our runs support this" in findings
    assert len(sweep_tab.get("vega_lite_chart")) == 1 and "Synthetic data" in text_of(sweep_tab.warning)


@pytest.mark.slow
def test_a_corrupt_cache_file_is_a_warning_not_a_crash(folder, recorded):
    shutil.copy(recorded, folder)
    (folder / "mnist-fig1-0123456789abcdef.json").write_text('{"schema": 1, "experiment": ')
    at = open_page()
    assert "mnist-fig1-0123456789abcdef.json: not readable JSON" in text_of(at.warning)
    assert len(at.tabs[0].get("vega_lite_chart")) >= 4  # the good file still draws


def test_an_empty_cache_offers_the_run_controls_with_synthetic_data_only(folder):
    at = open_page()
    for i, name in enumerate(("mnist-fig1", "cifar10-cnn", "lr-sweep")):
        tab = open_tab(at, i)
        assert "Nothing is cached" in text_of(tab.info) and f"python -m bnviz run {name}" in text_of(tab.info)
        assert [b.label for b in tab.button] == ["Run"]
        assert tab.radio[0].options == ["synthetic (offline demo)"]  # no real data in the data folder
        assert "data folder" in text_of(tab.info).lower()
        assert not tab.get("vega_lite_chart")


def test_a_progress_file_with_a_dead_pid_shows_crashed_not_complete(folder):
    exp = resolve("mnist-fig1", 40, [0], synthetic=True)
    progress_file(folder, exp, "running", dead_pid(), request=RunRequest("mnist-fig1", 40, (0,), synthetic=True))
    at = open_page()
    mnist = at.tabs[0]
    assert "crashed" in text_of(mnist.error) and f"mnist-fig1-{exp.key()}.log" in text_of(mnist.error)
    assert not mnist.progress and not mnist.get("vega_lite_chart")
    assert "Nothing is cached" in text_of(mnist.info)
    assert "Run it again" in [b.label for b in mnist.button]


def test_a_stopped_run_is_never_shown_as_complete(folder):
    exp = resolve("mnist-fig1", 40, [0], synthetic=True)
    progress_file(folder, exp, "stopped", dead_pid())
    at = open_page()
    mnist = at.tabs[0]
    assert "was stopped at 50%" in text_of(mnist.warning) and "not a result" in text_of(mnist.warning)
    assert not mnist.get("vega_lite_chart") and not mnist.progress and not mnist.selectbox
    assert "Nothing is cached" in text_of(mnist.info)


@pytest.mark.slow
def test_dismiss_forgets_an_ended_run_and_nothing_else(folder, recorded):
    shutil.copy(recorded, folder)
    exp = resolve("mnist-fig1", 40, [0], synthetic=True)
    progress_file(folder, exp, "stopped", dead_pid())
    jobs.log_path(folder, exp.name, exp.key()).write_text("log")
    at = open_page()
    assert "was stopped" in text_of(at.tabs[0].warning)
    next(b for b in at.tabs[0].button if b.label == "Dismiss").click()
    at.run()
    assert not at.exception and "was stopped" not in text_of(at.tabs[0].warning)
    assert not cache.progress_path(folder, exp.name, exp.key()).exists()
    assert not jobs.log_path(folder, exp.name, exp.key()).exists()
    assert (folder / recorded.name).exists()  # the cached result stays


def test_dismiss_refuses_a_run_in_flight(folder, sleeper):
    exp = resolve("mnist-fig1", 40, [0], synthetic=True)
    progress_file(folder, exp, "running", sleeper.pid)
    assert jobs.dismiss(exp.name, exp.key(), folder) is False
    assert cache.progress_path(folder, exp.name, exp.key()).exists()


def test_a_running_job_shows_progress_and_a_second_start_is_refused(folder, sleeper, monkeypatch):
    started = []
    monkeypatch.setattr(jobs, "start", lambda *a, **k: started.append(a))
    exp = resolve("mnist-fig1", 40, [0], synthetic=True)
    progress_file(folder, exp, "running", sleeper.pid)
    at = open_page()
    mnist = at.tabs[0]
    assert mnist.progress and mnist.progress[0].value == 50  # percent
    assert "no BN seed 0: 20 of 40 steps" in text_of(mnist.caption)
    assert "Stop this run" in [b.label for b in mnist.button]
    mnist.number_input[0].set_value(40)
    mnist.number_input[1].set_value(1)
    next(b for b in mnist.button if b.label == "Run").click()
    at.run()
    assert "already training" in text_of(at.tabs[0].warning)
    assert started == []


def test_the_run_button_starts_the_cli_in_the_background(folder, sleeper, monkeypatch):
    started = []
    monkeypatch.setattr(jobs, "start", lambda request, cache_dir=None: started.append(request) or sleeper)
    at = open_page()
    mnist = at.tabs[0]
    mnist.number_input[0].set_value(40)
    mnist.number_input[1].set_value(2)
    next(b for b in mnist.button if b.label == "Run").click()
    at.run()
    assert not at.exception
    assert started == [RunRequest("mnist-fig1", 40, (0, 1), synthetic=True)]
    assert started[0].argv() == ["run", "mnist-fig1", "--steps", "40", "--seeds", "0", "1", "--synthetic"]
    assert started[0].experiment().key() == resolve("mnist-fig1", 40, [0, 1], synthetic=True).key()
    assert at.tabs[0].progress and "Starting the training process" in at.tabs[0].progress[0].proto.text


def test_text_from_cache_and_progress_files_is_shown_literally_never_as_markdown(folder):
    exp = resolve("mnist-fig1", 40, [0], synthetic=True)
    progress_file(folder, exp, "failed", dead_pid())
    path = cache.progress_path(folder, exp.name, exp.key())
    payload = json.loads(path.read_text())
    payload["message"] = "bad ![x](http://127.0.0.1:9/t.png) **bold**"
    path.write_text(json.dumps(payload))
    at = open_page()
    shown = text_of(at.tabs[0].error, raw=True)
    assert "\\!\\[x\\]\\(http" in shown and "\\*\\*bold\\*\\*" in shown  # every Markdown character escaped
    assert "![x](http" not in shown


@pytest.mark.slow
def test_every_chart_offers_png_and_svg_for_a_slide(folder, recorded):
    shutil.copy(recorded, folder)
    at = open_page()
    labels = [b.proto.label for b in at.tabs[0].get("download_button")]
    charts = len(at.tabs[0].get("vega_lite_chart"))
    assert labels.count("PNG") == labels.count("SVG") == charts >= 4


def test_the_papers_imagenet_results_are_their_own_quoted_tab_with_numeric_tables(folder):
    at = open_page()
    ours = [open_tab(at, i) for i in range(len(at.tabs) - 1)]
    quoted = open_tab(at, len(at.tabs) - 1)
    assert quoted.label == paper_imagenet.TAB == "The paper's ImageNet results (quoted, not reproduced)"
    assert "Quoted from Ioffe & Szegedy (2015), not reproduced here" in text_of(quoted.info)
    single, ensemble = (d.value for d in quoted.dataframe)
    assert single["model"].tolist() == ["Inception", "BN-Baseline", "BN-x5", "BN-x30", "BN-x5-Sigmoid"]
    assert single["steps to 72.2% (millions)"].tolist()[:4] == [31.0, 13.3, 2.1, 2.7]
    assert single["max accuracy (top-1, %)"].tolist() == [72.2, 72.7, 73.0, 74.8, 69.8]
    assert ensemble.set_index("model").loc["BN-Inception ensemble", "top-5 error (%)"] == 4.9
    for df in (single, ensemble):
        numbers = df.drop(columns=[c for c in ("model", "what it is") if c in df])
        assert all(pd.api.types.is_numeric_dtype(numbers[c]) for c in numbers)
    assert [b.proto.label for b in quoted.get("download_button")] == ["Download the table (CSV)"] * 2
    assert not quoted.button and not quoted.get("vega_lite_chart")  # nothing to run, nothing measured
    assert all("not reproduced" not in text_of(tab.info) for tab in ours)  # the experiments' tabs are ours
    assert "Source: Ioffe & Szegedy (2015), arXiv:1502.03167v3" in text_of(quoted.caption)


def test_the_run_form_records_the_data_folder_as_the_user_typed_it(folder, sleeper, monkeypatch, tmp_path):
    """#22 item 8: the form builds a RunRequest; its command line names the data folder as typed in the
    sidebar (here relative to the app's working folder), never this machine's absolute path of it."""
    import datagen

    datagen.write_mnist(tmp_path / "my data")
    monkeypatch.chdir(tmp_path)
    started = []
    monkeypatch.setattr(jobs, "start", lambda request, cache_dir=None: started.append(request) or sleeper)
    at = open_page()
    at.sidebar.text_input[0].set_value("my data").run()
    mnist = at.tabs[0]
    mnist.number_input[0].set_value(40)
    mnist.number_input[1].set_value(1)
    mnist.radio[0].set_value("real")
    next(b for b in mnist.button if b.label == "Run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert started == [RunRequest("mnist-fig1", 40, (0,), synthetic=False, data_dir="my data")]
    assert started[0].command() == "python -m bnviz run mnist-fig1 --steps 40 --seeds 0 --data-dir 'my data'"
