"""Benchmark 8: a short run's fixed cost (issue #25, item 6).

``python -m bnviz run mnist-fig1 --steps 200 --seeds 0`` in a fresh process, as a user types it (process
start, imports, data checks, workers, compiling where the trainer compiles, probes, evaluations, the
result written to a temporary cache folder), against a bare torch script in a fresh process that imports
torch, reads the same MNIST files and trains 200 steps of each of the two arms' networks (torch.nn layers,
torch.optim.SGD, the paper's batch of 60, one thread), with nothing else. Interleaved round by round;
each time is the median over the rounds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from benchmarks.app import side_by_side
from benchmarks.browser import ROOT
from benchmarks.harness import Table

STEPS = 200

BARE = """
import gzip, sys
from pathlib import Path

import torch
from torch import nn

torch.set_num_threads(1)
raw = Path(sys.argv[1]) / "MNIST" / "raw"


def idx(name):
    path = raw / name
    data = path.read_bytes() if path.exists() else gzip.decompress((raw / (name + ".gz")).read_bytes())
    return torch.frombuffer(bytearray(data), dtype=torch.uint8)


x = (idx("train-images-idx3-ubyte")[16:].reshape(-1, 784) > 127).float()  # binarized, as mnist-fig1 trains
y = idx("train-labels-idx1-ubyte")[8:].long()
for bn in (False, True):
    torch.manual_seed(0)
    layers, width = [], 784
    for _ in range(3):
        layers += [nn.Linear(width, 100), *([nn.BatchNorm1d(100)] if bn else []), nn.Sigmoid()]
        width = 100
    model = nn.Sequential(*layers, nn.Linear(100, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    for _ in range(int(sys.argv[2])):
        i = torch.randint(0, len(y), (60,))
        loss = nn.functional.cross_entropy(model(x[i]), y[i])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    loss.item()
"""


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr[-500:]}")
    return time.perf_counter() - t0


def one_round(data_dir: str) -> dict[str, float]:
    bare = timed([sys.executable, "-c", BARE, data_dir, str(STEPS)])
    with tempfile.TemporaryDirectory() as tmp:
        run = [sys.executable, "-m", "bnviz", "run", "mnist-fig1", "--steps", str(STEPS), "--seeds", "0"]
        run += ["--data-dir", data_dir, "--cache-dir", tmp, "--force"]
        cli = timed(run)
    return {"bare torch script": bare, "python -m bnviz run mnist-fig1": cli}


def run(data_dir: str | None, quick: bool) -> list[str]:
    data_dir = data_dir or os.environ.get("BNVIZ_DATA_DIR", "data")
    if not (os.path.isdir(os.path.join(data_dir, "MNIST", "raw"))):
        return [f"(short-run benchmark skipped: no MNIST in {data_dir}; python -m bnviz download mnist)"]
    one_round(data_dir)  # warm-up: the OS file cache, Python's bytecode
    samples = [one_round(data_dir) for _ in range(3 if quick else 5)]
    ref = "bare torch script"
    table = Table()
    table.add(
        f"a {STEPS}-step run of mnist-fig1's two arms, one seed, each in a fresh process (wall time)",
        side_by_side(samples, ref, ["python -m bnviz run mnist-fig1"]),
        ref,
        "s",
        "<= 1.50x",
    )
    return [table.markdown()]
