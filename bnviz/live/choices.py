"""What the Activations page offers for a live comparison: the models, the arms and the knobs.

The models (:data:`CHOICES`, each from its named experiment's config, with the sizes of a live run),
the arms (:class:`ArmChoice`: a normalization kind and whether it sits before or after the
nonlinearity) and the network and training knobs (:data:`KNOBS`, at the paper's values by
:func:`defaults`). :mod:`bnviz.live.settings` turns a choice of them into one config per arm.
"""

from __future__ import annotations

from dataclasses import dataclass

from bnviz.experiments import lr_sweep, spec
from bnviz.norms import NORMS
from bnviz.train.config import TrainConfig
from bnviz.train.models import MODELS
from bnviz.train.modes import EVAL_CHUNK

MAX_ARMS = 4
NONLINEARITY = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}


@dataclass(frozen=True)
class ArmChoice:
    """One arm as the page offers it: a normalization kind and where it sits."""

    norm: str  # a kind of bnviz.norms.NORMS
    position: str = "before"  # "before" the nonlinearity (the paper's) or "after" it; ignored for "none"

    def label(self, activation: str | None = None) -> str:
        """The arm's name on charts: "no BN", "BN", "BN after sigmoid" (a name, never parsed)."""
        name = NORMS[self.norm].label if self.norm in NORMS else self.norm
        if self.norm == "none" or self.position == "before":
            return name
        return f"{name} after {NONLINEARITY.get(activation, activation) if activation else 'the nonlinearity'}"


DEFAULT_ARMS = (ArmChoice("none"), ArmChoice("bnviz"))  # the paper's comparison: without and with BN


def arm_choices() -> list[ArmChoice]:
    """Every arm the page offers: each kind before the nonlinearity, each normalization also after it."""
    before = [ArmChoice(kind) for kind in NORMS]
    return before + [ArmChoice(kind, "after") for kind in NORMS if kind != "none"]


def arm_of_choice(arm: ArmChoice | tuple[str, str] | str) -> ArmChoice:
    """An ArmChoice from itself, ``(norm, position)`` or a norm kind; "none" is always "before"."""
    if isinstance(arm, str):
        arm = ArmChoice(arm)
    elif not isinstance(arm, ArmChoice):
        arm = ArmChoice(*arm)
    return ArmChoice(arm.norm, "before") if arm.norm == "none" else arm


@dataclass(frozen=True)
class ModelChoice:
    """What the page offers for one model: its base config (bnviz.experiments) and live-run sizes."""

    label: str
    base: TrainConfig  # lr, batch size, momentum, ... as in the named experiment
    dataset: str  # "mnist" | "cifar10"
    steps: int  # default length of a live run
    min_steps: int
    max_steps: int
    probe_size: int  # examples in the fixed probe batch
    min_probe_every: int  # probe (and evaluate) at least this often: the step slider's resolution
    test_size: int | None  # evaluate on the first this many test examples (None: the whole test set)
    lrs: tuple[float, ...]  # SGD learning rates offered, the base config's among them
    eval_every_probes: int = 1  # evaluate on the test set at every this-many-th probe step (and the last step)
    eval_chunk: int = EVAL_CHUNK  # test examples per forward pass of an evaluation (bnviz.train.modes.evaluate)
    adam_lrs: tuple[float, ...] = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03)  # Adam's, torch's default 1e-3 among them


CHOICES = {
    # The MLP evaluates on the first 2,000 MNIST test images (accuracy to about ±0.4 points at 97%): the
    # whole test set, four arms at every probe, cost a fifth of the live run's time (benchmarks/live.py).
    "mlp": ModelChoice(
        "MNIST MLP (the paper's: 3×100 sigmoid)",
        spec.MNIST,
        "mnist",
        steps=3000,
        min_steps=100,
        max_steps=20_000,
        probe_size=500,
        min_probe_every=100,
        test_size=2000,
        lrs=(0.03, 0.1, spec.MNIST_LR, 1.0, 3.0, 9.0),
    ),
    # The CNN evaluates on the first 500 CIFAR-10 test images (accuracy to about ±2.2 points at 40%; the arms
    # on the same images) at every other probe, 128 at a time, and probes 64 training images: evaluations and
    # probes of more images take a large share of a live run's time (docs/performance.md). An evaluation of
    # 1,000 images at once costs twice as much as 128 at a time: their activations do not fit in the caches.
    "cnn": ModelChoice(
        "CIFAR-10 CNN (ReLU, 3 conv blocks)",
        spec.CIFAR,
        "cifar10",
        steps=300,
        min_steps=20,
        max_steps=3000,
        probe_size=64,
        min_probe_every=10,
        test_size=500,
        lrs=(0.005, 0.01, 0.02, spec.CIFAR.lr, 0.1, 0.2),
        eval_every_probes=2,
        eval_chunk=128,
    ),
}
INIT_STDS = lr_sweep.SWEEP_STDS  # 0.01 (the plateau-prone small init), 0.1 (the MNIST default), 1.0
PROBES_PER_RUN = 40  # about this many slider stops after the early ones, whatever the run length


def nice_ceil(x: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least ``x``."""
    k = 1
    while True:
        for f in (1, 2, 5):
            if f * k >= x:
                return f * k
        k *= 10


def probe_interval(model: str, steps: int) -> int:
    """Probe often enough for a smooth step slider, but not so often that probing dominates the time."""
    return max(CHOICES[model].min_probe_every, nice_ceil(steps / PROBES_PER_RUN))


KNOBS = (  # the network and training settings the page offers, each a TrainConfig field
    "depth",
    "width",
    "channels",
    "activation",
    "init_std",
    "batch_size",
    "optimizer",
    "lr",
    "momentum",
    "dropout",
    "norm_momentum",
    "norm_eps",
    "affine",
)


def defaults(model: str) -> dict:
    """The page's knobs at the named experiment's values (the paper's network and training)."""
    base = CHOICES[model].base
    d = {k: getattr(base, k) for k in KNOBS}
    d["activation"] = base.activation or MODELS[model].default_activation
    return d
