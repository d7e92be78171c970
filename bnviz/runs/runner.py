"""Train every run of an experiment in parallel processes and land the result in the cache.

Each job trains in its own process with one torch thread, ``workers`` at a time (default: one per
core), so a two-arm comparison keeps both cores busy. A job is one run, or an arm's seeds trained as
one stacked model (:mod:`bnviz.train.seed_stack`; each run's ``trained_with`` says how many). Records come back over
a queue. While it runs, a progress file beside the result says how far each run is (the app
reads it, so a browser refresh loses nothing); the result file is written once, atomically,
when every run has finished. A stop (SIGINT/SIGTERM, at any point after the progress file
exists) or a crash leaves a progress file that says so and never a result file.

Three parts: :func:`run_experiment` holds the config's lock and the progress file,
:func:`bnviz.runs.schedule.schedule` keeps ``workers`` processes busy until every run has ended, and
:func:`bnviz.runs.payload.result_payload` builds the result from the finished state.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import time
from pathlib import Path

from bnviz import data
from bnviz.experiments import Experiment
from bnviz.runs import cache, owner
from bnviz.runs.payload import RunError, data_fields, land, result_payload
from bnviz.runs.request import RunRequest
from bnviz.runs.schedule import keep_fields, schedule, seed_jobs
from bnviz.runs.schema import MAX_SEED, MAX_STEPS, Progress, ProgressStatus, Result, Run
from bnviz.runs.version import code_version

__all__ = ["MAX_SEED", "MAX_STEPS", "RunError", "check_experiment", "run_experiment", "seed_jobs"]
CURVE_FIELDS = ("step", "status", "train/loss", "test/")  # what the progress file keeps of each record


def check_experiment(exp: Experiment) -> None:
    """:class:`ValueError` naming what is wrong with ``exp``'s length or seeds, before anything starts."""
    too_long = max(arm.config.steps for arm in exp.arms)
    if too_long > MAX_STEPS:
        raise ValueError(f"at most {MAX_STEPS:,} steps per run (got {too_long:,})")
    for seed in exp.seeds:
        if not (isinstance(seed, int) and 0 <= seed <= MAX_SEED):
            raise ValueError(f"seeds are whole numbers from 0 to {MAX_SEED} (got {seed!r})")
    repeated = sorted({s for s in exp.seeds if exp.seeds.count(s) > 1})
    if repeated:
        raise ValueError(
            f"each seed once: {', '.join(map(str, repeated))} is given twice; a repeated seed repeats "
            "the same run and would count it twice in the means"
        )


class _Stop:
    """Turns SIGTERM/SIGINT into a flag the loop checks, so the stop is orderly."""

    def __init__(self):
        self.requested = False
        self._old = {}

    def __enter__(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self._old[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: signals stay with the caller
                pass
        return self

    def _handle(self, *_):
        self.requested = True

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


class _Progress:
    """The progress file of one run of an experiment. Only the first write may fail the run: a
    later one that fails (a full disk) is skipped, and the next second tries again."""

    def __init__(self, path: Path, base: dict):
        self.path, self.base, self.data, self.warned = path, base, None, False

    def payload(self, status: ProgressStatus, message: str, state: list[Run] | None, **extra) -> Progress:
        return {
            **self.base,
            "status": status,
            "message": message,
            **({"data": self.data} if self.data else {}),
            "updated": _now(),
            **extra,
            "runs": [
                {
                    **{k: v for k, v in s.items() if k != "records"},
                    "records": [keep_fields(r, CURVE_FIELDS) for r in s["records"]],
                }
                for s in state or []
            ],
        }

    def write(
        self, status: ProgressStatus, message: str = "", state: list[Run] | None = None, strict: bool = False, **extra
    ) -> bool:
        try:
            cache.write_json_atomic(self.path, self.payload(status, message, state, **extra))
            return True
        except OSError as e:
            if strict:
                raise
            if not self.warned:
                print(f"bnviz: warning: cannot write the progress file {self.path} ({e})", file=sys.stderr)
                self.warned = True
            return False


def run_experiment(
    exp: Experiment,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    command: str = "",
    workers: int | None = None,
    on_progress=None,
    should_stop=lambda: False,
    request: RunRequest | None = None,
) -> Result:
    """Train all runs of ``exp``; write and return the cache payload. Raises :class:`RunError`.

    ``request`` is what the user asked for (the CLI's arguments or the run form's choices), recorded
    in the progress and result files so that "Run it again" can ask for it again; ``command`` is the
    command line that asked (by default the request's). A stop is a SIGTERM/SIGINT, ``should_stop()``
    or a stop request left in the cache folder (:func:`bnviz.runs.jobs.stop` before the run's process was known).
    """
    check_experiment(exp)
    if request is not None and request.experiment().key() != exp.key():
        raise ValueError(f"the request {request.command()} does not ask for this configuration of {exp.name}")
    cache_dir = cache.ensure_dir(Path(cache_dir or cache.default_cache_dir()))
    key = exp.key()
    # wait a moment: a page's status() may be probing the lock right now
    lock = cache.acquire_lock(cache_dir, exp.name, key)
    if lock is None:
        raise RunError(
            f"{exp.name} with this config is already training in another process; "
            "wait for it or stop it from the app's Experiments page"
        )
    stop_file = cache.stop_path(cache_dir, exp.name, key)
    if not lock.inherited:  # a stop request left by an earlier run is not for this one
        cache.remove(stop_file)
    if not command and request is not None:
        command = request.command()
    try:
        # from here on a stop request is a flag, even while the data loads (never a bare kill)
        with _Stop() as stop:
            return _run_locked(
                exp,
                key,
                Path(data_dir) if data_dir else None,
                cache_dir,
                command,
                request,
                workers,
                on_progress,
                lambda: stop.requested or should_stop() or os.path.lexists(stop_file),
            )
    finally:
        cache.remove(stop_file)
        lock.release(unlink=True)


def _run_locked(exp, key, data_dir, cache_dir, command, request, workers, on_progress, stopped) -> Result:
    started = _now()
    version = code_version()  # of the code that trains, taken before anything can change on disk
    progress = _Progress(
        cache.progress_path(cache_dir, exp.name, key),
        {
            "schema": cache.SCHEMA,
            "experiment": exp.name,
            "key": key,
            **owner.identity(),
            "started": started,
            "command": command,
            "request": request.to_dict() if request else None,
        },
    )
    try:
        progress.write("starting", "loading the data", strict=True)
    except OSError as e:
        raise cache.unwritable(cache_dir, e) from e
    try:
        dataset = data.load(exp.arms[0].config.dataset, data_dir)  # fails early, before any process starts
    except Exception as e:  # a corrupt file of any kind: the run failed, and the progress file says why
        reason = str(e) if isinstance(e, data.DataError) else f"loading the data failed ({type(e).__name__}: {e})"
        progress.write("failed", reason)
        raise RunError(reason) from e
    provenance = data_fields(dataset.provenance)
    del dataset
    progress.data = provenance
    runs = exp.runs()
    state: list[Run] = [
        {
            "arm": arm.label,
            "seed": seed,
            "config": cfg.to_dict(),
            "status": "queued",
            "step": 0,
            "steps": cfg.steps,
            "records": [],
            "wall_time": None,
        }
        for arm, seed, cfg in runs
    ]
    if stopped():
        progress.write("stopped", "stopped while loading the data", state)
        raise RunError("stopped before training started")
    workers = max(1, min(workers or os.cpu_count() or 1, len(runs)))
    t0 = time.perf_counter()
    failure = schedule(
        exp, state, data_dir, workers, stopped, lambda: progress.write("running", "", state), on_progress
    )
    if failure is not None:
        progress.write(*failure, state)
        raise RunError(failure[1])
    if on_progress:
        on_progress(state)
    result = result_payload(
        exp,
        key,
        state,
        provenance=provenance,
        command=command,
        request=request,
        version=version,
        started=started,
        wall_time=time.perf_counter() - t0,
        workers=workers,
    )
    land(result, cache.result_path(cache_dir, exp.name, key), progress, state)
    return result


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
