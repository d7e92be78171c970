"""A preset's findings: its curves and final accuracies, nothing checked (the Activations page replays the
recording; the claims it illustrates are checked by the paper's and the Why page's experiments)."""

from __future__ import annotations

from bnviz.views import compare
from bnviz.views.findings import Findings, common

FINAL = "Final test accuracy per seed"


def findings(result: dict) -> Findings:
    base = common(result)
    return Findings(
        **base,
        verdicts=tuple(compare.synthetic_caveat(base["synthetic"])),
        tables={FINAL: compare.seed_table(base["finals"])},
    )
