"""The Code page's source without docstrings, and the step-through's parts, axes and Algorithm 2's truth."""

import ast
import json

from bnviz.norms import bn_fused, bn_steps
from bnviz.teach import step_charts
from bnviz.teach import step_views as V
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T
from bnviz.teach.code_view import source


def test_code_is_shown_without_its_docstrings_and_still_parses():
    for obj in (bn_steps.forward_steps, bn_steps.backward_steps, bn_fused.closed_form_backward):
        text = source(obj)
        ast.parse(text)
        assert '"""' not in text and ".. math::" not in text
        assert text.startswith(f"def {obj.__name__}(")
    assert "# μ_B = 1/m Σ_i x_i" in source(bn_steps.forward_steps)  # comments stay: they are the equations
    assert (
        len(source(bn_steps.forward_steps).splitlines()) <= 20
        and len(source(bn_steps.backward_steps).splitlines()) <= 20
    )


def test_each_step_says_its_part_of_the_paper_and_its_answer():
    steps = S.steps()
    assert [s.part for s in steps] == ["forward"] * 4 + ["backward"] * 5 + ["inference"] * 2
    assert all(s.answer.endswith(".") and len(s.answer) <= 120 for s in steps)


def walk_and_inference(x, gamma=None, k=100):
    gamma_, beta = T.default_affine(x.shape[1])
    gamma = gamma_ if gamma is None else gamma
    return S.walk(x, gamma, beta, 1e-5, "random w", 0), S.inference_demo(x, gamma, beta, 1e-5, k, 0)


def test_dl_dx_gets_its_own_axis_beside_dl_dxhat():
    x = T.parse_batch("1 10\n3 20\n5 60")  # the README's showcase link: ∂ℓ/∂x is far smaller than ∂ℓ/∂x̂
    w, inf = walk_and_inference(x, gamma=T.validate_affine([3, 0.25], [0, 0], 2)[0])
    spec = V.step_view(7, w, None).chart.to_dict()
    assert spec["resolve"]["scale"]["x"] == "independent"


def test_algorithm_2_draws_the_true_variance_and_says_what_this_k_gave():
    w, inf = walk_and_inference(T.DEFAULT_BATCH)
    view = V.step_view(9, w, inf)
    spec = json.dumps(view.chart.to_dict())
    assert '"rule"' in spec and '"truth"' in spec  # a dashed rule at each feature's true variance
    truth = [r for r in view.chart.data.to_dict("records") if r["side"] == step_charts.TRUTH]
    assert [r["value"] for r in truth] == inf.true_var.tolist()
    assert view.note.startswith("With these K = 100 batches")
    m = T.DEFAULT_BATCH.shape[0]
    ratios = (inf.pop.batch_vars.mean(0) / inf.true_var).tolist()
    assert ", ".join(f"{r:.2f}" for r in ratios) in view.note and f"(m − 1)/m = {(m - 1) / m:.2f}" in view.note
