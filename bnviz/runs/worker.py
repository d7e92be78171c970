"""The child process of one run: train a config and send every record home over a queue.

Kept apart from :mod:`bnviz.runner` so that a spawned child imports only torch and the
training modules, not pandas and the rest that the parent needs.
"""
from __future__ import annotations

import multiprocessing as mp
import signal
import traceback

import torch


def train_and_send(index: int, config_dict: dict, data_dir: str | None, threads: int, out: mp.Queue) -> None:
    """Child process: train one config, send every record home."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    torch.set_num_threads(threads)
    from bnviz.train.config import TrainConfig
    from bnviz.train.trainer import train

    try:
        for record in train(TrainConfig.from_dict(config_dict), data_dir=data_dir):
            out.put(("record", index, record))
        out.put(("done", index, None))
    except BaseException as e:  # reported to the parent, which fails the experiment cleanly
        out.put(("error", index, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"))
