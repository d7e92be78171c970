"""A preset's sections, for a page that draws sections: its test accuracy and training loss. The
Activations page replays it instead."""

from __future__ import annotations

from bnviz.experiments._unknown import sections as curves_only
from bnviz.views.findings import Findings
from bnviz.views.sections import Section


def sections(f: Findings) -> list[Section]:
    return curves_only.sections(f, "A preset of the Activations page, which replays its histograms step by step.")
