"""The "BN in practice" page in AppTest: one section per practice experiment, drawn from cached results."""

import experiment_pages
from experiment_pages import text_of
from practice_results import (
    after_ahead_before_wider,
    batch_result,
    eval_result,
    eval_trouble,
    momentum_result,
    position_result,
    slow_early_cumulative_late,
    small_batch_trouble,
)
from streamlit.testing.v1 import AppTest

from bnviz import experiments
from bnviz.runs import cache, jobs


def open_page(page: str = "pages/practice.py") -> AppTest:
    return experiment_pages.open_page(page, timeout=90)


def write(folder, payload, key):
    payload = {**payload, "key": key}
    cache.write_json_atomic(cache.result_path(folder, payload["experiment"], key), payload)


def test_an_empty_cache_gives_each_experiment_its_question_and_a_run_form(folder):
    at = open_page()
    assert at.title[0].value == "BN in practice"
    names = experiments.on_page("practice")
    assert [h.value for h in at.header] == [f"{i + 1}. {experiments.get(n).tab}" for i, n in enumerate(names)]
    markdown = text_of(at.markdown)
    for name in names:
        assert experiments.get(name).question in markdown
        assert f"python -m bnviz run {name}" in text_of(at.info)
    assert [b.label for b in at.button].count("Run") == len(names)
    assert all(r.options == ["synthetic (offline demo)"] for r in at.radio)
    # batch-size's arms run 234 to 15,000 steps: the steps asked for are the longest arm's
    assert at.number_input[0].label == "Training steps (the longest arm)" and at.number_input[0].value == 15_000
    assert at.number_input[2].label == "Training steps"
    assert not at.get("vega_lite_chart")


def test_cached_results_draw_charts_verdicts_advice_source_and_command(folder):
    write(folder, batch_result(small_batch_trouble), "hand0000000batch")
    write(folder, momentum_result(slow_early_cumulative_late), "hand000momentum")
    write(folder, position_result(after_ahead_before_wider), "hand000position")
    write(folder, eval_result(eval_trouble), "hand00trainevall")
    at = open_page()
    markdown = text_of(at.markdown)
    assert "In the MLP, BN falls behind the best normalization at small batches" in markdown
    assert "In the MLP, GN keeps level with the best arm where BN falls behind" in markdown
    assert "Over a batch of two, BN turns every unit into ±1" in markdown
    assert "Keep PyTorch's momentum 0.1" in markdown
    assert "With sigmoid units BN after the sigmoid ended ahead at its best rate" in markdown
    assert "no BN, LN and GN kept level there" in markdown
    assert "Forgetting model.eval() costs accuracy at test batches of 8: our runs support this" in markdown
    assert "Call model.eval() before testing" in markdown
    assert "? yes" not in markdown and "? no" not in markdown  # claims, never questions answered yes or no
    assert [s.value for s in at.subheader].count("What to do in your own code") == 4
    assert text_of(at.warning).count("Synthetic data") == 4  # every section says where its numbers come from
    assert [c.value for c in at.code].count("by hand") == 4  # and the command that made them
    charts = len(at.get("vega_lite_chart"))
    # batch size: the MLP at batch 2, the MLP and the CNN by batch; train-eval: modes, loss; momentum: accuracy, two
    # lags; position: accuracy by rate and over training, each per activation
    assert charts == 3 + 2 + 3 + 4
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("PNG") == labels.count("SVG") == charts
    assert "Nothing is cached" not in text_of(at.info)


def test_the_paper_s_page_keeps_only_the_paper_s_experiments(folder):
    at = open_page("pages/experiments.py")
    # its three experiments, then the tab that quotes the paper's ImageNet results
    assert len(at.tabs) == len(experiments.on_page("experiments")) + 1 == 4
    assert at.tabs[-1].label.startswith("The paper's ImageNet results")


def test_the_run_form_starts_the_cli_for_a_practice_experiment(folder, monkeypatch):
    started = []

    class Proc:
        pid = 999_999_999

    monkeypatch.setattr(jobs, "start", lambda request, cache_dir=None: started.append(request) or Proc())
    at = open_page()
    form = 1  # bn-momentum's form: the second section
    at.number_input[2 * form].set_value(40)
    at.number_input[2 * form + 1].set_value(1)
    [b for b in at.button if b.label == "Run"][form].click()
    at.run()
    assert not at.exception
    name = experiments.on_page("practice")[form]
    assert [r.argv() for r in started] == [["run", name, "--steps", "40", "--seeds", "0", "--synthetic"]]
    assert started[0].experiment().key() == experiments.resolve(name, 40, [0], synthetic=True).key()
