"""bnviz.live: one to four arms trained in step, pause / resume / stop, and the helpers the Activations page draws with."""

import math
import time

import pytest
import torch
from harness import scaled

from bnviz import data
from bnviz.experiments import spec
from bnviz.live import choices, comparison, settings
from bnviz.norms import NORMS
from bnviz.runs import cache
from bnviz.train.config import TrainConfig
from bnviz.train.trainer import train
from bnviz.views import activations, records


@pytest.fixture(scope="module")
def mnist_like():
    return data.synthetic("mnist", n_train=600, n_test=200, seed=0)


def small(**kw) -> TrainConfig:
    base = dict(
        dataset="synthetic-mnist",
        steps=40,
        batch_size=30,
        lr=0.5,
        eval_every=20,
        probe_every=20,
        probe_size=100,
        seed=3,
    )
    return TrainConfig(**{**base, **kw})


def arms(config: TrainConfig, *kinds) -> list[TrainConfig]:
    """One config per arm: ``"none"``, ``"bnviz"``, ``("bnviz", "after")``, ... (default: no BN and BN)."""
    kinds = kinds or ("none", "bnviz")
    return [settings.arm_config(config, choices.arm_of_choice(k)) for k in kinds]


def without_time(records):
    return [{k: v for k, v in r.items() if not k.startswith("time/")} for r in records]


def run_to_end(lc, budget=0.0, limit=200):
    for _ in range(limit):
        if lc.done:
            return
        lc.advance(budget)
    raise AssertionError(f"not done after {limit} advances: {lc.state}")


def test_arms_differ_only_in_norm_and_are_labelled_like_the_cache(mnist_like):
    lc = comparison.LiveComparison(arms(small()), mnist_like)
    assert [r["arm"] for r in lc.runs] == ["no BN", "BN"]
    assert [r["config"]["norm"] for r in lc.runs] == ["none", "bnviz"]
    a, b = (dict(r["config"], norm=None) for r in lc.runs)
    assert a == b and all(r["seed"] == 3 for r in lc.runs)


def test_interleaved_records_equal_sequential_training(mnist_like):
    """Alternating two generators must not change either run (each seeds its own model and batches)."""
    lc = comparison.LiveComparison(arms(small()), mnist_like)
    run_to_end(lc)
    for run in lc.runs:  # one torch thread, as the comparison trained
        expected = list(train(TrainConfig.from_dict(run["config"]), mnist_like))
        assert without_time(run["records"]) == without_time(expected)


def test_advance_pulls_from_the_arm_that_is_behind(mnist_like):
    lc = comparison.LiveComparison(arms(small()), mnist_like)
    while not lc.done:
        assert lc.advance(0.0) == 1  # a zero budget still makes progress: exactly one step or one record
        steps = [r["step"] for r in lc.runs]
        assert 0 <= steps[0] - steps[1] <= 1  # the arms take turns step by step; ties go to "no BN" first


def test_finished_run_is_done_with_full_progress(mnist_like):
    lc = comparison.LiveComparison(arms(small()), mnist_like)
    assert lc.fraction == 0.0 and lc.running and not lc.done
    run_to_end(lc, budget=10.0)
    assert lc.state == "done" and lc.done and lc.fraction == 1.0
    assert all(r["status"] == "done" and r["records"][-1]["step"] == 40 for r in lc.runs)
    assert lc.advance(10.0) == 0


def test_pause_keeps_state_and_resume_continues(mnist_like):
    lc = comparison.LiveComparison(arms(small()), mnist_like)
    lc.advance(0.0)
    lc.advance(0.0)
    lc.pause()
    before = [list(r["records"]) for r in lc.runs]
    assert lc.state == "paused" and not lc.done
    assert lc.advance(10.0) == 0 and [r["records"] for r in lc.runs] == before
    lc.resume()
    assert lc.running and lc.advance(0.0) == 1
    run_to_end(lc)
    assert lc.state == "done"


def test_stop_keeps_what_was_trained_and_labels_it_stopped(mnist_like):
    lc = comparison.LiveComparison(arms(small(steps=200)), mnist_like)
    for _ in range(4):
        lc.advance(0.0)
    kept = [len(r["records"]) for r in lc.runs]
    lc.stop()
    assert lc.state == "stopped" and lc.done and 0 < lc.fraction < 1
    assert [r["status"] for r in lc.runs] == ["stopped", "stopped"]
    assert [len(r["records"]) for r in lc.runs] == kept and lc.advance(10.0) == 0
    lc.resume()  # a stopped run cannot be resumed
    assert lc.state == "stopped"


def test_a_crash_becomes_a_message_not_an_exception(mnist_like):
    lc = comparison.LiveComparison(arms(small(batch_size=1000)), mnist_like)  # more than the 600 training examples
    lc.advance(1.0)
    assert lc.state == "failed" and lc.done
    assert "batch_size 1000" in lc.error and lc.error.startswith("no BN")


@pytest.mark.slow  # a fresh process importing torch
def test_torch_threads_are_set_once_per_process_never_around_an_advance(mnist_like, monkeypatch):
    from bnviz.live import threads

    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    threads.use_training_threads.cache_clear()
    try:
        for _ in range(2):
            run_to_end(comparison.LiveComparison(arms(small()), mnist_like))
        assert calls == [threads.TORCH_THREADS]  # by the first comparison of the process, and by nothing after
    finally:
        threads.use_training_threads.cache_clear()  # the next caller sets the real thread count


def test_test_size_evaluates_on_the_first_examples(mnist_like):
    lc = comparison.LiveComparison(arms(small()), mnist_like, test_size=50)
    assert lc.test_examples == 50
    lc.advance(0.0)
    acc = lc.runs[0]["records"][0]["test/acc"]
    assert acc * 50 == pytest.approx(round(acc * 50))  # a multiple of 1/50
    assert comparison.LiveComparison(arms(small()), mnist_like, test_size=10_000).test_examples == 200


def test_a_live_cnn_evaluates_the_first_test_images_in_chunks_at_every_other_probe(monkeypatch):
    from bnviz.train import modes, record

    chunks = []
    real = record.evaluate

    def spy(model, config, x, y, chunk=modes.EVAL_CHUNK):
        chunks.append((len(y), chunk))
        return real(model, config, x, y, chunk)

    monkeypatch.setattr(record, "evaluate", spy)
    cifar = data.synthetic("cifar10", n_train=64, n_test=300, seed=0)
    configs = settings.live_configs(
        "cnn", choices.DEFAULT_ARMS, 0, 40, lr=0.05, synthetic=True, channels=(4,), batch_size=8
    )
    choice = choices.CHOICES["cnn"]
    lc = comparison.LiveComparison(configs, cifar, test_size=200)
    run_to_end(lc)
    evaluated = [r["step"] for r in lc.runs[1]["records"] if "test/acc" in r]
    assert evaluated == [0, 20, 40] and lc.config.probe_every == 10  # steps 10 and 30 are probed only
    assert "conv1/running_mean_lag" in lc.runs[1]["records"][-1]
    assert set(chunks) == {(200, choice.eval_chunk)} and choice.eval_chunk < modes.EVAL_CHUNK
    assert choices.CHOICES["mlp"].eval_chunk == modes.EVAL_CHUNK  # the MLP's whole subset in one pass


def test_steps_per_second_counts_every_arm_over_the_training_time(mnist_like):
    lc = comparison.LiveComparison(arms(small()), mnist_like)
    assert lc.steps_per_second is None
    run_to_end(lc)
    assert sum(r["step"] for r in lc.runs) == 2 * 40
    assert lc.steps_per_second == pytest.approx(2 * 40 / lc.train_seconds)


def test_live_config_takes_the_experiments_defaults_and_scales_probes():
    mlp = settings.live_config("mlp", seed=1, steps=3000, lr=spec.MNIST_LR, init_std=0.01, synthetic=True)
    assert mlp.dataset == "synthetic-mnist" and mlp.init_std == 0.01 and mlp.batch_size == spec.MNIST.batch_size
    assert mlp.probe_every == mlp.eval_every == 100 and mlp.early_probes and mlp.probe_size == 500
    assert settings.live_config("mlp", 0, 20_000, 0.3).probe_every == 500  # about 40 stops, not 200
    cnn = settings.live_config("cnn", seed=0, steps=300, lr=spec.CIFAR.lr, init_std=0.01)
    assert cnn.dataset == "cifar10" and cnn.init_std is None and cnn.momentum == spec.CIFAR.momentum
    # a test-set evaluation at every other probe
    assert cnn.probe_every == 10 and cnn.eval_every == 20 and cnn.probe_size == 64
    with pytest.raises(ValueError, match="steps must be a positive"):
        settings.live_config("mlp", 0, 0, 0.3)
    with pytest.raises(ValueError, match="model must be one of"):
        settings.live_config("rnn", 0, 100, 0.3)


def test_every_offered_learning_rate_includes_the_experiment_default():
    assert spec.MNIST.lr in choices.CHOICES["mlp"].lrs and spec.CIFAR.lr in choices.CHOICES["cnn"].lrs
    assert choices.INIT_STDS == (0.01, 0.1, 1.0)


@pytest.mark.parametrize("x, expected", [(0.3, 1), (1, 1), (1.5, 2), (3, 5), (7.5, 10), (75, 100), (101, 200)])
def test_nice_ceil(x, expected):
    assert choices.nice_ceil(x) == expected


def fake_run(arm, steps, status="done", seed=0):
    recs = [
        {
            "step": s,
            "layer1/hist": [1, 2],
            "layer1/p15": -s,
            "layer1/p50": 0.0,
            "layer1/p85": 2 * s,
            "layer1/mean": 0.0,
            "layer1/std": 1.0,
            "layer1/saturation": s / 100,
        }
        for s in steps
    ]
    return {"arm": arm, "seed": seed, "status": status, "config": {"model": "mlp", "steps": 10}, "records": recs}


def test_a_diverged_arm_does_not_hold_the_slider_back():
    runs = [fake_run("no BN", [0, 1, 2], status="diverged"), fake_run("BN", [0, 1, 2, 5, 10])]
    assert activations.slider_steps(runs) == [0, 1, 2, 5, 10]
    assert activations.slider_steps([fake_run("no BN", [0, 1, 2]), fake_run("BN", [0, 1, 2, 5])]) == [0, 1, 2]


def test_saturation_at_and_the_shared_percentile_range():
    runs = [fake_run("no BN", [0, 5]), fake_run("BN", [0, 5]), fake_run("BN", [0, 5], seed=1)]
    runs[2]["records"][1]["layer1/saturation"] = 0.99
    assert activations.saturation_at(records.layer_stats(runs), 5) == {"layer1": {"no BN": 0.05, "BN": 0.05}}
    lo, hi = activations.percentile_domain(records.percentiles(runs, "layer1"))
    assert lo < -5 < 10 < hi and math.isclose(hi - 10, -5 - lo)
    assert activations.percentile_domain(records.percentiles([], "layer1")) is None


def test_histograms_at_has_every_layer_for_the_csv():
    runs = [fake_run("no BN", [0]), fake_run("BN", [0])]
    df = activations.histograms_at(runs, ["layer1"], 0, [0.0, 1.0, 2.0])
    assert set(df["arm"]) == {"no BN", "BN"} and set(df["layer"]) == {"layer1"} and len(df) == 4


def test_cached_choices_keep_only_results_with_histograms(tmp_path):
    with_hist, curves_only = tmp_path / "mnist-fig1-a.json", tmp_path / "lr-sweep-b.json"
    for p in (with_hist, curves_only):
        p.write_text("{}")
    fig1 = {
        "title": "Figure 1",
        "created": "2026-01-02T03:04:05",
        "data": {"label": "MNIST", "source": "official"},
        "runs": [fake_run("no BN", [0, 5], seed=1), fake_run("BN", [0, 5], seed=0)],
    }
    sweep = {"runs": [{"arm": "BN", "seed": 0, "config": {"model": "mlp", "steps": 10}, "records": [{"step": 0}]}]}
    scan = cache.Scan(results={"mnist-fig1": [(with_hist, fig1)], "lr-sweep": [(curves_only, sweep)]}, problems=[])
    (choice,) = activations.cached_choices(scan)
    assert choice["experiment"] == "mnist-fig1" and choice["seeds"] == [0, 1] and choice["activation"] == "sigmoid"
    assert choice["path"] == str(with_hist) and choice["steps"] == 10
    assert choice["label"] == "mnist-fig1: 10 steps, seeds 0, 1, official data (2026-01-02 03:04)"


FOUR = ("none", "bnviz", ("bnviz", "after"), "layer")


def test_four_arms_are_labelled_by_their_configs_and_share_the_first_batch(mnist_like, monkeypatch):
    from bnviz.train import trainer

    first_batches = {}
    real = trainer.training_batch

    def spy(config, data, idx, generator=None):
        first_batches.setdefault((config.norm, config.norm_position), idx.tolist())
        return real(config, data, idx, generator)

    monkeypatch.setattr(trainer, "training_batch", spy)
    lc = comparison.LiveComparison(arms(small(), *FOUR), mnist_like)
    assert [r["arm"] for r in lc.runs] == ["no BN", "BN", "BN after sigmoid", "LN"]
    assert [(r["config"]["norm"], r["config"]["norm_position"]) for r in lc.runs] == [
        ("none", "before"),
        ("bnviz", "before"),
        ("bnviz", "after"),
        ("layer", "before"),
    ]
    for _ in range(8):  # step 0, then step 1 of each arm
        lc.advance(0.0)
    assert len(first_batches) == 4
    batches = list(first_batches.values())
    assert all(b == batches[0] for b in batches) and len(batches[0]) == 30  # the same 30 examples, in order
    other = comparison.LiveComparison(arms(small(seed=4), "none"), mnist_like)
    first_batches.clear()
    other.advance(0.0), other.advance(0.0)
    assert first_batches[("none", "before")] != batches[0], "another seed draws another batch"


@pytest.mark.slow  # trains every arm twice, interleaved and alone (test_interleaved_records_equal_sequential_training stays fast)
def test_four_interleaved_arms_train_exactly_as_each_alone(mnist_like):
    lc = comparison.LiveComparison(arms(small(), *FOUR), mnist_like)
    while not lc.done:
        assert lc.advance(0.0) == 1
        steps = [r["step"] for r in lc.runs]
        assert max(steps) - min(steps) <= 1 and steps == sorted(steps, reverse=True)
    assert lc.state == "done" and lc.fraction == 1.0
    for run in lc.runs:  # one torch thread, as the comparison trained
        expected = list(train(TrainConfig.from_dict(run["config"]), mnist_like))
        assert without_time(run["records"]) == without_time(expected)
    probe = [[r["layer1/hist"] for r in run["records"] if r["step"] == 0] for run in lc.runs]
    # with BN after the sigmoid, layer1's sigmoid input is W u + b with the same initial W as without BN:
    # at step 0 the two arms' first histograms agree only if both probed the same examples
    assert probe[0] == probe[2] and probe[0] != probe[1]


def test_a_one_arm_comparison_trains_to_the_end(mnist_like):
    lc = comparison.LiveComparison([small(norm="layer")], mnist_like)
    run_to_end(lc)
    (run,) = lc.runs
    assert run["arm"] == "LN" and run["status"] == "done" and lc.state == "done" and lc.fraction == 1.0
    assert run["records"][-1]["step"] == 40 and "layer1/update_ratio" in run["records"][-1]


def test_an_arm_that_diverges_ends_alone_and_the_others_go_on(mnist_like):
    configs = [small(norm="bnviz"), small(norm="none", lr=1e38, init_std=5.0), small(norm="layer")]
    lc = comparison.LiveComparison(configs, mnist_like)
    run_to_end(lc)
    assert [r["status"] for r in lc.runs] == ["done", "diverged", "done"] and lc.state == "done"
    diverged = lc.runs[1]["records"][-1]
    assert diverged["status"] == "diverged" and diverged["step"] < 40
    assert [r["records"][-1]["step"] for r in (lc.runs[0], lc.runs[2])] == [40, 40]
    assert activations.slider_steps(lc.runs)[-1] == 40 and lc.error is None


def test_arms_that_do_not_share_the_data_order_or_repeat_are_refused(mnist_like):
    with pytest.raises(ValueError, match="same seed"):
        comparison.LiveComparison([small(norm="none"), small(norm="bnviz", seed=4)], mnist_like)
    with pytest.raises(ValueError, match="same batch_size"):
        comparison.LiveComparison([small(norm="none"), small(norm="bnviz", batch_size=20)], mnist_like)
    with pytest.raises(ValueError, match="same config"):
        comparison.LiveComparison([small(), small()], mnist_like)
    with pytest.raises(ValueError, match="1 to 4 arms"):
        comparison.LiveComparison(arms(small(), *FOUR, "group"), mnist_like)
    two = comparison.LiveComparison([small(norm="bnviz"), small(norm="bnviz", lr=3.0)], mnist_like)
    assert [r["arm"] for r in two.runs] == ["BN (1)", "BN (2)"]  # names stay apart; colours follow the configs


def test_a_bad_combination_is_a_sentence_that_names_the_setting_to_change():
    with pytest.raises(settings.SettingsError) as caught:
        settings.live_configs("mlp", choices.DEFAULT_ARMS, seed=0, steps=100, lr=0.3, batch_size=1, synthetic=True)
    (problem,) = caught.value.problems  # the no-BN arm trains on batches of one; BN cannot
    assert problem.arm == "BN" and "batch_size must be at least 2" in problem.sentence
    assert problem.culprits == ("batch_size",)
    assert "BN: batch_size must be at least 2" in str(caught.value)
    with pytest.raises(settings.SettingsError) as caught:
        settings.live_configs("mlp", [("layer", "after"), "none"], 0, 100, lr=0.3, norm_eps=0.0, dropout=1.5)
    assert {p.culprits for p in caught.value.problems} == {("norm_eps",), ("dropout",)}
    assert {p.arm for p in caught.value.problems} == {"LN after sigmoid", "no BN"}
    with pytest.raises(settings.SettingsError, match="the same network"):
        settings.live_configs("mlp", ["bnviz", ("bnviz", "before")], 0, 100, lr=0.3)
    with pytest.raises(settings.SettingsError, match="1 to 4 arms"):
        settings.live_configs("mlp", [], 0, 100, lr=0.3)


def test_live_configs_build_each_arm_from_the_page_settings():
    cfgs = settings.live_configs(
        "mlp",
        [("none", "after"), ("bnviz", "after"), "renorm"],
        seed=2,
        steps=500,
        lr=1e-3,
        synthetic=True,
        depth=6,
        width=32,
        activation="tanh",
        optimizer="adam",
        norm_momentum=0.3,
        norm_eps=1e-3,
        affine=False,
        dropout=0.1,
    )
    assert [(c.norm, c.norm_position) for c in cfgs] == [("none", "before"), ("bnviz", "after"), ("renorm", "before")]
    assert [settings.arm_label(c) for c in cfgs] == ["no BN", "BN after tanh", "BRN"]
    for c in cfgs:
        assert (c.depth, c.width, c.activation, c.optimizer, c.momentum, c.lr) == (6, 32, "tanh", "adam", 0.0, 1e-3)
        assert (c.norm_momentum, c.norm_eps, c.affine, c.dropout, c.seed) == (0.3, 1e-3, False, 0.1, 2)
    cnn = settings.live_configs("cnn", choices.DEFAULT_ARMS, 0, 100, lr=1e-3, optimizer="adam", channels=(8, 16))
    assert all(c.momentum == 0.0 and c.channels == (8, 16) for c in cnn)  # the CNN's SGD momentum is dropped
    assert len(choices.arm_choices()) == 2 * len(NORMS) - 1  # every kind before, every normalization after too


def test_spread_picks_the_first_last_and_evenly_spaced_layers():
    layers = [f"layer{i}" for i in range(1, 21)]
    assert activations.spread(layers, 4) == ["layer1", "layer7", "layer14", "layer20"]
    assert activations.spread(layers[:3], 4) == layers[:3]


def test_gradient_histograms_zoom_to_filled_bins_and_report_the_first_bin_apart():
    import pandas as pd

    edges = [-12.0, -11.0, -10.0, -9.0, -8.0, -7.0, -6.0]
    rows = []
    for arm, counts in (("no BN", [5, 0, 0, 3, 2, 0]), ("BN", [0, 0, 0, 0, 4, 1])):
        rows += [
            {"arm": arm, "bin_left": a, "bin_right": b, "count": c} for a, b, c in zip(edges[:-1], edges[1:], counts)
        ]
    df = pd.DataFrame(rows)
    assert activations.occupied_domain(df, pad_bins=1) == [-10.0, -6.0]  # bins -9..-7 filled, the first left out
    assert activations.first_bin_share(df) == {"no BN": 0.5, "BN": 0.0}
    assert activations.occupied_domain(df[df["bin_left"] == -12.0]) is None


def test_a_long_probe_interval_is_trained_one_step_per_turn_so_stop_waits_one_step(mnist_like, monkeypatch):
    from bnviz.train import trainer

    trained = []  # one entry per training step of any arm
    real = trainer.training_batch
    monkeypatch.setattr(trainer, "training_batch", lambda *args: trained.append(args[0].norm) or real(*args))
    lc = comparison.LiveComparison(
        arms(small(steps=400, probe_every=200, eval_every=200, early_probes=False)), mnist_like
    )
    lc.advance(0.0), lc.advance(0.0)  # each arm's record of step 0
    for _ in range(30):
        before = len(trained)
        assert lc.advance(0.0) == 1 and len(trained) == before + 1  # one step of one arm, never a probe interval
    lc.stop()
    assert trained == ["none", "bnviz"] * 15 and [r["step"] for r in lc.runs] == [15, 15]
    assert lc.state == "stopped" and lc.fraction == 30 / 800 and [len(r["records"]) for r in lc.runs] == [1, 1]


@pytest.mark.slow  # trains every arm twice, interleaved and alone (test_interleaved_records_equal_sequential_training stays fast)
def test_arms_that_draw_random_numbers_train_exactly_as_each_alone(mnist_like):
    """Dropout and noisy BN draw from torch's generator; each arm keeps its own state of it across turns."""
    lc = comparison.LiveComparison([small(dropout=0.2), small(norm="noisy", dropout=0.2)], mnist_like)
    run_to_end(lc)
    for run in lc.runs:
        expected = list(train(TrainConfig.from_dict(run["config"]), mnist_like))
        assert without_time(run["records"]) == without_time(expected)


def test_a_background_thread_trains_to_the_end_as_advance_would(mnist_like):
    from bnviz.live import background, threads

    lc = comparison.LiveComparison(arms(small()), mnist_like)
    torch.set_num_threads(2)  # what another thread set last: the training thread keeps its own count all the same
    bg = background.Background(lc)
    bg.join(timeout=scaled(120))
    assert lc.state == "done" and not bg.alive and lc.seconds_left == 0
    torch.set_num_threads(threads.TORCH_THREADS)  # this thread's count, for the oracle
    for run in lc.runs:
        expected = list(train(TrainConfig.from_dict(run["config"]), mnist_like))
        assert without_time(run["records"]) == without_time(expected)


def test_pause_and_stop_from_another_thread_take_effect_after_the_step_in_flight(mnist_like):
    from bnviz.live import background

    lc = comparison.LiveComparison(arms(small(steps=100_000, probe_every=50_000, eval_every=50_000)), mnist_like)
    bg = background.Background(lc)
    wait_for(lambda: sum(r["step"] for r in lc.runs) > 20)
    lc.pause()
    with lc._lock:  # the step in flight has ended
        trained = [r["step"] for r in lc.runs]
    time.sleep(0.3)
    assert [r["step"] for r in lc.runs] == trained and bg.alive
    lc.resume()
    wait_for(lambda: sum(r["step"] for r in lc.runs) > sum(trained) + 10)
    lc.stop()  # returns once the step in flight has ended: nothing trains after it
    stopped = [r["step"] for r in lc.runs]
    bg.join(timeout=scaled(30))
    assert not bg.alive and lc.state == "stopped" and [r["step"] for r in lc.runs] == stopped
    assert all(r["status"] == "stopped" for r in lc.runs)


def test_an_unwatched_run_waits_and_an_abandoned_one_stops(mnist_like):
    from bnviz.live import background

    now = [0.0]
    lc = comparison.LiveComparison(arms(small(steps=100_000, probe_every=50_000, eval_every=50_000)), mnist_like)
    bg = background.Background(lc, clock=lambda: now[0])
    wait_for(lambda: sum(r["step"] for r in lc.runs) > 4)
    now[0] = background.UNWATCHED  # nobody has drawn it for that long
    wait_for(lambda: bg.idle)  # the slice in flight has ended
    idle = [r["step"] for r in lc.runs]
    time.sleep(0.3)
    assert [r["step"] for r in lc.runs] == idle and lc.running and bg.alive and bg.idle
    now[0] = background.UNWATCHED - 1  # the page drew it again: training goes on
    wait_for(lambda: sum(r["step"] for r in lc.runs) > sum(idle))
    now[0] = background.ABANDONED
    bg.join(timeout=scaled(30))
    assert lc.state == "stopped" and not bg.alive


def test_seconds_left_are_the_steps_to_go_at_the_rate_so_far(mnist_like):
    lc = comparison.LiveComparison(arms(small()), mnist_like)
    assert lc.seconds_left is None
    while sum(r["step"] for r in lc.runs) < 40:
        lc.advance(0.0)
    assert lc.seconds_left == pytest.approx((80 - sum(r["step"] for r in lc.runs)) / lc.steps_per_second)


def wait_for(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + scaled(seconds)
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
