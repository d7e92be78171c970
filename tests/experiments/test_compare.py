"""The lr-sweep findings and the words about a result, on hand-made data."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from payloads import AHEAD, payload

from bnviz.experiments import lr_sweep
from bnviz.runs import cache, jobs
from bnviz.views import describe


def texts(verdicts):
    return [v.text for v in verdicts]


# ----------------------------------------------------------------------------- lr-sweep
def sweep(cells: dict) -> pd.DataFrame:
    """cells[(bn, lr, std)] = (final acc or None, steps to 90% or None, outcome)."""
    return pd.DataFrame(
        [
            {
                "norm": "bnviz" if bn else "none",
                "BN": bn,
                "lr": lr,
                "init_std": std,
                "seed": 0,
                "final_test_acc": f,
                "steps_to_90": s,
                "outcome": o,
            }
            for (bn, lr, std), (f, s, o) in cells.items()
        ]
    )


TRAINS, DIVERGED, STALLED = (0.97, 1000, "trains"), (None, None, "diverged"), (0.11, None, "did not learn")


def grid(plain_high, bn_high, plain_stable=None, bn_stable=None):
    cells = {}
    for i, std in enumerate((0.01, 0.1, 1.0)):
        cells[(False, 0.3, std)] = (plain_stable or [STALLED, TRAINS, (0.96, 2000, "trains")])[i]
        cells[(True, 0.3, std)] = (bn_stable or [TRAINS, TRAINS, TRAINS])[i]
        for lr in (3.0, 9.0):
            cells[(False, lr, std)] = plain_high
            cells[(True, lr, std)] = bn_high
    return sweep(cells)


def test_bn_training_where_no_bn_diverges_at_high_rates_says_yes():
    out = lr_sweep.rate_findings(grid(plain_high=DIVERGED, bn_high=TRAINS))
    assert out[0].holds is True and "yes: in 6 of 6 (rate, init) cells" in out[0].text
    assert any(
        t.startswith("At 10x the stable rate (lr 3): BN trains at 3 of 3 init scales, no BN at 0 of 3")
        and "diverged" in t
        for t in texts(out)
    )
    assert any(t.startswith("At 30x the stable rate (lr 9)") for t in texts(out))


def test_bn_failing_like_no_bn_at_high_rates_says_no():
    out = lr_sweep.rate_findings(grid(plain_high=TRAINS, bn_high=DIVERGED))
    assert out[0].holds is False and "? no: in 0 of 6" in out[0].text and "does not in 6)" in out[0].text


def test_init_scale_sensitivity_at_the_stable_rate():
    out = lr_sweep.init_findings(grid(plain_high=DIVERGED, bn_high=TRAINS))
    assert out[0].holds is True
    assert "BN? yes: its final accuracy spans 0.00 points across init scales, no BN's 86.00 points" in out[0].text
    plain = next(t for t in texts(out) if t.startswith("No BN at lr 0.3"))
    assert "init std 0.01 / 0.1 / 1" in plain and "steps to 90% never / 1,000 / 2,000" in plain


def test_bn_more_sensitive_to_init_says_no():
    out = lr_sweep.init_findings(
        grid(plain_high=DIVERGED, bn_high=TRAINS, plain_stable=[TRAINS] * 3, bn_stable=[STALLED, TRAINS, TRAINS])
    )
    assert out[0].holds is False and "? no:" in out[0].text


# ----------------------------------------------------------------------------- provenance and runs
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
                "runs": [],
                "data": {},
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


def test_a_sweep_without_divergence_says_it_cannot_show_the_divergence_claim():
    (v,) = lr_sweep.divergence_findings(grid(plain_high=STALLED, bn_high=TRAINS))
    assert v.text.startswith("No run diverged in this sweep (18 runs, up to lr 9)") and "cannot show" in v.text
    assert "7 runs did not learn" in v.text  # 6 high-rate no-BN cells and the stable-rate small init


def test_a_sweep_with_divergence_names_the_runs():
    (v,) = lr_sweep.divergence_findings(grid(plain_high=DIVERGED, bn_high=TRAINS))
    assert v.text.startswith("6 of 18 runs diverged: no BN at lr 3, std 0.01") and "cannot show" not in v.text


def test_the_heat_map_colours_resolve_the_range_where_trained_runs_differ():
    from bnviz.views import charts

    spec = charts.sweep_heatmap(grid(plain_high=TRAINS, bn_high=TRAINS)).to_dict()
    scale = spec["spec"]["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == [0.85, 0.98] and scale["clamp"] is True


def test_heat_map_cells_are_the_mean_over_seeds_with_their_range():
    from bnviz.views import charts

    a = grid(plain_high=TRAINS, bn_high=TRAINS)
    b = a.assign(seed=1, final_test_acc=[None if f is None else f - 0.02 for f in a["final_test_acc"]])
    c = a.assign(
        seed=2, outcome=["diverged" if lr == 9.0 and not bn else o for lr, bn, o in zip(a["lr"], a["BN"], a["outcome"])]
    )
    c.loc[c["outcome"] == "diverged", "final_test_acc"] = None
    cells = charts.sweep_cells(pd.concat([a, b, c])).set_index(["norm", "lr", "init_std"])
    assert len(cells) == 18 and set(cells["seeds"]) == {3}
    cell = cells.loc[("bnviz", 3.0, 0.1)]
    assert cell["acc"] == pytest.approx((0.97 + 0.95 + 0.97) / 3) and cell["acc_min"] == pytest.approx(0.95)
    assert cells.loc[("none", 9.0, 0.1), "outcome"] == "mixed (2/3 train)"
    assert cells.loc[("none", 9.0, 0.1), "acc_min"] == 0.0  # a diverged seed counts as 0


def test_seed_caption_names_the_seeds_and_the_widest_spread():
    a = grid(plain_high=TRAINS, bn_high=TRAINS)
    b = a.assign(seed=1, final_test_acc=[None if f is None else f - 0.02 for f in a["final_test_acc"]])
    b.loc[(b["lr"] == 3.0) & (b["init_std"] == 1.0) & b["BN"], "final_test_acc"] = 0.90
    text = lr_sweep.seeds_caption(pd.concat([a, b]))
    assert text.startswith("Each cell is the mean of 2 seeds (0, 1)") and "7.0 points (BN, lr 3, std 1)" in text
    assert lr_sweep.seeds_caption(a).startswith("One seed per cell (0)")
