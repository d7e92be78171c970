"""The Activations page's presets: classroom comparisons recorded on real data, replayed step by step.

Each preset is the live comparison the page would train with the same settings (the same configs, so
"train it live" trains exactly what was recorded; ``tests/experiments/test_replays.py`` checks them
against :func:`bnviz.live.settings.live_configs`), run by the same trainer for three seeds and kept in
the cache like any experiment: ``python -m bnviz run replay-depth-10 --data-dir DIR --workers 1``. They
probe every 100 of their 3,000 steps (and at steps 1, 2, 5, 10, 20 and 50), so a replay has about 37
frames; the page draws them on the Activations page, not as sections, so their findings are the curves
and the final accuracies alone. The CIFAR-10 CNN's preset is :mod:`bnviz.experiments.cifar10_cnn` and
the 50,000-step Figure 1 run :mod:`bnviz.experiments.mnist_fig1` (``bnviz.live.presets`` lists them all).
"""

from __future__ import annotations

from bnviz.experiments.spec import MNIST, Arm, Experiment

# The page's live MLP run of 3,000 steps (bnviz.live.choices: a probe and an evaluation every 100 steps, the
# early probes, 500 probe images), with the nonlinearity named as the page names it.
LIVE_MNIST = MNIST.replace(
    steps=3000, eval_every=100, probe_every=100, early_probes=True, probe_size=500, activation="sigmoid"
)
NO_BN = Arm("no BN", LIVE_MNIST.replace(norm="none"))
BN = Arm("BN", LIVE_MNIST)
SEEDS = (0, 1, 2)


def _pair(**changes) -> tuple[Arm, Arm]:
    return Arm(NO_BN.label, NO_BN.config.replace(**changes)), Arm(BN.label, BN.config.replace(**changes))


EXPERIMENTS = (
    Experiment(
        name="replay-paper-mlp",
        title="The paper's MLP with and without BN, 3,000 steps (Activations preset)",
        about="Section 4.1's network (3x100 sigmoids, batch 60, plain SGD at lr 0.3, binary MNIST) trained with "
        "BN before every sigmoid and without, for the first 3,000 of the paper's 50,000 steps: the part of "
        "Figure 1 where the distributions move most.",
        arms=_pair(),
        seeds=SEEDS,
        page="activations",
        tab="The paper's MLP: BN against none",
        order=900,
    ),
    Experiment(
        name="replay-bn-position",
        title="BN before or after the sigmoid, 3,000 steps (Activations preset)",
        about="The paper puts BN before the nonlinearity, z = g(BN(Wu)) (Section 3.2); many codebases put it after. "
        "The same MLP without BN, with BN before each sigmoid and with BN after it, on the same batches.",
        arms=(NO_BN, BN, Arm("BN after sigmoid", LIVE_MNIST.replace(norm_position="after"))),
        seeds=SEEDS,
        page="activations",
        tab="BN before or after the sigmoid",
        order=910,
    ),
    Experiment(
        name="replay-depth-10",
        title="A 10-layer sigmoid MLP with and without BN, 3,000 steps (Activations preset)",
        about="Ten hidden layers of 100 sigmoids, otherwise the paper's MNIST setting: deep sigmoid networks are "
        "where saturation and vanishing gradients show, layer by layer.",
        arms=_pair(depth=10),
        seeds=SEEDS,
        page="activations",
        tab="10 sigmoid layers: BN against none",
        order=920,
    ),
    Experiment(
        name="replay-high-lr",
        title="Learning rate 9 and init std 1, with and without BN, 3,000 steps (Activations preset)",
        about="Section 3.3 says BN allows higher learning rates. At 30 times the stable rate and a large init "
        "(the learning-rate sweep's harshest cell, where the network without BN explodes and the one with BN "
        "trains), the paper's MLP with and without BN.",
        arms=_pair(lr=9.0, init_std=1.0),
        seeds=SEEDS,
        page="activations",
        tab="Learning rate 9: BN against none",
        order=930,
    ),
)
