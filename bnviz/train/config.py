"""One frozen dataclass describes a training run: everything that decides its numbers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bnviz.data import DATASETS
from bnviz.norms import DEFAULT_EPS, DEFAULT_MOMENTUM, NORMS
from bnviz.train.models import ACTIVATIONS, MODELS, POSITIONS

OPTIMIZERS = ("sgd", "adam")
MAX_DEPTH, MAX_WIDTH, MAX_CHANNELS = 20, 1024, 512


@dataclass(frozen=True)
class TrainConfig:
    model: str = (
        "mlp"  # "mlp": Section 4.1's 3x100 sigmoid MNIST net; "cnn": the CIFAR-10 CNN; "mnist-cnn": its blocks on MNIST
    )
    norm: str = (
        "bnviz"  # a kind of bnviz.norms.NORMS: "none" (baseline), "bnviz" (our BN), "torch" (reference), "layer", ...
    )
    dataset: str = "mnist"  # "mnist" | "cifar10" | "synthetic-mnist" | "synthetic-cifar10"
    steps: int = 50_000  # mini-batch updates
    batch_size: int = 60  # the paper's 60 examples per mini-batch
    optimizer: str = "sgd"  # "sgd": plain SGD, the paper's MNIST setting (momentum can make it heavy-ball); "adam"
    lr: float = 0.5  # learning rate
    momentum: float = 0.0  # SGD momentum (Adam keeps torch's betas 0.9, 0.999)
    weight_decay: float = 0.0  # L2 penalty in SGD
    init_std: float | None = None  # Gaussian weight std; None = the model's default (MLP 0.1, CNN torch's)
    seed: int = 0  # seeds the init, the batch order and the augmentation
    eval_every: int = 500  # test accuracy on the whole test set every this many steps
    probe_every: int = 500  # histograms and percentiles on the fixed probe batch every this many steps
    early_probes: bool = True  # also probe at steps 1, 2, 5, 10, 20, 50, ... so early training is visible
    probe_size: int = 1000  # examples in the fixed probe batch
    probe_unit: int = 0  # which unit of each layer Figure 1(b,c)'s percentiles follow
    binarize: bool = True  # MNIST pixels >= 128 -> 1 else 0: the paper's "binary image" input
    augment: bool = False  # CIFAR-10: random 4-pixel-padded crop and horizontal flip
    compile: bool = False  # torch.compile the model (faster on long runs; falls back to eager)
    # The network's shape (the defaults are the paper's networks; see bnviz.train.models):
    depth: int = 3  # MLP: hidden layers (1 to 20)
    width: int = 100  # MLP: units per hidden layer
    channels: tuple[int, ...] = (32, 64, 128)  # CNN: feature maps of each conv block (1 to 5 blocks)
    activation: str | None = None  # "sigmoid" | "tanh" | "relu"; None = the model's own (MLP sigmoid, CNN ReLU)
    norm_position: str = "before"  # the normalization "before" the nonlinearity (Section 3.2) or "after" it
    bias: bool | None = None  # a bias in the weight layers; None = only where no normalization follows
    dropout: float = 0.0  # dropout probability after each hidden layer's output (0: none, as in the paper)
    # The normalization layers' own settings, with torch's meanings:
    norm_eps: float = DEFAULT_EPS  # ε in √(σ² + ε)
    norm_momentum: float | None = DEFAULT_MOMENTUM  # running averages' weight on the new batch; None = cumulative
    affine: bool = True  # learn γ and β (False: the output is x̂ itself)
    norm_groups: int | None = None  # GroupNorm's groups in every layer; None: Wu & He's 32 or the largest divisor below
    # Batch Renorm's warm-up as shares of the run: plain BN until the first, the bounds at r_max, d_max from the
    # second (e.g. (0.1, 0.5)); None: the layer's own, a 5,000-step ramp from step 0 (bnviz.norms.batch_renorm)
    renorm_warmup: tuple[float, float] | None = None
    # Training batches and a last look at the trained network (issue #16, experiment 2):
    batches: str = "random"  # "random": shuffled (the paper's); "one-class": every mini-batch one class (non-i.i.d.)
    final_eval_modes: bool = False  # at the last step also test the network four ways (bnviz.train.final_eval)
    # Santurkar et al.'s probes at every probe step, off unless asked (bnviz.train.optimization_probes):
    probe_ics: bool = False  # internal covariate shift per layer (their Section 2.2); each costs about 3 training steps
    probe_landscape: bool = False  # the loss and gradient along the gradient (their Section 3.1); about 11 steps each

    def __post_init__(self) -> None:
        for name in ("channels", "renorm_warmup"):  # JSON gives lists; a frozen config keeps a tuple (hashable)
            if isinstance(getattr(self, name), list):
                object.__setattr__(self, name, tuple(getattr(self, name)))
        problems = validate(self)
        if problems:
            raise ValueError("; ".join(problems))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - fields
        if unknown:
            raise ValueError(f"unknown config fields: {', '.join(sorted(unknown))}")
        return cls(**d)

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def renorm_schedule(self) -> tuple[int, int]:
        """``(bn_steps, warmup_steps)`` of Batch Renorm's warm-up for this run's length (``renorm_warmup``)."""
        start, done = self.renorm_warmup
        return round(start * self.steps), round((done - start) * self.steps)

    def key_dict(self) -> dict:
        """:meth:`to_dict` without the fields added after results were first cached, while they hold their
        defaults: a result cached before those fields existed keeps its cache key, and its meaning."""
        d = self.to_dict()
        for name, default in LATER_DEFAULTS.items():
            if d[name] == default:
                del d[name]
        return d


# Fields added after the first cached results (issues #13, #15); key_dict leaves them out at these values.
LATER_DEFAULTS = {
    f.name: f.default
    for f in dataclasses.fields(TrainConfig)
    if f.name
    in (
        "depth",
        "width",
        "channels",
        "activation",
        "norm_position",
        "bias",
        "dropout",
        "norm_eps",
        "norm_momentum",
        "affine",
        "batches",
        "final_eval_modes",
        "probe_ics",
        "probe_landscape",
        "norm_groups",
        "renorm_warmup",
    )
}
BATCHES = ("random", "one-class")


def validate(c: TrainConfig) -> list[str]:
    """Every way the config is unusable, as sentences a user can act on (empty if fine)."""
    p = []
    if c.model not in MODELS:
        p.append(f"model must be one of {', '.join(MODELS)} (got {c.model!r})")
    if c.norm not in NORMS:
        p.append(f"norm must be one of {', '.join(NORMS)} (got {c.norm!r})")
    if c.dataset not in DATASETS:
        p.append(f"dataset must be one of {', '.join(DATASETS)} (got {c.dataset!r})")
    elif c.model in MODELS and (c.model != "cnn") != c.dataset.endswith("mnist"):
        p.append(
            f"model {c.model!r} does not fit dataset {c.dataset!r} (mlp and mnist-cnn take MNIST, cnn takes CIFAR-10)"
        )
    if c.optimizer not in OPTIMIZERS:
        p.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
    for name in ("steps", "batch_size", "eval_every", "probe_every", "probe_size"):
        value = getattr(c, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            p.append(f"{name} must be a positive whole number (got {value!r})")
    norm = NORMS.get(c.norm)
    if isinstance(c.batch_size, int) and c.batch_size < 2 and norm and norm.uses_batch:
        p.append(
            f"batch_size must be at least 2 with {norm.label}: one example has no batch variance "
            "(LayerNorm or GroupNorm work with batches of one)"
        )
    virtual = norm.virtual_batch if norm else None
    if virtual and isinstance(c.batch_size, int) and c.batch_size % virtual == 1:
        p.append(
            f"batch_size {c.batch_size} leaves a ghost batch of one example (virtual batches of {virtual}); "
            f"choose a batch size that is not 1 more than a multiple of {virtual}"
        )
    if not (isinstance(c.lr, (int, float)) and c.lr > 0 and c.lr < float("inf")):
        p.append(f"lr must be a positive number (got {c.lr!r})")
    if c.init_std is not None and not (isinstance(c.init_std, (int, float)) and 0 < c.init_std < float("inf")):
        p.append(f"init_std must be a positive number or None (got {c.init_std!r})")
    if not (isinstance(c.momentum, (int, float)) and 0 <= c.momentum < 1):
        p.append(f"momentum must be in [0, 1) (got {c.momentum!r})")
    if c.optimizer == "adam" and c.momentum:
        p.append("momentum is SGD's; Adam keeps its own averages (betas 0.9, 0.999): set momentum to 0")
    for name in ("probe_ics", "probe_landscape"):
        if not isinstance(getattr(c, name), bool):
            p.append(f"{name} must be true or false (got {getattr(c, name)!r})")
    p.extend(validate_shape(c))
    return p


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_shape(c: TrainConfig) -> list[str]:
    """The network's shape and its normalization's settings, as sentences a user can act on."""
    p = []
    if not _whole(c.depth, 1, MAX_DEPTH):
        p.append(f"depth must be a whole number of hidden layers from 1 to {MAX_DEPTH} (got {c.depth!r})")
    if not _whole(c.width, 1, MAX_WIDTH):
        p.append(f"width must be a whole number of units from 1 to {MAX_WIDTH} (got {c.width!r})")
    if not (isinstance(c.channels, tuple) and 1 <= len(c.channels) <= 5):
        p.append(f"channels must list 1 to 5 conv blocks' feature maps, e.g. (32, 64, 128) (got {c.channels!r})")
    elif not all(_whole(ch, 1, MAX_CHANNELS) for ch in c.channels):
        p.append(f"each entry of channels must be a whole number from 1 to {MAX_CHANNELS} (got {c.channels!r})")
    if c.model != "mlp" and (c.depth, c.width) != (3, 100):
        p.append("depth and width shape the MLP; the CNN's shape is its channels")
    if c.model == "mlp" and c.channels != (32, 64, 128):
        p.append("channels shape the CNN; the MLP's shape is its depth and width")
    if c.activation is not None and c.activation not in ACTIVATIONS:
        p.append(f"activation must be one of {', '.join(ACTIVATIONS)} (got {c.activation!r})")
    if c.norm_position not in POSITIONS:
        p.append(f"norm_position must be one of {', '.join(POSITIONS)} (got {c.norm_position!r})")
    if c.bias not in (None, True, False):
        p.append(f"bias must be true, false or null (automatic) (got {c.bias!r})")
    if not (isinstance(c.dropout, (int, float)) and 0 <= c.dropout < 1):
        p.append(f"dropout must be a probability in [0, 1) (got {c.dropout!r})")
    if not (isinstance(c.norm_eps, (int, float)) and 0 < c.norm_eps < float("inf")):
        p.append(f"norm_eps must be a positive number: it keeps √(σ² + ε) away from 0 (got {c.norm_eps!r})")
    m = c.norm_momentum
    if m is not None and not (isinstance(m, (int, float)) and 0 < m <= 1):
        p.append(
            f"norm_momentum must be in (0, 1], torch's weight on the new batch (Keras's 0.99 is 0.01 here), "
            f"or None for a cumulative average (got {m!r})"
        )
    if not isinstance(c.affine, bool):
        p.append(f"affine must be true or false (got {c.affine!r})")
    if c.batches not in BATCHES:
        p.append(f"batches must be one of {', '.join(BATCHES)} (got {c.batches!r})")
    if not isinstance(c.final_eval_modes, bool):
        p.append(f"final_eval_modes must be true or false (got {c.final_eval_modes!r})")
    p.extend(validate_norm_extras(c))
    return p


def validate_norm_extras(c: TrainConfig) -> list[str]:
    """GroupNorm's group count and Batch Renorm's warm-up, as sentences a user can act on."""
    p = []
    if c.norm_groups is not None:
        widths = (c.width,) if c.model == "mlp" else (*c.channels, *((128,) if c.model == "cnn" else ()))
        if c.norm != "group":
            p.append("norm_groups is GroupNorm's (norm 'group'); leave it null for other norms")
        elif not _whole(c.norm_groups, 1, MAX_CHANNELS) or any(w % c.norm_groups for w in widths):
            p.append(f"norm_groups must divide every layer's width or channel count {widths} (got {c.norm_groups!r})")
    w = c.renorm_warmup
    if w is not None:
        if c.norm != "renorm":
            p.append("renorm_warmup is Batch Renorm's (norm 'renorm'); leave it null for other norms")
        elif not (isinstance(w, tuple) and len(w) == 2 and all(isinstance(x, (int, float)) for x in w)):
            p.append(f"renorm_warmup must be two shares of the run, e.g. [0.1, 0.5] (got {w!r})")
        elif not 0 <= w[0] <= w[1] <= 1:
            p.append(f"renorm_warmup's shares must satisfy 0 <= start <= end <= 1 (got {list(w)})")
    return p
