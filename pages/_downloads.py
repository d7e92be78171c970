"""A table as a CSV download, written only when the button is clicked. Not a page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    import pandas as pd


def csv_download(
    df: pd.DataFrame | Callable[[], pd.DataFrame], filename: str, label: str = "Download CSV", key: str | None = None
) -> None:
    """A CSV download of ``df`` (or of what ``df()`` returns), written only when the button is clicked."""
    st.download_button(
        label,
        lambda: (df() if callable(df) else df).to_csv(index=False).encode(),
        file_name=filename,
        mime="text/csv",
        key=key or f"csv-{filename}",
        icon=":material/download:",
    )
