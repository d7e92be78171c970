"""Experiment results on disk: one plain JSON file per finished experiment, written atomically.

A result file is ``<cache>/<experiment>-<key>.json`` where ``key`` hashes the experiment's full
spec (every arm's config and the seeds), so changing any setting makes a new entry instead of
silently reusing an old one. A run in progress writes ``<experiment>-<key>.progress.json``
beside it; only a file whose ``status`` is ``"complete"`` counts as a finished result.
Never pickle: these files travel with the repository.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bnviz import files
from bnviz.files import RefusedFile, read_bytes
from bnviz.runs import owner
from bnviz.runs.checks import is_int
from bnviz.runs.schema import SCHEMA, Progress, Result, progress_problem, result_problem

CACHE_DIR_ENV = "BNVIZ_CACHE_DIR"
# The largest shipped result (mnist-fig1, 3 seeds of 50,000 steps) is 1.8 MB; the longest run the app's form
# can ask for (200,000 steps, 5 seeds) makes about 12 MB. 32 MiB leaves margin over both, and parses into
# about 110 MB of Python objects (3.4 times the text, measured), so no file can exhaust a server's memory.
MAX_FILE_BYTES = 32 * 2**20
MAX_DEPTH = 16  # JSON nesting: a result needs 6 (runs, a run, records, a record, a histogram); 6 kB of "[" is 6,000
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


def stop_path(cache_dir: Path, experiment: str, key: str) -> Path:
    """A stop asked for before the run's process was known (:func:`bnviz.runs.jobs.stop`); the run reads it."""
    return Path(cache_dir) / f".{experiment}-{key}.stop"


def remove(path: Path) -> bool:
    """Delete a file bnviz wrote (a link: the link, never its target); whether it went. :class:`CacheError`
    for a folder in its place, which bnviz leaves alone."""
    try:
        return files.remove(path)
    except RefusedFile as e:
        raise CacheError(str(e)) from e
    except OSError as e:  # a read-only cache folder
        raise CacheError(f"cannot delete {path} ({e.strerror or e}); make the cache folder writable") from e


def unwritable(cache_dir: Path, e: OSError) -> CacheError:
    """The sentence for a cache folder bnviz cannot write in (read-only, full, not ours)."""
    return CacheError(
        f"cannot write in the cache folder {cache_dir} ({e.strerror or e}); make it writable, or set "
        f"{CACHE_DIR_ENV} (the command line: --cache-dir) to a folder you can write"
    )


def acquire_lock(cache_dir: Path, experiment: str, key: str, wait: float = 1.0) -> owner.ConfigLock | None:
    """The config's lock, waiting ``wait`` seconds (a page's status() may be probing it); None if another process
    holds it. :class:`CacheError` that names the folder if the lock file cannot be made there (a read-only
    cache folder) or something other than a file sits in its place."""
    try:
        return owner.ConfigLock.acquire(lock_path(cache_dir, experiment, key), wait=wait)
    except RefusedFile as e:
        raise CacheError(str(e)) from e
    except OSError as e:
        raise unwritable(cache_dir, e) from e


def listing(cache_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """(name, size, mtime) of every result file in the folder, for keying what a page derives from them.
    Read with ``lstat``: a link, a FIFO or a file deleted meanwhile is listed as it is, never opened."""
    cache_dir = Path(cache_dir)
    found = []
    try:
        names = sorted(p.name for p in cache_dir.glob("*.json") if not p.name.endswith(".progress.json"))
    except OSError:
        return ()
    for name in names:
        try:
            info = os.lstat(cache_dir / name)
        except OSError:
            continue
        found.append((name, info.st_size, info.st_mtime_ns))
    return tuple(found)


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
    """A cache file's JSON object: a regular file (never through a link, never a FIFO or device) of at
    most :data:`MAX_FILE_BYTES`, nested at most :data:`MAX_DEPTH` deep; :class:`CacheError` otherwise."""
    try:
        data = read_bytes(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise
    except NotADirectoryError as e:  # the cache folder is a file: no such cache file either
        raise FileNotFoundError(e.errno, e.strerror, str(path)) from e
    except RefusedFile as e:
        raise CacheError(f"{path}: {str(e).removeprefix(str(path)).strip()}") from e
    except OSError as e:
        raise CacheError(f"{path}: not readable ({e.strerror or e}); delete it or re-run the experiment") from e
    try:
        text = data.decode("utf-8")
        if _depth(text) > MAX_DEPTH:  # checked on the text: json.loads itself recurses, and so would what reads it
            raise CacheError(f"{path}: nested more than {MAX_DEPTH} deep, which no bnviz file is; delete it")
        payload = json.loads(text)
    except RecursionError as e:  # unpaired brackets nested too deep for _depth to measure
        raise CacheError(f"{path}: nested more than {MAX_DEPTH} deep, which no bnviz file is; delete it") from e
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
        raise CacheError(f"{path}: not readable JSON ({e}); delete it or re-run the experiment") from e
    if not isinstance(payload, dict):
        raise CacheError(f"{path}: expected a JSON object; delete it or re-run the experiment")
    return payload


_NOT_STRUCTURE = {ord(c): None for c in "0123456789.,:eE+- \n\r\t"}  # never a bracket, quote or backslash
_STRINGS_AND_OTHER = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[^\[\]{}"]+')  # JSON strings (escapes too), and the rest
_INNERMOST = re.compile(r"\[\]|\{\}")


def _depth(text: str) -> int:
    """How deeply lists and objects nest in the JSON ``text`` (brackets inside strings do not count), up to
    ``MAX_DEPTH + 1``: each pass removes the innermost pairs of brackets, a level at a time."""
    brackets = _STRINGS_AND_OTHER.sub("", text.translate(_NOT_STRUCTURE))
    depth, removed = 0, 1
    while brackets and removed and depth <= MAX_DEPTH:  # nothing removed: unpaired brackets, for json.loads to name
        brackets, removed = _INNERMOST.subn("", brackets)
        depth += 1
    return depth


def load_result(path: Path) -> Result:
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


def load_progress(path: Path) -> Progress:
    """A progress file, checked; :class:`CacheError` if it is not one this bnviz wrote."""
    payload = read_json(path)
    problem = progress_problem(payload)
    if problem:
        raise CacheError(f"{path}: {problem}; dismiss it or delete it")
    return payload


@dataclass
class Scan:
    results: dict[str, list[tuple[Path, Result]]]  # experiment name -> (path, payload) of each result, newest first
    problems: list[str]  # one sentence per file that was ignored: "<file>: <reason>"


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


@functools.lru_cache(maxsize=2)  # parsed results are large: the folder's newest versions only
def _scan_of(folder: str, fingerprint: tuple) -> Scan:
    return scan(Path(folder))


def scan_listed(cache_dir: Path | None = None) -> Scan:
    """:func:`scan`, read once per version of the folder (its :func:`listing`: names, sizes, mtimes) in this
    process, so the pages and Home's background warm-up share one reading. Treat the result as read-only."""
    cache_dir = Path(cache_dir or default_cache_dir())
    return _scan_of(str(cache_dir), listing(cache_dir))


def find(cache_dir: Path | None, experiment: str, key: str) -> Result | None:
    """The finished result of exactly this spec, or None (missing, corrupt or unfinished)."""
    path = result_path(cache_dir or default_cache_dir(), experiment, key)
    try:
        return load_result(path)
    except (FileNotFoundError, CacheError):
        return None


def read_progress(cache_dir: Path | None, experiment: str, key: str) -> Progress | None:
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
