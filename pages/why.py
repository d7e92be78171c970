"""Why does BN work? The paper's explanation, and the papers that questioned it, put to the test on real runs.

Thin: each experiment of :data:`bnviz.experiments.EXPERIMENTS` whose spec says ``page="why"`` is a
section with the claim it tests (its spec's ``claim``) and its run panel (``pages/_experiment_tab.py``):
its sections answer first, then where the numbers come from. A scoreboard of every claim leads the page.
The view is in the URL, and ``?present=1`` shows the scoreboard, then one section per slide.
"""

from __future__ import annotations

import streamlit as st

from bnviz import experiments
from bnviz.views.markdown import literal
from pages import _experiment_page as E
from pages import _experiment_tab as panel
from pages import _present, _scoreboard
from pages._ui import require_router

require_router()

NAMES = experiments.on_page("why")
PAGE = E.page("why")

E.open_link(PAGE)
present = bool(st.session_state.get(PAGE.present_key))
_present.begin(present)
shown = E.shown(PAGE)
if present:
    E.ignored(PAGE)
    E.deck(PAGE, shown)
else:
    head, switch = st.columns([5, 1.3], vertical_alignment="bottom")
    head.title("Why does BN work?")
    with switch:
        _present.switch(PAGE.present_key)
    st.markdown(
        "Ioffe and Szegedy explain BN's speed-up by *internal covariate shift*: each layer's input distribution "
        "keeps changing as the layers below it learn, and BN reduces that shift. Later papers tested that "
        "explanation and proposed others; here each claim is run on real MNIST on this computer, and every "
        "verdict is computed from those runs, including where they disagree with the papers."
    )
    E.ignored(PAGE)
    for problem in panel.cache_problems():
        st.warning(f"Ignored a cache file: {literal(problem)}")
    st.subheader("The scoreboard", anchor=_scoreboard.ANCHOR)
    _scoreboard.draw()
    E.contents(NAMES)
    for i, name in enumerate(NAMES, 1):
        exp = experiments.get(name)
        st.header(f"{i}. {exp.tab}", anchor=name, divider="gray")
        st.markdown(f"**The claim.** {exp.claim}")
        panel.show(name)
E.write_link(PAGE, shown)
_present.land()
panel.toast()
