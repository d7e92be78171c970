"""The cache files' schema, checked in one place.

Every file read from the cache passes through :func:`result_problem` or :func:`progress_problem`
(from :mod:`bnviz.runs.cache`), so the pages, the CLI and the summaries only ever see payloads of
the right shape: a bad field in one file makes that file "ignored" instead of breaking everything
that lists the cache.
"""

from __future__ import annotations

import json
import math

SCHEMA = 1  # the version of the result and progress files' layout


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


def _type_problem(payload: dict, fields: dict, where: str = "") -> str | None:
    """The first field of ``payload`` whose value fails its check, as a sentence (None if all pass)."""
    for name, (check, what) in fields.items():
        if name in payload and not check(payload[name]):
            return f"{where}{name} must be {what}, got {_short(payload[name])}"
    return None


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_str = (lambda v: isinstance(v, str), "text")
_int = (is_int, "a whole number")
_dict = (lambda v: isinstance(v, dict), "an object")
_str_list = (lambda v: isinstance(v, list) and all(isinstance(a, str) for a in v), "a list of texts")
_optional_number = (lambda v: v is None or (_is_number(v) and v >= 0), "a number of seconds or null")

RESULT_FIELDS = {
    "experiment": _str,
    "key": _str,
    "runs": (lambda v: isinstance(v, list), "a list"),
    "data": _dict,
    "command": _str,
    "code_version": _dict,
    "wall_time": (lambda v: _is_number(v) and v >= 0, "a number of seconds"),
    "created": _str,
    "title": _str,
    "spec": _dict,
    "machine": _dict,
    "args": (lambda v: v is None or _str_list[0](v), "a list of texts or null"),
}
PROGRESS_FIELDS = {
    "status": _str,
    "pid": _int,
    "pid_start": (lambda v: v is None or isinstance(v, str), "text or null"),
    "runs": (lambda v: isinstance(v, list), "a list"),
    "message": _str,
    "command": _str,
    "experiment": _str,
    "key": _str,
    "data": _dict,
    "started": _str,
    "updated": _str,
    "args": RESULT_FIELDS["args"],
    "result_fallback": (lambda v: v is None or isinstance(v, str), "text or null"),
}
RUN_FIELDS = {
    "arm": _str,
    "seed": _int,
    "config": _dict,
    "status": _str,
    "steps": _int,
    "step": _int,
    "records": (lambda v: isinstance(v, list), "a list"),
    "wall_time": _optional_number,
}
RUN_REQUIRED = ("arm", "seed", "status", "steps", "records")  # + "config" in a result, "step" in a progress file


DATA_FIELDS = {"label": _str, "source": _str, "sha256": _str}  # the dataset's provenance, shown on every page


def result_problem(payload: dict) -> str | None:
    """What is wrong with a finished result's fields (the required ones are already there), or None."""
    return (
        _type_problem(payload, RESULT_FIELDS)
        or _type_problem(payload["data"], DATA_FIELDS, "data.")
        or _runs_problem(payload["runs"], progress=False)
    )


def progress_problem(payload: dict) -> str | None:
    """What is wrong with a progress file, or None. ``status`` and ``pid`` are required."""
    missing = [k for k in ("status", "pid") if k not in payload]
    if missing:
        return f"missing {', '.join(missing)}"
    if "schema" in payload and (not is_int(payload["schema"]) or payload["schema"] != SCHEMA):
        return f"schema {_short(payload['schema'])}, this bnviz reads schema {SCHEMA}"
    return (
        _type_problem(payload, PROGRESS_FIELDS)
        or _type_problem(payload.get("data", {}), DATA_FIELDS, "data.")
        or _runs_problem(payload.get("runs", []), progress=True)
    )


def _runs_problem(runs: list, progress: bool) -> str | None:
    from bnviz.train.config import TrainConfig  # here: only a run's config needs the training code (torch)

    required = RUN_REQUIRED + (("step",) if progress else ("config",))
    for i, run in enumerate(runs):
        where = f"runs[{i}]."
        if not isinstance(run, dict):
            return f"runs[{i}] must be an object, got {_short(run)}"
        missing = [k for k in required if k not in run]
        if missing:
            return f"runs[{i}] has no {', '.join(missing)}"
        problem = _type_problem(run, RUN_FIELDS, where)
        if problem:
            return problem
        try:
            if "config" in run:
                TrainConfig.from_dict(_filled(run["config"]))
        except (TypeError, ValueError) as e:
            return f"{where}config is not a usable training config ({e})"
        if not progress and not run["records"]:
            return f"{where}records is empty: a finished run has at least one record"
        for j, record in enumerate(run["records"]):
            problem = _record_problem(record)
            if problem:
                return f"{where}records[{j}] {problem}"
    return None


def _filled(config: dict) -> dict:
    """A config written by hand may leave fields out; they take TrainConfig's defaults, except the
    model, which follows from the dataset (the default "mlp" only fits MNIST)."""
    dataset = config.get("dataset")
    if "model" not in config and isinstance(dataset, str) and dataset.endswith("cifar10"):
        return {**config, "model": "cnn"}
    return config


def _record_problem(record) -> str | None:
    """A record is flat: an int ``step``, a text ``status``, every other value a number, null or list of numbers."""
    if not isinstance(record, dict):
        return f"must be an object, got {_short(record)}"
    if not is_int(record.get("step")) or record["step"] < 0:
        return f"needs a whole-number step, got {_short(record.get('step'))}"
    for name, value in record.items():
        if name == "step":
            continue
        if name == "status":
            ok = isinstance(value, str)
        elif isinstance(value, list):
            ok = all(_is_number(v) for v in value)
        else:
            ok = value is None or _is_number(value)
        if not ok:
            return f"field {name} has the wrong type ({_short(value)})"
    return None
