"""bnviz.live.estimate: a step's time, measured here before a live run starts, and the probe interval it gives."""

import pytest
import torch

from bnviz.live import choices, estimate, settings


@pytest.fixture
def timed(monkeypatch):
    """Every (batch size of the config, examples timed) that a measurement asks for; each step "takes" 0.5 s."""
    calls = []
    monkeypatch.setattr(estimate, "step_seconds", lambda config, n: calls.append((config.batch_size, n)) or 0.5)
    estimate._seconds_per_step.cache_clear()
    yield calls
    estimate._seconds_per_step.cache_clear()


def mlp(**knobs):
    return settings.live_config("mlp", 0, 3000, 0.3, synthetic=True, **knobs)


def test_a_large_batch_is_timed_on_fewer_examples_and_scaled_in_proportion(timed):
    assert estimate.seconds_per_step(mlp(batch_size=1000)) == 0.5 * 1000 / estimate.MEASURE_BATCH
    assert estimate.seconds_per_step(mlp(batch_size=60)) == 0.5  # timed as it is
    assert timed == [(1000, estimate.MEASURE_BATCH), (60, 60)]


def test_a_network_is_timed_once_whatever_its_seed_length_or_copy_of_the_data(timed):
    first = mlp(depth=5)
    for config in (first, first.replace(seed=7, steps=200, probe_every=5), first.replace(dataset="mnist")):
        estimate.seconds_per_step(config)
    assert len(timed) == 1
    estimate.seconds_per_step(first.replace(width=200))
    assert len(timed) == 2  # another network


def test_a_probe_interval_is_probe_every_steps_of_every_arm(timed):
    arms = [choices.ArmChoice("none"), choices.ArmChoice("bnviz"), choices.ArmChoice("layer")]
    configs = settings.live_configs("mlp", arms, 0, 20_000, 0.3, synthetic=True)
    assert configs[0].probe_every == 500
    assert estimate.interval_seconds(configs) == 500 * 3 * 0.5


def test_timing_a_real_step_leaves_torch_s_random_numbers_as_they_were():
    state = torch.get_rng_state()
    seconds = estimate.step_seconds(estimate.timing_config(mlp(dropout=0.2, norm_momentum=None)), 8)
    assert seconds > 0 and torch.equal(torch.get_rng_state(), state)
