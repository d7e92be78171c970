"""What the three experiment pages share around their experiments: their view as a link (the open tab, the
section, the picked results, the switches: :mod:`bnviz.teach.experiment_links`), and their presenter view,
one slide per section across the page's experiments. Not a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from bnviz import experiments
from bnviz.experiments import paper_imagenet
from bnviz.teach import experiment_links as L
from bnviz.views.markdown import literal
from pages import _present, _scoreboard
from pages import _results as results
from pages._sections import SLIDE_HEIGHT, slide, toggles

ss = st.session_state


@dataclass(frozen=True)
class Lead:
    """A slide a page shows before its sections' (e.g. the Why page's scoreboard), with the anchor of its
    place in the normal view."""

    id: str
    title: str
    draw: Callable[[float], None]  # draws the slide's body in about this many pixels


@dataclass(frozen=True)
class Page:
    key: str  # "experiments", "practice" or "why": prefixes its session keys
    title: str  # the page's title, for the slides' last line
    names: tuple[str, ...]  # its experiments, in order, then any quoted pseudo-experiments
    tabs: dict[str, str] = field(default_factory=dict)  # name -> tab label, for a page that shows tabs
    quoted: dict[str, results.Shown] = field(default_factory=dict)  # quoted numbers shown like a result
    lead: tuple[Lead, ...] = ()  # slides before the sections' (the Why page's scoreboard)

    @property
    def present_key(self) -> str:
        return f"{self.key}_present"

    @property
    def section_key(self) -> str:
        return f"{self.key}_section"

    @property
    def tab_key(self) -> str:
        return f"{self.key}_tab"


def shown(page: Page) -> list[results.Shown]:
    return [page.quoted[n] if n in page.quoted else results.shown(n) for n in page.names]


def catalog(page: Page) -> L.Catalog:
    def count(name: str, key: str | None) -> int:
        if name in page.quoted:
            return len(page.quoted[name].sections)
        found = results.entries(name)
        meta = next((e for e in found if e["key"] == key), None) or results.default_entry(name)
        if meta is None:
            return 0
        try:
            return len(results.sections_of(meta))
        except Exception:  # a broken file has no sections a link can name; the page says why it is broken
            return 0

    keys = {n: tuple(e["key"] for e in results.entries(n)) for n in page.names if n not in page.quoted}
    return L.Catalog(page.names, keys, count, tabbed=bool(page.tabs), extra=tuple(lead.id for lead in page.lead))


def open_link(page: Page) -> None:
    """A pasted link sets the page's view, on the page's first run in a session only (as the step-through
    page does: from then on the page owns its URL)."""
    applied = f"{page.key}_link"
    params = st.query_params.to_dict()
    if applied in ss:
        return
    ss[applied] = True
    if not params:
        return
    link, ss[f"{page.key}_ignored"] = L.parse(params, catalog(page))
    for name, key in link.results.items():
        results.pick(name, key)
    ss[page.present_key] = link.present
    ss[page.section_key] = link.section
    if page.tabs and (link.tab or link.section):
        _set_tab(page, link.tab or L.split_section(link.section)[0])
    flipped = set(link.flips)
    for s in shown(page):
        for i, key, default in toggles(s.sections, s.tag):
            if L.section_id(s.name, i + 1) in flipped:
                ss[key] = not default
    if link.section or link.present:
        _present.ask_to_land(None if link.present else link.section)


def ignored(page: Page) -> None:
    """Say what a pasted link asked for that the page could not show."""
    if parts := ss.pop(f"{page.key}_ignored", None):
        st.warning(
            "This link asked for things the page cannot show; it shows its defaults for them instead: "
            + "; ".join(literal(part) for part in parts)
            + ".",
            icon=":material/link_off:",
        )


def _set_tab(page: Page, name: str) -> None:
    ss[page.tab_key] = ss[f"{page.tab_key}_kept"] = page.tabs[name]


def tabs(page: Page) -> list:
    """The page's tabs, the open one kept for the session: the tabs forget it on a run that does not draw them
    (the presenter view), so it is kept apart and given back before they are drawn."""
    kept = f"{page.tab_key}_kept"
    ss[page.tab_key] = ss.get(page.tab_key) or ss.get(kept) or next(iter(page.tabs.values()))

    def remember() -> None:
        ss[kept] = ss[page.tab_key]

    return st.tabs(list(page.tabs.values()), key=page.tab_key, on_change=remember)


def open_tab(page: Page) -> str | None:
    """The name of the experiment whose tab is open (tabbed pages)."""
    label = ss.get(page.tab_key) or ss.get(f"{page.tab_key}_kept")
    return next((n for n, t in page.tabs.items() if t == label), page.names[0] if page.tabs else None)


def write_link(page: Page, all_shown: list[results.Shown]) -> None:
    """The URL shows the page's view, so that it can be bookmarked or sent."""
    tab = open_tab(page)
    section = ss.get(page.section_key)
    if page.tabs and section and L.split_section(section)[0] != tab:
        section = None  # the reader opened another tab since
    picks = {}
    flips = []
    for s in all_shown:
        default = results.default_entry(s.name) if s.meta else None
        if s.meta and default and s.meta["key"] != default["key"]:
            picks[s.name] = s.meta["key"]
        for i, key, on in toggles(s.sections, s.tag):
            if key in ss and ss[key] != on and L.section_id(s.name, i + 1) not in flips:
                flips.append(L.section_id(s.name, i + 1))
    first_tab = page.names[0] if page.tabs else None
    link = L.PageLink(tab if tab != first_tab else None, section, bool(ss.get(page.present_key)), picks, tuple(flips))
    params = L.to_params(link)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


@dataclass(frozen=True)
class SlideRef:
    id: str  # the section id in the URL (or a lead slide's id)
    title: str
    where: str  # the experiment's tab or the lead slide's place, for the slide's last line
    draw: Callable[[float], None]  # draws the slide's body in about this many pixels
    tab: str | None = None  # the experiment whose tab it belongs to


def slides(page: Page, all_shown: list[results.Shown]) -> list[SlideRef]:
    """Every slide of the page's presenter view, in order: its lead slides, then each section of each result."""
    out = [SlideRef(lead.id, lead.title, lead.id, lead.draw) for lead in page.lead]
    for s in all_shown:
        if s.problem:
            continue
        where = page.tabs.get(s.name) or experiments.get(s.name).tab
        for i, section in enumerate(s.sections):
            draw = lambda height, section=section, i=i, s=s: slide(section, i, s.tag, height, s.recording)  # noqa: E731
            out.append(SlideRef(L.section_id(s.name, i + 1), section.title, where, draw, s.name))
    return out


def deck(page: Page, all_shown: list[results.Shown]) -> None:
    """The presenter view: the current section as one slide, ← / → across every section of the page."""
    refs = slides(page, all_shown)
    if not refs:
        _present.switch(page.present_key)
        st.info("Nothing is cached for this page's experiments yet, so there is nothing to present: train them first.")
        return
    ids = [r.id for r in refs]
    if ss.get(page.section_key) not in ids:
        ss[page.section_key] = ids[0]
    k = ids.index(ss[page.section_key])
    ref = refs[k]

    def go(delta: int) -> None:
        target = refs[min(max(k + delta, 0), len(refs) - 1)]
        ss[page.section_key] = target.id
        if page.tabs and target.tab:
            _set_tab(page, target.tab)
        _present.ask_to_land(None)

    with _present.slide(ref.title, k, len(refs), go):
        ref.draw(SLIDE_HEIGHT)
        _present.footer(f"{page.title} · {ref.where} · slide {k + 1} of {len(refs)}", page.present_key, lambda: ref.id)


def contents(names: list[str]) -> None:
    """The page's contents: one link per experiment, to its header."""
    st.markdown("\n".join(f"{i}. [{experiments.get(n).tab}](#{n})" for i, n in enumerate(names, 1)))


QUOTED = "paper-imagenet"  # the paper's ImageNet numbers: quoted, so no cache, no run, no verdict
TITLES = {"experiments": "The paper's experiments", "practice": "BN in practice", "why": "Why does BN work?"}


def page(key: str) -> Page:
    """The experiment page ``key`` ("experiments", "practice" or "why"): what its link and slides can name."""
    names = tuple(experiments.on_page(key))
    if key == "experiments":
        quoted = results.Shown(QUOTED, sections=paper_imagenet.sections(), quoted=paper_imagenet.SOURCE)
        tabs = {n: experiments.get(n).tab for n in names} | {QUOTED: paper_imagenet.TAB}
        return Page(key, TITLES[key], (*names, QUOTED), tabs=tabs, quoted={QUOTED: quoted})
    if key == "why":
        return Page(key, TITLES[key], names, lead=(Lead(_scoreboard.ANCHOR, _scoreboard.TITLE, _scoreboard.slide),))
    return Page(key, TITLES[key], names)
