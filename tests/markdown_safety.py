"""Hostile text, and a check that none of it reaches Streamlit as live Markdown (import as `import markdown_safety`).

Streamlit renders Markdown in body text, captions, alerts, headings, labels, help tooltips, tab and
expander labels, metric values, radio and segmented-control options, progress text and toasts. Every
string an AppTest run sends in one of those places is collected from the element protos, and each
hostile construct must appear there only escaped: no unescaped ``](`` (a link or an image), ``![``,
``*`` or ``_`` before a marker (emphasis), ``<b>`` (HTML), ``http://evil`` or ``@evil`` (GFM autolinks),
``:red[`` (Streamlit's colours) or ``$E`` (LaTeX). No Markdown parser is installed in the project's
venv, so these are checked on the source text: with CommonMark's rule that a backslash before ASCII
punctuation makes it literal, an escaped construct cannot render.
"""

from __future__ import annotations

import re

from google.protobuf.json_format import MessageToDict

# One of each thing that must never render; "EMPH" marks the text that emphasis would style.
HOSTILE = (
    "[link](http://evil.test/a) ![img](http://evil.test/i.png) *EMPH1* _EMPH2_ **EMPH3** "
    "<b>HTML</b> http://evil.test/bare www.evil.test mail@evil.test :red[RED] $E=mc^2$"
)
MARKER = "EMPH1"  # proof that the hostile text reached the page at all (escaped, it reads \*EMPH1\*)

RENDERED = {
    "a link or image": re.compile(r"(?<!\\)\]\(<?https?:[^)\s]*evil"),
    "an image": re.compile(r"(?<!\\)!(?<!\\)\["),
    "emphasis": re.compile(r"(?<![\\*_])[*_]+EMPH"),
    "HTML": re.compile(r"(?<!\\)<b>"),
    "a bare link": re.compile(r"https?://evil|www\.evil|(?<!\\)@evil"),
    "a Streamlit colour": re.compile(r"(?<!\\):red(?<!\\)\[RED"),
    "LaTeX": re.compile(r"(?<!\\)\$E="),
}
_NOT_MARKDOWN = {"code", "json", "dataframe", "arrow_data_frame", "vega_lite_chart", "text", "exception"}
_FIELDS = {"body", "label", "text", "help", "options", "delta", "content"}
_PLAIN_OPTIONS = {"selectbox", "multiselect", "select_slider"}  # their options are shown as plain text


def markdown_sent(at) -> list[str]:
    """Every string the AppTest run sent where Streamlit renders Markdown."""
    found: list[str] = []

    def strings(value, key: str, kind: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                strings(v, k, kind)
        elif isinstance(value, list):
            for v in value:
                strings(v, key, kind)
        elif isinstance(value, str) and key in _FIELDS and not (key == "options" and kind in _PLAIN_OPTIONS):
            found.append(value)

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if proto is not None and kind not in _NOT_MARKDOWN:
            strings(MessageToDict(proto, preserving_proto_field_name=True), "", kind)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def rendered(texts: list[str]) -> list[str]:
    """Each place where a hostile construct would render, as "<what>: <the source around it>"."""
    out = []
    for text in texts:
        for what, pattern in RENDERED.items():
            for m in pattern.finditer(text):
                out.append(f"{what}: ...{text[max(0, m.start() - 60) : m.end() + 20]!r}...")
    return out
