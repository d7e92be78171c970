"""Draw the sections an experiment's ``sections(findings)`` returns (:mod:`bnviz.views.sections`): the one
place that turns them into Streamlit calls, so every experiment looks and exports alike."""

from __future__ import annotations

import streamlit as st

from bnviz.views import export
from bnviz.views import sections as S
from bnviz.views.verdicts import markdown_icon
from pages._downloads import csv_download


def draw(sections: list[S.Section], tag: str, source: str = "") -> None:
    """Every section as a subheader, its one-sentence answer, then its blocks; ``tag`` keeps widget keys
    apart between results, ``source`` (where the data came from) goes into every exported figure."""
    for i, section in enumerate(sections):
        st.subheader(section.title)
        if section.answer:
            st.markdown(f"**{section.answer}**")
        _blocks(section.blocks, f"{tag}-{i}", section.title, source)


def _blocks(blocks, tag: str, title: str = "", source: str = "") -> None:
    for j, block in enumerate(blocks):
        _block(block, f"{tag}-{j}", title, source)


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


def _block(b, key: str, title: str = "", source: str = "") -> None:
    if isinstance(b, S.Text):
        {"markdown": st.markdown, "caption": st.caption, "info": st.info}[b.style](b.body)
    elif isinstance(b, S.Chart):
        st.altair_chart(b.chart, width="stretch" if b.stretch else "content")
        if b.caption:
            st.caption(b.caption)
        _figure_downloads(b, b.csv_name or key, title, source)
        if b.csv is not None:
            csv_download(b.csv, f"{b.csv_name}.csv", b.csv_label, key=f"csv-{key}")
    elif isinstance(b, S.Table):
        config = {c: st.column_config.NumberColumn(c, format="percent") for c in b.percent}
        config |= {c: st.column_config.NumberColumn(c, format=f) for c, f in b.formats.items()}
        st.dataframe(b.df, hide_index=True, column_config=config)
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
                _block(inner, f"{key}-{k}", title, source)
    elif isinstance(b, S.Toggle):
        on = st.toggle(b.label, value=b.default, key=f"toggle-{key}")
        _blocks(b.on if on else b.off, key, title, source)
    elif isinstance(b, S.Details):
        with st.expander(b.label):
            _blocks(b.blocks, key, title, source)
    else:  # a block type this page does not know: say so rather than drop it silently
        st.warning(f"bnviz cannot draw a {type(b).__name__} block yet.")
