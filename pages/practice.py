"""BN in practice: where BN breaks and what fixes it, measured on real data (issue #16).

Thin: each experiment of :mod:`bnviz.experiments` whose spec says ``page="practice"`` is one
section, drawn by ``pages/_experiment_tab.py`` like the paper's experiments, answer first. The view
(section, picked results, switches) is in the URL, and ``?present=1`` shows one section per slide.
"""

from __future__ import annotations

import streamlit as st

from bnviz import experiments
from bnviz.views.markdown import literal
from pages import _experiment_page as E
from pages import _experiment_tab as panel
from pages import _present
from pages._ui import require_router

require_router()

NAMES = experiments.on_page("practice")
PAGE = E.page("practice")

E.open_link(PAGE)
present = bool(st.session_state.get(PAGE.present_key))
_present.begin(present)
shown = E.shown(PAGE)
if present:
    E.ignored(PAGE)
    E.deck(PAGE, shown)
else:
    head, switch = st.columns([5, 1.3], vertical_alignment="bottom")
    head.title("BN in practice")
    with switch:
        _present.switch(PAGE.present_key)
    st.markdown(
        "Beyond the paper: what happens to BN at small batches, with other momentum conventions and in other "
        "places in the network, and what the alternatives do, each measured here on real MNIST over several "
        "seeds. Every verdict and every line of advice below is computed from those runs; where they disagree "
        "with the literature, the verdict says so."
    )
    E.ignored(PAGE)
    for problem in panel.cache_problems():
        st.warning(f"Ignored a cache file: {literal(problem)}")
    E.contents(NAMES)
    for i, name in enumerate(NAMES, 1):
        exp = experiments.get(name)
        st.header(f"{i}. {exp.tab}", anchor=name, divider="gray")
        st.markdown(f"**The question:** {exp.question}")
        panel.show(name)
E.write_link(PAGE, shown)
_present.land()
panel.toast()
