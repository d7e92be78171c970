"""The paper's networks, with a choice of normalization.

``norm`` picks what sits before each nonlinearity: ``"none"`` (the baseline), ``"bnviz"`` (our
from-scratch layers) or ``"torch"`` (``torch.nn.BatchNorm*``, the reference for tests and
benchmarks). A layer that BN follows has no bias: BN subtracts the mean, so a bias would be
cancelled, and β takes its role (Section 3.2).

Both models return logits from ``forward`` and, from ``forward_probed``, also the input of
every hidden nonlinearity (for the BN networks, that input is the BN output), which the
trainer turns into histograms and the paper's Figure 1(b,c) percentiles.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from bnviz.data import LitPixels
from bnviz.norms import make_norm

# Std of the Gaussian weight init of the MNIST MLP. The paper says only "small random Gaussian
# values"; 0.01 leaves the sigmoid baseline stuck near chance for thousands of steps, while this
# value gives a baseline like the paper's Figure 1(a) (see README, "Choosing the init").
MLP_INIT_STD = 0.1


def init_gaussian(layers, std: float) -> None:
    """Weights ~ N(0, std²), biases 0: the paper's 'small random Gaussian values'."""
    for layer in layers:
        nn.init.normal_(layer.weight, 0.0, std)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)


def linear_lit(linear: nn.Linear, x: LitPixels) -> Tensor:
    """``linear(u)`` for binary images ``u`` given by their lit pixels (see :class:`bnviz.data.LitPixels`)."""
    # u_j ∈ {0, 1}:  W u + b = Σ_{j: u_j = 1} W[:, j] + b, one (B, out) row per image
    out = nn.functional.embedding_bag(x.index, linear.weight.t().contiguous(), x.offsets, mode="sum")
    return out if linear.bias is None else out + linear.bias


class MnistMLP(nn.Module):
    """Section 4.1: 784 inputs, three fully connected layers of 100 sigmoids, 10-way softmax output."""

    probe_activation = "sigmoid"

    def __init__(
        self, norm: str = "bnviz", init_std: float | None = MLP_INIT_STD, hidden: tuple[int, ...] = (100, 100, 100)
    ):
        super().__init__()
        self.norm = norm
        widths = (784, *hidden)
        self.linears = nn.ModuleList(nn.Linear(a, b, bias=(norm == "none")) for a, b in zip(widths[:-1], widths[1:]))
        norms = [make_norm(norm, b, 1) for b in hidden]
        self.norms = nn.ModuleList(n if n is not None else nn.Identity() for n in norms)
        self.out = nn.Linear(widths[-1], 10)
        if init_std is not None:
            init_gaussian((*self.linears, self.out), init_std)

    def layer_names(self) -> list[str]:
        return [f"layer{i + 1}" for i in range(len(self.linears))]

    def weight_layers(self) -> list[nn.Module]:
        """The layer whose weights feed each probed nonlinearity (for gradient norms)."""
        return list(self.linears)

    def norm_layers(self) -> list[nn.Module]:
        """The normalization before each probed nonlinearity (``nn.Identity`` without BN), for probing x̂."""
        return list(self.norms)

    def forward_probed(self, x: Tensor | LitPixels) -> tuple[Tensor, list[Tensor]]:
        """Logits ``(B, 10)`` and the input to each hidden sigmoid, each ``(B, 100)``.

        ``x`` is ``(B, 784)`` pixels, or binary images as :class:`~bnviz.data.LitPixels`.
        """
        pre = []
        h = x  # (B, 784)
        for linear, norm in zip(self.linears, self.norms):
            wu = linear_lit(linear, h) if isinstance(h, LitPixels) else linear(h)  # (B, 100): Wu (+ b)
            z = norm(wu)  # BN(Wu) with BN
            pre.append(z)
            h = torch.sigmoid(z)
        return self.out(h), pre

    def forward(self, x: Tensor | LitPixels) -> Tensor:
        return self.forward_probed(x)[0]


class CifarCNN(nn.Module):
    """Three blocks Conv3x3 → BN2d → ReLU → MaxPool (32, 64, 128 maps), then FC 2048 → 128 (→ BN1d) → ReLU → 10."""

    probe_activation = "relu"

    def __init__(self, norm: str = "bnviz", init_std: float | None = None, channels: tuple[int, ...] = (32, 64, 128)):
        super().__init__()
        self.norm = norm
        ins = (3, *channels)
        self.convs = nn.ModuleList(
            nn.Conv2d(a, b, 3, padding=1, bias=(norm == "none")) for a, b in zip(ins[:-1], ins[1:])
        )
        self.norms = nn.ModuleList((make_norm(norm, c, 2) or nn.Identity()) for c in channels)
        flat = channels[-1] * (32 // 2 ** len(channels)) ** 2  # 128 * 4 * 4 = 2048
        self.fc = nn.Linear(flat, 128, bias=(norm == "none"))
        self.fc_norm = make_norm(norm, 128, 1) or nn.Identity()
        self.out = nn.Linear(128, 10)
        if init_std is not None:
            init_gaussian((*self.convs, self.fc, self.out), init_std)

    def layer_names(self) -> list[str]:
        return [f"conv{i + 1}" for i in range(len(self.convs))] + ["fc1"]

    def weight_layers(self) -> list[nn.Module]:
        return [*self.convs, self.fc]

    def norm_layers(self) -> list[nn.Module]:
        return [*self.norms, self.fc_norm]

    def forward_probed(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """Logits ``(B, 10)`` and the input to each ReLU: ``(B, C, H, W)`` per block, then ``(B, 128)``."""
        pre = []
        h = x  # (B, 3, 32, 32)
        for conv, norm in zip(self.convs, self.norms):
            z = norm(conv(h))  # (B, C, H, W)
            pre.append(z)
            h = nn.functional.max_pool2d(torch.relu(z), 2)  # (B, C, H/2, W/2)
        z = self.fc_norm(self.fc(h.flatten(1)))  # (B, 128)
        pre.append(z)
        return self.out(torch.relu(z)), pre

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_probed(x)[0]


MODELS = {"mlp": MnistMLP, "cnn": CifarCNN}


def build_model(model: str, norm: str, init_std: float | None = None) -> nn.Module:
    """``build_model("mlp", "bnviz", 0.1)``; ``init_std=None`` keeps each model's default init."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if model == "mlp" and init_std is None:
        init_std = MLP_INIT_STD
    return MODELS[model](norm=norm, init_std=init_std)
