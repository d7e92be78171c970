"""A verdict is data before it is a sentence: a claim, what our runs say of it, the numbers, and how
close the deciding number came to its threshold.

Every experiment states its checks as claims (what a paper, or common wisdom, says) and decides one
:data:`Outcome` per claim from its runs; the sentence and the icon are built from that here and only
here, so a red ✕ can never stand beside a claim our runs support, whatever way the question is put.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, get_args

Outcome = Literal["supports", "contradicts", "within_noise", "context"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
KNIFE_EDGE = 0.05  # a margin within 5% of its scale is a knife edge: another seed could flip the verdict

# What each outcome says, as a phrase, a plain-text symbol (CLI, docs, CSV) and a Material icon in a colour (pages)
SAYS = {
    "supports": "our runs support this",
    "contradicts": "our runs contradict this",
    "within_noise": "our runs cannot tell, within the seed spread",
    "context": "",
}
SYMBOL = {"supports": "✓", "contradicts": "✕", "within_noise": "~", "context": "ℹ"}
ICON = {
    "supports": ("check_circle", "green"),
    "contradicts": ("cancel", "red"),
    "within_noise": ("contrast", "orange"),
    "context": ("info", "gray"),
}


@dataclass(frozen=True)
class Verdict:
    """One claim checked against our runs (or, with ``outcome="context"``, a note that checks nothing).

    ``claim`` and ``evidence`` are Markdown written by bnviz; values read from files are quoted with
    :func:`bnviz.views.markdown.literal`. ``margin`` is how far the deciding number lies past its
    threshold and ``scale`` what that margin is measured against, both in ``unit``: a margin within
    :data:`KNIFE_EDGE` of its scale makes the verdict a knife edge, and its sentence says so.
    """

    claim: str
    outcome: Outcome = "context"
    evidence: str = ""
    margin: float | None = None
    scale: float | None = None
    unit: str = ""

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError(f"a verdict's outcome is one of {', '.join(OUTCOMES)}, not {self.outcome!r}")
        if not self.claim.strip():
            raise ValueError("a verdict needs a claim (or, for a note, its text)")

    @property
    def knife_edge(self) -> bool:
        if self.outcome == "context" or self.margin is None or not self.scale:
            return False
        return bool(abs(self.margin) <= KNIFE_EDGE * abs(self.scale))

    @property
    def text(self) -> str:
        """The sentence: the claim, what our runs say of it, the numbers, and a knife-edge warning."""
        claim = self.claim.rstrip(". ")
        if self.outcome == "context":
            return claim + "." + (f" {self.evidence.rstrip('. ')}." if self.evidence else "")
        out = f"{claim}: {SAYS[self.outcome]}" + (f" ({self.evidence.rstrip('. ')})." if self.evidence else ".")
        if self.knife_edge:
            out += (
                f" A knife edge: the deciding margin, {self.margin:+.3g}{self.unit}, is within "
                f"{KNIFE_EDGE:.0%} of {abs(self.scale):.3g}{self.unit}; one more seed could turn it."
            )
        return out

    def to_dict(self) -> dict:
        """For ``python -m bnviz summary``: the fields, the sentence, and whether it is a knife edge."""
        out = asdict(self)
        for field in ("margin", "scale"):  # numpy numbers from pandas become plain floats
            out[field] = None if out[field] is None else float(out[field])
        return {**out, "text": self.text, "knife_edge": self.knife_edge}


def outcome_of(holds: bool | None, clear: bool = True) -> Outcome:
    """The outcome of a claim that ``holds`` (True/False) when the difference deciding it is ``clear``
    (beyond the seed spread); an unclear difference is within noise, ``None`` a claim that cannot be tested."""
    if holds is None:
        return "context"
    if not clear:
        return "within_noise"
    return "supports" if holds else "contradicts"


def markdown_icon(outcome: Outcome) -> str:
    """The outcome's icon in Streamlit Markdown, e.g. ``:green[:material/check_circle:]``."""
    name, colour = ICON[outcome]
    return f":{colour}[:material/{name}:]"


def line(verdict: Verdict) -> str:
    """The verdict as one line of plain text (CLI, docs): its symbol, then its sentence."""
    return f"{SYMBOL[verdict.outcome]} {verdict.text}"
