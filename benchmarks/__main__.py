"""python -m benchmarks [--quick] [--only layers,mlp,trainer,seeds,memory,fig1,app,reruns,probes,live,live-cnn,clicks,short-run] [--data-dir DIR]

Prints one Markdown table of ratios, each measured side by side in one run, plus the machine."""

from __future__ import annotations

import argparse
import sys
import time

import torch

from benchmarks import harness

SECTIONS = (
    "layers",
    "mlp",
    "trainer",
    "seeds",
    "memory",
    "fig1",
    "app",
    "reruns",
    "probes",
    "live",
    "live-cnn",
    "clicks",
    "short-run",
)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer repeats; mnist-fig1 scaled to 5,000 steps")
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    p.add_argument("--data-dir", help="folder with MNIST/raw, cifar-10-batches-py (default: $BNVIZ_DATA_DIR or ./data)")
    args = p.parse_args(argv)
    only = set(args.only.split(","))
    if only - set(SECTIONS):
        p.error(f"unknown section(s): {', '.join(sorted(only - set(SECTIONS)))}")
    torch.set_num_threads(1)  # as each experiment run trains: one thread per process
    t0 = time.time()
    print(f"machine: {harness.machine()}\n")
    table = harness.Table()
    if "layers" in only:
        from benchmarks import layers

        layers.run(table, args.quick)
    if only & {"mlp", "trainer", "seeds", "memory", "fig1"}:
        from benchmarks import training
        from bnviz import data

        if "mlp" in only:
            training.run_mlp(table, args.quick)
        mnist = data.load("mnist", args.data_dir) if only & {"trainer", "seeds", "fig1"} else None
        if "trainer" in only:
            training.run_trainer(table, mnist, args.quick)
        if "seeds" in only:
            training.run_seeds(table, mnist, args.quick)
        if "fig1" in only:
            training.run_fig1(table, mnist, args.data_dir, args.quick)
    if "probes" in only:
        from benchmarks import probes

        probes.run(table, args.quick)
    notes = []
    if only & {"live", "live-cnn"}:
        from benchmarks import live
        from bnviz import data

        def dataset(name: str):
            try:
                return data.load(name, args.data_dir)
            except data.DataError:  # no files: the page's synthetic stand-in
                return data.load(f"synthetic-{name}")

        if "live" in only:
            notes += live.run_speed(table, dataset("mnist"), args.quick)
        if "live-cnn" in only:
            notes += live.run_cnn_speed(table, dataset("cifar10"), args.quick)
    print(table.markdown())
    if notes:
        print("\n" + "\n".join(notes))
    if "memory" in only:
        print()
        print("\n".join(training.run_memory(args.data_dir)))
    if "app" in only:
        from benchmarks import app

        print()
        print("\n".join(app.run(args.quick)))
    if "reruns" in only:
        from benchmarks import reruns

        print()
        print("\n".join(reruns.run(args.quick)))
    if "live" in only:
        print()
        print("\n".join(live.run_control_change(args.quick)))
    if "clicks" in only:
        from benchmarks import clicks

        print()
        print("\n".join(clicks.run(args.data_dir, args.quick)))
    if "short-run" in only:
        from benchmarks import short_run

        print()
        print("\n".join(short_run.run(args.data_dir, args.quick)))
    print(f"\n(all sections: {time.time() - t0:,.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
