"""Benchmark 6: live arms against bare torch loops of their networks, and a control change's server time
on the Activations page while a four-arm live run exists.

The issue's targets: four MLP arms, advanced by :class:`bnviz.live.comparison.LiveComparison` as the page does
(probes and test-set evaluations included), train at no less than 70% of the steps per second of bare
torch loops of the same networks (``torch.nn`` layers, ``torch.optim.SGD``, the same batches, no probes);
the CIFAR-10 CNN with and without BN at the page's default settings at no less than 80% (issue #14,
target 5); and a control change answers in under 200 ms.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from benchmarks.harness import Table, Times, compare
from bnviz.live import choices, comparison, settings
from bnviz.train.batches import Batches, training_batch
from bnviz.train.config import TrainConfig
from bnviz.views import activations

ARMS = (
    choices.ArmChoice("none"),
    choices.ArmChoice("bnviz"),
    choices.ArmChoice("bnviz", "after"),
    choices.ArmChoice("layer"),
)
STEPS = 3000  # the page's default run: a probe and a test-set evaluation every 100 steps
APP = str(Path(__file__).resolve().parent.parent / "app.py")

TORCH_NORMS = {"none": None, "bnviz": nn.BatchNorm1d, "torch": nn.BatchNorm1d, "layer": nn.LayerNorm}
TORCH_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}


def torch_network(config: TrainConfig) -> nn.Sequential:
    """The arm's network from ``torch.nn`` layers: :func:`torch_mlp` or :func:`torch_cnn`."""
    return torch_mlp(config) if config.model == "mlp" else torch_cnn(config)


def torch_mlp(config: TrainConfig) -> nn.Sequential:
    """The arm's MLP from ``torch.nn`` layers: each hidden layer Linear, then the norm before or after g."""
    norm = TORCH_NORMS[config.norm]
    layers, width_in = [], 784
    for _ in range(config.depth):
        layers.append(nn.Linear(width_in, config.width, bias=norm is None or config.norm_position == "after"))
        g = TORCH_ACTIVATIONS[config.activation or "sigmoid"]()
        block = (
            [g]
            if norm is None
            else [norm(config.width), g]
            if config.norm_position == "before"
            else [g, norm(config.width)]
        )
        layers.extend(block)
        width_in = config.width
    return nn.Sequential(*layers, nn.Linear(width_in, 10))


def torch_cnn(config: TrainConfig) -> nn.Sequential:
    """The arm's CIFAR-10 CNN from ``torch.nn`` layers: blocks Conv3x3, BN2d (or none), ReLU, MaxPool, then
    FC to 128, BN1d (or none), ReLU, FC to 10; the normalization before the ReLU, as the page's default."""
    if config.norm not in ("none", "bnviz", "torch") or config.norm_position != "before":
        raise ValueError("the bare CNN has BN before the ReLU or no normalization")
    bn = config.norm != "none"
    layers, channels_in = [], 3
    for c in config.channels:
        conv = nn.Conv2d(channels_in, c, 3, padding=1, bias=not bn)
        layers.extend([conv, *([nn.BatchNorm2d(c)] if bn else []), nn.ReLU(), nn.MaxPool2d(2)])
        channels_in = c
    flat = channels_in * (32 // 2 ** len(config.channels)) ** 2
    fc = nn.Linear(flat, 128, bias=not bn)
    layers.extend([nn.Flatten(), fc, *([nn.BatchNorm1d(128)] if bn else []), nn.ReLU()])
    return nn.Sequential(*layers, nn.Linear(128, 10))


class BareLoop:
    """A bare training loop of one arm's network: torch.nn layers, torch.optim.SGD, the same batches, no probes."""

    def __init__(self, config: TrainConfig, data):
        torch.manual_seed(config.seed)
        self.config, self.data = config, data
        self.model = torch_network(config)
        self.opt = torch.optim.SGD(
            self.model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
        self.batches = Batches(len(data.train_y), config.batch_size, torch.Generator().manual_seed(config.seed))
        self.augment = torch.Generator().manual_seed(config.seed)  # the CNN's random crops and flips, as it trains

    def steps(self, n: int) -> None:
        for _ in range(n):
            x, y = training_batch(self.config, self.data, self.batches.next(), self.augment)
            loss = nn.functional.cross_entropy(self.model(x), y)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            loss.item()


def one_eval_interval(lc: comparison.LiveComparison) -> int:
    """Advance every arm by ``eval_every`` steps past the early probes: the steps, the records in between and one
    test-set evaluation each. Returns the steps trained."""
    before = [r["step"] for r in lc.runs]
    while any(r["step"] < b + lc.config.eval_every for r, b in zip(lc.runs, before)):
        lc.advance(0.0)  # a zero budget pulls exactly one step or record, from the arm that is behind
    return sum(r["step"] for r in lc.runs) - sum(before)


def past_early_probes(lc: comparison.LiveComparison) -> comparison.LiveComparison:
    """Pull records until every arm has passed its log-spaced early probes (1, 2, 5, ...), so each later
    record is ``probe_every`` steps: the steady state a long live run spends its time in."""
    while min(r["step"] for r in lc.runs) < lc.config.probe_every:
        lc.advance(0.0)
    return lc


def four_arms(data) -> list[TrainConfig]:
    """The page's four-arm comparison at its default settings, on ``data``."""
    return settings.live_configs("mlp", ARMS, 0, STEPS, lr=choices.CHOICES["mlp"].base.lr, synthetic=data.synthetic)


def live_against_bare(configs: list[TrainConfig], data, repeats: int, extra: dict | None = None):
    """``(lc, names, times)``: a LiveComparison of ``configs`` (the page's test set size) past its early probes
    against bare torch loops of the same networks, ``eval_every`` steps per arm in each round, interleaved;
    ``names`` are the bare loops' and the live run's contenders, ``extra`` more contenders."""
    lc = past_early_probes(
        comparison.LiveComparison(configs, data, test_size=choices.CHOICES[configs[0].model].test_size)
    )
    every, n = lc.config.eval_every, len(configs)
    bare = [BareLoop(c, data) for c in configs]
    names = (
        f"bare torch loops of the {n} arms' networks, {every} steps each",
        f"LiveComparison, {n} arms, {every} steps each (probes, evals)",
    )
    contenders = {names[0]: lambda: [b.steps(every) for b in bare], names[1]: lambda: one_eval_interval(lc)}
    return lc, names, compare({**contenders, **(extra or {})}, inner=1, repeats=repeats, warmup=1)


def speed_note(lc: comparison.LiveComparison, what: str, times: Times, names, target: float) -> str:
    """The live run's steps/s and its ratio to the bare loops', with what it probes and evaluates."""
    steps, c = lc.config.eval_every * len(lc.runs), lc.config
    return (
        f"- {what} ({', '.join(r['arm'] for r in lc.runs)}; {lc.info.data_label}; probed on {c.probe_size:,} "
        f"images every {c.probe_every} steps, evaluated on {lc.test_examples:,} test images every {c.eval_every} "
        f"steps): {steps / times[names[1]]:,.1f} steps/s in all, **{times[names[0]] / times[names[1]]:.2f}** of "
        f"the steps/s of bare torch loops of the same networks (target >= {target:.2f})"
    )


def run_speed(table: Table, data, quick: bool) -> list[str]:
    """Steps per second of the four arms in a LiveComparison against bare torch loops, interleaved."""
    configs = four_arms(data)
    steps = configs[0].eval_every * len(configs)
    plain = BareLoop(configs[0], data)  # the paper's MLP without normalization
    plain_name = f"bare torch loop of the plain MLP (no norm), {steps} steps"
    # a round is about half a second: many rounds, as the shared machine drifts
    lc, names, times = live_against_bare(configs, data, 9 if quick else 21, {plain_name: lambda: plain.steps(steps)})
    target = "<= 1.43x (>= 0.70 of the steps/s)"
    table.add(f"Live training, {steps} steps over 4 MLP arms", subset(times, names), names[0], "ms", target)
    table.add(f"Live training, {steps} steps over 4 MLP arms", subset(times, (plain_name, names[1])), plain_name, "ms")
    return [
        f"{speed_note(lc, 'four live arms', times, names, 0.70)}, "
        f"{times[plain_name] / times[names[1]]:.2f} of one bare torch loop of the plain MLP"
    ]


def cnn_arms(data) -> list[TrainConfig]:
    """The page's CNN comparison (no BN, BN) at its default settings, on ``data``; long enough that the
    benchmark's rounds never reach the end (the probe and eval intervals stay the default run's)."""
    choice = choices.CHOICES["cnn"]
    configs = settings.live_configs(
        "cnn", choices.DEFAULT_ARMS, 0, choice.steps, lr=choice.base.lr, synthetic=data.synthetic
    )
    return [c.replace(steps=100 * choice.steps) for c in configs]


def run_cnn_speed(table: Table, data, quick: bool) -> list[str]:
    """Steps per second of the page's two CNN arms in a LiveComparison against bare torch loops, interleaved."""
    configs = cnn_arms(data)
    lc, names, times = live_against_bare(configs, data, 5 if quick else 11)  # a round is some seconds
    steps = lc.config.eval_every * len(configs)
    table.add(
        f"Live training, {steps} steps over 2 CNN arms", times, names[0], "ms", "<= 1.25x (>= 0.80 of the steps/s)"
    )
    return [speed_note(lc, "two live CNN arms", times, names, 0.80)]


CHANGES = ("step slider (new histograms)", "depth (a setting of the next run)", "histogram layout")


def change(at, name: str, i: int, probe_steps: list[int]):
    """The ``i``-th change of one control of the Activations page (not yet run)."""
    if name == CHANGES[0]:
        return at.select_slider(key="act_step_live").set_value(probe_steps[-1 - (i + 1) % len(probe_steps)])
    if name == CHANGES[1]:
        return at.slider(key="act_depth").set_value(2 + i % 3)
    return at.button_group(key="act_layout_live").set_value(("side", "overlay")[i % 2])


def subset(times: Times, names) -> Times:
    """The contenders ``names`` of ``times``, with their per-round samples (for the ratios' spread)."""
    out = Times({n: times[n] for n in names})
    out.samples = {n: times.samples[n] for n in names}
    return out


def run_control_change(quick: bool) -> list[str]:
    """Server time of one control change on the Activations page while a four-arm live run exists (AppTest)."""
    from streamlit.testing.v1 import AppTest

    repeats = 3 if quick else 7
    saved = {k: os.environ.get(k) for k in ("BNVIZ_DATA_DIR", "BNVIZ_CACHE_DIR")}
    with tempfile.TemporaryDirectory() as empty:
        # no MNIST files and no cached results there: the page opens on a live run on synthetic data
        os.environ.update(BNVIZ_DATA_DIR=empty, BNVIZ_CACHE_DIR=empty)
        try:
            return control_change_lines(AppTest.from_file(APP, default_timeout=300), repeats)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def control_change_lines(at, repeats: int) -> list[str]:
    """Start a four-arm live run in ``at``, time ``repeats`` timer ticks, pause, then time control changes."""
    at.run()
    at.switch_page("pages/activations.py").run()
    at.multiselect(key="act_arms").set_value(list(ARMS)).run()
    at.button(key="act_start").click().run()
    lc = at.session_state["act_live"].lc  # the run, trained by its own thread (bnviz.live.background)
    running = []
    for _ in range(repeats):  # the page redrawn while the arms train in their thread
        t0 = time.perf_counter()
        at.run()
        running.append(time.perf_counter() - t0)
    deadline = time.perf_counter() + 120
    while len(activations.slider_steps(lc.runs)) < 3 and time.perf_counter() < deadline:
        time.sleep(0.2)  # a few probes to choose a step from
    at.button(key="act_pause").click().run()
    at.run()  # the click's handler ends in st.rerun() (see tests/pages/test_page_activations.py's click())
    probe_steps = activations.slider_steps(lc.runs)
    samples = {name: [] for name in CHANGES}
    for i in range(repeats):
        for name in CHANGES:
            widget = change(at, name, i, probe_steps)
            t0 = time.perf_counter()
            widget.run()
            samples[name].append(time.perf_counter() - t0)
            assert not at.exception, at.exception
    lc.stop()
    lines = [
        f"| control change on Activations, 4-arm run paused: {name} | {statistics.median(s) * 1e3:,.0f} ms | < 200 ms |"
        for name, s in samples.items()
    ]
    lines.append(
        "| the whole page redrawn while 4 arms train in their own thread (a timer tick redraws only its fragment) "
        f"| {statistics.median(running) * 1e3:,.0f} ms | <= 100 ms (a tick) |"
    )
    return ["| app | median server time | target |", "|---|---:|---|", *lines]
