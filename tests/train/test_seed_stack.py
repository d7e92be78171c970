"""An arm's seeds trained as one stacked model (bnviz.train.seed_stack): the oracle is each seed trained alone."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from bnviz import data as datasets
from bnviz.runs.runner import seed_jobs
from bnviz.train.config import TrainConfig
from bnviz.train.models import model_for
from bnviz.train.seed_stack import SeedStack, StackedLinear, train_seeds, why_not_stacked
from bnviz.train.trainer import train

pytestmark = pytest.mark.slow  # many short training runs, stacked and alone

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def mnist_like():
    return datasets.synthetic("mnist", n_train=600, n_test=200, seed=0)


def small(**kw) -> TrainConfig:
    base = dict(
        dataset="synthetic-mnist", steps=80, batch_size=30, lr=0.5, eval_every=20, probe_every=20, probe_size=100
    )
    return TrainConfig(**{**base, **kw})


def stacked_records(configs, data) -> list[list[dict]]:
    out = [[] for _ in configs]
    for i, record in train_seeds(configs, data):
        out[i].append(record)
    return out


# Fractions of counted values: a value on the edge (a test image between two classes, a unit at the
# saturation threshold) can fall either way, so each may differ by two of its counts.
COUNTED = {"saturation": 2 / (100 * 100), "acc": 2 / 200}


def assert_close_records(alone: list[dict], stacked: list[dict]) -> None:
    """The same records but for float32 rounding: numbers to 1e-4, a fraction of counts (COUNTED) by
    two counts, and a histogram may move at most 0.2% of its counts to a neighbouring bin."""
    assert [r["step"] for r in stacked] == [r["step"] for r in alone]
    for a, b in zip(alone, stacked):
        assert a.keys() == b.keys()
        for key, va in a.items():
            vb = b[key]
            if key.startswith("time/"):
                continue
            if isinstance(va, float):
                tol = COUNTED.get(key.rsplit("/", 1)[-1], 1e-4)
                assert vb == pytest.approx(va, rel=1e-4, abs=tol), (a["step"], key)
            elif isinstance(va, list):
                assert len(va) == len(vb) and sum(vb) == sum(va), key
                moved = sum(abs(x - y) for x, y in zip(va, vb)) / 2
                assert moved <= max(2, 0.002 * sum(va)), (a["step"], key, moved)
            else:
                assert vb == va, (a["step"], key)


@pytest.mark.parametrize(
    "changes",
    [
        dict(norm="bnviz"),
        dict(norm="none"),
        dict(norm="torch"),
        dict(norm="bnviz", norm_position="after", activation="tanh", depth=2, width=40),
        dict(norm="bnviz", optimizer="adam", lr=0.01, norm_momentum=None),
        dict(norm="none", momentum=0.9, weight_decay=1e-3, lr=0.1, bias=True),
        dict(norm="bnviz", final_eval_modes=True, steps=40),
    ],
    ids=["bn", "none", "torch-bn", "after-tanh", "adam-cumulative", "momentum-decay", "final-eval"],
)
def test_each_seed_gets_the_records_it_gets_alone(mnist_like, changes):
    configs = [small(**changes, seed=s) for s in SEEDS]
    alone = [list(train(c, mnist_like)) for c in configs]
    for a, b in zip(alone, stacked_records(configs, mnist_like)):
        assert_close_records(a, b)


def test_the_seeds_do_differ_so_the_comparison_is_not_vacuous(mnist_like):
    a, b, _ = stacked_records([small(seed=s) for s in SEEDS], mnist_like)
    assert a[-1]["layer1/p50"] != b[-1]["layer1/p50"] and a[-1]["test/loss"] != b[-1]["test/loss"]


def test_stacked_runs_are_deterministic(mnist_like):
    def strip(runs):
        return [[{k: v for k, v in r.items() if not k.startswith("time/")} for r in run] for run in runs]

    configs = [small(seed=s) for s in SEEDS]
    assert strip(stacked_records(configs, mnist_like)) == strip(stacked_records(configs, mnist_like))


def test_the_stack_holds_each_seeds_weights_and_gives_them_back():
    configs = [small(seed=s) for s in SEEDS]
    models = []
    for c in configs:
        torch.manual_seed(c.seed)
        models.append(model_for(c))
    stack = SeedStack(models)
    for s, m in enumerate(models):
        back = stack.load_seed(s, model_for(configs[0]))
        for (name, p), q in zip(m.state_dict().items(), back.state_dict().values()):
            assert torch.equal(p, q), name
    x = torch.rand(len(SEEDS), 30, 784)
    out = stack(x)
    for s, m in enumerate(models):
        torch.testing.assert_close(out[s], m(x[s]), rtol=1e-5, atol=1e-5)


def test_stacked_linear_is_each_seeds_linear_bit_for_bit_and_its_gradients_are_autograds():
    torch.manual_seed(0)
    u = torch.randn(3, 20, 50, requires_grad=True)
    w = torch.randn(3, 7, 50, requires_grad=True)
    b = torch.randn(3, 1, 7, requires_grad=True)
    y = StackedLinear.apply(u, w, b)
    for s in range(3):
        assert torch.equal(y[s], nn.functional.linear(u[s], w[s], b[s, 0]))
    dy = torch.randn_like(y)
    got = torch.autograd.grad(y, (u, w, b), dy)
    want = torch.autograd.grad(torch.baddbmm(b, u, w.transpose(1, 2)), (u, w, b), dy)
    for g, h in zip(got, want):
        torch.testing.assert_close(g, h)


@pytest.mark.parametrize(
    "configs, reason",
    [
        ([small(seed=0)], "one seed"),
        ([small(seed=0), small(seed=1, lr=0.1)], "differ"),
        ([small(seed=1), small(seed=1)], "repeated"),
        ([small(model="cnn", dataset="synthetic-cifar10", seed=s) for s in (0, 1)], "MLP"),
        ([small(norm="layer", seed=s) for s in (0, 1)], "layer"),
        ([small(dropout=0.2, seed=s) for s in (0, 1)], "dropout"),
        ([small(probe_ics=True, seed=s) for s in (0, 1)], "Santurkar"),
    ],
)
def test_what_cannot_be_stacked_says_why(configs, reason):
    assert reason in why_not_stacked(configs)
    with pytest.raises(ValueError, match="cannot train as one model"):
        next(train_seeds(configs, datasets.synthetic("mnist", n_train=100, n_test=20, seed=0)))


def test_a_diverging_stack_ends_every_seed_with_a_diverged_record(mnist_like):
    configs = [small(seed=s, lr=1e38, norm="none", init_std=5.0, steps=200) for s in SEEDS]
    alone = [list(train(c, mnist_like)) for c in configs]
    for a, run in zip(alone, stacked_records(configs, mnist_like)):
        assert run[-1]["status"] == "diverged" and run[-1]["step"] == a[-1]["step"] < 200
        assert all(math.isfinite(v) for r in run for v in r.values() if isinstance(v, float))


def test_jobs_stack_each_arms_seeds_and_keep_every_core_busy():
    bn, plain = small(norm="bnviz"), small(norm="none")
    two_arms = [c.replace(seed=s) for c in (bn, plain) for s in SEEDS]
    assert seed_jobs(two_arms, workers=2) == [[0, 1, 2], [3, 4, 5]]
    assert seed_jobs(two_arms, workers=1) == [[0, 1, 2], [3, 4, 5]]
    one_arm = [bn.replace(seed=s) for s in SEEDS]
    assert sorted(map(sorted, seed_jobs(one_arm, workers=2))) == [[0, 1], [2]]
    assert seed_jobs(one_arm, workers=8) == [[0], [1], [2]]
    cnn = [small(model="cnn", dataset="synthetic-cifar10", seed=s) for s in SEEDS]
    assert seed_jobs(cnn, workers=1) == [[0], [1], [2]]
