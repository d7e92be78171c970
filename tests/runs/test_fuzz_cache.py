"""Random JSON into the cache reader (hypothesis): only CacheError ever comes out, quickly, and a file
the reader accepts is one the summaries can use, so one bad file can never take a page down."""

import json

import pytest
from harness import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bnviz import experiments
from bnviz.runs import cache

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


def good_result() -> dict:
    rec = [
        {"step": 0, "status": "running", "test/acc": 0.1, "test/loss": 2.3},
        {"step": 10, "status": "done", "train/loss": 1.0, "test/acc": 0.5, "test/loss": 1.2},
    ]
    exp = experiments.resolve("mnist-fig1", 10, [0], synthetic=True)
    runs = [
        {
            "arm": arm.label,
            "seed": seed,
            "config": cfg.to_dict(),
            "status": "done",
            "step": 10,
            "steps": 10,
            "records": rec,
            "wall_time": 1.0,
        }
        for arm, seed, cfg in exp.runs()
    ]
    return {
        "schema": cache.SCHEMA,
        "experiment": exp.name,
        "key": exp.key(),
        "status": "complete",
        "runs": runs,
        "data": {"label": "synthetic", "source": "synthetic", "sha256": "x"},
        "command": "c",
        "args": [],
        "code_version": {},
        "wall_time": 1.0,
        "created": "2026-01-01T00:00:00+00:00",
    }


def check(tmp_path, payload) -> None:
    path = tmp_path / "mnist-fig1-0123456789abcdef.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    try:
        loaded = cache.load_result(path)
    except cache.CacheError:
        loaded = None
    try:
        cache.load_progress(path)
    except cache.CacheError:
        pass
    found = cache.scan(tmp_path)
    if loaded is not None:  # accepted: the summary must work on it
        experiments.summary(loaded)
    else:
        assert found.problems and "mnist-fig1-0123456789abcdef.json" in found.problems[0]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=JSON)
def test_random_json_is_refused_with_a_cache_error(tmp_path, payload):
    check(tmp_path, payload)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.lists(
        st.sampled_from(
            [
                "runs",
                0,
                "records",
                1,
                "config",
                "data",
                "step",
                "seed",
                "arm",
                "status",
                "wall_time",
                "created",
                "experiment",
                "key",
                "test/acc",
                "lr",
                "model",
            ]
        ),
        min_size=1,
        max_size=4,
    ),
    value=JSON,
)
@pytest.mark.slow
def test_one_bad_field_in_a_good_result_is_refused_or_harmless(tmp_path, path, value):
    payload = good_result()
    node = payload
    for step in path[:-1]:  # walk as far as the path exists, then overwrite one field there
        nxt = (
            node[step]
            if isinstance(node, dict) and step in node
            else (node[step] if isinstance(node, list) and isinstance(step, int) and step < len(node) else None)
        )
        if nxt is None or not isinstance(nxt, (dict, list)):
            break
        node = nxt
    last = path[-1]
    if isinstance(node, dict) and isinstance(last, str):
        node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value
    check(tmp_path, payload)


def test_text_that_is_not_json_is_refused(tmp_path):
    for text in ("", "{", "[1, 2", "NaN", "\x00\xff", '{"a": Infinity}'):
        check(tmp_path, text)
