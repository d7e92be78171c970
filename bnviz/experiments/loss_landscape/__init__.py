"""The loss landscape along the gradient, with and without BN (Santurkar et al. 2018, Section 3.1, Figure 4).

Santurkar, Tsipras, Ilyas & Mądry propose that BN helps because it makes the loss landscape smoother:
along the gradient the loss changes less, the gradient a step away is closer to the one at hand (better
gradient predictiveness), and the gradient's "effective" Lipschitz constant β is smaller
(:mod:`bnviz.train.landscape`). Their Figure 4 shows all three on VGG, with and without BN.

Here: the paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) with and without BN, three
seeds, the probe on a fixed mini-batch of 60 training images at every probe step, at eight step sizes
from lr/2 to 4 lr. Sizes: 5,000 steps (as noisy-bn and ics), probes every 250 steps and at the early steps
1, 2, 5, ...; the probe costs about eleven training steps, a few percent of a run at this spacing. Only the
curves and the landscape fields are stored, the losses along the gradient among them: the range
max − min of those losses counts a drop (progress) like a rise (overshoot), so the verdicts read the rise
above L(θ) and the drop apart, seed by seed, early (the first 10% of the run) and late (its second half).
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm

NORMS = ("none", "bnviz")
STEPS = 5_000


def _arms():
    base = MNIST.replace(steps=STEPS, eval_every=250, probe_every=250, probe_landscape=True)
    return tuple(arm(base, n) for n in NORMS)


EXPERIMENT = Experiment(
    name="landscape",
    title="The loss landscape along the gradient, with and without BN (Santurkar et al. 2018, Figure 4)",
    about="The paper's MNIST MLP (3x100 sigmoids, batch 60, plain SGD, lr 0.3) for 5,000 steps with BN before "
    "every sigmoid and without; three seeds. Every 250 steps (and at steps 1, 2, 5, ...), on one fixed mini-batch "
    "of 60 training images: the loss and gradient at θ − ηg for eight step sizes η from 0.15 to 1.2 (lr/2 to 4 lr), "
    "g the gradient at θ; from them how far the loss rises above L(θ) and drops below it, the largest gradient "
    "change and the effective β.",
    arms=_arms(),
    seeds=(0, 1, 2),
    keep=CURVES + ("landscape/",),
    page="why",
    tab="The loss landscape along the gradient",
    order=130,
    claim="BN makes the loss landscape smoother: along the gradient the loss varies less, the gradient stays more "
    "predictive and the effective β-smoothness is smaller (Santurkar, Tsipras, Ilyas & Mądry 2018, "
    "[arXiv:1805.11604](https://arxiv.org/abs/1805.11604), Section 3.1, Figure 4).",
)
