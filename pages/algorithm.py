"""Algorithm 1, step by step: a toy batch through BN's forward pass, the paper's backward pass and Algorithm 2."""

import pandas as pd
import streamlit as st
import torch

from bnviz.teach import step_views as V
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T
from pages._ui import literal, require_router

require_router()

ss = st.session_state
STEPS = S.steps()
LABELS = [s.label for s in STEPS]

st.title("Algorithm 1, step by step")
st.markdown(
    "Batch Normalization turns each feature of a mini-batch into mean 0 and variance 1, then scales "
    "and shifts it with two learned numbers, γ and β. Edit the toy batch below (rows are examples, "
    "columns are features) and walk through the paper's equations with its numbers: forward, "
    "backward (checked against PyTorch's autograd), then inference (Algorithm 2)."
)


def _set_batch(x: torch.Tensor) -> None:
    """The one source of truth is ss.alg_batch; the table and the text area are views of it."""
    ss.alg_batch, ss.alg_base, ss.alg_text, ss.alg_paste_error = x, x, T.format_batch(x), None
    ss.alg_version = ss.get("alg_version", 0) + 1  # a new table widget, built from the new batch


def _on_paste() -> None:
    try:
        x = T.parse_batch(ss.alg_text)
    except T.ToyBatchError as e:
        ss.alg_paste_error = str(e)
        return
    text = ss.alg_text
    _set_batch(x)
    ss.alg_text = text  # keep the student's own layout


def _on_random() -> None:
    _set_batch(T.random_batch(ss.alg_m, ss.alg_d, ss.alg_seed))


def _go(delta: int) -> None:
    ss.alg_step = LABELS[min(max(LABELS.index(ss.alg_step) + delta, 0), len(LABELS) - 1)]


def batch_controls() -> torch.Tensor:
    """The toy batch, as a table and as text; returns the last valid batch."""
    if "alg_batch" not in ss:
        _set_batch(T.DEFAULT_BATCH)
    ss.setdefault("alg_text", T.format_batch(ss.alg_batch))
    key = f"alg_editor_{ss.alg_version}"
    if key not in ss:  # the table starts from the current batch (e.g. after visiting another page)
        ss.alg_base = ss.alg_batch
    table, text = st.tabs(["Edit as a table", "Paste values"])
    with table:
        base = pd.DataFrame(ss.alg_base.numpy(), columns=[f"f{j + 1}" for j in range(ss.alg_base.shape[1])])
        edited = st.data_editor(base, num_rows="dynamic", key=key, hide_index=True, width="stretch")
        try:
            x = T.batch_from_table(edited.to_numpy().tolist())
            if x.shape != ss.alg_batch.shape or not torch.equal(x, ss.alg_batch):
                ss.alg_batch, ss.alg_text, ss.alg_paste_error = x, T.format_batch(x), None
        except T.ToyBatchError as e:
            st.error(literal(f"{e} The steps below still use the last valid batch."), icon=":material/error:")
    with text:
        st.text_area(
            "One row per line; values separated by commas, spaces, tabs or semicolons "
            "(paste from a spreadsheet). Press Ctrl+Enter to apply.",
            key="alg_text",
            height=180,
            on_change=_on_paste,
        )
    if ss.get("alg_paste_error"):
        st.error(
            literal(f"{ss.alg_paste_error} The steps below still use the last valid batch."), icon=":material/error:"
        )
    return ss.alg_batch


def typed_upstream_text(m: int, d: int) -> str:
    """The text box for the student's own ∂ℓ/∂y; it starts with the "random w" values."""
    if "alg_dy_text" not in ss:
        start = S.upstream_gradient("random w", torch.zeros(m, d, dtype=torch.float64), ss.get("alg_seed", 0))
        ss.alg_dy_text = T.format_batch(start)
    return st.text_area(
        f"∂ℓ/∂y: {m} rows of {d} values, like the batch",
        key="alg_dy_text",
        height=120,
        help="Try a single 1 and zeros elsewhere: the gradient of one output y_ik with respect to every input.",
    )


def settings_controls(m: int, d: int) -> tuple[torch.Tensor, torch.Tensor, float, str, int, torch.Tensor | None] | None:
    """γ, β, ε, the loss (and a typed ∂ℓ/∂y) for the backward steps and K for Algorithm 2; None (and an error) if invalid."""
    g0, b0 = T.default_affine(d)
    affine = st.data_editor(V.feature_table({"γ": g0, "β": b0}), key=f"alg_affine_{d}", width="stretch")
    eps = st.number_input(
        "ε (added to σ²_B)",
        value=1e-5,
        format="%g",
        step=1e-3,
        key="alg_eps",
        persist_state="session",
        help="Try 0.1 or 1 with a constant column, or with a feature of tiny spread.",
    )
    loss = st.selectbox("Loss for the backward steps", list(S.LOSSES), key="alg_loss", persist_state="session")
    typed_text = typed_upstream_text(m, d) if loss == S.TYPED_LOSS else None
    k = st.number_input(
        "K training batches (Algorithm 2)",
        2,
        1000,
        5,
        key="alg_k",
        persist_state="session",
        help="How many toy training batches Algorithm 2 averages over: raise it to watch the averages settle.",
    )
    try:
        typed = None if typed_text is None else T.parse_upstream(typed_text, m, d)
        gamma, beta = T.validate_affine(affine.loc["γ"].tolist(), affine.loc["β"].tolist(), d)
        return gamma, beta, T.validate_eps(eps), loss, int(k), typed
    except T.ToyBatchError as e:
        st.error(literal(str(e)), icon=":material/error:")
        return None


def random_controls() -> None:
    c1, c2, c3 = st.columns(3)
    c1.number_input("seed", 0, 10**6, 0, key="alg_seed", persist_state="session")
    c2.number_input("rows m", 2, T.MAX_ROWS, 6, key="alg_m", persist_state="session")
    c3.number_input("features", 1, T.MAX_FEATURES, 3, key="alg_d", persist_state="session")
    st.button("New random batch", on_click=_on_random, icon=":material/casino:", width="stretch")
    st.caption("The seed also draws ∂ℓ/∂y and Algorithm 2's K batches.")


left, mid, right = st.columns([5, 3, 3], gap="medium")
with left:
    st.markdown("**The toy batch** x (m rows × d features)")
    x = batch_controls()
with right:
    st.markdown("**A random batch**")
    random_controls()
with mid:
    st.markdown("**Parameters:** γ and β per feature, ε, the loss, K")
    settings = settings_controls(*x.shape)
if settings is None:
    st.stop()
gamma, beta, eps, loss, k, typed_dy = settings
for warning in T.check_batch(x, eps):
    st.warning(literal(warning), icon=":material/warning:")

st.divider()
ss.setdefault("alg_step", LABELS[0])
st.segmented_control(
    "Step", LABELS, key="alg_step", required=True, label_visibility="collapsed", persist_state="session", wrap=True
)
i = LABELS.index(ss.alg_step)
nav_prev, nav_next, nav_where = st.columns([1, 1, 4], vertical_alignment="center")
nav_prev.button("Previous", on_click=_go, args=(-1,), disabled=i == 0, icon=":material/arrow_back:", width="stretch")
nav_next.button(
    "Next",
    on_click=_go,
    args=(1,),
    disabled=i == len(LABELS) - 1,
    icon=":material/arrow_forward:",
    width="stretch",
    type="primary",
)
nav_where.caption(f"Step {i + 1} of {len(STEPS)} · m = {x.shape[0]} rows, d = {x.shape[1]} features")
step = STEPS[i]

walk = S.walk(x, gamma, beta, eps, loss, ss.alg_seed, typed_dy)
inference = S.inference_demo(x, gamma, beta, eps, k, ss.alg_seed)
view = V.step_view(i, walk, inference)

st.subheader(step.title)
for equation in step.equations:
    st.latex(equation)
st.markdown(step.text)
if 4 <= i <= 8:
    latex, meaning = S.LOSSES[loss]
    st.latex(latex)
    st.caption(f"Upstream gradient: {meaning}.")
for check in view.checks:
    if check.ok:
        st.success(f"**{check.what}**: {check.explanation()}", icon=":material/check_circle:")
    else:
        st.error(f"**{check.what}**: {check.explanation()}", icon=":material/cancel:")

fmt = {"formatter": "{:.4g}", "na_rep": ""}
wide = view.per_row.shape[1] > 6  # a wide per-row table gets the full width, the per-feature one below it
tables = [st.container(), st.container()] if wide else st.columns([view.per_row.shape[1] + 1, 5], gap="medium")
with tables[0]:
    st.markdown("**Per batch**" if i == 9 else "**Per row i** (inputs beside outputs)")
    st.dataframe(view.per_row.style.format(**fmt), width="stretch")
with tables[1]:
    st.markdown("**Per feature**")
    st.table(view.per_feature.style.format(**fmt))
st.caption("Grey: this step's inputs · red: its outputs. Hover a point for its value.")
st.altair_chart(view.chart, width="content")
