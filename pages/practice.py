"""BN in practice: where BN breaks and what fixes it, measured on real data (issue #16).

Thin: each experiment of :mod:`bnviz.experiments` whose spec says ``page="practice"`` is one
section, drawn by ``pages/_experiment_tab.py`` like the paper's experiments.
"""

from __future__ import annotations

import streamlit as st

from bnviz import experiments
from bnviz.views.markdown import literal
from pages import _experiment_tab as panel
from pages._ui import require_router

require_router()

st.title("BN in practice")
st.markdown(
    "Beyond the paper: what happens to BN at small batches, with other momentum conventions and in other "
    "places in the network, and what the alternatives do, each measured here on real MNIST over several seeds. "
    "Every verdict and every line of advice below is computed from those runs; where they disagree with the "
    "literature, the verdict says so."
)
for problem in panel.cache_problems():
    st.warning(f"Ignored a cache file: {literal(problem)}")
for i, name in enumerate(experiments.on_page("practice")):
    if i:
        st.divider()
    exp = experiments.get(name)
    st.header(f"{i + 1}. {exp.tab}")
    st.markdown(f"**The question:** {exp.question}")
    panel.show(name)
panel.toast()
