"""The paper's experiments: recorded runs from the cache, and training new ones in the background.

Generic over the experiments of :mod:`bnviz.experiments` that belong on this page: each gets a tab
drawn by ``pages/_experiment_tab.py`` (its run panel and its sections, answer first). Adding an
experiment touches no line here. The view (tab, section, picked result, switches) is in the URL,
and ``?present=1`` shows one section per slide (``pages/_experiment_page.py``).
"""

from __future__ import annotations

import streamlit as st

from bnviz.experiments import paper_imagenet
from bnviz.teach.experiment_links import section_id
from bnviz.views.markdown import literal
from pages import _experiment_page as E
from pages import _experiment_tab as panel
from pages import _present
from pages._sections import draw
from pages._ui import require_router

require_router()

PAGE = E.page("experiments")
QUOTED = E.QUOTED

E.open_link(PAGE)
present = bool(st.session_state.get(PAGE.present_key))
_present.begin(present)
shown = E.shown(PAGE)
if present:
    E.ignored(PAGE)
    E.deck(PAGE, shown)
else:
    head, switch = st.columns([5, 1.3], vertical_alignment="bottom")
    head.title("The paper's experiments")
    with switch:
        _present.switch(PAGE.present_key)
    st.markdown(
        "The comparisons behind the paper's claims, each run with and without BN on this computer and "
        "stored in the cache; every number in the experiments' tabs is read from those runs. Where the paper "
        "or a reproduction reports something, it sits beside ours with a verdict computed from the data. The "
        "last tab quotes the paper's ImageNet results, which this app does not reproduce."
    )
    E.ignored(PAGE)
    for problem in panel.cache_problems():
        st.warning(f"Ignored a cache file: {literal(problem)}")
    for tab, name in zip(E.tabs(PAGE), PAGE.names):
        if not tab.open:  # only the open tab is drawn: switching tabs reruns the page (its URL keeps the tab)
            continue
        with tab:
            if name == QUOTED:
                st.info(paper_imagenet.BANNER, icon=":material/format_quote:")
                ids = [section_id(QUOTED, n) for n in range(1, len(PAGE.quoted[QUOTED].sections) + 1)]
                draw(PAGE.quoted[QUOTED].sections, QUOTED, source=paper_imagenet.SOURCE, ids=ids)
            else:
                panel.show(name)
E.write_link(PAGE, shown)
_present.land()
panel.toast()
