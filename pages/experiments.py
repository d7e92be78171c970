"""The paper's experiments: recorded runs from the cache, and training new ones in the background.

Generic over the experiments of :mod:`bnviz.experiments` that belong on this page: each gets a tab
drawn by ``pages/_experiment_tab.py`` (its run panel and the sections its ``analyze`` returns).
Adding an experiment touches no line here.
"""

from __future__ import annotations

import streamlit as st

from bnviz import experiments
from bnviz.experiments import paper_imagenet
from bnviz.views.markdown import literal
from pages import _experiment_tab as panel
from pages._sections import draw
from pages._ui import require_router

require_router()

st.title("The paper's experiments")
st.markdown(
    "The comparisons behind the paper's claims, each run with and without BN on this computer and "
    "stored in the cache; every number in the experiments' tabs is read from those runs. Where the paper "
    "or a reproduction reports something, it sits beside ours with a verdict computed from the data. The "
    "last tab quotes the paper's ImageNet results, which this app does not reproduce."
)
for problem in panel.cache_problems():
    st.warning(f"Ignored a cache file: {literal(problem)}")
names = experiments.on_page("experiments")
*tabs, quoted = st.tabs([experiments.get(n).tab for n in names] + [paper_imagenet.TAB])
for tab, name in zip(tabs, names):
    with tab:
        panel.show(name)
with quoted:  # plain data from the paper: no cache, no run, no verdict
    st.info(paper_imagenet.BANNER, icon=":material/format_quote:")
    draw(paper_imagenet.sections(), "paper-imagenet", source=paper_imagenet.SOURCE)
panel.toast()
