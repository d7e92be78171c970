"""python -m benchmarks.eval_modes [--data-dir DIR] [--steps 2000] [--norm bnviz]

Issue #16, experiment 2 on real MNIST: train the paper's BN MLP, then test the one trained network
in each mode of :mod:`bnviz.train.eval_modes`, and print accuracy, loss and the seconds each took
(one thread, as each experiment run trains)."""

from __future__ import annotations

import argparse
import time

import torch

from bnviz import data as datasets
from bnviz.experiments.spec import MNIST
from bnviz.train import eval_modes
from bnviz.train.models import build_model
from bnviz.train.trainer import train


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.eval_modes", description=__doc__)
    p.add_argument("--data-dir", help="folder with MNIST/raw (default: $BNVIZ_DATA_DIR or ./data)")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--norm", default="bnviz")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    data = datasets.load("mnist", args.data_dir)
    config = MNIST.replace(norm=args.norm, steps=args.steps, eval_every=1000, probe_every=1000)
    torch.manual_seed(config.seed)  # as train() seeds before it builds the model
    model = build_model(config.model, config.norm, config.init_std)
    start = time.perf_counter()
    last = list(train(config, data, model=model))[-1]
    print(
        f"trained {config.norm} MLP, {config.steps} steps in {time.perf_counter() - start:.1f} s; "
        f"trainer's test/acc {last['test/acc']:.4f}\n"
    )
    x, y = data.test_x, data.test_y
    stats, stats_s = timed(eval_modes.population_statistics, model, config, data.train_x)
    rows = [(*timed(eval_modes.running, model, config, x, y), "")]
    pop, pop_s = timed(eval_modes.population, model, config, x, y, stats)
    rows.append((pop, pop_s, f" + {stats_s:.2f} s for the pass over {stats[0].num_batches} training batches"))
    for mode in (eval_modes.batch_stats, eval_modes.non_iid):
        rows += [(*timed(mode, model, config, x, y, b), "") for b in (1, 8, 64, 1000)]
    print("| mode | test batch | accuracy | loss | seconds |\n|---|---|---|---|---|")
    for r, seconds, note in rows:
        acc = "None" if r.accuracy is None else f"{r.accuracy:.4f}"
        loss = "None" if r.loss is None else f"{r.loss:.4f}"
        print(f"| {r.mode} | {r.batch_size or '-'} | {acc} | {loss} | {seconds:.2f}{note} |")
        if r.reason:
            print(f"|  | reason: {r.reason} | | | |")
    print("\nrunning averages against the population statistics (mean over units):")
    for s in stats:
        print(
            f"  {s.layer}: |running mean − E[x]| / √Var[x] = {float(s.mean_shift().mean()):.4f}, "
            f"running var / Var[x] = {float(s.var_ratio().mean()):.4f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
