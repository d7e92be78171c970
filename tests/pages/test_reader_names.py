"""Human names everywhere the reader looks, and verdict icons by meaning (issue #27, items 5 and 6): every
page drawn in AppTest from the shipped results is looked through for machine names (tests/reader_text.py),
and every verdict drawn carries the icon of its outcome."""

import re

import altair as alt
import pandas as pd
import pytest
from experiment_pages import text_of
from harness import APP, pages_fast_then_heavy, scaled
from reader_text import chart_problems, page_problems, table_problems, text_problems
from streamlit.testing.v1 import AppTest

from bnviz import experiments
from bnviz.runs import cache
from bnviz.views.sections import verdicts_of
from bnviz.views.verdicts import ICON, markdown_icon

PAGES = ("home", "lecture", "algorithm", "norm_sets", "experiments", "practice", "why", "code")
KNOWN: set = set()  # (page, problem) a page may still show: none, and nothing may be added here


pytestmark = pytest.mark.usefixtures("shipped")  # the shipped results, read from one folder per process


def open_page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=scaled(180))
    at.run()
    at.switch_page(f"pages/{name}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_checks_find_what_they_look_for():
    assert table_problems(pd.DataFrame({"norm": ["bnviz", "none"], "l2": [1.0, 2.0], "ok": [True, False]})) == [
        "column 'norm'",
        "norm kind ['bnviz', 'none'] in column 'norm'",
        "column 'l2'",
        "True/False in column 'ok'",
    ]
    assert text_problems("before g solid, after g dashed") and not text_problems("before g, where g is the sigmoid")
    df = pd.DataFrame({"step": [1, 2], "v": [1.0, 2.0], "norm": ["bnviz", "none"]})
    chart = alt.Chart(df).mark_line().encode(x="step:Q", y=alt.Y("v:Q", title="Accuracy"), color="norm:N")
    assert chart_problems(chart.to_dict()) == ["color titled ['norm']", "a legend of norm kinds"]
    named = chart.encode(color=alt.Color("norm:N", title=None, legend=None))
    assert chart_problems(named.to_dict()) == []


@pytest.mark.parametrize("name", pages_fast_then_heavy(PAGES))
def test_no_page_shows_a_machine_name(name):
    found = {(name, p) for p in page_problems(open_page(name))}
    assert found <= KNOWN, sorted(found - KNOWN)


@pytest.mark.parametrize("name", pages_fast_then_heavy(("experiments", "practice", "why")))
def test_every_verdict_shows_the_icon_of_its_outcome(name, shipped_folder):
    at = open_page(name)
    drawn = text_of(at.markdown, raw=True)
    if name == "experiments":  # the page draws only its open tab: open each as a click does
        for tab in [t.label for t in at.tabs][1:]:
            at.session_state["experiments_tab"] = tab
            at.run()
            assert not at.exception, [e.value for e in at.exception]
            drawn += "\n" + text_of(at.markdown, raw=True)
    outcomes = {}
    for exp in experiments.on_page(name):
        path = next(shipped_folder.glob(f"{exp}-*.json"))
        for v in verdicts_of(experiments.sections(experiments.findings(cache.load_result(path)))):
            assert f"{markdown_icon(v.outcome)} {v.text}" in drawn, (exp, v.text)
            outcomes[v.text] = v.outcome
    icons = {markdown_icon(o): o for o in ICON}
    lines = [line for line in re.split(r" {2}\n|\n", drawn) if line.split(" ", 1)[0] in icons]
    assert lines
    for line in lines:
        icon, text = line.split(" ", 1)
        if text in outcomes:  # a verdict's line, not the scoreboard's caveat
            assert icons[icon] == outcomes[text], line
