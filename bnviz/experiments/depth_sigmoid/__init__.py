"""Depth with saturating units: sigmoid MLPs of 3 to 20 layers with BN before the sigmoid, after it, or none,
each at five learning rates.

The paper trains an Inception network with sigmoids instead of ReLUs: with BN it reaches 69.8%
accuracy, without BN it "never achieves better than 1/1000" (Ioffe & Szegedy 2015, Section 4.2.2). The
reason it gives is saturation: a sigmoid's input drifting into its flat tails, where gradients vanish
(Section 1), which BN prevents (Section 3.3). Here the same question on MNIST MLPs: 3, 6, 10 and 20
hidden layers of 100 sigmoids, batch 60, plain SGD, init std 0.1, without BN, with BN before each sigmoid
(the paper's z = g(BN(Wu)), Section 3.2) and with BN after it (z = BN(g(Wu + b))); three seeds.

Each placement runs at five learning rates, 0.1, 0.3, 0.9, 3 and 9 (about half a decade apart), so that
placements are compared each at its best rate, and so that each placement's stable range shows: the
paper argues from BN allowing higher rates (Section 3.3), and one shared rate would favour whichever
placement it happens to suit.

Sizes: 2,000 steps per run: the paper's 3-layer network passes 90% by then with and without BN at lr 0.3
(mnist-fig1), so a deeper network still near chance after 2,000 steps has not started learning within the
budget, which is the verdicts' sense of "does not learn" (nothing here says it never would). 180 runs,
curves only.
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm

DEPTHS = (3, 6, 10, 20)
RATES = (0.1, 0.3, 0.9, 3.0, 9.0)
STEPS = 2_000
PLACEMENTS = {  # (norm, norm_position) -> the placement's name, as the page calls it
    ("none", "before"): "no normalization",
    ("bnviz", "before"): "BN before the sigmoid",
    ("bnviz", "after"): "BN after the sigmoid",
}


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=100, probe_every=STEPS, early_probes=False, activation="sigmoid")
    return tuple(
        arm(base, norm, f"{name}, depth {depth}, lr {lr:g}", depth=depth, norm_position=position, lr=lr)
        for (norm, position), name in PLACEMENTS.items()
        for depth in DEPTHS
        for lr in RATES
    )


EXPERIMENT = Experiment(
    name="depth-sigmoid",
    title="Sigmoid MLPs of 3 to 20 layers: BN before the sigmoid, after it, or none, over five learning rates",
    about=f"MNIST MLPs of {', '.join(map(str, DEPTHS))} hidden layers of 100 sigmoids, batch 60, plain SGD at "
    f"learning rates {', '.join(f'{lr:g}' for lr in RATES)}, init std 0.1, {STEPS:,} steps, without normalization, "
    "with BN before every sigmoid (the paper's placement, Section 3.2) and with BN after it; three seeds.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES,
    page="why",
    tab="Depth with saturating units",
    order=150,
    claim="With sigmoid units a deep network trains with BN and does not without it, because BN keeps the "
    "sigmoids' inputs out of saturation (Ioffe & Szegedy 2015, [arXiv:1502.03167](https://arxiv.org/abs/1502.03167), "
    "Sections 1 and 3.3; Section 4.2.2: the sigmoid Inception without BN never achieves better than 1/1000 "
    "accuracy, with BN 69.8%).",
)
