"""LEGACY, during the move to findings and sections (issue #22): the old section blocks, which experiments not yet
moved still build; ``upgrade`` turns them into :mod:`bnviz.views.sections` blocks. Deleted once every experiment has moved.

What an experiment's analysis hands the page: sections of charts, tables, metrics and verdicts.

Plain data, no Streamlit: an experiment not yet moved returns a list of :class:`Section` from ``analyze``,
the Experiments page draws any such list the same way (``pages/_sections.py``), and tests read
the verdicts and tables directly. Text here is written by bnviz, never taken from a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from bnviz.views import sections as new


@dataclass(frozen=True)
class Verdict:
    """One checked statement. ``holds`` is True/False for a claim, None for context."""

    text: str
    holds: bool | None = None


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
    label: str
    value: str
    delta: str | None = None
    help: str | None = None


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


Block = Text | Chart | Table | Download | Metrics | Verdicts | Columns | Toggle


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def verdicts_of(sections: list[Section]) -> list[Verdict]:
    """Every verdict in ``sections``, in order (for tests and the CLI summary)."""
    out = []

    def walk(blocks):
        for b in blocks:
            if isinstance(b, Verdicts):
                out.extend(b.items)
            elif isinstance(b, Columns):
                walk(b.blocks)
            elif isinstance(b, Toggle):
                walk(b.on)

    for s in sections:
        walk(s.blocks)
    return out


def upgrade(sections: list[Section]) -> list:
    """The same sections as :mod:`bnviz.views.sections` blocks (a verdict's yes/no becomes ✓/✕, as it was drawn)."""

    def block(b):
        if isinstance(b, Verdicts):
            outcome = {True: "supports", False: "contradicts", None: "context"}
            return new.Verdicts(tuple(new.Verdict(v.text, outcome[v.holds]) for v in b.items))
        if isinstance(b, Metrics):
            return new.Metrics(tuple(new.Metric(m.label, m.value, "", m.delta, m.help) for m in b.items))
        if isinstance(b, Columns):
            return new.Columns(tuple(block(x) for x in b.blocks))
        if isinstance(b, Toggle):
            return new.Toggle(b.label, tuple(block(x) for x in b.on), tuple(block(x) for x in b.off), b.default)
        kind = getattr(new, type(b).__name__)
        return kind(**{f: getattr(b, f) for f in b.__dataclass_fields__})

    return [new.Section(s.title, tuple(block(b) for b in s.blocks)) for s in sections]
