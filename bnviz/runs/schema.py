"""The cache files' layout as types, and the one check derived from them.

:class:`Result` (a finished experiment), :class:`Progress` (a run in flight or ended), :class:`Run`
and :class:`Record` say, field by field, what a page, a view or the CLI may assume: the type, the
range (``Annotated[..., Range(low, high)]``), that numbers are finite, whether a record field is a
number or a histogram, and which probe fields come together. :func:`result_problem` and
:func:`progress_problem` check a payload against these types (:mod:`bnviz.runs.checks` compiles
them; :mod:`bnviz.runs.cache` calls these for every file it reads), so a file that passes can be
drawn, and one that does not is "ignored" with the first thing wrong with it.
"""

# No ``from __future__ import annotations`` here: Python 3.11's TypedDict tells NotRequired fields apart
# only when annotations are objects, not strings.
from typing import Annotated, Literal, NotRequired, Required, TypedDict

from bnviz.runs.checks import MAX_NUMBER, OpenFields, Range, check, hints

SCHEMA = 1  # the version of the result and progress files' layout
# A run's batch order and records grow with its length: 10 million steps is 200 times the paper's
# MNIST run and still fits in memory. Steps also go through Arrow (int64) and the browser (2^53).
MAX_STEPS = 10_000_000
# torch seeds take 64 bits and the trainer adds 1,000,003 to a seed; 2^32 - 1 is far inside both.
MAX_SEED = 2**32 - 1

RecordStatus = Literal["running", "done", "diverged"]  # a record: the trainer's state at that step
RunStatus = Literal["queued", "running", "done", "diverged", "stopped", "failed"]  # one run (seed) of an arm
ProgressStatus = Literal["starting", "running", "stopped", "failed"]  # what a runner writes in its progress file
JobState = Literal["none", "starting", "running", "stopped", "failed", "crashed", "invalid", "complete"]  # jobs.status
Status = Literal[RecordStatus, RunStatus, ProgressStatus, JobState]  # every status string bnviz uses
ACTIVE: tuple[JobState, ...] = ("starting", "running")  # a job whose process may still be training
FINISHED: tuple[RunStatus, ...] = ("done", "diverged")  # a run that ended on its own


Count = Annotated[int, Range(0, MAX_NUMBER)]
Seconds = Annotated[float, Range(0, None)]
Fraction = Annotated[float, Range(0, 1)]
Step = Annotated[int, Range(0, MAX_STEPS)]
Steps = Annotated[int, Range(1, MAX_STEPS)]
Seed = Annotated[int, Range(0, MAX_SEED)]

# A record is flat: {"step": 500, "status": "running", "test/acc": 0.95, "layer1/hist": [0, 3, ...]}.
# The fixed fields are typed here; a per-layer field takes the type of the first pattern its name matches.
RecordFields = TypedDict(
    "RecordFields",
    {
        "step": Required[Step],
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
    # the losses L(θ − ηg) along the gradient at each step size; null where a point blew up (no infinity in JSON)
    (r"^landscape/(step_sizes|losses)$", list[float] | None),
    (r"^landscape/", float | None),  # a landscape summary is null where a point along the gradient blew up
    (r".", float),  # every other measurement: a finite number
)
# A probe records each layer's statistics together, and the views read them together: a record with a
# layer's (e.g. "layer2/" or "layer2/eval/") first field of a group has all the others.
RECORD_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mean", ("std", "saturation")),
    ("p50", ("p15", "p85")),  # Figure 1(b,c)'s percentiles
    ("x_hat_p50", ("x_hat_p15", "x_hat_p85", "p15", "p50", "p85")),  # x̂ beside y = γx̂ + β
)
Record = Annotated[RecordFields, OpenFields(RECORD_PATTERNS, RECORD_GROUPS)]


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


def _config_problem(run: dict, where: str) -> str | None:
    """Whether ``run["config"]`` is a usable TrainConfig; if so it is replaced by the complete one, so a
    page may read any field (a config written by hand or by an older bnviz may leave fields out)."""
    from bnviz.train.config import TrainConfig  # here: only a run's config needs the training code (torch)

    config = run["config"]
    types = hints(TrainConfig)
    for name, value in config.items():
        if name in types and (problem := check(value, types[name], f"{where}config.{name}")):
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
