"""Draw the sections an experiment's ``sections(findings)`` returns (:mod:`bnviz.views.sections`): the one
place that turns them into Streamlit calls, so every experiment looks and exports alike, in the normal view
(:func:`draw`) and as presenter slides (:func:`slide`)."""

from __future__ import annotations

import math

import streamlit as st

from bnviz.views import export, slides
from bnviz.views import sections as S
from bnviz.views.verdicts import markdown_icon
from pages import _chart_specs
from pages._chart_specs import Recording
from pages._downloads import csv_download

SLIDE_HEIGHT = 720  # a projector's 1280x720 screen
SLIDE_FRAME = 300  # what a slide draws besides its chart and answer: padding, the title row, the footer
ANSWER_LINE, ANSWER_CHARS = 32, 100  # a line of a slide's answer in large type: pixels, and characters it holds
TABLE_ROW = 35  # st.dataframe's row height


def draw(
    sections: list[S.Section],
    tag: str,
    source: str = "",
    ids: list[str] | None = None,
    recording: Recording | None = None,
) -> None:
    """Every section as a subheader (its anchor from ``ids``), its one-sentence answer, then its blocks; ``tag``
    keeps widget keys apart between results, ``source`` (where the data came from) goes into every export.

    ``recording``: the cached result the sections were derived from. Its charts' specs are then converted once
    per server and shared by every session (:mod:`pages._chart_specs`); without one, once per session."""
    for i, section in enumerate(sections):
        st.subheader(section.title, anchor=ids[i] if ids else None)
        if section.answer:
            st.markdown(f"**{section.answer}**")
        _blocks(section.blocks, f"{tag}-{i}", section.title, source, recording)


def slide(
    section: S.Section, i: int, tag: str, height: float = SLIDE_HEIGHT, recording: Recording | None = None
) -> None:
    """Section ``i`` as a slide's body under its title: its answer, then its one chart or table (or its verdicts),
    shrunk to what ``height`` leaves. Its switches share their state with the normal view's; ``recording`` as
    for :func:`draw`."""
    lines = math.ceil(len(section.answer) / ANSWER_CHARS) if section.answer else 0
    if section.answer:
        st.markdown(f"**{section.answer}**")
    room = height - SLIDE_FRAME - lines * ANSWER_LINE
    shown = slides.slide_blocks(section)
    for j, block in enumerate(section.blocks):
        if any(block is b for b in shown):
            _slide_block(block, f"{tag}-{i}-{j}", room, recording)


def _chart(b: S.Chart, key: str, recording: Recording | None, room: float | None = None) -> None:
    """A section's chart (shrunk to ``room`` pixels on a slide), its spec kept under what it shows: the result
    it came from, its place among the sections (``key``) and the room."""
    spec_key = (recording, "section", key, room) if recording else ("section", key, room)

    def build():
        return b.chart if room is None else slides.fit_height(b.chart, room)

    _chart_specs.chart(st, spec_key, build, width="stretch" if b.stretch else "content")


def _slide_block(b, key: str, room: float, recording: Recording | None = None) -> None:
    if isinstance(b, S.Chart):
        _chart(b, key, recording, room)
        if b.caption:
            st.caption(b.caption)
    elif isinstance(b, S.Table):
        rows = min(len(b.df) + 1, max(3, int(room // TABLE_ROW)))
        st.dataframe(b.df, hide_index=True, column_config=_table_config(b), height=rows * TABLE_ROW + 3)
    elif isinstance(b, S.Columns):
        for k, (col, inner) in enumerate(zip(st.columns(len(b.blocks)), b.blocks)):
            with col:
                _slide_block(inner, f"{key}-{k}", room, recording)
    elif isinstance(b, S.Toggle):
        on = _toggle(b, key)
        for inner in b.on if on else b.off:
            if isinstance(inner, S.Chart | S.Table | S.Columns):
                _slide_block(inner, f"{key}-{'on' if on else 'off'}", room - 40, recording)
                break
    elif isinstance(b, S.Verdicts | S.Text):  # words without a chart: a list too long for the slide scrolls in a box
        texts = [v.text for v in b.items] if isinstance(b, S.Verdicts) else [b.body]
        lines = sum(math.ceil(len(t) / ANSWER_CHARS) for t in texts)
        box = int(max(room, 120) + 80)
        with st.container(height=box, border=False) if lines * ANSWER_LINE > box else st.container():
            _block(b, key)


def toggle_key(key: str) -> str:
    return f"toggle-{key}"


def _toggle(b: S.Toggle, key: str) -> bool:
    """The switch of ``b``, its state kept for the session (a link or the other view may have set it)."""
    st.session_state.setdefault(toggle_key(key), b.default)
    return st.toggle(b.label, key=toggle_key(key), persist_state="session")


def toggles(sections: list[S.Section], tag: str) -> list[tuple[int, str, bool]]:
    """(section index, widget key, default) of every switch in ``sections``, keyed as :func:`draw` keys them."""
    found = []

    def walk(b, key: str, i: int) -> None:
        if isinstance(b, S.Toggle):
            found.append((i, toggle_key(key), b.default))
        elif isinstance(b, S.Columns):
            for k, inner in enumerate(b.blocks):
                walk(inner, f"{key}-{k}", i)
        elif isinstance(b, S.Details):
            for j, inner in enumerate(b.blocks):
                walk(inner, f"{key}-{j}", i)

    for i, section in enumerate(sections):
        for j, b in enumerate(section.blocks):
            walk(b, f"{tag}-{i}-{j}", i)
    return found


def _blocks(blocks, tag: str, title: str = "", source: str = "", recording: Recording | None = None) -> None:
    for j, block in enumerate(blocks):
        _block(block, f"{tag}-{j}", title, source, recording)


def _figure_downloads(b: S.Chart, key: str, title: str, source: str) -> None:
    """PNG and SVG of the chart with its title, caption and data source, rendered only when clicked."""
    row = st.container(horizontal=True)
    for fmt, mime in export.FORMATS.items():
        row.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: export.chart_file(b.chart, fmt, title, caption=b.caption, source=source),
            file_name=f"{key}.{fmt}",
            mime=mime,
            key=f"{fmt}-{key}",
            on_click="ignore",
            icon=":material/image:",
            help=f"The figure as {fmt.upper()}, with its title, caption and data source, for a slide",
        )


def _table_config(b: S.Table) -> dict:
    config = {c: st.column_config.NumberColumn(c, format="percent") for c in b.percent}
    return config | {c: st.column_config.NumberColumn(c, format=f) for c, f in b.formats.items()}


def _block(b, key: str, title: str = "", source: str = "", recording: Recording | None = None) -> None:
    if isinstance(b, S.Text):
        {"markdown": st.markdown, "caption": st.caption, "info": st.info}[b.style](b.body)
    elif isinstance(b, S.Chart):
        _chart(b, key, recording)
        if b.caption:
            st.caption(b.caption)
        _figure_downloads(b, b.csv_name or key, title, source)
        if b.csv is not None:
            csv_download(b.csv, f"{b.csv_name}.csv", b.csv_label, key=f"csv-{key}")
    elif isinstance(b, S.Table):
        st.dataframe(b.df, hide_index=True, column_config=_table_config(b))
        csv_download(
            b.csv if b.csv is not None else b.df, f"{b.csv_name or 'table'}.csv", b.csv_label, key=f"csv-{key}"
        )
    elif isinstance(b, S.Download):
        csv_download(b.csv, f"{b.csv_name}.csv", b.csv_label, key=f"csv-{key}")
    elif isinstance(b, S.Metrics):
        for col, m in zip(st.columns(len(b.items)), b.items):
            colour = "normal" if m.beyond else "off"  # a difference within the seed spread is not good news
            col.metric(m.label, m.value, m.delta, delta_color=colour, border=True, help=m.help)
            if m.spread:
                col.caption(m.spread)
    elif isinstance(b, S.Verdicts):
        st.markdown("  \n".join(f"{markdown_icon(v.outcome)} {v.text}" for v in b.items))
    elif isinstance(b, S.Columns):
        for k, (col, inner) in enumerate(zip(st.columns(len(b.blocks)), b.blocks)):
            with col:
                _block(inner, f"{key}-{k}", title, source, recording)
    elif isinstance(b, S.Toggle):
        on = _toggle(b, key)
        _blocks(b.on if on else b.off, f"{key}-{'on' if on else 'off'}", title, source, recording)
    elif isinstance(b, S.Details):
        with st.expander(b.label):
            _blocks(b.blocks, key, title, source, recording)
    else:  # a block type this page does not know: say so rather than drop it silently
        st.warning(f"bnviz cannot draw a {type(b).__name__} block yet.")
