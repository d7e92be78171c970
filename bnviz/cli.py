"""``python -m bnviz``: list, run and summarize the paper's experiments; download the datasets.

Every failure a user can cause ends in one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from pathlib import Path

from tqdm import tqdm

from bnviz import data, experiments
from bnviz.experiments import summary
from bnviz.runs import cache
from bnviz.runs.request import RunRequest
from bnviz.runs.runner import RunError, run_experiment
from bnviz.runs.schema import MAX_SEED, MAX_STEPS, Result, Run
from bnviz.teach import grader, sandbox
from bnviz.views import results_doc

PROG = "python -m bnviz"
COMMANDS = ("list", "run", "summary", "download", "check")
USAGE = f"usage: {PROG} {{{','.join(COMMANDS)}}} ...   e.g. {PROG} run mnist-fig1 --synthetic --steps 2000"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        if self.prog == PROG and "required" in message:  # plain `python -m bnviz`
            print(USAGE, file=sys.stderr)
            message = f"a command is required: one of {', '.join(COMMANDS)}"
        raise SystemExit(_fail(f"{message} (see {self.prog} --help)", 2))


def _fail(message: str, code: int = 1) -> int:
    print(f"bnviz: error: {printable(message)}", file=sys.stderr)
    return code


# C0 and C1 control characters but tab and newline: ESC starts a terminal's escape sequences (colours,
# cursor moves, a window title, a hyperlink), so a file name or a pickle's global name could rewrite the screen.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` safe for a terminal: every control character shown as a ``\\x..`` escape, never sent raw."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def _whole_number(minimum: int, not_a_number: str, too_small: str):
    """An argparse type: an int of at least ``minimum``, with messages that say what was wrong."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(not_a_number.format(text=text)) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(too_small.format(value=value))
        return value

    return parse


_positive_int = _whole_number(1, "expected a whole number, got {text!r}", "must be greater than 0, got {value}")
_seed = _whole_number(0, "seeds are whole numbers, got {text!r}", "seeds are 0 or more, got {value}")


def _at_most(parse, maximum: int, too_big: str):
    def check(text: str) -> int:
        value = parse(text)
        if value > maximum:
            raise argparse.ArgumentTypeError(too_big.format(value=value))
        return value

    return check


_steps = _at_most(_positive_int, MAX_STEPS, f"at most {MAX_STEPS:,} steps per run, got {{value}}")
_seed = _at_most(_seed, MAX_SEED, f"seeds are 0 to {MAX_SEED}, got {{value}}")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="the named experiments and whether each is cached").add_argument("--cache-dir")
    run = sub.add_parser("run", help="train an experiment and store it in the cache")
    run.add_argument("experiment", nargs="?", help="the experiment to train (or --all)")
    run.add_argument(
        "--all", action="store_true", help="every experiment in turn, as the shipped cache was made (see README)"
    )
    run.add_argument("--steps", type=_steps, help=f"override the number of training steps (at most {MAX_STEPS:,})")
    run.add_argument("--seeds", type=_seed, nargs="+", help="override the seeds, e.g. --seeds 0 1 2")
    run.add_argument("--data-dir", help=f"dataset folder (default ${data.DATA_DIR_ENV} or ./data)")
    run.add_argument("--cache-dir", help=f"result folder (default ${cache.CACHE_DIR_ENV} or ./cache)")
    run.add_argument("--force", action="store_true", help="train again even if this config is cached")
    run.add_argument("--workers", type=_positive_int, help="parallel processes (default: one per core)")
    run.add_argument("--synthetic", action="store_true", help="use synthetic data of the same shape (offline demo)")
    run.add_argument("--download", action="store_true", help="download missing dataset files first")
    summ = sub.add_parser("summary", help="print a cached result's summary as JSON, or write the results docs")
    summ.add_argument("experiment", nargs="?", help="the experiment (omit it with --write-docs)")
    summ.add_argument("--write-docs", metavar="DIR", help="write results.md and practice.md into DIR from the cache")
    summ.add_argument("--cache-dir")
    summ.add_argument("--steps", type=_steps, help="the summary of the run with this many steps")
    summ.add_argument("--seeds", type=_seed, nargs="+")
    summ.add_argument("--synthetic", action="store_true")
    dl = sub.add_parser("download", help="download a dataset into the data folder")
    dl.add_argument("dataset", choices=("mnist", "cifar10"))
    dl.add_argument("--data-dir")
    chk = sub.add_parser(
        "check", help="grade your own BN forward and backward (CS231n's signatures) against the paper's"
    )
    chk.add_argument("file", help="a .py file defining forward(x, gamma, beta, eps) and backward(dy, cache)")
    chk.add_argument("--seed", type=_seed, default=0, help="draws the upstream gradient and the random batches")
    return p


def _unique(seeds: list[int] | None) -> list[int] | None:
    """The seeds, each once; a repeat is an error (it would count one run twice in every mean)."""
    if seeds is not None and len(set(seeds)) != len(seeds):
        repeated = sorted({s for s in seeds if seeds.count(s) > 1})
        raise SystemExit(_fail(f"each seed once, please: {', '.join(map(str, repeated))} is given more than once", 2))
    return seeds


def cmd_list(args) -> int:
    found = cache.scan(args.cache_dir)
    width = max(map(len, experiments.EXPERIMENTS), default=0)
    for name, exp in experiments.EXPERIMENTS.items():
        default_cached = cache.find(args.cache_dir, name, exp.key()) is not None
        others = len(found.results.get(name, [])) - int(default_cached)
        state = "cached" if default_cached else "not cached"
        if others > 0:
            state += f" (+{others} other config{'s' if others > 1 else ''})"
        print(f"{name:<{width}} {state:<28} {exp.title}")
    for problem in found.problems:
        print(f"ignored: {printable(problem)}", file=sys.stderr)
    return 0


def _printer(total_steps: int, stream=None):
    """Progress over every run's steps as one tqdm bar, with the time left and the runs in flight beside it.

    On a terminal the bar redraws twice a second; into a log (the app's background runs) it writes a
    line every 10 s, so a log stays readable."""
    stream = stream if stream is not None else sys.stderr
    tty = stream.isatty()
    tqdm.monitor_interval = 0  # no monitor thread: a one-thread process starts its workers by fork (runs.schedule)
    bar = tqdm(
        total=total_steps,
        unit="step",
        unit_scale=True,
        file=stream,
        mininterval=0.5 if tty else 10.0,
        dynamic_ncols=tty,
        ascii=not tty,
        smoothing=0.05,
    )
    done = [0]

    def show(state: list[Run]):
        now = sum(min(s["step"], s["steps"]) for s in state)
        running = " ".join(
            f"[{printable(s['arm'])} s{s['seed']}: {s['step']}/{s['steps']}]" for s in state if s["status"] == "running"
        )
        bar.set_postfix_str(running[:120], refresh=False)
        bar.update(now - done[0])
        done[0] = now
        if now >= total_steps:
            bar.close()

    show.close = bar.close
    return show


def cmd_run_all(args, argv: list[str]) -> int:
    """Each experiment in the registry's order, each recorded with its own command (``run NAME ...``)."""
    if args.experiment:
        return _fail("name one experiment or pass --all, not both", 2)
    rest = [a for a in argv[1:] if a != "--all"]  # argv[0] is "run"
    args.all = False
    for name in experiments.EXPERIMENTS:
        one = ["run", name, *rest]
        args.experiment = name
        cmd_run(args, one)
    return 0


def cmd_run(args, argv: list[str]) -> int:
    if args.all:
        return cmd_run_all(args, argv)
    if not args.experiment:
        return _fail(f"name the experiment to train (one of {', '.join(experiments.EXPERIMENTS)}), or pass --all", 2)
    request = RunRequest(args.experiment, args.steps, _unique(args.seeds), args.synthetic, args.data_dir)
    exp = request.experiment()
    cache_dir = cache.ensure_dir(Path(args.cache_dir or cache.default_cache_dir()))
    existing = cache.find(cache_dir, exp.name, exp.key())
    if existing and not args.force:
        path = cache.result_path(cache_dir, exp.name, exp.key())
        print(f"{exp.name} is already cached with this config ({printable(str(path))}); use --force to train it again.")
        return 0
    if args.download and not args.synthetic:
        data.download(exp.arms[0].config.dataset, args.data_dir)
    total = sum(cfg.steps for _, _, cfg in exp.runs())
    print(f"{exp.name}: {len(exp.runs())} runs, {exp.steps} steps each, key {exp.key()}", file=sys.stderr)
    printer = _printer(total)
    # a second process for this config is refused by the runner (it holds the config's lock)
    try:
        result = run_experiment(
            exp,
            data_dir=args.data_dir,
            cache_dir=cache_dir,
            command="python -m bnviz " + shlex.join(argv),  # as the user typed it (--workers, --force too)
            workers=args.workers,
            on_progress=printer,
            request=request,
        )
    finally:
        printer.close()
    _print_summary(result)
    return 0


def _print_summary(result: Result) -> None:
    text = json.dumps(summary(result), indent=2, ensure_ascii=False)  # escapes C0 controls itself, not C1
    print(re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m[0]):04x}", text))


def cmd_summary(args) -> int:
    if args.write_docs:
        for path in results_doc.write(Path(args.write_docs), Path(args.cache_dir) if args.cache_dir else None):
            print(f"wrote {path}")
        return 0
    if not args.experiment:
        return _fail("name the experiment to summarize, or pass --write-docs DIR", 2)
    exp = experiments.resolve(args.experiment, args.steps, _unique(args.seeds), args.synthetic)
    result = cache.find(args.cache_dir, exp.name, exp.key())
    if result is None:
        found = cache.scan(args.cache_dir).results.get(exp.name)
        if args.steps is None and args.seeds is None and not args.synthetic and found:
            result = found[0][1]  # the newest cached config of this experiment
        else:
            return _fail(
                f"no finished result for {exp.name} with this config in the cache; run: python -m bnviz run {exp.name}"
            )
    try:
        _print_summary(result)
    except Exception as e:  # a file the schema let through that still cannot be summarized: say which
        return _fail(f"{exp.name} ({result['key']}): cannot be summarized ({type(e).__name__}: {e})")
    return 0


def cmd_check(args) -> int:
    """Run the file's forward and backward in a limited child process and print where they first differ
    from the paper's: exit 0 if every intermediate agrees, 1 if not (or the code failed)."""
    path = Path(args.file)
    try:
        code = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return _fail(f"cannot read {path}: {e}")
    probes = grader.default_probes(args.seed)
    report = grader.grade(probes, sandbox.run(code, probes))
    print(grader.report_text(report))
    return 0 if report.passed else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            return cmd_list(args)
        if args.command == "run":
            return cmd_run(args, argv)
        if args.command == "summary":
            return cmd_summary(args)
        if args.command == "check":
            return cmd_check(args)
        if args.command == "download":
            path = data.download(args.dataset, args.data_dir)
            print(f"{args.dataset} is in {printable(str(path))}")
            return 0
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    except KeyError as e:
        return _fail(e.args[0], 2)
    except (data.DataError, RunError, cache.CacheError, ValueError, OSError) as e:
        return _fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    return 2
