"""A section as a slide: what one projector screen shows of it, and its chart shrunk to the height left.

A slide is a title, one chart or table and the one-sentence answer (STYLE.md: "a page is also a
lecture"). :func:`slide_blocks` picks the blocks a section's slide shows; :func:`fit_height` scales a
chart's plot heights so that the whole chart, with its axes, titles, facet headers and a legend below
it, fits a height in pixels. Plain data and Altair, no Streamlit: ``pages/_sections.py`` draws them.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from bnviz.views.sections import Block, Chart, Columns, Section, Table, Text, Toggle, Verdicts

# What a chart draws around its plots, in pixels (Vega-Lite's defaults at Streamlit's font size, rounded up)
AXIS = 62  # an x axis below a plot: labels and title
TITLE = 30  # a chart title above it
HEADER = 24  # a facet's header (a column's above the panels, a row's beside it, a wrapped facet's above each)
LEGEND_ROW = 24  # one row of a legend drawn under the plot
DEFAULT_HEIGHT = 300  # Vega-Lite's plot height when a chart sets none
SPACING = 20  # between concatenated or faceted panels
MIN_SCALE = 0.3  # a chart is never shrunk below this share of its own height: it would tell nothing


def slide_blocks(section: Section) -> tuple[Block, ...]:
    """The blocks a slide of ``section`` shows: its first chart, table, row of charts or switch between two
    views; without one, its verdicts; without those, its first text."""
    for kinds in ((Chart, Table, Toggle, Columns), (Verdicts,), (Text,)):
        for block in section.blocks:
            if isinstance(block, kinds) and _shows_something(block):
                return (block,)
    return ()


def _shows_something(block: Block) -> bool:
    if isinstance(block, Columns):
        return any(isinstance(b, Chart | Table) for b in block.blocks)
    if isinstance(block, Toggle):
        return any(isinstance(b, Chart | Table | Columns) for b in block.on + block.off)
    return True


def estimated_height(chart: alt.TopLevelMixin) -> float:
    """About how tall ``chart`` draws, in pixels: its plots and what surrounds them."""
    plots, fixed = _measure(chart)
    return plots + fixed


def fit_height(chart: alt.TopLevelMixin, height: float) -> alt.TopLevelMixin:
    """A copy of ``chart`` whose plots are shrunk (never grown) so that it draws about ``height`` pixels tall.

    Every plot height is scaled by one factor, so panels keep their proportions; widths are not touched
    (a slide's chart takes the page's width)."""
    plots, fixed = _measure(chart)
    if plots <= 0 or plots + fixed <= height:
        return chart
    factor = max(MIN_SCALE, (height - fixed) / plots)
    out = chart.copy(deep=True)
    _scale(out, factor)
    return out


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _own_height(chart) -> float:
    """The plot height of a single or layered view: its own, else its layers' tallest, else the default."""
    own = _number(getattr(chart, "height", None))
    if own is not None:
        return own
    heights = [_own_height(layer) for layer in getattr(chart, "layer", None) or []]
    return max(heights) if heights else DEFAULT_HEIGHT


def _has_title(chart) -> bool:
    title = getattr(chart, "title", alt.Undefined)
    return title is not alt.Undefined and bool(getattr(title, "text", title))


def _legend_rows(chart) -> int:
    """Rows of a legend the chart's config puts under the plot (two entries a row, as charts.legend_below)."""
    config = getattr(chart, "config", alt.Undefined)
    legend = getattr(config, "legend", alt.Undefined) if config is not alt.Undefined else alt.Undefined
    if legend is alt.Undefined or getattr(legend, "orient", None) != "bottom":
        return 0
    columns = _number(getattr(legend, "columns", None)) or 4
    data = getattr(chart, "data", None)
    entries = data["arm"].nunique() if isinstance(data, pd.DataFrame) and "arm" in data else 2
    return math.ceil(entries / columns)


def _measure(chart) -> tuple[float, float]:
    """(the sum of the plot heights stacked vertically, everything else), in pixels."""
    if isinstance(chart, alt.VConcatChart):
        parts = [_measure(c) for c in chart.vconcat]
        plots, fixed = sum(p for p, _ in parts), sum(f for _, f in parts) + SPACING * (len(parts) - 1)
    elif isinstance(chart, alt.HConcatChart | alt.ConcatChart):
        parts = [_measure(c) for c in (chart.hconcat if isinstance(chart, alt.HConcatChart) else chart.concat)]
        plots, fixed = max((p for p, _ in parts), default=0.0), max((f for _, f in parts), default=0.0)
    elif isinstance(chart, alt.FacetChart):
        rows, headers = _facet_rows(chart)
        inner, inner_fixed = _measure(chart.spec)
        plots = rows * inner
        axes = rows if _independent_x(chart) else 1  # each row of panels draws its own x axis, or the last row
        fixed = axes * inner_fixed + headers * HEADER + SPACING * (rows - 1)
    else:
        plots, fixed = _own_height(chart), AXIS
    fixed += TITLE * _has_title(chart) + LEGEND_ROW * _legend_rows(chart)
    return plots, fixed


def _independent_x(chart: alt.FacetChart) -> bool:
    resolve = getattr(chart, "resolve", alt.Undefined)
    scale = getattr(resolve, "scale", alt.Undefined) if resolve is not alt.Undefined else alt.Undefined
    axis = getattr(resolve, "axis", alt.Undefined) if resolve is not alt.Undefined else alt.Undefined
    independent = [getattr(r, "x", None) == "independent" for r in (scale, axis) if r is not alt.Undefined]
    return any(independent)


def _field(channel) -> str | None:
    if isinstance(channel, str):  # a shorthand such as "layer:N"
        return alt.utils.parse_shorthand(channel).get("field")
    field = getattr(channel, "field", alt.Undefined)
    if isinstance(field, str):
        return field
    shorthand = getattr(channel, "shorthand", alt.Undefined)
    return alt.utils.parse_shorthand(shorthand).get("field") if isinstance(shorthand, str) else None


def _distinct(chart: alt.FacetChart, channel) -> int:
    field = _field(channel)
    data = chart.data
    if field and isinstance(data, pd.DataFrame) and field in data:
        return max(1, int(data[field].nunique()))
    return 1


def _facet_rows(chart: alt.FacetChart) -> tuple[int, int]:
    """(rows of panels, facet headers stacked vertically) of a faceted chart."""
    facet = chart.facet
    if isinstance(facet, alt.FacetMapping):
        row, column = getattr(facet, "row", alt.Undefined), getattr(facet, "column", alt.Undefined)
        rows = _distinct(chart, row) if row is not alt.Undefined else 1
        return rows, int(column is not alt.Undefined)
    columns = _number(getattr(chart, "columns", None))
    panels = _distinct(chart, facet)
    rows = math.ceil(panels / columns) if columns else 1
    return rows, rows  # a wrapped facet puts a header above every row of panels


def _scale(chart, factor: float) -> None:
    """Multiply every plot height in ``chart`` (changed in place) by ``factor``."""
    if isinstance(chart, alt.VConcatChart):
        for c in chart.vconcat:
            _scale(c, factor)
    elif isinstance(chart, alt.HConcatChart):
        for c in chart.hconcat:
            _scale(c, factor)
    elif isinstance(chart, alt.ConcatChart):
        for c in chart.concat:
            _scale(c, factor)
    elif isinstance(chart, alt.FacetChart):
        _scale(chart.spec, factor)
    else:
        height = round(_own_height(chart) * factor)
        chart.height = height
        for layer in getattr(chart, "layer", None) or []:
            if _number(getattr(layer, "height", None)) is not None:
                layer.height = height
