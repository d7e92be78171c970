"""Internal covariate shift, measured directly (Santurkar et al. 2018, Section 2.2, Definition 2.1).

The paper's explanation of BN is that it reduces internal covariate shift (ICS). Santurkar, Tsipras,
Ilyas & Mądry give ICS a number: how much layer i's gradient G changes when the layers below it take
their step first (G′), on the same batch: ‖G − G′‖₂ and cos ∠(G, G′) (:mod:`bnviz.train.ics`). On VGG
and a 25-layer linear network they find BN networks show as much of it as standard ones, or more.

Here: the paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) with and without BN, three
seeds, the probe on a fixed mini-batch of 60 training images at every probe step. Sizes: 5,000 steps
(where BN's lead on this network lives, as in noisy-bn), probes every 250 steps and at the early steps
1, 2, 5, ...; the probe costs about three training steps, so it adds well under 10% to a run. Only the
curves and the ICS fields are stored. The verdicts compare the arms seed by seed, early (the first 10%
of the run) and late (its second half) apart, each phase as the median over its probes.
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm

NORMS = ("none", "bnviz")
DEPTH, STEPS = 3, 5_000


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=250, probe_every=250, probe_ics=True)
    return tuple(arm(base, n) for n in NORMS)


EXPERIMENT = Experiment(
    name="ics",
    title="Internal covariate shift measured as Santurkar et al.'s Definition 2.1, with and without BN",
    about="The paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) for 5,000 steps with BN before "
    "every sigmoid and without; three seeds. Every 250 steps (and at steps 1, 2, 5, ...), on one fixed "
    "mini-batch of 60 training images: each hidden layer's weight gradient G, and G′ once the layers below "
    "have taken their SGD step (lr 0.3); ICS is ‖G − G′‖₂ and cos ∠(G, G′). Layer 1 has nothing below it.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES + tuple(f"layer{i + 1}/ics_" for i in range(DEPTH)),
    page="why",
    tab="Measuring internal covariate shift",
    order=120,
    claim="Measured directly, as the change in a layer's gradient when the layers below it update first, internal "
    "covariate shift is no smaller with BN, and sometimes larger (Santurkar, Tsipras, Ilyas & Mądry 2018, "
    "[arXiv:1805.11604](https://arxiv.org/abs/1805.11604), Section 2.2, Definition 2.1, Figure 5); the original "
    "paper's explanation is that BN reduces it (Ioffe & Szegedy 2015, Section 2).",
)
