"""Issue #23, item 4, as a property: a valid result file with one field changed (another type, an
extreme number, deep nesting, gone) never takes a page or the CLI down. Either the schema refuses it,
and every page and ``bnviz list`` name it as ignored while the good result beside it is still shown, or
the schema accepts it, and then every page draws it as it draws any result: the schema is the one
place that decides what a page may assume."""

from __future__ import annotations

import copy
import functools
import json
import math
from pathlib import Path

import pytest
import torch
from harness import APP, scaled
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from bnviz import data, experiments
from bnviz.cli import main
from bnviz.runs import cache
from bnviz.runs.payload import data_fields
from bnviz.train.trainer import train

PAGES = ("pages/activations.py", "pages/experiments.py", "pages/practice.py", "pages/why.py")
FUZZED = "mnist-fig1-f0f0f0f0f0f0f0f0.json"
DEEP = "__deep__"  # stands for 6 kB of nested brackets, spliced into the JSON text
UNDRAWN = ("cannot be drawn", "cannot be described", "cannot be listed")


@functools.cache
def good() -> dict:
    """mnist-fig1, 10 steps on synthetic data, one seed: as the runner writes it, trained in this process."""
    exp = experiments.get("mnist-fig1").with_overrides(steps=10, seeds=[0], dataset="synthetic-mnist")
    dataset = data.load("synthetic-mnist")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        runs = [
            {
                "arm": arm.label,
                "seed": seed,
                "config": cfg.to_dict(),
                "status": "done",
                "step": cfg.steps,
                "steps": cfg.steps,
                "records": list(train(cfg, dataset)),
                "wall_time": 1.0,
                "trained_with": 1,
            }
            for arm, seed, cfg in exp.runs()
        ]
    finally:
        torch.set_num_threads(threads)
    return {
        "schema": cache.SCHEMA,
        "experiment": exp.name,
        "key": exp.key(),
        "status": "complete",
        "title": exp.title,
        "spec": exp.spec(),
        "runs": runs,
        "data": data_fields(dataset.provenance),
        "command": "python -m bnviz run mnist-fig1 --synthetic --steps 10 --seeds 0",
        "request": {"name": "mnist-fig1", "steps": 10, "seeds": [0], "synthetic": True, "data_dir": None},
        "code_version": {"bnviz_sha256": "0123", "git": None, "modified_since_commit": None, "torch": "2"},
        "created": "2026-01-01T00:00:00+00:00",
        "wall_time": 1.0,
        "machine": {"cores": 2, "workers": 2, "threads_per_worker": 1, "python": "3.11", "platform": "Linux"},
    }


def _paths(value, here=()) -> list[tuple]:
    """Every field of the good result, as a path of keys and indices (records: the first and the last)."""
    out = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        if isinstance(value, list) and k not in (0, len(value) - 1):
            continue
        if isinstance(value, list) and isinstance(v, (int, float)) and k:  # one bin of a histogram is enough
            continue
        out.append((*here, k))
        out.extend(_paths(v, (*here, k)))
    return out


PATHS = st.deferred(lambda: st.sampled_from(_paths(good())))  # trained when the first example runs, not on import
VALUES = st.sampled_from(
    [
        "text",
        "",
        [1.0],
        [],
        {"a": 1},
        None,
        True,
        -1,
        0,
        1.5,
        10**30,
        2**63,
        1e308,
        -1e308,
        math.nan,
        math.inf,
        [[[1]]],
        [0.5, "x"],
        DEEP,
    ]
)


def mutated(path: tuple, value) -> str:
    """The good result with the field at ``path`` set to ``value`` (deleted if ``value`` is ...), as JSON text."""
    result = copy.deepcopy(good())
    result["key"], result["created"] = "f0f0f0f0f0f0f0f0", "2030-01-01T00:00:00+00:00"  # the newest: drawn first
    node = result
    for k in path[:-1]:
        node = node[k]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(result).replace(json.dumps(DEEP), "[" * 3000 + "]" * 3000)


_AT: list[AppTest] = []


def pages(folder: Path) -> dict[str, str]:
    """Each page's warnings, errors and captions, drawn from ``folder`` (one AppTest for every example)."""
    if not _AT:
        _AT.append(AppTest.from_file(APP, default_timeout=scaled(120)))
        _AT[0].run()
    at = _AT[0]
    shown = {}
    for page in PAGES:
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        if page == "pages/activations.py":
            at.button_group(key="act_source").set_value("Open a cached run").run()
            assert not at.exception, (page, [e.value for e in at.exception])
        texts = [e.value for kind in ("warning", "error", "caption", "markdown") for e in getattr(at, kind)]
        texts += [e.label for e in at.expander]
        shown[page] = "\n".join(map(str, texts)).replace("\\", "")
    return shown


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "cache").mkdir()
    (folder / "data").mkdir()
    cache.write_json_atomic(folder / "cache" / f"mnist-fig1-{good()['key']}.json", good())
    return folder


@pytest.mark.slow  # 17 renders of every page: the fast loop has the schema's own fuzz tests
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,  # the same examples on every CI run; widen max_examples locally to explore
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=PATHS, value=st.one_of(VALUES, st.just(...)))
@example(path=("runs", 0, "records", 0), value=DEEP)  # the cases, each once
@example(path=("machine", "cores"), value="2")
@example(path=("runs", 0, "trained_with"), value="1")
@example(path=("runs", 0, "config", "dataset"), value=...)
@example(path=("runs", 0, "records", -1, "test/acc"), value=[0.5])
@example(path=("runs", 0, "records", -1, "step"), value=10**30)
@example(path=("runs", 1, "records", 0, "layer1/hist"), value=[1, -2])
def test_one_changed_field_is_ignored_by_name_or_drawn_everywhere(fuzz_folder, monkeypatch, capsys, path, value):
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(fuzz_folder / "cache"))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(fuzz_folder / "data"))
    fuzzed = fuzz_folder / "cache" / FUZZED
    fuzzed.write_text(mutated(path, value))
    try:
        cache.load_result(fuzzed)
        accepted = True
    except cache.CacheError:
        accepted = False
    shown = pages(fuzz_folder / "cache")
    for page, text in shown.items():
        named = FUZZED in text
        assert named != accepted, (page, path, value, "named as ignored" if named else "not named")
        assert not any(u in text for u in UNDRAWN), (page, path, value, text[-600:])
    assert "Nothing is cached" not in shown["pages/experiments.py"]  # the good result is still there
    assert main(["list", "--cache-dir", str(fuzz_folder / "cache")]) == 0
    err = capsys.readouterr().err
    assert (f"ignored: {fuzzed}" in err) != accepted, err
    assert main(["summary", "mnist-fig1", "--cache-dir", str(fuzz_folder / "cache")]) == 0
    fuzzed.unlink()


@pytest.mark.parametrize(
    "change,why",
    [
        (lambda p: p["runs"][0].update(steps=-5), "steps must be a whole number from 1"),
        (lambda p: p["runs"][0].update(step=10**30), "step must be a whole number from 0"),
        (lambda p: p.update(status="exploded"), "status must be one of"),
    ],
)
def test_a_progress_file_a_page_cannot_draw_is_invalid_and_named(fuzz_folder, monkeypatch, change, why):
    """An in-flight progress file with negative steps made st.progress raise; it is "invalid" instead."""
    exp = experiments.get("mnist-fig1")
    folder = fuzz_folder / "cache"
    run = {"arm": "BN", "seed": 0, "status": "running", "step": 5, "steps": 10, "records": [{"step": 5}]}
    payload = {"schema": 1, "experiment": exp.name, "key": "f1f1f1f1f1f1f1f1", "status": "running", "pid": 1}
    payload["runs"] = [run]
    change(payload)
    path = cache.progress_path(folder, exp.name, "f1f1f1f1f1f1f1f1")
    cache.write_json_atomic(path, payload)
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(folder))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(fuzz_folder / "data"))
    try:
        with pytest.raises(cache.CacheError, match=why):
            cache.load_progress(path)
        shown = pages(folder)
        assert path.name in shown["pages/experiments.py"] and why in shown["pages/experiments.py"]
    finally:
        path.unlink()
