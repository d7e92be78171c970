"""The Activations page's presets: each recorded experiment is the live comparison the page trains with
the same settings, and every preset can be trained live."""

import pytest
from payloads import payload

from bnviz import experiments
from bnviz.live import presets, settings
from bnviz.views.findings import Findings


def test_every_recorded_preset_is_on_the_activations_page_with_three_seeds():
    replays = experiments.on_page("activations")
    assert replays == [p.name for p in presets.PRESETS if p.name.startswith("replay-")]
    for name in replays:
        exp = experiments.get(name)
        assert len(exp.seeds) >= 3 and exp.dataset in ("mnist", "cifar10") and exp.keep is None


@pytest.mark.parametrize("name", experiments.on_page("activations"))
def test_a_recorded_preset_is_exactly_the_live_run_of_its_settings(name):
    exp = experiments.get(name)
    live = presets.live_settings(exp)
    assert live.steps == live.recorded_steps == exp.steps
    configs = settings.live_configs(live.model, live.arms, 0, live.steps, **live.knobs)
    assert configs == [a.config.replace(seed=0) for a in exp.arms]
    assert settings.arm_labels(configs) == [a.label for a in exp.arms]


@pytest.mark.parametrize("name", ["mnist-fig1", "cifar10-cnn"])
def test_the_papers_runs_as_presets_train_live_with_their_network_and_training(name):
    exp = experiments.get(name)
    live = presets.live_settings(exp)
    assert live.recorded_steps == exp.steps > live.steps  # longer than the page trains live
    configs = settings.live_configs(live.model, live.arms, 0, live.steps, **live.knobs)
    fields = ("model", "norm", "lr", "momentum", "weight_decay", "batch_size", "init_std", "augment", "depth")
    assert [[getattr(c, f) for f in fields] for c in configs] == [
        [getattr(a.config, f) for f in fields] for a in exp.arms
    ]


def test_a_presets_findings_are_its_curves_and_final_accuracies():
    r = payload(
        {"no BN": [[0.1, 0.5, 0.6]], "BN": [[0.1, 0.8, 0.9]]}, steps=(0, 100, 3000), experiment="replay-paper-mlp"
    )
    found = experiments.findings(r)
    assert type(found) is Findings and not found.verdicts
    table = found.tables["Final test accuracy per seed"]
    assert list(table["arm"]) == ["no BN", "BN"] and list(table["mean"]) == [0.6, 0.9]
    assert [s.title for s in experiments.sections(found)] == ["Test accuracy", "Training loss"]
    r.update(wall_time=1.0, command="python -m bnviz run replay-paper-mlp", code_version={})
    assert experiments.summary(r)["tables"]["Final test accuracy per seed"][1]["mean"] == 0.9
