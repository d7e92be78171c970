"""An experiment page's view as a URL query: the open tab, the section (the slide in the presenter view),
the cached result picked for each experiment, and the switches turned from their default.

``/practice?section=batch-size-3&batch-size=8339270f049470be&flip=batch-size-1&present=1``

A section is named ``<experiment>-<n>``, its place (from 1) among its result's sections; a result by its
cache key. What is at its default is left out. :func:`parse` never raises: a part it cannot use (an
experiment renamed, a result deleted, a section that no longer exists) falls back and is named in a message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bnviz.teach.query import SLUG, Reader, read_flag

OWN_KEYS = ("tab", "section", "flip", "present")


@dataclass(frozen=True)
class PageLink:
    tab: str | None = None  # the experiments page: the name of the open tab's experiment; None: the first
    section: str | None = None  # "<experiment>-<n>"; None: the page's first section
    present: bool = False  # the presenter view
    results: Mapping[str, str] = field(
        default_factory=dict
    )  # experiment -> the picked result's key, if not its default
    flips: tuple[str, ...] = ()  # sections whose switches are turned from their default


def section_id(name: str, n: int) -> str:
    """Section ``n`` (from 1) of experiment ``name``'s result."""
    return f"{name}-{n}"


def split_section(sid: str) -> tuple[str, int]:
    name, _, n = sid.rpartition("-")
    if not name or not n.isdigit() or int(n) < 1:
        raise ValueError("a section is named <experiment>-<number>")
    return name, int(n)


def to_params(link: PageLink) -> dict[str, str]:
    out = {}
    if link.tab:
        out["tab"] = link.tab
    if link.section:
        out["section"] = link.section
    if link.flips:
        out["flip"] = "~".join(link.flips)
    if link.present:
        out["present"] = "1"
    out.update(link.results)
    return out


@dataclass(frozen=True)
class Catalog:
    """What a page can show: its experiments (and quoted pseudo-experiments) in order, their cached results."""

    names: tuple[str, ...]
    results: Mapping[str, tuple[str, ...]]  # experiment -> the keys of its cached results
    count: Callable[[str, str | None], int]  # (experiment, result key or None for the default) -> its sections
    tabbed: bool = False  # the page shows one experiment at a time, in tabs
    extra: tuple[str, ...] = ()  # sections of the page's own, not an experiment's (the Why page's scoreboard)


def parse(params: Mapping[str, str], catalog: Catalog) -> tuple[PageLink, list[str]]:
    """The view a link asks for, and one short message per part of it that was ignored (and why)."""
    r = Reader(params)
    results = {}
    for key, value in r.params.items():
        if key in OWN_KEYS:
            continue
        if key not in catalog.results:
            r.unknown(key)
        elif value not in catalog.results[key]:
            r.ignore(key, "no cached result with that key here; the default result is shown")
        else:
            results[key] = value
    if catalog.tabbed:
        r.take("tab", lambda s: _name(s, catalog))
    elif "tab" in r.params:
        r.ignore("tab", "this page has no tabs")
    r.take("section", lambda s: _section(s, catalog, results))
    r.take("flip", lambda s: tuple(_section(part, catalog, results) for part in s.split("~") if part))
    r.take("present", read_flag)
    section = r.found.get("section")
    tab = r.found.get("tab")
    if catalog.tabbed and section and not tab and section not in catalog.extra:
        tab = split_section(section)[0]  # a section opens its own tab
    if catalog.tabbed and section and tab and section not in catalog.extra and split_section(section)[0] != tab:
        r.ignore("section", f"it belongs to another tab than {tab}")
        section = None
    link = PageLink(tab, section, r.found.get("present", False), results, r.found.get("flip", ()))
    return link, r.ignored


def _name(text: str, catalog: Catalog) -> str:
    if text not in catalog.names:
        raise ValueError(f"choose one of {', '.join(catalog.names)}")
    return text


def _section(text: str, catalog: Catalog, results: Mapping[str, str]) -> str:
    if text in catalog.extra:
        return text
    if not SLUG.fullmatch(text):
        raise ValueError("a section is named <experiment>-<number>")
    name, n = split_section(text)
    if name not in catalog.names:
        raise ValueError(f"this page has no experiment {name}")
    count = catalog.count(name, results.get(name))
    if n > count:
        raise ValueError(f"{name} has {count} section{'s' if count != 1 else ''} here")
    return text
