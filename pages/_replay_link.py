"""The Activations page's replay in its URL: ``?recording=replay-depth-10&seed=1&step=2000`` reopens that
recording, that seed, paused at that step (the recorded step at or before it). Not a page.

A link is read once per session, when the page first draws; from then on the page writes what it shows,
so the address bar always holds a link to the view (the step while the replay is paused). A part of a link
that cannot be used (an experiment with no recording here, a seed it does not have, a step that is not a
number) falls back to the default and is named in a message.
"""

from __future__ import annotations

import streamlit as st

from bnviz.experiments import EXPERIMENTS
from bnviz.live import presets
from bnviz.views import markdown
from pages import _replay

KEYS = ("recording", "seed", "step")
READ, IGNORED, STEP = "act_link_read", "act_link_ignored", "act_link_step"
SEED = "act_replay_seed"  # _replay.seed_choice's widget


def read(entries: list[dict], session: dict) -> dict | None:
    """The widget state a first visit's link asks for (``session`` gets what it names), or None without one."""
    if session.get(READ):
        return None
    session[READ] = True
    q = st.query_params
    name = q.get("recording")
    if not name:
        return None
    ignored = []
    entry = _replay.recording_of(entries, name) if name in EXPERIMENTS else None
    if entry is None:  # its seed and step were that recording's: they go with it
        session[IGNORED] = [f"recording={name} (there is no recording of it in the cache folder)"] + [
            f"{key}={q[key]} (of that recording)" for key in ("seed", "step") if key in q
        ]
        return None
    if name in presets.BY_NAME:
        session[_replay.PRESET] = name
    seed = q.get("seed")
    if seed is not None:
        if seed.isdigit() and int(seed) in entry["seeds"]:
            session[SEED] = int(seed)
        else:
            ignored.append(f"seed={seed} (this recording has seeds {', '.join(map(str, entry['seeds']))})")
    step = q.get("step")
    if step is not None:
        if step.isdigit():
            session[STEP] = int(step)
        else:
            ignored.append(f"step={step} (a step is a whole number)")
    session[IGNORED] = ignored
    return entry


def warn_ignored() -> None:
    if ignored := st.session_state.pop(IGNORED, None):
        st.warning(
            "This link asked for what the page cannot show; the defaults are shown instead: "
            + "; ".join(markdown.literal(i) for i in ignored)
            + ".",
            icon=":material/link_off:",
        )


def seek_to_link(p: _replay.Player) -> None:
    """Stand the new player at the step the link named, paused."""
    if (step := st.session_state.pop(STEP, None)) is not None:
        t = _replay.now()
        p.clock.pause(t)
        p.clock.seek(step, t)


def params(entry: dict, seed: int, p: _replay.Player | None) -> dict[str, str]:
    """The link of the replay shown: its experiment, its seed and, while paused, its step."""
    out = {"recording": entry["experiment"], "seed": str(seed)}
    if p is not None and not p.clock.playing:
        out["step"] = str(p.clock.step(_replay.now()))
    return out
