"""What an experiment's ``sections(findings)`` hands the page: sections of charts, tables, cards and verdicts.

Plain data, no Streamlit: the pages draw any list of :class:`Section` the same way
(``pages/_sections.py``), one section per slide in the presenter view, and tests read them directly.
A section leads with its answer: a title, one chart, and the one sentence it shows. Text here is
Markdown written by bnviz; values read from files are quoted with :func:`bnviz.views.markdown.literal`.
Charts are Altair objects built by :mod:`bnviz.views.charts` and its siblings; this module does not
import Altair, so findings and summaries never load it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bnviz.views.verdicts import Verdict

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd


@dataclass(frozen=True)
class Text:
    body: str  # Markdown written by bnviz
    style: str = "markdown"  # "markdown" | "caption" | "info"


@dataclass(frozen=True)
class Chart:
    chart: alt.TopLevelMixin
    csv: pd.DataFrame | None = None  # the numbers behind the chart, offered as a CSV download
    csv_name: str = ""  # file name stem of that CSV
    csv_label: str = "Download the data (CSV)"
    stretch: bool = True  # fill the page's width (False: the chart's own width, e.g. a faceted heat map)
    caption: str = ""  # what changes how the chart reads (a clipped axis, a subset): drawn under it and in exports


@dataclass(frozen=True)
class Table:
    df: pd.DataFrame
    csv: pd.DataFrame | None = None  # numeric columns for the CSV; defaults to ``df``
    csv_name: str = ""
    csv_label: str = "Download the table (CSV)"
    percent: tuple[str, ...] = ()  # columns holding fractions, shown as percentages
    formats: dict[str, str] = field(default_factory=dict)  # column -> printf format, e.g. "%.1f%%" for 72.2 → 72.2%


@dataclass(frozen=True)
class Download:
    """A CSV of numbers with no chart or table of its own."""

    csv: pd.DataFrame
    csv_name: str
    csv_label: str = "Download the data (CSV)"


@dataclass(frozen=True)
class Metric:
    """A headline number. ``spread`` is its range over seeds: a headline never goes without it."""

    label: str
    value: str
    spread: str
    delta: str | None = None
    help: str | None = None
    beyond: bool | None = None  # the delta is beyond the seed spread (drawn in colour; otherwise grey)


@dataclass(frozen=True)
class Metrics:
    items: tuple[Metric, ...]


@dataclass(frozen=True)
class Verdicts:
    items: tuple[Verdict, ...]


@dataclass(frozen=True)
class Columns:
    """Blocks side by side, one per column."""

    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Toggle:
    """A switch between two views of the same data (e.g. the paper's axis range or the full range)."""

    label: str
    on: tuple[Block, ...]
    off: tuple[Block, ...]
    default: bool = True


@dataclass(frozen=True)
class Details:
    """Blocks behind an expander: what a reader may want after the answer (every seed, the raw numbers)."""

    label: str
    blocks: tuple[Block, ...]


Block = Text | Chart | Table | Download | Metrics | Verdicts | Columns | Toggle | Details


@dataclass(frozen=True)
class Section:
    """One idea: its title, its blocks (the first chart is the one a slide shows) and its one-sentence answer."""

    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    answer: str = ""  # Markdown written by bnviz, from the findings: shown first, and the slide's caption


def verdicts_of(sections: list[Section]) -> list[Verdict]:
    """Every verdict in ``sections``, in order."""
    out = []

    def walk(blocks):
        for b in blocks:
            if isinstance(b, Verdicts):
                out.extend(b.items)
            elif isinstance(b, Columns | Details):
                walk(b.blocks)
            elif isinstance(b, Toggle):
                walk(b.on)

    for s in sections:
        walk(s.blocks)
    return out
