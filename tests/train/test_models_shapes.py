"""Networks a student can reshape: one block, the paper's networks as its defaults, every setting checked."""

import pytest
import torch
from torch import nn

from bnviz.norms import BatchNorm1d, GroupNorm
from bnviz.train import probes
from bnviz.train.config import TrainConfig
from bnviz.train.models import CifarCNN, MnistMLP, block, max_pool_2x2, model_for


def mlp(**kw):
    return TrainConfig(dataset="synthetic-mnist", steps=10, **kw)


def test_default_config_builds_the_papers_mlp():
    model = model_for(mlp())
    assert [lin.out_features for lin in model.linears] == [100, 100, 100] and model.activation == "sigmoid"
    assert all(isinstance(n, BatchNorm1d) for n in model.norms) and all(lin.bias is None for lin in model.linears)


@pytest.mark.parametrize("depth,width", [(1, 7), (6, 32), (20, 10)])
def test_depth_and_width_shape_the_mlp(depth, width):
    model = model_for(mlp(depth=depth, width=width))
    assert [lin.out_features for lin in model.linears] == [width] * depth
    logits, pre = model.forward_probed(torch.rand(5, 784))
    assert logits.shape == (5, 10) and len(pre) == depth and model.layer_names()[-1] == f"layer{depth}"


def test_norm_before_the_nonlinearity_is_g_of_bn_of_wu():
    torch.manual_seed(0)
    model = model_for(mlp(activation="tanh", depth=1))
    x = torch.rand(8, 784)
    lin, bn = model.linears[0], model.norms[0]
    z = torch.nn.functional.batch_norm(lin(x), None, None, bn.weight, bn.bias, training=True, eps=bn.eps)
    logits, pre = model.forward_probed(x)
    torch.testing.assert_close(pre[0], z)
    torch.testing.assert_close(logits, model.out(torch.tanh(z)))


def test_norm_after_the_nonlinearity_is_bn_of_g_of_wu_plus_b():
    torch.manual_seed(0)
    model = model_for(mlp(activation="relu", norm_position="after", depth=1))
    lin, bn = model.linears[0], model.norms[0]
    assert lin.bias is not None, "with the nonlinearity first, nothing cancels the weight layer's bias"
    x = torch.rand(8, 784)
    wu = lin(x)
    h = torch.nn.functional.batch_norm(torch.relu(wu), None, None, bn.weight, bn.bias, training=True, eps=bn.eps)
    logits, pre = model.forward_probed(x)
    torch.testing.assert_close(pre[0], wu)
    torch.testing.assert_close(logits, model.out(h))


def test_bias_can_be_forced_on_before_a_normalization():
    assert all(lin.bias is not None for lin in model_for(mlp(bias=True)).linears)
    assert all(lin.bias is None for lin in model_for(mlp(norm="none", bias=False)).linears)


def test_block_is_shared_by_both_networks():
    lin, g = nn.Linear(3, 2), torch.sigmoid
    x = torch.randn(4, 3)
    out, z = block(x, lin, nn.Identity(), g, "before")
    torch.testing.assert_close(out, torch.sigmoid(lin(x)))
    assert isinstance(MnistMLP(), type(CifarCNN()).__mro__[1])  # both are BlockNets


def test_norm_settings_reach_every_layer():
    model = model_for(mlp(norm_eps=1e-3, norm_momentum=None, affine=False))
    for n in model.norms:
        assert n.eps == 1e-3 and n.momentum is None and n.weight is None and n.bias is None
    gn = model_for(mlp(norm="group", norm_eps=1e-2, affine=False)).norms[0]
    assert isinstance(gn, GroupNorm) and gn.eps == 1e-2 and gn.weight is None


def test_cnn_channels_shape_the_cnn():
    cfg = TrainConfig(model="cnn", dataset="synthetic-cifar10", steps=10, channels=(8, 16), norm="group")
    model = model_for(cfg)
    assert [c.out_channels for c in model.convs] == [8, 16] and model.fc.in_features == 16 * 8 * 8
    logits, pre = model.forward_probed(torch.randn(2, 3, 32, 32))
    assert logits.shape == (2, 10) and [p.shape[1] for p in pre] == [8, 16, 128]


def test_dropout_acts_only_in_training():
    torch.manual_seed(0)
    model = model_for(mlp(dropout=0.5, norm="none"))
    x = torch.rand(6, 784)
    model.eval()
    a, b = model(x), model(x)
    assert torch.equal(a, b)
    model.train()
    assert not torch.equal(model(x), model(x))


def test_tanh_saturation_is_within_a_tenth_of_its_bounds():
    v = torch.tensor([0.0, 1.4, 1.5, -3.0])
    assert probes.saturation(v, "tanh") == 0.5


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(depth=0), "depth must be a whole number of hidden layers from 1 to 20"),
        (dict(depth=21), "from 1 to 20"),
        (dict(width=0), "width must be"),
        (dict(activation="gelu"), "activation must be one of sigmoid, tanh, relu"),
        (dict(norm_position="inside"), "norm_position must be one of before, after"),
        (dict(dropout=1.0), "dropout must be a probability"),
        (dict(norm_eps=0.0), "norm_eps must be a positive number"),
        (dict(norm_momentum=0.99 + 0.02), "Keras's 0.99 is 0.01 here"),
        (dict(norm_momentum=0.0), "norm_momentum must be in"),
        (dict(optimizer="adam", momentum=0.9), "Adam keeps its own averages"),
        (dict(optimizer="rmsprop"), "optimizer must be one of sgd, adam"),
        (dict(channels=(8, 16)), "channels shape the CNN"),
    ],
)
def test_every_bad_setting_gets_a_sentence_a_student_can_act_on(changes, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        mlp(**changes)


def test_cnn_refuses_mlp_shape_and_bad_channels():
    base = dict(model="cnn", dataset="synthetic-cifar10", steps=10)
    with pytest.raises(ValueError, match="the CNN's shape is its channels"):
        TrainConfig(depth=5, **base)
    with pytest.raises(ValueError, match="1 to 5 conv blocks"):
        TrainConfig(channels=(8,) * 6, **base)
    with pytest.raises(ValueError, match="each entry of channels"):
        TrainConfig(channels=(8, 0), **base)


def test_config_round_trips_through_json_with_channels_as_a_list():
    import json

    cfg = TrainConfig(model="cnn", dataset="synthetic-cifar10", steps=10, channels=(4, 8))
    again = TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg and again.channels == (4, 8)


def test_fields_added_later_stay_out_of_the_cache_key_at_their_defaults():
    cfg = mlp()
    assert "depth" not in cfg.key_dict() and "norm_momentum" not in cfg.key_dict()
    assert cfg.replace(depth=6).key_dict()["depth"] == 6
    assert cfg.replace(norm_momentum=None).key_dict()["norm_momentum"] is None


def test_shipped_cache_files_keep_their_keys():
    """Every result in cache/ was cached before the shape fields: its experiment still hashes to its file's key."""
    from pathlib import Path

    from bnviz.experiments import EXPERIMENTS
    from bnviz.runs import cache

    files = sorted(Path(__file__).resolve().parents[2].joinpath("cache").glob("*-*.json"))
    files = [f for f in files if not f.name.endswith(".progress.json")]
    assert files
    for f in files:
        result = cache.load_result(f)
        assert EXPERIMENTS[result["experiment"]].key() == result["key"], f.name


def test_max_pool_without_gradients_gives_torchs_values_exactly_and_trains_with_torchs_backward():
    g = torch.Generator().manual_seed(0)
    x = torch.relu(torch.randn(3, 2, 7, 6, generator=g)).round(decimals=1)  # ties (zeros, equal values), odd height
    x[0, 0, 0, 0], x[1, 1, 2, 3] = float("nan"), float("-inf")
    with torch.no_grad():
        torch.testing.assert_close(max_pool_2x2(x), nn.functional.max_pool2d(x, 2), equal_nan=True, rtol=0, atol=0)
    leaf = x.nan_to_num(0.0).requires_grad_()
    max_pool_2x2(leaf).sum().backward()
    ours = leaf.grad.clone()
    leaf.grad = None
    nn.functional.max_pool2d(leaf, 2).sum().backward()
    assert torch.equal(ours, leaf.grad)  # one window's gradient goes to one of its tied maxima, as torch's
