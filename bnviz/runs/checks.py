"""Checking a JSON value against a Python type, so the types in :mod:`bnviz.runs.schema` are the schema.

Understood: ``str``, ``int``, ``float`` (finite; whole numbers within 2^53, exact in float64), ``bool``,
``None``, ``dict``, ``Literal[...]``, unions, ``list[T]``, TypedDicts (their required and optional
keys), ``Annotated[number, Range(low, high)]``, and ``Annotated[SomeTypedDict, OpenFields(...)]`` for
a flat record whose other keys take their type from a pattern of their name. Each type is compiled
once into a function that returns the first problem as a sentence naming the field, or None.
"""

# No ``from __future__ import annotations``: Python 3.11's TypedDict tells NotRequired fields apart
# only when annotations are objects, not strings.
import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from types import UnionType
from typing import Annotated, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

MAX_NUMBER = 2**53  # a whole number beyond this has no exact float64 (pandas, Arrow, a browser's JSON)
Validator = Callable[[object, str], "str | None"]


@dataclass(frozen=True)
class Range:
    """The closed interval a number must lie in (None: unbounded on that side)."""

    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class OpenFields:
    """A flat record: its TypedDict's keys as typed, any other key the type of the first pattern its name
    matches, and ``groups``: (a key's last part, the parts that must come with it under the same prefix)."""

    patterns: tuple[tuple[str, object], ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def type_of(self, name: str):
        """The type of a field outside the TypedDict: its name's first pattern's; None where none matches."""
        return next((t for p, t in self.patterns if re.search(p, name)), None)

    def missing_with(self, name: str, present) -> list[str]:
        """The fields recorded with ``name`` not in ``present``: "layer2/p50" comes with "layer2/p15", "layer2/p85"."""
        prefix, _, last = name.rpartition("/")
        together = dict(self.groups).get(last, ()) if prefix else ()
        return [f"{prefix}/{f}" for f in together if f"{prefix}/{f}" not in present]


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check(value, hint, where: str = "") -> str | None:
    """The first way ``value`` fails the type ``hint``, as a sentence that names the field; None if it fits."""
    return _validator(hint)(value, where)


@functools.cache
def _validator(hint) -> Validator:
    """``hint`` compiled once into a function ``(value, where) -> problem or None``."""
    what, leaf = describe(hint), _leaf(hint)
    if leaf is not None:
        return lambda v, where: None if leaf(v) else _wrong(where, what, v)
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        options = [_validator(a) for a in args]
        inner = [a for a in args if a is not type(None)]
        say_inside = _validator(inner[0]) if len(inner) == 1 else None  # e.g. runs[2].seed, not "request must be"

        def union(v, where):
            if any(option(v, where) is None for option in options):
                return None
            return say_inside(v, where) if say_inside and v is not None else _wrong(where, what, v)

        return union
    if origin is tuple and args[1:] == (Ellipsis,):  # tuple[int, ...]: a list in JSON
        return _validator(list[args[0]])
    if origin is list:
        item, all_fit = _validator(args[0]), _all_leaves(args[0]) or _all_records(args[0])

        def items(v, where):
            if not isinstance(v, list):
                return _wrong(where, what, v)
            if all_fit is not None and all_fit(v):  # the fast path: a histogram's counts, a run's records
                return None
            return next((p for i, x in enumerate(v) if (p := item(x, f"{where}[{i}]"))), None)

        return items
    if origin is tuple and Ellipsis not in args:  # a fixed-length tuple; JSON stores it as a list
        parts = [_validator(a) for a in args]

        def fixed(v, where):
            if not isinstance(v, (list, tuple)) or len(v) != len(parts):
                return _wrong(where, what, v)
            return next((p for i, (x, ok) in enumerate(zip(v, parts)) if (p := ok(x, f"{where}[{i}]"))), None)

        return fixed
    if origin is Annotated and isinstance(args[1], OpenFields):
        return _open_record(args[0], args[1])
    if isinstance(hint, type) and issubclass(hint, dict) and hasattr(hint, "__required_keys__"):  # a TypedDict
        fields = {k: _validator(t) for k, t in hints(hint).items()}
        required = hint.__required_keys__

        def fields_of(v, where):
            if not isinstance(v, dict):
                return _wrong(where, what, v)
            missing = [k for k in fields if k in required and k not in v]
            if missing:
                return f"{where} has no {', '.join(missing)}" if where else f"missing {', '.join(missing)}"
            prefix = f"{where}." if where else ""
            return next((p for k, x in v.items() if k in fields and (p := fields[k](x, f"{prefix}{k}"))), None)

        return fields_of
    raise TypeError(f"no check for {hint!r}")


def _all_leaves(hint) -> Callable[[list], bool] | None:
    """A test that every item of a list fits the plain type ``hint`` (None for containers).

    For whole numbers and numbers, with or without a range, a list of one Python type is tested at C speed
    (the types' set, ``min``, ``max``, ``math.isfinite``): a result's histograms hold over a million counts.
    Other lists, and any list this rejects, go item by item (:func:`_leaf`), which decides."""
    leaf = _leaf(hint)
    if leaf is None:
        return None
    origin, args = get_origin(hint), get_args(hint)
    base, r = (args[0], args[1]) if origin is Annotated and isinstance(args[1], Range) else (hint, Range())
    if base not in (int, float):
        return lambda v: all(map(leaf, v))
    low = max(-MAX_NUMBER if r.low is None else r.low, -MAX_NUMBER)
    high = min(MAX_NUMBER if r.high is None else r.high, MAX_NUMBER)

    def all_fit(v: list) -> bool:
        if not v:
            return True
        kinds = set(map(type, v))
        if kinds == {int} or (kinds == {float} and base is float and all(map(math.isfinite, v))):
            if low <= min(v) and max(v) <= high:
                return True
        return all(map(leaf, v))

    return all_fit


def _all_records(hint) -> Callable[[list], bool] | None:
    """A test that every item of a list fits the open record ``hint`` (None for other types). A result file is
    mostly records: grouped by their keys, each key set is checked once (:func:`_fields_test`), then each type's
    values at once (:func:`_column_test`). A list this rejects goes record by record, which words the problem."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is not Annotated or not isinstance(args[1], OpenFields):
        return None
    fields_test = functools.lru_cache(256)(functools.partial(_fields_test, args[0], args[1]))  # per key set, kept small

    def all_fit(v: list) -> bool:
        by_keys: dict[tuple[str, ...], list[dict]] = {}
        for record in v:
            if type(record) is not dict:  # a dict's keys and values come in the same order: columns below
                return False
            by_keys.setdefault(tuple(record), []).append(record)
        for keys, records in by_keys.items():
            tests, columns = fields_test(keys), list(zip(*map(dict.values, records)))  # per key, its values
            if tests is None or not all(test(list(chain.from_iterable(columns[i] for i in at))) for test, at in tests):
                return False
        return True

    return all_fit


def _fields_test(fixed, spec: OpenFields, keys: tuple[str, ...]) -> tuple[tuple[Callable, list[int]], ...] | None:
    """For records with exactly ``keys``: per type of field, its test (:func:`_column_test`) and its fields'
    places in ``keys``; None if the keys fail (a required key or a group's member missing, a name no pattern)."""
    present, types = set(keys), hints(fixed)
    if not fixed.__required_keys__ <= present or not all(isinstance(k, str) for k in keys):  # not from JSON
        return None
    places: dict[object, list[int]] = {}  # a field's type (None: no pattern matches) -> its fields' places
    for i, name in enumerate(keys):
        if spec.missing_with(name, present):
            return None
        places.setdefault(types[name] if name in types else spec.type_of(name), []).append(i)
    return None if None in places else tuple((_column_test(t), at) for t, at in places.items())


@functools.cache
def _column_test(hint) -> Callable[[list], bool]:
    """A test that every value of a column fits ``hint``: numbers and histograms (or null) at C speed, others one by one."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType) and len(args) == 2 and type(None) in args:  # null fits: test the others
        others = _column_test(next(a for a in args if a is not type(None)))
        return lambda v: others([x for x in v if x is not None])
    if (all_fit := _all_leaves(hint)) is not None:
        return all_fit
    if origin is list and (counts_fit := _all_leaves(args[0])) is not None:
        return lambda v: all(isinstance(x, list) for x in v) and counts_fit(list(chain.from_iterable(v)))
    ok = _validator(hint)
    return lambda v: all(ok(x, "") is None for x in v)


def _leaf(hint) -> Callable[[object], bool] | None:
    """A predicate for a plain value's type (with its range), or None for containers."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated and isinstance(args[1], Range):
        base, r = _leaf(args[0]), args[1]
        low = -math.inf if r.low is None else r.low
        high = math.inf if r.high is None else r.high
        return None if base is None else (lambda v: base(v) and low <= v <= high)
    if origin in (Union, UnionType):
        options = [_leaf(a) for a in args]
        return None if None in options else (lambda v: any(ok(v) for ok in options))
    if origin is Literal:
        return lambda v: any(v == a and type(v) is type(a) for a in args)
    plain = {
        str: lambda v: isinstance(v, str),
        bool: lambda v: isinstance(v, bool),
        int: lambda v: type(v) is int and -MAX_NUMBER <= v <= MAX_NUMBER,
        float: lambda v: (type(v) is int and -MAX_NUMBER <= v <= MAX_NUMBER) or (type(v) is float and math.isfinite(v)),
        type(None): lambda v: v is None,
        dict: lambda v: isinstance(v, dict),
    }
    return plain.get(hint)


def _open_record(fixed, spec: OpenFields) -> Validator:
    """The validator of a flat record: ``fixed``'s keys as typed, others by ``spec``'s patterns and groups."""
    known = {k: _validator(t) for k, t in hints(fixed).items()}
    by_name: dict[str, Validator] = {}  # a field's validator, found once per name

    def field(name: str) -> Validator | None:  # None: a name no pattern matches (the empty name)
        if (found := by_name.get(name)) is None:
            typed = spec.type_of(name)
            if (found := known.get(name) or (typed and _validator(typed))) and len(by_name) < 4096:
                by_name[name] = found  # a file can hold any names; keep the memo small
        return found

    def record_of(record, where: str) -> str | None:
        if not isinstance(record, dict):
            return _wrong(where, "an object", record)
        for name in fixed.__required_keys__:
            if name not in record or known[name](record[name], ""):
                return f"{where} needs {name}, {describe(hints(fixed)[name])}, got {_short(record.get(name))}"
        for name, value in record.items():
            if (check := field(name)) is None:
                return f"{where} has a field named {_short(name)}, which no bnviz record has"
            if problem := check(value, name):
                return f"{where} field {problem}"
            if missing := spec.missing_with(name, record):
                return f"{where} has {name} but not {', '.join(missing)}, which are recorded with it"
        return None

    return record_of


def describe(hint) -> str:
    """A type in words, for messages: "a whole number from 0 to 10", "text or null", "one of 'a', 'b'"."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated and isinstance(args[1], Range):
        r, kind = args[1], "a whole number" if args[0] is int else "a number"
        if r.high is not None and r.high < MAX_NUMBER:
            return f"{kind} from {r.low:,} to {r.high:,}"
        return f"{kind} of at least {r.low:,}" if r.low is not None else kind
    if origin in (Union, UnionType):
        return " or ".join(describe(a) for a in args)
    if origin is Literal:
        return f"one of {', '.join(map(repr, args))}" if len(args) > 1 else repr(args[0])
    if origin is list:
        return "a list of " + re.sub(
            r"^(a|an) (\w+)", lambda m: m[2] + ("" if m[2] == "text" else "s"), describe(args[0])
        )
    if origin is tuple and args[1:] == (Ellipsis,):
        return describe(list[args[0]])
    if origin is tuple and Ellipsis not in args:
        return f"a list of {len(args)}: " + ", ".join(describe(a) for a in args)
    words = {str: "text", int: "a whole number", float: "a number", bool: "true or false", type(None): "null"}
    return words.get(hint, "an object")


@functools.cache
def hints(cls) -> dict:
    """A TypedDict's or dataclass's field types, Required and NotRequired taken off."""
    return {
        k: get_args(t)[0] if get_origin(t) in (NotRequired, Required) else t
        for k, t in get_type_hints(cls, include_extras=True).items()
    }


def _wrong(where: str, what: str, value) -> str:
    return f"{where or 'the value'} must be {what}, got {_short(value)}"


def _short(value) -> str:
    """A value as a message quotes it: text cut to 40 characters, containers by their size."""
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"an object of {len(value)} field{'s' if len(value) != 1 else ''}"
    text = repr(value) if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
