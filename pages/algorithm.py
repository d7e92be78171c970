"""Algorithm 1, step by step: a toy batch through BN's forward pass, the paper's backward pass and Algorithm 2."""

import streamlit as st
import torch

from bnviz.teach import moments as M
from bnviz.teach import step_views as V
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T
from bnviz.teach import url_state as U
from pages._algorithm_controls import controls, set_batch
from pages._ui import PRESENTER_CSS, literal, require_router

require_router()

ss = st.session_state
STEPS = S.steps()
LABELS = [s.label for s in STEPS]


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


def step_buttons(back, forward, i: int) -> None:
    """Previous and Next; the ← and → keys press them (Streamlit's button shortcuts, which ignore keys
    typed into a text box, a number box or the tables)."""
    back.button(
        "Previous",
        on_click=_go,
        args=(-1,),
        disabled=i == 0,
        icon=":material/arrow_back:",
        width="stretch",
        shortcut="Left",
    )
    forward.button(
        "Next",
        on_click=_go,
        args=(1,),
        disabled=i == len(LABELS) - 1,
        icon=":material/arrow_forward:",
        width="stretch",
        type="primary",
        shortcut="Right",
    )


def where(i: int, present: bool) -> None:
    m, d = ss.alg_batch.shape
    # Streamlit remembers a sidebar opened or closed by hand, and then the page config cannot close it
    sidebar = " · if the sidebar is open, close it with « at its top" if present else ""
    st.caption(f"Step {i + 1} of {len(STEPS)} · m = {m} rows, d = {d} features · keys ← and → step{sidebar}")


def presenter_switch() -> None:
    st.toggle(
        "Presenter view",
        key="alg_present",
        persist_state="session",
        help="For a projector: large type, this step's equation and chart on one 1280x720 screen, the "
        "controls folded away at the bottom. The sidebar closes by itself unless you opened or closed it "
        "by hand before (your browser keeps that choice): then close it with « at its top. The page's "
        "link keeps present=1.",
    )


def equations(i: int, step: S.Step, loss: str) -> None:
    for equation in step.equations:
        st.latex(equation)
    if 4 <= i <= 8:
        latex, meaning = S.LOSSES[loss]
        st.latex(latex)
        st.caption(f"Upstream gradient: {meaning}.")


def checks(view: V.StepView) -> None:
    for check in view.checks:
        if check.ok:
            st.success(f"**{check.what}**: {check.explanation()}", icon=":material/check_circle:")
        else:
            st.error(f"**{check.what}**: {check.explanation()}", icon=":material/cancel:")


def chart(view: V.StepView) -> None:
    st.altair_chart(view.chart, width="content")
    st.caption("Grey: this step's inputs · red: its outputs. Hover a point for its value.")


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


def tables(i: int, view: V.StepView) -> None:
    fmt = {"formatter": "{:.4g}", "na_rep": ""}
    wide = view.per_row.shape[1] > 6  # a wide per-row table gets the full width, the per-feature one below it
    boxes = [st.container(), st.container()] if wide else st.columns([view.per_row.shape[1] + 1, 5], gap="medium")
    with boxes[0]:
        st.markdown("**Per batch**" if i == 9 else "**Per row i** (inputs beside outputs)")
        st.dataframe(view.per_row.style.format(**fmt), width="stretch")
    with boxes[1]:
        st.markdown("**Per feature**")
        st.table(view.per_feature.style.format(**fmt))


apply_url()
present = bool(ss.get("alg_present"))
# The sidebar's state changes only when this value changes, and a browser that has opened or
# closed the sidebar by hand keeps its own choice (Streamlit stores it): the switch's help says so.
st.set_page_config(initial_sidebar_state="collapsed" if present else "auto")
if present:
    st.html(PRESENTER_CSS)
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
i = LABELS.index(ss.alg_step)
step = STEPS[i]
walk = S.walk(x, gamma, beta, eps, loss, ss.alg_seed, typed_dy)
inference = S.inference_demo(x, gamma, beta, eps, k, ss.alg_seed)
view = V.step_view(i, walk, inference, large=present)
url_state = U.state_of(i + 1, x, gamma, beta, eps, loss, k, ss.alg_seed, typed_dy, present)
write_url(url_state)

with main:
    if present:
        head, switch = st.columns([5, 1.3], vertical_alignment="center")
        head.title(step.title)
        with switch:
            presenter_switch()
        with st.container(key="alg_nav"):  # the buttons beside the equation, like a slide's arrows
            back, middle, forward = st.columns([1.25, 6, 1.25], vertical_alignment="center")
            step_buttons(back, forward, i)
            with middle:
                equations(i, step, loss)
        chart(view)  # the equation and its chart fill one 1280x720 screen; the words follow below
        where(i, present)
        st.markdown(step.text)
        checks(view)
        moment_links(i, url_state)
    else:
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
        step_buttons(back, forward, i)
        with here:
            where(i, present)
        with switch:
            presenter_switch()
        st.subheader(step.title)
        equations(i, step, loss)
        chart(view)  # right below its equation: at 1280x720 the two fit on one screen
        st.markdown(step.text)
        checks(view)
        moment_links(i, url_state)
    tables(i, view)
