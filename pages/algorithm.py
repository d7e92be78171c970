"""Algorithm 1, step by step: a toy batch through BN's forward pass, the paper's backward pass and Algorithm 2."""

import streamlit as st
import torch

from bnviz.teach import moments as M
from bnviz.teach import step_views as V
from bnviz.teach import toybatch as T
from bnviz.teach import url_state as U
from bnviz.views.markdown import literal
from pages import _algorithm_slide as A
from pages import _present
from pages._algorithm_controls import controls, set_batch
from pages._ui import require_router

require_router()

ss = st.session_state
STEPS = A.STEPS
LABELS = [s.label for s in STEPS]
STEP_ANCHOR = "step"  # the normal view's step heading: turning the presenter view off lands there


def apply_url() -> None:
    """A bookmarked or hand-edited link sets the page's state (before any widget is drawn).

    It is read on the page's first run in a session only: opening or reloading a link starts a new
    session, and from then on the page owns the URL. So a rerun that still carries an older URL (a
    second click sent before the browser showed the first one's URL) cannot undo a step, and coming
    back from another page, which clears the query, keeps the session's state."""
    params = st.query_params.to_dict()
    if "alg_url" in ss or not params:
        return
    state, ss.alg_url_ignored = U.parse(params)
    x = state.batch_tensor()
    set_batch(x)
    ss.alg_affine = state.affine()
    ss.alg_affine_version = ss.get("alg_affine_version", 0) + 1
    ss.alg_eps, ss.alg_loss, ss.alg_k, ss.alg_seed = state.eps, state.loss, state.k, state.seed
    if state.dy is not None:
        ss.alg_dy_text = T.format_batch(torch.tensor(state.dy, dtype=torch.float64))
    ss.alg_step, ss.alg_present = LABELS[state.step - 1], state.present


def write_url(state: U.UrlState) -> None:
    """The URL always shows what the page shows, so that it can be bookmarked or sent."""
    params = U.to_params(state)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    ss.alg_url = params


def _go(delta: int) -> None:
    ss.alg_step = LABELS[min(max(LABELS.index(ss.alg_step) + delta, 0), len(LABELS) - 1)]
    _present.ask_to_land(None if ss.get("alg_present") else STEP_ANCHOR)


def where(i: int) -> str:
    m, d = ss.alg_batch.shape
    return f"Step {i + 1} of {len(STEPS)} · m = {m} rows, d = {d} features"


def presenter_switch() -> None:
    _present.switch("alg_present", lambda: STEP_ANCHOR)


def moment_links(i: int, state: U.UrlState) -> None:
    """Links to the classroom moments about this step, on this batch."""
    if moments := M.for_step(i + 1):
        st.caption("Classroom moments on this step's batch:")
        with st.container(horizontal=True):
            for moment, part in moments:
                st.page_link(
                    "pages/moments.py",
                    label=f"{moment.title}: {moment.parts[part - 1]}",
                    icon=":material/lightbulb:",
                    query_params=M.link(moment.slug, state, part),
                )


def tables(view: V.StepView) -> None:
    fmt = {"formatter": "{:.4g}", "na_rep": ""}
    wide = view.per_row.shape[1] > 6  # a wide per-row table gets the full width, the per-feature one below it
    boxes = [st.container(), st.container()] if wide else st.columns([view.per_row.shape[1] + 1, 5], gap="medium")
    with boxes[0]:
        st.markdown("**Per batch**" if view.per_row.index.name == "batch" else "**Per row i** (inputs beside outputs)")
        st.dataframe(view.per_row.style.format(**fmt), width="stretch")
    with boxes[1]:
        st.markdown("**Per feature**")
        st.table(view.per_feature.style.format(**fmt))


apply_url()
present = bool(ss.get("alg_present"))
_present.begin(present)
if present:
    notice, main = st.container(), st.container()
    controls_box = st.expander("The toy batch, γ, β, ε, the loss and K (the page's controls)")
else:
    st.title("Algorithm 1, step by step")
    st.markdown(
        "Batch Normalization turns each feature of a mini-batch into mean 0 and variance 1, then scales "
        "and shifts it with two learned numbers, γ and β. Edit the toy batch below (rows are examples, "
        "columns are features) and walk through the paper's equations with its numbers: forward, "
        "backward (checked against PyTorch's autograd), then inference (Algorithm 2)."
    )
    notice, controls_box, main = st.container(), st.container(), st.container()
with notice:
    if ignored := ss.pop("alg_url_ignored", None):
        st.warning(
            "This link asked for settings the page cannot use; their defaults are shown instead: "
            + "; ".join(literal(part) for part in ignored)
            + ".",
            icon=":material/link_off:",
        )
with controls_box:
    x, settings = controls()
if settings is None:
    if present:
        with main:
            presenter_switch()
            st.error(
                "The page's controls hold an invalid value: open them below to see which.", icon=":material/error:"
            )
    st.stop()
gamma, beta, eps, loss, k, typed_dy = settings
with controls_box:
    for warning in T.check_batch(x, eps):
        st.warning(literal(warning), icon=":material/warning:")

ss.setdefault("alg_step", LABELS[0])


@st.fragment
def presenter_slide(x, gamma, beta, eps: float, loss: str, k: int, typed_dy) -> None:
    """The presenter view's slide. A fragment: ← and → rerun only this slide, not the controls above it
    (which rerun the whole page when they change, and so hand this the new values)."""
    if not ss.get("alg_present"):  # switched off on the slide: the normal view is the whole page
        st.rerun(scope="app")
    i = LABELS.index(ss.alg_step)
    step = STEPS[i]
    view = A.compute(i, x, gamma, beta, eps, loss, k, ss.alg_seed, typed_dy, large=True)
    write_url(U.state_of(i + 1, x, gamma, beta, eps, loss, k, ss.alg_seed, typed_dy, True))
    with _present.slide(step.title, i, len(STEPS), _go):
        A.slide(step, view, loss)
        _present.footer(where(i), "alg_present", lambda: STEP_ANCHOR)
    _present.land()


with main:
    if present:
        presenter_slide(x, gamma, beta, eps, loss, k, typed_dy)
    else:
        i = LABELS.index(ss.alg_step)
        step = STEPS[i]
        view = A.compute(i, x, gamma, beta, eps, loss, k, ss.alg_seed, typed_dy, large=False)
        url_state = U.state_of(i + 1, x, gamma, beta, eps, loss, k, ss.alg_seed, typed_dy, False)
        write_url(url_state)
        st.divider()
        st.segmented_control(
            "Step",
            LABELS,
            key="alg_step",
            required=True,
            label_visibility="collapsed",
            persist_state="session",
            wrap=True,
        )
        back, forward, here, switch = st.columns([1.3, 1.3, 3, 1.7], vertical_alignment="center")
        _present.nav(back, forward, i, len(STEPS), _go)
        here.caption(where(i) + " · keys ← and → step")
        with switch:
            presenter_switch()
        st.subheader(step.title, anchor=STEP_ANCHOR)
        A.equations(step, loss)
        A.chart(view)  # right below its equation: at 1280x720 the two fit on one screen
        A.words(step, view)
        A.checks(view)
        moment_links(i, url_state)
        tables(view)
_present.land()
