"""The child process of one job (a run, or an arm's seeds trained as one model): train it and send every record home over a queue.

A worker is forked from the command line, which has torch imported already (bnviz.runs.schedule), or, in
a process with other threads, spawned: kept apart from :mod:`bnviz.runs.runner` so that a spawned child
imports only torch and the training modules, not pandas and the rest that the parent needs.

A worker lives only as long as its parent: if the runner is killed outright (SIGKILL, the OOM
killer), nothing could tell the workers to stop, and they would train to the end for nobody.
So on Linux the kernel sends the worker SIGTERM when its parent dies (``PR_SET_PDEATHSIG``),
and everywhere a watchdog thread ends it once its parent pid changes (it was re-parented).
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import traceback

import torch

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_EVERY = 0.5  # seconds between the watchdog's looks at the parent


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` (its parent) ends."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still ends it
    if os.getppid() != parent_pid:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_EVERY)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def train_and_send(
    job: int,
    indices: list[int],
    config_dicts: list[dict],
    data_dir: str | None,
    threads: int,
    out: mp.Queue,
    parent_pid: int | None = None,
) -> None:
    """Child process: train the runs ``indices`` (one, or an arm's seeds as one stacked model:
    :mod:`bnviz.train.seed_stack`) and send every record home, tagged with its run's index."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop (on Ctrl-C too)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the runner's handler: SIGTERM ends it
    if hasattr(signal, "pthread_sigmask"):  # the parent blocked it while starting us (runner._spawn)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if parent_pid is not None:
        die_with_parent(parent_pid)
    torch.set_num_threads(threads)
    from bnviz.train.config import TrainConfig
    from bnviz.train.seed_stack import train_seeds
    from bnviz.train.trainer import train

    try:
        configs = [TrainConfig.from_dict(d) for d in config_dicts]
        if len(configs) == 1:
            for record in train(configs[0], data_dir=data_dir):
                out.put(("record", indices[0], record))
        else:
            for i, record in train_seeds(configs, data_dir=data_dir):
                out.put(("record", indices[i], record))
        out.put(("done", job, None))
    except BaseException as e:  # reported to the parent, which fails the experiment cleanly
        out.put(("error", job, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"))
