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
from bnviz.train.batches import Batches, training_batch
from bnviz.train.config import TrainConfig
from bnviz.train.models import build_model
from bnviz.train.optim import SGD
from bnviz.train.trainer import train

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
    """The same training as bnviz.train.trainer.train, without probes, evals or records."""
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
            "bnviz.train.trainer.train, all probes and metrics": lambda: list(train(config, data)),
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


def run_seeds(table: Table, data, quick: bool) -> None:
    """Issue #14, target 1: an arm's 3 seeds as one stacked model against one seed alone (the BN arm of
    mnist-fig1 as it trains, compiled, with its probes and evaluations), and against 3 seeds one by one."""
    from bnviz.train.seed_stack import train_seeds

    steps = 2000 if quick else 5000
    arm = experiments.get("mnist-fig1").arms[1].config.replace(steps=steps)
    configs = [arm.replace(seed=s) for s in (0, 1, 2)]
    times = compare(
        {
            "1 seed alone": lambda: list(train(configs[0], data)),
            "3 seeds as one stacked model": lambda: list(train_seeds(configs, data)),
            "3 seeds one after another": lambda: [list(train(c, data)) for c in configs],
        },
        inner=1,
        repeats=3 if quick else 5,
        warmup=1,
    )
    table.add(
        f"3 seeds of mnist-fig1's BN arm, {steps:,} steps each, one process (wall time)",
        times,
        "1 seed alone",
        "s",
        {"3 seeds as one stacked model": "<= 1.40x"},
    )


def run_fig1(table: Table, data, data_dir: str | None, quick: bool) -> None:
    """Issue #14, target 2: mnist-fig1 (both arms, probes, evaluations, process start and compiling, as
    ``python -m bnviz run mnist-fig1`` trains it on this machine's cores) with 1 and with 3 seeds, against
    the same number of steps of a bare single-thread loop of the BN network in ``torch.nn`` layers."""
    from benchmarks.live import BareLoop

    steps = 5000 if quick else 50_000
    exp = experiments.get("mnist-fig1").with_overrides(steps=steps)
    bare = BareLoop(exp.arms[1].config.replace(norm="torch"), data)  # nn.Linear, nn.BatchNorm1d, torch.optim.SGD
    times = {}
    t0 = time.perf_counter()
    bare.steps(steps)
    times[f"bare torch loop, nn.BatchNorm1d, {steps:,} steps, 1 thread"] = time.perf_counter() - t0
    for seeds in ([0], [0, 1, 2]):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_experiment(exp.with_overrides(seeds=seeds), data_dir=data_dir, cache_dir=tmp)
            times[f"mnist-fig1, both arms, {len(seeds)} seed{'s' * (len(seeds) > 1)}"] = time.perf_counter() - t0
    names = list(times)
    scaled = " (scaled down: --quick)" if quick else ""
    table.add(
        f"mnist-fig1, {steps:,} steps per run, {os.cpu_count()} cores (wall time, one run each)",
        times,
        names[0],
        "s",
        {names[1]: "<= 1.00x" + scaled, names[2]: "<= 1.50x" + scaled},
    )
