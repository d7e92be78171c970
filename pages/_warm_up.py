"""Home warms up the other pages' imports and reads the cache folder in the background, so the first click to a
training page need not wait.

Not a page (app.py does not list it). What the other pages import costs about 1.5 s on a 2-core machine
(torch alone about 1 s): Home draws without them, then :func:`warm_up` imports them in a daemon thread.
"""

from __future__ import annotations

import functools
import importlib
import os
import threading

WARM_UP = (
    "torch",
    "pandas",
    "altair",
    "bnviz.data",
    "bnviz.views.records",
    "bnviz.train.trainer",
    "bnviz.experiments",
    "streamlit.emojis",  # a button row's first label with an icon reads it (about 0.2 s)
    # the helpers of the pages a lecture opens next: Activations, then the experiment pages
    "pages._run_charts",
    "pages._replay",
    "pages._live_view",
    "pages._live_controls",
    "pages._experiment_page",
)
WARM_UP_OFF_ENV = "BNVIZ_NO_WARM_UP"  # set (to anything) to measure what a page imports by itself


def warm_up() -> None:
    """Import :data:`WARM_UP` in a daemon thread, once per server process, after the calling page has drawn."""
    if not os.environ.get(WARM_UP_OFF_ENV):
        _start_warm_up()


@functools.cache  # once per process (a second thread, should two sessions race here, imports nothing new)
def _start_warm_up() -> None:
    threading.Thread(target=_import_all, args=(WARM_UP,), name="bnviz-warm-up", daemon=True).start()


def _import_all(names: tuple[str, ...]) -> None:
    for name in names:  # a page importing one of these meanwhile waits for this import, then shares it
        try:
            importlib.import_module(name)
        except Exception:  # a page that needs it will report the failure itself
            return
    try:  # then the cache folder, read once and shared with the pages (bnviz.runs.cache.scan_listed)
        importlib.import_module("bnviz.runs.cache").scan_listed()
    except Exception:  # the page that reads it says what is wrong
        return
