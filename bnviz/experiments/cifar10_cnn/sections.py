"""The CIFAR-10 CNN as sections: test accuracy and the verdicts, every seed, the training loss."""

from __future__ import annotations

from bnviz.views import blocks
from bnviz.views.findings import Findings
from bnviz.views.sections import Details, Section, Text, Verdicts


def sections(f: Findings) -> list[Section]:
    return [
        Section(
            "Test accuracy",
            (
                blocks.accuracy_chart(
                    f.curves, f.name, title="Test accuracy (whole test set, eval mode), mean and lowest to highest seed"
                ),
                blocks.headline_cards(f.finals),
                Text(
                    "Not a claim of the paper: its CNN results are on ImageNet. These check whether BN2d helps here, "
                    "in the same terms as Figure 1(a).",
                    "caption",
                ),
                Verdicts(f.verdicts),
                Details("Every seed", (blocks.seed_table(f.finals, f.name),)),
            ),
            answer=f.meaning,
        ),
        blocks.loss_section(f.curves, f.name),
    ]
