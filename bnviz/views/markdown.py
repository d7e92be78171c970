"""The one way text from a file, a URL or a widget reaches Markdown: escaped, so it shows as typed.

Streamlit renders Markdown in titles, captions, metrics and messages. A label read from a cache
file such as ``[prize](http://host)`` or ``![x](http://host/t.png)`` must appear character for
character, never as a link the browser follows or an image it fetches. bnviz writes its own Markdown
(bold, links to papers); every value it did not write goes through :func:`literal` first.
"""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation; Streamlit adds $ (LaTeX) and : (emoji, colours)
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: object) -> str:
    """``text`` as Markdown that shows it character for character (line breaks become spaces)."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))
