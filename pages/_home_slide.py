"""Home as a slide: what BN does in two sentences, the picture that hooks the room, and the way into the lecture.
Not a page. It imports neither torch nor pandas nor Altair: Home opens without them."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import streamlit as st

HOOK = Path(__file__).resolve().parent.parent / "docs" / "screens" / "hook.png"  # python -m benchmarks.screens
STRETCHED = 2 * 730  # Streamlit's widest picture, in pixels: it scales a wider one down on every rerun
LINE = (
    "BN normalizes every feature of a layer over each mini-batch, then scales and shifts it back with two learned "
    "numbers. Here: the paper's algorithms on numbers you can check, its experiments re-run, and why it works."
)


def picture(width: int | str = "stretch") -> None:
    """Step 3 of the step-through: three features on three scales become one."""
    if HOOK.exists():
        st.image(_hook_png(width if isinstance(width, int) else STRETCHED, HOOK.stat().st_mtime_ns), width=width)


@functools.lru_cache(maxsize=8)
def _hook_png(most: int, mtime_ns: int) -> bytes:
    """The picture as PNG bytes no wider than ``most`` pixels, scaled once per process, width and version of the
    file. Given the file, Streamlit decoded, scaled and encoded it again on every rerun of Home (about 0.09 s);
    given bytes of the width it draws, it passes them on as they are."""
    from PIL import Image

    data = HOOK.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        if image.width <= most:
            return data
        scaled = image.resize((most, round(image.height * most / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    scaled.save(out, format="PNG")
    return out.getvalue()


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
