"""The words about a result (its line, its unfinished runs), on hand-made data."""

import json
import subprocess
import sys

from payloads import AHEAD, payload

from bnviz.runs import cache, jobs
from bnviz.views import describe


def texts(verdicts):
    return [v.text for v in verdicts]


def test_describe_marks_the_default_config_and_says_what_differs():
    from bnviz import experiments

    exp = experiments.get("mnist-fig1")
    p = payload(AHEAD) | {
        "key": exp.key(),
        "command": "python -m bnviz run mnist-fig1",
        "wall_time": 281.4,
        "created": "2026-11-23T20:56:54+00:00",
        "code_version": {"bnviz_sha256": "abc", "git": "9df202a"},
        "machine": {"cores": 2},
    }
    d = describe.describe("/nowhere.json", p, exp)
    assert d["default"] and "default config" in d["choice"]
    assert (
        d["line"]
        == "50,000 steps · seeds 0, 1 · wall time 4 min 41 s on 2 cores · code abc, git 9df202a · created 2026-11-23 20:56 UTC"
    )
    one_worker = describe.describe("/nowhere.json", p | {"machine": {"cores": 2, "workers": 1}}, exp)
    assert "wall time 4 min 41 s on 2 cores, 1 worker · code" in one_worker["line"]
    both = describe.describe("/nowhere.json", p | {"machine": {"cores": 2, "workers": 2}}, exp)
    assert "on 2 cores · code" in both["line"]
    stacked = [{**r, "trained_with": 2} for r in p["runs"]]
    assert (
        "on 2 cores, up to 2 seeds trained as one model · code"
        in describe.describe("/x", p | {"runs": stacked})["line"]
    )
    other = describe.describe("/nowhere.json", p | {"key": "other"}, exp)
    assert (
        not other["default"]
        and "not the default configuration (50,000 steps, seeds 0, 1, 2, mnist data)" in other["line"]
    )


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def write_progress(folder, name, key, status, pid, step=20, steps=40):
    runs = [
        {"arm": a, "seed": 0, "status": "running", "step": step, "steps": steps, "records": []} for a in ("no BN", "BN")
    ]
    cache.write_json_atomic(
        cache.progress_path(folder, name, key),
        {
            "schema": 1,
            "experiment": name,
            "key": key,
            "pid": pid,
            "status": status,
            "message": "",
            "command": f"python -m bnviz run {name} --steps {steps}",
            "runs": runs,
        },
    )


def test_unfinished_runs_tell_crashed_stopped_and_finished_apart(tmp_path):
    write_progress(tmp_path, "mnist-fig1", "aaaa", "running", dead_pid())
    write_progress(tmp_path, "mnist-fig1", "bbbb", "stopped", dead_pid())
    write_progress(tmp_path, "mnist-fig1", "cccc", "running", dead_pid())
    (tmp_path / "mnist-fig1-cccc.json").write_text(
        json.dumps(
            {  # a finished result wins over a stale progress file
                "schema": 1,
                "experiment": "mnist-fig1",
                "key": "cccc",
                "status": "complete",
                "runs": [
                    {
                        "arm": "BN",
                        "seed": 0,
                        "config": {"dataset": "synthetic-mnist"},
                        "status": "done",
                        "steps": 40,
                        "records": [{"step": 40}],
                    }
                ],
                "data": {"label": "synthetic", "source": "synthetic", "sha256": "x"},
                "command": "",
                "code_version": {},
                "wall_time": 1.0,
            }
        )
    )
    write_progress(tmp_path, "lr-sweep", "dddd", "stopped", dead_pid())
    found = dict(jobs.unfinished("mnist-fig1", tmp_path))
    assert set(found) == {"aaaa", "bbbb"}
    assert found["aaaa"].state == "crashed" and "mnist-fig1-aaaa.log" in found["aaaa"].message
    assert found["bbbb"].state == "stopped" and not found["bbbb"].active
    assert describe.job_label(found["bbbb"].progress) == "40 steps, seeds 0"
