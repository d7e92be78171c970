"""How the Activations page draws one comparison, live, replayed or cached: the probe mode, the view
options and the step, then its views (each layer's input and gradients at one step, Figure 1(b,c) per
arm, x̂ beside y, and the curves over the run), all on the page or one per slide in the presenter view."""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import streamlit as st

from bnviz.views import activations, probe_modes, records
from pages import _downloads, _view_link
from pages._kept import kept

LAYOUTS = {"overlay": "Overlaid", "side": "Side by side"}
AXES = {"linear": "Linear", "log": "Log (early steps)"}
MAX_LAYERS = 4  # per-layer charts drawn at once; a deeper network picks which
DERIVED = "_act_derived"  # session_state: tables derived from the runs shown, by what they were derived from
DERIVED_KEPT = 32
T = TypeVar("T")


def _sizes(runs: list[dict]) -> tuple:
    return tuple(len(r["records"]) for r in runs)


@dataclass
class RunView:
    """What every view of one comparison draws from, read once per run of the page."""

    runs: list[dict]  # one seed, in the probe mode shown
    curve_runs: list[dict]  # every seed: the accuracy and loss bands
    activation: str
    edges: list[float]
    key: str  # "live", "replay" or "cached": the widgets' keys
    running: bool
    accuracy_note: str
    config: dict
    layers: list[str]
    shown: list[str]  # the layers whose charts are drawn
    layout: str
    log: bool
    stats: pd.DataFrame  # records.layer_stats in the mode shown
    both_modes: dict  # mode -> layer_stats
    memo: tuple  # what the charts show, for reusing their specs
    grown: tuple  # memo and the records so far: the curves' specs
    x_domain: list[int]
    steps: list[int]  # the probe steps every arm has reached
    with_grads: bool = False  # the result records gradient histograms and update:data ratios
    step: int = 0

    @property
    def nonlinearity(self) -> str:
        return {"sigmoid": "sigmoid", "tanh": "tanh"}.get(self.activation, "ReLU")

    @property
    def saturated(self) -> str:
        return {"sigmoid": "Saturated", "tanh": "Saturated"}.get(self.activation, "Inactive (≤ 0)")

    def derived(self, name: Hashable, compute: Callable[[], T]) -> T:
        """A table derived from the runs shown (``compute()``), derived again only when they change."""
        return kept(DERIVED, (*self.memo, _sizes(self.runs), _sizes(self.curve_runs), name), compute, DERIVED_KEPT)

    def csv(self, df, name: str, label: str) -> None:
        """A CSV download, except while training (the data would change under the button)."""
        if not self.running:
            _downloads.csv_download(df, name, label, key=f"{self.key}-{name}")


def step_slider(steps: list[int], key: str, running: bool, run_id: Hashable) -> int:
    """A slider over the probe steps; while training it can follow the newest step. It starts at the
    newest step whenever ``run_id`` (the run shown) changes, and keeps the step chosen when training stops."""
    if st.session_state.get(f"{key}-run") != run_id:
        st.session_state[f"{key}-run"] = run_id
        st.session_state.pop(key, None)
    if len(steps) < 2:
        st.caption(f"Step {steps[0]:,}, the only probe so far")
        return steps[0]
    options = dict(format_func=lambda s: f"{s:,}", help="Early steps (1, 2, 5, 10, ...) show the first moves.")
    slider, toggle = st.columns([4, 1.4], vertical_alignment="bottom")
    # Following re-creates a disabled slider at the newest step on every rerun, instead of writing the step into a
    # keyed slider's state: a timer rerun can carry the browser's older value and would undo that write. The
    # toggle stays (disabled) once training ends, so the slider keeps its place, its identity and its step.
    if (
        toggle.toggle(
            "Follow training",
            value=True,
            help="Show the newest step as it arrives",
            key=f"{key}-follow",
            on_change=st.session_state.pop,
            args=(key, None),
            disabled=not running,
        )
        and running
    ):
        return slider.select_slider("Training step", steps, value=steps[-1], disabled=True, **options)
    if st.session_state.get(key) not in steps:
        st.session_state[key] = steps[-1]
    return slider.select_slider("Training step", steps, key=key, **options)


def mode_control(runs: list[dict], key: str, explain: bool = True) -> str:
    """Which probes the charts show: BN on the probe batch's statistics (training mode) or on its running
    averages (eval mode); results cached before training-mode probes have only the second."""
    modes = probe_modes.recorded_modes(runs)
    if modes == (probe_modes.EVAL,):
        st.info(
            "This result was recorded before bnviz probed the BN network in training mode: its BN charts show "
            "eval mode (BN's running averages), not the network as it trains. Train it again for both views.",
            icon=":material/history:",
        )
        return probe_modes.EVAL
    _view_link.seed(f"act_mode_{key}", "mode")
    if st.session_state.get(f"act_mode_{key}") not in (None, *modes):  # a link's mode this run did not record
        del st.session_state[f"act_mode_{key}"]
    mode = st.segmented_control(
        "BN normalizes the probe batch with",
        modes,
        format_func=probe_modes.LABELS.get,
        default=probe_modes.TRAIN,
        required=True,
        key=f"act_mode_{key}",
    )
    _view_link.write("mode", mode, probe_modes.TRAIN)
    if explain:
        st.caption(
            "Training mode is the network that learns (the paper's $N^{tr}_{\\mathrm{BN}}$): each BN layer uses the "
            "probe batch's own mean and variance, and the probe moves nothing. Eval mode uses the running averages, "
            "as at inference; they trail the weights (momentum 0.1 from mean 0, variance 1), so early in training "
            "the two views differ most."
        )
    return mode


def view_controls(layers: list[str], key: str) -> tuple[str, bool, list[str]]:
    """(histogram layout, whether the step axes are logarithmic, the layers whose charts are drawn)."""
    left, middle, right = st.columns([1.8, 2, 3], vertical_alignment="bottom")
    _view_link.seed(f"act_layout_{key}", "layout")
    _view_link.seed(f"act_axis_{key}", "axis")
    layout = left.segmented_control(
        "Histograms", list(LAYOUTS), format_func=LAYOUTS.get, default="overlay", required=True, key=f"act_layout_{key}"
    )
    axis = middle.segmented_control(
        "Step axis",
        list(AXES),
        format_func=AXES.get,
        default="linear",
        required=True,
        key=f"act_axis_{key}",
        help="Log spreads out the early probes (steps 1, 2, 5, 10, ...), where most of the change happens.",
    )
    _view_link.write("layout", layout, "overlay")
    _view_link.write("axis", axis, "linear")
    shown = layers
    if len(layers) <= MAX_LAYERS:
        _view_link.all_layers_drawn(layers)
        _view_link.warn_ignored()
    else:
        default = activations.spread(layers, MAX_LAYERS)
        _view_link.seed(layers_key(key, layers), "layers", layers)
        _view_link.warn_ignored()
        if len(st.session_state.get(layers_key(key, layers), ())) > MAX_LAYERS:  # a link naming too many
            st.session_state[layers_key(key, layers)] = st.session_state[layers_key(key, layers)][:MAX_LAYERS]
        picked = right.multiselect(
            f"Layers drawn (up to {MAX_LAYERS})",
            layers,
            default=default,
            max_selections=MAX_LAYERS,
            key=layers_key(key, layers),
        )
        shown = [name for name in layers if name in picked] or default
        _view_link.write("layers", shown, default)
    return layout, axis == "log", shown


def layers_key(key: str, layers: list[str]) -> str:
    return f"act_layers_{key}_{len(layers)}"


def prepare(
    runs: list[dict],
    curve_runs: list[dict],
    activation: str,
    edges: list[float],
    key: str,
    running: bool = False,
    accuracy_note: str = "",
    run_id: Hashable = "",
    explain: bool = True,
    with_grads: bool | None = None,
    controls: bool = True,
) -> RunView | None:
    """Draw the view's controls (probe mode, layout, step axis, layers) and read what every view needs;
    None, with a note, before the first probe. Without ``controls`` (a slide), each is at its default."""
    steps = activations.slider_steps(runs)
    layers = records.layer_names(runs[0]["records"]) if runs else []
    if not steps or not layers:
        st.info("No probe yet: the first histograms appear with the first record (step 0).")
        return None
    modes = probe_modes.recorded_modes(runs)
    mode = (
        mode_control(runs, key, explain)
        if controls
        else (probe_modes.TRAIN if probe_modes.TRAIN in modes else modes[0])
    )
    arms = tuple((r["arm"], r["seed"]) for r in runs)
    both_modes = {
        m: kept(
            DERIVED,
            (run_id, key, m, arms, _sizes(runs), "layer_stats"),
            lambda m=m: records.layer_stats(probe_modes.view(runs, m)),
            DERIVED_KEPT,
        )
        for m in modes
    }
    runs = probe_modes.view(runs, mode)
    layout, log, shown = view_controls(layers, key) if controls else ("overlay", False, activations.spread(layers, 3))
    memo = (run_id, key, mode, arms)
    return RunView(
        runs=runs,
        curve_runs=curve_runs,
        activation=activation,
        edges=edges,
        key=key,
        running=running,
        accuracy_note=accuracy_note,
        config=runs[0]["config"],
        layers=layers,
        shown=shown,
        layout=layout,
        log=log,
        stats=both_modes[mode],
        both_modes=both_modes,
        memo=memo,
        grown=(*memo, tuple(len(r["records"]) for r in curve_runs), log, tuple(shown)),
        x_domain=[0, max(r["config"]["steps"] for r in runs)],  # the planned steps: arms line up while training
        steps=steps,
        # a replay's runs so far have none at step 0: whether the recording has them is the caller's to say
        with_grads=records.recorded(runs, "grad_hist") if with_grads is None else with_grads,
    )


StepControl = Callable[[list[int]], int]  # draws the step control over the probe steps and returns the step
