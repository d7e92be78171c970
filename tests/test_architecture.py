"""The layout's promises: experiments found by module, arms known by their config, one code hash by glob."""

import shutil
import sys
import textwrap

import pandas as pd

from bnviz import experiments
from bnviz.runs import version
from bnviz.views import charts, records
from bnviz.views.sections import Section, verdicts_of


def run(arm, norm, seed, accs, steps=(0, 100, 200)):
    recs = [
        {"step": s, "status": "running", "train/loss": 1.0 / (i + 1), "test/acc": a, "test/loss": 0.5}
        for i, (s, a) in enumerate(zip(steps, accs))
    ]
    return {
        "arm": arm,
        "seed": seed,
        "status": "done",
        "steps": steps[-1],
        "records": recs,
        "config": {"norm": norm, "lr": 0.1, "init_std": 0.1, "dataset": "synthetic-mnist"},
    }


def result(name, runs):
    return {
        "experiment": name,
        "key": "k",
        "runs": runs,
        "data": {"label": "synthetic", "source": "synthetic"},
        "wall_time": 1.0,
        "command": "c",
        "code_version": {},
    }


def test_every_registered_experiment_has_a_spec_a_tab_and_an_analysis():
    why = ["noisy-bn", "ics", "landscape", "lr-depth", "depth-sigmoid"]
    practice = ["batch-size", "train-vs-eval", "bn-momentum", "bn-position"]
    assert list(experiments.REGISTRY)[:3] == ["mnist-fig1", "cifar10-cnn", "lr-sweep"]
    assert set(experiments.REGISTRY) == {"mnist-fig1", "cifar10-cnn", "lr-sweep", *practice, *why}
    assert experiments.on_page("experiments") == ["mnist-fig1", "cifar10-cnn", "lr-sweep"]
    assert experiments.on_page("practice") == practice
    assert experiments.on_page("why") == why
    for name, module in experiments.REGISTRY.items():
        assert module.EXPERIMENT.name == name and experiments.get(name) is module.EXPERIMENT
        assert isinstance(module.TAB, str) and callable(module.analyze)
    assert all(experiments.question(name).endswith("?") for name in practice)


def test_a_new_experiment_module_is_found_without_editing_anything_else(tmp_path, monkeypatch):
    (tmp_path / "toy_norms.py").write_text(
        textwrap.dedent("""
        from bnviz.experiments.spec import MNIST, Experiment, arm
        from bnviz.views.sections import Section, Text
        ORDER = 999
        TAB = "Toy"
        EXPERIMENT = Experiment("toy-norms", "Toy", "A toy.", (arm(MNIST, "none"), arm(MNIST, "torch")), (0,))
        def analyze(result):
            return [Section("Toy", (Text("hello"),))]
    """)
    )
    monkeypatch.setattr(experiments, "__path__", [*experiments.__path__, str(tmp_path)])
    try:
        found = experiments._discover()
        assert list(found)[-1] == "toy-norms"
        assert found["toy-norms"].analyze({})[0].title == "Toy"
    finally:
        sys.modules.pop("bnviz.experiments.toy_norms", None)


def test_unknown_experiment_gets_a_generic_view_not_a_crash():
    out = experiments.analyze(result("gone", [run("A", "none", 0, [0.1, 0.5, 0.6])]))
    assert out and all(isinstance(s, Section) for s in out)


def test_arm_colour_follows_the_config_norm_not_the_label():
    curves = records.curves(
        [
            run("GN", "group", 0, [0.1, 0.2, 0.3]),
            run("BN lookalike", "none", 0, [0.1, 0.2, 0.3]),
            run("BN", "bnviz", 0, [0.1, 0.3, 0.4]),
        ]
    )
    scale = charts.arm_scale(records.band(curves, "test_acc")).to_dict()
    colours = dict(zip(scale["domain"], scale["range"]))
    assert colours == {"BN lookalike": "#1f77b4", "BN": "#d62728", "GN": "#9467bd"}
    assert scale["domain"] == ["BN lookalike", "BN", "GN"]  # baseline first, then BN, then the family


def test_mnist_verdicts_key_on_norm_kind_whatever_the_labels():
    runs = [run("plain", "none", 0, [0.1, 0.5, 0.6]), run("normalized", "bnviz", 0, [0.1, 0.7, 0.8])]
    texts = [v.text for v in verdicts_of(experiments.analyze(result("mnist-fig1", runs)))]
    assert any(
        t.startswith("BN's mean test accuracy is above no BN's at every eval point") and "yes (2/2)" in t for t in texts
    )


def test_cifar_result_has_verdicts_and_the_seed_spread():
    runs = [run("no BN", "none", s, [0.1, 0.5, 0.6 + s / 100]) for s in range(3)]
    runs += [run("BN", "bnviz", s, [0.1, 0.6, 0.7 - s / 100]) for s in range(3)]
    sections = experiments.analyze(result("cifar10-cnn", runs))
    assert any(v.holds for v in verdicts_of(sections))
    seed_table = next(b for s in sections for b in s.blocks if getattr(b, "csv_name", "").endswith("per-seed"))
    assert list(seed_table.df["lowest seed"].round(6)) == [0.6, 0.68] and pd.api.types.is_float_dtype(
        seed_table.df["mean"]
    )


def test_code_hash_covers_every_training_file_by_glob_and_nothing_else(tmp_path, monkeypatch):
    pkg = tmp_path / "bnviz"
    for sub in ("norms", "data", "train", "views"):
        shutil.copytree(version.PACKAGE / sub, pkg / sub, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(version, "PACKAGE", pkg)
    before = version.code_hash()
    (pkg / "views" / "new_chart.py").write_text("x = 1\n")
    assert version.code_hash() == before  # a view does not change a number
    (pkg / "norms" / "group_norm.py").write_text("x = 1\n")
    assert version.code_hash() != before  # a new norm does, without being listed anywhere


def test_default_cache_and_project_folders_are_the_repository_s(monkeypatch):
    from bnviz.runs import cache, jobs

    monkeypatch.delenv(cache.CACHE_DIR_ENV, raising=False)
    root = version.PACKAGE.parent
    assert jobs.PROJECT_ROOT == root and (root / "app.py").is_file()
    assert cache.default_cache_dir() == root / "cache"
    assert set(cache.scan(None).results) >= {"mnist-fig1"}  # the shipped results are found


def test_a_shortened_run_gets_a_curve_not_three_points():
    short = experiments.resolve("mnist-fig1", steps=1_000)
    assert {(a.config.eval_every, a.config.probe_every) for a in short.arms} == {(50, 50)}  # 20 points
    assert {a.config.eval_every for a in experiments.get("mnist-fig1").arms} == {500}  # the paper's run as it was
    assert {a.config.eval_every for a in experiments.resolve("mnist-fig1", steps=10).arms} == {1}
