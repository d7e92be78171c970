"""BN in practice, 4: BN before or after the nonlinearity, each at its best learning rate, and the bias BN
makes redundant.

Section 3.2 puts BN just before the nonlinearity, z = g(BN(Wu)), and drops the weight layer's
bias: BN subtracts the mean, so a bias b in BN(Wu + b) is cancelled and its gradient is zero; β
takes its role. Practice often puts BN after the nonlinearity instead, z = BN(g(Wu + b)), where
the bias is not redundant. One learning rate would favour whichever placement it happens to suit,
so each placement (and no BN) trains over the same grid of rates, 0.1 to 9, for sigmoid and ReLU
networks: the comparison is best rate against best rate, and where each trains at all (the paper
argues from the rates BN permits, Section 3.3). The redundant bias is tried at the paper's rate,
starting from exactly the weights of the network without it.

Why this network and these sizes (measured pilot, one seed, real MNIST, 3,000 steps): the MNIST
MLP (3x100, batch 60, plain SGD, init std 0.1) trains in 6 to 22 s a run here. In the pilot at lr
0.3, sigmoid: no BN 91.1%, BN before 95.1%, BN after 96.7%; ReLU: no BN 96.1%, BN before 97.1%,
BN after 97.0%. The lr-sweep result holds BN before the sigmoid at 96.16% at lr 3, so one rate
under-tunes it. 3,000 steps (three epochs) and five rates keep 96 runs within minutes.
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, MNIST_LR, Experiment, arm

STEPS, EVAL_EVERY = 3_000, 150
ACTIVATIONS = ("sigmoid", "relu")
LRS = (0.1, 0.3, 0.9, 3.0, 9.0)  # the grid every placement trains over; 0.3 is the paper-setting rate
KINDS = ("none", "before", "after")  # no BN, BN before g (the paper's), BN after g
NAMES = {
    "none": "no BN",
    "before": "BN before {g} (the paper)",
    "before+bias": "BN before {g}, with bias",
    "after": "BN after {g}",
}


def kind(norm: str, position: str, bias) -> str:
    """Which arm of an activation a config is: "none", "before", "before+bias" or "after"."""
    if norm == "none":
        return "none"
    if position == "after":
        return "after"
    return "before+bias" if bias else "before"


def _arm(g: str, k: str, lr: float):
    base = MNIST.replace(steps=STEPS, eval_every=EVAL_EVERY, probe_every=STEPS, early_probes=False, activation=g)
    label = f"{g}: {NAMES[k].format(g=g)}, lr {lr:g}"
    if k == "none":
        return arm(base, "none", label, lr=lr)
    if k == "after":
        return arm(base, "bnviz", label, lr=lr, norm_position="after")
    return arm(base, "bnviz", label, lr=lr, bias=True if k == "before+bias" else None)


EXPERIMENT = Experiment(
    name="bn-position",
    title="Where BN goes: before or after the nonlinearity over a learning-rate grid, and the redundant bias (MNIST)",
    about=f"The MNIST MLP (3x100, batch 60, plain SGD) for {STEPS:,} steps with sigmoid and with ReLU units, at "
    f"learning rates {', '.join(f'{lr:g}' for lr in LRS)}: BN before each nonlinearity without a bias (the paper's "
    "Section 3.2), BN after each nonlinearity (the weight layer keeps its bias there), and no BN; and at lr "
    f"{MNIST_LR:g}, BN before with the bias BN makes redundant, from the same initial weights.",
    arms=tuple(_arm(g, k, lr) for g in ACTIVATIONS for k in KINDS for lr in LRS)
    + tuple(_arm(g, "before+bias", MNIST_LR) for g in ACTIVATIONS),
    seeds=(0, 1, 2),
    keep=CURVES,
    page="practice",
    tab="Where BN goes",
    order=140,
    question="Should BN go before the nonlinearity, as the paper puts it, or after it, and does the layer before it "
    "need a bias?",
)
