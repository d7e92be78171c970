"""Every page's presenter view (``?present=1``) in AppTest: one slide per screen with a title, large Previous
and Next buttons that the arrow keys press, the switch back to the normal view, and each slide drawn without
an error from the first to the last. tests/pages/test_browser_slides.py measures their height in Chromium."""

import pytest
from harness import APP, pages_fast_then_heavy, scaled
from streamlit.testing.v1 import AppTest

PRESENTED = {  # page -> its presenter switch, and how many slides it has with the shipped results (None: varies)
    "home": ("home_present", 1),
    "algorithm": ("alg_present", 11),
    "norm_sets": ("ns_present", 5),
    "code": ("code_present", 2),
    "experiments": ("experiments_present", None),
    "practice": ("practice_present", None),
    "why": ("why_present", None),
    "activations": ("act_present", 5),
}


pytestmark = pytest.mark.usefixtures("shipped")  # the shipped results, read from one folder per process


def present(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=scaled(180))
    if name != "home":  # the app opens on Home; a link to another page is that page's first run
        at.run()
        at.switch_page(f"pages/{name}.py")
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def nav(at: AppTest) -> dict:
    return {b.label: b for b in at.button if b.label in ("Previous", "Next")}


@pytest.mark.parametrize("name", pages_fast_then_heavy(PRESENTED))
def test_a_presenter_view_opens_on_a_slide_with_large_arrows_and_its_switch(name):
    at = present(name)
    buttons = nav(at)
    assert [(b.label, b.proto.shortcut) for b in buttons.values()] == [("Previous", "left"), ("Next", "right")]
    assert buttons["Previous"].disabled  # the first slide
    assert len(at.title) == 1 and at.title[0].value
    key, _ = PRESENTED[name]
    assert at.toggle(key=key).value is True
    assert (
        "present=1" in "&".join(f"{k}={v}" for k, v in at.query_params.items()) or at.query_params.get("present") == "1"
    )
    at.toggle(key=key).set_value(False).run()  # and back to the normal view, with its page title
    assert not at.exception and "present" not in at.query_params
    assert len(at.title) >= 1


@pytest.mark.slow  # every slide of every page
@pytest.mark.parametrize("name", list(PRESENTED))
def test_every_slide_of_every_presenter_view_draws(name):
    at = present(name)
    titles = [at.title[0].value]
    while not nav(at)["Next"].disabled:
        nav(at)["Next"].click().run()
        assert not at.exception, (name, len(titles), [e.value for e in at.exception])
        assert len(at.title) == 1
        titles.append(at.title[0].value)
    expected = PRESENTED[name][1]
    assert len(titles) == expected if expected else len(titles) >= 3, titles
