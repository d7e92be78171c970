"""What the AppTests of the experiment pages (the paper's, BN in practice, Why) share."""

import re

from harness import APP, scaled
from streamlit.testing.v1 import AppTest


def open_page(page: str, timeout: float = 90) -> AppTest:
    """``page`` reached through the router, as a user reaches it, with no exception on the way."""
    at = AppTest.from_file(APP, default_timeout=scaled(timeout))
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text_of(elements, raw: bool = False) -> str:
    """The elements' Markdown as a reader sees it (backslash escapes resolved), or as sent (``raw``)."""
    text = "\n".join(str(e.value) for e in elements)
    return text if raw else re.sub(r"\\(.)", r"\1", text)
