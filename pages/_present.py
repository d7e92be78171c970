"""The presenter view every page shares: large type, one slide per 1280x720 screen, large ← / → buttons
that the arrow keys press, one switch, and a jump to the top of the current slide when it changes.

Not a page. A page in the presenter view calls :func:`begin` (sidebar closed, large type), draws its slide
through :func:`slide` and :func:`nav`, and :func:`land` once per run: after a switch or a slide change
the browser scrolls to the top of the slide (presenter view) or to the heading it names (normal view).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

# Large type for a projector. Padding-top clears the app's toolbar; nothing else may grow the page past
# one 1280x720 screen (tests/pages/test_browser_slides.py measures every slide).
CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.6rem; padding-bottom: 1rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding: 0; }
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p { font-size: 1.25rem; }
[data-testid="stMainBlockContainer"] [data-testid="stAlert"] p { font-size: 1.1rem; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p { font-size: 1rem; }
.katex-display > .katex { font-size: 1.6em; }
.katex-display { margin: 0.3em 0; }
[data-testid="stExpander"] [data-testid="stMarkdownContainer"] p { font-size: 1rem; }
.st-key-slide_nav button { min-height: 3.4rem; }
.st-key-slide_nav button p { font-size: 1.35rem; }
</style>"""
SWITCH_HELP = (
    "For a projector: one slide per 1280x720 screen in large type, ← and → (or the arrow keys) to the "
    "previous and next slide. The sidebar closes by itself unless you opened or closed it by hand before "
    "(your browser keeps that choice): then close it with « at its top. The page's link keeps present=1."
)
LAND = "_present_land"  # session_state: (nonce, anchor) of the scroll the next run's land() performs


def begin(present: bool) -> None:
    """The page's sidebar and type for the view it is in (call before drawing anything else)."""
    # The sidebar's state changes only when this value changes, and a browser that has opened or closed
    # the sidebar by hand keeps its own choice (Streamlit stores it): the switch's help says so.
    st.set_page_config(initial_sidebar_state="collapsed" if present else "auto")
    if present:
        st.html(CSS)


def ask_to_land(anchor: str | None = None) -> None:
    """On the next run, scroll to the top of the slide (``anchor`` None) or to the element of id ``anchor``."""
    nonce = st.session_state.get(LAND, (0, None))[0] + 1
    st.session_state[LAND] = (nonce, anchor)


def switch(key: str, anchor: Callable[[], str | None] = lambda: None, help: str = SWITCH_HELP) -> bool:
    """The presenter view's one switch; turning it on or off lands on the top of the current slide, or
    (normal view) on the element ``anchor()`` names."""

    def changed() -> None:
        ask_to_land(None if st.session_state[key] else anchor())

    return st.toggle("Presenter view", key=key, on_change=changed, help=help)


def land() -> None:
    """Perform the scroll :func:`ask_to_land` asked for, once (call once per run, anywhere on the page)."""
    nonce, anchor = st.session_state.get(LAND, (0, None))
    if not nonce or st.session_state.get(f"{LAND}_done") == nonce:
        return
    st.session_state[f"{LAND}_done"] = nonce
    # Our own script and our own ids (json.dumps quotes them): no text from a URL or a file reaches it. It
    # scrolls again while charts above the anchor finish drawing and move it, until the anchor has stayed put
    # for a moment, and stops as soon as the reader scrolls, types or clicks.
    st.html(
        f"""<script data-nonce="{nonce}">
(() => {{
  const anchor = {json.dumps(anchor)};
  let cancelled = false, last = null, still = 0, tries = 0;
  const stop = () => {{ cancelled = true; }};
  for (const e of ["wheel", "touchmove", "keydown", "mousedown"]) window.addEventListener(e, stop, {{once: true, passive: true}});
  const tick = () => {{
    if (cancelled || tries++ > 50) return;
    const main = document.querySelector('[data-testid="stMain"]');
    const target = anchor && document.getElementById(anchor);
    if (target) target.scrollIntoView({{block: "start"}});
    else if (main) main.scrollTo(0, 0);
    const y = target ? Math.round(target.getBoundingClientRect().top) : 0;
    still = y === last ? still + 1 : 0;
    last = y;
    if (still < 4) setTimeout(tick, 250);
  }};
  tick();
}})();
</script>""",
        unsafe_allow_javascript=True,
    )


def nav(back, forward, i: int, n: int, go: Callable[[int], None]) -> None:
    """Previous and Next in the columns ``back`` and ``forward``; the ← and → keys press them (Streamlit's
    button shortcuts, which ignore keys typed into a text box, a number box or a table)."""
    back.button(
        "Previous",
        on_click=go,
        args=(-1,),
        disabled=i <= 0,
        icon=":material/arrow_back:",
        width="stretch",
        shortcut="Left",
    )
    forward.button(
        "Next",
        on_click=go,
        args=(1,),
        disabled=i >= n - 1,
        icon=":material/arrow_forward:",
        width="stretch",
        type="primary",
        shortcut="Right",
    )


def slide(title: str, i: int, n: int, go: Callable[[int], None]):
    """A slide's heading row: Previous, the title, Next (large, in a container the CSS knows). Returns the
    container below it, for the slide's body."""
    with st.container(key="slide_nav"):
        back, middle, forward = st.columns([1.2, 6, 1.2], vertical_alignment="center")
        nav(back, forward, i, n, go)
        middle.title(title, anchor=False)
    return st.container()


def footer(where: str, key: str, anchor: Callable[[], str | None] = lambda: None) -> None:
    """The slide's last line: where it is (plain text written by the page) and the switch."""
    row = st.columns([5, 1.4], vertical_alignment="center")
    row[0].caption(where + " · keys ← and → · if the sidebar is open, close it with « at its top")
    with row[1]:
        switch(key, anchor)
