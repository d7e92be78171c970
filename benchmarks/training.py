"""Benchmarks 2-4: the MLP training step, the trainer's probe overhead, memory, and a whole mnist-fig1 run."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from benchmarks.harness import Table, compare
from bnviz import experiments
from bnviz.experiments import spec
from bnviz.runs.runner import run_experiment
from bnviz.train.config import TrainConfig
from bnviz.train.models import build_model
from bnviz.train.optim import SGD
from bnviz.train.trainer import Batches, train, training_batch

ROOT = Path(__file__).resolve().parent.parent


def mlp_step(norm: str, compiled: bool, x, y):
    """One SGD step of the paper's MLP, as the trainer takes it (compiled: the model and its loss as one graph)."""
    torch.manual_seed(0)
    model = build_model("mlp", norm, 0.1)
    opt = SGD(model.parameters(), lr=0.3)

    def batch_loss(x, y):
        return nn.functional.cross_entropy(model(x), y)

    fn = torch.compile(batch_loss) if compiled else batch_loss

    def step():
        loss = fn(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):  # compiles here, outside the timing
        step()
    return step


def run_mlp(table: Table, quick: bool) -> None:
    x = (torch.rand(60, 784) > 0.5).float()
    y = torch.randint(0, 10, (60,))
    times = compare(
        {
            "torch BN, eager": mlp_step("torch", False, x, y),
            "bnviz BN, eager": mlp_step("bnviz", False, x, y),
            "bnviz BN, torch.compile (mnist-fig1's BN arm)": mlp_step("bnviz", True, x, y),
            "torch BN, torch.compile": mlp_step("torch", True, x, y),
            "no BN, eager (mnist-fig1's plain arm)": mlp_step("none", False, x, y),
        },
        inner=100 if quick else 300,
        repeats=7 if quick else 15,
    )
    table.add("MNIST MLP training step (batch 60)", times, "torch BN, eager", "us", "<= 1.05x")


def bare_loop(config: TrainConfig, data) -> None:
    """The same training as bnviz.trainer.train, without probes, evals or records."""
    torch.manual_seed(config.seed)
    model = build_model(config.model, config.norm, config.init_std)
    opt = SGD(model.parameters(), lr=config.lr)
    batches = Batches(len(data.train_y), config.batch_size, torch.Generator().manual_seed(config.seed))
    for _ in range(config.steps):
        x, y = training_batch(config, data, batches.next())
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss.item()


def run_trainer(table: Table, data, quick: bool) -> None:
    steps = 1000 if quick else 3000
    config = spec.MNIST.replace(norm="bnviz", steps=steps)  # probes and evals every 500, early probes
    times = compare(
        {
            "bare loop": lambda: bare_loop(config, data),
            "bnviz.trainer.train, all probes and metrics": lambda: list(train(config, data)),
        },
        inner=1,
        repeats=3 if quick else 5,
        warmup=1,
    )
    table.add(f"Trainer overhead ({steps} MLP steps, BN, probes/evals every 500)", times, "bare loop", "s", "<= 1.10x")


def peak_rss_mb(code: str) -> float:
    """Peak resident memory of a fresh Python running ``code`` (VmHWM: unlike ru_maxrss it starts
    afresh at exec, so the benchmark's own memory does not leak into the number)."""
    probe = "\nprint([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
    out = subprocess.run(
        [sys.executable, "-c", code + probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    return int(out.stdout.split()[-1]) / 1024


def run_memory(data_dir: str | None) -> list[str]:
    base = peak_rss_mb("import torch")
    run = "import torch; torch.set_num_threads(1)\nfrom bnviz.experiments import spec; from bnviz.train.trainer import train\n"
    floor = peak_rss_mb(
        run + "from bnviz.data import synthetic\n"
        "c = spec.MNIST.replace(norm='bnviz', dataset='synthetic-mnist', steps=2000)\n"
        "list(train(c, synthetic('synthetic-mnist', 200, 200)))"
    )
    whole = peak_rss_mb(
        run + f"c = spec.MNIST.replace(norm='bnviz', steps=2000)\nlist(train(c, data_dir={data_dir!r}))"
    )
    return [
        f"- peak RSS, `import torch` alone: {base:.0f} MB",
        f"- peak RSS, the same 2,000-step BN run on 200 synthetic images (torch, model, probes, evals; "
        f"no dataset to speak of): {floor:.0f} MB",
        f"- peak RSS, a 2,000-step BN MNIST run over the whole dataset (load, train, probes, evals): {whole:.0f} MB "
        f"(target 250 MB; {whole - floor:.0f} MB above the run without data: MNIST as uint8 is 55 MB)",
    ]


def run_fig1(table: Table, data_dir: str | None, quick: bool) -> None:
    steps = 5000 if quick else 50_000
    exp = experiments.get("mnist-fig1").with_overrides(steps=steps, seeds=[0])
    times = {}
    for label, workers in (("arms one after the other", 1), ("arms in parallel processes", 2)):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_experiment(exp, data_dir=data_dir, cache_dir=tmp, workers=workers)
            times[label] = time.perf_counter() - t0
    table.add(
        f"mnist-fig1, both arms, 1 seed, {steps:,} steps each (wall time)",
        times,
        "arms one after the other",
        "s",
        "< 60 s" if not quick else "(scaled down: --quick)",
    )
