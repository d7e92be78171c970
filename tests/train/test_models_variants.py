"""The variants the "BN in practice" experiments train: a redundant bias from the same weights, the CNN's blocks
on MNIST, GroupNorm's group count and Batch Renorm's warm-up as a share of the run."""

import json

import pytest
import torch

from bnviz import data as datasets
from bnviz.norms import GroupNorm
from bnviz.norms.batch_renorm import renorm_bounds
from bnviz.train.batches import model_inputs
from bnviz.train.config import TrainConfig
from bnviz.train.models import MnistCNN, model_for
from bnviz.train.trainer import train


def built(config: TrainConfig):
    torch.manual_seed(config.seed)  # as the trainer draws a run's initial weights
    return model_for(config)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_redundant_bias_starts_from_exactly_the_weights_of_the_network_without_it(activation, seed):
    base = TrainConfig(dataset="synthetic-mnist", steps=10, activation=activation, seed=seed)
    plain, biased = built(base), built(base.replace(bias=True))
    for a, b in zip([*plain.linears, plain.out], [*biased.linears, biased.out]):
        assert torch.equal(a.weight, b.weight)
    assert all(lin.bias is None for lin in plain.linears)
    assert all(torch.equal(lin.bias, torch.zeros(lin.out_features)) for lin in biased.linears)
    x = torch.rand(6, 784)
    torch.testing.assert_close(plain(x), biased(x), rtol=0, atol=0)  # one network: the bias is 0 and BN cancels it


def test_a_needed_bias_draws_as_before():
    """No BN: the bias is not redundant, and the weights are drawn as torch's layers and the Gaussian init draw them."""
    torch.manual_seed(0)
    ref = [torch.nn.Linear(a, b) for a, b in ((784, 100), (100, 100), (100, 100), (100, 10))]
    for layer in ref:
        torch.nn.init.normal_(layer.weight, 0.0, 0.1)
    model = built(TrainConfig(dataset="synthetic-mnist", steps=10, norm="none"))
    for ours, theirs in zip([*model.linears, model.out], ref):
        assert torch.equal(ours.weight, theirs.weight) and not ours.bias.any()


def cnn(**kw) -> TrainConfig:
    return TrainConfig(model="mnist-cnn", dataset="synthetic-mnist", channels=(8, 16), steps=10, **kw)


def test_the_mnist_cnn_feeds_its_last_block_to_the_classifier_and_every_norm_sees_maps():
    model = built(cnn())
    assert isinstance(model, MnistCNN) and model.layer_names() == ["conv1", "conv2"]
    assert model.out.in_features == 16 * 7 * 7 and all(c.bias is None for c in model.convs)
    logits, pre = model.forward_probed(torch.rand(3, 1, 28, 28))
    assert logits.shape == (3, 10) and [tuple(z.shape) for z in pre] == [(3, 8, 28, 28), (3, 16, 14, 14)]


def test_the_mnist_cnn_takes_mnist_images_as_maps_and_trains():
    data = datasets.synthetic("mnist", n_train=200, n_test=50, seed=0)
    config = cnn(batch_size=4, lr=0.01, eval_every=5, probe_every=10, probe_size=20)
    assert model_inputs(config, data.train_x[:5]).shape == (5, 1, 28, 28)
    records = list(train(config, data))
    assert records[-1]["status"] == "done" and 0 <= records[-1]["test/acc"] <= 1 and "conv2/p50" in records[-1]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"model": "mnist-cnn", "dataset": "synthetic-cifar10"}, "mlp and mnist-cnn take MNIST"),
        ({"model": "mnist-cnn", "width": 50}, "depth and width shape the MLP"),
        ({"norm": "group", "norm_groups": 3, "width": 100}, "must divide every layer's width"),
        ({"norm": "bnviz", "norm_groups": 4}, "norm_groups is GroupNorm's"),
        ({"norm": "bnviz", "renorm_warmup": (0.1, 0.5)}, "renorm_warmup is Batch Renorm's"),
        ({"norm": "renorm", "renorm_warmup": (0.6, 0.5)}, "0 <= start <= end <= 1"),
    ],
)
def test_bad_variants_get_a_sentence(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{"dataset": "synthetic-mnist", "steps": 10, **changes})


def test_norm_groups_set_every_group_norm():
    model = built(cnn(norm="group", norm_groups=4))
    assert [(n.num_groups, n.num_channels) for n in model.norms] == [(4, 8), (4, 16)]
    mlp = built(TrainConfig(dataset="synthetic-mnist", steps=10, norm="group", norm_groups=5))
    assert all(isinstance(n, GroupNorm) and n.num_groups == 5 for n in mlp.norms)


def test_renorm_warmup_is_a_share_of_the_run_and_its_bounds_reach_r_max_and_d_max():
    config = TrainConfig(dataset="synthetic-mnist", steps=3_000, norm="renorm", renorm_warmup=(0.1, 0.5))
    assert config.renorm_schedule() == (300, 1_200)
    layers = [m for m in built(config).modules() if hasattr(m, "warmup_steps")]
    assert len(layers) == 3 and all((m.bn_steps, m.warmup_steps) == (300, 1_200) for m in layers)
    assert renorm_bounds(299, 3.0, 5.0, 300, 1_200) == (1.0, 0.0)  # plain BN for the first 10%
    assert renorm_bounds(1_500, 3.0, 5.0, 300, 1_200) == (3.0, 5.0)  # the full correction from 50% on
    default = built(config.replace(renorm_warmup=None))
    assert all((m.bn_steps, m.warmup_steps) == (0, 5_000) for m in default.modules() if hasattr(m, "warmup_steps"))


def test_the_new_fields_stay_out_of_old_keys_and_round_trip_through_json():
    plain = TrainConfig(dataset="synthetic-mnist", steps=10, norm="renorm")
    assert "renorm_warmup" not in plain.key_dict() and "norm_groups" not in plain.key_dict()
    ramped = plain.replace(renorm_warmup=(0.1, 0.5))
    again = TrainConfig.from_dict(json.loads(json.dumps(ramped.to_dict())))
    assert again == ramped and again.renorm_warmup == (0.1, 0.5) and ramped.key_dict()["renorm_warmup"] == (0.1, 0.5)
