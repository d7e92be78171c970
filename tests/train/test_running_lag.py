"""The running-statistics lag record field, against a hand computation (bnviz.train.running_lag)."""

import pytest
import torch

from bnviz import data as datasets
from bnviz.train.config import TrainConfig
from bnviz.train.models import build_model
from bnviz.train.record import probe, running_stats_lag
from bnviz.train.running_lag import layer_lag
from bnviz.train.trainer import train


def hand_lag(x, running_mean, running_var, eps):
    """The docstring's formulas, written out channel by channel with Python floats."""
    n, c = x.shape[0], x.shape[1]
    cols = x.transpose(0, 1).reshape(c, -1).double()
    mean_lags, std_lags = [], []
    for ch in range(c):
        values = [float(v) for v in cols[ch]]
        m = sum(values) / len(values)
        var = sum((v - m) ** 2 for v in values) / (len(values) - 1)
        sd = (var + eps) ** 0.5
        mean_lags.append(abs(float(running_mean[ch]) - m) / sd)
        std_lags.append(abs((float(running_var[ch]) + eps) ** 0.5 - sd) / sd)
    assert n > 1
    return sum(mean_lags) / c, sum(std_lags) / c


def test_layer_lag_matches_the_hand_computation_on_vectors_and_feature_maps():
    g = torch.Generator().manual_seed(0)
    for shape in ((40, 5), (6, 3, 4, 4)):
        x = torch.randn(shape, generator=g) * 3 + 1
        running_mean, running_var = torch.randn(shape[1], generator=g), torch.rand(shape[1], generator=g) + 0.5
        got = layer_lag(x, running_mean, running_var, 1e-5)
        assert got == pytest.approx(hand_lag(x, running_mean, running_var, 1e-5), rel=1e-5)


def test_lag_is_zero_when_the_running_averages_are_the_batch_statistics():
    x = torch.randn(200, 7, generator=torch.Generator().manual_seed(1))
    mean_lag, std_lag = layer_lag(x, x.mean(0), x.var(0, correction=1), 1e-5)
    assert mean_lag == pytest.approx(0, abs=1e-6) and std_lag == pytest.approx(0, abs=1e-6)


def test_the_network_lag_follows_each_layer_s_training_mode_input_by_hand():
    """Two BN layers: the second layer's input is computed by hand through BN in training mode
    (the batch's own biased variance), sigmoid and the next weight layer."""
    torch.manual_seed(0)
    model = build_model("mlp", "bnviz", hidden=(6, 4))
    x = (torch.rand(30, 784, generator=torch.Generator().manual_seed(2)) > 0.8).float()
    for norm, (m, v) in zip(model.norms, ((0.3, 2.0), (-0.1, 0.5))):
        norm.running_mean.fill_(m)
        norm.running_var.fill_(v)
        norm.weight.data.uniform_(0.5, 1.5)
        norm.bias.data.uniform_(-0.5, 0.5)
    before = {k: t.clone() for k, t in model.state_dict().items()}
    model.train()
    got = running_stats_lag(model, x)

    with torch.no_grad():
        h1 = x @ model.linears[0].weight.t()  # (30, 6); no bias before BN
        bn1 = model.norms[0]
        mu, var = h1.mean(0), h1.var(0, correction=0)  # training mode: biased σ²_B
        z1 = bn1.weight * (h1 - mu) / (var + bn1.eps).sqrt() + bn1.bias
        h2 = torch.sigmoid(z1) @ model.linears[1].weight.t()  # (30, 4)
    want = {}
    for name, h, norm in (("layer1", h1, bn1), ("layer2", h2, model.norms[1])):
        want[f"{name}/running_mean_lag"], want[f"{name}/running_std_lag"] = hand_lag(
            h, norm.running_mean, norm.running_var, norm.eps
        )
    assert got == pytest.approx(want, rel=1e-4)
    for k, t in model.state_dict().items():  # the pass moved nothing
        assert torch.equal(t, before[k]), k


def test_a_probe_takes_the_lag_from_its_own_training_mode_pass():
    """The same numbers as running_stats_lag's pass, with the probe batch through the network once per mode."""
    torch.manual_seed(0)
    model = build_model("mlp", "bnviz", hidden=(6, 4))
    x = (torch.rand(30, 784, generator=torch.Generator().manual_seed(2)) > 0.8).float()
    for norm in model.norms:
        norm.running_mean.fill_(0.3)
    model.train()
    alone = running_stats_lag(model, x)
    passes, forward_probed = [], model.forward_probed
    model.forward_probed = lambda h: passes.append(model.training) or forward_probed(h)
    fields = probe(model, TrainConfig(), x, lag=True)
    assert passes == [True, False]  # training mode (the histograms and the lag), then eval mode
    assert len(alone) == 4 and {k: fields[k] for k in alone} == alone
    assert not [k for k in probe(model, TrainConfig(), x) if k.endswith("_lag")]


def test_records_carry_the_lag_at_eval_steps_for_models_with_running_averages_only():
    data = datasets.synthetic("mnist", n_train=300, n_test=100, seed=0)
    base = dict(dataset="synthetic-mnist", steps=20, batch_size=30, eval_every=10, probe_every=20, probe_size=60)
    records = list(train(TrainConfig(norm="bnviz", **base), data))
    evals = [r for r in records if "test/acc" in r]
    assert [r["step"] for r in evals] == [0, 10, 20]
    assert all(
        r[f"layer{i}/running_mean_lag"] >= 0 and f"layer{i}/running_std_lag" in r for r in evals for i in (1, 2, 3)
    )
    assert not [k for r in records if "test/acc" not in r for k in r if k.endswith("_lag")]
    for norm in ("none", "layer"):
        plain = list(train(TrainConfig(norm=norm, **base), data))
        assert not [k for r in plain for k in r if k.endswith("_lag")]
    # at step 0 the running averages are still torch's 0 and 1: the lag is the batch's |μ|/σ and |1 - σ|/σ
    first = records[0]
    assert first["layer1/running_mean_lag"] > 0.1
