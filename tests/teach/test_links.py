"""The pages' views as links: the experiment pages' (tab, section, results, switches) and the normalizer cube's.

Every part of a link is read as the page's own controls would check it; a part that cannot be used falls back
to its default and is named, never a traceback."""

import pytest

from bnviz.teach import cube_links as C
from bnviz.teach import experiment_links as L
from bnviz.teach.query import SHOWN_CHARS

CATALOG = L.Catalog(
    names=("mnist-fig1", "lr-sweep", "paper-imagenet"),
    results={"mnist-fig1": ("aaaa", "bbbb"), "lr-sweep": ("cccc",)},
    count=lambda name, key: {"mnist-fig1": 5 if key != "bbbb" else 2, "lr-sweep": 4, "paper-imagenet": 2}[name],
    tabbed=True,
)


def test_an_experiment_page_link_round_trips():
    link = L.PageLink("lr-sweep", "lr-sweep-3", True, {"mnist-fig1": "bbbb"}, ("mnist-fig1-1",))
    params = L.to_params(link)
    assert params == {
        "tab": "lr-sweep",
        "section": "lr-sweep-3",
        "flip": "mnist-fig1-1",
        "present": "1",
        "mnist-fig1": "bbbb",
    }
    assert L.parse(params, CATALOG) == (link, [])
    assert L.to_params(L.PageLink()) == {}  # the defaults say nothing


def test_a_section_opens_its_own_tab():
    link, ignored = L.parse({"section": "paper-imagenet-2"}, CATALOG)
    assert link.tab == "paper-imagenet" and link.section == "paper-imagenet-2" and not ignored


@pytest.mark.parametrize(
    "params, named",
    [
        ({"section": "mnist-fig1-9"}, "mnist-fig1 has 5 sections here"),
        ({"section": "mnist-fig1-3", "mnist-fig1": "bbbb"}, "mnist-fig1 has 2 sections here"),  # the picked result's
        ({"section": "nope-1"}, "this page has no experiment nope"),
        ({"section": "<b>"}, "a section is named <experiment>-<number>"),
        ({"mnist-fig1": "zzzz"}, "no cached result with that key here"),
        ({"tab": "ics"}, "choose one of mnist-fig1, lr-sweep, paper-imagenet"),
        ({"colour": "red"}, "this page has no such setting"),
        ({"present": "yes"}, "use 1 or 0"),
        ({"tab": "lr-sweep", "section": "mnist-fig1-1"}, "it belongs to another tab than lr-sweep"),
    ],
)
def test_a_bad_or_stale_experiment_link_falls_back_and_says_what_it_ignored(params, named):
    link, ignored = L.parse(params, CATALOG)
    assert any(named in part for part in ignored), ignored
    assert link.section is None or link.section in ("mnist-fig1-1",)
    assert "zzzz" not in link.results.values()


def test_an_ignored_value_is_quoted_short():
    _, ignored = L.parse({"section": "x" * 500}, CATALOG)
    assert len(ignored) == 1 and len(ignored[0]) < SHOWN_CHARS + 80


def test_a_page_of_its_own_sections_accepts_them():
    catalog = L.Catalog(("ics",), {"ics": ("k",)}, lambda n, k: 3, extra=("scoreboard",))
    assert L.parse({"section": "scoreboard"}, catalog) == (L.PageLink(section="scoreboard"), [])


def test_a_cube_link_round_trips_and_leaves_defaults_out():
    state = C.state_of("group", (2, 8, 3, 1), 4, 7, (1, 5, 2, 0), present=True)
    params = C.to_params(state)
    assert params == {
        "kind": "group",
        "n": "2",
        "c": "8",
        "h": "3",
        "w": "1",
        "groups": "4",
        "seed": "7",
        "entry": "1_5_2_0",
        "present": "1",
    }
    assert C.parse(params) == (state, [])
    assert C.to_params(C.state_of("bnviz", (3, 4, 2, 2), 2, 0, (1, 2, 0, 0))) == {}


@pytest.mark.parametrize(
    "params, named",
    [
        ({"kind": "bn"}, "the normalizer is one of bnviz, layer, instance, group, renorm"),
        ({"n": "9"}, "examples N is 1 to 6"),
        ({"groups": "3"}, "GroupNorm's groups divide the 4 channels: 1, 2, 4"),
        ({"entry": "1_2"}, "an entry is four indices"),
        ({"entry": "5_0_0_0"}, "indices run from 0"),
        ({"c": "2", "entry": "0_3_0_0"}, "indices run from 0"),  # inside the default cube, outside this one
        ({"seed": "-1"}, "the seed is a whole number"),
    ],
)
def test_a_bad_cube_link_falls_back_and_says_what_it_ignored(params, named):
    state, ignored = C.parse(params)
    assert any(named in part for part in ignored), ignored
    n, c, h, w = state.shape
    assert all(0 <= i < s for i, s in zip(state.the_entry(), state.shape)) and c % state.the_groups() == 0
