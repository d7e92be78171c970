"""Learning rate by init scale, with and without BN, on the MNIST MLP (Section 3.3).

Section 3.3 claims BN permits higher learning rates and makes training insensitive to the scale
of the weights. The sweep trains every (rate, init std) cell with and without BN for 10,000 steps.
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, MNIST_LR, Experiment, arm
from bnviz.norms import NORMS

SWEEP_LRS = tuple(round(k * MNIST_LR, 6) for k in (1, 3, 10, 30))  # 1x, 3x, 10x, 30x the stable rate (0.3 ... 9)
SWEEP_STDS = (0.01, 0.1, 1.0)  # init scales: 0.01 is the plateau-prone small init


def _arms():
    base = MNIST.replace(steps=10_000, probe_every=1000, early_probes=False)
    return tuple(
        arm(base, norm, f"{NORMS[norm].label}, lr {lr:g}, std {std:g}", lr=lr, init_std=std)
        for norm in ("none", "bnviz")
        for std in SWEEP_STDS
        for lr in SWEEP_LRS
    )


EXPERIMENT = Experiment(
    name="lr-sweep",
    title="Learning rate by init scale, with and without BN (MNIST)",
    about="The MNIST MLP for 10,000 steps at 1x, 3x, 10x and 30x the stable learning rate and three init "
    "scales. Section 3.3 claims BN permits higher rates and makes training insensitive to the scale of the weights.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES,
    tab="Learning rate x init",
    order=30,
)
