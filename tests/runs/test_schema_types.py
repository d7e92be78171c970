"""Issue #22, item 5: the cache files' layout is typed (bnviz/runs/schema.py) and the checks come from the
types; every status string the runner, the jobs and the experiment tab compare or write is a member of
the ``Status`` literal, so a misspelt status fails here instead of silently never matching."""

import ast
from pathlib import Path
from typing import get_args

import pytest

from bnviz.runs import schema
from bnviz.runs.checks import check

ROOT = Path(__file__).resolve().parents[2]
FILES = [*(ROOT / "bnviz" / "runs").glob("[!l]*.py"), ROOT / "bnviz" / "cli.py", ROOT / "pages" / "_experiment_tab.py"]
STATUS_NAMES = {"state", "status"}


def _status_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants compared with, or assigned to, something named state or status, or written as a status."""
    found = []

    def names_status(node) -> bool:
        if isinstance(node, ast.Attribute):
            return node.attr in STATUS_NAMES
        if isinstance(node, ast.Subscript):
            return isinstance(node.slice, ast.Constant) and node.slice.value in STATUS_NAMES
        return isinstance(node, ast.Name) and node.id in STATUS_NAMES

    def strings(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            for e in node.elts:
                yield from strings(e)

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(names_status(n) for n in [node.left, *node.comparators]):
            for side in [node.left, *node.comparators]:
                found += list(strings(side))
        elif isinstance(node, ast.Assign) and any(names_status(t) for t in node.targets):
            found += list(strings(node.value))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "write",
            "JobStatus",
        ):
            found += list(strings(node.args[0])) if node.args else []
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and k.value in STATUS_NAMES:
                    found += list(strings(v))
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_status_string_is_a_member_of_the_status_literal(path):
    allowed = set(get_args(schema.Status))
    used = _status_strings(ast.parse(path.read_text()))
    assert not [(line, s) for line, s in used if s not in allowed], path


def test_the_checks_come_from_the_types():
    assert check({"arm": "BN", "seed": 0}, schema.Run, "runs[0]") == "runs[0] has no config, status, steps, records"
    assert check("x", list[schema.Run], "runs") == "runs must be a list of objects, got 'x'"
    assert "from 0 to 4,294,967,295" in check(2**40, schema.Seed, "seed")
    assert check(0.5, schema.Fraction) is None and check(1.5, schema.Fraction)
    assert check(float("nan"), float) and check(2**60, int)  # finite, and exact in float64
    assert check([3, 0, 1], list[schema.Count]) is None and check([3, -1], list[schema.Count])
    assert set(get_args(schema.JobState)) >= set(get_args(schema.ProgressStatus))


def test_every_train_config_field_has_a_check_and_a_fixed_tuple_is_a_list_in_json():
    """Each TrainConfig field type compiles to a check (a new field with an unchecked type fails here, not on a page)."""
    import dataclasses

    from bnviz.train.config import TrainConfig

    for f in dataclasses.fields(TrainConfig):
        default = TrainConfig()
        value = getattr(default, f.name)
        value = list(value) if isinstance(value, tuple) else value
        assert check(value, schema.hints(TrainConfig)[f.name], f.name) is None
    warmup = tuple[float, float] | None
    assert check([0.1, 0.5], warmup, "renorm_warmup") is None and check(None, warmup, "renorm_warmup") is None
    assert "a list of 2" in check([0.1], warmup, "renorm_warmup")
    assert "renorm_warmup[1] must be a number" in check([0.1, "x"], warmup, "renorm_warmup")


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["mnist-fig1", "cifar10-cnn", "ics", "landscape", "noisy-bn", "train-vs-eval", "bn-momentum"]
)
def test_every_field_a_short_run_of_each_kind_records_passes_the_cache_schema(name):
    """The trainer's records, whatever an experiment's config asks it to probe, are records the cache accepts: a new
    record field whose type the schema does not know fails here, not as an ignored file on a page."""
    from bnviz import data as datasets
    from bnviz import experiments
    from bnviz.train.trainer import train

    exp = experiments.get(name)
    config = exp.arms[-1].config
    config = config.replace(
        dataset="synthetic-" + config.dataset.removeprefix("synthetic-"),
        steps=6,
        eval_every=3,
        probe_every=3,
        probe_size=min(config.probe_size, 40),
        batch_size=min(config.batch_size, 20),
    )
    data = datasets.synthetic(config.dataset, n_train=200, n_test=60, seed=0)
    records = list(train(config, data))
    assert any(len(r) > 4 for r in records)  # probes and evaluations, not only the loss
    for i, record in enumerate(records):
        assert check(record, schema.Record, f"records[{i}]") is None
