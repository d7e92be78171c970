"""The benchmark harness: contenders interleaved round by round, ratios and their spread per round."""

import pytest

from benchmarks.harness import Table, Times, compare, ratio_spread


def test_contenders_are_timed_interleaved_round_by_round():
    calls = []
    times = compare({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, inner=2, repeats=3, warmup=1)
    assert calls == ["a", "a", "b", "b"] + ["a", "a", "b", "b"] * 3  # warm-up, then A then B in every round
    assert set(times) == {"a", "b"} and len(times.samples["a"]) == 3


def test_ratio_is_of_medians_and_the_spread_is_of_per_round_ratios():
    times = Times({"ref": 1.0, "x": 2.0})
    times.samples = {
        "ref": [1.0, 1.0, 2.0, 1.0, 1.0],
        "x": [2.0, 2.2, 2.0, 1.8, 2.0],
    }  # round 3: the reference alone slowed
    assert ratio_spread(times, "x", "ref") == " (1.40-2.10)"
    table = Table()
    table.add("bench", times, "ref", "s")
    assert table.rows[1][3] == "2.00x (1.40-2.10)" and table.rows[0][3] == "1.00 (ref)"


def test_no_spread_without_enough_rounds():
    assert ratio_spread({"ref": 1.0, "x": 2.0}, "x", "ref") == ""


def small_arms(steps=300):
    from benchmarks import live as bench
    from bnviz.live import settings

    return settings.live_configs("mlp", bench.ARMS, seed=1, steps=steps, lr=0.3, synthetic=True)


def test_the_bare_torch_networks_have_each_arms_layers_and_parameter_count():
    from torch import nn

    from benchmarks import live as bench
    from bnviz.train.models import model_for

    kinds = []
    for config in small_arms():
        torch_net = bench.torch_mlp(config)
        kinds.append([type(m).__name__ for m in torch_net][:3])
        count = lambda m: sum(p.numel() for p in m.parameters())
        assert count(torch_net) == count(model_for(config)), config.norm
        assert isinstance(torch_net[-1], nn.Linear) and torch_net[-1].out_features == 10
    assert kinds == [
        ["Linear", "Sigmoid", "Linear"],
        ["Linear", "BatchNorm1d", "Sigmoid"],
        ["Linear", "Sigmoid", "BatchNorm1d"],
        ["Linear", "LayerNorm", "Sigmoid"],
    ]


def test_the_bare_torch_cnns_have_each_live_arms_layers_and_parameter_count():
    from torch import nn

    from benchmarks import live as bench
    from bnviz import data
    from bnviz.train.models import model_for

    configs = bench.cnn_arms(data.synthetic("cifar10", n_train=16, n_test=10))
    assert [c.norm for c in configs] == ["none", "bnviz"] and configs[0].eval_every == 2 * configs[0].probe_every
    for config, norm in zip(configs, (None, nn.BatchNorm2d)):
        torch_net = bench.torch_network(config)
        count = lambda m: sum(p.numel() for p in m.parameters())
        assert count(torch_net) == count(model_for(config)), config.norm
        block = [nn.Conv2d, nn.ReLU, nn.MaxPool2d] if norm is None else [nn.Conv2d, norm, nn.ReLU, nn.MaxPool2d]
        assert [type(m) for m in torch_net][: len(block)] == block


def test_the_bare_loop_trains_on_the_live_arms_batches_in_their_order(monkeypatch):
    from benchmarks import live as bench
    from bnviz import data
    from bnviz.live import comparison
    from bnviz.train import trainer

    seen = {"bare": [], "live": []}
    real = trainer.training_batch

    def spy(who):
        return lambda config, d, idx, generator=None: seen[who].append(idx.tolist()) or real(config, d, idx, generator)

    monkeypatch.setattr(bench, "training_batch", spy("bare"))
    monkeypatch.setattr(trainer, "training_batch", spy("live"))
    mnist = data.synthetic("mnist", n_train=600, n_test=100)
    config = small_arms()[1]
    bench.BareLoop(config, mnist).steps(3)
    lc = comparison.LiveComparison([config], mnist)
    while lc.runs[0]["step"] < 3:
        lc.advance(0.0)
    assert seen["bare"] == seen["live"][:3] and len(seen["bare"][0]) == config.batch_size


@pytest.mark.slow
def test_one_eval_interval_moves_every_arm_one_record_past_the_early_probes():
    from benchmarks import live as bench
    from bnviz import data
    from bnviz.live import comparison

    configs = small_arms(steps=300)  # probes every 100 steps, early ones at 1, 2, 5, 10, 20, 50
    lc = bench.past_early_probes(comparison.LiveComparison(configs, data.synthetic("mnist", n_train=600, n_test=100)))
    assert [r["step"] for r in lc.runs] == [100] * 4
    assert bench.one_eval_interval(lc) == 4 * 100 and [r["step"] for r in lc.runs] == [200] * 4


def test_subset_keeps_each_contenders_rounds_for_the_spread():
    from benchmarks import live as bench

    times = Times({"a": 1.0, "b": 2.0, "c": 3.0})
    times.samples = {"a": [1.0] * 4, "b": [2.0, 2.0, 4.0, 2.0], "c": [3.0] * 4}
    part = bench.subset(times, ["b", "a"])
    assert dict(part) == {"b": 2.0, "a": 1.0} and part.samples == {"b": times.samples["b"], "a": times.samples["a"]}
    assert ratio_spread(part, "b", "a") == " (2.00-3.50)"
