"""The classroom moments page, through the app's router with Streamlit's AppTest: one test per moment, its links
from the step-through page, its URL, and the grader's process limits and loopback rule as the page meets them."""

import re
from pathlib import Path

import pytest
from harness import scaled
from streamlit import config
from streamlit.testing.v1 import AppTest

from bnviz.teach import grader_examples as E
from bnviz.teach import moments as M
from bnviz.teach import sandbox as SB

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_link(params: dict[str, str]) -> AppTest:
    """The moments page as a browser opens /moments?<params>, with no real dataset (synthetic data)."""
    at = AppTest.from_file(APP, default_timeout=scaled(180))
    at.run()
    at.switch_page("pages/moments.py")
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def text(at: AppTest) -> str:
    """Everything the page wrote, its Markdown escapes resolved."""
    parts = [
        e.value for kind in ("markdown", "caption", "success", "error", "info", "warning") for e in getattr(at, kind)
    ]
    parts += [str(m.label) + " " + str(m.value) for m in at.metric]
    return re.sub(r"\\(.)", r"\1", "\n".join(map(str, parts)))


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def latex(at: AppTest) -> str:
    return "\n".join(e.value for e in at.latex)


def test_the_page_opens_on_the_graph_and_the_keys_walk_every_screen(folder):
    at = open_link({})
    assert at.title[0].value == "Classroom moments" and at.subheader[0].value.startswith("The backward pass as a graph")
    assert at.query_params["moment"] == "graph"
    for moment, part in M.screens()[1:6]:
        button(at, "Next").click().run()
        assert not at.exception, at.exception
        assert at.query_params["moment"] == moment and at.query_params.get("part", "1") == str(part)
    button(at, "Previous").click().run()
    assert at.query_params["part"] == "5"


def test_graph_lights_each_path_with_its_number_and_the_constants_toggle(folder):
    at = open_link({"moment": "graph", "part": "2"})
    assert r"\frac{\partial\ell}{\partial\hat x_i}" in latex(at) and "= -0.3562" in latex(at)  # row 1, feature 1
    at = open_link({"moment": "graph", "part": "5"})
    assert "The three paths add up to autograd's ∂ℓ/∂x" in text(at) and not at.error
    at.toggle(key="mom_constants").set_value(True).run()
    assert "Without the paths through μ_B and σ²_B the gradient is off by up to" in text(at)
    button(at, "Next").click().run()
    assert "b moved by up to" in text(at) and "each update changes b and nothing else" in text(at)
    at.toggle(key="mom_constants").set_value(False).run()
    assert "so b stays put" in text(at)


def test_closed_form_is_checked_against_the_six_equations_and_autograd(folder):
    at = open_link({"moment": "closed-form", "batch": "1_10~3_20~5_60~2_2"})
    assert len(at.success) == 2 and not at.error
    assert "Against the six equations" in text(at) and "Against autograd" in text(at)
    button(at, "Next").click().run()
    table = at.dataframe[0].value
    assert table.loc["Σᵢ ∂ℓ/∂xᵢ (0 within rounding)"].tolist() == [0.0, 0.0]
    assert "neither shift nor scale the batch" in text(at)


def test_scale_invariance_slider_and_the_three_trainings(folder):
    at = open_link({"moment": "scale"})
    at.select_slider(key="mom_a").set_value(10.0).run()
    shown = {m.label: m for m in at.metric}
    assert "1/a = 0.1" in str(shown["‖∂ℓ/∂(aW)‖"].delta) and "1/a² = 0.01" in str(
        shown["relative step ‖η ∂ℓ/∂(aW)‖ / ‖aW‖"].delta
    )
    button(at, "Next").click().run()
    assert "Training at a = 10 with η is training at a = 1 with η/100: their losses differ by at most" in text(at)
    assert len(at.get("vega_lite_chart")) == 1


def test_batch_mates_and_forgetting_eval(folder):
    at = open_link({"moment": "batch-mates"})
    assert "in training mode its class probabilities move by up to" in text(at)
    assert "data: synthetic data" in text(at)  # no real MNIST in the test's data folder: said on the page
    button(at, "Next").click().run()
    assert "eval mode" in at.metric[0].label
    at.toggle(key="mom_forgot").set_value(True).run()
    at.select_slider(key="mom_test_batch").set_value(1).run()
    assert at.metric[0].label == "test accuracy, batches of 1" and float(at.metric[0].value.rstrip("%")) < 50


@pytest.mark.slow  # trains and times both networks
def test_folding_matches_eval_mode_and_is_measured(folder):
    at = open_link({"moment": "folding"})
    assert len(at.success) == 2 and not at.error
    assert re.search(
        r"MLP: the folded network's logits equal the BN network's in eval mode: max \|difference\| = ", text(at)
    )
    button(at, "Next").click().run()
    table = at.dataframe[0].value
    assert list(table.index) == ["MLP", "CNN"] and table.loc["MLP", "+ buffers "] == "0"
    button(at, "Next").click().run()
    assert "no fixed W', b' exists" in text(at)


def test_predict_asks_first_then_says_how_far_off(folder):
    at = open_link({"moment": "predict"})
    assert "What is its μ_B?" in text(at) and "Answer:" not in text(at)
    at.number_input(key="mom_guess_mean").set_value(4.0)
    button(at, "Reveal").click().run()
    assert "You guessed 4; it is 5: off by 1 (20% of it)." in text(at)
    presenting = open_link({"moment": "predict", "present": "1"})  # off in the presenter view ...
    assert "Answer: 5" in text(presenting)
    asked = open_link({"moment": "predict", "present": "1", "predict": "1"})  # ... unless switched on
    assert "Answer:" not in text(asked) and button(asked, "Reveal")


def test_grader_names_the_first_wrong_intermediate(folder):
    at = open_link({"moment": "grader"})
    at.selectbox(key="mom_start").set_value("Mistake: the unbiased variance").run()
    assert at.text_area(key="mom_code").value == E.EXAMPLES[2][2]
    button(at, "Check it against the paper").click().run()
    assert "First difference: σ²_B, on your toy batch. This is the unbiased variance" in text(at)
    assert list(at.dataframe[0].value.columns) == ["where", "yours", "the paper's"]


@pytest.mark.slow  # a sandbox subprocess, waited on until its time limit
def test_code_that_loops_forever_is_stopped_and_the_page_keeps_working(folder, monkeypatch):
    monkeypatch.setattr(SB, "DEFAULT_LIMITS", SB.Limits(timeout=scaled(3), cpu_seconds=60))
    at = open_link({"moment": "grader"})
    at.text_area(key="mom_code").input("import time\nwhile True:\n    time.sleep(0.1)\n").run()
    button(at, "Check it against the paper").click().run()
    assert "still running after" in text(at) and not at.exception
    at.text_area(key="mom_code").input(E.PAPER_NUMPY).run()
    button(at, "Check it against the paper").click().run()
    assert "Every intermediate the grader could read agrees with the paper's" in text(at)


def test_the_grader_is_off_unless_the_server_listens_on_loopback(folder):
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = open_link({"moment": "grader"})
        assert "The grader is off" in text(at) and "python -m bnviz check my_bn.py" in text(at)
        assert not [b for b in at.button if b.label == "Check it against the paper"]
        assert [t for t in at.text_area if t.key == "mom_code"] == []
    finally:
        config.set_option("server.address", before)
    at = open_link({"moment": "grader"})
    assert button(at, "Check it against the paper") and "The grader is off" not in text(at)


def test_the_step_through_page_links_to_its_moments_on_its_batch(folder):
    at = AppTest.from_file(APP, default_timeout=scaled(60))
    at.run()
    at.switch_page("pages/algorithm.py")
    at.query_params.update({"step": "8", "batch": "1_10~3_20~5_60"})
    at.run()
    links = {link.proto.label: link.proto.query_string for link in at.get("page_link")}
    closed = "The compact closed form and its geometry: From six equations to one"
    assert links[closed] == "moment=closed-form&batch=1_10~3_20~5_60&from=step"
    assert links["The backward pass as a graph: The three paths add up"].startswith("moment=graph&part=5&")
    opened = open_link(dict(part.split("=") for part in links[closed].split("&")))
    assert opened.subheader[0].value.startswith("The compact closed form") and "from" not in opened.query_params
    assert opened.query_params["batch"] == "1_10~3_20~5_60"


def test_a_bad_link_falls_back_and_says_what_it_ignored(folder):
    at = open_link({"moment": "nope", "part": "9", "batch": "1_x"})
    warning = re.sub(r"\\(.)", r"\1", at.warning[0].value)
    assert "moment=nope" in warning and "batch=1_x" in warning
    assert at.query_params["moment"] == "graph"


@pytest.mark.parametrize("moment, part", [("graph", 5), ("grader", 1)])
def test_the_presenter_view_has_the_buttons_and_hides_the_selector(folder, moment, part):
    at = open_link({"moment": moment, "part": str(part), "present": "1"})
    assert at.title[0].value == M.BY_SLUG[moment].parts[part - 1]
    assert {"Previous", "Next"} <= {b.label for b in at.button} and not at.get("button_group")
    assert at.query_params["present"] == "1"
