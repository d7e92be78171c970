"""A lecture slide of each page, drawn from the page's URL state as a lecture file gives it. Not a page.

Each function draws the slide's body under its title, in about ``height`` pixels, with the page's own slide
code (so a lecture slide is what the page's presenter view shows), and returns what it ignored of the state
and the link that opens the same view on the page itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from bnviz.teach import cube_links as C
from bnviz.teach import experiment_links as L
from bnviz.teach import moments as M
from bnviz.teach import url_state as U
from bnviz.teach.query import Reader, read_int
from pages import _algorithm_slide as A
from pages import _cube, _moments_slide
from pages import _experiment_page as E
from pages import _home_slide as H
from pages import _results as results
from pages._code_slides import SLIDES as CODE_SLIDES
from pages._code_slides import slide_body as code_body
from pages._sections import toggles

Drawn = tuple[list[str], str]  # (what of the state was ignored, the page's own link to this view)
PAGE_TITLES = {
    "home": "Home",
    "algorithm": "Algorithm 1, step by step",
    "moments": "Classroom moments",
    "norm_sets": "What each normalizer averages over",
    "activations": "Activations while training",
    "experiments": E.TITLES["experiments"],
    "practice": E.TITLES["practice"],
    "why": E.TITLES["why"],
    "code": "The code",
}


def _link(page: str, params: dict[str, str]) -> str:
    return page + (f"?{urlencode(params)}" if params else "")


def home(state: dict[str, str], height: float) -> Drawn:
    st.markdown(f"**{H.LINE}**")
    H.picture(width=min(900, int((height - 200) * 2.4)))
    return Reader(state, ()).ignored, ""


def algorithm(state: dict[str, str], height: float) -> Drawn:
    parsed, ignored = U.parse(state)
    A.slide(A.STEPS[parsed.step - 1], A.view_of(parsed), parsed.loss)  # as the page's own slide
    return ignored, _link("algorithm", U.to_params(dataclasses.replace(parsed, present=False)))


def moments(state: dict[str, str], height: float) -> Drawn:
    parsed, ignored = M.parse(state)
    parsed = dataclasses.replace(parsed, predict=parsed.predict if parsed.predict is not None else False)
    _moments_slide.body(parsed, _moments_slide.context(parsed, present=True))  # as the page's presenter view
    shown = dataclasses.replace(parsed, batch=dataclasses.replace(parsed.batch, present=False))
    return ignored, _link("moments", M.to_params(shown))


def norm_sets(state: dict[str, str], height: float) -> Drawn:
    parsed, ignored = C.parse(state)
    _cube.slide(parsed, _cube.SLIDE_CHART)
    return ignored, _link("norm_sets", C.to_params(dataclasses.replace(parsed, present=False)))


def code(state: dict[str, str], height: float) -> Drawn:
    r = Reader(state, ("slide",))
    r.take("slide", lambda s: read_int(s, 1, len(CODE_SLIDES), f"there are {len(CODE_SLIDES)} slides"))
    i = r.found.get("slide", 1)
    code_body(i)
    return r.ignored, _link("code", {"present": "1", "slide": str(i)})


def activations(state: dict[str, str], height: float) -> Drawn:
    st.markdown(
        "**Now live: train a network with and without BN side by side and watch each layer's input distribution "
        "move.** The Activations page trains on this computer; its link below opens it."
    )
    st.page_link("pages/activations.py", label="Open Activations while training", icon=":material/monitoring:")
    return Reader(state, ()).ignored, "activations"


def experiment_page(key: str) -> Callable[[dict[str, str], float], Drawn]:
    def draw(state: dict[str, str], height: float) -> Drawn:
        page = E.page(key)
        link, ignored = L.parse(state, E.catalog(page))
        shown = [page.quoted[n] if n in page.quoted else results.shown(n, link.results.get(n)) for n in page.names]
        refs = E.slides(page, shown)
        if not refs:
            st.info("Nothing is cached for this page's experiments yet: train them, and this slide shows them.")
            return ignored, key
        flipped = set(link.flips)
        for s in shown:
            for i, widget, default in toggles(s.sections, s.tag):
                if L.section_id(s.name, i + 1) in flipped:
                    st.session_state.setdefault(widget, not default)
        ref = next((r for r in refs if r.id == link.section), refs[0])
        ref.draw(height)
        return ignored, _link(key, L.to_params(dataclasses.replace(link, section=ref.id, present=False)))

    return draw


DRAW: dict[str, Callable[[dict[str, str], float], Drawn]] = {
    "home": home,
    "algorithm": algorithm,
    "moments": moments,
    "norm_sets": norm_sets,
    "activations": activations,
    "experiments": experiment_page("experiments"),
    "practice": experiment_page("practice"),
    "why": experiment_page("why"),
    "code": code,
}
