"""Why does BN work? The paper's explanation, and the papers that questioned it, put to the test on real runs.

Thin: each experiment of :data:`bnviz.experiments.EXPERIMENTS` whose spec says ``page="why"`` is a
section with the claim it tests (its spec's ``claim``), its setup, and its run panel
(``pages/_experiment_tab.py``): the charts, verdicts and "what this means" its sections show,
the data source and the command that made the result.
"""

from __future__ import annotations

import streamlit as st

from bnviz import experiments
from bnviz.views.markdown import literal
from pages import _experiment_tab as panel
from pages._ui import require_router

require_router()

st.title("Why does BN work?")
st.markdown(
    "Ioffe and Szegedy explain BN's speed-up by *internal covariate shift*: each layer's input distribution "
    "keeps changing as the layers below it learn, and BN reduces that shift. Later papers tested that explanation "
    "and proposed others; here each claim is run on real MNIST on this computer, and every verdict is computed "
    "from those runs, including where they disagree with the papers."
)
for problem in panel.cache_problems():
    st.warning(f"Ignored a cache file: {literal(problem)}")
names = experiments.on_page("why")
st.markdown("\n".join(f"{i}. [{experiments.get(n).tab}](#{n})" for i, n in enumerate(names, 1)))
for i, name in enumerate(names, 1):
    exp = experiments.get(name)
    st.header(f"{i}. {exp.tab}", anchor=name, divider="gray")
    st.markdown(f"**The claim.** {exp.claim}")
    st.markdown("**The setup**, and the runs behind this section:")
    panel.show(name)
panel.toast()
