"""Keep ``workers`` processes training the runs of an experiment until all have ended, one fails or a
stop is asked: the scheduling half of :mod:`bnviz.runs.runner`.

A job is one run, or an arm's seeds trained as one stacked model (:mod:`bnviz.train.seed_stack`);
each trains in its own process (:mod:`bnviz.runs.worker`) with one torch thread, and its records
come back over a queue into the runs' shared state.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
import time

from bnviz.experiments import Experiment
from bnviz.runs import worker
from bnviz.runs.payload import THREADS
from bnviz.runs.schema import ProgressStatus, Record, Run
from bnviz.train.config import TrainConfig
from bnviz.train.seed_stack import why_not_stacked

PROGRESS_EVERY = 1.0  # seconds between progress-file writes


def keep_fields(record: Record, keep: tuple[str, ...] | None) -> Record:
    if keep is None:
        return record
    return {k: v for k, v in record.items() if k.startswith(keep)}


def _spawn(ctx, target, args: tuple) -> mp.Process:
    """Start a daemon process with SIGINT blocked until it has set its own handling: a Ctrl-C
    reaches the whole process group, and a child still importing torch would print a
    KeyboardInterrupt traceback. A Ctrl-C meanwhile waits for this process and is not lost."""
    p = ctx.Process(target=target, args=args, daemon=True)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if hasattr(signal, "pthread_sigmask") else None
    try:
        p.start()
    finally:
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
    return p


def start_method() -> str:
    """How a worker starts: "fork" where this process has one thread (the command line), so a worker starts
    with torch already imported (a fresh interpreter spends 2-4 s importing it, twice per short run on two
    cores); "spawn" elsewhere (a process with other threads, such as a test runner or a server, cannot fork
    safely: a lock another thread holds stays locked in the child)."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def seed_jobs(configs: list[TrainConfig], workers: int) -> list[list[int]]:
    """The runs (indices into ``configs``) grouped into jobs, one process each. An arm's seeds are
    one job, trained as one stacked model (:mod:`bnviz.train.seed_stack`) where the arm allows it;
    while there are fewer jobs than ``workers``, the largest is halved, so no core waits."""
    arms: dict[TrainConfig, list[int]] = {}
    for i, c in enumerate(configs):
        arms.setdefault(c.replace(seed=0), []).append(i)
    jobs = []
    for runs in arms.values():
        if why_not_stacked([configs[i] for i in runs]) is None:
            jobs.append(runs)
        else:
            jobs.extend([i] for i in runs)
    while len(jobs) < workers and any(len(j) > 1 for j in jobs):
        largest = max(jobs, key=len)
        half = (len(largest) + 1) // 2
        jobs[jobs.index(largest) : jobs.index(largest) + 1] = [largest[:half], largest[half:]]
    return jobs


def _runs_named(state: list[Run], runs: list[int]) -> str:
    """ "run no BN seed 0", or "runs no BN seeds 0, 1, 2" for a job of several."""
    if len(runs) == 1:
        return f"run {state[runs[0]]['arm']} seed {state[runs[0]]['seed']}"
    return f"runs {state[runs[0]]['arm']} seeds {', '.join(str(state[i]['seed']) for i in runs)}"


def schedule(
    exp: Experiment, state: list[Run], data_dir, workers: int, stopped, write_progress, on_progress
) -> tuple[ProgressStatus, str] | None:
    """Train every run in ``state`` (updated in place), ``workers`` processes at a time, until all
    have ended or one fails or a stop is asked. Returns None or ``(status, message)`` of the failure."""
    ctx = mp.get_context(start_method())
    out = ctx.Queue()
    configs = [s["config"] for s in state]
    jobs = seed_jobs([TrainConfig.from_dict(c) for c in configs], workers)
    pending, active, failure = list(range(len(jobs))), {}, None
    last_write = 0.0
    try:
        while (pending or active) and failure is None:
            if stopped():
                return ("stopped", "stopped before every run finished")
            while pending and len(active) < workers:
                j = pending.pop(0)
                p = _spawn(
                    ctx,
                    worker.train_and_send,
                    (
                        j,
                        jobs[j],
                        [configs[i] for i in jobs[j]],
                        str(data_dir) if data_dir else None,
                        THREADS,
                        out,
                        os.getpid(),
                    ),
                )
                active[j] = (p, time.perf_counter())
                for i in jobs[j]:
                    state[i]["status"] = "running"
                    state[i]["trained_with"] = len(jobs[j])  # 1: alone; more: seeds stacked as one model
            try:
                kind, i, payload = out.get(timeout=0.2)
            except queue.Empty:
                for j, (p, _) in list(active.items()):
                    if not p.is_alive() and out.empty():
                        failure = ("failed", f"{_runs_named(state, jobs[j])} died (exit code {p.exitcode})")
                kind = None
            if kind == "record":
                state[i]["records"].append(keep_fields(payload, exp.keep))
                state[i]["step"] = payload["step"]
                if payload["status"] == "diverged":
                    state[i]["status"] = "diverged"
            elif kind == "done":
                p, t_start = active.pop(i)
                p.join()
                for r in jobs[i]:
                    state[r]["wall_time"] = time.perf_counter() - t_start
                    if state[r]["status"] != "diverged":
                        state[r]["status"] = "done"
            elif kind == "error":
                failure = ("failed", f"{_runs_named(state, jobs[i])} crashed: {payload}")
            if time.perf_counter() - last_write > PROGRESS_EVERY:
                write_progress()
                last_write = time.perf_counter()
                if on_progress:
                    on_progress(state)
        return failure
    finally:
        for p, _ in active.values():
            p.terminate()
        for p, _ in active.values():
            p.join(timeout=5)
