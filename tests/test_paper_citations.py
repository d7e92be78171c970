"""Every "Section X.Y" and "Figure N" that bnviz, the pages, the README and the docs quote of Ioffe & Szegedy (2015)
exists in the paper and is the one meant: the words around the quote match that section's title or its keywords in
:mod:`bnviz.paper`. A quote near another paper's name is that paper's, and is only listed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bnviz import paper

ROOT = Path(__file__).resolve().parents[1]
WHERE = ["bnviz", "pages", "docs", "README.md"]
NUMBER = r"\d+(?:\.\d+)*"
PANELS = r"(?:\s?\(([a-z](?:\s*,\s*[a-z])*)\))?"
QUOTE = re.compile(
    rf"\b(Sections?|Sec\.|Figures?|Figs?\.)\s+({NUMBER}){PANELS}((?:\s*(?:,|and|or|to)\s*{NUMBER}{PANELS})*)"
)
MORE = re.compile(rf"({NUMBER}){PANELS}")
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z*#|(\[\"`-])|\n\s*\n|^\s*#", re.MULTILINE)
LOOKBACK = 1_500  # characters before a quote in which the nearest paper's name says whose it is


@dataclass(frozen=True)
class Quote:
    path: str
    line: int
    kind: str  # "section" or "figure"
    number: str
    panels: str
    nearby: str  # the quote's sentence, lowercase
    owner: str  # "this" (Ioffe & Szegedy 2015) or another paper's name


def files() -> list[Path]:
    out = []
    for where in WHERE:
        p = ROOT / where
        out += [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.suffix in (".py", ".md"))
    # bnviz/paper.py is the table itself: its docstring's examples are not quotes
    return [f for f in out if "__pycache__" not in f.parts and f != ROOT / "bnviz" / "paper.py"]


def sentence(text: str, start: int, end: int) -> str:
    """The sentence around ``text[start:end]``, at most 300 characters each side, one line."""
    before = [m.end() for m in SENTENCE_END.finditer(text, max(0, start - 300), start)]
    after = SENTENCE_END.search(text, end, min(len(text), end + 300))
    lo = before[-1] if before else max(0, start - 300)
    hi = after.start() if after else min(len(text), end + 300)
    return " ".join(text[lo:hi].split()).lower()


def _named(hay: str, others_only: bool = False) -> list[tuple[int, str]]:
    markers = {**paper.OTHER_PAPERS, **({} if others_only else {"this": paper.THIS_PAPER})}
    return sorted(
        (m.start(), name) for name, words in markers.items() for w in words for m in re.finditer(re.escape(w), hay)
    )


def _opening(low: str, start: int) -> int | None:
    """Where the parenthesis around ``start`` opens (nested ones skipped), within 300 characters."""
    depth = 0
    for i in range(start - 1, max(-1, start - 300), -1):
        depth += {")": 1, "(": -1}.get(low[i], 0)
        if depth < 0:
            return i
    return None


def owner(text: str, start: int, end: int) -> str:
    """Whose section or figure a quote is. A paper named inside the quote's own parentheses, or just before it
    ("Santurkar et al.'s Figure 2"), or just after ("Section 2.2 of ... (arXiv 1805.11604)"); for "their Figure 2",
    the other paper named last before it; otherwise Ioffe & Szegedy's, the paper this project teaches."""
    low = text.lower()
    opened = _opening(low, start)
    if opened is not None:
        closed = low.find(")", end, end + 200)
        inside = _named(low[opened : closed if closed != -1 else end])
        before = [n for pos, n in inside if opened + pos < start]
        after = [n for pos, n in inside if opened + pos >= end]
        if before or after:
            return (before[-1:] or after[:1])[0]
    if re.search(r"\btheir\s+$", low[max(0, start - 40) : start]):
        earlier = _named(low[max(0, start - LOOKBACK) : start], others_only=True)
        return earlier[-1][1] if earlier else "this"
    before = _named(low[max(0, start - 40) : start])  # the nearest name before the quote, else the first after
    after = _named(low[end : end + 60])
    return before[-1][1] if before else after[0][1] if after else "this"


def quotes() -> list[Quote]:
    out = []
    for f in files():
        text = f.read_text(encoding="utf-8")
        if f.suffix == ".py":  # "a " "b" across lines is one Python string: read it as one
            text = re.sub(r'"(\n\s*)"', lambda m: " " + m.group(1) + " ", text)
        for m in QUOTE.finditer(text):
            kind = "section" if m.group(1).lower().startswith("sec") else "figure"
            nearby = sentence(text, m.start(), m.end())
            who = owner(text, m.start(), m.end())
            line = text.count("\n", 0, m.start()) + 1
            numbers = [(m.group(2), m.group(3) or "")] + [(n, p or "") for n, p in MORE.findall(m.group(4) or "")]
            for number, panels in numbers:
                out.append(
                    Quote(
                        str(f.relative_to(ROOT)),
                        line,
                        kind,
                        number,
                        panels.replace(",", "").replace(" ", ""),
                        nearby,
                        who,
                    )
                )
    return out


def problem(q: Quote) -> str | None:
    """Why a quote of this paper is wrong, or None."""
    part = (paper.section if q.kind == "section" else paper.figure)(q.number)
    name = f"{q.kind.title()} {q.number}{f'({q.panels})' if q.panels else ''}"
    if part is None:
        return f"{name} does not exist in arXiv:{paper.ARXIV}"
    if q.panels and not set(q.panels) <= set(part.panels):
        return f"{name}: the figure has no panel {q.panels}"
    if part.title.lower() in q.nearby or any(w in q.nearby for w in part.about):
        return None
    return f"{name} is {part.title!r}, but nothing near the quote says so: {q.nearby[:160]!r}"


QUOTES = quotes()


def test_the_scan_finds_the_quotes_it_must_check():
    mine = [q for q in QUOTES if q.owner == "this"]
    assert len(mine) > 100 and {"section", "figure"} == {q.kind for q in mine}
    assert any(q.path == "README.md" for q in mine) and any(q.path.startswith("docs/") for q in mine)
    assert any(q.owner.startswith("Santurkar") for q in QUOTES)  # theirs are told apart, not checked


@pytest.mark.parametrize("q", [q for q in QUOTES if q.owner == "this"], ids=lambda q: f"{q.path}:{q.line}:{q.number}")
def test_every_quoted_section_and_figure_exists_and_is_the_one_meant(q):
    assert problem(q) is None, f"{q.path}:{q.line}: {problem(q)}"


@pytest.mark.parametrize(
    "text, wrong",
    [
        ("the sigmoid Inception without BN never beats 1/1000 (Section 4.2.1)", "Section 4.2.1"),
        ("BN keeps the sigmoids out of their saturated regime, where gradients vanish (Section 3.4)", "Section 3.4"),
        ("as Section 4.3 shows", "does not exist"),
        ("Figure 2(b) shows it", "no panel b"),
    ],
)
def test_the_known_wrong_quotes_are_caught(text, wrong):
    m = QUOTE.search(text)
    kind = "section" if m.group(1).lower().startswith("sec") else "figure"
    q = Quote("x", 1, kind, m.group(2), (m.group(3) or "").replace(",", ""), text.lower(), "this")
    assert problem(q) is not None and (wrong.split()[-1] in problem(q) or wrong in problem(q))


def test_the_right_ones_pass():
    for text in (
        "the sigmoid Inception without BN never beats 1/1000 (Section 4.2.2)",
        "BN keeps the sigmoids out of their saturated regime (Sections 1 and 3.3)",
    ):
        for number in re.findall(NUMBER, text.split("(Section")[1]):
            q = Quote("x", 1, "section", number, "", text.lower(), "this")
            assert problem(q) is None, problem(q)
