"""The cache files' layout as types, and the one check derived from them.

:class:`Result` (a finished experiment), :class:`Progress` (a run in flight or ended), :class:`Run`
and :class:`Record` say, field by field, what a page, a view or the CLI may assume: the type, the
range (``Annotated[..., Range(low, high)]``), that numbers are finite, and whether a record field
is a number or a histogram. :func:`result_problem` and :func:`progress_problem` walk a payload
against these types (called from :mod:`bnviz.runs.cache` for every file it reads), so a file that
passes can be drawn, and one that does not is "ignored" with the first thing wrong with it.
"""

# No ``from __future__ import annotations`` here: Python 3.11's TypedDict tells NotRequired fields apart
# only when annotations are objects, not strings.
import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Literal, NotRequired, TypedDict, Union, get_args, get_origin, get_type_hints

SCHEMA = 1  # the version of the result and progress files' layout
# A run's batch order and records grow with its length: 10 million steps is 200 times the paper's
# MNIST run and still fits in memory. Steps also go through Arrow (int64) and the browser (2^53).
MAX_STEPS = 10_000_000
# torch seeds take 64 bits and the trainer adds 1,000,003 to a seed; 2^32 - 1 is far inside both.
MAX_SEED = 2**32 - 1
MAX_NUMBER = 2**53  # a whole number beyond this has no exact float64 (pandas, Arrow, a browser's JSON)

RecordStatus = Literal["running", "done", "diverged"]  # a record: the trainer's state at that step
RunStatus = Literal["queued", "running", "done", "diverged", "stopped", "failed"]  # one run (seed) of an arm
ProgressStatus = Literal["starting", "running", "stopped", "failed"]  # what a runner writes in its progress file
JobState = Literal["none", "starting", "running", "stopped", "failed", "crashed", "invalid", "complete"]  # jobs.status
Status = Literal[RecordStatus, RunStatus, ProgressStatus, JobState]  # every status string bnviz uses
ACTIVE: tuple[JobState, ...] = ("starting", "running")  # a job whose process may still be training
FINISHED: tuple[RunStatus, ...] = ("done", "diverged")  # a run that ended on its own


@dataclass(frozen=True)
class Range:
    """The closed interval a number must lie in (None: unbounded on that side)."""

    low: float | None = None
    high: float | None = None


Count = Annotated[int, Range(0, MAX_NUMBER)]
Seconds = Annotated[float, Range(0, None)]
Fraction = Annotated[float, Range(0, 1)]
Step = Annotated[int, Range(0, MAX_STEPS)]
Steps = Annotated[int, Range(1, MAX_STEPS)]
Seed = Annotated[int, Range(0, MAX_SEED)]

# A record is flat: {"step": 500, "status": "running", "test/acc": 0.95, "layer1/hist": [0, 3, ...]}.
# The fixed fields are typed here; a per-layer field takes the type of the first pattern its name matches.
Record = TypedDict(
    "Record",
    {
        "step": Step,
        "status": RecordStatus,
        "train/loss": float | None,
        "test/acc": Fraction,
        "test/loss": float,
        "time/elapsed": Seconds,
    },
    total=False,
)
RECORD_PATTERNS: tuple[tuple[str, object], ...] = (
    (r"/grad_hist$", list[Count] | None),  # a histogram of gradients: counts per bin; null at step 0 (no gradient yet)
    (r"(^|/)hist$", list[Count]),  # a histogram of a layer's input
    (r"/(grad_norm|update_ratio)$", float | None),  # null at step 0
    (r"^final/batch_stats/.*acc$", Fraction | None),  # null where a test batch's statistics are undefined
    (r"^final/batch_stats/", float | None),
    (r"(^|/)acc$|/saturation$", Fraction),  # accuracies and shares of saturated units
    (r"^time/", Seconds),
    (r".", float),  # every other measurement: a finite number
)

# A probe records each layer's statistics together, and the views read them together: a record with the
# first field of a group (after the layer's prefix, e.g. "layer2/" or "layer2/eval/") has all the others.
RECORD_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mean", ("std", "saturation")),
    ("p50", ("p15", "p85")),  # Figure 1(b,c)'s percentiles
    ("x_hat_p50", ("x_hat_p15", "x_hat_p85", "p15", "p50", "p85")),  # x̂ beside y = γx̂ + β
)
_GROUP_KEY = re.compile(r"^(.+/)(" + "|".join(first for first, _ in RECORD_GROUPS) + r")$")
_GROUP_ENDS = tuple(first for first, _ in RECORD_GROUPS)


class Data(TypedDict):
    """Where a run's data came from (:class:`bnviz.data.Provenance`), shown beside every number."""

    label: str
    source: Literal["official", "non-official", "synthetic"]
    sha256: str


class Machine(TypedDict, total=False):
    cores: Annotated[int, Range(1, MAX_NUMBER)] | None
    workers: Annotated[int, Range(1, MAX_NUMBER)]
    threads_per_worker: Annotated[int, Range(1, MAX_NUMBER)]
    python: str
    platform: str


class CodeVersion(TypedDict, total=False):
    bnviz_sha256: str
    git: str | None
    modified_since_commit: bool | None
    torch: str


class Request(TypedDict):
    """What a user asked to train (:class:`bnviz.runs.request.RunRequest`), as JSON."""

    name: str
    steps: Steps | None
    seeds: list[Seed] | None
    synthetic: bool
    data_dir: str | None


class Run(TypedDict):
    """One seed of one arm in a finished result."""

    arm: str  # the arm's label: shown, never parsed
    seed: Seed
    config: dict  # a TrainConfig's fields; checked by TrainConfig itself and filled in with its defaults
    status: Literal["done", "diverged"]
    steps: Steps
    records: list[Record]
    step: NotRequired[Step]
    wall_time: NotRequired[Seconds | None]
    trained_with: NotRequired[Annotated[int, Range(1, MAX_NUMBER)]]  # 1, or the seeds stacked into one model


class ProgressRun(TypedDict):
    """One seed of one arm while its experiment trains: its records keep the curves only."""

    arm: str
    seed: Seed
    status: RunStatus
    step: Step
    steps: Steps
    records: list[Record]
    config: NotRequired[dict]
    wall_time: NotRequired[Seconds | None]
    trained_with: NotRequired[Annotated[int, Range(1, MAX_NUMBER)]]


class Result(TypedDict):
    """A finished experiment: ``<cache>/<experiment>-<key>.json``."""

    schema: Literal[1]
    experiment: str
    key: str
    status: Literal["complete"]
    runs: list[Run]
    data: Data
    command: str  # the command line that made it, as the user typed it
    code_version: CodeVersion
    wall_time: Seconds
    title: NotRequired[str]
    spec: NotRequired[dict]
    created: NotRequired[str]
    machine: NotRequired[Machine]
    request: NotRequired[Request | None]
    args: NotRequired[list[str] | None]  # results written before ``request``: the CLI's arguments


class Progress(TypedDict):
    """A run in flight or ended without a result: ``<cache>/<experiment>-<key>.progress.json``."""

    status: ProgressStatus
    pid: int
    schema: NotRequired[Literal[1]]
    pid_start: NotRequired[str | None]
    runs: NotRequired[list[ProgressRun]]
    message: NotRequired[str]
    command: NotRequired[str]
    experiment: NotRequired[str]
    key: NotRequired[str]
    data: NotRequired[Data]
    started: NotRequired[str]
    updated: NotRequired[str]
    request: NotRequired[Request | None]
    args: NotRequired[list[str] | None]
    result_fallback: NotRequired[str | None]


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def result_problem(payload: dict) -> str | None:
    """What is wrong with a finished result, or None. Runs' configs are filled in with their defaults."""
    problem = check(payload, Result)
    if problem is None and not payload["runs"]:
        problem = "runs is empty: a finished result has at least one run"
    for i, run in enumerate(payload["runs"] if problem is None else []):
        if not run["records"]:
            return f"runs[{i}].records is empty: a finished run has at least one record"
        problem = _config_problem(run, f"runs[{i}].")
        if problem:
            break
    return problem


def progress_problem(payload: dict) -> str | None:
    """What is wrong with a progress file, or None."""
    problem = check(payload, Progress)
    for i, run in enumerate(payload.get("runs", []) if problem is None else []):
        problem = _config_problem(run, f"runs[{i}].") if "config" in run else None
        if problem:
            break
    return problem


def check(value, hint, where: str = "") -> str | None:
    """The first way ``value`` fails the type ``hint`` (a TypedDict, Literal, Annotated range, list,
    union or plain type), as a sentence that names the field; None if it fits."""
    return _validator(hint)(value, where)


Validator = Callable[[object, str], "str | None"]


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
    if origin is list:
        item, item_leaf = _validator(args[0]), _leaf(args[0])

        def items(v, where):
            if not isinstance(v, list):
                return _wrong(where, what, v)
            if item_leaf is not None and all(map(item_leaf, v)):  # the fast path: a histogram's counts
                return None
            return next((p for i, x in enumerate(v) if (p := item(x, f"{where}[{i}]"))), None)

        return items
    if hint is Record:
        return lambda v, where: _record_problem(v, where) if isinstance(v, dict) else _wrong(where, what, v)
    if isinstance(hint, type) and issubclass(hint, dict) and hasattr(hint, "__required_keys__"):  # a TypedDict
        fields = {k: _validator(t) for k, t in _hints(hint).items()}
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


def _leaf(hint) -> Callable[[object], bool] | None:
    """A predicate for a plain value's type (with its range), or None for containers."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        base, r = _leaf(args[0]), next((a for a in args[1:] if isinstance(a, Range)), Range())
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


@functools.lru_cache(maxsize=4096)
def _record_field(name: str) -> Validator:
    fixed = _hints(Record).get(name)
    return _validator(fixed or next(t for pattern, t in RECORD_PATTERNS if re.search(pattern, name)))


def _record_problem(record: dict, where: str) -> str | None:
    step = _record_field("step")
    if "step" not in record or step(record["step"], ""):
        return f"{where} needs a whole-number step from 0 to {MAX_STEPS:,}, got {_short(record.get('step'))}"
    for name, value in record.items():
        problem = _record_field(name)(value, name)
        if problem:
            return f"{where} field {problem}"
        group = name.endswith(_GROUP_ENDS) and _GROUP_KEY.match(name)
        if group:
            prefix, first = group.groups()
            missing = [f"{prefix}{f}" for f in dict(RECORD_GROUPS)[first] if f"{prefix}{f}" not in record]
            if missing:
                return f"{where} has {name} but not {', '.join(missing)}, which are recorded with it"
    return None


def _config_problem(run: dict, where: str) -> str | None:
    """Whether ``run["config"]`` is a usable TrainConfig; if so it is replaced by the complete one, so a
    page may read any field (a config written by hand or by an older bnviz may leave fields out)."""
    from bnviz.train.config import TrainConfig  # here: only a run's config needs the training code (torch)

    config = run["config"]
    types = _hints(TrainConfig)
    for name, value in config.items():
        if name in types and name != "channels" and (problem := check(value, types[name], f"{where}config.{name}")):
            return problem
    try:
        run["config"] = TrainConfig.from_dict(_filled(config)).to_dict()
    except (TypeError, ValueError) as e:
        return f"{where}config is not a usable training config ({e})"
    return None


def _filled(config: dict) -> dict:
    """A config written by hand may leave fields out; they take TrainConfig's defaults, except the
    model, which follows from the dataset (the default "mlp" only fits MNIST)."""
    dataset = config.get("dataset")
    if "model" not in config and isinstance(dataset, str) and dataset.endswith("cifar10"):
        return {**config, "model": "cnn"}
    return config


def describe(hint) -> str:
    """A type in words, for messages: "a whole number from 0 to 10", "text or null", "one of 'a', 'b'"."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        r = next((a for a in args[1:] if isinstance(a, Range)), Range())
        kind = "a whole number" if args[0] is int else "a number"
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
    words = {str: "text", int: "a whole number", float: "a number", bool: "true or false", type(None): "null"}
    return words.get(hint, "an object")


@functools.cache
def _hints(cls) -> dict:
    """A TypedDict's or dataclass's field types, NotRequired taken off."""
    hints = get_type_hints(cls, include_extras=True)
    return {k: get_args(t)[0] if get_origin(t) is NotRequired else t for k, t in hints.items()}


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
