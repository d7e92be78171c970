"""Reading a page's state from a URL query: small readers that raise ``ValueError`` with a short reason, and
how an ignored part is named in the page's warning. Shared by the pages' link states
(:mod:`bnviz.teach.experiment_links`, :mod:`bnviz.teach.cube_links`); the step-through page's own is
:mod:`bnviz.teach.url_state`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

SHOWN_CHARS = 40  # a bad value is quoted in its message up to this length
_INT = re.compile(r"[+-]?\d{1,9}")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # an experiment's name, a section's id, a result's key


def shown(text: str) -> str:
    """``text`` cut to :data:`SHOWN_CHARS`, for a message (the page escapes it before it reaches Markdown)."""
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def read_int(text: str, lo: int, hi: int, rule: str) -> int:
    if not _INT.fullmatch(text.strip()) or not lo <= int(text) <= hi:
        raise ValueError(rule)
    return int(text)


def read_flag(text: str) -> bool:
    if text.lower() not in ("0", "1", "true", "false"):
        raise ValueError("use 1 or 0")
    return text.lower() in ("1", "true")


def read_choice(text: str, choices, what: str) -> str:
    if text not in choices:
        listed = ", ".join(choices)
        raise ValueError(f"{what} is one of {listed}" if len(listed) <= 120 else f"no such {what}")
    return text


class Reader:
    """Reads the parameters of one URL, keeping what it could use and naming what it could not."""

    def __init__(self, params: Mapping[str, str], keys: tuple[str, ...] = ()):
        self.params = {str(k): str(v) for k, v in params.items()}
        self.found: dict = {}
        self.ignored: list[str] = []
        for key in self.params:
            if keys and key not in keys:
                self.unknown(key)

    def unknown(self, key: str) -> None:
        self.ignored.append(f"{shown(key)} (this page has no such setting)")

    def take(self, key: str, read: Callable[[str], object]) -> None:
        """``found[key] = read(value)`` if the URL has ``key``; a ``ValueError`` names it as ignored instead."""
        if key not in self.params:
            return
        try:
            self.found[key] = read(self.params[key])
        except ValueError as e:
            self.ignore(key, str(e))

    def ignore(self, key: str, reason: str) -> None:
        self.ignored.append(f"{shown(key)}={shown(self.params.get(key, ''))} ({reason})")
