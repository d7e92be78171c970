"""A CIFAR-10 CNN with and without BN2d: not in the paper, the convolutional case of Section 3.2.

The paper's convolutional experiments are on ImageNet (Inception); this small CNN shows the same
mechanism, BN2d normalizing each feature map over the batch and every position, on a laptop.
"""

from __future__ import annotations

from bnviz.experiments.spec import CIFAR, Experiment, pair

EXPERIMENT = Experiment(
    name="cifar10-cnn",
    title="CIFAR-10 CNN, with and without BN2d",
    about="Three conv blocks (32, 64, 128 maps) and a 128-unit hidden layer, trained with SGD, momentum 0.9, "
    "random crops and flips. BN2d normalizes each feature map over batch and positions (Section 3.2). "
    "This experiment is not in the paper, whose convolutional results are on ImageNet.",
    arms=pair(CIFAR),
    # Three seeds: at this learning rate the BN net's test accuracy swings by several points
    # from one eval to the next, so one seed cannot settle a comparison at one step.
    seeds=(0, 1, 2),
    tab="CIFAR-10 CNN",
    order=20,
)
