"""The "Why does BN work?" page in AppTest: each experiment a section with its claim, setup, charts,
verdicts, data source, command and what it means; an empty cache offers the run form."""

import experiment_pages
from experiment_pages import text_of
from harness import APP, scaled
from streamlit.testing.v1 import AppTest
from why_results import depth_result, ics_result, landscape_result, lr_result, noisy_result

from bnviz import experiments
from bnviz.runs import cache


def open_page(page: str = "pages/why.py") -> AppTest:
    return experiment_pages.open_page(page, timeout=90)


def store(folder, result, key):
    result = {**result, "key": key, "schema": 1, "status": "complete", "created": "2026-12-01T21:00:00+00:00"}
    cache.write_json_atomic(cache.result_path(folder, result["experiment"], key), result)


def test_each_experiment_is_a_section_with_claim_setup_charts_verdicts_source_and_meaning(folder):
    store(folder, noisy_result(True, True), "hand000000000001")
    store(folder, lr_result(1.0, 0.955), "hand000000000002")
    store(folder, depth_result(6), "hand000000000003")
    store(folder, ics_result(False, bn_cos=0.98), "hand000000000004")  # more shift with BN by both measures
    store(folder, landscape_result(False), "hand000000000005")
    at = open_page()
    assert at.title[0].value == "Why does BN work?"
    names = experiments.on_page("why")
    assert [h.value for h in at.header] == [f"{i}. {experiments.get(n).tab}" for i, n in enumerate(names, 1)]
    assert f"1. [{experiments.get(names[0]).tab}](#{names[0]})" in text_of(at.markdown)  # the contents link to them
    markdown = text_of(at.markdown)
    for name in names:
        assert experiments.get(name).claim in markdown.replace("**The claim.** ", "")
    assert "Santurkar" in markdown and "Bjorck" in markdown and "arXiv:1806.02375" in markdown
    captions = text_of(at.caption)
    where = [e for e in at.expander if e.label.startswith("Where these numbers come from")]  # at each result's end
    assert len(where) == len(names)
    assert all(experiments.get(n).about in captions for n in names)
    assert text_of(at.subheader).count("What this means") == len(names) == 5
    assert (
        "As Santurkar et al. report" in markdown and "in every seed most of its advantage came from those" in markdown
    )
    assert "without normalization no rate learns at depths 6, 10 and 20" in markdown
    assert len(at.get("vega_lite_chart")) >= 5 + 1 + 3 + 3 + 3  # noisy; by rate; depth x3; ICS x2 + acc; landscape
    assert "BN's internal covariate shift was larger" in markdown and "read as overshoot" in markdown
    assert "G′ the same layer's gradient" in captions and "g = ∇L(θ)" in captions  # the symbols are defined
    assert "bnviz" not in markdown.replace("python -m bnviz", "")  # machine names stay out of what a reader sees
    assert text_of(at.warning).count("Synthetic data") == 5  # every result says where its data came from
    assert [c.value for c in at.code].count("by hand") == 5  # and the command that made it


def test_an_empty_cache_offers_each_experiments_command_and_run_form(folder):
    at = open_page()
    info = text_of(at.info)
    for name in experiments.on_page("why"):
        assert f"python -m bnviz run {name}" in info
    assert [b.label for b in at.button].count("Run") == len(experiments.on_page("why"))
    assert not at.get("vega_lite_chart")


def test_the_experiments_page_does_not_show_the_why_experiments(folder):
    at = AppTest.from_file(APP, default_timeout=scaled(90))
    at.run()
    at.switch_page("pages/experiments.py")
    at.run()
    assert not at.exception
    # its three experiments, then the tab quoting the paper's ImageNet results
    assert len(at.tabs) == len(experiments.on_page("experiments")) + 1 == 4
    assert not any(t.label == experiments.get(n).tab for t in at.tabs for n in experiments.on_page("why"))
