"""Tiny float64 networks and a before/after snapshot for the ICS and landscape probe tests (``import probe_models``)."""

from __future__ import annotations

import copy

import torch
from torch import nn

from bnviz.train.models import CifarCNN, MnistMLP


def tiny_model(model: str, norm: str) -> nn.Module:
    """The MLP (784-6-5-4-10) or the CNN (2, 3, 4 maps) in float64, parameters and running stats moved off their init
    (γ ≠ 1, β ≠ 0, Batch Renorm past its BN-only start so its running averages change the training output)."""
    torch.manual_seed(0)
    net = MnistMLP(norm=norm, hidden=(6, 5, 4)) if model == "mlp" else CifarCNN(norm=norm, channels=(2, 3, 4))
    net = net.double()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.2 * torch.randn_like(p))
        for name, b in net.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.3 * torch.randn_like(b))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand_like(b))
            elif name.endswith("num_batches_tracked"):
                b.fill_(2500)
    return net


def tiny_batch(model: str, n: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    shape = (n, 784) if model == "mlp" else (n, 3, 32, 32)
    return torch.rand(shape, generator=g, dtype=torch.float64), torch.randint(0, 10, (n,), generator=g)


def blocks(model: str, depth: int = 3) -> list[tuple[str, ...]]:
    """``state_dict`` prefixes of each block (a weight layer and the normalization after it), spelled out by hand."""
    if model == "mlp":
        return [(f"linears.{j}.", f"norms.{j}.") for j in range(depth)]
    return [*((f"convs.{j}.", f"norms.{j}.") for j in range(depth)), ("fc.", "fc_norm.")]


def explicit_gradients(net: nn.Module, x, y, rng: torch.Tensor) -> tuple[float, dict[str, torch.Tensor]]:
    """The loss and every parameter's gradient from one plain forward and ``.backward()`` on a deep copy in
    training mode, torch's RNG set to ``rng`` first (the copy's running stats start where the model's are)."""
    net = copy.deepcopy(net).train()
    torch.set_rng_state(rng)
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    return float(loss.detach()), {n: p.grad.clone() for n, p in net.named_parameters()}


class Snapshot:
    """Everything a probe must leave as it was: ``state_dict``, each ``.grad``, torch's RNG, every module's mode,
    and any layer's own generator."""

    def __init__(self, net: nn.Module):
        self.state = {k: v.clone() for k, v in net.state_dict().items()}
        self.grads = {n: None if p.grad is None else p.grad.clone() for n, p in net.named_parameters()}
        self.rng = torch.get_rng_state()
        self.modes = [m.training for m in net.modules()]
        self.generators = [
            m.generator.get_state() for m in net.modules() if isinstance(getattr(m, "generator", None), torch.Generator)
        ]

    def assert_unchanged(self, net: nn.Module) -> None:
        after = net.state_dict()
        assert after.keys() == self.state.keys()
        for k, v in self.state.items():
            assert torch.equal(after[k], v), k
        for n, p in net.named_parameters():
            before = self.grads[n]
            assert (p.grad is None) == (before is None), n
            assert before is None or torch.equal(p.grad, before), n
        assert torch.equal(torch.get_rng_state(), self.rng)
        assert [m.training for m in net.modules()] == self.modes
        states = [
            m.generator.get_state() for m in net.modules() if isinstance(getattr(m, "generator", None), torch.Generator)
        ]
        assert all(torch.equal(a, b) for a, b in zip(states, self.generators)) and len(states) == len(self.generators)


def give_grads_and_mixed_modes(net: nn.Module) -> None:
    """Stale ``.grad`` on every parameter but the first (None there), and one norm layer in eval mode:
    a probe must keep both, not zero the one or flip the other."""
    params = list(net.parameters())
    for p in params[1:]:
        p.grad = torch.randn_like(p)
    params[0].grad = None
    norms = net.norm_layers()
    norms[-1].eval()


TRACE_NORMS = ["none", "bnviz", "torch", "noisy", "renorm"]  # norms a probe must leave as it found them


def assert_probe_leaves_no_trace(norm: str, probe) -> None:
    """``probe(net, x, y)`` on a tiny MLP with ``norm`` (with stale grads and one norm layer in eval mode)
    leaves its parameters, buffers, gradients, random number generators and modes as they were."""
    net = tiny_model("mlp", norm)
    if norm == "noisy":  # a layer with its own generator, besides layers drawing from torch's RNG
        from bnviz.norms import NoisyBatchNorm1d

        net.norms[0] = NoisyBatchNorm1d(6, seed=3).double()
    give_grads_and_mixed_modes(net)
    before = Snapshot(net)
    probe(net, *tiny_batch("mlp"))
    before.assert_unchanged(net)
