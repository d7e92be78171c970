"""A finished experiment as it lands in the cache: the payload, written once, and kept when the disk says no."""

from __future__ import annotations

import os
import platform
import tempfile
from pathlib import Path

from bnviz import data
from bnviz.experiments.spec import Experiment
from bnviz.runs import cache
from bnviz.runs.request import RunRequest
from bnviz.runs.schema import CodeVersion, Data, Result, Run

# One torch thread per run, always: float reductions then happen in one order, so a run's records
# do not depend on how many runs shared the machine (parallelism is across runs instead).
THREADS = 1


class RunError(Exception):
    """A run crashed or was stopped; the message says which and why."""


def result_payload(
    exp: Experiment,
    key: str,
    state: list[Run],
    *,
    provenance: Data,
    command: str,
    request: RunRequest | None,
    version: CodeVersion,
    started: str,
    wall_time: float,
    workers: int,
) -> Result:
    """The cache payload of a finished experiment (schema :data:`bnviz.runs.cache.SCHEMA`)."""
    return {
        "schema": cache.SCHEMA,
        "experiment": exp.name,
        "key": key,
        "status": "complete",
        "title": exp.title,
        "spec": exp.spec(),
        "runs": [dict(s) for s in state],
        "data": provenance,
        "command": command,
        "request": request.to_dict() if request else None,
        "code_version": version,
        "created": started,
        "wall_time": wall_time,
        "machine": {
            "cores": os.cpu_count(),
            "workers": workers,
            "threads_per_worker": THREADS,
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        },
    }


def land(result: Result, path: Path, progress, state: list[Run]) -> None:
    """Write the result and drop the progress file. If the result cannot be written (a full disk),
    the trained runs are not thrown away: the whole result goes to the temp folder, which is
    often another disk, complete and loadable as it is once moved into the cache; the progress
    file, if it can still be written, says "failed", why, and where the result went."""
    try:
        cache.write_json_atomic(path, result)
    except OSError as e:
        fallback = Path(tempfile.gettempdir()) / path.name
        try:
            cache.write_json_atomic(fallback, result)
            kept = (
                f"the finished result was saved to {fallback} instead: move it into the cache folder once there is room"
            )
        except OSError:
            fallback, kept = None, "it could not be saved anywhere else either"
        reason = f"training finished, but the result could not be written to {path} ({e.strerror or e}); {kept}"
        extra = {"result_fallback": str(fallback) if fallback else None}
        if not progress.write("failed", reason, state, **extra):
            progress.write("failed", reason, [{**s, "records": []} for s in state], **extra)  # smaller
        raise RunError(reason) from e
    progress.path.unlink(missing_ok=True)


def data_fields(p: data.Provenance) -> Data:
    return {"label": p.label, "source": p.source, "sha256": p.sha256}
