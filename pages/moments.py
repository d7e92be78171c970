"""Classroom moments: the backward pass as a graph, its closed form, scale invariance, batch-mates, folding BN
away, predict-then-reveal and a grader for your own BN, each on the step-through page's toy batch."""

from dataclasses import replace

import streamlit as st

from bnviz.teach import moments as M
from bnviz.teach import url_state as U
from bnviz.views.markdown import literal
from pages import _moments_slide
from pages._moments_ui import CODE_CSS, MOMENTS_CSS
from pages._present import CSS as PRESENTER_CSS
from pages._ui import require_router

require_router()

ss = st.session_state


def apply_url() -> None:
    """A link sets the page's state: on the page's first run in a session, or when it comes from a step of the
    step-through page (``from=step``, dropped from the URL at once). Otherwise the page owns its URL, so a rerun
    that still carries an older one (a second click sent before the browser showed the first one's URL) cannot
    undo a step. Opened from the sidebar (no query), the moments use the step-through page's current batch."""
    params = st.query_params.to_dict()
    if "mom_state" in ss and params and "from" not in params:
        return
    if params:
        ss.mom_state, ss.mom_ignored = M.parse(params)
    else:
        ss.mom_state = ss.get("mom_state", M.MomentsState())
        if "alg_batch" in ss:  # the step-through page's batch, from this session
            gamma, beta = ss.get("alg_affine", (None, None))
            batch = U.state_of(
                1,
                ss.alg_batch,
                gamma,
                beta,
                ss.get("alg_eps", U.DEFAULT_EPS),
                ss.get("alg_loss", U.DEFAULT_LOSS),
                ss.get("alg_k", U.DEFAULT_K),
                ss.get("alg_seed", U.DEFAULT_SEED),
                present=ss.mom_state.present,
            )
            ss.mom_state = replace(ss.mom_state, batch=batch)
    ss.mom_present = ss.mom_state.present


def _go(delta: int) -> None:
    ss.mom_state = M.moved(ss.mom_state, delta)


def _pick() -> None:
    ss.mom_state = replace(ss.mom_state, moment=ss.mom_pick, part=1)


def _predict() -> None:
    ss.mom_state = replace(ss.mom_state, predict=ss.mom_predict)


def nav_buttons(back, forward) -> None:
    first, last = M.screens()[0], M.screens()[-1]
    here = (ss.mom_state.moment, ss.mom_state.part)
    back.button(
        "Previous",
        on_click=_go,
        args=(-1,),
        disabled=here == first,
        icon=":material/arrow_back:",
        width="stretch",
        shortcut="Left",
    )
    forward.button(
        "Next",
        on_click=_go,
        args=(1,),
        disabled=here == last,
        icon=":material/arrow_forward:",
        width="stretch",
        type="primary",
        shortcut="Right",
    )


def switches() -> None:
    st.toggle(
        "Presenter view",
        key="mom_present",
        persist_state="session",
        help="For a projector: one idea per 1280x720 screen, large type, ← and → step. The link keeps present=1.",
    )
    ss.mom_predict = ss.mom_state.predicting()
    st.toggle(
        "Predict first",
        key="mom_predict",
        on_change=_predict,
        help="Where a number is easy to guess wrong, ask for a guess before showing it. Off by default in the "
        "presenter view; the link keeps predict=1 or 0 once you switch it.",
    )


apply_url()
state: M.MomentsState = ss.mom_state
present = bool(ss.get("mom_present"))
if present != state.present:
    state = ss.mom_state = replace(state, batch=replace(state.batch, present=present))
st.set_page_config(initial_sidebar_state="collapsed" if present else "auto")
moment = M.BY_SLUG[state.moment]
ctx = _moments_slide.context(state, present)

st.html(CODE_CSS + (PRESENTER_CSS + MOMENTS_CSS if present else ""))
if present:
    with st.container(key="mom_nav"):
        back, head, forward = st.columns([1.2, 6, 1.2], vertical_alignment="center")
        nav_buttons(back, forward)
        head.title(f"{moment.parts[state.part - 1]}")
else:
    st.title("Classroom moments")
    st.markdown(
        "Seven moments a BN lecture needs, each on the toy batch of the step-through page: why the gradient has "
        "three paths, its one-line form, why the weights' scale does not matter, why an image's output depends on "
        "its batch-mates, how BN folds away for deployment, guesses before answers, and a grader for your own BN."
    )
if ignored := ss.pop("mom_ignored", None):
    st.warning(
        "This link asked for settings the page cannot use; their defaults are shown instead: "
        + "; ".join(literal(part) for part in ignored)
        + ".",
        icon=":material/link_off:",
    )
if not present:
    ss.mom_pick = state.moment
    st.segmented_control(
        "Moment",
        [m.slug for m in M.MOMENTS],
        format_func=lambda s: M.BY_SLUG[s].title,
        key="mom_pick",
        on_change=_pick,
        required=True,
        label_visibility="collapsed",
    )
    back, forward, where, toggles = st.columns([1.3, 1.3, 3.4, 2], vertical_alignment="center")
    nav_buttons(back, forward)
    where.caption(f"Part {state.part} of {len(moment.parts)} · keys ← and → step through every moment")
    with toggles:
        switches()
    st.subheader(f"{moment.title} · {moment.parts[state.part - 1]}")
    st.caption(literal(moment.question))

_moments_slide.body(state, ctx)

m, d = ctx.walk.fwd.x.shape
if present:
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"{moment.title}, part {state.part} of {len(moment.parts)} · toy batch m = {m}, d = {d} · ← →")
        with st.popover("Settings", icon=":material/settings:"):
            switches()
else:
    st.divider()
    st.page_link(
        "pages/algorithm.py",
        label=f"The toy batch (m = {m} rows, d = {d} features) comes from the step-through page: edit it there",
        icon=":material/calculate:",
        query_params=U.to_params(replace(state.batch, step=min(moment.steps), present=False)),
    )
params = M.to_params(ss.mom_state)
if st.query_params.to_dict() != params:
    st.query_params.from_dict(params)
