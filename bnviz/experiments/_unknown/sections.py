"""An unknown experiment's sections: its test accuracy and training loss, as recorded."""

from __future__ import annotations

from bnviz.views import blocks
from bnviz.views.findings import Findings
from bnviz.views.sections import Section, Text, Verdicts

NOTE = "No analysis is registered for this experiment: its curves only."


def sections(f: Findings, note: str = NOTE) -> list[Section]:
    """Test accuracy (with ``note`` under it) and training loss: the curves alone, no analysis."""
    return [
        Section(
            "Test accuracy",
            (
                blocks.accuracy_chart(f.curves, f.name),
                blocks.headline_cards(f.finals),
                Text(note, "caption"),
                Verdicts(f.verdicts),
            ),
        ),
        blocks.loss_section(f.curves, f.name),
    ]
