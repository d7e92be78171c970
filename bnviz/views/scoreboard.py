""" "Why does BN work?" on one screen: each claim the page tests, what our runs say of it, and the caveat.

Built from each "why" experiment's ``claim`` and its findings' verdicts (:mod:`bnviz.experiments`), so
it says no more than the verdicts do: the tally of outcomes, a word for it, and the first verdict that
goes against the rest (or cannot tell). Plain data and Markdown written here; no Streamlit.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bnviz.views.verdicts import SYMBOL, Verdict, markdown_icon

# A parenthesis holding a citation (a year inside it), with one level of nested parentheses (a Markdown link)
_CITATION = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\b(?:19|20)\d\d\b(?:[^()]|\([^()]*\))*\)")
NOT_RUN = "not run yet"


@dataclass(frozen=True)
class Row:
    name: str  # the experiment, e.g. "noisy-bn": its section's anchor
    tab: str  # its short name on the page
    claim: str  # the claim it tests, without its citations (Markdown written by bnviz)
    tally: dict[str, int]  # outcome -> how many of its verdicts have it (notes that check nothing left out)
    caveat: str = ""  # the claim of the first verdict against the rest, or one that cannot tell

    @property
    def word(self) -> str:
        """Our verdict in a word or two, from the tally."""
        s, c, n = (self.tally.get(k, 0) for k in ("supports", "contradicts", "within_noise"))
        if not s + c + n:
            return NOT_RUN
        if s and not c and not n:
            return "supported"
        if c and not s and not n:
            return "contradicted"
        if n and not s and not c:
            return "cannot tell (seed spread)"
        return f"mixed: {s} of {s + c + n} supported"

    def verdict(self, icons: bool = True) -> str:
        """The word and the tally, with the outcomes' icons (Markdown) or their plain symbols."""
        parts = [
            f"{markdown_icon(k) if icons else SYMBOL[k]} {self.tally[k]}"
            for k in ("supports", "contradicts", "within_noise")
            if self.tally.get(k)
        ]
        return self.word + (f" ({' '.join(parts)})" if parts else "")


def short_claim(claim: str) -> str:
    """``claim`` without its parenthesised citations, e.g. "(Santurkar et al. 2018, [arXiv:...](...))"."""
    return " ".join(_CITATION.sub("", claim).split()).rstrip(" .;") + "."


def row(name: str, tab: str, claim: str, verdicts: list[Verdict] | tuple[Verdict, ...] | None) -> Row:
    """One experiment's row; ``verdicts`` None: nothing cached to judge it by."""
    checked = [v for v in verdicts or () if v.outcome != "context"]
    tally = dict(Counter(v.outcome for v in checked))
    caveat = ""
    if checked:
        majority = max(("supports", "contradicts"), key=lambda k: tally.get(k, 0))
        against = next((v for v in checked if v.outcome != majority), None)
        edge = next((v for v in checked if v.knife_edge), None)
        pick = against or edge
        if pick is not None:
            how = {"supports": "holds", "contradicts": "does not hold", "within_noise": "cannot tell"}[pick.outcome]
            caveat = f"{markdown_icon(pick.outcome)} {pick.claim.rstrip('. ')} ({how}" + (
                ", a knife edge)" if pick.knife_edge else ")"
            )
    return Row(name, tab, short_claim(claim), tally, caveat)


def markdown_table(rows: list[Row], link) -> str:
    """The scoreboard as a Markdown table; ``link(name)`` is the address of an experiment's section."""
    lines = ["| Claim | Our verdict | Caveat |", "| --- | --- | --- |"]
    for r in rows:
        cells = (f"[{r.tab}]({link(r.name)}): {r.claim}", r.verdict(), r.caveat or "none")
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines)
