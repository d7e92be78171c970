"""Benchmark 5: what the Santurkar et al. (2018) probes cost, as multiples of the training step they stand for."""

from __future__ import annotations

import time

import torch

from benchmarks.harness import Table, compare
from benchmarks.training import mlp_step
from bnviz.train.ics import internal_covariate_shift
from bnviz.train.landscape import along_gradient, step_sizes
from bnviz.train.models import build_model

LR = 0.5  # bnviz's MNIST learning rate (TrainConfig.lr)
STEP = "one training step, bnviz BN, eager"


def run(table: Table, quick: bool) -> None:
    """One eager SGD step of the paper's MLP (784-100-100-100-10 sigmoid, bnviz BN, batch 60) against one ICS probe
    and one landscape probe with 8 step sizes on the same batch, interleaved round by round.

    Timed twice: on the wall clock, and on this process's CPU time (``time.process_time``). On a loaded
    machine the scheduler takes the CPU away more often during a 10 ms probe than during a 1 ms step,
    which inflates the wall-clock ratio; the CPU-time ratio is what the probe itself costs."""
    x = (torch.rand(60, 784) > 0.5).float()
    y = torch.randint(0, 10, (60,))
    torch.manual_seed(0)
    model = build_model("mlp", "bnviz")
    etas = step_sizes(LR, n=8)
    contenders = {
        STEP: mlp_step("bnviz", False, x, y),
        "ICS probe (Definition 2.1, 3 layers)": lambda: internal_covariate_shift(model, x, y, LR),
        "landscape probe, 8 step sizes (their Section 3.1)": lambda: along_gradient(model, x, y, etas),
    }
    for clock, label in ((time.perf_counter, "wall clock"), (time.process_time, "CPU time")):
        times = compare(contenders, inner=1, repeats=40 if quick else 200, warmup=5, clock=clock)
        table.add(f"Santurkar et al. probes, MNIST MLP, batch 60 ({label})", times, STEP, "us")
