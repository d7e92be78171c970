"""Experiment results on disk: one plain JSON file per finished experiment, written atomically.

A result file is ``<cache>/<experiment>-<key>.json`` where ``key`` hashes the experiment's full
spec (every arm's config and the seeds), so changing any setting makes a new entry instead of
silently reusing an old one. A run in progress writes ``<experiment>-<key>.progress.json``
beside it; only a file whose ``status`` is ``"complete"`` counts as a finished result.
Never pickle: these files travel with the repository.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bnviz.runs.schema import SCHEMA, is_int, progress_problem, result_problem

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
    if not is_int(payload["schema"]) or payload["schema"] != SCHEMA:
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
