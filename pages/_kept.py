"""What a session derived, kept for its next reruns: a rerun that asks again for what it already has (a click
that changes nothing shown) computes nothing. Not a page."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def kept(store: str, key: Hashable, compute: Callable[[], T], limit: int) -> T:
    """``compute()``, kept in ``st.session_state[store]`` under ``key``: the ``limit`` newest by last use."""
    values: dict = st.session_state.setdefault(store, {})
    value = values.pop(key) if key in values else compute()  # popped and put back: the order is of last use
    values[key] = value
    while len(values) > limit:
        del values[next(iter(values))]
    return value
