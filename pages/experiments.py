"""The paper's experiments: recorded runs from the cache, and training new ones in the background.

Generic over the experiments of :mod:`bnviz.experiments` that belong on this page: each gets a tab
drawn by ``pages/_experiment_tab.py`` (its run panel and the sections its ``analyze`` returns).
Adding an experiment touches no line here.
"""

from __future__ import annotations

import streamlit as st

from bnviz import experiments
from pages import _experiment_tab as panel
from pages._ui import literal, require_router

require_router()

st.title("The paper's experiments")
st.markdown(
    "The comparisons behind the paper's claims, each run with and without BN on this computer and "
    "stored in the cache; every number below is read from those runs. Where the paper or a reproduction "
    "reports something, it sits beside ours with a verdict computed from the data."
)
for problem in panel.cache_problems():
    st.warning(f"Ignored a cache file: {literal(problem)}")
names = experiments.on_page("experiments")
for tab, name in zip(st.tabs([experiments.tab(n) for n in names]), names):
    with tab:
        panel.show(name)
panel.toast()
