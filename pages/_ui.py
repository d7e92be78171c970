"""Streamlit helpers shared by the pages (not a page: app.py does not list it).

The router runs before every page, so this module imports neither torch (through bnviz.data) nor
pandas and Altair: a page that needs them imports them, and Home and the first page open without
them (benchmarks/app.py, tests/test_page_imports.py).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from bnviz.folders import DATA_DIR_ENV, data_dir_problem, default_data_dir
from bnviz.runs import cache
from bnviz.views.markdown import literal

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

    from bnviz import data

PAGES = [  # (file, title, icon): the app's pages in sidebar order; app.py's router and the guard below share it
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/algorithm.py", "Algorithm 1, step by step", ":material/calculate:"),
    ("pages/moments.py", "Classroom moments", ":material/lightbulb:"),
    ("pages/norm_sets.py", "What each normalizer averages over", ":material/grid_view:"),
    ("pages/activations.py", "Activations while training", ":material/monitoring:"),
    ("pages/experiments.py", "The paper's experiments", ":material/science:"),
    ("pages/practice.py", "BN in practice", ":material/build:"),
    ("pages/why.py", "Why does BN work?", ":material/psychology:"),
    ("pages/code.py", "The code", ":material/code:"),
]


# The presenter view of the step-through and moments pages: large type for a projector (each page closes the
# sidebar through its page config)
PRESENTER_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.9rem; padding-bottom: 2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem; padding: 0; }
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p { font-size: 1.3rem; }
[data-testid="stMainBlockContainer"] [data-testid="stAlert"] p { font-size: 1.15rem; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p { font-size: 1.05rem; }
.katex-display > .katex { font-size: 1.65em; }
[data-testid="stExpander"] [data-testid="stMarkdownContainer"] p { font-size: 1rem; }
.st-key-alg_nav button, .st-key-mom_nav button { min-height: 3.6rem; }
.st-key-alg_nav button p, .st-key-mom_nav button p { font-size: 1.4rem; }
</style>"""


def router():
    """Page config, navigation and sidebar settings: everything app.py draws around a page.
    Returns the st.navigation page to run."""
    st.set_page_config(
        page_title="bnviz: Batch Normalization, step by step", page_icon=":material/bar_chart:", layout="wide"
    )
    page = st.navigation(
        [st.Page(path, title=title, icon=icon, default=(i == 0)) for i, (path, title, icon) in enumerate(PAGES)]
    )
    sidebar_settings()
    st.sidebar.caption(
        "Ioffe & Szegedy (2015), *Batch Normalization: Accelerating Deep Network Training by Reducing "
        "Internal Covariate Shift*, [arXiv:1502.03167](https://arxiv.org/abs/1502.03167)"
    )
    return page


def require_router() -> None:
    """Make sure the router was drawn, whatever URL the browser opened first.

    With a folder named pages/ beside app.py, Streamlit starts in its legacy multipage mode and
    runs a page file directly, without app.py, when the first request after the server starts is
    a page URL (st.navigation switches that mode off, but only once app.py has run). Then this
    page draws the router itself and goes on; from the next run on, app.py routes as usual.

    A widget's identity includes the page running it, and st.navigation resets that to app.py's
    for the rest of the run. So the router runs in a scope that ends there, as it would in
    app.py: the page's own widgets keep the page's identity, the next run (through app.py) finds
    them again, and the user's first change to one of them is not lost.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if PagesManager.uses_pages_directory:
        ctx = get_script_run_ctx()
        with ctx.run_with_active_hash(ctx.pages_manager.main_script_hash):
            router()


# What the other pages import, about 1.5 s on a 2-core machine (torch alone about 1 s): Home draws without
# them, then warm_up() imports them in the background, so the first click to a training page need not wait.
WARM_UP = ("torch", "pandas", "altair", "bnviz.data", "bnviz.views.records", "bnviz.train.trainer")
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


def data_dir() -> Path:
    """The data folder chosen in the sidebar (default: $BNVIZ_DATA_DIR or ./data)."""
    return Path(st.session_state.get("data_dir") or default_data_dir())


def data_dir_text() -> str | None:
    """The data folder as the user typed it in the sidebar, or None if they left the default: what a run
    request records, so its command line names the folder as the user knows it (bnviz.runs.request)."""
    text = st.session_state.get("data_dir") or ""
    return None if text in ("", str(default_data_dir())) else text


def cache_dir() -> Path:
    return cache.default_cache_dir()


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=4)
def _load(name: str, folder: str) -> data.Dataset:
    from bnviz import data

    return data.load(name, folder)


def load_dataset(name: str) -> tuple[data.Dataset | None, str | None]:
    """(dataset, None), or (None, a message saying what is missing and what to do, as Markdown-safe text)."""
    from bnviz import data

    try:
        return _load(name, str(data_dir())), None
    except data.DataError as e:
        return None, literal(e)
    except Exception as e:  # anything else a damaged file raises: the file and the reason, never a traceback
        return None, literal(f"The data in {data_dir()} could not be loaded ({type(e).__name__}: {e}).")


def real_data_available(name: str) -> bool:
    """Whether the sidebar's data folder holds the files of ``name`` (bnviz.data knows the layout)."""
    from bnviz import data

    return data.available(name, data_dir())


def data_badge(label: str, source: str) -> None:
    """Say where numbers come from, every time: official, a non-official copy, or synthetic."""
    if source == "synthetic":
        label = literal(label)  # read from a file: shown as written, never as Markdown
        st.warning(
            f"**Synthetic data** ({label}): shapes like the real dataset, numbers mean nothing about it.",
            icon=":material/science:",
        )
    elif source == "non-official":
        # the label already says so ("<dataset>, files differ from the official release": bnviz.data)
        st.info(
            f"**Data:** {literal(label)}. Its numbers are not those of the official dataset.", icon=":material/info:"
        )
    else:
        st.caption(f"Data: {literal(label)}")


def csv_download(
    df: pd.DataFrame | Callable[[], pd.DataFrame], filename: str, label: str = "Download CSV", key: str | None = None
) -> None:
    """A CSV download of ``df`` (or of what ``df()`` returns), written only when the button is clicked."""
    st.download_button(
        label,
        lambda: (df() if callable(df) else df).to_csv(index=False).encode(),
        file_name=filename,
        mime="text/csv",
        key=key or f"csv-{filename}",
        icon=":material/download:",
    )


def sidebar_settings() -> None:
    """The data folder, set once for every page, and checked once: a folder that cannot be one says why here."""
    st.sidebar.text_input(
        "Data folder",
        value=str(default_data_dir()),  # as set, not resolved: a run's command line names it so
        key="data_dir",
        help="Holds MNIST/raw/… and cifar-10-batches-py/ (torchvision's layout). "
        f"Set it for every session with the {DATA_DIR_ENV} environment variable.",
    )
    problem = data_dir_problem(data_dir())
    if problem:
        st.sidebar.error(literal(problem[0].upper() + problem[1:] + "."), icon=":material/folder_off:")


CHART_SPECS = "_chart_specs"  # session_state: recently drawn charts' Vega-Lite specs, by what they show
CHART_SPECS_KEPT = 96


def vega_spec(chart) -> dict:
    """An Altair chart, or a Vega-Lite dict whose ``datasets`` hold DataFrames, as the spec
    ``st.vega_lite_chart`` takes, its data as Arrow tables.

    Each DataFrame of an Altair chart is swapped for a named dataset before ``to_dict`` (the chart is
    changed), so no Altair data transformer (global, shared by every session's thread) runs, and the
    spec is not validated again: the chart functions' JSON is tested in tests/.
    """
    import altair as alt
    import pandas as pd
    from streamlit import dataframe_util

    if isinstance(chart, dict):
        tables = {name: dataframe_util.convert_anything_to_arrow_bytes(d) for name, d in chart["datasets"].items()}
        return {**chart, "datasets": tables}
    datasets = {}
    parts = [chart]
    while parts:
        part = parts.pop()
        parts.extend(getattr(part, "layer", None) or [])
        if isinstance(part.data, pd.DataFrame):
            table = dataframe_util.convert_anything_to_arrow_bytes(part.data)
            name = f"data-{hashlib.sha1(table).hexdigest()[:16]}"
            datasets[name] = table
            part.data = alt.NamedData(name=name)
    spec = chart.to_dict(validate=False)
    spec["datasets"] = datasets
    return spec


def chart(where, key: Hashable, build: Callable[[], alt.TopLevelMixin | dict]) -> None:
    """Draw the chart ``build()`` returns (see :func:`vega_spec`), across ``where``'s width, converting it only when ``key``
    is new.

    ``key`` must name everything the chart shows (the run, its records so far, the step, the options):
    a rerun that changes none of that draws the spec kept from last time. Kept per session, the newest
    :data:`CHART_SPECS_KEPT`.
    """
    specs: dict = st.session_state.setdefault(CHART_SPECS, {})
    spec = specs.pop(key, None)  # popped and put back: the dict's order is the order of last use
    if spec is None:
        spec = vega_spec(build())
    specs[key] = spec
    while len(specs) > CHART_SPECS_KEPT:
        del specs[next(iter(specs))]
    where.vega_lite_chart(spec, width="stretch")
