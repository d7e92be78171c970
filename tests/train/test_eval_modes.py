"""One trained network, four ways to test it (bnviz.train.eval_modes), each against a computation of its own.

The oracles run the tiny networks layer by layer with ``torch.nn.functional.batch_norm`` and take
μ_B and σ²_B with ``torch.mean``/``torch.var`` in float64: no code of eval_modes is reused.
"""

import copy

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from bnviz import data as datasets
from bnviz.norms import BatchNorm1d, BatchRenorm1d
from bnviz.train import eval_modes
from bnviz.train.config import TrainConfig
from bnviz.train.models import build_model
from bnviz.train.trainer import train

MLP_CONFIG = TrainConfig(dataset="synthetic-mnist", batch_size=10)
CNN_CONFIG = TrainConfig(model="cnn", dataset="synthetic-cifar10", batch_size=4)


@pytest.fixture(scope="module")
def digits():
    return datasets.synthetic("mnist", n_train=40, n_test=60, seed=0)  # 6 test examples per class


@pytest.fixture(scope="module")
def colours():
    return datasets.synthetic("cifar10", n_train=16, n_test=20, seed=0)  # 2 test examples per class


def tiny_mlp(bn_class=nn.BatchNorm1d) -> nn.Sequential:
    """784 → 6 → BN → sigmoid → 5 → BN → sigmoid → 10: Section 4.1's shape, shrunk."""
    return nn.Sequential(
        nn.Linear(784, 6, bias=False),
        bn_class(6),
        nn.Sigmoid(),
        nn.Linear(6, 5, bias=False),
        bn_class(5),
        nn.Sigmoid(),
        nn.Linear(5, 10),
    )


def tiny_cnn() -> nn.Sequential:
    """Two conv blocks with BatchNorm2d: maps of 32x32, then 16x16 (stride 2)."""
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1, bias=False),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 3, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(3),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(3, 10),
    )


def trained(net: nn.Module, inputs: torch.Tensor, y: torch.Tensor, batch: int, steps: int = 12) -> nn.Module:
    """A few SGD steps in training mode: weights and running averages (momentum 0.1) away from their init."""
    torch.manual_seed(0)
    for layer in net:
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    net.train()
    for step in range(steps):
        s = slice(step * batch % len(y), step * batch % len(y) + batch)
        loss = F.cross_entropy(net(inputs[s]), y[s])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net


def mlp_inputs(x):
    return datasets.mnist_inputs(x, binarize=True)  # (B, 784) of 0 and 1


@pytest.fixture(scope="module")
def mlp(digits):
    return trained(tiny_mlp(), mlp_inputs(digits.train_x), digits.train_y, 10)


@torch.no_grad()
def forward_by_hand(net: nn.Sequential, u: torch.Tensor, stats=None) -> torch.Tensor:
    """The tiny MLP's logits, its BN layers as F.batch_norm: the batch's own statistics, or ``stats`` (eval)."""
    lin1, bn1, _, lin2, bn2, _, out = net
    h = u
    for i, (lin, bn) in enumerate(((lin1, bn1), (lin2, bn2))):
        if stats is None:
            z = F.batch_norm(lin(h), None, None, bn.weight, bn.bias, training=True, eps=bn.eps)
        else:
            mean, var = (t.float() for t in stats[i])
            z = F.batch_norm(lin(h), mean, var, bn.weight, bn.bias, training=False, eps=bn.eps)
        h = torch.sigmoid(z)
    return out(h)


def scores(logit_chunks, label_chunks):
    logits, y = torch.cat(logit_chunks), torch.cat(label_chunks)
    return int((logits.argmax(1) == y).sum()) / len(y), float(F.cross_entropy(logits, y))


def snapshot(model):
    return {k: v.clone() for k, v in model.state_dict().items()}, torch.get_rng_state()


def assert_unchanged(model, before):
    state, rng = before
    after = model.state_dict()
    assert after.keys() == state.keys()
    for k, v in state.items():
        assert torch.equal(after[k], v), k
    assert torch.equal(torch.get_rng_state(), rng)


def test_running_mode_is_eval_mode_with_the_running_averages(mlp, digits):
    mlp.train()
    result = eval_modes.running(mlp, MLP_CONFIG, digits.test_x, digits.test_y)
    oracle = copy.deepcopy(mlp).eval()
    with torch.no_grad():
        acc, loss = scores([oracle(mlp_inputs(digits.test_x))], [digits.test_y])
    assert (result.mode, result.batch_size, result.reason) == ("running", None, None)
    assert result.accuracy == acc and result.loss == pytest.approx(loss, rel=1e-6)
    assert mlp.training, "the mode it was in"


@pytest.mark.parametrize("batch_size", [2, 8, 64])
def test_batch_stats_normalize_each_test_chunk_with_its_own_statistics(mlp, digits, batch_size):
    u, y = mlp_inputs(digits.test_x), digits.test_y
    chunks = [(u[i : i + batch_size], y[i : i + batch_size]) for i in range(0, len(y), batch_size)]
    logits = [forward_by_hand(mlp, ub) for ub, _ in chunks]  # 60 = 7*8 + 4 and 30*2: no rest of one here
    acc, loss = scores(logits, [yb for _, yb in chunks])
    result = eval_modes.batch_stats(mlp, MLP_CONFIG, digits.test_x, y, batch_size)
    assert (result.mode, result.batch_size) == ("batch_stats", batch_size)
    assert result.accuracy == acc and result.loss == pytest.approx(loss, rel=1e-5)
    if batch_size == 64:
        assert result.loss != pytest.approx(eval_modes.running(mlp, MLP_CONFIG, digits.test_x, y).loss, rel=1e-3)


@pytest.mark.parametrize("batch_size", [2, 4, 64])
def test_non_iid_batches_each_hold_one_class(mlp, digits, batch_size):
    u, y = mlp_inputs(digits.test_x), digits.test_y
    logits, labels = [], []
    for c in range(10):
        idx = (y == c).nonzero().flatten()  # class c's 6 examples, in their stored order
        for chunk in idx.split(batch_size):  # 6 = 3*2, 4 + 2, 6: no batch of one
            logits.append(forward_by_hand(mlp, u[chunk]))
            labels.append(y[chunk])
    acc, loss = scores(logits, labels)
    result = eval_modes.non_iid(mlp, MLP_CONFIG, digits.test_x, y, batch_size)
    assert (result.mode, result.batch_size) == ("non_iid", batch_size)
    assert result.accuracy == pytest.approx(acc, abs=1e-12) and result.loss == pytest.approx(loss, rel=1e-5)


def test_a_last_batch_of_one_joins_the_batch_before_it(mlp, digits):
    assert eval_modes.consecutive_batches(10, 3) == [slice(0, 3), slice(3, 6), slice(6, 10)]
    assert eval_modes.consecutive_batches(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert eval_modes.consecutive_batches(3, 1) == [slice(0, 1), slice(1, 2), slice(2, 3)]
    x, y = digits.test_x, digits.test_y
    of_59, of_60 = (eval_modes.batch_stats(mlp, MLP_CONFIG, x, y, b) for b in (59, 60))
    assert of_59.accuracy is not None, "59 + 1: the last example is normalized with the 59 before it"
    assert (of_59.accuracy, of_59.loss) == (of_60.accuracy, of_60.loss)


def population_by_hand(net, u, batch_size, order, num_batches):
    """E[x] = mean of μ_B, Var[x] = m/(m−1) · mean of σ²_B per BN layer of the tiny MLP, in float64."""
    lin1, bn1, _, lin2, bn2, _, _ = net
    mus, sigmas = [[], []], [[], []]
    with torch.no_grad():
        for b in range(num_batches):
            h = u[order[b * batch_size : (b + 1) * batch_size]]
            for i, (lin, bn) in enumerate(((lin1, bn1), (lin2, bn2))):
                z = lin(h)  # (N, C): the BN layer's input
                mus[i].append(torch.mean(z.double(), 0))
                sigmas[i].append(torch.var(z.double(), 0, unbiased=False))
                h = torch.sigmoid(F.batch_norm(z, None, None, bn.weight, bn.bias, training=True, eps=bn.eps))
    m = batch_size
    return [(torch.stack(mus[i]).mean(0), m / (m - 1) * torch.stack(sigmas[i]).mean(0)) for i in range(2)]


@pytest.mark.parametrize("seed,num_batches", [(None, None), (0, 3)])
def test_population_statistics_average_batch_means_and_unbiased_batch_variances(mlp, digits, seed, num_batches):
    u = mlp_inputs(digits.train_x)
    order = torch.arange(40) if seed is None else torch.randperm(40, generator=torch.Generator().manual_seed(seed))
    oracle = population_by_hand(mlp, u, 10, order, num_batches or 4)
    mlp.eval()  # as after training: the pass runs the network as it trained all the same
    stats = eval_modes.population_statistics(mlp, MLP_CONFIG, digits.train_x, num_batches=num_batches, seed=seed)
    assert [s.name for s in stats] == ["1", "4"] and [s.m for s in stats] == [10, 10]
    assert [s.num_batches for s in stats] == [num_batches or 4] * 2
    for s, (mean, var), bn in zip(stats, oracle, (mlp[1], mlp[4])):
        torch.testing.assert_close(s.mean, mean, rtol=1e-9, atol=1e-12)
        torch.testing.assert_close(s.var, var, rtol=1e-9, atol=1e-12)
        assert torch.equal(s.running_mean, bn.running_mean.double()) and torch.equal(
            s.running_var, bn.running_var.double()
        )
        assert not torch.allclose(s.var, s.running_var, rtol=1e-3), "12 steps at momentum 0.1 are not the population"


def test_population_mode_evaluates_with_the_population_statistics(mlp, digits):
    stats = eval_modes.population_statistics(mlp, MLP_CONFIG, digits.train_x)
    oracle = population_by_hand(
        mlp, mlp_inputs(digits.train_x), 10, torch.randperm(40, generator=torch.Generator().manual_seed(0)), 4
    )
    acc, loss = scores([forward_by_hand(mlp, mlp_inputs(digits.test_x), oracle)], [digits.test_y])
    result = eval_modes.population(mlp, MLP_CONFIG, digits.test_x, digits.test_y, stats)
    assert (result.mode, result.batch_size) == ("population", None)
    assert result.accuracy == acc and result.loss == pytest.approx(loss, rel=1e-5)
    assert result.loss != pytest.approx(
        eval_modes.running(mlp, MLP_CONFIG, digits.test_x, digits.test_y).loss, rel=1e-4
    )


@pytest.mark.parametrize("bn_class", [nn.BatchNorm1d, BatchNorm1d])
def test_population_statistics_equal_cumulative_running_averages_after_one_epoch(digits, bn_class):
    """momentum=None makes running_var the plain average of the batches' unbiased m/(m−1)·σ²_B, which is
    Algorithm 2's Var[x] when the weights stay fixed and the batches are the same, in the same order."""
    u = mlp_inputs(digits.train_x)
    net = trained(tiny_mlp(bn_class), u, digits.train_y, 10)
    with torch.no_grad():
        for bn in (net[1], net[4]):
            bn.reset_running_stats()
            bn.momentum = None
        for b in range(4):  # one epoch in the stored order, no weight update
            net(u[b * 10 : (b + 1) * 10])
    stats = eval_modes.population_statistics(net, MLP_CONFIG, digits.train_x, seed=None)
    for s, bn in zip(stats, (net[1], net[4])):
        assert int(bn.num_batches_tracked) == 4
        torch.testing.assert_close(s.mean, bn.running_mean.double(), rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(s.var, bn.running_var.double(), rtol=1e-6, atol=1e-7)
        torch.testing.assert_close(s.var_ratio(), torch.ones_like(s.var), rtol=1e-6, atol=0)


def test_population_statistics_of_feature_maps_count_every_location(colours):
    """BatchNorm2d: μ_B and σ²_B over the N·H·W values of each map, m = N·H·W in Bessel's correction."""
    inputs = datasets.cifar_inputs(colours.train_x)  # (16, 3, 32, 32)
    net = trained(tiny_cnn(), inputs, colours.train_y, 4, steps=4)
    stats = eval_modes.population_statistics(net, CNN_CONFIG, colours.train_x, seed=None)
    assert [s.m for s in stats] == [4 * 32 * 32, 4 * 16 * 16]
    conv1, bn1, _, conv2, bn2 = net[:5]
    sums = [[0.0, 0.0], [0.0, 0.0]]
    with torch.no_grad():
        for b in range(4):
            h = inputs[b * 4 : (b + 1) * 4]
            for i, (conv, bn) in enumerate(((conv1, bn1), (conv2, bn2))):
                z = conv(h)  # (N, C, H, W)
                m = z.shape[0] * z.shape[2] * z.shape[3]
                sums[i][0] = sums[i][0] + torch.mean(z.double(), (0, 2, 3)) / 4
                sums[i][1] = sums[i][1] + m / (m - 1) * torch.var(z.double(), (0, 2, 3), unbiased=False) / 4
                h = torch.relu(F.batch_norm(z, None, None, bn.weight, bn.bias, training=True, eps=bn.eps))
    for s, (mean, var) in zip(stats, sums):
        torch.testing.assert_close(s.mean, mean, rtol=1e-9, atol=1e-12)
        torch.testing.assert_close(s.var, var, rtol=1e-9, atol=1e-12)


def trained_bnviz_model(model, norm, data):
    config = (MLP_CONFIG if model == "mlp" else CNN_CONFIG).replace(
        norm=norm, steps=6, lr=0.1, eval_every=1000, probe_every=1000, early_probes=False, probe_size=4
    )
    torch.manual_seed(0)
    net = build_model(model, norm)
    list(train(config, data, model=net))  # running averages and num_batches_tracked away from their init
    return net, config


@pytest.mark.parametrize(
    "model,norm",
    [("mlp", "torch"), ("mlp", "bnviz"), ("mlp", "renorm"), ("mlp", "ghost"), ("mlp", "noisy"), ("cnn", "bnviz")],
)
@pytest.mark.slow
def test_every_mode_leaves_the_model_and_the_rng_exactly_as_they_were(digits, colours, model, norm):
    data = digits if model == "mlp" else colours
    net, config = trained_bnviz_model(model, norm, data)
    x, y = data.test_x, data.test_y
    for training in (False, True):  # after training, or with eval() forgotten
        net.train(training)
        before = snapshot(net)
        results = [eval_modes.running(net, config, x, y)]
        results += [eval_modes.batch_stats(net, config, x, y, b) for b in (1, 3, 8, 1000)]
        results += [eval_modes.non_iid(net, config, x, y, b) for b in (1, 2, 4)]
        stats = eval_modes.population_statistics(net, config, data.train_x)
        results.append(eval_modes.population(net, config, x, y, stats))
        assert_unchanged(net, before)
        assert all(m.training == training for m in net.modules())
        assert all(r.accuracy is not None for r in results if r.batch_size != 1)
    assert len(stats) == len(net.norm_layers()) and [s.layer for s in stats] == net.layer_names()


@pytest.mark.parametrize(
    "model,norm", [("mlp", "torch"), ("mlp", "bnviz"), ("mlp", "renorm"), ("mlp", "ghost"), ("cnn", "bnviz")]
)
def test_a_batch_of_one_is_not_computable_and_says_why(digits, colours, model, norm):
    data = digits if model == "mlp" else colours
    net, config = trained_bnviz_model(model, norm, data)
    for result in (
        eval_modes.batch_stats(net, config, data.test_x, data.test_y, 1),
        eval_modes.non_iid(net, config, data.test_x, data.test_y, 1),
    ):
        assert (result.accuracy, result.loss) == (None, None)
        assert "a test batch of 1" in result.reason and "more than 1 value per channel" in result.reason


def test_a_ghost_batch_of_one_is_not_computable_either(digits):
    net, config = trained_bnviz_model("mlp", "ghost", digits)  # virtual batches of 20: 21 leaves one of 1
    result = eval_modes.batch_stats(net, config, digits.test_x, digits.test_y, 21)
    assert result.accuracy is None and "ghost batch" in result.reason


def test_every_test_batch_meets_batch_renorm_as_trained(digits):
    """Batch Renorm's training-mode output reads the running averages: a batch must not see the ones the
    batch before it moved. Oracle: each chunk through a fresh copy of the trained model."""
    net = build_model("mlp", "renorm")
    for i, norm in enumerate(net.norms):
        net.norms[i] = BatchRenorm1d(norm.num_features, warmup_steps=0)  # r, d clipped at 3, 5 from the start
    config = MLP_CONFIG.replace(norm="renorm", steps=6, lr=0.1, eval_every=1000, probe_every=1000, probe_size=4)
    list(train(config, digits, model=net))
    u, y = mlp_inputs(digits.test_x), digits.test_y
    with torch.no_grad():
        logits = [copy.deepcopy(net).train()(u[i : i + 8]) for i in range(0, 60, 8)]
    acc, loss = scores(logits, [y[i : i + 8] for i in range(0, 60, 8)])
    result = eval_modes.batch_stats(net, config, digits.test_x, y, 8)
    assert result.accuracy == acc and result.loss == pytest.approx(loss, rel=1e-6)


def test_a_model_without_bn_has_no_population_statistics(digits):
    net, config = trained_bnviz_model("mlp", "none", digits)
    assert eval_modes.population_statistics(net, config, digits.train_x) == []
    running = eval_modes.running(net, config, digits.test_x, digits.test_y)
    assert eval_modes.population(net, config, digits.test_x, digits.test_y, []).accuracy == running.accuracy
    assert eval_modes.batch_stats(net, config, digits.test_x, digits.test_y, 1).accuracy == running.accuracy
