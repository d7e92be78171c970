"""Draw the sections an experiment's ``analyze`` returns (:mod:`bnviz.views.sections`): the one place
that turns them into Streamlit calls, so every experiment looks and exports alike."""

from __future__ import annotations

import streamlit as st

from bnviz.views import export
from bnviz.views import sections as S
from pages._ui import csv_download

ICON = {True: ":green[:material/check_circle:]", False: ":red[:material/cancel:]", None: ":gray[:material/info:]"}


def draw(sections: list[S.Section], tag: str, source: str = "") -> None:
    """Every section as a subheader and its blocks; ``tag`` keeps widget keys apart between results,
    ``source`` (where the data came from) goes into every exported figure."""
    for i, section in enumerate(sections):
        st.subheader(section.title)
        _blocks(section.blocks, f"{tag}-{i}", section.title, source)


def _blocks(blocks, tag: str, title: str = "", source: str = "") -> None:
    for j, block in enumerate(blocks):
        _block(block, f"{tag}-{j}", title, source)


def _figure_downloads(chart, key: str, title: str, source: str) -> None:
    """PNG and SVG of the chart with its title and data source, rendered only when clicked."""
    row = st.container(horizontal=True)
    for fmt, mime in export.FORMATS.items():
        row.download_button(
            fmt.upper(),
            data=lambda fmt=fmt: export.chart_file(chart, fmt, title, source=source),
            file_name=f"{key}.{fmt}",
            mime=mime,
            key=f"{fmt}-{key}",
            on_click="ignore",
            icon=":material/image:",
            help=f"The figure as {fmt.upper()}, with its title and data source, for a slide",
        )


def _block(b, key: str, title: str = "", source: str = "") -> None:
    if isinstance(b, S.Text):
        {"markdown": st.markdown, "caption": st.caption, "info": st.info}[b.style](b.body)
    elif isinstance(b, S.Chart):
        st.altair_chart(b.chart, width="stretch" if b.stretch else "content")
        _figure_downloads(b.chart, b.csv_name or key, title, source)
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
            col.metric(m.label, m.value, m.delta, border=True, help=m.help)
    elif isinstance(b, S.Verdicts):
        st.markdown("  \n".join(f"{ICON[v.holds]} {v.text}" for v in b.items))
    elif isinstance(b, S.Columns):
        for k, (col, inner) in enumerate(zip(st.columns(len(b.blocks)), b.blocks)):
            with col:
                _block(inner, f"{key}-{k}", title, source)
    elif isinstance(b, S.Toggle):
        on = st.toggle(b.label, value=b.default, key=f"toggle-{key}")
        _blocks(b.on if on else b.off, key, title, source)
    else:  # a block type this page does not know: say so rather than drop it silently
        st.warning(f"bnviz cannot draw a {type(b).__name__} block yet.")
