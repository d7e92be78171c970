"""BN in practice, 3: momentum conventions, and how far the running averages trail the network.

BN trains on each mini-batch's statistics and tests on running averages of them. PyTorch moves
those averages with momentum 0.1, the weight of the new batch; Keras and TensorFlow write 0.99, the
weight of the *old* value, which is norm_momentum 0.01 here; ``momentum=None`` keeps the plain
(cumulative) average of every batch seen. The running averages never feed back into training, so
for one seed the three arms train the *same* network, step for step (a verdict checks it): every
difference in test accuracy comes from the statistics used at test time.

Why this network and these sizes (measured pilot, one seed, real MNIST): the paper's MNIST MLP
(3x100 sigmoid, batch 60, lr 0.3) for 5,000 steps, evaluated every 50. In the pilot the momentum
0.01 arm was at 15.8% test accuracy at step 50 and 39.3% at step 100 while the 0.1 arm was at
74.4% and 85.8%, and at step 5,000 the cumulative average trailed by 0.30 std (0.025 with 0.1) and
cost 2.5 points: early and late effects both show within 5,000 steps (about 45 s a run here).
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm

STEPS, EVAL_EVERY = 5_000, 50
MOMENTA = (0.1, 0.01, None)  # torch's weight on the new batch; Keras's 0.99 is 0.01; None: cumulative
LABELS = {
    0.1: "momentum 0.1 (PyTorch)",
    0.01: "momentum 0.01 (Keras's 0.99)",
    None: "cumulative average (momentum None)",
}
LAYERS = ("layer1", "layer2", "layer3")

EXPERIMENT = Experiment(
    name="bn-momentum",
    title="Momentum conventions of BN's running averages: PyTorch's 0.1, Keras's 0.99, a cumulative average (MNIST)",
    about=f"The paper's MNIST MLP with BN (3x100 sigmoid, batch 60, plain SGD, lr 0.3) for {STEPS:,} steps, once per "
    "convention for the running averages. Every "
    f"{EVAL_EVERY} steps: test accuracy in eval mode (the running averages) and, per BN layer, how far the running "
    "mean and std trail the statistics the current network gives a fixed batch of 1,000 training images.",
    arms=tuple(
        arm(
            MNIST.replace(steps=STEPS, eval_every=EVAL_EVERY, probe_every=STEPS, early_probes=False),
            "bnviz",
            LABELS[m],
            norm_momentum=m,
        )
        for m in MOMENTA
    ),
    seeds=(0, 1, 2),
    keep=(*CURVES, *(f"{layer}/running_" for layer in LAYERS)),
    page="practice",
    tab="Momentum conventions",
    order=130,
    question="Does it matter whether BN's running averages use PyTorch's momentum 0.1, Keras's 0.99 or a cumulative "
    "average?",
)
