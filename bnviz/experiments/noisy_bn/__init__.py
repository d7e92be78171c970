"""Noisy BN: is a still input distribution what BN buys? (Santurkar et al. 2018, Section 2.1, Figure 2)

Santurkar, Tsipras, Ilyas & Mądry (arXiv 1805.11604) add time-varying noise after every BN layer
(:mod:`bnviz.norms.noisy_batch_norm`, their Appendix A.2.1), so that each unit's input distribution
moves more than it would without BN at all, and report that such a network still trains about as
well as with plain BN (their Figure 2, VGG on CIFAR-10). If BN worked by keeping distributions still,
the noise should take its advantage away.

Here: the paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3), no BN, BN and noisy BN,
three seeds. Sizes: 5,000 steps, because that is where BN's lead on this network lives (mnist-fig1's
largest gap, +23.6 points, is at its first eval step, 500), so there is an advantage for the noise to
take away; eval and
probe every 250 steps (and the early steps 1, 2, 5, ...) to see distributions move; only the
training-mode percentiles and histograms are stored (301 KB). The nine runs took 78 s on one worker
here. The verdicts compare the arms seed by seed.
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm

NORMS = ("none", "bnviz", "noisy")
DEPTH = 3
STEPS = 5_000


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=250, probe_every=250)
    return tuple(arm(base, norm) for norm in NORMS)


EXPERIMENT = Experiment(
    name="noisy-bn",
    title="Noisy BN: BN with time-varying noise after every layer (Santurkar et al. 2018, Figure 2)",
    about="The paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) for 5,000 steps without BN, "
    "with BN before every sigmoid, and with noisy BN: BN followed in training by noise whose mean and scale "
    "change at every step for every unit (Santurkar et al.'s Appendix A.2.1: n_μ 0.5, n_σ 1.25, r_μ = r_σ = 0.1). "
    "Three seeds; test accuracy every 250 steps; each sigmoid's input on a fixed probe batch of 1,000 "
    "training images, probed as the network trains.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES + tuple(f"layer{i + 1}/{f}" for i in range(DEPTH) for f in ("p", "hist")),
    page="why",
    tab="Noisy BN",
    order=110,
    claim="BN does not work by reducing internal covariate shift: a network with BN whose layer inputs are made "
    "to shift at every step by added noise trains about as well as one with plain BN (Santurkar, Tsipras, "
    "Ilyas & Mądry 2018, *How Does Batch Normalization Help Optimization?*, "
    "[arXiv:1805.11604](https://arxiv.org/abs/1805.11604), Section 2.1, Figure 2).",
)
