"""The paper's experiments: recorded runs from the cache, and training new ones in the background.

Generic over the experiments of :data:`bnviz.experiments.REGISTRY` that belong on this page: each
gets a tab with its run panel and the sections its module's ``analyze`` returns
(``pages/_experiment_runs.py``). Adding an experiment touches no line here.
"""

from __future__ import annotations

import streamlit as st

from bnviz import experiments
from pages._experiment_runs import cache_problems, panel, show_toast
from pages._ui import require_router

require_router()

st.title("The paper's experiments")
st.markdown(
    "The comparisons behind the paper's claims, each run with and without BN on this computer and "
    "stored in the cache; every number below is read from those runs. Where the paper or a reproduction "
    "reports something, it sits beside ours with a verdict computed from the data."
)
cache_problems()
names = experiments.on_page("experiments")
for tab, name in zip(st.tabs([experiments.tab(n) for n in names]), names):
    with tab:
        st.caption(experiments.get(name).about)
        panel(name)
show_toast()
