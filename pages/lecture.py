"""The Lecture: an ordered list of slides across the app's pages, read from a plain TOML file (lectures/bn.toml
unless ``?lecture=<name>``), one per screen, ← / → from one to the next, ``?slide=N`` in the URL.

Each slide is a page of the app in the state its entry gives, drawn by that page's own slide code
(``pages/_lecture_slides.py``), with the entry's title and its speaker notes beneath. A malformed file
names the file, entry and field of each problem; its good entries still play, and no other page reads it.
"""

from __future__ import annotations

import streamlit as st

from bnviz.teach import lecture as LE
from bnviz.teach.query import Reader, read_int
from bnviz.views.markdown import literal
from pages import _present
from pages._lecture_slides import DRAW, PAGE_TITLES
from pages._ui import require_router

require_router()

ss = st.session_state
SLIDE_HEIGHT = 665  # a 1280x720 screen, less the speaker notes' expander under every slide


def apply_url() -> None:
    """``?lecture=<name>&slide=N``, read on the page's first run in a session (then the page owns its URL)."""
    if "lecture_url" in ss:
        return
    ss.lecture_url = True
    r = Reader(st.query_params.to_dict(), ("lecture", "slide"))
    r.take("lecture", _lecture_name)
    r.take("slide", lambda s: read_int(s, 1, LE.MAX_SLIDES, f"a slide is a number from 1 to {LE.MAX_SLIDES}"))
    ss.lecture_name, ss.lecture_slide = r.found.get("lecture", LE.DEFAULT), r.found.get("slide", 1)
    ss.lecture_ignored = r.ignored
    _present.ask_to_land(None)


def _lecture_name(text: str) -> str:
    LE.path_of(text)  # raises on a name that is not a file stem
    if not LE.path_of(text).exists():
        raise ValueError(f"no lecture file {text}.toml; there are: {', '.join(LE.available()) or 'none'}")
    return text


def _go(delta: int, n: int) -> None:
    ss.lecture_slide = min(max(ss.lecture_slide + delta, 1), n)
    _present.ask_to_land(None)


def problems(lecture: LE.Lecture) -> None:
    if ignored := ss.pop("lecture_ignored", None):
        st.warning(
            "This link's " + "; ".join(literal(p) for p in ignored) + " could not be used.", icon=":material/link_off:"
        )
    if lecture.problems:
        label = f"{len(lecture.problems)} problem{'s' if len(lecture.problems) > 1 else ''} in {lecture.path.name}"
        with st.expander(label + ": the entries they name are left out", expanded=not lecture.slides, icon="⚠️"):
            st.markdown("\n".join(f"- {literal(p)}" for p in lecture.problems))


def notes(slide: LE.Slide) -> None:
    with st.expander("Speaker notes", icon=":material/record_voice_over:"):
        for paragraph in slide.notes.split("\n\n") if slide.notes else ["(none in the lecture file)"]:
            st.markdown(literal(paragraph))


apply_url()
_present.begin(True)
lecture = LE.load(LE.path_of(ss.lecture_name))
problems(lecture)
if not lecture.slides:
    st.title("Lecture")
    st.info(f"{literal(lecture.path.name)} has no slide to show: fix the problems above, then reload the page.")
    st.stop()
n = len(lecture.slides)
ss.lecture_slide = min(ss.lecture_slide, n)
i = ss.lecture_slide
slide = lecture.slides[i - 1]
with _present.slide(literal(slide.title), i - 1, n, lambda delta: _go(delta, n)):
    ignored, href = DRAW[slide.page](slide.state, SLIDE_HEIGHT)
    if ignored:
        st.warning(
            f"{literal(lecture.path.name)}, slide {slide.entry}, field 'state': "
            + "; ".join(literal(p) for p in ignored)
            + " (ignored).",
            icon=":material/link_off:",
        )
    minutes = f" · {slide.minutes:g} min" if slide.minutes is not None else ""
    opened = f" · [open it on its page]({href})" if href else ""
    st.caption(
        f"{literal(lecture.title)} · slide {i} of {n}{minutes} · from *{PAGE_TITLES[slide.page]}*{opened} · "
        "keys ← and →"
    )
    notes(slide)
params = {"slide": str(i)} | ({"lecture": ss.lecture_name} if ss.lecture_name != LE.DEFAULT else {})
if st.query_params.to_dict() != params:
    st.query_params.from_dict(params)
_present.land()
