"""Activations while training: every layer's input distribution and gradients, in up to four arms (Figure 1(b,c)).

A classroom preset replays its recording at once (pages/_replay.py), or trains live where none is
recorded; a live run trains in a thread of its own (pages/_live_view.py), so the page only draws."""

from pathlib import Path

import streamlit as st

from bnviz.experiments import EXPERIMENTS
from bnviz.live import presets
from bnviz.runs import cache
from bnviz.views import activations, markdown
from pages import (
    _data,
    _live_controls,
    _live_link,
    _live_view,
    _present,
    _replay,
    _replay_link,
    _run_charts,
    _ui,
    _view_link,
)
from pages._live_controls import live_controls
from pages._run_view import prepare, step_slider

PAPER_RUN = "mnist-fig1"  # the recorded result the page opens on: the paper's Figure 1 setting
SOURCES = ("Replay a recorded run", "Train live")
SOURCE, RESULT, PRESET = "act_source", "act_result", _replay.PRESET
AUTOSTART = "act_autostart"  # set by "train it live": the live branch starts the run as it draws its controls
UNRECORDED = "act_unrecorded"  # the preset chosen that has no recording here: the live branch says so
SOURCE_KEPT = "act_source_kept"  # the source the normal view showed last (the presenter view draws no control)
PRESENT, SLIDE = "act_present", "act_slide"  # the presenter view's switch, and its slide (0-based)

_ui.require_router()
if PRESENT not in st.session_state:  # ?present=1 opens the presenter view
    st.session_state[PRESENT] = st.query_params.get("present") == "1"
    if SLIDE not in st.session_state:  # ?slide=N: the N-th slide, 1-based; anything else is the first
        slide = st.query_params.get("slide", "1")
        st.session_state[SLIDE] = int(slide) - 1 if slide.isdigit() else 0
present = bool(st.session_state[PRESENT])
_present.begin(present)


def intro() -> None:
    title, switch = st.columns([5, 1.4], vertical_alignment="center")
    title.title("Activations while training")
    with switch:
        _present.switch(PRESENT)
    st.markdown(
        "Train up to four versions of one network side by side on the same batches (without normalization, with BN "
        "before or after the nonlinearity, or with another normalizer) and watch the input of every hidden layer's "
        "nonlinearity, and the gradients of its weights, change step by step as the layers below it learn. The paper "
        "calls this change *internal covariate shift* and, in its Figure 1(b,c), shows one sigmoid's input moving "
        "less with BN than without; under the charts, the numbers say how far it moves in the run shown."
    )


@st.cache_data(show_spinner=False, max_entries=8)
def cached_index(folder: str, listing: tuple) -> tuple[list[dict], list[str]]:
    """Results with histograms, and the files ignored; ``listing`` (names, sizes, mtimes) keys the cache."""
    scan = cache.scan_listed(Path(folder))
    choices, problems = [], list(scan.problems)
    for experiment, entries in scan.results.items():
        for path, payload in entries:  # one file at a time: one this page cannot use is that file's problem
            try:
                choices += activations.cached_choices(cache.Scan({experiment: [(path, payload)]}, []))
            except Exception as e:
                problems.append(f"{path}: cannot be listed ({type(e).__name__}: {e})")
    return sorted(choices, key=lambda e: e["created"], reverse=True), problems


def cached_runs(path: str, mtime_ns: int) -> list[dict]:
    """The runs of the result at ``path``, as the folder's scan read and checked them (shared, read-only: the
    views copy what they change); read again only when the file changed since that scan."""
    folder = Path(path).parent
    for entries in cache.scan_listed(folder).results.values():
        for found, payload in entries:
            if str(found) == path and found.stat().st_mtime_ns == mtime_ns:
                return payload["runs"]
    return cache.load_result(Path(path))["runs"]


def cached_entries() -> tuple[list[dict], list[str]]:
    folder = _data.cache_dir()
    # Progress files change every second while an experiment runs; they are not results, so they are not in the key.
    return cached_index(str(folder), cache.listing(folder))


def shown_recording(entries: list[dict]) -> tuple[dict, int]:
    """The recording and seed shown: the replay's player's (the normal and presenter views share it; neither
    draws the other's widgets), else the one chosen, else the paper's MNIST run (not whatever was cached last)."""
    p = st.session_state.get(_replay.CLOCK)
    by_path = {e["path"]: e for e in entries}
    if p is not None and p.id[0] in by_path:
        return by_path[p.id[0]], p.id[1]
    labels = {e["label"]: e for e in entries}
    entry = labels.get(st.session_state.get(RESULT)) or next(
        (e for e in entries if e["experiment"] == PAPER_RUN), entries[0]
    )
    linked = st.session_state.get(_replay_link.SEED)  # the seed a link or the seed box chose
    return entry, linked if linked in entry["seeds"] else 0 if 0 in entry["seeds"] else entry["seeds"][0]


def train_live(name: str) -> None:
    """Set the live controls to preset ``name``'s networks and training, and start them (a callback)."""
    live = presets.live_settings(EXPERIMENTS[name])
    dataset = EXPERIMENTS[name].dataset
    synthetic = not _data.real_data_available(dataset)
    st.session_state.update(_live_view.widget_state(live.model, live.arms, live.steps, 0, live.knobs, synthetic))
    st.session_state[SOURCE], st.session_state[AUTOSTART] = SOURCES[1], True


def choose_preset(entries: list[dict]) -> None:
    """A preset chosen: replay its recording from the first step, or train it live where there is none."""
    name = st.session_state.get(PRESET)
    if name is None:
        return
    entry = _replay.recording_of(entries, name)
    st.session_state[UNRECORDED] = None if entry else name
    if entry is None:
        train_live(name)
        return
    st.session_state[SOURCE], st.session_state[RESULT] = SOURCES[0], entry["label"]
    _replay.start_over()


def preset_row(entries: list[dict]) -> None:
    recorded = {p.name for p in presets.PRESETS if _replay.recording_of(entries, p.name)}
    st.pills(
        "Classroom presets: a recorded run replays at once; one not recorded here trains live",
        [p.name for p in presets.PRESETS],
        format_func=lambda n: presets.BY_NAME[n].label + ("" if n in recorded else " (live)"),
        key=PRESET,
        on_change=choose_preset,
        args=(entries,),
    )


def show_replay(entries: list[dict], problems: list[str]) -> None:
    if problems:
        with st.expander(f"{len(problems)} cache file(s) ignored"):
            st.markdown("\n".join(f"- ignored: {markdown.literal(p)}" for p in problems))
    if not entries:
        st.info(
            f"No recorded run with histograms in {markdown.literal(_data.cache_dir())}. Record one with "
            "`python -m bnviz run mnist-fig1` (or `--synthetic --steps 2000` for a quick one), or choose "
            "**Train live** above."
        )
        return
    labels = {e["label"]: e for e in entries}
    if st.session_state.get(RESULT) not in labels:  # the recording shown before, or the paper's MNIST run
        st.session_state[RESULT] = shown_recording(entries)[0]["label"]
    top = st.columns([4, 1])
    entry = labels[top[0].selectbox("Recorded result", list(labels), key=RESULT, on_change=_replay.forget_preset)]
    seed = _replay.seed_choice(entry, top[1])
    try:
        runs = cached_runs(entry["path"], entry["mtime_ns"])
    except (OSError, cache.CacheError) as e:
        st.error(f"Cannot read this result ({markdown.literal(str(e))}). Choose another one, or record it again.")
        return
    preset = presets.BY_NAME.get(entry["experiment"])
    _replay.header(entry, preset, train_live)
    p = _replay.player(entry, seed, runs)
    _replay_link.seek_to_link(p)
    _replay.controls(p)
    try:
        _replay.fragment(entry, runs, seed, _run_charts.draw)
    except Exception as e:  # a file the schema let through that still cannot be drawn: that file's problem only
        st.warning(markdown.literal(f"ignored: {entry['path']}: cannot be drawn ({type(e).__name__}: {e})"))


def draw_live(lc, runs: list[dict], running: bool, body=_run_charts.draw) -> None:
    """The views of a snapshot of the live run's runs, drawn by ``body`` (all of them, or a slide's);
    ``running``: whether it was training when the snapshot was taken."""
    run_id = _live_view.run_id()
    v = prepare(
        runs,
        runs,
        lc.info.activation,
        lc.info.hist_edges,
        "live",
        running=running,
        accuracy_note=f"on the first {lc.test_examples:,} test images, every {lc.config.eval_every:,} steps",
        run_id=run_id,
        controls=body is _run_charts.draw,
    )
    if v is not None:
        body(v, lambda steps: step_slider(steps, "act_step_live", running, run_id))


def show_live() -> _live_controls.LiveChoice:
    if name := st.session_state.get(UNRECORDED):
        _replay.missing(presets.BY_NAME[name])
    shown = _live_view.current()
    if shown is not None:  # Pause and Stop above the settings: a click's rerun draws them again first
        _live_view.buttons()
    chosen = live_controls(folded=shown is not None)
    if chosen.configs and (chosen.start or st.session_state.pop(AUTOSTART, False)):
        if chosen.start:  # the reader's own run: the note about a preset without a recording no longer applies
            st.session_state[UNRECORDED] = None
        _live_view.start_live(chosen.configs, chosen.model)
    st.session_state.pop(AUTOSTART, None)  # settings that cannot train: nothing starts by itself later
    if _live_view.current() is None:
        st.caption("Press **Start training** to train every arm; the charts fill in as they learn.")
        return chosen
    if _live_view.current() is not shown:
        st.rerun()  # a new run: its buttons go above the settings, which fold
    _live_view.fragment(draw_live)
    return chosen


def go(delta: int) -> None:
    st.session_state[SLIDE] = st.session_state.get(SLIDE, 0) + delta
    _present.ask_to_land(None)


def slide_body(slide: _run_charts.Slide):
    """A slide's drawing of one comparison: the newest step shown (a replay's or a live run's)."""

    def body(v, step_control) -> None:
        v.step = v.steps[-1]
        slide.draw(v)

    return body


def show_slides(entries: list[dict]) -> None:
    """One view per slide of the recorded run or the live run the normal view shows, with its controls."""
    n = len(_run_charts.SLIDES)
    i = st.session_state[SLIDE] = min(max(st.session_state.get(SLIDE, 0), 0), n - 1)
    slide = _run_charts.SLIDES[i]
    live = st.session_state.get(SOURCE) == SOURCES[1]
    with _present.slide(slide.title, i, n, go):
        if live and _live_view.current() is not None:
            _live_view.buttons()
            _live_view.fragment(lambda lc, runs, running: draw_live(lc, runs, running, slide_body(slide)))
            where = "the live run"
        elif not live and entries:
            entry, seed = shown_recording(entries)
            runs = cached_runs(entry["path"], entry["mtime_ns"])
            p = _replay.player(entry, seed, runs)
            _replay_link.seek_to_link(p)
            _replay.controls(p)
            _replay.fragment(entry, runs, seed, slide_body(slide), controls=False)
            where = f"a replay of {entry['experiment']}"
        else:
            st.info("Nothing to show yet: choose a preset or start a live run in the normal view.")
            where = "nothing shown"
        _present.footer(f"Activations · {where} · slide {i + 1} of {n}", PRESENT)


entries, problems = cached_entries()
if not st.session_state.get(_replay_link.READ):  # ?live=1&model=...: the live controls set as the link says
    asked, ignored = _live_link.parse(st.query_params.to_dict())
    if asked is not None:
        w = _live_view.widget_state(
            asked["model"], asked["arms"], asked["steps"], asked["seed"], asked["knobs"], asked["synthetic"]
        )
        st.session_state.update(w)
        st.session_state[SOURCE], st.session_state[_replay_link.IGNORED] = SOURCES[1], ignored
_view_link.read_once(st.query_params.to_dict())  # ?layout=side&axis=log...: the view options
if linked := _replay_link.read(entries, st.session_state):  # ?recording=...&seed=...&step=...
    st.session_state[SOURCE], st.session_state[RESULT] = SOURCES[0], linked["label"]
    st.session_state.pop(_replay.CLOCK, None)
if st.session_state.get(SOURCE) not in SOURCES:  # as the normal view last had it, or what there is to show
    default = SOURCES[0] if entries and _live_view.current() is None else SOURCES[1]
    st.session_state[SOURCE] = st.session_state.get(SOURCE_KEPT, default)
chosen = None
if present:
    show_slides(entries)
else:
    intro()
    _replay_link.warn_ignored()
    _view_link.warn_ignored()
    preset_row(entries)
    source = st.segmented_control(
        "Source", SOURCES, required=True, key=SOURCE, persist_state="session", label_visibility="collapsed"
    )
    st.session_state[SOURCE_KEPT] = source
    if source == SOURCES[0]:
        show_replay(entries, problems)
    else:
        chosen = show_live()
params = st.query_params.to_dict()  # the link keeps the view: the replay shown, ?present=1&slide=N
wanted = {k: v for k, v in params.items() if k not in ("present", "slide")}
if st.session_state.get(SOURCE) == SOURCES[0] and entries:
    wanted = {k: v for k, v in wanted.items() if k not in (*_replay_link.KEYS, *_live_link.KEYS)}
    wanted |= _replay_link.params(*shown_recording(entries), st.session_state.get(_replay.CLOCK))
elif chosen is not None:  # the live controls as drawn (the presenter view draws none: the link stays)
    wanted = {k: v for k, v in wanted.items() if k not in (*_replay_link.KEYS, *_live_link.KEYS)}
    wanted |= _live_link.to_params(chosen.model, chosen.seed, chosen.steps, chosen.arms, chosen.knobs, chosen.synthetic)
if present:
    wanted |= {"present": "1", "slide": str(st.session_state.get(SLIDE, 0) + 1)}
if wanted != params:
    st.query_params.from_dict(wanted)
_present.land()
