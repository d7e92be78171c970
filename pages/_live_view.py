"""The Activations page's live run: started from the live controls, trained in a background thread
(bnviz.live.background), drawn by a fragment that reruns every TICK seconds while it trains. Pause, Resume
and Stop sit outside the fragment: a click there interrupts a drawing fragment at once (a click inside
one would wait for it to finish), and their callbacks change the run before anything is drawn again."""

import streamlit as st

from bnviz.live import background, choices, comparison
from bnviz.views import markdown
from pages import _data
from pages._live_controls import duration

LIVE = "act_live"  # session_state: the Background holding the LiveComparison (a thread: never st.cache_* it)
LIVE_COUNT = "act_live_count"  # live runs started in this session: a new one resets the step slider
TICK = 1.0  # seconds between two redraws while training
TICKING = "act_live_ticking"  # session_state: the fragment was registered with its timer


def current() -> comparison.LiveComparison | None:
    bg = st.session_state.get(LIVE)
    return bg.lc if bg is not None else None


def start_live(configs: list, model: str) -> None:
    """Build one generator per arm and train them in the background; a missing dataset becomes a message."""
    data, problem = _data.load_dataset(configs[0].dataset)
    if data is None:
        st.info(f"{problem}\n\nOr switch on synthetic data above to train on a stand-in.")
        return
    if (old := current()) is not None:
        old.stop()  # the previous run's thread ends after its step in flight
    lc = comparison.LiveComparison(configs, data, test_size=choices.CHOICES[model].test_size)
    st.session_state[LIVE] = background.Background(lc)
    st.session_state[LIVE_COUNT] = st.session_state.get(LIVE_COUNT, 0) + 1


def _toggle_pause() -> None:
    lc = current()
    (lc.pause if lc.running else lc.resume)()


def buttons() -> None:
    """Pause/Resume and Stop, while there is something to pause or stop. Their slot stays when the run ends, so
    what follows keeps its place: the end state's rerun then redraws the fragment over its last tick instead of
    one place up, where the tick's drawing stayed beside it until the rerun finished."""
    slot = st.empty()
    lc = current()
    if lc is None or lc.state not in ("running", "paused"):
        return
    pause, stop, _ = slot.container().columns([1.3, 1.3, 5], vertical_alignment="bottom")
    pause.button(
        "Pause" if lc.running else "Resume",
        key="act_pause",
        width="stretch",
        icon=":material/pause:" if lc.running else ":material/play_arrow:",
        on_click=_toggle_pause,
    )
    stop.button("Stop", key="act_stop", width="stretch", icon=":material/stop:", on_click=lc.stop)


def progress_text(lc: comparison.LiveComparison) -> str:
    """The state, each arm's step, and the speed as the room sees it with the time left at that speed."""
    steps = " · ".join(f"{r['arm']}: step {r['step']:,} of {r['steps']:,}" for r in lc.runs)
    rate, left = lc.steps_per_second, lc.seconds_left
    speed = ""
    if rate:
        speed = f" · {rate:,.1f} steps/s here, all arms together, probes, evaluations and drawing included"
        if lc.running and left:
            speed += f" · about {duration(left)} left"
    return f"**{lc.state.capitalize()}** · {steps}{speed}"


def status(lc: comparison.LiveComparison) -> None:
    """The progress line and what ended the run, if something did."""
    st.progress(lc.fraction, text=progress_text(lc))
    if lc.error:
        st.error(f"{markdown.literal(lc.error)}. Change the settings above and start again.")
    elif lc.state == "stopped":
        st.warning("Stopped by you: the charts show what was trained before the stop.", icon=":material/stop_circle:")
    for run in lc.runs:
        if run["status"] == "diverged":
            st.error(
                f"{markdown.literal(run['arm'])} diverged at step {run['step']:,} (the loss became infinite): lower the "
                "learning rate."
            )


def run_id() -> str:
    return f"live-{st.session_state.get(LIVE_COUNT, 0)}"


def tick(draw_runs) -> None:
    """One redraw of the live run: ``draw_runs(lc, runs, running)`` draws the views of a snapshot of its runs,
    ``running`` read before the snapshot was taken. Ends the timer (a full rerun) once the run has ended."""
    bg = st.session_state[LIVE]
    lc = bg.lc
    bg.seen()
    status(lc)
    _data.data_badge(lc.info.data_label, lc.info.data_source)
    # Read before copying: a run that ends after the copy is drawn as still training, and the next rerun draws
    # its end. Read after, the copy's last step was drawn as the end, and the step slider stayed there.
    running = lc.running
    draw_runs(lc, lc.snapshot(), running)
    if st.session_state.get(TICKING) and lc.done:
        st.rerun()  # the run has ended: draw the end state and turn the timer off


def fragment(draw_runs) -> None:
    """The live run's fragment, ticking while it trains."""
    lc = current()
    st.session_state[TICKING] = lc.running
    st.fragment(run_every=TICK if lc.running else None)(tick)(draw_runs)


def widget_state(model: str, arms, steps: int, seed: int, knobs: dict, synthetic: bool) -> dict:
    """The session-state values of the live controls' widgets that show these settings (for a preset's
    "train it live" and for a link)."""
    opt = knobs["optimizer"]
    state = {
        "act_model": model,
        "act_seed": seed,
        f"act_steps_{model}": steps,
        "act_arms": list(arms),
        f"act_activation_{model}": knobs["activation"],
        f"act_batch_{model}": knobs["batch_size"],
        f"act_opt_{model}": opt,
        f"act_lr_{model}_{opt}": knobs["lr"],
        f"act_dropout_{model}": knobs["dropout"],
        "act_norm_momentum": knobs["norm_momentum"],
        "act_eps": knobs["norm_eps"],
        "act_affine": knobs["affine"],
        f"act_synth_{model}": synthetic,
    }
    if opt == "sgd":
        state[f"act_momentum_{model}"] = knobs["momentum"]
    if model == "mlp":
        state.update(act_depth=knobs["depth"], act_width=knobs["width"], act_std=knobs["init_std"])
    else:
        state["act_channels"] = tuple(knobs["channels"])
    return state
