"""The layout's promises: experiments found by package, their contract checked when made, arms known by their config, one code hash by glob."""

import shutil
import sys
import textwrap

import pandas as pd
import pytest

from bnviz import experiments
from bnviz.experiments.spec import MNIST, Experiment, arm
from bnviz.runs import version
from bnviz.views import charts, records
from bnviz.views.sections import Details, Metrics, Section, verdicts_of


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


def test_every_registered_experiment_has_a_spec_a_tab_findings_and_sections():
    why = ["noisy-bn", "ics", "landscape", "lr-depth", "depth-sigmoid"]
    practice = ["batch-size", "train-vs-eval", "bn-momentum", "bn-position"]
    assert list(experiments.REGISTRY)[:3] == ["mnist-fig1", "cifar10-cnn", "lr-sweep"]
    replays = ["replay-paper-mlp", "replay-bn-position", "replay-depth-10", "replay-high-lr"]
    assert set(experiments.REGISTRY) == {"mnist-fig1", "cifar10-cnn", "lr-sweep", *practice, *why, *replays}
    assert experiments.on_page("experiments") == ["mnist-fig1", "cifar10-cnn", "lr-sweep"]
    assert experiments.on_page("practice") == practice
    assert experiments.on_page("why") == why
    assert experiments.on_page("activations") == replays
    for name, entry in experiments.REGISTRY.items():
        exp = entry.experiment
        assert exp.name == name and experiments.get(name) is exp and exp.tab and exp.tab != name
    assert all(experiments.get(name).question.endswith("?") for name in practice)
    assert all("arXiv" in experiments.get(name).claim for name in why)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"page": "practise"}, "page must be one of experiments, practice, why, activations"),
        ({"page": "why"}, "states the claim it tests"),
        ({"page": "practice"}, "states its question"),
        ({"seeds": ()}, "at least one arm and one seed"),
    ],
)
def test_a_misspelt_page_or_a_missing_claim_fails_when_the_experiment_is_made(fields, message):
    with pytest.raises(ValueError, match=message):
        Experiment("toy", "Toy", "A toy.", (arm(MNIST, "none"),), **{"seeds": (0,), **fields})


def test_a_why_experiment_with_its_claim_and_a_tab_defaulting_to_its_name():
    exp = Experiment("toy", "Toy", "A toy.", (arm(MNIST, "none"),), (0,), page="why", claim="A claim ([arXiv:1](x)).")
    assert exp.tab == "toy" and exp.with_overrides(steps=10).claim == exp.claim


TOY = {
    "__init__.py": """
        from bnviz.experiments.spec import MNIST, Experiment, arm
        EXPERIMENT = Experiment(
            "toy-norms", "Toy", "A toy.", (arm(MNIST, "none"), arm(MNIST, "torch")), (0,), tab="Toy", order=999
        )
    """,
    "findings.py": """
        from bnviz.views.findings import Findings, common
        from bnviz.views.verdicts import Verdict
        def findings(result):
            return Findings(**common(result), verdicts=(Verdict("Toys train", "supports", "they do"),), meaning="Yes.")
    """,
    "sections.py": """
        from bnviz.views.sections import Section, Text, Verdicts
        def sections(found):
            return [Section("Toy", (Text("hello"), Verdicts(found.verdicts)), answer=found.meaning)]
    """,
}


def test_a_new_experiment_package_is_found_without_editing_anything_else(tmp_path, monkeypatch):
    package = tmp_path / "toy_norms"
    package.mkdir()
    for name, text in TOY.items():
        (package / name).write_text(textwrap.dedent(text))
    monkeypatch.setattr(experiments, "__path__", [*experiments.__path__, str(tmp_path)])
    try:
        found = experiments._discover()
        assert list(found)[-1] == "toy-norms"
        monkeypatch.setattr(experiments, "REGISTRY", found)
        r = result("toy-norms", [run("A", "none", 0, [0.1, 0.5, 0.6]), run("B", "torch", 0, [0.1, 0.6, 0.7])])
        f = experiments.findings(r)
        assert f.meaning == "Yes." and experiments.sections(f)[0].answer == "Yes."
        assert experiments.summary(r)["verdicts"][0]["outcome"] == "supports"
    finally:
        for name in [m for m in sys.modules if m.startswith("bnviz.experiments.toy_norms")]:
            sys.modules.pop(name)


def test_unknown_experiment_gets_a_generic_view_not_a_crash():
    out = experiments.sections(experiments.findings(result("gone", [run("A", "none", 0, [0.1, 0.5, 0.6])])))
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
    runs = [run("plain", "none", s, [0.1, 0.5 + s / 100, 0.6]) for s in range(2)]
    runs += [run("normalized", "bnviz", s, [0.1, 0.7 + s / 100, 0.8]) for s in range(2)]
    found = experiments.findings(result("mnist-fig1", runs))
    ahead = next(v for v in found.verdicts if v.claim.startswith("BN has the higher test accuracy throughout"))
    assert ahead.outcome == "supports" and "mean ahead at 2 of 2 eval points" in ahead.evidence


def test_cifar_result_has_verdicts_cards_with_their_seed_range_and_the_seed_spread():
    runs = [run("no BN", "none", s, [0.1, 0.5, 0.6 + s / 100]) for s in range(3)]
    runs += [run("BN", "bnviz", s, [0.1, 0.6, 0.7 - s / 100]) for s in range(3)]
    sections = experiments.sections(experiments.findings(result("cifar10-cnn", runs)))
    assert any(v.outcome == "supports" for v in verdicts_of(sections))
    cards = [b for s in sections for b in s.blocks if isinstance(b, Metrics)][0].items
    assert [c.spread for c in cards] == ["seeds 60.00–62.00%", "seeds 68.00–70.00%"]
    assert cards[1].delta == "+8.00 points vs no BN, beyond the seed spread" and cards[1].beyond
    details = next(b for s in sections for b in s.blocks if isinstance(b, Details))
    seed_table = details.blocks[0]
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


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(experiments.REGISTRY))
def test_summary_of_every_experiment_loads_no_charting_library(name, tmp_path):
    """``python -m bnviz summary NAME`` computes findings with pandas alone: Altair and Streamlit stay unloaded."""
    import json
    import subprocess

    from tests.harness import ROOT, scaled

    files = sorted((ROOT / "cache").glob(f"{name}-*.json"))
    files = [f for f in files if not f.name.endswith(".progress.json")]
    if not files:
        pytest.skip(f"no shipped result of {name}")
    probe = (
        "import sys, runpy; sys.argv = ['bnviz', 'summary', sys.argv[1]]\n"
        "try:\n    runpy.run_module('bnviz', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('LOADED', [m for m in ('altair', 'streamlit', 'vl_convert') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, name], cwd=ROOT, capture_output=True, text=True, timeout=scaled(120)
    )
    assert out.returncode == 0, out.stderr
    text, loaded = out.stdout.rsplit("LOADED", 1)
    assert json.loads(text)["experiment"] == name
    assert loaded.strip() == "[]"
