"""An unknown experiment's findings: the common part only (no claim is known, so none is checked)."""

from __future__ import annotations

from bnviz.views import compare
from bnviz.views.findings import Findings, common


def findings(result: dict) -> Findings:
    base = common(result)
    return Findings(**base, verdicts=tuple(compare.synthetic_caveat(base["synthetic"])))
