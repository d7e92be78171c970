"""The column-wise test of a list of records (bnviz.runs.checks._all_records) against the record-by-record
check (the oracle): it passes a list exactly when no record has a problem, and a list it rejects gets the
same first problem, in the same words, as record by record."""

import copy
import math

import pytest
from harness import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.runs import checks, schema
from bnviz.runs.checks import MAX_NUMBER

numbers = st.one_of(st.floats(-1e6, 1e6), st.integers(-1000, 1000))  # ints and floats: JSON reads 3 and 3.0
fractions = st.one_of(st.floats(0, 1), st.sampled_from([0, 1]))
counts = st.lists(st.integers(0, 10**6), max_size=5)
# Fields a probe writes together (schema.RECORD_GROUPS), and single fields of each kind of type
BUNDLES = [
    {"status": st.sampled_from(["running", "done", "diverged"])},
    {"train/loss": st.none() | numbers, "test/loss": numbers},
    {"test/acc": fractions, "time/elapsed": st.one_of(st.floats(0, 1e6), st.integers(0, 10**6))},
    {"layer1/mean": numbers, "layer1/std": numbers, "layer1/saturation": fractions},
    {"layer2/p15": numbers, "layer2/p50": numbers, "layer2/p85": numbers},
    {f"layer2/eval/{k}": numbers for k in ("x_hat_p15", "x_hat_p50", "x_hat_p85", "p15", "p50", "p85")},
    {"layer1/hist": counts, "layer1/grad_hist": st.none() | counts, "layer1/grad_norm": st.none() | numbers},
    {"landscape/losses": st.none() | st.lists(numbers, max_size=3), "landscape/best": st.none() | numbers},
    {"final/batch_stats/test_acc": st.none() | fractions, "final/batch_stats/mean": st.none() | numbers},
]
STEP = {"step": st.integers(0, schema.MAX_STEPS)}
FIELDS = {k: v for b in [STEP, *BUNDLES] for k, v in b.items()}
BAD = [math.nan, math.inf, -math.inf, True, "1", None, -1, 1.5, MAX_NUMBER + 1, -MAX_NUMBER - 1, [1, -1], {}, 2.0]


def key_sets():
    """A record's fields: a step (missing one time in ten), any bundles, in any order."""
    return st.tuples(st.integers(0, 9).map(bool), st.sets(st.sampled_from(range(len(BUNDLES))))).flatmap(
        lambda drawn: st.permutations([*(STEP if drawn[0] else ()), *(k for b in drawn[1] for k in BUNDLES[b])])
    )


def record_of(keys):
    return st.fixed_dictionaries({k: FIELDS[k] for k in keys})


def one_by_one(records: list) -> str | None:
    """The oracle: the first problem record by record, as the list check said it before its fast path."""
    record = checks._validator(schema.Record)
    return next((p for i, x in enumerate(records) if (p := record(x, f"records[{i}]"))), None)


def agree(records: list) -> str | None:
    """Assert the fast path and the oracle agree on ``records``; the problem they find."""
    expected = one_by_one(copy.deepcopy(records))
    assert checks._all_records(schema.Record)(records) is (expected is None)
    assert checks.check(records, list[schema.Record], "records") == expected
    return expected


@st.composite
def corrupted(draw, records):
    """``records`` with one or two things changed: a value, a histogram's count, a field gone or added, an item."""
    for _ in range(draw(st.integers(1, 2))):
        i = draw(st.integers(0, len(records) - 1))
        what = draw(st.sampled_from(["value", "count", "delete", "add", "item"]))
        record = records[i]
        if not isinstance(record, dict) or (what != "add" and what != "item" and not record):
            continue
        if what == "value":
            record[draw(st.sampled_from(list(record)))] = draw(st.sampled_from(BAD))
        elif what == "count" and (hists := [k for k, x in record.items() if isinstance(x, list) and x]):
            hist = record[draw(st.sampled_from(hists))]
            hist[draw(st.integers(0, len(hist) - 1))] = draw(st.sampled_from(BAD))
        elif what == "delete":
            del record[draw(st.sampled_from(list(record)))]
        elif what == "add":
            name = draw(st.sampled_from(["layer9/p50", "layer9/mean", "layer9/eval/x_hat_p50", "time/x", "zz/acc"]))
            record[name] = draw(st.sampled_from([0.5, 3, *BAD]))
        elif what == "item":
            records[i] = draw(st.sampled_from([3, "r", None, [], [record]]))
    return records


def record_lists():
    return st.lists(key_sets(), min_size=1, max_size=3).flatmap(
        lambda sets: st.lists(st.sampled_from(sets).flatmap(record_of), max_size=8)
    )


@settings(max_examples=examples(200), deadline=None)
@given(record_lists())
def test_record_lists_as_drawn_pass_or_fail_as_record_by_record(records):
    agree(records)


@settings(max_examples=examples(300), deadline=None)
@given(record_lists().filter(bool).flatmap(corrupted))
def test_a_corrupted_record_list_gets_the_same_first_problem(records):
    agree(records)


def _two_key_sets() -> list:
    """Three records of one key set and three of another, with ints where numbers may be floats."""
    first = [{"step": s, "status": "running", "test/acc": 0.5, "layer1/hist": [0, 3, 1]} for s in (0, 100, 200)]
    second = [
        {"step": s, "train/loss": 2 if s == 300 else 1.5, "layer2/p15": -1, "layer2/p50": 0.0, "layer2/p85": 1}
        for s in (300, 400, 500)
    ]
    for record, grads in zip(second, (None, [1, 2], [])):  # a histogram or null
        record["layer1/grad_hist"] = grads
    return first + second


def test_valid_record_lists_pass_both_ways():
    for records in ([], _two_key_sets(), _two_key_sets()[3:] + _two_key_sets()[:3], [{"step": 0}]):
        assert agree(records) is None
    assert agree([{"step": 3, "layer1/mean": 1, "layer1/std": 0.5, "layer1/saturation": 0}] * 4) is None


def _set(i, name, value):
    def change(records):
        records[i][name] = value

    return change


def _delete(i, name):
    return lambda records: records[i].pop(name)


def _replace(i, item):
    return lambda records: records.__setitem__(i, item)


CORRUPTIONS = {
    "nan": (_set(4, "layer2/p50", math.nan), "records[4] field layer2/p50 must be a number, got NaN"),
    "inf": (_set(1, "test/acc", math.inf), "records[1] field test/acc must be a number from 0 to 1, got Infinity"),
    "bool": (_set(5, "train/loss", True), "records[5] field train/loss must be a number or null, got true"),
    "string": (
        _set(0, "status", "ok"),
        "records[0] field status must be one of 'running', 'done', 'diverged', got 'ok'",
    ),
    "required key missing": (
        _delete(2, "step"),
        "records[2] needs step, a whole number from 0 to 10,000,000, got null",
    ),
    "step a float": (_set(3, "step", 300.0), "records[3] needs step, a whole number from 0 to 10,000,000, got 300.0"),
    "group member missing": (
        _delete(3, "layer2/p85"),
        "records[3] has layer2/p50 but not layer2/p85, which are recorded with it",
    ),
    "out of range": (_set(1, "test/acc", 1.5), "records[1] field test/acc must be a number from 0 to 1, got 1.5"),
    "beyond 2^53": (
        _set(5, "layer2/p15", MAX_NUMBER + 1),
        "records[5] field layer2/p15 must be a number, got 9007199254740993",
    ),
    "negative count": (
        _set(0, "layer1/hist", [0, -1]),
        "records[0] field layer1/hist[1] must be a whole number of at least 0, got -1",
    ),
    "a count a float": (
        _set(4, "layer1/grad_hist", [1, 2.0]),
        "records[4] field layer1/grad_hist[1] must be a whole number of at least 0, got 2.0",
    ),
    "not a dict": (_replace(2, [1]), "records[2] must be an object, got a list of 1"),
    "null item": (_replace(0, None), "records[0] must be an object, got null"),
    "only the second key set bad": (
        _set(5, "layer9/p50", 0.5),
        "records[5] has layer9/p50 but not layer9/p15, layer9/p85, which are recorded with it",
    ),
    "a field without a name": (_set(2, "", 1.0), "records[2] has a field named '', which no bnviz record has"),
    "both bad, the first named": (
        lambda records: (records[5].update(status=1), records[1].update(step=-1)),
        "records[1] needs step, a whole number from 0 to 10,000,000, got -1",
    ),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_a_corrupted_record_list_is_worded_as_record_by_record(name):
    change, expected = CORRUPTIONS[name]
    records = _two_key_sets()
    change(records)
    assert agree(records) == expected


def test_a_result_file_with_a_nameless_record_field_is_named_among_the_problems_not_raised(tmp_path):
    """The empty name matches no field pattern: the scan raised RuntimeError (StopIteration in a generator)."""
    import json
    from pathlib import Path

    from bnviz.runs import cache

    source = min(Path(__file__).resolve().parents[2].joinpath("cache").glob("*.json"))
    payload = json.loads(source.read_text())
    payload["runs"][0]["records"][0][""] = 1.0
    (tmp_path / source.name).write_text(json.dumps(payload))
    scan = cache.scan(tmp_path)
    assert scan.results == {} and scan.problems == [
        f"{tmp_path / source.name}: runs[0].records[0] has a field named '', which no bnviz record has; "
        "delete it or re-run the experiment"
    ]
