"""The Activations page's presets in AppTest: a preset with a recording replays it at once (play, pause,
scrub, speed, the line saying it is a replay and its command, "Train it live" one click away); one without
a recording trains live. The replay's clock is the page's ``_replay.now``, set by each test."""

import os
import re
from pathlib import Path

import pytest
from harness import scaled
from recordings import train_runs, write_result
from streamlit.testing.v1 import AppTest

from bnviz import data, experiments
from bnviz.views import replay
from pages import _replay

ROOT = Path(__file__).resolve().parents[2]
PRESET = "replay-paper-mlp"
COMMAND = "python -m bnviz run replay-paper-mlp --synthetic --steps 40 --seeds 0"


@pytest.fixture(scope="session")
def recording(tmp_path_factory):
    """A cache folder holding a 40-step recording of the paper's-MLP preset on synthetic MNIST, and a
    shorter mnist-fig1 (what the page opens on). Once per test process: pytest-xdist's work stealing can run
    other files' tests between this file's, which made a module-scoped fixture train again."""
    folder = tmp_path_factory.mktemp("cache")
    exp = experiments.get(PRESET).with_overrides(steps=40, seeds=[0], dataset="synthetic-mnist")
    dataset = data.load("synthetic-mnist")
    write_result(folder, exp, train_runs(exp, dataset), dataset, "2026-01-01T00:00:00+00:00", command=COMMAND)
    fig1 = experiments.get("mnist-fig1").with_overrides(steps=10, seeds=[0], dataset="synthetic-mnist")
    write_result(folder, fig1, train_runs(fig1, dataset), dataset, "2026-01-02T00:00:00+00:00")  # the page's default
    return folder


@pytest.fixture
def clock(monkeypatch):
    """The replay's time, in seconds, as the test sets it."""
    t = [1000.0]
    monkeypatch.setattr(_replay, "now", lambda: t[0])
    return t


@pytest.fixture
def page(recording, clock, monkeypatch, tmp_path):
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(recording))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))  # no real data: a live run is synthetic
    at = open_page()
    yield at
    if "act_live" in at.session_state:
        at.session_state["act_live"].lc.stop()  # its thread ends after the step in flight


def open_page() -> AppTest:
    """Home, then a click to Activations, in a new session."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=scaled(60))
    at.run()
    at.switch_page("pages/activations.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def choose(at: AppTest, name: str) -> None:
    at.button_group(key="act_preset").set_value(name).run()
    assert not at.exception, [e.value for e in at.exception]


def status(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith(("**Playing**", "**Paused**")))


def test_a_preset_with_a_recording_replays_it_at_once_from_the_first_step(page):
    at = page
    assert "(live)" not in at.button_group(key="act_preset").format_func(PRESET)
    choose(at, PRESET)
    assert at.button_group(key="act_source").value == "Replay a recorded run"
    assert at.selectbox(key="act_result").value.startswith(f"{PRESET}: 40 steps, seeds 0, synthetic data")
    line = next(c.value for c in at.caption if "A replay of a recorded run" in c.value)
    assert "not training now" in line and "40 steps" in line
    assert at.code[0].value == COMMAND  # the command that recorded it, shown literally
    assert at.button(key="act_play").label == "Pause"  # playing
    assert status(at).startswith("**Playing** · step 0 of 40")
    assert "**layer1** at step 0" in [m.value for m in at.markdown]
    assert any("Synthetic data" in w.value for w in at.warning)


def test_opening_a_replay_reads_each_file_once(recording, clock, monkeypatch, tmp_path):
    """The replay takes its runs from the folder's scan (read and checked once, shared with Home's warm-up),
    not from a second reading of the same file: on the project's cache that second reading and its checks
    cost about 0.4 s of the page's first draw."""
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(recording))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    from bnviz.runs import cache

    reads = []
    real = cache.load_result
    monkeypatch.setattr(cache, "load_result", lambda path: reads.append(Path(path).name) or real(path))
    cache._scan_of.cache_clear()
    at = open_page()
    assert any(c.value.startswith("**Paused**") or c.value.startswith("**Playing**") for c in at.caption)
    assert sorted(reads) == sorted(p.name for p in recording.glob("*.json")), reads


def test_a_rerun_at_the_same_step_derives_no_table_again(page, clock, monkeypatch):
    """A click that changes nothing shown (a paused replay, another control) reuses the tables the views were
    drawn from: a rerun of the 50,000-step replay derived them all again (about 0.15 s of its 0.3 s)."""
    from bnviz.views import records

    at = page
    at.button_group(key=_replay.SPEED).set_value(10).run()  # at the last step, paused
    assert status(at).startswith("**Paused** · step")
    derived = []
    for name in ("curves", "layer_stats", "percentiles"):
        real = getattr(records, name)
        monkeypatch.setattr(records, name, lambda *a, real=real, name=name: derived.append(name) or real(*a))
    charts = [c.proto.spec for c in at.get("vega_lite_chart")]
    at.run()
    assert not at.exception and derived == [] and [c.proto.spec for c in at.get("vega_lite_chart")] == charts
    at.select_slider(key=_replay.SCRUB).set_value(0).run()  # another step: the tables so far, derived anew
    assert {"curves", "layer_stats", "percentiles"} <= set(derived)


def test_a_second_session_draws_a_recording_with_the_specs_the_first_converted(recording, clock, monkeypatch, tmp_path):
    """A recorded run's charts are converted once per server: a new tab (or the presenter view's session)
    draws them from the shared specs; a file recorded again under the same name is converted again."""
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(recording))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    from pages import _chart_specs

    converted = []
    real = _chart_specs.vega_spec
    monkeypatch.setattr(_chart_specs, "vega_spec", lambda chart: converted.append(1) or real(chart))
    _chart_specs._shared.clear()

    first = open_page()
    assert converted, "the replay drew no chart"
    n = len(converted)
    second = open_page()
    assert len(converted) == n
    assert len(second.get("arrow_vega_lite_chart")) == len(first.get("arrow_vega_lite_chart"))
    newest = max(recording.glob("mnist-fig1-*.json"))
    os.utime(newest, ns=(newest.stat().st_atime_ns, newest.stat().st_mtime_ns + 10**9))
    open_page()
    assert len(converted) > n


def test_a_replay_plays_at_its_speed_pauses_scrubs_and_stops_at_the_last_step(page, clock):
    at = page
    choose(at, PRESET)
    frames = replay.Clock(tuple(at.session_state[_replay.CLOCK].clock.frames), 1).frames
    assert frames[0] == 0 and frames[-1] == 40
    at.button_group(key=_replay.SPEED).set_value(10).run()
    clock[0] += 0.35  # three and a half frames at 10 a second
    at.run()  # a timer tick of the fragment
    assert status(at).startswith(f"**Playing** · step {frames[3]:,} of 40")
    at.button(key="act_play").click().run()  # Pause
    assert at.button(key="act_play").label == "Play" and status(at).startswith(f"**Paused** · step {frames[3]:,}")
    clock[0] += 100
    at.run()
    assert status(at).startswith(f"**Paused** · step {frames[3]:,}")  # paused: time does not move it
    at.select_slider(key=_replay.SCRUB).set_value(frames[1]).run()
    assert status(at).startswith(f"**Paused** · step {frames[1]:,}")
    assert f"**layer1** at step {frames[1]:,}" in [m.value for m in at.markdown]
    at.button(key="act_play").click().run()  # Play from the scrubbed step
    clock[0] += len(frames) / 10  # past the end
    at.run()  # the tick that reaches the end pauses the clock and redraws the page
    at.run()
    assert at.button(key="act_play").label == "Play"
    assert status(at).startswith("**Paused** · step 40 of 40")
    assert "**layer3** at step 40" in [m.value for m in at.markdown]


def test_train_it_live_trains_the_presets_networks_now(page):
    at = page
    choose(at, PRESET)
    at.button(key="act_train_live").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button_group(key="act_source").value == "Train live"
    lc = at.session_state["act_live"].lc
    exp = experiments.get(PRESET)
    assert [(c.norm, c.lr, c.activation, c.depth) for c in lc.configs] == [
        (a.config.norm, a.config.lr, a.config.activation, a.config.depth) for a in exp.arms
    ]
    assert lc.config.dataset == "synthetic-mnist" and {b.key for b in at.button} >= {"act_pause", "act_stop"}


def test_a_preset_without_a_recording_trains_live_and_says_so(page):
    at = page
    assert at.button_group(key="act_preset").format_func("replay-depth-10").endswith("(live)")
    choose(at, "replay-depth-10")
    assert at.button_group(key="act_source").value == "Train live"
    assert any("No recording of **10 sigmoid layers**" in i.value and "trains live" in i.value for i in at.info)
    lc = at.session_state["act_live"].lc
    assert [c.depth for c in lc.configs] == [10, 10] and [c.norm for c in lc.configs] == ["none", "bnviz"]
    assert at.slider(key="act_depth").value == 10  # the controls show what trains


def test_the_presenter_view_shows_the_replay_chosen_and_the_normal_view_gets_it_back(page):
    at = page
    choose(at, PRESET)
    label = at.selectbox(key="act_result").value
    at.toggle(key="act_present").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params.get("present") == "1" and at.title[0].value == "Each layer's input"
    assert any(f"a replay of {PRESET}" in c.value for c in at.caption) and at.button(key="act_play")
    next(b for b in at.button if b.label == "Next").click().run()
    assert at.title[0].value.startswith("Figure 1(b,c)") and at.query_params.get("slide") == "2"
    at.toggle(key="act_present").set_value(False).run()
    assert not at.exception and "present" not in at.query_params
    assert at.selectbox(key="act_result").value == label  # the same recording, not the page's default


def open_link(recording, params: dict) -> AppTest:
    """A fresh session opening the Activations page from a pasted link."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=scaled(60))
    at.run()
    at.switch_page("pages/activations.py")
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_paused_replay_is_in_the_url_and_a_pasted_link_reopens_it_exactly(page, recording, clock):
    at = page
    choose(at, PRESET)
    at.button(key="act_play").click().run()  # pause
    at.select_slider(key=_replay.SCRUB).set_value(20).run()
    assert status(at).startswith("**Paused** · step 20 of 40")
    link = dict(at.query_params)
    assert {k: link[k][0] if isinstance(link[k], list) else link[k] for k in ("recording", "seed", "step")} == {
        "recording": PRESET,
        "seed": "0",
        "step": "20",
    }
    fresh = open_link(recording, {"recording": PRESET, "seed": "0", "step": "20"})
    assert fresh.selectbox(key="act_result").value == at.selectbox(key="act_result").value
    assert fresh.selectbox(key="act_replay_seed").value == 0
    assert status(fresh).startswith("**Paused** · step 20 of 40")
    assert fresh.button(key="act_play").label == "Play"
    assert not fresh.warning or all("link" not in w.value for w in fresh.warning)


def test_a_link_with_what_the_page_cannot_show_falls_back_and_says_so(recording, clock, monkeypatch, tmp_path):
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(recording))
    monkeypatch.setenv("BNVIZ_DATA_DIR", str(tmp_path))
    at = open_link(recording, {"recording": PRESET, "seed": "7", "step": "x"})
    warning = re.sub(r"\\(.)", r"\1", next(w.value for w in at.warning if "This link asked" in w.value))
    assert "seed=7 (this recording has seeds 0)" in warning and "step=x" in warning
    assert at.selectbox(key="act_result").value.startswith(PRESET)  # what it could use, it used
    gone = open_link(recording, {"recording": "no-such-run", "seed": "1", "step": "abc"})
    warning = re.sub(r"\\(.)", r"\1", next(w.value for w in gone.warning if "This link asked" in w.value))
    assert "recording=no-such-run" in warning and "seed=1 (of that recording)" in warning and "step=abc" in warning
    assert gone.selectbox(key="act_result").value.startswith("mnist-fig1")  # the page's default


def test_live_settings_are_in_the_url_and_a_pasted_link_sets_the_same_widgets(page, recording):
    at = page
    at.button_group(key="act_source").set_value("Train live").run()
    at.slider(key="act_depth").set_value(10).run()
    at.select_slider(key="act_width").set_value(64).run()
    at.multiselect(key="act_arms").select(at.multiselect(key="act_arms").options[-1]).run()  # an arm after g
    assert not at.exception, [e.value for e in at.exception]
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert link["live"] == "1" and link["depth"] == "10" and link["width"] == "64" and "lr" not in link
    fresh = open_link(recording, link)
    assert fresh.button_group(key="act_source").value == "Train live"
    for key in ("act_depth", "act_width", "act_arms", "act_activation_mlp", "act_lr_mlp_sgd"):
        assert fresh.session_state[key] == at.session_state[key], key
    assert not [w for w in fresh.warning if "This link asked" in w.value]
    bad = open_link(recording, {"live": "1", "width": "7", "arms": "none,nonsense", "lr": "9"})
    warning = re.sub(r"\\(.)", r"\1", next(w.value for w in bad.warning if "This link asked" in w.value))
    assert "width=7 (choose one of 8, 16, 32" in warning
    assert bad.session_state["act_width"] == 100 and bad.session_state["act_lr_mlp_sgd"] == 9.0  # 9 is offered


def test_the_view_options_are_in_the_url_and_a_pasted_link_sets_them(page, recording):
    at = page
    layout = next(b.key for b in at.button_group if b.key and b.key.startswith("act_layout_"))
    axis, mode = layout.replace("layout", "axis"), layout.replace("layout", "mode")
    at.button_group(key=layout).set_value("side").run()
    at.button_group(key=axis).set_value("log").run()
    at.button_group(key=mode).set_value("eval").run()
    assert not at.exception, [e.value for e in at.exception]
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert (link["layout"], link["axis"], link["mode"]) == ("side", "log", "eval")
    fresh = open_link(recording, link)
    assert [fresh.session_state[k] for k in (layout, axis, mode)] == ["side", "log", "eval"]
    assert not [w for w in fresh.warning if "This link asked" in w.value]
    at.button_group(key=layout).set_value("overlay").run()  # back at the default: gone from the link
    assert "layout" not in dict(at.query_params)
    bad = open_link(recording, {"layout": "grid", "axis": "log", "layers": "layer9"})
    warning = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in bad.warning if "view options" in w.value))
    assert "layout=grid (choose one of overlay, side)" in warning
    assert "layers (this run draws all its layers: layer1, layer2, layer3)" in warning
    assert bad.session_state[layout] == "overlay" and bad.session_state[axis] == "log"


@pytest.mark.slow  # records a 10-layer run first
def test_a_deep_run_s_layers_drawn_are_in_the_url(tmp_path, monkeypatch):
    exp = experiments.get("replay-depth-10").with_overrides(steps=10, seeds=[0], dataset="synthetic-mnist")
    dataset = data.load("synthetic-mnist")
    write_result(tmp_path, exp, train_runs(exp, dataset), dataset, "2026-01-01T00:00:00+00:00")  # 10 layers
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path))
    at = open_link(tmp_path, {"recording": "replay-depth-10", "layers": "layer2,layer9,nolayer"})
    picked = next(m for m in at.multiselect if m.key and m.key.startswith("act_layers_"))
    assert picked.value == ["layer2", "layer9"]
    warning = re.sub(r"\\(.)", r"\1", next(w.value for w in at.warning if "view options" in w.value))
    assert "layers=nolayer (this run's layers are layer1, layer2" in warning
    picked.set_value(["layer1", "layer2", "layer9"]).run()
    assert dict(at.query_params)["layers"] in ("layer1,layer2,layer9", ["layer1,layer2,layer9"])
