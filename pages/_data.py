"""The data and cache folders the sidebar sets, loading a dataset once per server, and where numbers come from.

Not a page. It imports neither torch (through bnviz.data) nor pandas at module level: the router and
Home open without them (tests/pages/test_page_imports.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from bnviz.folders import default_data_dir
from bnviz.runs import cache
from bnviz.views.markdown import literal

if TYPE_CHECKING:
    from bnviz import data


def data_dir() -> Path:
    """The data folder chosen in the sidebar (default: $BNVIZ_DATA_DIR or ./data)."""
    return Path(st.session_state.get("data_dir") or default_data_dir())


def data_dir_text() -> str | None:
    """The data folder as the user typed it in the sidebar, or None if they left the default: what a run
    request records, so its command line names the folder as the user knows it (bnviz.runs.request)."""
    text = st.session_state.get("data_dir") or ""
    return None if text in ("", str(default_data_dir())) else text


def cache_dir() -> Path:
    return cache.default_cache_dir()


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=4)
def _load(name: str, folder: str) -> data.Dataset:
    from bnviz import data

    return data.load(name, folder)


def load_dataset(name: str) -> tuple[data.Dataset | None, str | None]:
    """(dataset, None), or (None, a message saying what is missing and what to do, as Markdown-safe text)."""
    from bnviz import data

    try:
        return _load(name, str(data_dir())), None
    except data.DataError as e:
        return None, literal(e)
    except Exception as e:  # anything else a damaged file raises: the file and the reason, never a traceback
        return None, literal(f"The data in {data_dir()} could not be loaded ({type(e).__name__}: {e}).")


def real_data_available(name: str) -> bool:
    """Whether the sidebar's data folder holds the files of ``name`` (bnviz.data knows the layout)."""
    from bnviz import data

    return data.available(name, data_dir())


def data_badge(label: str, source: str) -> None:
    """Say where numbers come from, every time: official, a non-official copy, or synthetic."""
    if source == "synthetic":
        st.warning(
            f"**Synthetic data** ({literal(label)}): shapes like the real dataset, numbers mean nothing about it.",
            icon=":material/science:",
        )
    elif source == "non-official":
        # the label already says so ("<dataset>, files differ from the official release": bnviz.data)
        st.info(
            f"**Data:** {literal(label)}. Its numbers are not those of the official dataset.", icon=":material/info:"
        )
    else:
        st.caption(f"Data: {literal(label)}")
