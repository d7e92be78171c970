"""What a user asked to train: an experiment, its length, its seeds and its data, as they gave them.

The command line (``python -m bnviz run``) and the app's run form both build a :class:`RunRequest`;
the runner stores it in the progress and result files, and "Run it again" reads it back from there.
The app launches a request as ``python -m bnviz <request.argv()>``, and the command a result
records is that line, naming the data folder as the user typed it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from bnviz import experiments
from bnviz.experiments import Experiment
from bnviz.runs.checks import check
from bnviz.runs.schema import Request

PROG = "python -m bnviz"


@dataclass(frozen=True)
class RunRequest:
    name: str  # the experiment, e.g. "mnist-fig1"
    steps: int | None = None  # the longest arm's steps; None: the experiment's own
    seeds: tuple[int, ...] | None = None  # None: the experiment's own
    # The data: synthetic, or the real dataset from ``data_dir`` as the user typed it (None: the
    # default folder, $BNVIZ_DATA_DIR or ./data). Two fields, so no folder name can mean "synthetic".
    synthetic: bool = False
    data_dir: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.seeds, list):
            object.__setattr__(self, "seeds", tuple(self.seeds))
        if self.synthetic:
            object.__setattr__(self, "data_dir", None)  # synthetic data is generated, from no folder
        problem = check(self.to_dict(), Request)
        if problem:
            raise ValueError(f"not a run request: {problem}")
        repeated = sorted({s for s in self.seeds or () if self.seeds.count(s) > 1})
        if repeated:
            raise ValueError(
                f"each seed once: {', '.join(map(str, repeated))} is given more than once; a repeated seed "
                "repeats the same run and would count it twice in the means"
            )

    def experiment(self) -> Experiment:
        """The experiment this asks for (KeyError for an unknown name)."""
        seeds = list(self.seeds) if self.seeds is not None else None
        return experiments.resolve(self.name, self.steps, seeds, self.synthetic)

    def argv(self) -> list[str]:
        """The arguments of ``python -m bnviz`` that ask for exactly this."""
        args = ["run", self.name]
        if self.steps is not None:
            args += ["--steps", str(self.steps)]
        if self.seeds is not None:
            args += ["--seeds", *map(str, self.seeds)]
        if self.synthetic:
            args.append("--synthetic")
        elif self.data_dir is not None:
            args += ["--data-dir", self.data_dir]
        return args

    def command(self) -> str:
        """The command line, as a user would type it: ``python -m bnviz run mnist-fig1 --data-dir data``."""
        return f"{PROG} {shlex.join(self.argv())}"

    def to_dict(self) -> Request:
        return {
            "name": self.name,
            "steps": self.steps,
            "seeds": list(self.seeds) if self.seeds is not None else None,
            "synthetic": self.synthetic,
            "data_dir": self.data_dir,
        }

    @classmethod
    def from_dict(cls, d: Request) -> RunRequest:
        """A request as a progress or result file stored it; ValueError if it is not one."""
        problem = check(d, Request)
        if problem:
            raise ValueError(f"not a run request: {problem}")
        seeds = tuple(d["seeds"]) if d["seeds"] is not None else None
        return cls(d["name"], d["steps"], seeds, d["synthetic"], d["data_dir"])
