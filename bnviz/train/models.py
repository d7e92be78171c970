"""The paper's networks, built from one block, with a choice of normalization, depth, width and activation.

A hidden layer is one :func:`block`: a weight layer (``nn.Linear`` or a 3x3 ``nn.Conv2d``), a
normalization and a nonlinearity g, with the normalization either *before* g, as the paper puts it
(Section 3.2: z = g(BN(Wu))), or *after* it (z = BN(g(Wu + b))). ``norm`` picks the normalization:
``"none"`` (the baseline), ``"bnviz"`` (our from-scratch BN), ``"torch"`` (``torch.nn.BatchNorm*``,
the reference for tests and benchmarks) or any other kind of :data:`bnviz.norms.NORMS`. A weight
layer that a normalization follows has no bias unless asked for: the normalization subtracts the
mean, so a bias would be cancelled, and β takes its role (Section 3.2); asked for anyway, it starts at 0 and
the weights are drawn as without it. ``MnistCNN`` is the CNN's conv blocks on MNIST, without the hidden
fully connected layer, so every normalization in it averages over N·H·W values.

Every model returns logits from ``forward`` and, from ``forward_probed``, also the input of every
hidden nonlinearity, which the trainer turns into histograms and the paper's Figure 1(b,c)
percentiles. With the normalization before g that input is the normalization's output.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from bnviz.data import LitPixels
from bnviz.norms import DEFAULT_EPS, DEFAULT_MOMENTUM, GroupNorm, make_norm

# Std of the Gaussian weight init of the MNIST MLP. The paper says only "small random Gaussian
# values"; 0.01 leaves the sigmoid baseline stuck near chance for thousands of steps, while this
# value gives a baseline like the paper's Figure 1(a) (see README, "Choosing the init").
MLP_INIT_STD = 0.1

ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
POSITIONS = ("before", "after")  # the normalization before the nonlinearity (the paper's) or after it


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


def max_pool_2x2(h: Tensor) -> Tensor:
    """``nn.functional.max_pool2d(h, 2)``: the maximum of each 2x2 window, stride 2 (an odd last row or column dropped).

    Without a gradient to take (evaluations and probes) it is the elementwise maximum of the four strided
    views: the same values, exactly, and 2 to 10 times faster on a CPU than torch's kernel, which also
    records where each maximum was for its backward pass. Training keeps torch's kernel and its backward.
    """
    if torch.is_grad_enabled() and h.requires_grad:
        return nn.functional.max_pool2d(h, 2)
    h = h[..., : h.shape[-2] // 2 * 2, : h.shape[-1] // 2 * 2]  # (B, C, 2·H', 2·W')
    top = torch.maximum(h[..., 0::2, 0::2], h[..., 0::2, 1::2])
    return torch.maximum(top, torch.maximum(h[..., 1::2, 0::2], h[..., 1::2, 1::2]))  # (B, C, H', W')


def block(h: Tensor | LitPixels, weight: nn.Module, norm: nn.Module, g, position: str) -> tuple[Tensor, Tensor]:
    """One hidden layer: ``(output, the nonlinearity's input)``. ``norm`` is ``nn.Identity`` without one."""
    wu = linear_lit(weight, h) if isinstance(h, LitPixels) else weight(h)  # W u (+ b)
    if position == "before":
        # z = BN(W u),  output g(z)   (Section 3.2: BN just before the nonlinearity)
        z = norm(wu)
        return g(z), z
    # z = W u + b,  output BN(g(z))
    return norm(g(wu)), wu


class BlockNet(nn.Module):
    """What the two networks share: weight layers, their normalizations and the block settings."""

    def __init__(
        self,
        norm: str,
        activation: str,
        position: str,
        dropout: float,
        bias: bool | None,
        eps: float,
        momentum: float | None,
        affine: bool,
        groups: int | None = None,
    ):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)} (got {activation!r})")
        if position not in POSITIONS:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)} (got {position!r})")
        self.norm, self.activation, self.position = norm, activation, position
        self.g = ACTIVATIONS[activation]
        # a bias before a normalization is cancelled by its mean subtraction, unless the nonlinearity comes first
        self.use_bias = (norm == "none" or position == "after") if bias is None else bias
        # asked for where a normalization follows: a bias its mean subtraction cancels (Section 3.2)
        self.redundant_bias = bool(bias) and norm != "none" and position == "before"
        self.norm_options = dict(eps=eps, momentum=momentum, affine=affine)
        self.groups = groups  # GroupNorm's group count (None: the registry's, Wu & He's 32 or the largest divisor)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None  # after each hidden block's output

    @property
    def probe_activation(self) -> str:
        """How saturation is defined for the probed nonlinearity (bnviz.train.probes.saturation)."""
        return self.activation

    def make_norm(self, num_features: int, dims: int) -> nn.Module:
        if self.norm == "group" and self.groups is not None:
            return GroupNorm(
                self.groups, num_features, eps=self.norm_options["eps"], affine=self.norm_options["affine"]
            )
        return make_norm(self.norm, num_features, dims, **self.norm_options) or nn.Identity()

    def weight_layer(self, kind: type[nn.Linear] | type[nn.Conv2d], *shape) -> nn.Module:
        """``kind(*shape)`` with this network's bias. A redundant bias is added at 0 after the weights are drawn,
        so the network starts from exactly the weights it has without one: only the bias differs."""
        if not self.redundant_bias:
            return kind(*shape, bias=self.use_bias)
        layer = kind(*shape, bias=False)  # draws the weights as the bias-free network does
        layer.bias = nn.Parameter(torch.zeros(layer.weight.shape[0]))  # b = 0, one per output unit or map
        return layer

    def hidden(self, h, weight: nn.Module, norm: nn.Module) -> tuple[Tensor, Tensor]:
        out, z = block(h, weight, norm, self.g, self.position)
        return (out if self.dropout is None else self.dropout(out)), z

    def forward(self, x) -> Tensor:
        return self.forward_probed(x)[0]


class MnistMLP(BlockNet):
    """Section 4.1: 784 inputs, fully connected hidden layers (the paper's: three of 100 sigmoids), 10-way softmax."""

    default_activation = "sigmoid"

    def __init__(
        self,
        norm: str = "bnviz",
        init_std: float | None = MLP_INIT_STD,
        hidden: tuple[int, ...] = (100, 100, 100),
        activation: str = "sigmoid",
        position: str = "before",
        dropout: float = 0.0,
        bias: bool | None = None,
        eps: float = DEFAULT_EPS,
        momentum: float | None = DEFAULT_MOMENTUM,
        affine: bool = True,
        groups: int | None = None,
    ):
        super().__init__(norm, activation, position, dropout, bias, eps, momentum, affine, groups)
        widths = (784, *hidden)
        self.linears = nn.ModuleList(self.weight_layer(nn.Linear, a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.norms = nn.ModuleList(self.make_norm(b, 1) for b in hidden)
        self.out = nn.Linear(widths[-1], 10)
        if init_std is not None:
            init_gaussian((*self.linears, self.out), init_std)

    def layer_names(self) -> list[str]:
        return [f"layer{i + 1}" for i in range(len(self.linears))]

    def weight_layers(self) -> list[nn.Module]:
        """The layer whose weights feed each probed nonlinearity (for gradient norms)."""
        return list(self.linears)

    def norm_layers(self) -> list[nn.Module]:
        """The normalization of each hidden layer (``nn.Identity`` without one), for probing x̂."""
        return list(self.norms)

    def forward_probed(self, x: Tensor | LitPixels) -> tuple[Tensor, list[Tensor]]:
        """Logits ``(B, 10)`` and the input to each hidden nonlinearity, each ``(B, width)``.

        ``x`` is ``(B, 784)`` pixels, or binary images as :class:`~bnviz.data.LitPixels`.
        """
        pre = []
        h = x  # (B, 784)
        for linear, norm in zip(self.linears, self.norms):
            h, z = self.hidden(h, linear, norm)  # (B, width)
            pre.append(z)
        return self.out(h), pre


class CifarCNN(BlockNet):
    """Blocks Conv3x3 → BN2d → ReLU → MaxPool (32, 64, 128 maps), then FC → 128 (→ BN1d) → ReLU → 10."""

    default_activation = "relu"
    in_shape = (3, 32, 32)  # (C, H, W) of an input image
    fc_width: int | None = 128  # the hidden fully connected layer (None: the last block feeds the classifier)

    def __init__(
        self,
        norm: str = "bnviz",
        init_std: float | None = None,
        channels: tuple[int, ...] = (32, 64, 128),
        activation: str = "relu",
        position: str = "before",
        dropout: float = 0.0,
        bias: bool | None = None,
        eps: float = DEFAULT_EPS,
        momentum: float | None = DEFAULT_MOMENTUM,
        affine: bool = True,
        groups: int | None = None,
    ):
        super().__init__(norm, activation, position, dropout, bias, eps, momentum, affine, groups)
        c, size, _ = self.in_shape
        ins = (c, *channels)
        self.convs = nn.ModuleList(self.weight_layer(nn.Conv2d, a, b, 3, 1, 1) for a, b in zip(ins[:-1], ins[1:]))
        self.norms = nn.ModuleList(self.make_norm(ch, 2) for ch in channels)
        flat = channels[-1] * (size // 2 ** len(channels)) ** 2  # CIFAR: 128 * 4 * 4 = 2048
        fc = [self.weight_layer(nn.Linear, flat, self.fc_width)] if self.fc_width else []
        self.fc = fc[0] if fc else None
        self.fc_norm = self.make_norm(self.fc_width, 1) if fc else None
        self.out = nn.Linear(self.fc_width or flat, 10)
        if init_std is not None:
            init_gaussian((*self.convs, *fc, self.out), init_std)

    def layer_names(self) -> list[str]:
        return [f"conv{i + 1}" for i in range(len(self.convs))] + (["fc1"] if self.fc else [])

    def weight_layers(self) -> list[nn.Module]:
        return [*self.convs, *([self.fc] if self.fc else [])]

    def norm_layers(self) -> list[nn.Module]:
        return [*self.norms, *([self.fc_norm] if self.fc else [])]

    def forward_probed(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """Logits ``(B, 10)`` and the input to each nonlinearity: ``(B, C, H, W)`` per block, then ``(B, 128)``."""
        pre = []
        h = x  # (B, 3, 32, 32)
        for conv, norm in zip(self.convs, self.norms):
            h, z = self.hidden(h, conv, norm)  # (B, C, H, W)
            pre.append(z)
            h = max_pool_2x2(h)  # (B, C, H/2, W/2)
        h = h.flatten(1)  # (B, C·H·W)
        if self.fc is not None:
            h, z = self.hidden(h, self.fc, self.fc_norm)  # (B, 128)
            pre.append(z)
        return self.out(h), pre


class MnistCNN(CifarCNN):
    """The CNN's blocks on MNIST's 1x28x28 binary images (e.g. 8 and 16 maps), then straight to the 10-way
    classifier: every normalization averages over N·H·W values per map, as in Wu & He's ResNet-50, with
    no hidden fully connected layer whose BN over 2 examples would give x̂ = ±1."""

    in_shape = (1, 28, 28)
    fc_width = None


MODELS = {"mlp": MnistMLP, "cnn": CifarCNN, "mnist-cnn": MnistCNN}


def build_model(model: str, norm: str, init_std: float | None = None, **shape) -> nn.Module:
    """``build_model("mlp", "bnviz", 0.1)``; ``init_std=None`` keeps each model's default init.

    ``shape``: the model's other arguments (``hidden`` or ``channels``, ``activation``, ``position``, ...).
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if model == "mlp" and init_std is None:
        init_std = MLP_INIT_STD
    return MODELS[model](norm=norm, init_std=init_std, **shape)


def model_for(config) -> nn.Module:
    """The network a :class:`~bnviz.train.config.TrainConfig` describes, freshly initialized."""
    shape = dict(
        position=config.norm_position,
        dropout=config.dropout,
        bias=config.bias,
        eps=config.norm_eps,
        momentum=config.norm_momentum,
        affine=config.affine,
    )
    if config.norm_groups is not None:
        shape["groups"] = config.norm_groups
    if config.activation is not None:
        shape["activation"] = config.activation
    if config.model == "mlp":
        shape["hidden"] = (config.width,) * config.depth
    else:
        shape["channels"] = tuple(config.channels)
    model = build_model(config.model, config.norm, config.init_std, **shape)
    if config.renorm_warmup is not None:  # Batch Renorm's warm-up as a share of this run (bnviz.norms.batch_renorm)
        bn_steps, warmup_steps = config.renorm_schedule()
        for layer in model.modules():
            if hasattr(layer, "warmup_steps"):
                layer.bn_steps, layer.warmup_steps = bn_steps, warmup_steps
    return model
