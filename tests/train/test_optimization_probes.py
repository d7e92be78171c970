"""Santurkar et al.'s probes in the trainer: only where a config asks, on record, and moving nothing."""

import json

import pytest

from bnviz import data
from bnviz.train.config import TrainConfig
from bnviz.train.trainer import train


@pytest.fixture(scope="module")
def mnist_like():
    return data.load("synthetic-mnist")


def small(**kw):
    base = dict(
        dataset="synthetic-mnist", steps=30, batch_size=30, lr=0.5, eval_every=10, probe_every=10, probe_size=100
    )
    return TrainConfig(**{**base, **kw})


TRAINING = ("train/loss", "test/acc", "test/loss", "layer3/p50", "layer2/hist", "layer1/grad_norm")


@pytest.mark.slow
@pytest.mark.parametrize("norm", ["none", "bnviz", "noisy"])
def test_the_probes_change_no_number_of_the_run(mnist_like, norm):
    plain = list(train(small(norm=norm), mnist_like))
    probed = list(train(small(norm=norm, probe_ics=True, probe_landscape=True), mnist_like))
    assert [r["step"] for r in plain] == [r["step"] for r in probed]
    for a, b in zip(plain, probed):
        assert {k: a.get(k) for k in TRAINING} == {k: b.get(k) for k in TRAINING}


@pytest.mark.slow
def test_fields_appear_only_where_asked_and_are_json(mnist_like):
    plain = list(train(small(), mnist_like))
    assert not [
        k for r in plain for k in r if "ics_" in k or k.startswith("landscape/") or k in ("time/ics", "time/landscape")
    ]
    only_ics = list(train(small(probe_ics=True), mnist_like))
    last = only_ics[-1]
    assert last["layer1/ics_l2"] == 0.0 and last["layer1/ics_cos"] == 1.0  # nothing below layer 1
    assert last["layer3/ics_l2"] > 0 and last["time/ics"] > 0
    assert not [k for k in last if k.startswith("landscape/")]
    both = list(train(small(probe_landscape=True, probe_ics=True), mnist_like))[-1]
    assert both["landscape/effective_beta"] > 0 and both["landscape/blew_up"] == 0 and both["time/landscape"] > 0
    json.dumps(both, allow_nan=False)


def test_probe_flags_stay_out_of_cache_keys_at_their_defaults():
    assert "probe_ics" not in small().key_dict() and "probe_landscape" not in small().key_dict()
    assert small(probe_ics=True).key_dict()["probe_ics"] is True
    with pytest.raises(ValueError, match="probe_ics must be true or false"):
        small(probe_ics="yes")


def test_a_run_that_does_not_ask_never_calls_the_probes(mnist_like, monkeypatch):
    from bnviz.train import record

    def refuse(*args):
        raise AssertionError("probed a run that did not ask")

    monkeypatch.setattr(record, "optimization_probes", refuse)
    assert list(train(small(), mnist_like))[-1]["status"] == "done"
    with pytest.raises(AssertionError, match="did not ask"):
        list(train(small(probe_ics=True), mnist_like))


def test_the_landscape_fields_hold_the_losses_along_the_gradient_so_rise_and_drop_can_be_told_apart():
    import torch

    from bnviz.train import landscape
    from bnviz.train.models import model_for
    from bnviz.train.optimization_probes import landscape_fields

    torch.manual_seed(0)
    config = small()
    model = model_for(config)
    x, y = torch.rand(30, 784), torch.randint(0, 10, (30,))
    fields = landscape_fields(model, x, y, config.lr)
    direct = landscape.along_gradient(model, x, y, landscape.step_sizes(config.lr))
    assert fields["landscape/step_sizes"] == pytest.approx(landscape.step_sizes(config.lr))
    assert fields["landscape/losses"] == pytest.approx(direct["losses"]) and len(direct["losses"]) == 8
    span = [fields["landscape/loss"], *fields["landscape/losses"]]
    assert fields["landscape/loss_range"] == pytest.approx(max(span) - min(span))
    json.dumps(fields, allow_nan=False)


def test_a_blown_up_landscape_probe_records_no_losses_and_says_so(monkeypatch):
    from bnviz.train import landscape
    from bnviz.train.optimization_probes import landscape_fields

    def exploding(*args):
        return {
            "step_sizes": [0.1, 0.2],
            "loss": 2.3,
            "grad_norm": 1.0,
            "losses": [1.0, float("inf")],
            "loss_range": float("inf"),
            "grad_predictiveness": float("inf"),
            "effective_beta": float("inf"),
        }

    monkeypatch.setattr(landscape, "along_gradient", exploding)
    fields = landscape_fields(None, None, None, 0.1)
    assert fields["landscape/blew_up"] == 1 and fields["landscape/losses"] is None
    assert fields["landscape/loss_range"] is None and fields["landscape/loss"] == 2.3
