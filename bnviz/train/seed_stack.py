r"""The seeds of one arm trained as one model: S copies of the MNIST MLP that differ only by seed.

An experiment trains each arm with 3 or more seeds. Trained one after another, S seeds pay S times
every fixed cost of a step: each torch call, the autograd engine, the optimizer, Python. Here the
seeds' weights are stacked along a new first axis, so one call does the work of all S:

- layer l's weight is ``(S, out, in)`` and a mini-batch ``(S, B, in)``: seed s's W u is slice s of
  one ``torch.bmm`` (the same sums as its own ``F.linear``, bit for bit);
- the normalization is the config's own layer over S·F channels (seed s's unit j is channel
  s·F + j): BN takes every channel's statistics over the batch, so each seed's units are normalized
  with that seed's μ_B and σ²_B, and keep their own running averages;
- the loss is the sum of the seeds' mean losses, so ∂loss/∂θ_s is seed s's own gradient, and the
  optimizer's update (SGD or Adam, element by element) is seed s's own update.

Each seed draws its own initial weights (``torch.manual_seed(seed)``, as alone) and its own batch
order, so seed s's records equal those of seed s trained alone up to float32 rounding (the BN
layer's reductions run over a wider tensor; ``tests/train/test_seed_stack.py`` holds them together).
Records come from the trainer's own code: at a record step each seed's slice is copied into a
plain :class:`~bnviz.train.models.MnistMLP`, which is probed and evaluated as a run alone is.

Where it applies (:func:`why_not_stacked`): the MLP, normalizations that take statistics per unit
over the batch (none, BN, torch's BN: ``stacks_seeds`` in :data:`bnviz.norms.NORMS`), no dropout, and
no Santurkar et al. probes (they re-run the network on copies of one model). Anything else trains
seed by seed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from bnviz import data as datasets
from bnviz.norms import NORMS
from bnviz.train.batches import training_batch, training_batches
from bnviz.train.compile import compile_or_eager
from bnviz.train.config import TrainConfig
from bnviz.train.models import MnistMLP, model_for
from bnviz.train.optim import make_optimizer
from bnviz.train.record import diverged, make_record, record_views


def why_not_stacked(configs: list[TrainConfig]) -> str | None:
    """Why ``configs`` cannot train as one stacked model, or None if they can."""
    first = configs[0]
    if len(configs) < 2:
        return "one seed"
    if any(c.replace(seed=first.seed) != first for c in configs):
        return "the configs differ in more than the seed"
    if len({c.seed for c in configs}) < len(configs):
        return "a seed is repeated"
    if first.model != "mlp":
        return "only the MLP is stacked"
    if not NORMS[first.norm].stacks_seeds:  # statistics per unit over the batch, no random draws
        return f"{first.norm} is not stacked (only {', '.join(k for k, n in NORMS.items() if n.stacks_seeds)})"
    if first.dropout:
        return "dropout draws random masks: trained seed by seed"
    if first.probe_ics or first.probe_landscape:
        return "Santurkar et al.'s probes run on one model"
    return None


class StackedLinear(torch.autograd.Function):
    """y_s = u_s W_sᵀ (+ b_s) for every seed s: ``(S, B, in)``, ``(S, out, in)`` -> ``(S, B, out)``.

    Autograd's own ``bmm`` backward would compute ∂ℓ/∂W as ``(S, in, out)`` and copy it into W's
    layout (about as long as the product itself at 784 inputs); here it is formed in W's layout,
    ∂ℓ/∂W_s = (∂ℓ/∂y_s)ᵀ u_s, as ``F.linear``'s backward forms it for one seed.
    """

    @staticmethod
    def forward(ctx, u: Tensor, weight: Tensor, bias: Tensor | None):
        ctx.save_for_backward(u, weight)
        ctx.has_bias = bias is not None
        w = weight.transpose(1, 2)  # (S, in, out)
        return torch.bmm(u, w) if bias is None else torch.baddbmm(bias, u, w)

    @staticmethod
    def backward(ctx, dy: Tensor):
        u, weight = ctx.saved_tensors
        du = torch.bmm(dy, weight) if ctx.needs_input_grad[0] else None  # ∂ℓ/∂u_s = ∂ℓ/∂y_s W_s
        dw = torch.bmm(dy.transpose(1, 2).contiguous(), u)  # ∂ℓ/∂W_s = (∂ℓ/∂y_s)ᵀ u_s
        db = dy.sum(1, keepdim=True) if ctx.has_bias else None  # ∂ℓ/∂b_s = Σ_i ∂ℓ/∂y_si
        return du, dw, db


def wide(norm: nn.Module, z: Tensor) -> Tensor:
    """``norm`` over S·F channels applied to ``z`` ``(S, B, F)``: each seed's units as channels of one ``(B, S·F)``."""
    if isinstance(norm, nn.Identity):
        return z
    s, b, f = z.shape
    return norm(z.transpose(0, 1).reshape(b, s * f)).view(b, s, f).transpose(0, 1)


class SeedStack(nn.Module):
    """S :class:`~bnviz.train.models.MnistMLP` of one shape as one network: ``forward`` maps ``(S, B, 784)``
    to logits ``(S, B, 10)``; :meth:`load_seed` copies seed s back into a plain MLP."""

    def __init__(self, models: list[MnistMLP]):
        super().__init__()
        first = models[0]
        self.seeds, self.g, self.position = len(models), first.g, first.position

        def stacked(tensors) -> nn.Parameter:
            return nn.Parameter(torch.stack([t.detach() for t in tensors]))  # a new tensor: the models keep theirs

        layers = [*first.linears, first.out]
        self.weights = nn.ParameterList(
            stacked(m_layers[i].weight for m_layers in self._layers(models)) for i in range(len(layers))
        )
        self.biases = nn.ParameterList(
            stacked(m_layers[i].bias.unsqueeze(0) for m_layers in self._layers(models))
            for i, layer in enumerate(layers)
            if layer.bias is not None
        )
        self.has_bias = [layer.bias is not None for layer in layers]
        self.norms = nn.ModuleList()
        for i, norm in enumerate(first.norms):
            if isinstance(norm, nn.Identity):
                self.norms.append(nn.Identity())
                continue
            width = first.linears[i].out_features
            layer = first.make_norm(self.seeds * width, 1)
            with torch.no_grad():
                for name, t in [*layer.named_parameters(), *layer.named_buffers()]:
                    parts = [getattr(m.norms[i], name) for m in models]
                    t.copy_(torch.cat(parts) if t.dim() else parts[0])  # num_batches_tracked: one count for all
            self.norms.append(layer)

    @staticmethod
    def _layers(models: list[MnistMLP]) -> list[list[nn.Linear]]:
        return [[*m.linears, m.out] for m in models]

    def _affine(self, i: int, h: Tensor) -> Tensor:
        """Layer i's W u (+ b) for every seed: ``(S, B, in) -> (S, B, out)``, one ``bmm``."""
        bias = self.biases[sum(self.has_bias[:i])] if self.has_bias[i] else None
        return StackedLinear.apply(h, self.weights[i], bias)

    def forward(self, x: Tensor) -> Tensor:
        h = x  # (S, B, 784)
        for i, norm in enumerate(self.norms):
            wu = self._affine(i, h)  # (S, B, width)
            # before g: z = BN(W u), output g(z); after: output BN(g(W u + b))
            h = self.g(wide(norm, wu)) if self.position == "before" else wide(norm, self.g(wu))
        return self._affine(len(self.norms), h)  # (S, B, 10)

    def weights_now(self) -> list[Tensor]:
        """Each hidden layer's stacked weights ``(S, out, in)``, copied before an update (the update:data ratio)."""
        return [w.detach().clone() for w in self.weights[: len(self.norms)]]

    @torch.no_grad()
    def load_seed(self, s: int, model: MnistMLP) -> MnistMLP:
        """Copy seed ``s``'s parameters, gradients and running averages into ``model`` (same shape); returns it."""

        def put(t: Tensor, stacked: Tensor, part) -> None:
            t.copy_(stacked[part])
            if isinstance(t, nn.Parameter):
                t.grad = None if stacked.grad is None else stacked.grad[part].clone()

        biases = iter(self.biases)
        for i, layer in enumerate([*model.linears, model.out]):
            put(layer.weight, self.weights[i], s)  # (out, in)
            if self.has_bias[i]:
                put(layer.bias, next(biases), (s, 0))  # (out,)
        for norm, stacked in zip(model.norms, self.norms):
            if isinstance(norm, nn.Identity):
                continue
            units = slice(s * norm.num_features, (s + 1) * norm.num_features)
            for name, t in [*norm.named_parameters(), *norm.named_buffers()]:
                if t.dim():
                    put(t, getattr(stacked, name), units)
                else:  # num_batches_tracked: one count, the same for every seed
                    t.copy_(getattr(stacked, name))
        return model


def train_seeds(
    configs: list[TrainConfig], data: datasets.Dataset | None = None, data_dir=None
) -> Iterator[tuple[int, dict]]:
    """Train ``configs`` (the same but for the seed; see :func:`why_not_stacked`) as one stacked model and
    yield ``(i, record)``: the records of ``configs[i]``, as :func:`bnviz.train.trainer.train` gives them
    for it alone, up to float32 rounding. A seed that diverges ends with its "diverged" record; the rest go on."""
    reason = why_not_stacked(configs)
    if reason is not None:
        raise ValueError(f"these runs cannot train as one model: {reason}")
    config = configs[0]
    if data is None:
        data = datasets.load(config.dataset, data_dir)
    solo = []
    for c in configs:
        torch.manual_seed(c.seed)  # each seed's initial weights, as it draws them alone
        solo.append(model_for(c).train())
    stack = SeedStack(solo).train()
    n = len(configs)

    def batch_loss(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        logits = stack(x)  # (S, B, 10)
        # each seed's mean loss over its own mini-batch; their sum has each seed's gradient
        losses = nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none").view(n, -1).mean(1)
        return losses.sum(), losses.detach()

    step_loss = compile_or_eager(batch_loss) if config.compile else batch_loss
    optimizer = make_optimizer(config, stack.parameters())
    batches = [training_batches(c, data, torch.Generator().manual_seed(c.seed)) for c in configs]
    views = record_views(config, data)

    start = time.perf_counter()
    loss_sum, loss_count = [0.0] * n, 0
    alive = set(range(n))
    before = None
    for step in range(config.steps + 1):
        if step > 0:
            idx = torch.cat([b.next() for b in batches])  # (S·B,): seed s's batch is slice s
            x, y = training_batch(config, data, idx)
            total, losses = step_loss(x.view(n, -1, x.shape[-1]), y.view(n, -1))
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            before = stack.weights_now() if step in views.probe_steps else None
            optimizer.step()
            loss_count += 1
            for i, value in enumerate(losses.tolist()):
                if i in alive and not math.isfinite(value):
                    alive.discard(i)
                    yield i, diverged(step, start)
                loss_sum[i] += value
            if not alive:
                return
        if not views.records_at(step):
            continue
        for i in sorted(alive):
            mean = loss_sum[i] / loss_count if loss_count else None
            model = stack.load_seed(i, solo[i])
            record = make_record(
                step, model, configs[i], views, mean, None if before is None else [w[i] for w in before], start
            )
            if record["status"] == "diverged":
                alive.discard(i)
            yield i, record
        loss_sum, loss_count = [0.0] * n, 0
        if not alive:
            return
