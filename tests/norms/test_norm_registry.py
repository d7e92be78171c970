"""bnviz.norms.NORMS: every kind builds its layer for both networks, and configs say which combinations fail."""

import pytest
import torch

from bnviz.norms import NORMS, make_norm
from bnviz.train.config import TrainConfig
from bnviz.train.models import build_model

KINDS = [k for k in NORMS if k != "none"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_builds_a_layer_for_features_and_maps(kind):
    torch.manual_seed(0)
    for dims, x in ((1, torch.randn(60, 100)), (2, torch.randn(8, 32, 5, 5))):
        layer = make_norm(kind, x.shape[1], dims)
        y = layer.train()(x)
        assert y.shape == x.shape and torch.isfinite(y).all()
    assert make_norm("none", 100, 1) is None


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_every_kind_trains_both_networks_a_step(kind, model):
    torch.manual_seed(0)
    net = build_model(model, kind)
    x = torch.rand(24, 784) if model == "mlp" else torch.randn(24, 3, 32, 32)
    loss = torch.nn.functional.cross_entropy(net(x), torch.arange(24) % 10)
    loss.backward()
    assert torch.isfinite(loss) and all(p.grad is not None for p in net.parameters() if p.requires_grad)


def test_batch_of_one_is_refused_only_for_norms_that_use_the_batch():
    base = TrainConfig(dataset="synthetic-mnist", steps=10)
    for kind, norm in NORMS.items():
        if norm.uses_batch:
            with pytest.raises(ValueError, match="at least 2"):
                base.replace(norm=kind, batch_size=1)
        else:
            assert base.replace(norm=kind, batch_size=1).batch_size == 1


def test_ghost_batch_of_one_example_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="ghost batch of one example"):
        TrainConfig(norm="ghost", dataset="synthetic-mnist", batch_size=41)
    assert TrainConfig(norm="ghost", dataset="synthetic-mnist", batch_size=60).batch_size == 60


def test_unknown_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="choose one of none, bnviz, torch, layer"):
        make_norm("batchnorm", 10, 1)


def test_every_kind_has_its_own_colours_and_a_streamlit_text_colour():
    hexes = [n.color for n in NORMS.values()] + [n.after_color for k, n in NORMS.items() if k != "none"]
    assert len(set(hexes)) == len(hexes) and all(len(h) == 7 and h.startswith("#") for h in hexes)
    assert NORMS["none"].after_color == NORMS["none"].color  # no normalization has no place after g
    streamlit = {"blue", "green", "orange", "red", "violet", "gray", "grey", "rainbow", "primary"}
    assert all(n.text_color in streamlit for n in NORMS.values())


def test_what_the_rows_say_elsewhere():
    assert [k for k, n in NORMS.items() if n.stacks_seeds] == ["none", "bnviz", "torch"]
    assert {k: n.averages.over for k, n in NORMS.items() if n.averages} == {
        "bnviz": "channel",
        "layer": "example",
        "instance": "instance",
        "group": "group",
        "renorm": "channel",
    }
    assert {k: n.virtual_batch for k, n in NORMS.items() if n.virtual_batch} == {"ghost": 20}
