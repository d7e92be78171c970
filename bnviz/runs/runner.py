"""Train every run of an experiment in parallel processes and land the result in the cache.

Each run (arm x seed) trains in its own process with one torch thread, ``workers`` at a time
(default: one per core), so a two-arm comparison keeps both cores busy. Records come back over
a queue. While it runs, a progress file beside the result says how far each run is (the app
reads it, so a browser refresh loses nothing); the result file is written once, atomically,
when every run has finished. A stop (SIGINT/SIGTERM) or a crash leaves a progress file that says so and
never a result file.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import platform
import queue
import signal
import time
from pathlib import Path

from bnviz.runs import cache
from bnviz import data
from bnviz.runs import worker
from bnviz.runs.version import code_version
from bnviz.experiments import Experiment

PROGRESS_EVERY = 1.0  # seconds between progress-file writes


class RunError(Exception):
    """A run crashed or was stopped; the message says which and why."""


def _keep(record: dict, keep: tuple[str, ...] | None) -> dict:
    if keep is None:
        return record
    return {k: v for k, v in record.items() if k.startswith(keep)}


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


def run_experiment(
    exp: Experiment,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    command: str = "",
    workers: int | None = None,
    on_progress=None,
    should_stop=lambda: False,
) -> dict:
    """Train all runs of ``exp``; write and return the cache payload. Raises :class:`RunError`."""
    cache_dir = Path(cache_dir or cache.default_cache_dir())
    key = exp.key()
    progress_file = cache.progress_path(cache_dir, exp.name, key)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    version = code_version()  # of the code that trains, taken before anything can change on disk
    base = {"schema": cache.SCHEMA, "experiment": exp.name, "key": key, "pid": os.getpid(), "started": started,
            "command": command, "runs": []}
    cache.write_json_atomic(progress_file, {**base, "status": "starting", "message": "loading the data"})
    try:
        dataset = data.load(exp.arms[0].config.dataset, data_dir)  # fails early, before any process starts
    except data.DataError as e:
        cache.write_json_atomic(progress_file, {**base, "status": "failed", "message": str(e)})
        raise
    provenance = dataset.provenance
    del dataset
    runs = exp.runs()
    workers = max(1, min(workers or os.cpu_count() or 1, len(runs)))
    # One thread per run, always: float reductions then happen in one order, so a run's records
    # do not depend on how many runs shared the machine (parallelism is across runs instead).
    threads = 1
    t0 = time.perf_counter()
    state = [{"arm": arm.label, "seed": seed, "config": cfg.to_dict(), "status": "queued", "step": 0,
              "steps": cfg.steps, "records": [], "wall_time": None} for arm, seed, cfg in runs]
    def progress(status: str, message: str = "") -> dict:
        return {
            **base, "status": status, "message": message, "data": _data_fields(provenance),
            "updated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "runs": [{**{k: v for k, v in s.items() if k != "records"},
                      "records": [_keep(r, ("step", "status", "train/loss", "test/")) for r in s["records"]]}
                     for s in state],
        }

    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    pending, active, failure = list(range(len(runs))), {}, None
    last_write = 0.0
    with _Stop() as stop:
        try:
            while (pending or active) and failure is None:
                if stop.requested or should_stop():
                    failure = ("stopped", "stopped before every run finished")
                    break
                while pending and len(active) < workers:
                    i = pending.pop(0)
                    p = ctx.Process(target=worker.train_and_send, args=(i, runs[i][2].to_dict(), str(data_dir) if data_dir else None, threads, out), daemon=True)
                    p.start()
                    active[i] = (p, time.perf_counter())
                    state[i]["status"] = "running"
                try:
                    kind, i, payload = out.get(timeout=0.2)
                except queue.Empty:
                    for i, (p, _) in list(active.items()):
                        if not p.is_alive() and out.empty():
                            failure = ("failed", f"run {state[i]['arm']} seed {state[i]['seed']} died (exit code {p.exitcode})")
                    kind = None
                if kind == "record":
                    state[i]["records"].append(_keep(payload, exp.keep))
                    state[i]["step"] = payload["step"]
                    if payload["status"] == "diverged":
                        state[i]["status"] = "diverged"
                elif kind == "done":
                    p, t_start = active.pop(i)
                    p.join()
                    state[i]["wall_time"] = time.perf_counter() - t_start
                    if state[i]["status"] != "diverged":
                        state[i]["status"] = "done"
                elif kind == "error":
                    failure = ("failed", f"run {state[i]['arm']} seed {state[i]['seed']} crashed: {payload}")
                if time.perf_counter() - last_write > PROGRESS_EVERY:
                    cache.write_json_atomic(progress_file, progress("running"))
                    last_write = time.perf_counter()
                    if on_progress:
                        on_progress(state)
        finally:
            for p, _ in active.values():
                p.terminate()
            for p, _ in active.values():
                p.join(timeout=5)
    if failure is not None:
        cache.write_json_atomic(progress_file, progress(*failure))
        raise RunError(failure[1])
    if on_progress:
        on_progress(state)
    result = {
        "schema": cache.SCHEMA,
        "experiment": exp.name,
        "key": key,
        "status": "complete",
        "title": exp.title,
        "spec": exp.spec(),
        "runs": [{k: v for k, v in s.items()} for s in state],
        "data": _data_fields(provenance),
        "command": command,
        "code_version": version,
        "created": started,
        "wall_time": time.perf_counter() - t0,
        "machine": {"cores": os.cpu_count(), "workers": workers, "threads_per_worker": threads,
                    "python": platform.python_version(), "platform": platform.platform(terse=True)},
    }
    cache.write_json_atomic(cache.result_path(cache_dir, exp.name, key), result)
    progress_file.unlink(missing_ok=True)
    return result


def _data_fields(p: data.Provenance) -> dict:
    return {"label": p.label, "source": p.source, "sha256": p.sha256}
