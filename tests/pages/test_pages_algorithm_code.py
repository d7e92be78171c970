"""The step-through page and the code page, run through the app's router with Streamlit's AppTest.

Also the pure parts behind the step-through page (bnviz.teach.stepthrough): the equations it reads from
docstrings, and its live checks against autograd and against BatchNorm1d.
"""

import json
import re
from pathlib import Path

import pytest
import torch
from harness import scaled
from streamlit.testing.v1 import AppTest

from bnviz.norms import bn_steps
from bnviz.teach import step_views as V
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T

APP = str(Path(__file__).resolve().parents[2] / "app.py")
STEPS = S.steps()


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=scaled(30))
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def algorithm() -> AppTest:
    return open_page("pages/algorithm.py")


def click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click()
    at.run()


def shown(markdown: str) -> str:
    """What the page's Markdown shows: backslash escapes resolved."""
    return re.sub(r"\\(.)", r"\1", markdown)


def errors(at: AppTest) -> str:
    return "\n".join(shown(e.value) for e in at.error)


def latex(at: AppTest) -> list[str]:
    """The LaTeX of each st.latex element (AppTest reports it wrapped in $$ ... $$)."""
    return [e.value.strip().removeprefix("$$").removesuffix("$$").strip() for e in at.latex]


def paste(at: AppTest, text: str) -> None:
    at.text_area(key="alg_text").input(text)
    at.run()


# ----------------------------------------------------------------------------- the pure parts


def test_equations_come_from_the_docstrings_of_the_code():
    assert len(S.docstring_equations(bn_steps.forward_steps)) == 4
    assert len(S.docstring_equations(bn_steps.backward_steps)) == 6
    assert S.docstring_equations(bn_steps.population_stats)[1].startswith(r"\mathrm{Var}[x] \leftarrow \frac{m}{m-1}")
    assert [len(s.equations) for s in STEPS] == [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3]
    assert STEPS[1].equations[0].startswith(r"\sigma_B^2")
    assert STEPS[7].equations[0].startswith(r"\frac{\partial\ell}{\partial x_i}")


@pytest.mark.parametrize("loss", list(S.LOSSES))
def test_walk_matches_autograd_for_every_gradient(loss):
    gamma, beta = T.default_affine(3)
    typed = torch.arange(18, dtype=torch.float64).view(6, 3) / 7 if loss == S.TYPED_LOSS else None
    w = S.walk(T.DEFAULT_BATCH, gamma, beta, 1e-5, loss, seed=0, typed_dy=typed)
    for name in ("dx_hat", "dvar", "dmean", "dx", "dgamma", "dbeta"):
        assert w.check(name).ok and w.max_diff(name) < 1e-12, name  # a well-scaled batch: agreement to ~1e-15
    assert torch.allclose(w.bwd.dx.sum(0), torch.zeros(3, dtype=torch.float64), atol=1e-12)
    if typed is not None:
        assert torch.equal(w.dy, typed)


def test_walk_would_notice_a_wrong_gradient():
    gamma, beta = T.default_affine(3)
    w = S.walk(T.DEFAULT_BATCH, gamma, beta, 1e-5, "random w", seed=0)
    wrong = S.Walk(
        w.fwd,
        w.dy,
        bn_steps.BackwardSteps(w.bwd.dx_hat, w.bwd.dvar, w.bwd.dmean, w.bwd.dx * 1.001, w.bwd.dgamma, w.bwd.dbeta),
        w.autograd,
        gamma,
        beta,
        1e-5,
    )
    check = wrong.check("dx")
    assert not check.ok
    words = check.explanation()
    assert "disagree in the math, not in rounding" in words and re.search(
        r"At row \d, feature \d the two differ by", words
    )


def test_inference_demo_agrees_with_batchnorm1d_and_applies_bessel():
    gamma, beta = T.default_affine(3)
    inf = S.inference_demo(T.DEFAULT_BATCH, gamma, beta, 1e-5, k=5, seed=0)
    m = T.DEFAULT_BATCH.shape[0]
    assert torch.allclose(inf.layer_var, inf.pop.var, rtol=0, atol=1e-12)
    assert torch.allclose(inf.layer_mean, inf.pop.mean, rtol=0, atol=1e-12)
    assert torch.allclose(inf.pop.var, inf.pop.batch_vars.mean(0) * m / (m - 1))
    assert torch.allclose(inf.layer_eval_y, inf.eval_y, atol=1e-12)
    assert not torch.allclose(inf.train_y, inf.eval_y)  # other batches' statistics, and Bessel


# ----------------------------------------------------------------------------- the algorithm page


def test_algorithm_page_shows_title_equation_and_tables(algorithm):
    at = algorithm
    assert at.title[0].value == "Algorithm 1, step by step"
    assert at.subheader[0].value == STEPS[0].title
    assert latex(at)[0] == STEPS[0].equations[0]
    assert at.text_area(key="alg_text").value == T.format_batch(T.DEFAULT_BATCH)
    assert len(at.dataframe) >= 2  # the editable batch and the per-row table
    mean_row = at.table[0].value.loc["μ_B"]
    assert mean_row.tolist() == pytest.approx([5.0, -1.0, 40.0])
    assert not at.error and not at.warning


def test_next_walks_through_every_step_and_backward_steps_match_autograd(algorithm):
    at = algorithm
    for i, step in enumerate(STEPS):
        assert not at.exception, (step.label, at.exception)
        assert at.subheader[0].value == step.title
        assert latex(at)[: len(step.equations)] == step.equations
        assert len(at.table) == 1 and len(at.dataframe) >= 2
        assert not at.error, (step.label, errors(at))
        if 4 <= i <= 10:  # backward steps and Algorithm 2 carry a live check
            assert at.success and all("max |difference|" in s.value for s in at.success)
        if i < len(STEPS) - 1:
            click(at, "Next")
    assert next(b for b in at.button if b.label == "Next").disabled
    click(at, "Previous")
    assert at.subheader[0].value == STEPS[-2].title


def test_the_step_can_be_chosen_directly(algorithm):
    at = algorithm
    at.button_group(key="alg_step").set_value(STEPS[10].label)
    at.run()
    assert not at.exception
    assert at.subheader[0].value == STEPS[10].title
    assert "eval y" in " ".join(at.dataframe[-1].value.columns)


@pytest.mark.parametrize(
    "text, message",
    [
        ("1, 2, 3", "at least 2 rows"),
        ("1, abc", "'abc' in row 1 is not a number"),
        ("nan, 1", "NaN"),
        ("1e300, 2\n3, 4", "too large"),
        ("1, 2\n3", "Row 2 has 1 value"),
        ("", "empty"),
    ],
)
def test_bad_pasted_values_show_an_error_and_keep_the_last_valid_batch(algorithm, text, message):
    at = algorithm
    paste(at, text)
    assert not at.exception
    assert message in errors(at)
    assert "last valid batch" in errors(at)
    assert at.subheader[0].value == STEPS[0].title  # the steps still render, with the default batch
    assert at.table[0].value.loc["μ_B"].tolist() == pytest.approx([5.0, -1.0, 40.0])


def test_a_good_paste_replaces_the_batch_and_clears_the_error(algorithm):
    at = algorithm
    paste(at, "1, abc")
    assert errors(at)
    paste(at, "1\t10\n3\t20\n5\t60")
    assert not at.exception and not at.error
    assert "m = 3 rows, d = 2 features" in " ".join(c.value for c in at.caption)
    assert at.table[0].value.loc["μ_B"].tolist() == pytest.approx([3.0, 30.0])


def test_a_constant_column_warns_and_normalizes_to_zero(algorithm):
    at = algorithm
    paste(at, "1, 5\n2, 5\n3, 5")
    assert not at.exception and not at.error
    assert any("Feature 2 is constant" in w.value and "ε" in w.value for w in at.warning)
    click(at, "Next")
    click(at, "Next")  # step 3: x̂
    assert at.subheader[0].value == STEPS[2].title
    assert at.dataframe[-1].value["f2: x̂"].tolist() == [0.0, 0.0, 0.0]


def test_a_typed_upstream_gradient_drives_the_backward_steps(algorithm):
    at = algorithm
    at.selectbox(key="alg_loss").set_value(S.TYPED_LOSS)
    at.run()
    box = at.text_area(key="alg_dy_text")
    assert not at.exception and box.value.count("\n") == 5  # 6 rows, like the default batch
    box.set_value("1 0 0\n" + "0 0 0\n" * 5)  # ∂ℓ/∂y_11 = 1, every other 0
    at.run()
    for _ in range(7):
        click(at, "Next")
    assert at.subheader[0].value == STEPS[7].title and not at.error  # ∂ℓ/∂x
    assert at.success and all("max |difference|" in s.value for s in at.success)
    assert "the values you typed" in " ".join(c.value for c in at.caption)
    dx = at.dataframe[-1].value["f1: ∂ℓ/∂x"].tolist()
    assert dx[0] > 0 and all(v < 0 for v in dx[1:]) and sum(dx) == pytest.approx(0, abs=1e-12)
    at.text_area(key="alg_dy_text").set_value("1 0 0\n0 0 0")
    at.run()
    assert not at.exception and "∂ℓ/∂y has 2 rows of 3 values, but y has 6 rows of 3" in errors(at)
    at.text_area(key="alg_dy_text").set_value("1 0 x\n" + "0 0 0\n" * 5)
    at.run()
    assert not at.exception and "In ∂ℓ/∂y: 'x' in row 1 is not a number" in errors(at)


def test_eps_of_zero_is_an_error_not_a_traceback(algorithm):
    at = algorithm
    at.number_input(key="alg_eps").set_value(0.0)
    at.run()
    assert not at.exception
    assert "ε must be > 0" in errors(at)
    assert not at.subheader  # nothing is computed with an invalid ε
    at.number_input(key="alg_eps").set_value(0.1)
    at.run()
    assert not at.error and at.subheader[0].value == STEPS[0].title


def test_new_random_batch_uses_seed_rows_and_features(algorithm):
    at = algorithm
    at.number_input(key="alg_seed").set_value(3)
    at.number_input(key="alg_m").set_value(8)
    at.number_input(key="alg_d").set_value(4)
    click(at, "New random batch")
    assert not at.exception and not at.error
    assert "m = 8 rows, d = 4 features" in " ".join(c.value for c in at.caption)
    assert at.text_area(key="alg_text").value == T.format_batch(T.random_batch(8, 4, seed=3))


# ----------------------------------------------------------------------------- the code page


def test_code_page_shows_the_real_source_beside_the_equations():
    at = open_page("pages/code.py")
    assert at.title[0].value == "The code"
    sources = [c.value for c in at.code]
    assert any("def forward_steps" in s for s in sources)
    assert any("def backward_steps" in s for s in sources)
    assert any("class BatchNormFunction" in s and "closed_form_backward" in s for s in sources)
    assert any("def inference_affine" in s for s in sources)
    assert any("momentum is None" in s and "num_batches_tracked" in s for s in sources)  # _BatchNorm._count_batch
    assert any("def update_running_stats" in s and "bessel(" in s for s in sources)
    shown = set(latex(at))
    assert set(S.docstring_equations(bn_steps.forward_steps)) <= shown
    assert set(S.docstring_equations(bn_steps.backward_steps)) <= shown


# ----------------------------------------------------------------------------- user text is shown, never rendered

MARKDOWN_TOKENS = ["![x](http://host/t.png)", "[click](http://host/)", "**bold**", "$x^2$", "<img", ":red[x]", "`code`"]


def unescaped_markdown(body: str) -> list[str]:
    """ASCII punctuation in a Markdown body not preceded by a backslash: what Markdown could act on."""
    return re.findall(r"(?<!\\)[!-/:-@\[-`{-~]", re.sub(r"\\[!-/:-@\[-`{-~]", "", body))


@pytest.mark.parametrize("token", MARKDOWN_TOKENS)
def test_a_pasted_token_is_shown_literally_not_rendered_as_markdown(algorithm, token):
    at = algorithm
    paste(at, f"{token}, 1\n2, 3")
    assert not at.exception
    (body,) = [e.value for e in at.error]
    assert f"'{token}' in row 1 is not a number" in shown(body)  # the student sees exactly what they typed
    assert unescaped_markdown(body) == []  # and nothing in it is Markdown: no image fetched, no link, no style


def test_a_typed_gradient_token_is_shown_literally(algorithm):
    at = algorithm
    at.selectbox(key="alg_loss").set_value(S.TYPED_LOSS)
    at.run()
    at.text_area(key="alg_dy_text").set_value("![x](http://host/t.png) 0 0\n" + "0 0 0\n" * 5)
    at.run()
    assert not at.exception
    (body,) = [e.value for e in at.error]
    assert "In ∂ℓ/∂y: '![x](http://host/t.png)' in row 1" in shown(body) and unescaped_markdown(body) == []


def test_warnings_show_their_subscripts_literally(algorithm):
    at = algorithm
    paste(at, "1, 1\n2, 1.0001\n3, 1.0002")
    at.number_input(key="alg_eps").set_value(1e-3)
    at.run()
    (body,) = [w.value for w in at.warning]
    # "σ²_B ... σ²_B" unescaped would set the text between the two underscores in italics
    assert "σ²_B = " in shown(body) and "√(σ²_B + ε)" in shown(body) and unescaped_markdown(body) == []


# ----------------------------------------------------------------------------- checks scaled to float64 rounding

HARD_BUT_LEGAL = {  # (batch, ε): legal input where an absolute 1e-9 tolerance raised false alarms
    "tiny spread, ε = 1e-12": ("1\n1.000001\n1.000002\n1.0000015", 1e-12),
    "values of 1e-7, ε = 1e-12": ("1e-7\n2e-7\n3e-7\n1.5e-7", 1e-12),
    "values near 1e6, spread 1e-3": ("999999.001\n999999.002\n999999.0015\n999999.003", 1e-5),
    "values near 1e6 and 1e6 apart": ("999999.1, 1\n-1000000, 2\n500000.7, 3\n-999999.5, 4", 1e-12),
}


@pytest.mark.parametrize("loss", ["random w", "sum of y"])
@pytest.mark.parametrize("case", list(HARD_BUT_LEGAL))
def test_every_check_passes_on_hard_but_legal_input(case, loss):
    text, eps = HARD_BUT_LEGAL[case]
    x = T.parse_batch(text)
    gamma, beta = T.default_affine(x.shape[1])
    w, inf = S.walk(x, gamma, beta, eps, loss, seed=0), S.inference_demo(x, gamma, beta, eps, k=5, seed=0)
    for step in range(4, 11):
        for check in V.step_view(step, w, inf).checks:
            assert check.ok, (step, check.what, check.explanation())
            assert "within float64 rounding" in check.explanation()


@pytest.mark.parametrize("case, step", [("tiny spread, ε = 1e-12", 5), ("values near 1e6, spread 1e-3", 10)])
def test_the_page_raises_no_false_alarm_on_hard_but_legal_input(algorithm, case, step):
    at = algorithm
    text, eps = HARD_BUT_LEGAL[case]
    paste(at, text)
    at.number_input(key="alg_eps").set_value(eps)
    at.run()
    at.button_group(key="alg_step").set_value(STEPS[step].label)
    at.run()
    assert not at.exception and not at.error, errors(at)
    assert at.success and all("within float64 rounding" in s.value for s in at.success)


@pytest.mark.parametrize("factor", [1.001, 1 + 1e-9])
def test_a_real_mismatch_fails_and_is_explained_in_words(factor):
    gamma, beta = T.default_affine(3)
    w = S.walk(T.DEFAULT_BATCH, gamma, beta, 1e-5, "random w", seed=0)
    dmean = w.bwd.dmean.clone()
    dmean[1] *= factor
    wrong = S.Walk(
        w.fwd,
        w.dy,
        bn_steps.BackwardSteps(w.bwd.dx_hat, w.bwd.dvar, dmean, w.bwd.dx, w.bwd.dgamma, w.bwd.dbeta),
        w.autograd,
        gamma,
        beta,
        1e-5,
    )
    check = wrong.check("dmean")
    assert not check.ok
    words = check.explanation()
    assert "At feature 2 the two differ by" in words and "times the value itself" in words
    assert "disagree in the math, not in rounding" in words and "wrong or missing term" in words


# ----------------------------------------------------------------------------- the page's state in its URL


def open_link(params: dict[str, str]) -> AppTest:
    """The step-through page as a browser opens a bookmark: /algorithm?<params>."""
    at = AppTest.from_file(APP, default_timeout=scaled(30))
    at.run()
    at.switch_page("pages/algorithm.py")
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def caption_text(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_a_link_opens_the_page_on_its_step_with_its_batch_and_settings():
    link = {
        "step": "4",
        "batch": "1_10~3_20~5_60",
        "gamma": "3_0.25",
        "beta": "-1_4",
        "eps": "0.001",
        "loss": "sum-of-y",
        "k": "20",
        "seed": "3",
    }
    at = open_link(link)
    assert at.subheader[0].value == STEPS[3].title and not at.warning
    assert "m = 3 rows, d = 2 features" in caption_text(at)
    assert at.text_area(key="alg_text").value == T.format_batch(T.parse_batch("1 10\n3 20\n5 60"))
    assert at.table[0].value.loc["γ"].tolist() == [3.0, 0.25] and at.table[0].value.loc["β"].tolist() == [-1.0, 4.0]
    assert at.number_input(key="alg_eps").value == 0.001 and at.selectbox(key="alg_loss").value == "sum of y"
    assert at.number_input(key="alg_k").value == 20 and at.number_input(key="alg_seed").value == 3
    assert at.query_params == link  # the page writes back the same link


def test_a_typed_upstream_gradient_comes_back_from_its_link():
    at = open_link({"step": "8", "batch": "1_2~3_5~4_4", "loss": "typed", "dy": "1_0~0_0~0_0"})
    assert at.subheader[0].value == STEPS[7].title and not at.error and not at.warning
    assert T.parse_batch(at.text_area(key="alg_dy_text").value).tolist() == [[1, 0], [0, 0], [0, 0]]
    assert "the values you typed" in caption_text(at)


def test_the_url_follows_what_the_page_shows(algorithm):
    at = algorithm
    assert at.query_params == {"step": "1"}  # the defaults are left out
    click(at, "Next")
    click(at, "Next")
    assert at.query_params == {"step": "3"}
    paste(at, "1, 10\n3, 20\n5, 60")
    at.number_input(key="alg_eps").set_value(0.5)
    at.selectbox(key="alg_loss").set_value("squared error")
    at.run()
    assert at.query_params == {"step": "3", "batch": "1_10~3_20~5_60", "eps": "0.5", "loss": "squared-error"}
    assert at.subheader[0].value == STEPS[2].title  # a new batch keeps the step


def test_a_link_is_applied_once_so_the_next_click_sticks():
    at = open_link({"step": "5", "k": "9"})
    click(at, "Next")
    assert at.subheader[0].value == STEPS[5].title and at.query_params == {"step": "6", "k": "9"}
    at.number_input(key="alg_k").set_value(12)
    at.run()
    assert at.number_input(key="alg_k").value == 12 and at.query_params["k"] == "12"


def test_a_rerun_that_still_carries_an_older_url_does_not_undo_a_step(algorithm):
    at = algorithm
    click(at, "Next")
    at.query_params.clear()
    at.query_params["step"] = "1"  # the next click was sent before the browser showed step=2
    click(at, "Next")
    assert at.subheader[0].value == STEPS[2].title and at.query_params == {"step": "3"}


def test_coming_back_from_another_page_keeps_the_sessions_state():
    at = open_link({"step": "5", "seed": "7"})
    at.switch_page("pages/code.py")
    at.run()
    at.switch_page("pages/algorithm.py")
    at.query_params.clear()  # moving between pages clears the URL's query
    at.run()
    assert not at.exception and at.subheader[0].value == STEPS[4].title
    assert at.query_params == {"step": "5", "seed": "7"}


def test_a_bad_link_falls_back_to_defaults_with_a_warning_not_a_traceback():
    at = open_link({"step": "99", "batch": "1_x~2_3", "eps": "-1", "loss": "mse", "k": "2", "colour": "red"})
    assert not at.exception and not at.error
    (warning,) = [shown(w.value) for w in at.warning]
    for part in ("step=99", "batch=1_x~2_3", "'x' is not a number", "eps=-1", "loss=mse", "colour"):
        assert part in warning
    assert "k=" not in warning  # k=2 is valid and used
    assert at.subheader[0].value == STEPS[0].title
    assert at.table[0].value.loc["μ_B"].tolist() == pytest.approx([5.0, -1.0, 40.0])  # the default batch
    assert at.query_params == {"step": "1", "k": "2"}  # the link now says what is shown
    click(at, "Next")
    assert not at.warning  # said once


def test_text_from_a_link_is_shown_literally():
    at = open_link({"![x](http://host/t.png)": "1", "step": "**8**"})
    (body,) = [w.value for w in at.warning]
    assert "![x](http://host/t.png)" in shown(body) and "step=**8**" in shown(body)
    parts = body.split("instead: ", 1)[1].removesuffix(".").split("; ")  # the page's own words around them
    assert len(parts) == 2 and all(unescaped_markdown(part) == [] for part in parts)


# ----------------------------------------------------------------------------- the presenter view


def test_the_presenter_view_puts_the_step_title_buttons_equation_and_a_large_chart_first():
    at = open_link({"step": "4", "present": "1"})
    assert [t.value for t in at.title] == [STEPS[3].title]  # the step's title is the page's heading
    assert not at.subheader and not at.button_group  # no page title, no row of eleven step buttons
    assert at.toggle(key="alg_present").value is True
    assert [(b.label, b.proto.shortcut) for b in at.button][:2] == [("Previous", "left"), ("Next", "right")]
    assert latex(at)[0] == STEPS[3].equations[0]
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert chart["config"]["axis"]["labelFontSize"] >= 16  # type for the back of the room
    assert [e.label for e in at.expander] == ["The toy batch, γ, β, ε, the loss and K (the page's controls)"]
    assert "close it with « at its top" in caption_text(at)
    click(at, "Next")
    assert at.title[0].value == STEPS[4].title and at.query_params == {"step": "5", "present": "1"}


def test_the_presenter_switch_goes_both_ways_and_keeps_the_step(algorithm):
    at = algorithm
    click(at, "Next")
    normal_chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "labelFontSize" not in json.dumps(normal_chart.get("config", {}))
    at.toggle(key="alg_present").set_value(True)
    at.run()
    assert at.title[0].value == STEPS[1].title and at.query_params == {"step": "2", "present": "1"}
    at.toggle(key="alg_present").set_value(False)
    at.run()
    assert at.title[0].value == "Algorithm 1, step by step" and at.subheader[0].value == STEPS[1].title
    assert at.query_params == {"step": "2"}


def test_an_invalid_control_in_the_presenter_view_says_where_and_keeps_the_switch():
    at = open_link({"present": "1"})
    at.number_input(key="alg_eps").set_value(0.0)
    at.run()
    assert not at.exception and "open them below" in errors(at) and "ε must be > 0" in errors(at)
    at.toggle(key="alg_present").set_value(False)
    at.run()
    assert not at.exception and at.title[0].value == "Algorithm 1, step by step"
