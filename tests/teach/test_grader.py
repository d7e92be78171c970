"""The grader (bnviz.teach.grader, grader_hints): the paper's BN and the typical mistakes, each named at its first
wrong intermediate. The example code is this project's own, so it runs here in the test process through the
child's own runner (grader_child.run); tests/teach/test_sandbox.py runs code in the real limited process."""

import sys

import pytest
import torch

from bnviz.teach import grader as G
from bnviz.teach import grader_child
from bnviz.teach import grader_examples as E
from bnviz.teach import sandbox as SB
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T

PROBES = G.default_probes(0)


def run_here(code: str, tmp_path, probes=PROBES) -> SB.RunResult:
    """What sandbox.run returns, without the child process: the child's runner called in this process."""
    path = tmp_path / "my_bn.py"
    path.write_text(code)
    job = {
        "code": str(path),
        "probes": [
            {"x": p.x.tolist(), "gamma": p.gamma.tolist(), "beta": p.beta.tolist(), "eps": p.eps, "dy": p.dy.tolist()}
            for p in probes
        ],
    }
    results = {"probes": []}
    try:
        grader_child.run(job, results)
    finally:
        sys.modules.pop("student_bn", None)
    return SB.RunResult("ok", results["probes"], results["framework"])


def grade(code: str, tmp_path, probes=PROBES) -> G.Report:
    return G.grade(probes, run_here(code, tmp_path, probes))


@pytest.mark.parametrize("label, first, code", E.EXAMPLES, ids=[label for label, _, _ in E.EXAMPLES])
def test_each_example_is_named_at_its_first_wrong_intermediate(label, first, code, tmp_path):
    report = grade(code, tmp_path)
    assert report.complete
    if first is None:
        assert report.passed and report.first is None
        assert {r.key for r in report.rows if r.status == G.AGREES} >= {"y", "dx", "dgamma", "dbeta", "dvar", "dmean"}
    else:
        assert report.first is not None and report.first.key == first, G.report_text(report)
        assert report.first.hint and not report.first.hint.startswith("The paper:"), (
            report.first.hint
        )  # a specific hint
        assert all(r.status != G.DIFFERS for r in report.rows[: report.rows.index(report.first)])


def test_the_six_mistakes_of_the_issue_are_all_examples():
    named = {label: first for label, first, _ in E.EXAMPLES}
    assert named["Mistake: the unbiased variance"] == "var"
    assert named["Mistake: the path through σ²_B is missing"] == "dvar"
    assert named["Mistake: the path through μ_B is missing"] == "dmean"
    assert named["Mistake: ε outside the square root"] == "x_hat"
    assert named["Mistake: statistics over the wrong axis"] == "mean"
    assert named["Mistake: γ applied before normalizing"] == "mean"


def test_hints_name_the_mistake(tmp_path):
    hints = {label: grade(code, tmp_path).first.hint for label, first, code in E.EXAMPLES if first}
    assert "m − 1" in hints["Mistake: the unbiased variance"]
    assert "no term through σ²_B" in hints["Mistake: the path through σ²_B is missing"]
    assert "no term through μ_B" in hints["Mistake: the path through μ_B is missing"]
    assert hints["Mistake: ε outside the square root"].startswith("ε is outside the square root")
    assert "Layer Normalization" in hints["Mistake: statistics over the wrong axis"]
    assert hints["Mistake: γ applied before normalizing"].startswith("γ is applied before normalizing")
    assert "axis 0" in hints["Mistake: ∂ℓ/∂β summed over the wrong axis"]
    assert "factor γ is missing" in hints["Mistake: γ missing from ∂ℓ/∂x̂"]


def test_the_numbers_side_by_side_are_the_students_and_the_papers(tmp_path):
    report = grade(E.EXAMPLES[2][2], tmp_path)  # the unbiased variance
    first = report.first
    m = PROBES[first.probe].x.shape[0]
    assert torch.allclose(first.yours, first.paper * m / (m - 1))
    rows = G.side_by_side(first)
    assert rows[0][0] == "feature 1" and float(rows[0][2]) == pytest.approx(first.paper[0].item(), rel=1e-5)
    text = G.report_text(report)
    assert "First difference: σ²_B, on the default toy batch." in text and "Hint: This is the unbiased variance" in text


def test_a_float32_pytorch_implementation_with_a_tuple_cache_passes(tmp_path):
    code = E.PAPER_TORCH.replace(
        "    mu = x.mean(0)", "    x = x.float(); gamma = gamma.float(); beta = beta.float()\n    mu = x.mean(0)"
    )
    code = code.replace(
        "    x, gamma, eps, mu, var, x_hat = cache\n",
        "    x, gamma, eps, mu, var, x_hat = cache\n    dy = dy.float()\n",
    )
    report = grade(code, tmp_path)
    assert report.run.framework == "PyTorch" and report.passed, G.report_text(report)
    sources = {r.key: r.source for r in report.rows}
    assert sources["mean"] == "your cache's entry #3" and sources["x_hat"] == "your cache's entry #5"


def test_a_positional_cache_entry_matching_a_typical_mistake_is_named(tmp_path):
    code = E.PAPER_TORCH.replace("var = x.var(0, unbiased=False)", "var = x.var(0)")
    report = grade(code, tmp_path)
    assert report.first.key == "var" and report.first.source == "your cache's entry #4"


def test_an_unnamed_cache_is_checked_through_y_and_says_how_to_name_it(tmp_path):
    code = E.PAPER_NUMPY.replace(
        'return y, {"x": x, "gamma": gamma, "eps": eps, "mu": mu, "var": var, "x_hat": x_hat}',
        'return y, {"x": x, "gamma": gamma, "eps": eps, "a": mu, "b": var, "c": x_hat}',
    )
    code = code.replace(
        'mu, var, x_hat = cache["mu"], cache["var"], cache["x_hat"]',
        'mu, var, x_hat = cache["a"], cache["b"], cache["c"]',
    )
    code = code.replace("x_hat = (x - mu) / np.sqrt(var + eps) ", "x_hat = (x - mu) / (np.sqrt(var) + eps)")
    report = grade(code, tmp_path)
    rows = {r.key: r for r in report.rows}
    assert rows["mean"].status == G.NOT_READ and "name it mu" in rows["mean"].source
    assert report.first.key == "y"


def test_the_paths_are_not_read_from_a_batch_of_fewer_than_four_rows(tmp_path):
    x = torch.tensor([[1.0, 2.0], [2.0, 0.0], [4.0, 1.0]], dtype=torch.float64)
    gamma, beta = T.default_affine(2)
    probe = G.toy_probe(x, gamma, beta, 1e-5, S.upstream_gradient("random w", x, 0))
    report = grade(E.PAPER_NUMPY, tmp_path, [probe])
    rows = {r.key: r for r in report.rows}
    assert rows["dvar"].status == G.NOT_READ and "fewer than 4 rows" in rows["dvar"].source
    assert rows["dx"].status == G.AGREES and report.passed


def test_a_run_that_stopped_early_grades_what_it_finished():
    out = {"y": {"shape": [6, 3], "values": PROBES[0].x.flatten().tolist()}, "cache": {}}
    report = G.grade(
        PROBES, SB.RunResult("raised", [out], "NumPy", {"type": "ValueError", "message": "boom", "where": ""})
    )
    assert not report.complete and not report.passed
    rows = {r.key: r for r in report.rows}
    assert rows["y"].status == G.DIFFERS and rows["dx"].status == G.NOT_READ
    assert "ValueError: boom" in G.report_text(report)
    empty = G.grade(PROBES, SB.RunResult("timeout", message="stopped"))
    assert all(r.status == G.NOT_READ for r in empty.rows) and "stopped" in G.report_text(empty)


def test_nan_and_wrong_shapes_are_differences_not_crashes(tmp_path):
    code = E.PAPER_NUMPY.replace("dbeta = dy.sum(axis=0) ", "dbeta = dy.sum(axis=0) * np.nan")
    assert grade(code, tmp_path).first.key == "dbeta"
    code = E.PAPER_NUMPY.replace("y = gamma * x_hat + beta ", "y = (gamma * x_hat + beta)[:2]")
    assert grade(code, tmp_path).first.key == "y"


@pytest.mark.parametrize(
    "address, loopback",
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("", False),
        (None, False),
        ("::", False),
        ("example.org", False),
    ],
)
def test_only_a_loopback_address_counts_as_loopback(address, loopback):
    assert SB.is_loopback(address) is loopback
