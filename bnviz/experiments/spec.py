"""An experiment is data: a name, a few sentences, the arms (one config each), the seeds, and where
the app shows it (its page, tab, place, and the question or claim it answers). Its page is one of
:data:`PAGES`: the paper's experiments, "BN in practice", "Why does BN work?", or "activations", the
Activations page, which replays the recorded runs step by step instead of drawing sections.

:mod:`bnviz.runs.runner` trains it; :mod:`bnviz.runs.cache` stores it under a hash of its arms and
seeds. Each experiment is a package of :mod:`bnviz.experiments`: this spec in its ``__init__``, its
``findings`` (numbers, verdicts, advice) and its ``sections`` (charts and layout).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Literal, get_args

from bnviz.norms import NORMS
from bnviz.train.config import TrainConfig
from bnviz.train.models import MLP_INIT_STD

# The MNIST setting of Section 4.1: binary 28x28 input, 3x100 sigmoids, batch 60, plain SGD.
# The paper gives no learning rate; 0.3 is the rate at which both arms train stably and the
# gap of Figure 1(a) shows (docs/results.md, "Choosing the MNIST setting").
MNIST_LR = 0.3
MNIST = TrainConfig(
    model="mlp",
    dataset="mnist",
    steps=50_000,
    batch_size=60,
    lr=MNIST_LR,
    init_std=MLP_INIT_STD,
    eval_every=500,
    probe_every=500,
)

# The CIFAR-10 CNN: SGD with momentum and weight decay, standard augmentation.
CIFAR = TrainConfig(
    model="cnn",
    dataset="cifar10",
    steps=5_000,
    batch_size=128,
    lr=0.05,
    momentum=0.9,
    weight_decay=5e-4,
    augment=True,
    eval_every=500,
    probe_every=500,
    probe_size=256,
)

# torch.compile costs about 3 s (inductor's cache warm) to 13 s (cold) before the first step and
# saves about 0.4 ms per MNIST BN step (benchmarks/): a shorter run trains eager, as it is faster so.
COMPILE_MIN_STEPS = 10_000

CURVES = ("step", "status", "train/loss", "test/", "time/")  # record fields of a run kept without its probes


@dataclass(frozen=True)
class Arm:
    label: str  # e.g. "BN", "no BN", "BN, lr 3, std 0.01": shown, never parsed
    config: TrainConfig  # the seed field is replaced per run; config.norm is what colours and verdicts key on


# The page that shows an experiment: the paper's experiments, "BN in practice", "Why does BN work?", or the
# Activations page, which replays the recording as a preset (bnviz.experiments.replays) and draws no sections
Page = Literal["experiments", "practice", "why", "activations"]
PAGES: tuple[str, ...] = get_args(Page)


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    about: str  # two sentences: what it shows and where in the paper
    arms: tuple[Arm, ...]
    seeds: tuple[int, ...]
    keep: tuple[str, ...] | None = None  # record fields to store (prefix match); None keeps all
    page: Page = "experiments"  # the page that shows it
    tab: str = ""  # its short name there (default: its name)
    order: int = 1000  # its place among the experiments of its page and in the CLI's list
    question: str = ""  # the practical question it answers, in one sentence ("practice" needs one)
    claim: str = ""  # the claim it tests, with its citation in Markdown ("why" needs one)

    def __post_init__(self):
        if self.page not in PAGES:
            raise ValueError(f"experiment {self.name}: page must be one of {', '.join(PAGES)}, not {self.page!r}")
        if self.page == "why" and not self.claim.strip():
            raise ValueError(f"experiment {self.name}: a 'why' experiment states the claim it tests (claim=...)")
        if self.page == "practice" and not self.question.strip():
            raise ValueError(f"experiment {self.name}: a 'practice' experiment states its question (question=...)")
        if not self.arms or not self.seeds:
            raise ValueError(f"experiment {self.name}: needs at least one arm and one seed")
        if not self.tab:
            object.__setattr__(self, "tab", self.name)  # frozen: the default is set once, here

    def runs(self) -> list[tuple[Arm, int, TrainConfig]]:
        return [(arm, seed, arm.config.replace(seed=seed)) for arm in self.arms for seed in self.seeds]

    @property
    def steps(self) -> int:
        return max(arm.config.steps for arm in self.arms)

    @property
    def dataset(self) -> str:
        return self.arms[0].config.dataset

    def spec(self) -> dict:
        return {
            "name": self.name,
            "arms": [{"label": a.label, "config": a.config.to_dict()} for a in self.arms],
            "seeds": list(self.seeds),
            "keep": list(self.keep) if self.keep else None,
        }

    def key(self) -> str:
        """Hash of every arm's config (``compile`` aside: it changes speed, not the experiment) and the seeds."""
        spec = self.spec()
        for arm, ours in zip(spec["arms"], self.arms):
            arm["config"] = ours.config.key_dict()  # fields added later stay out at their defaults: old keys hold
            arm["config"].pop("compile")
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]

    def with_overrides(self, steps: int | None = None, seeds: list[int] | None = None, **config_changes) -> Experiment:
        """The same comparison at another length or seed list (e.g. a quick synthetic run).

        ``steps`` is the longest arm's; arms of different lengths (the same examples at several batch
        sizes) keep their proportions, each at least one step."""
        arms = self.arms
        if steps is not None or config_changes:
            longest = self.steps

            def changes(config: TrainConfig) -> dict:
                c = dict(config_changes)
                if steps is not None:
                    c["steps"] = steps if config.steps == longest else max(1, round(config.steps * steps / longest))
                return _fit(config, c)

            arms = tuple(Arm(a.label, a.config.replace(**changes(a.config))) for a in arms)
        return dataclasses.replace(self, arms=arms, seeds=tuple(seeds) if seeds is not None else self.seeds)

    def resolve(self, steps: int | None = None, seeds: list[int] | None = None, synthetic: bool = False) -> Experiment:
        """This experiment as the CLI's ``run``/``summary`` and the page's run form ask for it."""
        changes = (
            {"dataset": "synthetic-" + self.dataset} if synthetic and not self.dataset.startswith("synthetic") else {}
        )
        return self.with_overrides(steps=steps, seeds=seeds, **changes)


MIN_POINTS = 20  # a shortened run still gets a curve: at least about this many evaluations and probes


def _fit(config: TrainConfig, changes: dict) -> dict:
    """Scale the eval/probe intervals of a shortened run with its length, so a 1,000-step run gets a
    curve of about :data:`MIN_POINTS` points rather than two, and train a run too short for
    torch.compile to pay eager (unless ``compile`` is set explicitly)."""
    changes = dict(changes)
    steps = changes.get("steps", config.steps)
    for field in ("eval_every", "probe_every"):
        if field not in changes and steps < config.steps:
            changes[field] = max(1, min(getattr(config, field), steps // MIN_POINTS))
    if "compile" not in changes and config.compile and steps < COMPILE_MIN_STEPS:
        changes["compile"] = False
    return changes


def arm(base: TrainConfig, norm: str, label: str | None = None, **changes) -> Arm:
    """An arm of ``base`` with normalization ``norm``, labelled by the norm's short name unless given."""
    return Arm(label or NORMS[norm].label, base.replace(norm=norm, **changes))


def pair(base: TrainConfig, compile_bn: bool = False) -> tuple[Arm, Arm]:
    """The two arms of a comparison, without and with BN. ``compile_bn``: torch.compile the BN arm,
    which pays on long runs (benchmarks/: the eager BN step costs more Python dispatch; the plain MLP gains nothing)."""
    return arm(base, "none"), arm(base, "bnviz", compile=compile_bn)
