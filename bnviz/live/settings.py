"""The Activations page's settings as one config per arm, and every setting that cannot train as a sentence.

:func:`live_configs` takes the arms and knobs of :mod:`bnviz.live.choices` and gives one
:class:`~bnviz.train.config.TrainConfig` per arm, or one :class:`SettingsError` that lists each
problem with the settings to blame. Pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from bnviz.live.choices import (
    CHOICES,
    DEFAULT_ARMS,
    KNOBS,
    MAX_ARMS,
    ArmChoice,
    arm_of_choice,
    defaults,
    probe_interval,
)
from bnviz.train.config import TrainConfig, validate
from bnviz.train.models import MODELS


def arm_of(config: TrainConfig) -> ArmChoice:
    return ArmChoice(config.norm, "before" if config.norm == "none" else config.norm_position)


def arm_config(config: TrainConfig, arm: ArmChoice) -> TrainConfig:
    """``config`` with the arm's normalization in its place."""
    return config.replace(norm=arm.norm, norm_position="before" if arm.norm == "none" else arm.position)


def arm_label(config: TrainConfig) -> str:
    activation = config.activation or MODELS[config.model].default_activation
    return arm_of(config).label(activation)


def arm_labels(configs: Sequence[TrainConfig]) -> list[str]:
    """Each arm's :func:`arm_label`, numbered where two would read the same ("BN", "BN (2)")."""
    labels = [arm_label(c) for c in configs]
    return [
        label if labels.count(label) == 1 else f"{label} ({labels[:i].count(label) + 1})"
        for i, label in enumerate(labels)
    ]


@dataclass(frozen=True)
class Problem:
    """Why one arm (or the set of arms) cannot train, and which settings, set back alone, would fix it."""

    arm: str | None  # the arm's label; None for a problem of the arms together
    sentence: str
    culprits: tuple[str, ...] = ()  # TrainConfig field names, e.g. ("batch_size",)


class SettingsError(ValueError):
    """Settings that cannot train, each problem a sentence (see :class:`Problem`)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.arm}: {p.sentence}" if p.arm else p.sentence for p in problems))


def live_config(
    model: str,
    seed: int,
    steps: int,
    lr: float,
    init_std: float | None = None,
    synthetic: bool = False,
    arm: ArmChoice = DEFAULT_ARMS[1],  # BN before the nonlinearity
    **knobs,
) -> TrainConfig:
    """One arm's config of a live run: the experiment's base config with the page's settings.

    ``knobs``: any of :data:`~bnviz.live.choices.KNOBS` (depth, width, activation, batch_size, optimizer,
    ...). Raises ``ValueError`` with sentences a user can act on when a value is unusable.
    """
    return TrainConfig(**_fields(model, seed, steps, lr, init_std, synthetic, arm, knobs))


def _fields(model, seed, steps, lr, init_std, synthetic, arm: ArmChoice, knobs: dict) -> dict:
    if model not in CHOICES:
        raise ValueError(f"model must be one of {', '.join(CHOICES)} (got {model!r})")
    unknown = set(knobs) - set(KNOBS)
    if unknown:
        raise ValueError(f"unknown live settings: {', '.join(sorted(unknown))}")
    choice = CHOICES[model]
    every = probe_interval(model, steps) if isinstance(steps, int) and steps > 0 else choice.min_probe_every
    fields = choice.base.to_dict()
    fields.update(
        dataset=("synthetic-" if synthetic else "") + choice.dataset,
        norm=arm.norm,
        norm_position="before" if arm.norm == "none" else arm.position,
        seed=seed,
        steps=steps,
        lr=lr,
        probe_every=every,
        eval_every=every * choice.eval_every_probes,
        early_probes=True,
        probe_size=choice.probe_size,
    )
    if model == "mlp":
        fields["init_std"] = init_std if init_std is not None else choice.base.init_std
    if knobs.get("optimizer") == "adam" and "momentum" not in knobs:
        fields["momentum"] = 0.0  # Adam keeps its own averages; the CNN's SGD momentum does not apply
    fields.update(knobs)
    return fields


def live_configs(
    model: str,
    arms: Sequence[ArmChoice],
    seed: int,
    steps: int,
    lr: float,
    init_std: float | None = None,
    synthetic: bool = False,
    **knobs,
) -> list[TrainConfig]:
    """Every arm's config, or one :class:`SettingsError` with every problem of every arm.

    A problem's ``culprits`` are the settings among ``knobs``, ``lr`` and ``init_std`` that, each set
    back to :func:`~bnviz.live.choices.defaults` alone, make it go away: the page points at them.
    """
    if model not in CHOICES:
        raise SettingsError([Problem(None, f"model must be one of {', '.join(CHOICES)} (got {model!r})")])
    arms = [arm_of_choice(a) for a in arms]
    activation = knobs.get("activation") or defaults(model)["activation"]
    problems = []
    if not 1 <= len(arms) <= MAX_ARMS:
        problems.append(Problem(None, f"choose 1 to {MAX_ARMS} arms (got {len(arms)})"))
    if len(set(arms)) < len(arms):
        problems.append(Problem(None, "two arms are the same network: choose each arm once"))
    given = {**knobs, "lr": lr, "init_std": init_std if model == "mlp" else None}
    back = defaults(model)
    configs = []
    for arm in dict.fromkeys(arms):
        fields = _fields(model, seed, steps, lr, init_std, synthetic, arm, knobs)
        sentences = validate(SimpleNamespace(**fields))
        if not sentences:
            configs.append(TrainConfig(**fields))
            continue
        for sentence in sentences:
            culprits = tuple(
                k
                for k, v in given.items()
                if v != back[k] and sentence not in validate(SimpleNamespace(**{**fields, k: back[k]}))
            )
            problems.append(Problem(arm.label(activation), sentence, culprits))
    if problems:
        raise SettingsError(problems)
    return configs
