"""The router: page config, the pages and the sidebar, and the guard for Streamlit's legacy ``pages/`` mode.

Not a page (app.py does not list it). The router runs before every page, so this module imports
neither torch nor pandas and Altair: Home and the first page open without them (benchmarks/app.py,
tests/pages/test_page_imports.py). The pages' other helpers are modules of their own: ``_data``
(folders, datasets, where numbers come from), ``_downloads``, ``_chart_specs``, ``_warm_up``, ``_present``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from bnviz.folders import DATA_DIR_ENV, data_dir_problem, default_data_dir
from bnviz.views.markdown import literal

PAGES = [  # (file, title, icon): the app's pages in sidebar order; app.py's router and the guard below share it
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/lecture.py", "Lecture", ":material/co_present:"),
    ("pages/algorithm.py", "Algorithm 1, step by step", ":material/calculate:"),
    ("pages/moments.py", "Classroom moments", ":material/lightbulb:"),
    ("pages/norm_sets.py", "What each normalizer averages over", ":material/grid_view:"),
    ("pages/activations.py", "Activations while training", ":material/monitoring:"),
    ("pages/experiments.py", "The paper's experiments", ":material/science:"),
    ("pages/practice.py", "BN in practice", ":material/build:"),
    ("pages/why.py", "Why does BN work?", ":material/psychology:"),
    ("pages/code.py", "The code", ":material/code:"),
]


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


def sidebar_settings() -> None:
    """The data folder, set once for every page, and checked once: a folder that cannot be one says why here."""
    st.sidebar.text_input(
        "Data folder",
        value=str(default_data_dir()),  # as set, not resolved: a run's command line names it so
        key="data_dir",
        help="Holds MNIST/raw/… and cifar-10-batches-py/ (torchvision's layout). "
        f"Set it for every session with the {DATA_DIR_ENV} environment variable.",
    )
    problem = data_dir_problem(Path(st.session_state.get("data_dir") or default_data_dir()))
    if problem:
        st.sidebar.error(literal(problem[0].upper() + problem[1:] + "."), icon=":material/folder_off:")
