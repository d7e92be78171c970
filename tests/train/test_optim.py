"""bnviz.train.optim.SGD against torch.optim.SGD (the oracle): the same parameters, bit for bit."""

import subprocess
import sys

import pytest
import torch
from torch import nn

from bnviz.train.models import build_model
from bnviz.train.optim import SGD, Adam


def _train(make_opt, steps=6, **opt_kwargs):
    torch.manual_seed(0)
    model = build_model("mlp", "bnviz", 0.1)
    opt = make_opt(model.parameters(), lr=0.3, **opt_kwargs)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.rand(20, 784, generator=g)
        y = torch.randint(0, 10, (20,), generator=g)
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model.state_dict()


@pytest.mark.parametrize("momentum,weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.0, 5e-4), (0.9, 5e-4)])
def test_sgd_matches_torch_optim_bit_for_bit(momentum, weight_decay):
    ours = _train(SGD, momentum=momentum, weight_decay=weight_decay)
    theirs = _train(torch.optim.SGD, momentum=momentum, weight_decay=weight_decay)
    for name in theirs:
        assert torch.equal(ours[name], theirs[name]), name


@pytest.mark.parametrize("weight_decay", [0.0, 5e-4])
def test_adam_matches_torch_optim_bit_for_bit(weight_decay):
    ours = _train(Adam, steps=8, weight_decay=weight_decay)
    theirs = _train(torch.optim.Adam, steps=8, weight_decay=weight_decay)
    for name in theirs:
        assert torch.equal(ours[name], theirs[name]), name


def test_adam_first_step_moves_each_weight_by_about_the_learning_rate():
    """Adam's bias correction makes step 1 θ − η·g/(|g| + ε'): every weight with a gradient moves by ≈ η."""
    w = nn.Parameter(torch.zeros(4))
    opt = Adam([w], lr=0.01)
    w.grad = torch.tensor([1e-3, -2.0, 30.0, 0.0])
    opt.step()
    torch.testing.assert_close(w.detach(), torch.tensor([-0.01, 0.01, -0.01, 0.0]), rtol=1e-4, atol=1e-7)


def test_sgd_skips_parameters_without_gradient():
    a, b = nn.Parameter(torch.ones(3)), nn.Parameter(torch.ones(3))
    opt = SGD([a, b], lr=0.5)
    a.grad = torch.full((3,), 2.0)
    opt.step()
    assert torch.equal(a.detach(), torch.zeros(3)) and torch.equal(b.detach(), torch.ones(3))
    opt.zero_grad()
    assert a.grad is None


@pytest.mark.parametrize("kwargs", [{"lr": 0}, {"lr": 0.1, "momentum": 1.0}, {"lr": 0.1, "weight_decay": -1}])
def test_sgd_rejects_bad_hyperparameters(kwargs):
    with pytest.raises(ValueError):
        SGD([nn.Parameter(torch.ones(1))], **kwargs)


@pytest.mark.slow
def test_training_does_not_import_dynamo():
    """torch.optim imports torch._dynamo (about 70 MB resident); an eager run must not need it."""
    code = (
        "import sys\n"
        "from bnviz.train.config import TrainConfig\nfrom bnviz.data import synthetic\nfrom bnviz.train.trainer import train\n"
        "list(train(TrainConfig(dataset='synthetic-mnist', steps=20, eval_every=10, probe_every=10),"
        " synthetic('synthetic-mnist', 200, 50)))\n"
        "print('torch._dynamo' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
