"""The paper's comparisons as named experiments: arms x seeds of :class:`TrainConfig`.

An experiment is data, not code: a name, a few sentences, the arms (one config each) and the
seeds. :mod:`bnviz.runner` trains it; :mod:`bnviz.cache` stores it under a hash of this spec.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from bnviz.train.config import TrainConfig

# The MNIST setting of Section 4.1: binary 28x28 input, 3x100 sigmoids, batch 60, plain SGD.
# The paper gives no learning rate; 0.3 is the rate at which both arms train stably and the
# gap of Figure 1(a) shows (README, "Choosing the MNIST setting").
MNIST_LR = 0.3
MNIST = TrainConfig(model="mlp", dataset="mnist", steps=50_000, batch_size=60, lr=MNIST_LR, init_std=0.1,
                    eval_every=500, probe_every=500)

# The CIFAR-10 CNN: SGD with momentum and weight decay, standard augmentation.
CIFAR = TrainConfig(model="cnn", dataset="cifar10", steps=5_000, batch_size=128, lr=0.05, momentum=0.9,
                    weight_decay=5e-4, augment=True, eval_every=500, probe_every=500, probe_size=256)

SWEEP_LRS = tuple(round(k * MNIST_LR, 6) for k in (1, 3, 10, 30))  # 1x, 3x, 10x, 30x the stable rate (0.3 ... 9)
SWEEP_STDS = (0.01, 0.1, 1.0)  # init scales: 0.01 is the plateau-prone small init


@dataclass(frozen=True)
class Arm:
    label: str  # e.g. "BN", "no BN", "BN, lr 3, std 0.01"
    config: TrainConfig  # the seed field is replaced per run


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    about: str  # two sentences: what it shows and where in the paper
    arms: tuple[Arm, ...]
    seeds: tuple[int, ...]
    keep: tuple[str, ...] | None = None  # record fields to store (prefix match); None keeps all

    def runs(self) -> list[tuple[Arm, int, TrainConfig]]:
        return [(arm, seed, arm.config.replace(seed=seed)) for arm in self.arms for seed in self.seeds]

    @property
    def steps(self) -> int:
        return max(arm.config.steps for arm in self.arms)

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
        for arm in spec["arms"]:
            arm["config"].pop("compile")
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]

    def with_overrides(self, steps: int | None = None, seeds: list[int] | None = None, **config_changes) -> "Experiment":
        """The same comparison at another length or seed list (e.g. a quick synthetic run)."""
        arms = self.arms
        changes = dict(config_changes)
        if steps is not None:
            changes["steps"] = steps
        if changes:
            arms = tuple(Arm(a.label, a.config.replace(**_fit(a.config, changes))) for a in arms)
        return dataclasses.replace(self, arms=arms, seeds=tuple(seeds) if seeds is not None else self.seeds)


# torch.compile costs about 3 s (inductor's cache warm) to 13 s (cold) before the first step and
# saves about 0.4 ms per MNIST BN step (benchmarks/): a shorter run trains eager, as it is faster so.
COMPILE_MIN_STEPS = 10_000


def _fit(config: TrainConfig, changes: dict) -> dict:
    """Keep eval/probe intervals no longer than a shortened run, so a short run still has curves,
    and train a run too short for torch.compile to pay eager (unless ``compile`` is set explicitly)."""
    changes = dict(changes)
    steps = changes.get("steps", config.steps)
    for field in ("eval_every", "probe_every"):
        if field not in changes and getattr(config, field) > steps:
            changes[field] = max(1, steps // 4)
    if "compile" not in changes and config.compile and steps < COMPILE_MIN_STEPS:
        changes["compile"] = False
    return changes


def _pair(base: TrainConfig, compile_bn: bool = False) -> tuple[Arm, Arm]:
    """The two arms of a comparison. ``compile_bn``: torch.compile the BN arm, which pays on long
    runs (benchmarks/: the eager BN step costs more Python dispatch; the plain MLP gains nothing)."""
    return Arm("no BN", base.replace(norm="none")), Arm("BN", base.replace(norm="bnviz", compile=compile_bn))


def _sweep_arms() -> tuple[Arm, ...]:
    base = MNIST.replace(steps=10_000, probe_every=1000, early_probes=False)
    return tuple(
        Arm(f"{'BN' if norm == 'bnviz' else 'no BN'}, lr {lr:g}, std {std:g}", base.replace(norm=norm, lr=lr, init_std=std))
        for norm in ("none", "bnviz")
        for std in SWEEP_STDS
        for lr in SWEEP_LRS
    )


CURVES = ("step", "status", "train/loss", "test/", "time/")

EXPERIMENTS = {
    e.name: e
    for e in (
        Experiment(
            name="mnist-fig1",
            title="MNIST, 3x100 sigmoid MLP, with and without BN (Figure 1)",
            about="Section 4.1: the same network trained with plain SGD, batch 60, for 50,000 steps, with BN "
            "before every sigmoid and without. Figure 1(a) is test accuracy against steps; Figure 1(b,c) the "
            "15/50/85th percentiles of one last-layer sigmoid's input, which drift without BN and stay put with it.",
            arms=_pair(MNIST, compile_bn=True),
            seeds=(0, 1, 2),
        ),
        Experiment(
            name="cifar10-cnn",
            title="CIFAR-10 CNN, with and without BN2d",
            about="Three conv blocks (32, 64, 128 maps) and a 128-unit hidden layer, trained with SGD, momentum 0.9, "
            "random crops and flips. BN2d normalizes each feature map over batch and positions (Section 3.2).",
            arms=_pair(CIFAR),
            # Three seeds: at this learning rate the BN net's test accuracy swings by several points
            # from one eval to the next, so one seed cannot settle a comparison at one step.
            seeds=(0, 1, 2),
        ),
        Experiment(
            name="lr-sweep",
            title="Learning rate by init scale, with and without BN (MNIST)",
            about="The MNIST MLP for 10,000 steps at 1x, 3x, 10x and 30x the stable learning rate and three init "
            "scales. Section 3.3 claims BN permits higher rates and makes training insensitive to the scale of the weights.",
            arms=_sweep_arms(),
            seeds=(0,),
            keep=CURVES,
        ),
    )
}


def get(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]
