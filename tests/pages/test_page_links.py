"""Every view in the URL: each experiment page and the normalizer cube, set up, written to the URL, and
opened from that URL in a fresh session, come back with the same widgets' values; a bad link falls back
and says what it ignored."""

import pytest
from experiment_pages import text_of
from harness import APP, scaled
from shipped import OTHER_KEY
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("shipped")  # the shipped results, read from one folder per process


def open_link(page: str, params: dict[str, str] | None = None) -> AppTest:
    """``page`` as a browser opens a pasted link: a fresh session, the link's query."""
    at = AppTest.from_file(APP, default_timeout=scaled(180))
    at.run()
    at.switch_page(page)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def reopened(at: AppTest, page: str) -> AppTest:
    """The page opened afresh from the URL ``at`` shows."""
    return open_link(page, {k: v for k, v in at.query_params.items()})


def toggles(at: AppTest, prefix: str) -> dict[str, bool]:
    return {t.key: t.value for t in at.toggle if t.key and t.key.startswith(prefix)}


@pytest.mark.slow  # several renders of a long page
def test_the_experiments_page_reopens_its_tab_result_and_switch(shipped_folder):
    at = open_link("pages/experiments.py")
    at.session_state["experiments_tab"] = "MNIST Figure 1"
    at.selectbox(key="pick-mnist-fig1").set_value(str(shipped_folder / f"mnist-fig1-{OTHER_KEY}.json")).run()
    switch = next(k for k in toggles(at, f"toggle-mnist-fig1-{OTHER_KEY}"))
    at.toggle(key=switch).set_value(True).run()  # Figure 1(a) on the paper's y-range
    assert not at.exception
    assert at.query_params == {"mnist-fig1": OTHER_KEY, "flip": "mnist-fig1-1"}
    at.session_state["experiments_tab"] = "CIFAR-10 CNN"
    at.run()
    assert at.query_params["tab"] == "cifar10-cnn"
    again = reopened(at, "pages/experiments.py")
    assert again.session_state["experiments_tab"] == "CIFAR-10 CNN" and again.tabs[1].get("vega_lite_chart")
    picked, flipped = at.session_state["pick-mnist-fig1"], at.session_state[switch]
    assert again.session_state["pick-mnist-fig1"] == picked and again.session_state[switch] == flipped
    again.session_state["experiments_tab"] = "MNIST Figure 1"  # and its widgets, once its tab is open
    again.run()
    assert again.selectbox(key="pick-mnist-fig1").value == picked and again.toggle(key=switch).value is True
    assert not again.warning or "link" not in text_of(again.warning)


@pytest.mark.slow  # several renders of a long page
def test_a_presenter_link_reopens_its_slide_and_leaving_it_keeps_the_section():
    at = open_link("pages/practice.py", {"present": "1", "section": "bn-momentum-2"})
    assert at.toggle(key="practice_present").value is True
    assert at.title[0].value == "How far the running averages trail the network"
    next(b for b in at.button if b.label == "Next").click().run()
    assert at.query_params == {"section": "bn-momentum-3", "present": "1"}
    again = reopened(at, "pages/practice.py")
    assert again.title[0].value == at.title[0].value and again.toggle(key="practice_present").value
    again.toggle(key="practice_present").set_value(False).run()
    assert again.title[0].value == "BN in practice" and again.query_params == {"section": "bn-momentum-3"}


@pytest.mark.slow  # several renders of a long page
def test_the_why_page_opens_on_its_scoreboard_slide_and_links_each_claim():
    at = open_link("pages/why.py", {"present": "1", "section": "scoreboard"})
    assert at.title[0].value == "Why does BN work? The scoreboard"
    table = text_of(at.markdown, raw=True)
    for name in ("noisy-bn", "ics", "landscape", "lr-depth", "depth-sigmoid"):
        assert f"](why?section={name}-1)" in table


@pytest.mark.parametrize(
    "params, named",
    [
        ({"section": "batch-size-99"}, "section=batch-size-99 (batch-size has"),
        ({"batch-size": "feedfeedfeedfeed"}, "no cached result with that key here"),
        ({"tab": "batch-size"}, "this page has no tabs"),
        ({"section": "[x](http://host)"}, "section=[x](http://host)"),
    ],
)
def test_a_bad_or_stale_link_falls_back_and_says_what_it_ignored(params, named):
    at = open_link("pages/practice.py", params)
    assert named in text_of(at.warning)
    assert "](http" not in text_of(at.warning, raw=True)  # a link's text is shown, never rendered
    assert at.title[0].value == "BN in practice" and not at.exception


def test_the_cube_reopens_every_control():
    at = open_link("pages/norm_sets.py")
    at.number_input(key="ns_c").set_value(6).run()
    at.selectbox(key="ns_groups").set_value(3).run()
    at.segmented_control(key="ns_kind").set_value("group").run()
    at.number_input(key="ns_ec").set_value(4).run()
    at.number_input(key="ns_seed").set_value(11).run()
    assert at.query_params == {"kind": "group", "c": "6", "groups": "3", "seed": "11", "entry": "1_4_0_0"}
    again = reopened(at, "pages/norm_sets.py")
    keys = ("ns_n", "ns_c", "ns_h", "ns_w", "ns_seed", "ns_en", "ns_ec", "ns_eh", "ns_ew")
    assert [again.number_input(key=k).value for k in keys] == [at.number_input(key=k).value for k in keys]
    assert again.selectbox(key="ns_groups").value == 3 and again.segmented_control(key="ns_kind").value == "group"
    assert not again.warning


def test_a_bad_cube_link_falls_back_and_names_each_part():
    at = open_link("pages/norm_sets.py", {"kind": "bn", "n": "9", "entry": "0_9_0_0"})
    warning = text_of(at.warning)
    assert "kind=bn" in warning and "n=9" in warning and "entry=0_9_0_0" in warning
    assert at.segmented_control(key="ns_kind").value == "bnviz" and at.number_input(key="ns_n").value == 3
