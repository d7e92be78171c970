"""Home as a slide: what BN does in two sentences, the picture that hooks the room, and the way into the lecture.
Not a page. It imports neither torch nor pandas nor Altair: Home opens without them."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

HOOK = Path(__file__).resolve().parent.parent / "docs" / "screens" / "hook.png"  # python -m benchmarks.screens
LINE = (
    "BN normalizes every feature of a layer over each mini-batch, then scales and shifts it back with two learned "
    "numbers. Here: the paper's algorithms on numbers you can check, its experiments re-run, and why it works."
)


def picture(width: int | str = "stretch") -> None:
    """Step 3 of the step-through: three features on three scales become one."""
    if HOOK.exists():
        st.image(str(HOOK), width=width)


def start_lecture() -> None:
    st.page_link(
        "pages/lecture.py",
        label="**Start the lecture**: Batch Normalization in 50 minutes, one slide per screen",
        icon=":material/co_present:",
        query_params={"slide": "1"},
    )


def slide(height: float = 720) -> None:
    st.markdown(f"**{LINE}**")
    picture(width=min(900, int((height - 250) * 2.4)))
    start_lecture()
