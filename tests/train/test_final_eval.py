"""The trainer's last record holds the trained network tested four ways (final_eval_modes), and one-class batches."""

import pytest

from bnviz import data as datasets
from bnviz.train.batches import Batches, ClassBatches, training_batches
from bnviz.train.config import LATER_DEFAULTS, TrainConfig
from bnviz.train.final_eval import ONE_CLASS_BATCHES, TEST_BATCHES
from bnviz.train.trainer import train


@pytest.fixture(scope="module")
def data():
    return datasets.synthetic("mnist", n_train=400, n_test=120, seed=0)


def config(**kw):
    base = dict(
        dataset="synthetic-mnist", steps=20, batch_size=20, lr=0.3, eval_every=10, probe_every=20, probe_size=50
    )
    return TrainConfig(**{**base, **kw})


def without(records, prefix):
    return [{k: v for k, v in r.items() if not k.startswith(prefix) and not k.startswith("time/")} for r in records]


def test_the_last_record_holds_every_mode_and_nothing_else_changes(data):
    plain = list(train(config(), data))
    tested = list(train(config(final_eval_modes=True), data))
    assert without(tested, "final/") == without(plain, "final/")  # the modes leave no trace on the run
    assert not [k for r in tested[:-1] for k in r if k.startswith("final/")]
    last = tested[-1]
    assert last["final/running/acc"] == last["test/acc"]
    assert last["final/batch_stats/1/acc"] is None  # one example: no batch variance, BN refuses
    for b in TEST_BATCHES[1:]:
        assert 0 <= last[f"final/batch_stats/{b}/acc"] <= 1
    for b in ONE_CLASS_BATCHES:
        assert 0 <= last[f"final/non_iid/{b}/acc"] <= 1
    assert 0 <= last["final/population/acc"] <= 1
    for layer in ("layer1", "layer2", "layer3"):
        assert last[f"final/population/{layer}/mean_shift"] >= 0 and last[f"final/population/{layer}/var_ratio"] > 0


def test_without_bn_every_mode_is_eval_mode_and_there_are_no_population_fields(data):
    last = list(train(config(norm="none", final_eval_modes=True), data))[-1]
    accs = {v for k, v in last.items() if k.startswith("final/") and k.endswith("/acc")}
    assert accs == {last["test/acc"]}
    assert not [k for k in last if k.startswith("final/population")]


def test_one_class_batches_are_drawn_when_asked(data):
    import torch

    g = torch.Generator().manual_seed(0)
    assert isinstance(training_batches(config(), data, g), Batches)
    source = training_batches(config(batches="one-class"), data, g)
    assert isinstance(source, ClassBatches)
    for _ in range(5):
        assert data.train_y[source.next()].unique().numel() == 1
    a = list(train(config(batches="one-class"), data))
    b = list(train(config(), data))
    assert a[-1]["train/loss"] != b[-1]["train/loss"]


def test_the_new_fields_keep_old_cache_keys_and_refuse_bad_values():
    assert LATER_DEFAULTS["batches"] == "random" and LATER_DEFAULTS["final_eval_modes"] is False
    assert "batches" not in TrainConfig().key_dict() and "final_eval_modes" not in TrainConfig().key_dict()
    with pytest.raises(ValueError, match="batches must be one of random, one-class"):
        TrainConfig(batches="sorted")
    with pytest.raises(ValueError, match="final_eval_modes must be true or false"):
        TrainConfig(final_eval_modes="yes")
