"""Figure 1 of the paper: the MNIST MLP with and without BN (Section 4.1).

Figure 1(a) is test accuracy against steps; the paper prints no numbers, only a plot in which the
BN network is ahead throughout (y-axis 70% to 100%). A student's reproduction printed two final
accuracies, the only printed MNIST numbers we compare with. Figure 1(b,c) are the 15th, 50th and
85th percentiles of one last-layer sigmoid's input over training.
"""

from __future__ import annotations

from bnviz.experiments.spec import MNIST, Experiment, pair

EXPERIMENT = Experiment(
    name="mnist-fig1",
    title="MNIST, 3x100 sigmoid MLP, with and without BN (Figure 1)",
    about="Section 4.1: the same network trained with plain SGD, batch 60, for 50,000 steps, with BN "
    "before every sigmoid and without. Figure 1(a) is test accuracy against steps; Figure 1(b,c) the "
    "15/50/85th percentiles of one last-layer sigmoid's input over training.",
    arms=pair(MNIST, compile_bn=True),
    seeds=(0, 1, 2),
    tab="MNIST Figure 1",
    order=10,
)
