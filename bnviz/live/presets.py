"""The Activations page's presets: classroom comparisons with a recording in the cache, replayed at once,
and "train it live" one click away.

A preset names an experiment (:mod:`bnviz.experiments.replays`, or the paper's ``mnist-fig1`` and
``cifar10-cnn``); :func:`live_settings` reads back from its arms the page's settings that train the same
networks live (the model, the arms, the knobs of :data:`~bnviz.live.choices.KNOBS`, the steps). Pure
Python: no Streamlit, no training.
"""

from __future__ import annotations

from dataclasses import dataclass

from bnviz.experiments import EXPERIMENTS, Experiment
from bnviz.live.choices import CHOICES, KNOBS, ArmChoice, defaults
from bnviz.live.settings import arm_of
from bnviz.train.config import TrainConfig


@dataclass(frozen=True)
class Preset:
    name: str  # the experiment's name: `python -m bnviz run <name>` records it
    label: str  # its short name on the page

    @property
    def experiment(self) -> Experiment:
        return EXPERIMENTS[self.name]


PRESETS = (
    Preset("replay-paper-mlp", "The paper's MLP"),
    Preset("replay-bn-position", "BN before or after g"),
    Preset("replay-depth-10", "10 sigmoid layers"),
    Preset("replay-high-lr", "Learning rate 9"),
    Preset("cifar10-cnn", "The CIFAR-10 CNN"),
    Preset("mnist-fig1", "Figure 1: 50,000 steps"),
)
BY_NAME = {p.name: p for p in PRESETS}


@dataclass(frozen=True)
class LiveSettings:
    """What the page's live controls are set to for a preset: :func:`bnviz.live.settings.live_configs`'s
    arguments. ``steps`` is the recording's, brought into the page's range for the model."""

    model: str
    arms: tuple[ArmChoice, ...]
    steps: int
    knobs: dict  # every field of KNOBS
    recorded_steps: int  # the recording's steps: more than ``steps`` where a live run of the page is shorter


def knobs_of(config: TrainConfig) -> dict:
    """The page's knobs as ``config`` sets them (the nonlinearity and init std by name where it leaves them
    to the model)."""
    knobs = {k: getattr(config, k) for k in KNOBS}
    base = defaults(config.model)
    for k in ("activation", "init_std"):
        if knobs[k] is None:
            knobs[k] = base[k]
    return knobs


def live_settings(exp: Experiment) -> LiveSettings:
    """The live controls that train ``exp``'s arms, from its first arm's config (the arms differ only in
    their normalization and where it sits)."""
    config = exp.arms[0].config
    choice = CHOICES[config.model]
    steps = min(max(exp.steps, choice.min_steps), choice.max_steps)
    arms = tuple(arm_of(a.config) for a in exp.arms)
    return LiveSettings(config.model, arms, steps, knobs_of(config), recorded_steps=exp.steps)
