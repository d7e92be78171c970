"""A preset's sections, for a page that draws sections: its test accuracy and training loss. The
Activations page replays it instead."""

from __future__ import annotations

from bnviz.views import blocks
from bnviz.views.findings import Findings
from bnviz.views.sections import Section, Text, Verdicts


def sections(f: Findings) -> list[Section]:
    return [
        Section(
            "Test accuracy",
            (
                blocks.accuracy_chart(f.curves, f.name),
                blocks.headline_cards(f.finals),
                Text("A preset of the Activations page, which replays its histograms step by step.", "caption"),
                Verdicts(f.verdicts),
            ),
        ),
        blocks.loss_section(f.curves, f.name),
    ]
