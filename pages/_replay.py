"""Recorded runs on the Activations page, played back: a preset's recording or any cached result with
histograms, one seed at a time, with play / pause, a speed of 1 to 50 recorded steps a second and a
scrubber. Play, Pause and the speed sit outside the fragment that draws the frames (a click there
interrupts a frame being drawn); the fragment reruns every frame while playing."""

import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from bnviz.experiments import EXPERIMENTS
from bnviz.live import presets
from bnviz.train import probes
from bnviz.views import activations, markdown, records, replay
from pages import _chart_specs, _data
from pages._run_view import prepare

CLOCK = "act_clock"  # session_state: the Player of the recording shown
SPEED = "act_speed"
SCRUB = "act_step_replay"
PRESET = "act_preset"  # the preset chosen (a pills widget on the page)
AUTOPLAY = "act_autoplay"  # set when a preset is chosen: its replay starts playing from the first step
TICKING = "act_replay_ticking"  # session_state: the fragment was registered with its timer
now = time.monotonic  # the replay's clock reads the time here (tests put their own clock in its place)
MIN_TICK = 0.2  # seconds between two frames at most speeds: faster ones skip frames the page cannot draw


@dataclass
class Player:
    """The clock of one recording's replay, and which recording and seed it plays."""

    id: tuple[str, int]  # (result file, seed)
    clock: replay.Clock


def start_over() -> None:
    """The next replay drawn starts playing from its first step (a preset was just chosen)."""
    st.session_state.pop(CLOCK, None)
    st.session_state[AUTOPLAY] = True


def forget_preset() -> None:
    """Another recorded result was chosen by hand: no preset is highlighted (a callback)."""
    st.session_state[PRESET] = None


def recording_of(entries: list[dict], name: str) -> dict | None:
    """The recording of preset ``name``: the newest cached result of its default configuration (its own
    key), else the newest of another (a shorter or synthetic run made with ``--steps`` or ``--synthetic``);
    ``entries`` are newest first."""
    mine = [e for e in entries if e["experiment"] == name]
    key = EXPERIMENTS[name].key()
    return next((e for e in mine if e["key"] == key), mine[0] if mine else None)


def speed_label(speed: int) -> str:
    return f"{speed}×"


def player(entry: dict, seed: int, runs: list[dict]) -> Player:
    """This recording's player; a new one (at the old one's step, or playing from the first step when a
    preset was just chosen, else at the last step) when the recording or the seed changes."""
    old: Player | None = st.session_state.get(CLOCK)
    t = now()
    ident = (entry["path"], seed)
    if old is not None and old.id == ident:
        return old
    frames = tuple(activations.slider_steps([r for r in runs if r["seed"] == seed]))
    clock = replay.Clock(frames, replay.default_speed(len(frames)), index=float(len(frames) - 1))
    if old is not None and old.id[0] == entry["path"]:  # another seed of the same recording: same place, speed
        clock.speed = old.clock.speed
        clock.seek(old.clock.step(t), t)
    elif st.session_state.pop(AUTOPLAY, False):
        clock.index = 0.0
        clock.play(t)
    st.session_state[SPEED] = clock.speed
    new = Player(ident, clock)
    st.session_state[CLOCK] = new
    return new


def _toggle() -> None:
    clock = st.session_state[CLOCK].clock
    t = now()
    (clock.pause if clock.playing else clock.play)(t)


def _speed() -> None:
    st.session_state[CLOCK].clock.set_speed(st.session_state[SPEED], now())


def _seek() -> None:
    """The scrubber moved. Only a paused replay's scrubber can be dragged: while playing, a change is the
    browser's stale value of the scrubber drawn before Play (the widget playing replaces), not a reader's."""
    clock = st.session_state[CLOCK].clock
    if not clock.playing:
        clock.seek(st.session_state[SCRUB], now())


def controls(p: Player, where=None) -> None:
    """Play / Pause and the speed (their clicks change the clock before the frame is drawn again)."""
    where = where or st
    play, speed, note = where.columns([1.2, 2.8, 3.5], vertical_alignment="bottom")
    playing = p.clock.playing
    play.button(
        "Pause" if playing else "Play",
        key="act_play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        width="stretch",
        type="secondary" if playing else "primary",
        on_click=_toggle,
    )
    speed.segmented_control(
        "Speed (recorded steps a second)",
        replay.SPEEDS,
        format_func=speed_label,
        required=True,
        key=SPEED,
        on_change=_speed,
        help="1× shows one recorded step (a probe of the network) a second; 50× fifty a second, skipping those "
        "the page has no time to draw.",
    )
    frames = len(p.clock.frames)
    note.caption(
        f"{frames} recorded steps: the whole replay takes {replay.seconds_to_play(frames, p.clock.speed):.0f} s "
        f"at {speed_label(p.clock.speed)}"
    )


def scrubber(p: Player, step: int) -> int:
    """The step slider: it follows the replay while it plays, and moves it when paused."""
    options = dict(format_func=lambda s: f"{s:,}", help="Pause the replay to drag it")
    if p.clock.playing:
        return st.select_slider("Training step", p.clock.frames, value=step, disabled=True, **options)
    st.session_state[SCRUB] = step
    return st.select_slider("Training step", p.clock.frames, key=SCRUB, on_change=_seek, **options)


def tick(entry: dict, runs: list[dict], seed: int, body, controls: bool = True) -> None:
    """One frame: the runs as they stood at the clock's step, drawn by ``body(view, step_control)``."""
    p: Player = st.session_state[CLOCK]
    t = now()
    ended = p.clock.finished(t)
    p.clock.stop_at_end(t)
    step = p.clock.step(t)
    if not p.clock.playing and "recording" in st.query_params and st.query_params.get("step") != str(step):
        st.query_params["step"] = str(step)  # the link keeps a paused replay's step (scrubbed in this fragment)
    left = p.clock.seconds_left(t) if p.clock.playing else None
    st.caption(
        f"**{'Playing' if p.clock.playing else 'Paused'}** · step {step:,} of {p.clock.frames[-1]:,}"
        + (f" · {left:.0f} s to the end at {speed_label(p.clock.speed)}" if left is not None else "")
    )
    shown = [r for r in runs if r["seed"] == seed]
    v = prepare(
        replay.runs_at(shown, step),
        replay.runs_at(runs, step),
        entry["activation"],
        probes.hist_edges(),
        "replay",
        run_id=_chart_specs.Recording(entry["path"], entry["mtime_ns"]),
        with_grads=records.recorded(shown, "grad_hist"),
        controls=controls,
    )
    if v is not None:
        body(v, lambda steps: scrubber(p, step))
    if ended and st.session_state.get(TICKING):
        st.rerun()  # the end: draw the controls as paused and turn the timer off


def fragment(entry: dict, runs: list[dict], seed: int, body, controls: bool = True) -> None:
    p: Player = st.session_state[CLOCK]
    st.session_state[TICKING] = p.clock.playing
    every = max(MIN_TICK, 1 / p.clock.speed) if p.clock.playing else None
    st.fragment(run_every=every)(tick)(entry, runs, seed, body, controls)


def header(entry: dict, preset: presets.Preset | None, train_live) -> None:
    """Where the numbers come from: a replay of this recorded run, made by this command; "Train it live"
    beside it where the recording is one of the presets (``train_live(name)`` is the button's callback)."""
    when = entry["created"][:16].replace("T", " ")
    seeds = ", ".join(map(str, entry["seeds"]))
    about = f"{markdown.literal(preset.experiment.title)}. " if preset else ""
    text, button = st.columns([5, 1.3], vertical_alignment="center")
    text.caption(
        f":material/replay: **A replay of a recorded run, not training now.** {about}Recorded {markdown.literal(when)}, "
        f"{entry['steps']:,} steps, seeds {seeds}, in {entry.get('wall_time', 0):,.0f} s, by this command:"
    )
    if preset is not None:
        button.button(
            "Train it live",
            key="act_train_live",
            icon=":material/model_training:",
            width="stretch",
            on_click=train_live,
            args=(preset.name,),
            help="Train the same networks here, now, on the same settings (a live run is shorter where the "
            "recording is longer than the page trains)",
        )
    st.code(entry.get("command", "") or "(no command recorded)", language="bash", wrap_lines=True)
    _data.data_badge(entry["data"].get("label", "unknown data"), entry["data"].get("source", "unknown"))


def missing(preset: presets.Preset) -> None:
    """A preset without a recording in this cache folder: it trains live below; how to record it."""
    st.info(
        f"No recording of **{markdown.literal(preset.label)}** in {markdown.literal(_data.cache_dir())}, so it "
        f"trains live below, with the settings of its recording. `python -m bnviz run {preset.name}` records it "
        "for a replay.",
        icon=":material/videocam_off:",
    )


def seed_choice(entry: dict, where=None) -> int:
    """The seed replayed (0 by default, or the recording's first)."""
    seeds = entry["seeds"]
    key = "act_replay_seed"
    if st.session_state.get(key) not in seeds:  # the player's seed of this recording, else 0 or the first
        p = st.session_state.get(CLOCK)
        st.session_state[key] = (
            p.id[1] if p is not None and p.id[0] == entry["path"] else seeds[0] if 0 not in seeds else 0
        )
    return (where or st).selectbox("Seed", seeds, key=key, help="The other seeds of the same recording")


def entry_label(path: str, entries: list[dict]) -> str:
    return next((e["label"] for e in entries if e["path"] == path), Path(path).name)
