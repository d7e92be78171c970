"""Experiment results on disk: one plain JSON file per finished experiment, written atomically.

A result file is ``<cache>/<experiment>-<key>.json`` where ``key`` hashes the experiment's full
spec (every arm's config and the seeds), so changing any setting makes a new entry instead of
silently reusing an old one. A run in progress writes ``<experiment>-<key>.progress.json``
beside it; only a file whose ``status`` is ``"complete"`` counts as a finished result.
Never pickle: these files travel with the repository.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCHEMA = 1
CACHE_DIR_ENV = "BNVIZ_CACHE_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the folder holding app.py, bnviz/ and cache/
REQUIRED = ("schema", "experiment", "key", "status", "runs", "data", "command", "code_version", "wall_time")


class CacheError(Exception):
    """A cache file that cannot be used; the message names the file and what is wrong."""


def default_cache_dir() -> Path:
    """``$BNVIZ_CACHE_DIR``, else ``cache/`` in the project folder (beside ``bnviz/``)."""
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env) if env else PROJECT_ROOT / "cache"


def result_path(cache_dir: Path, experiment: str, key: str) -> Path:
    return Path(cache_dir) / f"{experiment}-{key}.json"


def progress_path(cache_dir: Path, experiment: str, key: str) -> Path:
    return Path(cache_dir) / f"{experiment}-{key}.progress.json"


def lock_path(cache_dir: Path, experiment: str, key: str) -> Path:
    """Held by the process training this spec (:mod:`bnviz.runs.owner`); hidden, and deleted when it ends."""
    return Path(cache_dir) / f".{experiment}-{key}.lock"


def write_json_atomic(path: Path, payload: dict) -> None:
    """Write to a temp file in the same folder, fsync, then rename: readers see old or new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be shared
        with os.fdopen(fd, "w") as f:
            json.dump(payload, f, separators=(",", ":"), allow_nan=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> dict:
    try:
        with open(path) as f:
            payload = json.load(f)
    except FileNotFoundError:
        raise
    except NotADirectoryError as e:  # the cache folder is a file: no such cache file either
        raise FileNotFoundError(e.errno, e.strerror, str(path)) from e
    except (OSError, ValueError) as e:
        raise CacheError(f"{path}: not readable JSON ({e}); delete it or re-run the experiment") from e
    if not isinstance(payload, dict):
        raise CacheError(f"{path}: expected a JSON object; delete it or re-run the experiment")
    return payload


def load_result(path: Path) -> dict:
    """A finished result, checked; :class:`CacheError` if it is corrupt, partial or of another schema."""
    payload = read_json(path)
    missing = [k for k in REQUIRED if k not in payload]
    if missing:
        raise CacheError(f"{path}: missing {', '.join(missing)}; delete it or re-run the experiment")
    if not _is_int(payload["schema"]) or payload["schema"] != SCHEMA:
        raise CacheError(
            f"{path}: schema {payload['schema']!r}, this bnviz reads schema {SCHEMA}; re-run the experiment"
        )
    if payload["status"] != "complete":
        raise CacheError(f"{path}: status {payload['status']!r}, not a finished run")
    problem = result_problem(payload)
    if problem:
        raise CacheError(f"{path}: {problem}; delete it or re-run the experiment")
    return payload


def load_progress(path: Path) -> dict:
    """A progress file, checked; :class:`CacheError` if it is not one this bnviz wrote."""
    payload = read_json(path)
    problem = progress_problem(payload)
    if problem:
        raise CacheError(f"{path}: {problem}; dismiss it or delete it")
    return payload


# ------------------------------------------------------------------ the schema, checked in one place
# Every file read from the cache passes through result_problem or progress_problem, so the pages,
# the CLI and the summaries only ever see payloads of the right shape: a bad field in one file
# makes that file "ignored" instead of breaking everything that lists the cache.
def _is_int(v) -> bool:
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
_int = (_is_int, "a whole number")
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
    if "schema" in payload and (not _is_int(payload["schema"]) or payload["schema"] != SCHEMA):
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
    if not _is_int(record.get("step")) or record["step"] < 0:
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


@dataclass
class Scan:
    results: dict  # experiment name -> list of (path, payload), newest first
    problems: list  # one sentence per file that was ignored


def scan(cache_dir: Path | None = None) -> Scan:
    """Every usable result in the cache, plus a sentence for each file that had to be ignored
    (a result or a progress file that fails its schema)."""
    cache_dir = Path(cache_dir or default_cache_dir())
    results, problems = {}, []
    if not cache_dir.is_dir():
        if cache_dir.exists():
            problems.append(f"{cache_dir}: the cache folder is a file, not a folder")
        return Scan(results, problems)
    for path in sorted(cache_dir.glob("*.json")):
        try:
            if path.name.endswith(".progress.json"):
                load_progress(path)
                continue
            payload = load_result(path)
        except FileNotFoundError:  # deleted since the glob: a run that just finished, or a dismissal
            continue
        except CacheError as e:
            problems.append(str(e))
            continue
        results.setdefault(payload["experiment"], []).append((path, payload))
    for entries in results.values():
        entries.sort(key=lambda e: e[1].get("created", ""), reverse=True)
    return Scan(results, problems)


def find(cache_dir: Path | None, experiment: str, key: str) -> dict | None:
    """The finished result of exactly this spec, or None (missing, corrupt or unfinished)."""
    path = result_path(cache_dir or default_cache_dir(), experiment, key)
    try:
        return load_result(path)
    except (FileNotFoundError, CacheError):
        return None


def read_progress(cache_dir: Path | None, experiment: str, key: str) -> dict | None:
    """The checked progress file of this spec, None if there is none; :class:`CacheError` if it is bad."""
    try:
        return load_progress(progress_path(cache_dir or default_cache_dir(), experiment, key))
    except FileNotFoundError:
        return None


def ensure_dir(cache_dir: Path) -> Path:
    """Create the cache folder if needed; :class:`CacheError` that says so if the path is not a usable folder."""
    cache_dir = Path(cache_dir)
    if cache_dir.exists() and not cache_dir.is_dir():
        raise CacheError(f"the cache folder {cache_dir} is a file, not a folder; move it or choose another --cache-dir")
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CacheError(f"the cache folder {cache_dir} cannot be created ({e.strerror or e})") from e
    return cache_dir
