"""BN in practice, 1: below which batch size does BN fall behind, and which alternatives hold?

BN normalizes with the mini-batch's mean and variance, so its output for one example depends on
the others; with few examples those statistics are noisy in training and far from the running
averages used at test time. GroupNorm and LayerNorm normalize each example on its own, Batch
Renorm corrects the batch statistics toward the running ones (Ioffe 2017), and Ghost BN
normalizes virtual batches of 20 (at 20 examples or fewer it is BN).

Two networks, because what BN averages over decides what a small batch does to it. In the MNIST
MLP, BN averages each unit over the batch alone: over 2 examples x̂ is ±1 for every unit (the
findings compute it), so the network sees only which of the two is larger. Wu & He 2018's "batch 2"
normalizes each channel of a ResNet-50 over 2·H·W values; the like-for-like case here is a small
CNN on MNIST (``mnist-cnn``: 3x3 conv blocks of 8 and 16 maps, each followed by the norm, ReLU and
2x2 max pooling, then the 10-way classifier: no hidden fully connected layer, so every norm
averages over N·H·W values per map), with BN, GN (4 groups a layer: 2 and 4 maps a group), LN,
Batch Renorm and none.

Why these sizes (measured pilots, one seed, real MNIST, on this 2-core machine while other jobs
loaded it): the MLP costs 1 to 2 ms a step at batch 2; its pilot on 30,000 examples showed the
effect clearly (batch 2: BN 37.9%, Batch Renorm 68.1%, no normalization 93.6%, LN 93.6%, GN 91.9%;
batch 8: BN 93.9%). ReLU rather than the paper's sigmoid: the sigmoid network without normalization
was still on its plateau (54.8% at batch 128) after 30,000 examples. The CNN costs about 5 ms a
step at batch 2 and 60 ms at 128 (unloaded), so it sees 10,000 examples per run: at batch 32, 0.0025
per example gave BN 95.86% and GN 94.98%, against 95.20% / 94.51% at 0.001 and 93.14% / 93.92% at
0.005 (Wu & He tuned their rate at batch 32 too). Every run of a network sees the same examples
(``examples // batch`` steps) at a learning rate proportional to the batch (the linear scaling
rule Wu & He use: the MLP 0.005 per example, the paper's 0.3 at batch 60; the CNN 0.0025), so a
batch size changes the number of steps and the noise of the statistics, not how far each example
moves the weights. Batch Renorm's warm-up is scaled to each run (plain BN for the first 10% of
steps, its bounds at r_max 3, d_max 5 from 50%). Ghost BN runs only on the MLP at batch 32 and
128: below its virtual batch of 20 it is BN, and the findings count BN's runs there.
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, MNIST_LR, Experiment, arm
from bnviz.norms import GHOST_BATCH, NORMS

SIZES = (2, 4, 8, 16, 32, 128)
MODELS = ("mlp", "mnist-cnn")
MODEL_NAMES = {"mlp": "MLP", "mnist-cnn": "CNN"}
EXAMPLES = {"mlp": 30_000, "mnist-cnn": 10_000}  # training examples every run of the network sees
LR_PER_EXAMPLE = {"mlp": MNIST_LR / MNIST.batch_size, "mnist-cnn": 0.0025}  # lr = this x batch size
NORM_KINDS = {
    "mlp": ("none", "bnviz", "layer", "group", "renorm", "ghost"),
    "mnist-cnn": ("none", "bnviz", "layer", "group", "renorm"),
}
CNN_CHANNELS, CNN_GROUPS = (8, 16), 4
RENORM_WARMUP = (0.1, 0.5)  # shares of each run: plain BN until 10%, the full correction from 50%


def lr_for(model: str, batch: int) -> float:
    return round(LR_PER_EXAMPLE[model] * batch, 6)


def _base(model: str, batch: int):
    steps = EXAMPLES[model] // batch
    base = MNIST.replace(
        activation="relu",
        batch_size=batch,
        lr=lr_for(model, batch),
        steps=steps,
        eval_every=max(1, steps // 10),
        probe_every=steps,
        early_probes=False,
    )
    if model == "mlp":
        return base
    # the CNN's evaluations cost as much as its training: the test set at the middle and the end only
    return base.replace(model="mnist-cnn", channels=CNN_CHANNELS, init_std=None, eval_every=max(1, steps // 2))


def _arm(model: str, norm: str, batch: int):
    extra = {"renorm_warmup": RENORM_WARMUP} if norm == "renorm" else {}
    if norm == "group" and model == "mnist-cnn":
        extra["norm_groups"] = CNN_GROUPS
    label = f"{MODEL_NAMES[model]}, {NORMS[norm].label}, batch {batch}"
    return arm(_base(model, batch), norm, label, **extra)


EXPERIMENT = Experiment(
    name="batch-size",
    title="Batch size: BN, GroupNorm, LayerNorm, Batch Renorm, Ghost BN and none, from batch 2 to 128, in an MLP and "
    "a CNN (MNIST)",
    about=f"The MNIST MLP (3x100 ReLU) on the same {EXAMPLES['mlp']:,} examples and a small CNN on the same "
    f"{EXAMPLES['mnist-cnn']:,} at batch sizes {', '.join(map(str, SIZES))}, the learning rate proportional to the "
    "batch, each normalization before every ReLU and without. Test accuracy uses each layer's eval mode (BN's "
    "running averages).",
    arms=tuple(
        _arm(model, norm, b)
        for model in MODELS
        for norm in NORM_KINDS[model]
        for b in SIZES
        if not (norm == "ghost" and b <= GHOST_BATCH)  # one ghost batch: exactly BN
    ),
    seeds=(0, 1, 2),
    keep=CURVES,
    page="practice",
    tab="Batch size",
    order=110,
    question="How small can the batch be before BN hurts, and what should you use instead when it is?",
)
