"""A CIFAR-10 CNN with and without BN2d: not in the paper, the convolutional case of Section 3.2.

The paper's convolutional experiments are on ImageNet (Inception); this small CNN shows the same
mechanism, BN2d normalizing each feature map over the batch and every position, on a laptop.
"""

from __future__ import annotations

from bnviz.experiments.spec import CIFAR, Experiment, pair
from bnviz.views import analysis
from bnviz.views.sections import Section, Text, Verdicts

ORDER = 20
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
)
TAB = "CIFAR-10 CNN"


def analyze(result: dict) -> list[Section]:
    name = f"{result['experiment']}-{result['key']}"
    return [
        Section(
            "Test accuracy",
            (
                analysis.finals(result),
                analysis.accuracy_chart(
                    result, name, title="Test accuracy (whole test set, eval mode), mean and min-max over seeds"
                ),
            ),
        ),
        Section(
            "Seed by seed",
            (
                Text("Final test accuracy of each seed: the spread says how much one run alone can tell.", "caption"),
                analysis.seed_table(result, name),
            ),
        ),
        Section(
            "Verdicts",
            (
                Text(
                    "Not a claim of the paper: its CNN results are on ImageNet. These check whether BN2d helps here, "
                    "in the same terms as Figure 1(a).",
                    "caption",
                ),
                Verdicts(tuple(analysis.synthetic_caveat(result) + analysis.head_to_head(result, "bnviz", "none"))),
            ),
        ),
        analysis.loss_section(result, name),
    ]
