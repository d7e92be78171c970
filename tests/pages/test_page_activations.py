"""The Activations page in AppTest: it renders, trains one to four arms live on synthetic data with the
network and training chosen on the page, pauses, resumes and stops, shows bad settings as errors, and
replays a recorded run. A live run trains in a thread of its own (bnviz.live.background); AppTest does not
fire fragment timers, so every ``at.run()`` is one redraw, and tests wait for the thread between them."""

import json
import time
from pathlib import Path

import pytest
from harness import scaled
from recordings import train_runs, write_result
from streamlit.testing.v1 import AppTest

from bnviz import data, experiments
from bnviz.experiments import spec as exp_spec
from bnviz.live import choices
from bnviz.views import probe_modes
from pages import _chart_specs

ROOT = Path(__file__).resolve().parents[2]
# per hidden layer an input and a gradient histogram, Figure 1(b,c)'s panel per arm, x̂ beside y, and over the
# run accuracy, loss, saturation, gradient norms and update:data ratios
CHARTS_MLP = 3 * 2 + 2 + 1 + 5
NO_GRADIENT_YET = 3  # at step 0 each layer's gradient histogram is a caption


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """An empty data folder (so live runs use synthetic data) and an empty cache."""
    data_dir, cache_dir = tmp_path / "data", tmp_path / "cache"
    data_dir.mkdir()
    cache_dir.mkdir()
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(data_dir))
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(cache_dir))
    return data_dir, cache_dir


@pytest.fixture(scope="session")
def mnist_result():
    """mnist-fig1 on synthetic data, 40 steps, seeds 0 and 1: (experiment, runs, dataset).

    Trained in this process: the runner's worker processes each import torch, which takes longer
    than the whole page test on a busy two-core machine (tests/runs/test_cli_cache.py covers the runner).
    Once per test process (as the folders below): pytest-xdist's work stealing can run other files' tests
    between this file's, which made a module-scoped fixture train again.
    """
    exp = experiments.get("mnist-fig1").with_overrides(steps=40, seeds=[0, 1], dataset="synthetic-mnist")
    dataset = data.load("synthetic-mnist")
    return exp, train_runs(exp, dataset), dataset


@pytest.fixture(scope="session")
def cached_result(tmp_path_factory, mnist_result):
    """A cache folder holding mnist-fig1 as the runner writes it."""
    folder = tmp_path_factory.mktemp("cache")
    write_result(folder, *mnist_result, created="2026-01-01T00:00:00+00:00")
    return folder


@pytest.fixture(scope="session")
def two_results(tmp_path_factory, mnist_result):
    """mnist-fig1 and, cached a month later, a 4-step cifar10-cnn on a tiny synthetic CIFAR-10."""
    folder = tmp_path_factory.mktemp("cache2")
    write_result(folder, *mnist_result, created="2026-01-01T00:00:00+00:00")
    exp = experiments.get("cifar10-cnn").with_overrides(
        steps=4, seeds=[0], dataset="synthetic-cifar10", batch_size=16, probe_size=8
    )
    dataset = data.synthetic("cifar10", n_train=64, n_test=16)
    write_result(folder, exp, train_runs(exp, dataset), dataset, created="2026-02-01T00:00:00+00:00")
    return folder


def legacy_records(run: dict) -> list[dict]:
    """A run's records as the trainer wrote them before it probed in training mode: a BN run's eval-mode
    fields under <layer>/... (tests/test_probe_views.py checks eval_record), and no x̂, gradient histograms
    or update ratios (they came later still)."""
    later = ("x_hat", "/grad_hist", "/update_ratio")
    records = run["records"] if not probe_modes.has_bn(run) else [probe_modes.eval_record(r) for r in run["records"]]
    return [{k: v for k, v in r.items() if not any(f in k for f in later)} for r in records]


@pytest.fixture(scope="module")
def legacy_result(tmp_path_factory, mnist_result):
    folder = tmp_path_factory.mktemp("legacy")
    exp, runs, dataset = mnist_result
    write_result(
        folder,
        exp,
        [{**run, "records": legacy_records(run)} for run in runs],
        dataset,
        created="2025-12-01T00:00:00+00:00",
    )
    return folder


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=scaled(60))
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


def live(at: AppTest):
    """The page's live comparison (trained by the Background in session state)."""
    return at.session_state["act_live"].lc


def finish(at: AppTest, lc, seconds: float = 120) -> list[float]:
    """Redraw the page until the live run is done (the thread trains meanwhile); its fraction at each redraw."""
    deadline, progress = time.monotonic() + scaled(seconds), [lc.fraction]
    while not lc.done:
        assert time.monotonic() < deadline, "the live run did not finish"
        time.sleep(0.05)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        progress.append(lc.fraction)
    at.run()  # the tick that saw the end asked for a full rerun (see click())
    at.run()
    return progress


def wait(at: AppTest, condition, seconds: float = 60) -> None:
    """Redraw the page (the live run trains while someone watches) until ``condition()`` holds."""
    deadline = time.monotonic() + scaled(seconds)
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
        at.run()


def settle(at: AppTest, seconds: float = 30) -> None:
    """Wait until the training thread idles: the step in flight when Pause was pressed has ended."""
    bg, deadline = at.session_state["act_live"], time.monotonic() + scaled(seconds)
    while not bg.idle:
        assert time.monotonic() < deadline, "the training thread did not pause"
        time.sleep(0.01)


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


@pytest.mark.slow
def test_live_run_advances_on_every_rerun_and_draws_every_view(folders):
    at = open_page()
    start(at, 100)
    lc = live(at)
    assert lc.config.dataset == "synthetic-mnist" and lc.config.init_std == exp_spec.MNIST.init_std
    progress = finish(at, lc)
    assert lc.state == "done" and progress == sorted(progress) and progress[-1] == 1.0
    assert len(charts(at)) == CHARTS_MLP
    text = at.get("progress")[0].proto.text  # the wall-clock rate the room saw, drawing included
    assert f"{lc.steps_per_second:,.1f} steps/s here, all arms together, probes, evaluations and drawing" in text
    slider = at.select_slider(key="act_step_live")
    assert list(slider.options) == ["0", "1", "2", "5", "10", "20", "50", "100"] and slider.value == 100
    assert any("Synthetic data" in w.value for w in at.warning)
    assert len(at.get("download_button")) == 4
    at.select_slider(key="act_step_live").set_value(5).run()
    assert "**layer1** at step 5" in [m.value for m in at.markdown]


@pytest.mark.slow
def test_a_run_that_ends_just_after_its_records_are_copied_is_shown_at_its_last_step(folders, monkeypatch):
    """A redraw copies the runs, then asks whether training goes on. A run that ended in between was drawn as
    ended at the copy's last step, and the step slider kept that step for good (CI, 2026-12-07: step 50 of 100).
    Here the training thread is let finish right after one copy is taken."""
    from bnviz.live import comparison

    copy = comparison.LiveComparison.snapshot
    stalled = []

    def snapshot(self):
        runs = copy(self)
        if not stalled and not self.done and len(runs[0]["records"]) >= 3:  # steps 0, 1 and 2 so far
            stalled.append(runs[0]["records"][-1]["step"])
            deadline = time.monotonic() + scaled(120)
            while not self.done:  # the thread trains to the end before this copy is drawn
                assert time.monotonic() < deadline, "the live run did not finish"
                time.sleep(0.05)
        return runs

    monkeypatch.setattr(comparison.LiveComparison, "snapshot", snapshot)
    at = open_page()
    start(at, 100)
    finish(at, live(at))
    assert stalled and stalled[0] < 100, "a copy was drawn after the run ended"
    assert at.select_slider(key="act_step_live").value == 100
    assert "**layer1** at step 100" in [m.value for m in at.markdown]


@pytest.mark.slow
def test_pause_keeps_state_resume_continues_and_stop_keeps_the_records(folders):
    at = open_page()
    start(at, 3000)
    at.run()
    lc = live(at)
    click(at, "act_pause")
    assert lc.state == "paused"  # set by the button's callback, before the page is drawn again
    settle(at)
    frozen = [r["step"] for r in lc.runs]
    at.run()
    at.run()
    assert [r["step"] for r in lc.runs] == frozen
    assert at.button(key="act_pause").label == "Resume"
    click(at, "act_pause")
    assert lc.running
    wait(at, lambda: sum(r["step"] for r in lc.runs) > sum(frozen))
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


@pytest.mark.slow
def test_cached_run_opens_with_its_seeds_steps_and_data_label(cached_result, monkeypatch, tmp_path):
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(cached_result))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    at = open_page()
    assert at.button_group(key="act_source").value == "Replay a recorded run"
    assert at.selectbox(key="act_result").value.startswith("mnist-fig1: 40 steps, seeds 0, 1, synthetic data")
    assert any("Synthetic data" in w.value for w in at.warning)
    assert len(charts(at)) == CHARTS_MLP
    slider = at.select_slider(key="act_step_replay")
    assert list(slider.options)[:5] == ["0", "1", "2", "4", "6"] and slider.value == 40  # step 1, then every 2
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
    at.button_group(key="act_source").set_value("Replay a recorded run").run()
    assert not at.exception
    assert at.expander[0].label == "1 cache file(s) ignored"
    assert "No recorded run with histograms" in at.info[0].value


def test_missing_real_data_says_how_to_get_it(folders):
    at = open_page()
    at.toggle(key="act_synth_mlp").set_value(False).run()
    assert "download them with the command below" in at.info[0].value
    assert at.code[0].value.startswith("python -m bnviz download mnist --data-dir ")
    assert at.button(key="act_start").disabled


def test_cnn_choice_says_what_it_evaluates_on_and_its_speed_timed_here_and_hides_the_init_std(folders, monkeypatch):
    from bnviz.live import estimate

    monkeypatch.setattr(estimate, "step_seconds", lambda config, n: 0.2)  # what timing one step "measures"
    estimate._seconds_per_step.cache_clear()
    try:
        at = open_page()
        at.selectbox(key="act_model").set_value("cnn").run()
    finally:
        estimate._seconds_per_step.cache_clear()
    assert not at.exception
    note = next(c.value for c in at.caption if c.value.startswith("Test accuracy on"))
    assert note.startswith("Test accuracy on the first 500 test images every 20 steps; histograms on 64 training")
    # 300 steps of 2 arms at 0.2 s a step, timed here: no speed written into the code
    assert "takes about 0.2 s here (timed just now), so 300 steps of 2 arms take at least 2 minutes" in note
    assert "steps per second" not in note and not at.warning
    assert at.number_input(key="act_steps_cnn").value == 300
    assert all(b.key != "act_std" for b in at.button_group)


def live_note(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Test accuracy on"))


def test_a_long_probe_interval_is_announced_with_the_step_time_measured_here(folders, monkeypatch):
    from bnviz.live import estimate

    seconds = {"step": 0.001}  # what timing one step "measures"
    monkeypatch.setattr(estimate, "step_seconds", lambda config, n: seconds["step"])
    estimate._seconds_per_step.cache_clear()
    try:
        at = open_page()
        assert "Pause and Stop answer within one training step" in live_note(at) and "takes about" not in live_note(at)
        seconds["step"] = 2.0
        at.slider(key="act_depth").set_value(4).run()  # another network, timed anew
        note = live_note(at)
        # 100 steps between probes, 2 arms, 2 s a step: 400 s
        assert "one step of one arm takes about 2.0 s here" in note and "change about every 7 minutes" in note
    finally:
        estimate._seconds_per_step.cache_clear()


def spec(chart) -> dict:
    return json.loads(chart.proto.spec)


@pytest.mark.slow
def test_cached_page_opens_on_the_paper_run_and_names_the_figure_per_model(two_results, monkeypatch, tmp_path):
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(two_results))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    at = open_page()
    box = at.selectbox(key="act_result")
    assert box.options[0].startswith("cifar10-cnn"), "the CNN result is the newest"
    assert box.value.startswith("mnist-fig1"), "yet the page opens on the paper's MNIST run"
    assert "Figure 1(b,c): one sigmoid's input in layer3, the last hidden layer" in [h.value for h in at.subheader]
    assert any("The paper draws this for the same network on MNIST" in c.value for c in at.caption)
    box.set_value(box.options[0]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Figure 1(b,c)'s measurement on the CNN: one ReLU's input in fc1" in [h.value for h in at.subheader]
    assert any("Figure 1 is the MNIST network only" in c.value for c in at.caption)


def test_step_slider_starts_at_the_last_step_of_a_newly_chosen_result(two_results, monkeypatch, tmp_path):
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(two_results))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    at = open_page()
    at.select_slider(key="act_step_replay").set_value(2).run()
    assert "**layer1** at step 2" in [m.value for m in at.markdown]
    box = at.selectbox(key="act_result")
    box.set_value(box.options[0]).run()  # the CNN, which was probed at step 2 too
    assert at.select_slider(key="act_step_replay").value == 4
    assert "**conv1** at step 4" in [m.value for m in at.markdown]


def test_training_and_eval_mode_probes_and_the_views_beside_them(cached_result, monkeypatch, tmp_path):
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(cached_result))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    at = open_page()
    mode = at.button_group(key="act_mode_replay")
    assert mode.value == "train" and list(mode.options) == [probe_modes.LABELS["train"], probe_modes.LABELS["eval"]]
    moved = next(m.value for m in at.markdown if m.value.startswith("- From step 0 to "))
    assert "without BN" in moved and "with BN" in moved and "stay" not in moved
    assert not any("stays put" in m.value or "stay put" in m.value for m in at.markdown)
    at.select_slider(key="act_step_replay").set_value(0).run()
    assert any(c.value.startswith("BN saturated at step 0, training mode / eval mode: layer1 ") for c in at.caption)
    train_hist = charts(at)[0].proto.datasets[0].data.data  # the chart's data, as Arrow bytes
    titles = [spec(c).get("title") for c in charts(at)]
    assert "Gradient norm per layer" in [t.get("text") if isinstance(t, dict) else t for t in titles]
    assert any("pools every unit of its layer" in c.value and "end bins" in c.value for c in at.caption)
    at.button_group(key="act_mode_replay").set_value("eval").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(charts(at)) == CHARTS_MLP - NO_GRADIENT_YET
    assert charts(at)[0].proto.datasets[0].data.data != train_hist, "the BN histogram differs in eval mode"


def test_result_cached_before_training_mode_probes_opens_in_eval_mode_with_a_note(legacy_result, monkeypatch, tmp_path):
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(legacy_result))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    at = open_page()
    assert not at.exception, [e.value for e in at.exception]
    assert any("recorded before bnviz probed the BN network in training mode" in i.value for i in at.info)
    assert all(b.key != "act_mode_replay" for b in at.button_group)
    assert any("x̂, the BN unit before γ and β, was not recorded" in c.value for c in at.caption)
    assert any("recorded before bnviz kept gradient histograms" in c.value for c in at.caption)
    assert any("Update:data ratios were not recorded" in c.value for c in at.caption)
    assert len(charts(at)) == CHARTS_MLP - 1 - NO_GRADIENT_YET - 1  # no x̂, no gradient histograms, no ratios


def titled(at: AppTest, text: str) -> list[dict]:
    """The specs of the charts whose title contains ``text``."""
    specs = [spec(c) for c in charts(at)]
    return [
        s
        for s in specs
        if text in str(s.get("title", "")) or any(text in str(x.get("title", "")) for x in s.get("layer", []))
    ]


@pytest.mark.slow
def test_live_panels_of_both_arms_span_the_planned_steps(folders):
    at = open_page()
    start(at, 100)
    wait(at, lambda: len(titled(at, "percentiles 15, 50 and 85")) == 2)  # the first probe of both arms
    panels = titled(at, "percentiles 15, 50 and 85")
    for p in panels:
        assert all(layer["encoding"]["x"]["scale"]["domain"] == [0, 100] for layer in p["layer"])


def choose_arms(at: AppTest, *arms: choices.ArmChoice) -> None:
    at.multiselect(key="act_arms").set_value(list(arms)).run()
    assert not at.exception, [e.value for e in at.exception]


def colour_scale(chart_spec: dict) -> dict:
    """The arm -> colour mapping of a chart (from its first layer that encodes colour)."""
    for layer in [chart_spec, *chart_spec.get("layer", [])]:
        scale = layer.get("encoding", {}).get("color", {}).get("scale")
        if scale and "domain" in scale:
            return dict(zip(scale["domain"], scale["range"]))
    return {}


@pytest.mark.slow
def test_three_arms_on_a_deeper_tanh_network_train_live_and_draw_every_view(folders):
    at = open_page()
    assert at.multiselect(key="act_arms").value == list(choices.DEFAULT_ARMS)  # the paper's no BN vs BN
    choose_arms(at, choices.ArmChoice("none"), choices.ArmChoice("bnviz"), choices.ArmChoice("bnviz", "after"))
    at.slider(key="act_depth").set_value(5).run()
    at.button_group(key="act_activation_mlp").set_value("tanh").run()
    start(at, 100)
    lc = live(at)
    assert [(c.norm, c.norm_position, c.depth, c.activation) for c in lc.configs] == [
        ("none", "before", 5, "tanh"),
        ("bnviz", "before", 5, "tanh"),
        ("bnviz", "after", 5, "tanh"),
    ]
    finish(at, lc)
    assert lc.state == "done" and [r["status"] for r in lc.runs] == ["done"] * 3
    # five layers: four drawn (first, last and two between), each with its input and gradient histogram
    layers = at.multiselect(key="act_layers_live_5")
    assert layers.value == ["layer1", "layer2", "layer4", "layer5"]
    assert "**layer4** at step 100" in [m.value for m in at.markdown]
    assert len(charts(at)) == 4 * 2 + 3 + 1 + 5
    hist = colour_scale(spec(charts(at)[0]))
    assert hist == {"no BN": "#1f77b4", "BN": "#d62728", "BN after tanh": "#801718"}  # by config, a darker BN
    assert any("BN after tanh" in c.value and "Saturated" in c.value for c in at.caption)
    assert titled(at, "BN: unit 0 before and after γ, β")  # x̂ is the BN arm's: after tanh, x̂ is not its input
    assert any("3x100 sigmoid network on MNIST over 50,000 steps; this network differs" in c.value for c in at.caption)
    (ratio,) = titled(at, "Update:data ratio per layer")
    rule = next(layer for layer in ratio["layer"] if layer["mark"]["type"] == "rule")
    assert rule["mark"]["strokeDash"] and ratio["layer"][0]["encoding"]["y"]["field"] == "update_ratio"
    accuracy = titled(at, "Test accuracy")[0]
    assert set(colour_scale(accuracy)) == {"no BN", "BN", "BN after tanh"}


@pytest.mark.slow
def test_view_options_side_by_side_histograms_and_a_log_step_axis(folders):
    at = open_page()
    choose_arms(at, choices.ArmChoice("bnviz"), choices.ArmChoice("renorm"))
    start(at, 100)
    lc = live(at)
    finish(at, lc)
    assert len(charts(at)) == CHARTS_MLP
    at.button_group(key="act_layout_live").set_value("side").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(charts(at)) == CHARTS_MLP + 3 * 2  # one panel per arm: two per histogram instead of one
    panels = [spec(c) for c in charts(at)[:2]]
    assert [list(colour_scale(p)) for p in panels] == [["BN"], ["BRN"]]
    y_max = [p["layer"][0]["encoding"]["y"]["scale"]["domain"] for p in panels]
    assert y_max[0] == y_max[1], "side-by-side panels share their y-axis"
    at.button_group(key="act_axis_live").set_value("log").run()
    assert not at.exception, [e.value for e in at.exception]
    (ratio,) = titled(at, "Update:data ratio per layer")
    assert ratio["layer"][0]["encoding"]["x"]["scale"] == {"domain": [0, 100], "type": "symlog"}
    for panel in titled(at, "percentiles 15, 50 and 85"):
        assert all(layer["encoding"]["x"]["scale"]["type"] == "symlog" for layer in panel["layer"])
    x_hat = at.selectbox(key="act_xhat_live")  # both arms normalize with batch statistics: x̂ of either
    assert x_hat.options == ["BN", "BRN"] and titled(at, "BN: unit 0 before and after γ, β")
    x_hat.set_value("BRN").run()
    assert titled(at, "BRN: unit 0 before and after γ, β") and not titled(at, "BN: unit 0 before")


def test_a_bad_combination_is_an_error_with_a_hint_and_start_waits(folders):
    at = open_page()
    at.number_input(key="act_batch_mlp").set_value(1).run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    text = error.value.replace("\\", "")  # the sentence is shown literally (Markdown escaped)
    assert "batch_size must be at least 2 with BN" in text and "**BN**" in text
    assert "Change **Batch size** (at its default, 60, this trains)" in text
    assert at.button(key="act_start").disabled
    choose_arms(at, choices.ArmChoice("none"), choices.ArmChoice("layer"))  # neither needs a batch of two
    assert not at.error and not at.button(key="act_start").disabled


def test_adam_replaces_momentum_and_offers_its_own_learning_rates(folders):
    at = open_page()
    assert at.select_slider(key="act_momentum_mlp").value == 0.0
    at.button_group(key="act_opt_mlp").set_value("adam").run()
    assert not at.exception, [e.value for e in at.exception]
    assert all(s.key != "act_momentum_mlp" for s in at.select_slider)
    lr = at.select_slider(key="act_lr_mlp_adam")
    assert lr.value == 1e-3 and 0.3 not in lr.options
    at.toggle(key="act_affine").set_value(False).run()
    start(at, 100)
    configs = live(at).configs
    assert all(c.optimizer == "adam" and c.lr == 1e-3 and c.momentum == 0.0 and not c.affine for c in configs)


@pytest.mark.slow
def test_a_control_change_reuses_every_chart_and_a_new_step_rebuilds_only_its_histograms(folders):
    at = open_page()
    start(at, 100)
    lc = live(at)
    finish(at, lc)
    specs = at.session_state[_chart_specs.CHART_SPECS]
    kept = list(specs)
    at.slider(key="act_depth").set_value(5).run()  # a setting for the next run: nothing drawn changes
    assert not at.exception and list(at.session_state[_chart_specs.CHART_SPECS]) == kept
    # A timer tick while training may have drawn step 50 when it was the newest: forget those specs, so the
    # step is one the page has not drawn (on a slow machine more ticks land on intermediate steps).
    for k in [k for k in specs if 50 in k]:
        del specs[k]
    kept = list(specs)
    assert not [k for k in at.session_state[_chart_specs.CHART_SPECS] if 50 in k]  # the page's own store, not a copy
    at.select_slider(key="act_step_live").set_value(50).run()
    new = [k for k in at.session_state[_chart_specs.CHART_SPECS] if k not in kept]
    assert len(new) == 3 * 2 and all(50 in k for k in new)  # each layer's input and gradient histogram


def path_of(node, kind: str, path: tuple = ()) -> tuple | None:
    """Where the first element of ``kind`` sits in AppTest's tree: the indices a browser places it by."""
    for i, child in getattr(node, "children", {}).items():
        if getattr(child, "type", None) == kind:
            return (*path, i)
        if (found := path_of(child, kind, (*path, i))) is not None:
            return found
    return None


@pytest.mark.slow
def test_the_live_views_keep_their_place_when_the_run_ends(folders):
    """Pause and Stop go when the run ends. Their slot stays, so the end state's rerun draws the progress line and
    the charts where the ticks drew them. One place up, a browser kept the last tick's drawing beside the new one
    until the rerun finished (CI, 2026-12-07: two "Done" lines at once)."""
    at = open_page()
    start(at, 3000)
    lc = live(at)
    at.run()
    assert lc.running and [b.key for b in at.button][:2] == ["act_pause", "act_stop"]
    while_training = path_of(at._tree, "progress")
    lc.stop()
    finish(at, lc)
    assert [b.key for b in at.button] == ["act_start"]
    assert while_training is not None and path_of(at._tree, "progress") == while_training
