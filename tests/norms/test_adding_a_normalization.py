"""README's "Adding a normalization", done here with a toy one registered for each test only: its layer file
(here a class in this file), its row in bnviz.norms.NORMS, and nothing else. Configs, both networks, the trainer,
the charts' colours and legends, the averaging-set page, the live page and the seed stack all take it from the row.
"""

import pandas as pd
import pytest
import torch
from torch import nn

from bnviz import data
from bnviz.live import choices, settings
from bnviz.norms import NORMS, Averaging, Norm
from bnviz.norms.bn_fused import per_channel
from bnviz.teach import norm_sets
from bnviz.train.config import TrainConfig
from bnviz.train.models import build_model
from bnviz.train.seed_stack import why_not_stacked
from bnviz.train.trainer import train
from bnviz.views import style


class RMSNorm(nn.Module):
    """A toy: each example divided by the root mean square of its own features, then γ (no mean, no β)."""

    def __init__(self, num_features: int, eps: float = 1e-5, affine: bool = True):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(num_features)) if affine else None

    def forward(self, x):
        dims = tuple(range(1, x.dim()))  # every feature (and position) of one example
        # y_i = γ · x_i / √(mean_j x_j² + ε)
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + self.eps)
        return y if self.weight is None else y * per_channel(self.weight, x)


TOY = Norm(
    kind="rms",
    label="RMS",
    name="RMS Normalization",
    title="RMS Normalization (a toy): each example over the root mean square of its features",
    layers={1: RMSNorm, 2: RMSNorm},
    uses_batch=False,
    color="#123456",
    after_color="#0b1f34",
    text_color="gray",
    averages=Averaging("example", "one example, over every channel and position"),
)


@pytest.fixture
def rms(monkeypatch):
    """The toy in the registry for this test only."""
    monkeypatch.setitem(NORMS, TOY.kind, TOY)
    return TOY


def test_a_config_names_it_and_both_networks_train_it_a_step(rms):
    mnist, cifar = data.synthetic("mnist", n_train=100, n_test=20), data.synthetic("cifar10", n_train=32, n_test=8)
    for model, dataset, batch in (("mlp", mnist, 10), ("cnn", cifar, 8)):
        config = TrainConfig(model=model, dataset=f"synthetic-{dataset.name}", norm="rms", steps=1, batch_size=batch)
        records = list(train(config, dataset, eval_chunk=8))
        assert [r["step"] for r in records] == [0, 1] and records[-1]["status"] == "done"
        assert all(isinstance(layer, RMSNorm) for layer in build_model(model, "rms").norm_layers())
    assert TrainConfig(norm="rms", dataset="synthetic-mnist", batch_size=1).batch_size == 1  # no batch statistics


def test_charts_draw_it_in_its_own_colour_after_the_registered_kinds(rms):
    assert style.norm_color("rms") == "#123456" and style.norm_color("rms", "after") == "#0b1f34"
    assert style.norm_text_color("rms") == "gray"
    arms = pd.DataFrame({"arm": ["RMS", "BN", "no BN"], "norm": ["rms", "bnviz", "none"]})
    assert style.arm_colors(arms) == (["no BN", "BN", "RMS"], ["#1f77b4", "#d62728", "#123456"])


def test_the_averaging_set_page_highlights_its_set(rms):
    x = torch.randn(3, 4, 2, 2)
    mask = norm_sets.averaging_mask("rms", tuple(x.shape), (1, 2, 0, 1))
    assert mask[1].all() and mask.sum() == 4 * 2 * 2  # every channel and position of example 1, nothing else
    assert not norm_sets.normalize_entry("rms", x, (1, 2, 0, 1)).uses_other_examples


def test_the_live_page_offers_it_before_and_after_the_nonlinearity(rms):
    assert {choices.ArmChoice("rms"), choices.ArmChoice("rms", "after")} <= set(choices.arm_choices())
    (config,) = settings.live_configs("mlp", [choices.ArmChoice("rms", "after")], 0, 100, 0.3, synthetic=True)
    assert (config.norm, config.norm_position, settings.arm_label(config)) == ("rms", "after", "RMS after sigmoid")


def test_seeds_train_as_one_stacked_model_only_where_its_row_says_so(rms, monkeypatch):
    seeds = [TrainConfig(norm="rms", dataset="synthetic-mnist", seed=s) for s in (0, 1)]
    assert why_not_stacked(seeds) == "rms is not stacked (only none, bnviz, torch)"
    monkeypatch.setitem(NORMS, "rms", Norm(**{**TOY.__dict__, "stacks_seeds": True}))
    assert why_not_stacked(seeds) is None


def test_an_averaging_set_must_be_one_the_page_can_draw():
    with pytest.raises(ValueError, match="over must be one of channel, example, instance, group"):
        Averaging("examples", "a typo")
