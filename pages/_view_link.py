"""The Activations page's view options in its URL: ``?layout=side&axis=log&mode=eval&layers=layer1,layer3``
opens the charts laid out that way, beside a replay's or a live run's own link parts. Not a page.

A link is read once per session; each option's widget takes the link's value when it is first drawn, and
from then on the page writes what the widget shows (nothing for an option at its default). A value the page
does not offer is named in a message and falls back to the default.
"""

from __future__ import annotations

import streamlit as st

from bnviz.views import markdown, probe_modes

OPTIONS = {  # link key -> the values its widget offers
    "layout": ("overlay", "side"),
    "axis": ("linear", "log"),
    "mode": tuple(probe_modes.LABELS),
}
KEYS = (*OPTIONS, "layers")
ASKED, READ, IGNORED = "act_view_asked", "act_view_read", "act_view_ignored"


def read_once(params: dict[str, str]) -> None:
    """Keep what a first visit's link asks of the view options; name the values the page does not offer."""
    if st.session_state.get(READ):
        return
    st.session_state[READ] = True
    asked, ignored = {}, []
    for key, offered in OPTIONS.items():
        if key in params:
            if params[key] in offered:
                asked[key] = params[key]
            else:
                ignored.append(f"{key}={params[key]} (choose one of {', '.join(offered)})")
    if params.get("layers"):
        asked["layers"] = [name for name in params["layers"].split(",") if name]
    st.session_state[ASKED], st.session_state[IGNORED] = asked, ignored


def seed(widget_key: str, option: str, offered=None) -> None:
    """Before its widget draws: give it the link's value, the first time it is drawn. For ``layers``,
    ``offered`` is the run's layers: names it lacks are dropped and named."""
    asked = st.session_state.get(ASKED, {})
    if option not in asked or widget_key in st.session_state:
        return
    value = asked[option]
    if option == "layers":
        missing = [name for name in value if name not in offered]
        value = [name for name in offered if name in value]
        if missing:
            st.session_state.setdefault(IGNORED, []).append(
                f"layers={','.join(missing)} (this run's layers are {', '.join(offered)})"
            )
        if not value:
            return
    st.session_state[widget_key] = value


def all_layers_drawn(layers: list[str]) -> None:
    """A run shallow enough that every layer is drawn: a link's ``layers`` has nothing to choose; say so."""
    asked = st.session_state.get(ASKED, {})
    if "layers" in asked:
        del asked["layers"]
        st.session_state.setdefault(IGNORED, []).append(f"layers (this run draws all its layers: {', '.join(layers)})")


def write(option: str, value, default) -> None:
    """The URL keeps the widget's value (a list as names joined by commas); nothing at the default."""
    text = ",".join(value) if isinstance(value, list) else str(value)
    if value == default:
        if option in st.query_params:
            del st.query_params[option]
    elif st.query_params.get(option) != text:
        st.query_params[option] = text


def warn_ignored() -> None:
    if ignored := st.session_state.pop(IGNORED, None):
        st.warning(
            "This link asked for view options the page does not offer; the defaults are shown instead: "
            + "; ".join(markdown.literal(i) for i in ignored)
        )
