"""The trained network tested four ways, as flat fields of the run's last record (issue #16, experiment 2).

With ``TrainConfig.final_eval_modes`` the trainer adds these to the record of the last step, so a
cached result holds them beside its curves (:mod:`bnviz.train.eval_modes` computes each mode):

- ``final/running/acc``, ``/loss``: eval mode, the running averages (as ``test/acc``)
- ``final/batch_stats/<b>/acc``, ``/loss`` for each b of :data:`TEST_BATCHES`: training mode ("eval()
  forgotten"), every consecutive test batch of b normalized with its own statistics; None where
  the network cannot run so (a batch of 1 leaves BN one value per channel)
- ``final/population/acc``, ``/loss``: Algorithm 2 proper, population statistics from one pass over
  the training set in batches of the training size; and per BN layer
  ``final/population/<layer>/mean_shift`` (mean over units of |running_mean − E[x]| / √Var[x]) and
  ``/var_ratio`` (mean of running_var / Var[x])
- ``final/non_iid/<b>/acc``, ``/loss`` for each b of :data:`ONE_CLASS_BATCHES`: as batch_stats, every
  test batch of one class

A model without running averages gets the batch and one-class modes too (they equal eval mode
there) and no population fields. Nothing a later step could see changes (eval_modes' promise).
"""

from __future__ import annotations

from torch import Tensor

from bnviz import data as datasets
from bnviz.train import eval_modes
from bnviz.train.config import TrainConfig

TEST_BATCHES = (1, 8, 64, 1000)  # "eval() forgotten": test batch sizes
ONE_CLASS_BATCHES = (8, 64, 1000)  # one-class test batches (a batch of 1 is one class anyway)
PREFIX = "final/"


def _fields(key: str, result: eval_modes.ModeResult) -> dict:
    return {f"{PREFIX}{key}/acc": result.accuracy, f"{PREFIX}{key}/loss": result.loss}


def final_fields(model, config: TrainConfig, data: datasets.Dataset, test_x: Tensor | datasets.LitPixels) -> dict:
    """The four modes' fields for the trained ``model`` (``test_x``: the test images as the trainer feeds them)."""
    y = data.test_y
    out = _fields("running", eval_modes.running(model, config, test_x, y))
    for b in TEST_BATCHES:
        out.update(_fields(f"batch_stats/{b}", eval_modes.batch_stats(model, config, test_x, y, b)))
    stats = eval_modes.population_statistics(model, config, data.train_x)
    if stats:
        out.update(_fields("population", eval_modes.population(model, config, test_x, y, stats)))
        for s in stats:
            out[f"{PREFIX}population/{s.layer}/mean_shift"] = float(s.mean_shift().mean())
            out[f"{PREFIX}population/{s.layer}/var_ratio"] = float(s.var_ratio().mean())
    for b in ONE_CLASS_BATCHES:
        out.update(_fields(f"non_iid/{b}", eval_modes.non_iid(model, config, data.test_x, y, b)))
    return out
