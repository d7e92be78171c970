"""Learning rate, where BN matters: a deeper MLP over a wide range of rates (Bjorck et al. 2018).

Bjorck, Gomes, Selman & Weinberger (*Understanding Batch Normalization*, arXiv 1806.02375) find that
at small learning rates networks with and without BN reach about the same accuracy, and that BN's
benefit comes from the larger rates it lets a network train at, where the unnormalized network
diverges (their Section 2, Figure 1, ResNet-110 on CIFAR-10).

Here: an MNIST MLP of 10 hidden ReLU layers of 100 units (deep enough that the network without BN
diverges at high rates, which the paper's 3-layer sigmoid network never does with plain SGD: see
the lr-sweep), He-scaled init (std √(2/100) ≈ 0.14), batch 60, plain SGD, for 2,000 steps at nine
rates from 0.003 to 30 (half a decade apart), with BN before every ReLU and without; three seeds.
Sizes: 54 runs of 2,000 steps (a diverged run stops at once) fit in minutes of one core; records
keep only the curves. 2,000 steps is short for the smallest rates, and Bjorck et al. compare networks
trained to the end: these runs measure how far each network gets in a fixed budget, an optimization
speed, which the verdicts say.
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.norms import NORMS as NORM_KINDS

RATES = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
DEPTH, ACTIVATION, INIT_STD, STEPS = 10, "relu", 0.14, 2_000
NORMS = ("none", "bnviz")


def _arms():
    base = MNIST.replace(
        steps=STEPS,
        depth=DEPTH,
        activation=ACTIVATION,
        init_std=INIT_STD,
        eval_every=100,
        probe_every=STEPS,
        early_probes=False,
    )
    return tuple(arm(base, n, f"{NORM_KINDS[n].label}, lr {lr:g}", lr=lr) for n in NORMS for lr in RATES)


EXPERIMENT = Experiment(
    name="lr-depth",
    title="Test accuracy against the learning rate, 10-layer ReLU MLP, with and without BN (Bjorck et al. 2018)",
    about=f"An MNIST MLP of {DEPTH} hidden ReLU layers of 100 units (init std {INIT_STD}), batch 60, plain SGD, "
    f"{STEPS:,} steps at nine learning rates from {RATES[0]:g} to {RATES[-1]:g}, with BN before every ReLU and "
    "without; three seeds. A run whose loss becomes infinite or NaN is marked diverged.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES,
    page="why",
    tab="Learning rate, where it matters",
    order=140,
    claim="At small learning rates networks with and without BN train about equally well; BN's advantage is that it "
    "trains at the larger rates where the network without BN diverges (Bjorck, Gomes, Selman & Weinberger 2018, "
    "*Understanding Batch Normalization*, [arXiv:1806.02375](https://arxiv.org/abs/1806.02375), Section 2).",
)
