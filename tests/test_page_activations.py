"""The Activations page in AppTest: it renders, trains live on synthetic data, pauses, resumes and stops,
and opens a cached run. AppTest does not fire fragment timers, so every ``at.run()`` is one training tick."""
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from bnviz.experiments import spec
from bnviz.runs import cache
from bnviz import data
from bnviz import experiments
from bnviz.runs.runner import _data_fields
from bnviz.runs.version import code_version
from bnviz.train.trainer import train

ROOT = Path(__file__).resolve().parent.parent
CHARTS_MLP = 3 + 2 + 3  # a histogram per hidden layer, Figure 1(b,c)'s two panels, saturation, accuracy, loss


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """An empty data folder (so live runs use synthetic data) and an empty cache."""
    data_dir, cache_dir = tmp_path / "data", tmp_path / "cache"
    data_dir.mkdir()
    cache_dir.mkdir()
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(data_dir))
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(cache_dir))
    return data_dir, cache_dir


@pytest.fixture(scope="module")
def cached_result(tmp_path_factory):
    """A cache file as the runner writes it: mnist-fig1 on synthetic data, 40 steps, seeds 0 and 1.

    Trained in this process: the runner's worker processes each import torch, which takes longer
    than the whole page test on a busy two-core machine (tests/test_cli_cache.py covers the runner).
    """
    folder = tmp_path_factory.mktemp("cache")
    exp = experiments.get("mnist-fig1").with_overrides(steps=40, seeds=[0, 1], dataset="synthetic-mnist")
    dataset = data.load("synthetic-mnist")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the runner does; two threads on a busy machine are many times slower
    try:
        runs = [{"arm": arm.label, "seed": seed, "config": cfg.to_dict(), "status": "done", "step": cfg.steps,
                 "steps": cfg.steps, "records": list(train(cfg, dataset)), "wall_time": 1.0}
                for arm, seed, cfg in exp.runs()]
    finally:
        torch.set_num_threads(threads)
    payload = {"schema": cache.SCHEMA, "experiment": exp.name, "key": exp.key(), "status": "complete", "title": exp.title,
               "spec": exp.spec(), "runs": runs, "data": _data_fields(dataset.provenance), "command": "test",
               "code_version": code_version(), "created": "2026-01-01T00:00:00+00:00", "wall_time": 1.0}
    cache.write_json_atomic(cache.result_path(folder, exp.name, exp.key()), payload)
    return folder


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/activations.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list:
    return at.get("vega_lite_chart")


def click(at: AppTest, key: str) -> None:
    """Click a button whose handler calls st.rerun(), then run once more.

    AppTest starts every run in Streamlit's legacy pages/ mode (it resets the mode flag), where the
    page draws the router itself (pages/_ui.require_router); the rerun after st.rerun() goes through
    app.py instead, and widget ids differ between the two. The extra run leaves a tree whose ids
    the next interaction matches (a real server leaves legacy mode after its first run).
    """
    at.button(key=key).click().run()
    at.run()


def start(at: AppTest, steps: int) -> None:
    at.number_input(key="act_steps_mlp").set_value(steps)
    at.button(key="act_start").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_page_opens_on_live_training_when_the_cache_is_empty(folders):
    at = open_page()
    assert at.title[0].value == "Activations while training"
    assert "Figure 1(b,c)" in at.markdown[0].value
    assert at.button_group(key="act_source").value == "Train live"
    assert at.toggle(key="act_synth_mlp").value is True  # no MNIST files: synthetic by default
    assert not at.button(key="act_start").disabled and charts(at) == []


def test_live_run_advances_on_every_rerun_and_draws_every_view(folders):
    at = open_page()
    start(at, 100)
    lc = at.session_state["act_live"]
    assert lc.config.dataset == "synthetic-mnist" and lc.config.init_std == spec.MNIST.init_std
    progress = [lc.fraction]
    while not lc.done and len(progress) < 40:
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        progress.append(lc.fraction)
        if lc.running and lc.fraction < 1 and len(charts(at)) == CHARTS_MLP:
            assert at.toggle(key="act_step_live-follow").value is True
            assert at.get("download_button") == []  # none while the data changes every second
    assert lc.state == "done" and progress == sorted(progress) and progress[-1] == 1.0
    assert len(charts(at)) == CHARTS_MLP
    slider = at.select_slider(key="act_step_live")
    assert list(slider.options) == ["0", "1", "2", "5", "10", "20", "50", "100"] and slider.value == 100
    assert any("Synthetic data" in w.value for w in at.warning)
    assert len(at.get("download_button")) == 4
    at.run()  # the last tick ended in st.rerun(): see click()
    at.select_slider(key="act_step_live").set_value(5).run()
    assert "**layer1** at step 5" in [m.value for m in at.markdown]


def test_pause_keeps_state_resume_continues_and_stop_keeps_the_records(folders):
    at = open_page()
    start(at, 3000)
    at.run()
    lc = at.session_state["act_live"]
    click(at, "act_pause")
    assert lc.state == "paused"
    frozen = [len(r["records"]) for r in lc.runs]
    at.run()
    at.run()
    assert [len(r["records"]) for r in lc.runs] == frozen
    assert at.button(key="act_pause").label == "Resume"
    click(at, "act_pause")
    assert lc.running and sum(len(r["records"]) for r in lc.runs) > sum(frozen)
    click(at, "act_pause")
    assert lc.state == "paused"
    click(at, "act_stop")  # stop from a paused run
    assert lc.state == "stopped" and all(r["status"] == "stopped" for r in lc.runs)
    kept = [len(r["records"]) for r in lc.runs]
    at.run()
    assert [len(r["records"]) for r in lc.runs] == kept and 0 < lc.fraction < 1
    assert any("Stopped" in w.value for w in at.warning)
    assert "Stopped" in at.get("progress")[0].proto.text
    assert [b.key for b in at.button] == ["act_start"] and len(charts(at)) == CHARTS_MLP


def test_cached_run_opens_with_its_seeds_steps_and_data_label(cached_result, monkeypatch, tmp_path):
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(cached_result))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    at = open_page()
    assert at.button_group(key="act_source").value == "Open a cached run"
    assert at.selectbox(key="act_result").value.startswith("mnist-fig1: 40 steps, seeds 0, 1, synthetic data")
    assert any("Synthetic data" in w.value for w in at.warning)
    assert len(charts(at)) == CHARTS_MLP
    slider = at.select_slider(key="act_step_cached")
    assert list(slider.options)[:4] == ["0", "1", "2", "5"] and slider.value == 40
    assert any("mean over 2 seeds" in c.value for c in at.caption)
    seed = next(s for s in at.selectbox if s.label == "Seed")
    assert seed.options == ["0", "1"]
    seed.set_value(1)
    slider.set_value(0).run()
    assert not at.exception and "**layer2** at step 0" in [m.value for m in at.markdown]
    assert len(at.get("download_button")) == 4


def test_unreadable_cache_file_is_reported_not_raised(folders):
    _, cache_dir = folders
    (cache_dir / "mnist-fig1-0000.json").write_text("{not json")
    at = open_page()
    at.button_group(key="act_source").set_value("Open a cached run").run()
    assert not at.exception
    assert at.expander[0].label == "1 cache file(s) ignored"
    assert "No cached run with histograms" in at.info[0].value


def test_missing_real_data_says_how_to_get_it(folders):
    at = open_page()
    at.toggle(key="act_synth_mlp").set_value(False).run()
    assert "python -m bnviz download mnist" in at.info[0].value
    assert at.button(key="act_start").disabled


def test_cnn_choice_warns_that_it_is_slow_and_hides_the_init_std(folders):
    at = open_page()
    at.selectbox(key="act_model").set_value("cnn").run()
    assert not at.exception
    assert any("slow on a CPU" in w.value for w in at.warning)
    assert at.number_input(key="act_steps_cnn").value == 300
    assert all(b.key != "act_std" for b in at.button_group)
