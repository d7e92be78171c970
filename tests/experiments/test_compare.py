"""The Figure 1 table and verdicts, the lr-sweep findings and the words about a result, on hand-made data."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from bnviz.experiments import lr_sweep, mnist_fig1
from bnviz.runs import cache, jobs
from bnviz.views import describe


def payload(acc: dict, steps=(0, 1_000, 5_000, 10_000, 20_000, 50_000), source="official", lr=0.3) -> dict:
    """A cache payload whose test accuracy is ``acc[arm][seed][i]`` at ``steps[i]``."""
    runs = []
    for arm, seeds in acc.items():
        for seed, values in enumerate(seeds):
            records = [
                {"step": s, "status": "running", "train/loss": 0.5, "test/acc": a, "test/loss": 0.4}
                for s, a in zip(steps, values)
            ]
            runs.append(
                {
                    "arm": arm,
                    "seed": seed,
                    "status": "done",
                    "steps": steps[-1],
                    "records": records,
                    "config": {"lr": lr, "norm": "none" if arm == "no BN" else "bnviz", "dataset": "mnist"},
                }
            )
    return {"key": "k", "runs": runs, "data": {"label": "MNIST", "source": source}}


AHEAD = {  # BN ahead at every step; final means: no BN 0.971, BN 0.978
    "no BN": [[0.10, 0.80, 0.90, 0.95, 0.96, 0.970], [0.10, 0.82, 0.92, 0.95, 0.96, 0.972]],
    "BN": [[0.09, 0.90, 0.95, 0.96, 0.972, 0.977], [0.09, 0.92, 0.95, 0.96, 0.974, 0.979]],
}


def texts(verdicts):
    return [v.text for v in verdicts]


def first_with(verdicts, prefix):
    return next(v for v in verdicts if v.text.startswith(prefix))


def test_table_has_mean_and_min_max_over_seeds_at_each_checkpoint():
    t = mnist_fig1.comparison_table(payload(AHEAD))
    assert list(t["Steps"]) == ["1,000", "5,000", "10,000", "20,000", "50,000 (last)"]
    assert t.loc[0, "no BN, ours"] == "81.00% (80.00–82.00)"
    assert t.loc[4, "BN, ours"] == "97.80% (97.70–97.90)"
    assert t.loc[4, "BN − no BN, ours"] == "+0.70 points"


def test_student_numbers_appear_only_at_50k_steps():
    t = mnist_fig1.comparison_table(payload(AHEAD))
    assert list(t["no BN, student"]) == ["—"] * 4 + ["94.92%"]
    assert list(t["BN, student"]) == ["—"] * 4 + ["98.15%"]


def test_paper_column_is_qualitative_without_numbers():
    t = mnist_fig1.comparison_table(payload(AHEAD))
    assert "no numbers printed" in "Paper, Fig. 1(a): no numbers printed"
    assert all(not any(ch.isdigit() for ch in cell) for cell in t["Paper, Fig. 1(a): no numbers printed"])


def test_one_seed_shows_no_range():
    t = mnist_fig1.comparison_table(payload({"no BN": [AHEAD["no BN"][0]], "BN": [AHEAD["BN"][0]]}))
    assert t.loc[4, "no BN, ours"] == "97.00%"


def test_bn_ahead_everywhere_says_yes_with_the_count():
    v = first_with(mnist_fig1.verdicts(payload(AHEAD)), "BN's mean test accuracy is above")
    assert v.holds is True
    assert "from 1,000 to 50,000 steps: yes (5/5)" in v.text  # step 0 (the untrained init) is not counted


def test_bn_behind_at_one_point_says_no_and_names_the_step():
    behind = {
        "no BN": AHEAD["no BN"],
        "BN": [[0.09, 0.90, 0.95, 0.96, 0.95, 0.977], [0.09, 0.92, 0.95, 0.96, 0.95, 0.979]],
    }
    v = first_with(mnist_fig1.verdicts(payload(behind)), "BN's mean test accuracy is above")
    assert v.holds is False
    assert ": no (4/5)" in v.text and "at step 20,000" in v.text


def test_final_accuracy_is_compared_with_the_student_in_points():
    out = texts(mnist_fig1.verdicts(payload(AHEAD)))
    assert "BN mean final accuracy 97.80% vs the student's 98.15%: 0.35 points lower." in out
    plain = next(t for t in out if t.startswith("No BN mean final accuracy"))
    assert "97.10% vs the student's 94.92%: our baseline is stronger by 2.18 points" in plain and "lr 0.3" in plain
    assert "BN's final advantage: ours +0.70 points, the student's +3.23 points." in out


def test_weaker_baseline_and_higher_bn_are_said_as_such():
    acc = {"no BN": [[0.1, 0.8, 0.9, 0.92, 0.93, 0.94]], "BN": [[0.1, 0.9, 0.95, 0.97, 0.98, 0.99]]}
    out = " ".join(texts(mnist_fig1.verdicts(payload(acc))))
    assert "our baseline is weaker by 0.92 points" in out
    assert "99.00% vs the student's 98.15%: 0.85 points higher" in out


def test_bn_faster_to_the_baselines_final_accuracy():
    v = first_with(mnist_fig1.verdicts(payload(AHEAD)), "BN reaches no BN's final accuracy")
    assert v.holds is True and "BN at step 20,000, no BN at step 50,000 (2.5x fewer steps)" in v.text


def test_bn_that_never_reaches_the_baseline_is_not_faster():
    acc = {"no BN": [[0.1, 0.8, 0.9, 0.95, 0.96, 0.97]], "BN": [[0.1, 0.9, 0.95, 0.96, 0.96, 0.965]]}
    v = first_with(mnist_fig1.verdicts(payload(acc)), "BN reaches no BN's final accuracy")
    assert v.holds is False and "never reaches it" in v.text


def test_baseline_below_the_papers_plot_range_is_reported():
    acc = {"no BN": [[0.1, 0.3, 0.5, 0.6, 0.75, 0.8]], "BN": [[0.1, 0.9, 0.95, 0.96, 0.97, 0.98]]}
    v = first_with(mnist_fig1.verdicts(payload(acc)), "Like the paper's plot")
    assert v.holds is False and "(lowest 60.00%)" in v.text


def test_short_synthetic_run_is_flagged_and_not_compared_like_for_like():
    acc = {"no BN": [[0.1, 0.5, 0.7, 0.8, 0.9]], "BN": [[0.1, 0.8, 0.9, 0.95, 0.97]]}
    p = payload(acc, steps=(0, 75, 150, 225, 300), source="synthetic")
    out = mnist_fig1.verdicts(p)
    assert out[0].text.startswith("These runs used synthetic data")
    assert any(
        "Ours stop at 300 steps, the student's at 50,000, so this is not like for like." in t for t in texts(out)
    )
    assert any("cannot be checked" in t for t in texts(out))
    assert list(mnist_fig1.comparison_table(p)["Steps"]) == ["75", "150", "225", "300 (last)"]


def test_missing_arm_gives_a_sentence_not_an_error():
    out = mnist_fig1.verdicts(payload({"BN": AHEAD["BN"]}))
    assert "lacks evaluated runs of both arms" in out[-1].text


@pytest.mark.parametrize(
    "steps, expected",
    [
        (list(range(0, 50_001, 500)), [1_000, 5_000, 10_000, 20_000, 50_000]),
        (list(range(0, 12_001, 500)), [1_000, 5_000, 10_000, 12_000]),
        ([0, 10, 20, 30, 40], [10, 20, 30, 40]),
        (list(range(0, 401, 50)), [50, 150, 250, 300, 400]),
    ],
)
def test_table_steps(steps, expected):
    assert mnist_fig1.table_steps(steps) == expected


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
