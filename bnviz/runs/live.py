"""Train the same network without and with BN side by side, a little at a time, for the Activations page.

A :class:`LiveComparison` holds two :func:`bnviz.trainer.train` generators (``norm="none"`` and
``norm="bnviz"``, everything else equal) and their records as "runs" in the shape of a cache
payload's, so :mod:`bnviz.results` and :mod:`bnviz.charts` draw a live run exactly as they draw a
cached one. ``advance(budget_seconds)`` trains whichever arm is behind until the budget is used, so
the page can call it from a timer and stay responsive. Pure Python and torch: no Streamlit here.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import torch

from bnviz.data import Dataset
from bnviz.experiments import lr_sweep, spec
from bnviz.train.config import TrainConfig
from bnviz.train.trainer import RunInfo, run_info, train

ARMS = (("no BN", "none"), ("BN", "bnviz"))  # (arm label used across bnviz, TrainConfig.norm)


@dataclass(frozen=True)
class ModelChoice:
    """What the page offers for one model: its base config (bnviz.experiments) and live-run sizes."""

    label: str
    base: TrainConfig  # lr, batch size, momentum, ... as in the named experiment
    dataset: str  # "mnist" | "cifar10"
    steps: int  # default length of a live run
    min_steps: int
    max_steps: int
    probe_size: int  # examples in the fixed probe batch
    min_probe_every: int  # probe (and evaluate) at least this often: the step slider's resolution
    test_size: int | None  # evaluate on the first this many test examples (None: the whole test set)
    lrs: tuple[float, ...]  # learning rates offered, the base config's among them


CHOICES = {
    "mlp": ModelChoice(
        "MNIST MLP (3×100 sigmoid)",
        spec.MNIST,
        "mnist",
        steps=3000,
        min_steps=100,
        max_steps=20_000,
        probe_size=500,
        min_probe_every=100,
        test_size=None,
        lrs=(0.03, 0.1, spec.MNIST_LR, 1.0, 3.0, 9.0),
    ),
    # The CNN evaluates on 1,000 test images: the whole CIFAR-10 test set costs more CPU time
    # than the ten training steps between two probes.
    "cnn": ModelChoice(
        "CIFAR-10 CNN (ReLU)",
        spec.CIFAR,
        "cifar10",
        steps=300,
        min_steps=20,
        max_steps=3000,
        probe_size=128,
        min_probe_every=10,
        test_size=1000,
        lrs=(0.005, 0.01, 0.02, spec.CIFAR.lr, 0.1, 0.2),
    ),
}
INIT_STDS = lr_sweep.SWEEP_STDS  # 0.01 (the plateau-prone small init), 0.1 (the MNIST default), 1.0
PROBES_PER_RUN = 40  # about this many slider stops after the early ones, whatever the run length


def nice_ceil(x: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least ``x``."""
    k = 1
    while True:
        for f in (1, 2, 5):
            if f * k >= x:
                return f * k
        k *= 10


def probe_interval(model: str, steps: int) -> int:
    """Probe often enough for a smooth step slider, but not so often that probing dominates the time."""
    return max(CHOICES[model].min_probe_every, nice_ceil(steps / PROBES_PER_RUN))


def live_config(
    model: str, seed: int, steps: int, lr: float, init_std: float | None = None, synthetic: bool = False
) -> TrainConfig:
    """The BN arm's config of a live run (the no-BN arm differs only in ``norm``).

    Raises ``ValueError`` with sentences a user can act on when a value is unusable.
    """
    if model not in CHOICES:
        raise ValueError(f"model must be one of {', '.join(CHOICES)} (got {model!r})")
    choice = CHOICES[model]
    every = probe_interval(model, steps)
    changes = dict(
        dataset=("synthetic-" if synthetic else "") + choice.dataset,
        norm="bnviz",
        seed=seed,
        steps=steps,
        lr=lr,
        probe_every=every,
        eval_every=every,
        early_probes=True,
        probe_size=choice.probe_size,
    )
    if model == "mlp":
        changes["init_std"] = init_std if init_std is not None else choice.base.init_std
    return choice.base.replace(**changes)


def first_test_examples(data: Dataset, n: int | None) -> Dataset:
    """The same dataset with only its first ``n`` test examples (views, no copy)."""
    if n is None or n >= len(data.test_y):
        return data
    return dataclasses.replace(data, test_x=data.test_x[:n], test_y=data.test_y[:n])


class LiveComparison:
    """Two runs, no BN and BN, of one config on one dataset, trained in step with each other.

    ``state`` is "running", "paused", "stopped" (by the user; records so far are kept), "done"
    (every arm finished or diverged) or "failed" (``error`` says why).

    Training uses ``threads`` torch threads (default 1, like :mod:`bnviz.runner`'s workers): a live
    run shares the CPU with the app and often with a background experiment, and torch's thread
    pool slows down many-fold when its threads have to wait for a busy core; one thread also
    gives the same numbers as the runner's one-thread runs.
    """

    def __init__(self, config: TrainConfig, data: Dataset, test_size: int | None = None, threads: int | None = 1):
        data = first_test_examples(data, test_size)
        self.config = config
        self.threads = threads
        self.info: RunInfo = run_info(config, data)
        self.test_examples = len(data.test_y)
        self.runs: list[dict] = []
        self._generators = []
        for arm, norm in ARMS:
            cfg = config.replace(norm=norm)
            self.runs.append(
                {
                    "arm": arm,
                    "seed": cfg.seed,
                    "config": cfg.to_dict(),
                    "status": "running",
                    "step": 0,
                    "steps": cfg.steps,
                    "records": [],
                }
            )
            self._generators.append(train(cfg, data))
        self.state = "running"
        self.error: str | None = None
        self.train_seconds = 0.0  # time spent inside advance(), pauses and page drawing excluded

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def done(self) -> bool:
        """Nothing more will be trained: finished, stopped or failed."""
        return self.state in ("done", "stopped", "failed")

    @property
    def fraction(self) -> float:
        """Progress 0..1: recorded steps over planned steps, both arms together."""
        return sum(min(r["step"], r["steps"]) for r in self.runs) / sum(r["steps"] for r in self.runs)

    def advance(self, budget_seconds: float) -> int:
        """Pull records, always from the arm that is behind, until ``budget_seconds`` are used.

        Returns the number of records pulled. Cheap when not running (returns 0 at once); when running
        it pulls at least one record, so it overshoots the budget by at most one record's training.
        """
        if not self.running:
            return 0
        start, pulled = time.perf_counter(), 0
        previous = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            while self.running:
                self._pull(self._behind())
                pulled += 1
                if time.perf_counter() - start >= budget_seconds:
                    break
        finally:
            torch.set_num_threads(previous)
        self.train_seconds += time.perf_counter() - start
        return pulled

    def pause(self) -> None:
        if self.running:
            self.state = "paused"

    def resume(self) -> None:
        if self.state == "paused":
            self.state = "running"

    def stop(self) -> None:
        """End training now and keep every record so far; the runs are labelled "stopped"."""
        if self.state in ("running", "paused"):
            for run in self.runs:
                if run["status"] == "running":
                    run["status"] = "stopped"
            self.state = "stopped"
            self._close()

    def _behind(self) -> int:
        # Both arms record at the same steps, so the one with fewer records is behind (ties: "no BN" first).
        active = [i for i, r in enumerate(self.runs) if r["status"] == "running"]
        return min(active, key=lambda i: len(self.runs[i]["records"]))

    def _pull(self, i: int) -> None:
        run = self.runs[i]
        try:
            record = next(self._generators[i])
        except StopIteration:
            record = None
        except Exception as e:  # noqa: BLE001 - shown to the user as a sentence, never as a traceback
            self.error = f"{run['arm']} run failed at step {run['step']}: {type(e).__name__}: {e}"
            self.state = "failed"
            for r in self.runs:
                if r["status"] == "running":
                    r["status"] = "failed"
            self._close()
            return
        if record is None:
            run["status"] = "done"
        else:
            run["records"].append(record)
            run["step"] = record["step"]
            if record["status"] in ("done", "diverged"):
                run["status"] = record["status"]
        if run["status"] != "running":
            self._generators[i].close()
        if all(r["status"] != "running" for r in self.runs):
            self.state = "done"

    def _close(self) -> None:
        for g in self._generators:
            g.close()
