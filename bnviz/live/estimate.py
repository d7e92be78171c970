"""How long a live run's probe interval takes on this machine: training steps timed before it starts.

At the page's largest settings (four arms of 20 layers of 1,024 units, batches of 1,000) one step of
one arm takes seconds, so the charts change only every many minutes; the page says so before the run
starts. The time is measured here, on this machine under its current load, never assumed.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence

import torch
from torch import nn

from bnviz.data import SYNTHETIC, synthetic
from bnviz.live.threads import use_training_threads
from bnviz.train.batches import training_batch
from bnviz.train.config import TrainConfig
from bnviz.train.models import model_for
from bnviz.train.optim import make_optimizer

# The largest batch a step is timed on. A larger batch's step is scaled from it in proportion to its size: a
# little more than it takes, as part of a step's work (the optimizer's update, each call's fixed cost) does not
# grow with the batch, but close at the sizes where a probe interval is long (every layer's work is per example).
MEASURE_BATCH = 256
WARM_UP_BATCH = 64  # one step of this many examples first: memory and first-call costs are not timed


def interval_seconds(configs: Sequence[TrainConfig]) -> float:
    """Estimated seconds of training in one probe interval of a live run: ``probe_every`` steps of every arm
    (probes and evaluations come on top). The arms differ only in their normalization, a small part of a
    long step's work, so the first arm's step is timed and counted for each."""
    return configs[0].probe_every * len(configs) * seconds_per_step(configs[0])


def seconds_per_step(config: TrainConfig) -> float:
    """Estimated seconds of one training step of ``config`` on this machine (measured once per network)."""
    return _seconds_per_step(timing_config(config))


def timing_config(config: TrainConfig) -> TrainConfig:
    """``config`` without what a step's time does not depend on: the seed, the length of the run, its record
    steps, and which copy of the data (synthetic images have the real ones' shape)."""
    dataset = config.dataset if config.dataset in SYNTHETIC else f"synthetic-{config.dataset}"
    return config.replace(seed=0, steps=1, eval_every=1, probe_every=1, dataset=dataset)


@functools.lru_cache(maxsize=64)
def _seconds_per_step(config: TrainConfig) -> float:
    use_training_threads()  # the thread count live runs train with
    timed = min(config.batch_size, MEASURE_BATCH)
    return step_seconds(config, timed) * config.batch_size / timed


def step_seconds(config: TrainConfig, batch_size: int) -> float:
    """Seconds of one training step of ``config``'s network on ``batch_size`` synthetic examples, after a smaller
    step to warm up. torch's random number generator is left as it was."""
    data = synthetic(config.dataset, n_train=batch_size, n_test=1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = model_for(config).train()
        optimizer = make_optimizer(config, model.parameters())

        def step(examples: int) -> float:
            x, y = training_batch(config, data, torch.arange(examples), torch.Generator().manual_seed(0))
            start = time.perf_counter()
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss.item()
            return time.perf_counter() - start

        step(min(batch_size, WARM_UP_BATCH))
        return step(batch_size)
