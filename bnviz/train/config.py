"""One frozen dataclass describes a training run: everything that decides its numbers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bnviz.data import DATASETS
from bnviz.norms import GHOST_BATCH, NORMS
from bnviz.train.models import MODELS

OPTIMIZERS = ("sgd",)


@dataclass(frozen=True)
class TrainConfig:
    model: str = "mlp"  # "mlp": Section 4.1's 3x100 sigmoid MNIST net; "cnn": the CIFAR-10 CNN
    norm: str = (
        "bnviz"  # a kind of bnviz.norms.NORMS: "none" (baseline), "bnviz" (our BN), "torch" (reference), "layer", ...
    )
    dataset: str = "mnist"  # "mnist" | "cifar10" | "synthetic-mnist" | "synthetic-cifar10"
    steps: int = 50_000  # mini-batch updates
    batch_size: int = 60  # the paper's 60 examples per mini-batch
    optimizer: str = "sgd"  # plain SGD, the paper's MNIST setting (momentum below can turn it heavy-ball)
    lr: float = 0.5  # learning rate
    momentum: float = 0.0  # SGD momentum
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

    def __post_init__(self) -> None:
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


def validate(c: TrainConfig) -> list[str]:
    """Every way the config is unusable, as sentences a user can act on (empty if fine)."""
    p = []
    if c.model not in MODELS:
        p.append(f"model must be one of {', '.join(MODELS)} (got {c.model!r})")
    if c.norm not in NORMS:
        p.append(f"norm must be one of {', '.join(NORMS)} (got {c.norm!r})")
    if c.dataset not in DATASETS:
        p.append(f"dataset must be one of {', '.join(DATASETS)} (got {c.dataset!r})")
    elif c.model in MODELS and (c.model == "mlp") != c.dataset.endswith("mnist"):
        p.append(f"model {c.model!r} does not fit dataset {c.dataset!r} (mlp takes MNIST, cnn takes CIFAR-10)")
    if c.optimizer not in OPTIMIZERS:
        p.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
    for name in ("steps", "batch_size", "eval_every", "probe_every", "probe_size"):
        value = getattr(c, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            p.append(f"{name} must be a positive whole number (got {value!r})")
    uses_batch = c.norm in NORMS and NORMS[c.norm].uses_batch
    if isinstance(c.batch_size, int) and c.batch_size < 2 and uses_batch:
        p.append(
            f"batch_size must be at least 2 with {NORMS[c.norm].label}: one example has no batch variance "
            "(LayerNorm or GroupNorm work with batches of one)"
        )
    if c.norm == "ghost" and isinstance(c.batch_size, int) and c.batch_size % GHOST_BATCH == 1:
        p.append(
            f"batch_size {c.batch_size} leaves a ghost batch of one example (virtual batches of {GHOST_BATCH}); "
            f"choose a batch size that is not 1 more than a multiple of {GHOST_BATCH}"
        )
    if not (isinstance(c.lr, (int, float)) and c.lr > 0 and c.lr < float("inf")):
        p.append(f"lr must be a positive number (got {c.lr!r})")
    if c.init_std is not None and not (isinstance(c.init_std, (int, float)) and 0 < c.init_std < float("inf")):
        p.append(f"init_std must be a positive number or None (got {c.init_std!r})")
    if not (0 <= c.momentum < 1):
        p.append(f"momentum must be in [0, 1) (got {c.momentum!r})")
    return p
