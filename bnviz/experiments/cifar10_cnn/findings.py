"""Does BN2d help this CNN, in Figure 1(a)'s terms? Not a claim of the paper (its CNNs are on ImageNet)."""

from __future__ import annotations

from bnviz.views import compare
from bnviz.views.findings import Findings, common
from bnviz.views.phrases import BEYOND, WITHIN, points, seed_range
from bnviz.views.verdicts import Verdict


def findings(result: dict) -> Findings:
    base = common(result)
    checks = compare.synthetic_caveat(base["synthetic"]) + compare.head_to_head(base["curves"], "bnviz", "none")
    return Findings(**base, verdicts=tuple(checks), meaning=meaning(base["finals"], checks))


def meaning(finals, checks: list[Verdict]) -> str:
    """Final accuracy with BN2d against without, never without the seed spread."""
    cards = {h.arm: h for h in compare.headlines(finals)}
    bn = next((h for h in cards.values() if h.delta is not None), None)
    if bn is None:
        return "This result lacks the two arms to compare."
    spread = BEYOND if bn.beyond else WITHIN
    lead = f"BN2d ends {points(bn.delta)} ahead on the mean ({seed_range(bn.lo, bn.hi, bn.seeds)} with BN2d)"
    if bn.beyond:
        return f"{lead}, {spread}: here BN2d helps this CNN."
    return f"{lead}, but {spread}: these seeds cannot say that BN2d helps this CNN at the end of training."
