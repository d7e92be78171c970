"""Train up to four networks side by side, a little at a time, for the Activations page.

A :class:`LiveComparison` holds one :func:`bnviz.train.trainer.train` generator per arm, each arm a full
:class:`~bnviz.train.config.TrainConfig` (its normalization, where it sits, its training settings),
and their records as "runs" in the shape of a cache payload's, so :mod:`bnviz.views.records` and
:mod:`bnviz.views.charts` draw a live run exactly as they draw a cached one. The arms share what makes
them comparable (:data:`SHARED`): the data, the seed and so the mini-batches in the same order, the
probe batch and the steps at which they are recorded. ``advance(budget_seconds)`` trains whichever
arm is behind, one step at a time, until the budget is used; :mod:`bnviz.live.background` calls it from
a thread of its own, so the page only draws and its buttons answer within a step. Pure Python and
torch: no Streamlit here.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Sequence

import torch

from bnviz.data import Dataset
from bnviz.live.choices import CHOICES, MAX_ARMS
from bnviz.live.settings import arm_labels
from bnviz.live.threads import use_training_threads
from bnviz.train.config import TrainConfig
from bnviz.train.record import RunInfo, run_info
from bnviz.train.trainer import Progress, train

# What every arm of one comparison shares: the same mini-batches in the same order (dataset, seed,
# batch size), the same probe batch, records at the same steps, and the same layers to compare.
SHARED = (
    "model",
    "dataset",
    "seed",
    "steps",
    "batch_size",
    "binarize",
    "augment",
    "eval_every",
    "probe_every",
    "early_probes",
    "probe_size",
    "probe_unit",
    "depth",
    "channels",
    "activation",
)


def check_arms(configs: Sequence[TrainConfig]) -> None:
    """``ValueError`` unless there are 1 to :data:`MAX_ARMS` distinct configs agreeing on :data:`SHARED`."""
    if not 1 <= len(configs) <= MAX_ARMS:
        raise ValueError(f"a live comparison trains 1 to {MAX_ARMS} arms (got {len(configs)})")
    if len(set(configs)) < len(configs):
        raise ValueError("two arms have the same config: each arm must differ from the others")
    for name in SHARED:
        values = {getattr(c, name) for c in configs}
        if len(values) > 1:
            raise ValueError(
                f"every arm must have the same {name} (got {', '.join(map(repr, sorted(values, key=repr)))}): "
                "the arms are compared on the same batches, probes and layers"
            )


def first_test_examples(data: Dataset, n: int | None) -> Dataset:
    """The same dataset with only its first ``n`` test examples (views, no copy)."""
    if n is None or n >= len(data.test_y):
        return data
    return dataclasses.replace(data, test_x=data.test_x[:n], test_y=data.test_y[:n])


class LiveComparison:
    """One to four runs of one comparison on one dataset, trained in step with each other.

    ``configs``: one :class:`~bnviz.train.config.TrainConfig` per arm, equal in every :data:`SHARED`
    field (else ``ValueError``, with a sentence); each run's ``arm`` is its label
    (:func:`~bnviz.live.settings.arm_label`), a name for people: charts colour it by its ``config``.

    ``state`` is "running", "paused", "stopped" (by the user; records so far are kept), "done"
    (every arm finished or diverged) or "failed" (``error`` says why). One arm diverging ends
    that arm only; the others go on. Each run's ``step`` is the last step trained, recorded or not.

    Training uses one torch thread (:func:`bnviz.live.threads.use_training_threads`). Each arm draws its
    random numbers (dropout, noisy BN) from torch's generator as if it trained alone: its state is kept
    per arm and put back before the arm trains, so an arm's records equal those of its config trained
    alone, however the arms take turns.

    One thread may train (``advance``) while another pauses, resumes, stops or reads: a step runs under
    a lock that :meth:`stop` waits for (at most one step), :meth:`pause` takes effect after the step in
    flight, and :meth:`snapshot` copies the runs without waiting (records are only ever appended).
    """

    def __init__(self, configs: Sequence[TrainConfig], data: Dataset, test_size: int | None = None):
        configs = list(configs)
        check_arms(configs)
        use_training_threads()
        data = first_test_examples(data, test_size)
        self.configs = configs
        self.config = configs[0]  # what the arms share (SHARED) is read from here
        self.info: RunInfo = run_info(self.config, data)
        self.test_examples = len(data.test_y)
        self.runs: list[dict] = []
        self._generators = []
        for label, cfg in zip(arm_labels(configs), configs):
            self.runs.append(
                {
                    "arm": label,
                    "seed": cfg.seed,
                    "config": cfg.to_dict(),
                    "status": "running",
                    "step": 0,
                    "steps": cfg.steps,
                    "records": [],
                }
            )
            # a Progress after every step: Pause and Stop wait for one step of one arm, never a probe interval
            self._generators.append(train(cfg, data, eval_chunk=CHOICES[cfg.model].eval_chunk, progress_every=1))
        self._rng_states: list[torch.Tensor | None] = [None] * len(configs)  # None: the arm has not started
        self.state = "running"
        self.error: str | None = None
        # Wall-clock seconds spent in advance(): with the page drawing meanwhile in another thread, the time
        # the room sees training take (steps, probes and evaluations, slowed by the drawing), pauses excluded.
        self.train_seconds = 0.0
        self._lock = threading.Lock()  # held while a step runs: a generator runs in one thread at a time

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def done(self) -> bool:
        """Nothing more will be trained: finished, stopped or failed."""
        return self.state in ("done", "stopped", "failed")

    @property
    def fraction(self) -> float:
        """Progress 0..1: steps trained over planned steps, all arms together."""
        return sum(min(r["step"], r["steps"]) for r in self.runs) / sum(r["steps"] for r in self.runs)

    @property
    def steps_per_second(self) -> float | None:
        """Training steps of all arms together per wall-clock second of :attr:`train_seconds` (probes and
        evaluations included); None before any training."""
        steps = sum(r["step"] for r in self.runs)
        return steps / self.train_seconds if steps and self.train_seconds > 0 else None

    @property
    def seconds_left(self) -> float | None:
        """The planned steps not yet trained at :attr:`steps_per_second`; None before any training."""
        rate = self.steps_per_second
        left = sum(max(r["steps"] - r["step"], 0) for r in self.runs if r["status"] == "running")
        return left / rate if rate else None

    def snapshot(self) -> list[dict]:
        """The runs as they stand, copied (each run's dict and its list of records) for drawing while
        another thread trains."""
        return [{**run, "records": list(run["records"])} for run in self.runs]

    def advance(self, budget_seconds: float) -> int:
        """Train, always the arm that is behind, one step (or one record) at a time until ``budget_seconds``
        are used. Returns how many steps and records it pulled.

        Cheap when not running (returns 0 at once); when running it pulls at least one, so it overshoots
        the budget by at most one training step, or one record's probes and evaluation.
        """
        if not self.running:
            return 0
        start, pulled = time.perf_counter(), 0
        while True:
            with self._lock:
                if not self.running:  # paused or stopped by another thread meanwhile
                    break
                self._pull(self._behind())
            pulled += 1
            if time.perf_counter() - start >= budget_seconds:
                break
        self.train_seconds += time.perf_counter() - start
        return pulled

    def pause(self) -> None:
        if self.running:
            self.state = "paused"

    def resume(self) -> None:
        if self.state == "paused":
            self.state = "running"

    def stop(self) -> None:
        """End training after the step in flight and keep every record so far; the runs are labelled "stopped"."""
        if self.state not in ("running", "paused"):
            return
        self.state = "paused"  # another thread's advance() ends after its step
        with self._lock:
            if self.state != "paused":  # the last step in flight finished the run, or it failed
                return
            for run in self.runs:
                if run["status"] == "running":
                    run["status"] = "stopped"
            self.state = "stopped"
            self._close()

    def _behind(self) -> int:
        # The arm with the fewest steps trained, then the fewest records (ties: the first arm): the arms take
        # turns step by step and record each step they share one after another.
        active = [i for i, r in enumerate(self.runs) if r["status"] == "running"]
        return min(active, key=lambda i: (self.runs[i]["step"], len(self.runs[i]["records"])))

    def _pull(self, i: int) -> None:
        run = self.runs[i]
        try:
            item = self._next(i)
        except StopIteration:
            item = None
        except Exception as e:  # noqa: BLE001 - shown to the user as a sentence, never as a traceback
            self.error = f"{run['arm']} run failed at step {run['step']}: {type(e).__name__}: {e}"
            self.state = "failed"
            for r in self.runs:
                if r["status"] == "running":
                    r["status"] = "failed"
            self._close()
            return
        if isinstance(item, Progress):
            run["step"] = item.step
            return
        if item is None:
            run["status"] = "done"
        else:
            run["records"].append(item)
            run["step"] = item["step"]
            if item["status"] in ("done", "diverged"):
                run["status"] = item["status"]
        if run["status"] != "running":
            self._generators[i].close()
        if all(r["status"] != "running" for r in self.runs):
            self.state = "done"

    def _next(self, i: int):
        """Arm ``i``'s next step or record, drawn with its own state of torch's random number generator."""
        if self._rng_states[i] is not None:  # a new arm seeds the generator itself (train: manual_seed)
            torch.set_rng_state(self._rng_states[i])
        try:
            return next(self._generators[i])
        finally:
            self._rng_states[i] = torch.get_rng_state()

    def _close(self) -> None:
        for g in self._generators:
            g.close()
