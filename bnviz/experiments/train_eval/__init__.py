"""BN in practice, 2: train and eval are two different networks.

In training BN normalizes with each mini-batch's statistics; at inference with fixed ones. The
same trained weights therefore give different networks depending on which statistics BN uses at
test time: the running averages (eval mode), the population statistics of Algorithm 2 (one pass
over the training set after training), each test batch's own (``model.eval()`` forgotten; test
batches of 1, 8, 64 and 1,000), or batches that each hold one class. And a network *trained* on
one-class mini-batches learns under BN's normalization of what each batch shares: its class.
Every mode is computed inside the training run at its last step (``final_eval_modes``), so the
cached result holds them.

Why this network and these sizes (measured pilot, one seed, real MNIST, 3,000 steps): the paper's
MNIST MLP (3x100 sigmoid, batch 60, plain SGD, lr 0.3) takes 10 to 42 s a run here with every mode.
In the pilot the BN network gave 95.08% in eval mode, 95.07% with population statistics, 89.88%
with "eval() forgotten" at test batches of 8 and 15.4% to 17.1% on one-class test batches; trained
on one-class batches it stayed at chance (9.5%), plain SGD without BN reached 40.4% and LayerNorm
87.9%. Every effect is large at 3,000 steps, so 3 seeds of 6 arms take minutes. Batch Renorm's
warm-up is scaled to the run (plain BN for the first 10% of steps, its bounds at r_max 3, d_max 5
from 50% on): its default 5,000-step ramp would never finish in 3,000 steps.
"""

from __future__ import annotations

from bnviz.experiments.spec import CURVES, MNIST, Experiment, arm
from bnviz.norms import NORMS
from bnviz.train.final_eval import ONE_CLASS_BATCHES, PREFIX, TEST_BATCHES

STEPS = 3_000
ARMS = (("none", "random"), ("bnviz", "random"), ("none", "one-class"), ("bnviz", "one-class"))
ARMS += (("renorm", "one-class"), ("layer", "one-class"))
RENORM_WARMUP = (0.1, 0.5)  # shares of the run: plain BN until 10%, the full correction from 50%


def _arm(norm: str, batches: str):
    base = MNIST.replace(
        steps=STEPS, eval_every=STEPS // 20, probe_every=STEPS, early_probes=False, final_eval_modes=True
    )
    extra = {"renorm_warmup": RENORM_WARMUP} if norm == "renorm" else {}
    return arm(base, norm, f"{NORMS[norm].label}, {batches} training batches", batches=batches, **extra)


EXPERIMENT = Experiment(
    name="train-vs-eval",
    title="Train and eval are two different networks: BN's statistics at test time, and non-i.i.d. batches (MNIST)",
    about=f"The paper's MNIST MLP (3x100 sigmoid, batch 60, plain SGD, lr 0.3) for {STEPS:,} steps, trained on "
    "random mini-batches (the paper's) or on mini-batches of one class each, with BN, Batch Renorm, LayerNorm or "
    "no normalization. After the last step each network is tested with the running averages (eval mode), with "
    "Algorithm 2's population statistics, in training mode on test batches of "
    f"{', '.join(map(str, TEST_BATCHES))} (eval() forgotten), and on one-class test batches of "
    f"{', '.join(map(str, ONE_CLASS_BATCHES))}.",
    arms=tuple(_arm(norm, b) for norm, b in ARMS),
    seeds=(0, 1, 2),
    keep=(*CURVES, PREFIX),
    page="practice",
    tab="Train and eval are two networks",
    order=120,
    question="Which statistics should BN use at test time, what does forgetting model.eval() cost, and what happens "
    "when the batches are not i.i.d.?",
)
