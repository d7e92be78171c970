"""Charts as files for slides: PNG or SVG with their title, caption and data source drawn in.

A lecturer drops the file on a slide and the figure still says what it shows and where its numbers
came from. vl-convert renders Vega-Lite without a browser; it is imported only when a file is asked for.
"""

from __future__ import annotations

import textwrap

import altair as alt

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
WIDTH = 720  # pixels: on the page a chart takes its container's width, which a file does not have
LINE = 100  # characters per subtitle line


def with_labels(chart: alt.TopLevelMixin, title: str, caption: str = "", source: str = "") -> alt.TopLevelMixin:
    """The chart with ``title`` on top and the caption and data source as subtitle lines, at a fixed width."""
    subtitle = [part for text in (caption, f"Data: {source}" if source else "") for part in textwrap.wrap(text, LINE)]
    out = chart.properties(title=alt.TitleParams(text=title, subtitle=subtitle, anchor="start"))
    if not isinstance(chart, alt.FacetChart):  # a faceted chart sizes its panels itself
        out = out.properties(width=WIDTH, autosize=alt.AutoSizeParams(type="pad"))
    return out


def chart_file(chart: alt.TopLevelMixin, fmt: str, title: str, caption: str = "", source: str = "") -> bytes:
    """The labelled chart rendered as PNG (2x scale, for projectors) or SVG bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    import vl_convert as vlc

    spec = with_labels(chart, title, caption, source).to_json()
    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=2)
    return vlc.vegalite_to_svg(spec).encode()
