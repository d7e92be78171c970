"""The incremental trainer: records, determinism, divergence, probes; and the models it trains."""

import copy
import math

import pytest
import torch
from torch import Tensor, nn

from bnviz import data as datasets
from bnviz.norms.batch_norm import BatchNorm1d, BatchNorm2d
from bnviz.train import probes
from bnviz.train.batches import Batches, training_batch
from bnviz.train.config import TrainConfig
from bnviz.train.models import CifarCNN, MnistMLP, build_model, model_for
from bnviz.train.modes import evaluate
from bnviz.train.record import probe, record_steps
from bnviz.train.trainer import Progress, train


@pytest.fixture(scope="module")
def mnist_like():
    return datasets.synthetic("mnist", n_train=600, n_test=200, seed=0)


@pytest.fixture(scope="module")
def cifar_like():
    return datasets.synthetic("cifar10", n_train=96, n_test=40, seed=0)


def small(**kw):
    base = dict(
        dataset="synthetic-mnist", steps=60, batch_size=30, lr=0.5, eval_every=20, probe_every=20, probe_size=100
    )
    base.update(kw)
    return TrainConfig(**base)


def without_time(records):
    return [{k: v for k, v in r.items() if not k.startswith("time/")} for r in records]


def test_mlp_matches_section_4_1():
    plain, bn = MnistMLP(norm="none"), MnistMLP(norm="bnviz")
    assert [lin.in_features for lin in plain.linears] == [784, 100, 100]
    assert [lin.out_features for lin in plain.linears] == [100, 100, 100] and plain.out.out_features == 10
    assert all(lin.bias is not None for lin in plain.linears)
    assert all(lin.bias is None for lin in bn.linears), "a layer BN follows needs no bias (β replaces it)"
    assert all(isinstance(n, BatchNorm1d) for n in bn.norms)
    assert all(isinstance(n, nn.BatchNorm1d) for n in MnistMLP(norm="torch").norms)
    logits, pre = bn.forward_probed(torch.rand(7, 784))
    assert logits.shape == (7, 10) and [p.shape for p in pre] == [(7, 100)] * 3


@pytest.mark.parametrize("norm", ["none", "bnviz", "torch"])
def test_mlp_on_lit_pixels_matches_the_dense_binary_images(mnist_like, norm):
    """The first layer as a sum of lit pixels' weight columns is W u + b (to float32 summation order)."""
    torch.manual_seed(0)
    model = build_model("mlp", norm)
    for linear in model.linears:
        if linear.bias is not None:
            nn.init.normal_(linear.bias)  # the init's zero biases would hide a missing + b
    model.train()
    model(datasets.mnist_inputs(mnist_like.train_x[:60], binarize=True))  # running stats away from (0, 1)
    x = mnist_like.test_x[:50].clone()
    x[0] = 0  # a blank image: no lit pixel, so its first layer is the bias alone
    model.eval()
    with torch.no_grad():
        dense_logits, dense_pre = model.forward_probed(datasets.mnist_inputs(x, binarize=True))
        lit_logits, lit_pre = model.forward_probed(datasets.lit_pixels(x))
    for a, b in zip([dense_logits, *dense_pre], [lit_logits, *lit_pre]):
        torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-5)


def test_evaluate_gives_the_same_numbers_on_lit_pixels_and_on_images(mnist_like):
    torch.manual_seed(0)
    model = build_model("mlp", "bnviz")
    cfg = small()
    dense = evaluate(model, cfg, mnist_like.test_x, mnist_like.test_y)
    lit = evaluate(model, cfg, datasets.lit_pixels(mnist_like.test_x), mnist_like.test_y)
    assert lit[0] == dense[0] and lit[1] == pytest.approx(dense[1], rel=1e-6)


def test_evaluation_in_smaller_chunks_changes_only_the_rounding_of_the_loss():
    cifar = datasets.synthetic("cifar10", n_train=16, n_test=50, seed=0)
    cfg = TrainConfig(model="cnn", dataset="synthetic-cifar10", channels=(4, 8))
    torch.manual_seed(0)
    model = model_for(cfg)
    whole = evaluate(model, cfg, cifar.test_x, cifar.test_y)
    for chunk in (1, 7, 50):
        acc, loss = evaluate(model, cfg, cifar.test_x, cifar.test_y, chunk=chunk)
        assert acc == whole[0] and loss == pytest.approx(whole[1], rel=1e-6)


def test_mlp_gaussian_init_std_is_reachable():
    torch.manual_seed(0)
    w = build_model("mlp", "none", 0.01).linears[0].weight
    w = w.detach()
    assert abs(float(w.std()) - 0.01) < 0.0005 and abs(float(w.mean())) < 0.001


def test_cnn_shapes_and_norms():
    cnn = CifarCNN(norm="bnviz")
    assert [c.out_channels for c in cnn.convs] == [32, 64, 128]
    assert all(isinstance(n, BatchNorm2d) for n in cnn.norms) and isinstance(cnn.fc_norm, BatchNorm1d)
    assert cnn.fc.in_features == 2048 and cnn.fc.out_features == 128
    logits, pre = cnn.forward_probed(torch.randn(2, 3, 32, 32))
    assert logits.shape == (2, 10)
    assert [tuple(p.shape) for p in pre] == [(2, 32, 32, 32), (2, 64, 16, 16), (2, 128, 8, 8), (2, 128)]


@pytest.mark.slow
def test_bnviz_and_torch_norm_models_train_identically(mnist_like):
    """Same init, same batches: our BN and torch's BN give the same records (float32 rounding aside)."""
    ours = without_time(list(train(small(norm="bnviz"), mnist_like)))
    ref = without_time(list(train(small(norm="torch"), mnist_like)))
    assert [r["step"] for r in ours] == [r["step"] for r in ref]
    for a, b in zip(ours, ref):
        assert a["test/acc"] == pytest.approx(b["test/acc"], abs=0.011) if "test/acc" in a else True
        if a["train/loss"] is not None:
            assert a["train/loss"] == pytest.approx(b["train/loss"], rel=1e-3)


@pytest.mark.slow
def test_same_config_gives_identical_records(mnist_like):
    a = without_time(list(train(small(), mnist_like)))
    b = without_time(list(train(small(), mnist_like)))
    assert a == b
    c = without_time(list(train(small(seed=1), mnist_like)))
    assert a != c


def test_records_are_flat_and_complete(mnist_like):
    records = list(train(small(), mnist_like))
    steps = [r["step"] for r in records]
    assert steps[0] == 0 and steps[-1] == 60 and steps == sorted(steps)
    assert steps[:4] == [0, 1, 2, 5], "early probes make early training visible"
    assert records[-1]["status"] == "done" and all(r["status"] == "running" for r in records[:-1])
    assert records[0]["train/loss"] is None and records[-1]["train/loss"] > 0
    last = records[-1]
    for layer in ("layer1", "layer2", "layer3"):
        for field in ("p15", "p50", "p85", "mean", "std", "saturation", "hist", "grad_norm"):
            assert f"{layer}/{field}" in last
        assert last[f"{layer}/p15"] <= last[f"{layer}/p50"] <= last[f"{layer}/p85"]
        assert sum(last[f"{layer}/hist"]) == 100 * 100  # every probe value lands in a bin
        assert 0.0 <= last[f"{layer}/saturation"] <= 1.0
    assert 0.0 <= last["test/acc"] <= 1.0
    assert all(isinstance(v, (int, float, str, list, type(None))) for r in records for v in r.values())


@pytest.mark.slow
def test_training_learns_the_synthetic_task(mnist_like):
    records = list(train(small(steps=200, eval_every=100), mnist_like))
    assert records[0]["test/acc"] < 0.3 and records[-1]["test/acc"] > 0.8


def probe_inputs(data, cfg):
    idx = torch.randperm(len(data.train_y), generator=torch.Generator().manual_seed(0))[: cfg.probe_size]
    return datasets.mnist_inputs(data.train_x[idx], binarize=True)


def quantiles(values):
    return torch.quantile(values, torch.tensor([0.15, 0.5, 0.85])).tolist()


def test_probe_percentiles_follow_the_fixed_unit_in_training_and_in_eval_mode(mnist_like):
    """p15/p50/p85 are quantiles of one unit's input over the probe batch (Figure 1(b,c)): ``layer3/p*``
    as the network trains (BN on the probe batch's own statistics), ``layer3/eval/p*`` at inference."""
    cfg = small(steps=3, probe_unit=3)
    torch.manual_seed(cfg.seed)
    model = build_model("mlp", cfg.norm)
    last = list(train(cfg, mnist_like, model=model))[-1]
    x = probe_inputs(mnist_like, cfg)
    with torch.no_grad():
        oracle = copy.deepcopy(model).train()  # a copy: its running averages may move
        _, pre_train = oracle.forward_probed(x)
        model.eval()
        _, pre_eval = model.forward_probed(x)
    for prefix, pre in (("layer3", pre_train), ("layer3/eval", pre_eval)):
        got = [last[f"{prefix}/p{p}"] for p in (15, 50, 85)]
        assert got == pytest.approx(quantiles(pre[2][:, 3]), rel=1e-5, abs=1e-6), prefix
    assert last["layer3/p50"] != pytest.approx(last["layer3/eval/p50"], abs=1e-3), "the two views differ here"


def test_x_hat_is_the_unit_normalized_before_gamma_and_beta(mnist_like):
    """x̂ against torch's batch_norm without affine (train mode) and with the running averages (eval mode);
    y = γ x̂ + β, so y's percentiles are γ, β applied to x̂'s (γ > 0)."""
    cfg = small(steps=40, probe_unit=5)
    torch.manual_seed(cfg.seed)
    model = build_model("mlp", cfg.norm)
    last = list(train(cfg, mnist_like, model=model))[-1]
    bn = model.norms[1]

    def layer2_input(first_bn: nn.Module):  # W u of layer 2, after layer 1 normalized by ``first_bn``
        return model.linears[1](torch.sigmoid(first_bn(model.linears[0](probe_inputs(mnist_like, cfg)))))

    with torch.no_grad():
        wu_train = layer2_input(copy.deepcopy(model.norms[0]).train())  # a copy: its running averages may move
        wu = layer2_input(copy.deepcopy(model.norms[0]).eval())
    x_hat_train = nn.functional.batch_norm(wu_train, None, None, training=True, eps=bn.eps)[:, 5]
    x_hat_eval = nn.functional.batch_norm(wu, bn.running_mean, bn.running_var, training=False, eps=bn.eps)[:, 5]
    got_train = [last[f"layer2/x_hat_p{p}"] for p in (15, 50, 85)]
    got_eval = [last[f"layer2/eval/x_hat_p{p}"] for p in (15, 50, 85)]
    assert got_train == pytest.approx(quantiles(x_hat_train), rel=1e-4, abs=1e-5)
    assert got_eval == pytest.approx(quantiles(x_hat_eval), rel=1e-4, abs=1e-5)
    gamma, beta = float(bn.weight[5].detach()), float(bn.bias[5].detach())
    assert gamma > 0 and (gamma, beta) != (1.0, 0.0), "γ and β have learned"
    for p in (15, 50, 85):
        assert last[f"layer2/p{p}"] == pytest.approx(gamma * last[f"layer2/x_hat_p{p}"] + beta, rel=1e-4, abs=1e-5)


def test_at_step_0_the_bn_network_is_normalized_over_the_probe_batch(mnist_like):
    """With init std 1, running averages that start at (0, 1) leave the BN net as saturated as the plain
    one in eval mode; over the probe batch's own statistics every BN layer has mean 0 and std 1."""
    plain = list(train(small(norm="none", init_std=1.0, steps=1), mnist_like))[0]
    bn = list(train(small(init_std=1.0, steps=1), mnist_like))[0]
    for layer in ("layer1", "layer2", "layer3"):
        assert bn[f"{layer}/mean"] == pytest.approx(0.0, abs=1e-5)
        assert bn[f"{layer}/std"] == pytest.approx(1.0, abs=1e-3)
        assert bn[f"{layer}/saturation"] < 0.01 < 0.3 < plain[f"{layer}/saturation"]
        for p in (15, 50, 85):  # γ = 1, β = 0: y = x̂
            assert bn[f"{layer}/x_hat_p{p}"] == pytest.approx(bn[f"{layer}/p{p}"], abs=1e-5)
    assert bn["layer1/eval/saturation"] > 0.3, "eval mode divides by the initial running std, 1"


def test_a_probe_leaves_buffers_parameters_rng_and_mode_as_they_were(mnist_like):
    torch.manual_seed(0)
    model = build_model("mlp", "bnviz")
    cfg = small(steps=7, eval_every=1000, probe_every=1000)
    list(train(cfg, mnist_like, model=model))  # running averages away from (0, 1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    record = probe(model, cfg, probe_inputs(mnist_like, cfg))
    assert "layer1/eval/p50" in record and model.training
    assert torch.equal(torch.get_rng_state(), rng)
    after = model.state_dict()
    assert int(after["norms.0.num_batches_tracked"]) == 7
    for k, v in before.items():
        assert torch.equal(after[k], v), k


@pytest.mark.slow
@pytest.mark.parametrize("norm", ["bnviz", "torch", "noisy", "ghost", "renorm"])
def test_probing_every_step_trains_exactly_as_probing_rarely(mnist_like, norm):
    """Probes in training mode must leave no trace: same test accuracy and loss, same per-step training
    losses (the rare run averages them over its intervals), the same final weights and running averages."""
    base = small(norm=norm, steps=30, eval_every=10)
    torch.manual_seed(base.seed)
    often_model = build_model("mlp", norm)
    torch.manual_seed(base.seed)
    rare_model = build_model("mlp", norm)
    often = list(train(base.replace(probe_every=1), mnist_like, model=often_model))
    rare = list(train(base.replace(probe_every=30, early_probes=False), mnist_like, model=rare_model))
    assert len(often) == 31 and [r["step"] for r in rare] == [0, 10, 20, 30]
    by_step = {r["step"]: r for r in often}
    for r in rare[1:]:
        assert (by_step[r["step"]]["test/acc"], by_step[r["step"]]["test/loss"]) == (r["test/acc"], r["test/loss"])
        losses = [by_step[s]["train/loss"] for s in range(r["step"] - 9, r["step"] + 1)]
        assert sum(losses) / len(losses) == r["train/loss"]
    for (k, a), b in zip(often_model.state_dict().items(), rare_model.state_dict().values()):
        assert torch.equal(a, b), k


def test_probing_does_not_move_running_stats(mnist_like):
    model = build_model("mlp", "bnviz")
    cfg = small(steps=5, eval_every=1000, probe_every=1000)
    list(train(cfg, mnist_like, model=model))
    assert int(model.norms[0].num_batches_tracked) == 5  # evaluation and probes (0, 1, 2, 5) add none


def test_a_model_without_bn_has_no_eval_or_x_hat_fields(mnist_like):
    record = list(train(small(norm="none", steps=1), mnist_like))[-1]
    assert "layer1/p50" in record and not [k for k in record if "/eval/" in k or "x_hat" in k]


def test_diverging_run_ends_with_a_diverged_record(mnist_like):
    records = list(train(small(norm="none", lr=1e38, init_std=5.0, steps=200), mnist_like))
    assert records[-1]["status"] == "diverged"
    assert records[-1]["step"] < 200


def test_a_run_whose_weights_overflow_between_losses_ends_diverged_and_stays_json(mnist_like):
    """The update of step 1 overflows the weights; step 1's finite loss was taken before it. The eval and
    probe of step 1 would hold NaN, which a result file cannot store: the run ends there, diverged."""
    import json

    cfg = small(norm="none", depth=10, activation="relu", lr=1e30, init_std=1.0, steps=20, eval_every=1, probe_every=1)
    records = list(train(cfg, mnist_like))
    assert records[-1]["status"] == "diverged" and records[-1]["step"] < 20
    json.dumps(records, allow_nan=False)


@pytest.mark.slow
def test_cnn_trains_with_augmentation(cifar_like):
    cfg = TrainConfig(
        model="cnn",
        dataset="synthetic-cifar10",
        steps=4,
        batch_size=16,
        lr=0.05,
        momentum=0.9,
        augment=True,
        eval_every=2,
        probe_every=2,
        probe_size=8,
    )
    records = list(train(cfg, cifar_like))
    assert records[-1]["status"] == "done"
    assert {"conv1/hist", "conv3/saturation", "fc1/p50", "conv2/grad_norm"} <= set(records[-1])
    assert {"conv1/eval/hist", "conv2/x_hat_p50", "fc1/eval/x_hat_p85"} <= set(records[-1])
    assert without_time(records) == without_time(list(train(cfg, cifar_like)))


def test_record_schedule_includes_first_and_last_step():
    probe_steps, eval_steps = record_steps(small(steps=1234, probe_every=500, eval_every=500))
    assert {0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 1234} == probe_steps
    assert {0, 500, 1000, 1234} == eval_steps


@pytest.mark.parametrize(
    "bad,match",
    [
        (dict(steps=0), "steps must be a positive"),
        (dict(lr=-1.0), "lr must be a positive"),
        (dict(norm="batchnorm"), "norm must be one of"),
        (dict(model="cnn"), "does not fit dataset"),
        (dict(batch_size=1), "at least 2"),
        (dict(lr=float("nan")), "lr must be"),
    ],
)
def test_bad_config_is_refused_with_a_reason(bad, match):
    with pytest.raises(ValueError, match=match):
        small(**bad)


def test_config_roundtrips_and_refuses_unknown_fields():
    c = small()
    assert TrainConfig.from_dict(c.to_dict()) == c
    assert TrainConfig.from_dict(small(seed=1).to_dict()) != c
    with pytest.raises(ValueError, match="unknown config fields"):
        TrainConfig.from_dict({**c.to_dict(), "colour": "red"})


def test_saturation_threshold_is_sigmoid_within_005_of_0_or_1():
    x = torch.tensor([0.0, 2.9, -2.9, 3.0, -3.0, 10.0])
    assert probes.saturation(x, "sigmoid") == pytest.approx(3 / 6)  # 3, -3 and 10
    s = torch.sigmoid(torch.tensor([probes.SIGMOID_SATURATION]))
    assert float(s) == pytest.approx(0.95)
    assert probes.saturation(torch.tensor([-1.0, 0.0, 1.0, 2.0]), "relu") == 0.5


def test_histogram_clamps_into_end_bins():
    counts = probes.histogram(torch.tensor([-100.0, 0.1, 100.0]))
    assert sum(counts) == 3 and counts[0] == 1 and counts[-1] == 1
    assert len(probes.hist_edges()) == len(counts) + 1
    assert math.isclose(probes.hist_edges()[0], -probes.HIST_RANGE)


@pytest.mark.slow
def test_compiled_training_matches_eager(mnist_like):
    """config.compile=True (what mnist-fig1's BN arm uses) trains the same network: same losses
    and running statistics to float32 rounding, and the probes still see the eager model."""
    from bnviz.train.compile import compiler_available

    if not compiler_available():
        pytest.skip("no C++ compiler: torch.compile falls back to eager here")
    torch.manual_seed(0)
    eager_model = build_model("mlp", "bnviz")
    torch.manual_seed(0)
    compiled_model = build_model("mlp", "bnviz")
    cfg = small(steps=12, eval_every=6, probe_every=6)
    eager = list(train(cfg, mnist_like, model=eager_model))
    compiled = list(train(cfg.replace(compile=True), mnist_like, model=compiled_model))
    assert [r["step"] for r in eager] == [r["step"] for r in compiled]
    for a, b in zip(eager, compiled):
        if a["train/loss"] is not None:
            assert b["train/loss"] == pytest.approx(a["train/loss"], rel=1e-4)
    bn_e, bn_c = eager_model.norms[0], compiled_model.norms[0]
    assert int(bn_c.num_batches_tracked) == 12
    torch.testing.assert_close(bn_c.running_var, bn_e.running_var, rtol=1e-4, atol=1e-6)


@pytest.mark.slow
def test_compile_failure_falls_back_to_eager_with_a_warning(mnist_like, monkeypatch):
    """If inductor fails at the first call (a missing header, an unsupported op), the run goes on eager
    with a warning, and trains exactly as an eager run."""
    from bnviz.train import compile as speed

    def broken_compile(fn):
        def call(*args, **kwargs):
            raise RuntimeError("C++ compile error: cannot find Python.h")

        return call

    monkeypatch.setattr(speed, "compiler_available", lambda: True)
    monkeypatch.setattr(speed.torch, "compile", broken_compile)
    cfg = small(steps=6, eval_every=3, probe_every=3)
    eager = list(train(cfg, mnist_like))
    with pytest.warns(RuntimeWarning, match="torch.compile failed.*running eager"):
        fallback = list(train(cfg.replace(compile=True), mnist_like))
    assert [r["train/loss"] for r in fallback] == [r["train/loss"] for r in eager]


def test_a_probe_puts_back_a_noisy_layer_s_own_generator(mnist_like):
    """Noisy BN seeded through its own generator: a probe in training mode draws noise from it, then rewinds it."""
    from bnviz.norms import NoisyBatchNorm1d

    model = build_model("mlp", "noisy")
    for i, norm in enumerate(model.norms):
        model.norms[i] = NoisyBatchNorm1d(norm.num_features, seed=i)
    cfg = small(norm="noisy", steps=5)
    states = [n.generator.get_state() for n in model.norms]
    probe(model, cfg, probe_inputs(mnist_like, cfg))
    assert all(torch.equal(n.generator.get_state(), s) for n, s in zip(model.norms, states))


def first_step_by_hand(config: TrainConfig, data) -> tuple[Tensor, Tensor]:
    """layer1's weights and weight gradient at the first step, computed outside the trainer."""
    torch.manual_seed(config.seed)
    model = model_for(config)
    batches = Batches(len(data.train_y), config.batch_size, torch.Generator().manual_seed(config.seed))
    x, y = training_batch(config, data, batches.next())
    nn.functional.cross_entropy(model(x), y).backward()
    return model.linears[0].weight.detach().double(), model.linears[0].weight.grad.double()


@pytest.mark.parametrize("norm", ["none", "bnviz"])
def test_update_ratio_of_plain_sgd_is_lr_times_grad_std_over_weight_std(mnist_like, norm):
    config = small(norm=norm, depth=1, width=4, steps=1, lr=0.7)
    first, second = list(train(config, mnist_like))
    w, g = first_step_by_hand(config, mnist_like)
    # log10(η · std(g) / std(W)): the textbook form, which plain SGD's actual update equals
    assert second["layer1/update_ratio"] == pytest.approx(math.log10(0.7 * g.std() / w.std()), abs=1e-6)
    assert first["layer1/update_ratio"] is None and first["layer1/grad_hist"] is None  # no step yet


def test_update_ratio_of_adam_measures_the_actual_step_not_lr_times_grad(mnist_like):
    config = small(optimizer="adam", lr=1e-3, depth=1, width=4, steps=1)
    record = list(train(config, mnist_like))[-1]
    w, g = first_step_by_hand(config, mnist_like)
    # Adam's first step: m̂ = g, √v̂ = |g|, so W moves by η · g / (|g| + ε), about η per weight whatever |g| is
    step = 1e-3 * g / (g.abs() + 1e-8)
    assert record["layer1/update_ratio"] == pytest.approx(math.log10(step.std() / w.std()), abs=1e-5)
    assert abs(record["layer1/update_ratio"] - math.log10(1e-3 * g.std() / w.std())) > 0.5


def test_grad_hist_counts_log10_of_each_weight_gradient_in_quarter_decades(mnist_like):
    config = small(depth=1, width=4, steps=1, batch_size=2)  # pixels off in both images: zero gradients
    record = list(train(config, mnist_like))[-1]
    _, g = first_step_by_hand(config, mnist_like)
    lo, hi = probes.GRAD_LOG10_RANGE
    width = (hi - lo) / probes.GRAD_HIST_BINS
    expected = [0] * probes.GRAD_HIST_BINS
    for value in g.flatten().tolist():  # a plain loop as the oracle; zeros and tiny values in the first bin
        b = 0 if value == 0 else math.floor((math.log10(abs(value)) - lo) / width)
        expected[min(max(b, 0), probes.GRAD_HIST_BINS - 1)] += 1
    assert record["layer1/grad_hist"] == expected and sum(expected) == 4 * 784
    assert expected[0] > 0 and len(probes.grad_hist_edges()) == probes.GRAD_HIST_BINS + 1


@pytest.mark.parametrize("every", [1, 3])
def test_asked_for_progress_the_trainer_yields_every_few_steps_and_the_same_records(mnist_like, monkeypatch, every):
    from bnviz.train import trainer

    steps = []  # one entry per training step taken since the last yield
    real = trainer.training_batch
    monkeypatch.setattr(trainer, "training_batch", lambda *args: steps.append(1) or real(*args))
    config = small(steps=50, probe_every=25, eval_every=25, early_probes=False)
    items, between = [], []
    for item in train(config, mnist_like, progress_every=every):
        items.append(item)
        between.append(len(steps))
        steps.clear()
    assert between[0] == 0 and max(between) == every  # step 0's record, then never more than `every` steps
    progress = [item.step for item in items if isinstance(item, Progress)]
    assert progress == [s for s in range(1, 50) if s % every == 0 and s != 25]  # steps 25 and 50 are records
    records = [item for item in items if not isinstance(item, Progress)]
    assert [r["step"] for r in records] == [0, 25, 50]
    assert without_time(records) == without_time(list(train(config, mnist_like)))


@pytest.mark.parametrize(
    "norm, affine, recorded",
    [("bnviz", True, True), ("layer", True, True), ("bnviz", False, False), ("none", True, False)],
)
def test_gamma_and_beta_are_recorded_at_probes_where_a_norm_learns_them(norm, affine, recorded):
    from bnviz.train.record import affine_fields

    model = model_for(small(norm=norm, affine=affine))
    for layer in model.norm_layers():
        if getattr(layer, "weight", None) is not None:
            with torch.no_grad():
                layer.weight.copy_(torch.linspace(-2.0, 2.0, layer.weight.numel()))
                layer.bias.fill_(-0.5)
    out = affine_fields(model)
    assert bool(out) is recorded
    if recorded:
        n = model.norm_layers()[0].weight.numel()
        expected = float(torch.linspace(-2.0, 2.0, n).abs().mean())
        assert out["layer1/gamma_abs_mean"] == pytest.approx(expected) and out["layer1/beta_abs_mean"] == 0.5


def test_gamma_and_beta_fields_appear_on_probe_steps_only(mnist_like):
    records = list(train(small(eval_every=5, probe_every=10, steps=10), mnist_like))
    probed = [r["step"] for r in records if "layer1/gamma_abs_mean" in r]
    assert probed == [r["step"] for r in records if "layer1/hist" in r] and probed
