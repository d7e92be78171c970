"""The Activations page's live-run controls: the arms, the network, the optimizer and the
normalization layers. Widgets return values; bnviz.live.settings turns them into one config per arm and
says, in sentences, what cannot train."""

import shlex
from dataclasses import dataclass, field

import streamlit as st

from bnviz.live import choices, estimate, settings
from bnviz.train.config import MAX_DEPTH
from bnviz.views import markdown
from pages import _data

KEEP = dict(persist_state="session")  # survive a switch to the cached source or to another page
WIDTHS = (8, 16, 32, 64, 100, 128, 256, 512, 1024)
CHANNELS = ((16, 32), (32, 64), (16, 32, 64), (32, 64, 128), (32, 64, 128, 256), (64, 128, 256))
MOMENTA = (0.0, 0.5, 0.9, 0.95, 0.99)
DROPOUTS = (0.0, 0.1, 0.2, 0.3, 0.5)
NORM_MOMENTA = (0.01, 0.03, 0.1, 0.3, 1.0, None)
EPSILONS = (1e-8, 1e-5, 1e-3, 0.1, 1.0)
LONG_INTERVAL = 30.0  # seconds between two probes from which the note gives the measured time of a step
FOLDED = "Live settings: model, arms, network and training (change them, then Start training for a new run)"
KNOBS_LABEL = "Network, training and normalization layers (the paper's settings to start with)"
LONG_RUN = 60.0  # seconds of training from which the note says how long the run will take here
LABELS = {  # TrainConfig field -> the widget that sets it, for the hints under a problem
    "depth": "Hidden layers",
    "width": "Units per layer",
    "channels": "Feature maps",
    "activation": "Nonlinearity",
    "init_std": "Init std",
    "batch_size": "Batch size",
    "optimizer": "Optimizer",
    "lr": "Learning rate",
    "momentum": "Momentum",
    "dropout": "Dropout",
    "norm_momentum": "Running-average momentum",
    "norm_eps": "ε",
    "affine": "Learn γ and β",
}


def network_controls(model: str, d: dict) -> dict:
    """The network's shape, its nonlinearity and (MLP) its init."""
    st.markdown("**Network**")
    knobs = {}
    if model == "mlp":
        knobs["depth"] = st.slider(LABELS["depth"], 1, MAX_DEPTH, d["depth"], key="act_depth", **KEEP)
        knobs["width"] = st.select_slider(LABELS["width"], WIDTHS, value=d["width"], key="act_width", **KEEP)
    else:
        knobs["channels"] = st.selectbox(
            LABELS["channels"],
            CHANNELS,
            index=CHANNELS.index(d["channels"]),
            format_func=lambda c: " → ".join(map(str, c)),
            key="act_channels",
            help="One 3×3 conv block (conv, normalization, nonlinearity, 2×2 max-pool) per entry, then FC 128",
            **KEEP,
        )
    knobs["activation"] = st.segmented_control(
        LABELS["activation"],
        list(choices.NONLINEARITY),
        format_func=choices.NONLINEARITY.get,
        default=d["activation"],
        required=True,
        key=f"act_activation_{model}",
        **KEEP,
    )
    if model == "mlp":
        knobs["init_std"] = st.segmented_control(
            LABELS["init_std"],
            choices.INIT_STDS,
            default=d["init_std"],
            required=True,
            key="act_std",
            help="Std of the Gaussian initial weights. With 0.01 the sigmoid network without BN sits on a plateau "
            "near chance for thousands of steps; with BN it does not.",
            **KEEP,
        )
    else:
        st.caption("Init: torch's default (Kaiming-uniform)")
    return knobs


def training_controls(model: str, d: dict) -> dict:
    """Batch size, optimizer, learning rate and dropout."""
    st.markdown("**Training**")
    choice = choices.CHOICES[model]
    knobs = {
        "batch_size": st.number_input(LABELS["batch_size"], 1, 1000, d["batch_size"], key=f"act_batch_{model}", **KEEP)
    }
    knobs["optimizer"] = st.segmented_control(
        LABELS["optimizer"],
        ["sgd", "adam"],
        format_func={"sgd": "SGD", "adam": "Adam"}.get,
        default=d["optimizer"],
        required=True,
        key=f"act_opt_{model}",
        **KEEP,
    )
    if knobs["optimizer"] == "sgd":
        lrs, default_lr = choice.lrs, d["lr"]
        knobs["momentum"] = st.select_slider(
            LABELS["momentum"], MOMENTA, value=d["momentum"], key=f"act_momentum_{model}", **KEEP
        )
    else:
        lrs, default_lr = choice.adam_lrs, 1e-3  # torch's default; Adam keeps betas 0.9, 0.999
        knobs["momentum"] = 0.0
    knobs["lr"] = st.select_slider(
        LABELS["lr"],
        lrs,
        value=default_lr,
        key=f"act_lr_{model}_{knobs['optimizer']}",
        format_func="{:g}".format,
        **KEEP,
    )
    knobs["dropout"] = st.select_slider(
        LABELS["dropout"], DROPOUTS, value=d["dropout"], key=f"act_dropout_{model}", **KEEP
    )
    return knobs


def norm_controls(d: dict) -> dict:
    """The normalization layers' own settings, with torch's meanings (every arm with one)."""
    st.markdown("**Normalization layers**")
    knobs = {
        "norm_momentum": st.select_slider(
            LABELS["norm_momentum"],
            NORM_MOMENTA,
            value=d["norm_momentum"],
            format_func=lambda m: "cumulative" if m is None else f"{m:g}",
            key="act_norm_momentum",
            help="torch's momentum: the running averages' weight on each new batch (0.1). Keras's 0.99 is 0.01 "
            "here; cumulative is torch's momentum=None, a plain average of all batches.",
            **KEEP,
        ),
        "norm_eps": st.select_slider(
            LABELS["norm_eps"], EPSILONS, value=d["norm_eps"], format_func="{:g}".format, key="act_eps", **KEEP
        ),
        "affine": st.toggle(
            LABELS["affine"], value=d["affine"], key="act_affine", help="Off: each layer outputs x̂ itself", **KEEP
        ),
    }
    return knobs


def summary(model: str, k: dict) -> str:
    """The settings in one line, for when the expander is closed."""
    g = choices.NONLINEARITY[k["activation"]]
    if model == "mlp":
        net = f"{k['depth']} hidden layer{'s' if k['depth'] > 1 else ''} × {k['width']} {g} units, init std {k['init_std']:g}"
    else:
        net = f"conv blocks of {', '.join(map(str, k['channels']))} maps, {g}"
    opt = "Adam" if k["optimizer"] == "adam" else "SGD" + (f" with momentum {k['momentum']:g}" if k["momentum"] else "")
    m = "cumulative" if k["norm_momentum"] is None else f"{k['norm_momentum']:g}"
    return (
        f"{net} · {opt}, learning rate {k['lr']:g}, batch {int(k['batch_size'])}"
        + (f", dropout {k['dropout']:g}" if k["dropout"] else "")
        + f" · normalization: momentum {m}, ε {k['norm_eps']:g}, {'learned' if k['affine'] else 'no'} γ and β"
    )


def live_note(choice: choices.ModelChoice, configs: list) -> str:
    """What a live run of ``configs`` evaluates and probes on, and, where it is long, how long a step takes here."""
    c, n = configs[0], len(configs)
    test = f"the first {choice.test_size:,} test images" if choice.test_size else "the whole test set"
    note = (
        f"Test accuracy on {test} every {c.eval_every:,} steps; histograms on {c.probe_size:,} training images "
        f"every {c.probe_every:,} steps. Pause and Stop answer within one training step; the bar above the "
        "charts gives the speed as the run goes and the time left."
    )
    step = estimate.seconds_per_step(c)  # timed here, on this machine under its current load
    interval, total = c.probe_every * n * step, c.steps * n * step
    arms = f"{n} arm{'s' * (n > 1)}"
    if interval >= LONG_INTERVAL:
        note += (
            f" **At these settings one step of one arm takes about {step:.1f} s here** (timed just now), so the "
            f"charts change about every {duration(interval)}: {c.probe_every:,} steps of {arms} between two probes."
        )
    elif total >= LONG_RUN:
        note += (
            f" One step of one arm takes about {step:.2g} s here (timed just now), so {c.steps:,} steps of {arms} "
            f"take at least {duration(total)}, probes and evaluations on top."
        )
    return note


def duration(seconds: float) -> str:
    """``"40 s"``, ``"12 minutes"`` or ``"2.5 hours"``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} minutes" if seconds < 90 * 60 else f"{seconds / 3600:.1f} hours"


def show_problems(error: settings.SettingsError, d: dict) -> None:
    """Each problem as a sentence, and the setting to change where one is to blame."""
    lines = []
    for p in error.problems:
        where = f"**{markdown.literal(p.arm)}**: " if p.arm else ""
        hint = " · ".join(f"**{LABELS[k]}** (at its default, {d[k]}, this trains)" for k in p.culprits)
        lines.append(f"- {where}{markdown.literal(p.sentence)}" + (f"  \n  Change {hint}." if hint else ""))
    st.error("These settings cannot train:\n" + "\n".join(lines), icon=":material/error:")
    st.caption("Change the settings named above, or remove the arm that cannot train.")


@dataclass
class LiveChoice:
    """What the live controls say: the model, seed, steps, arms and knobs, the configs they make (None when
    they cannot train), and whether Start was pressed."""

    model: str
    seed: int
    steps: int
    arms: list
    knobs: dict = field(default_factory=dict)
    synthetic: bool = False
    configs: list | None = None
    start: bool = False


def live_controls(folded: bool = False) -> LiveChoice:
    """The live run's settings, and whether Start was pressed; ``folded`` (while a run is shown) puts them
    in a closed expander, so the run's progress and charts come up the page."""
    outer = st.expander(FOLDED, icon=":material/tune:") if folded else st.container(border=True)
    with outer:
        top = st.columns([2.4, 0.8, 1.1])
        model = top[0].selectbox(
            "Model", list(choices.CHOICES), format_func=lambda m: choices.CHOICES[m].label, key="act_model", **KEEP
        )
        choice, d = choices.CHOICES[model], choices.defaults(model)
        seed = top[1].number_input("Seed", 0, 9999, 0, key="act_seed", **KEEP)
        steps = top[2].number_input(
            "Steps",
            choice.min_steps,
            choice.max_steps,
            choice.steps,
            step=choice.min_steps,
            key=f"act_steps_{model}",
            help=f"{choice.min_steps:,} to {choice.max_steps:,}",
            **KEEP,
        )
        arms = st.multiselect(
            f"Arms (up to {choices.MAX_ARMS}, trained on the same batches in the same order)",
            choices.arm_choices(),
            default=choices.DEFAULT_ARMS,
            max_selections=choices.MAX_ARMS,
            format_func=lambda a: a.label(),
            key="act_arms",
            help="Each normalization of bnviz.norms, before the nonlinearity as in the paper (Section 3.2) or "
            "after it. An arm's colour is its normalization's; after the nonlinearity, a darker shade of it.",
            **KEEP,
        )
        with st.container(border=True) if folded else st.expander(KNOBS_LABEL):
            columns = st.columns(3)
            with columns[0]:
                knobs = network_controls(model, d)
            with columns[1]:
                knobs |= training_controls(model, d)
            with columns[2]:
                knobs |= norm_controls(d)
        st.caption(summary(model, knobs))
        real = _data.real_data_available(choice.dataset)
        synthetic = st.toggle(
            "Synthetic stand-in data (no download needed)", value=not real, key=f"act_synth_{model}", **KEEP
        )
        chosen = LiveChoice(model, int(seed), int(steps), list(arms), knobs, synthetic)
        configs = None
        try:
            configs = settings.live_configs(model, arms, int(seed), int(steps), synthetic=synthetic, **knobs)
        except settings.SettingsError as e:
            show_problems(e, d)
        if configs:
            st.caption(live_note(choice, configs))
        if not (synthetic or real):
            st.info(
                f"No {choice.dataset.upper()} files in {markdown.literal(_data.data_dir())}: download them with the "
                "command below, set the data folder in the sidebar, or switch on synthetic data to train on a stand-in."
            )
            st.code(f"python -m bnviz download {choice.dataset} --data-dir {shlex.quote(str(_data.data_dir()))}")
        start = st.button(
            "Start training",
            type="primary",
            icon=":material/play_arrow:",
            key="act_start",
            disabled=configs is None or not (synthetic or real),
        )
    chosen.configs, chosen.start = configs, start
    return chosen
