"""The step-through page's controls: the toy batch (a table and a text box), γ, β, ε, the loss and K, and a
random batch. Not a page (app.py does not list it); pages/algorithm.py draws them where its view wants them.

The one source of truth for the batch is ``st.session_state.alg_batch``; the table and the text box are
views of it. γ and β start from ``alg_affine`` (the defaults, or a link's values: pages/algorithm.py).
"""

import pandas as pd
import streamlit as st
import torch

from bnviz.teach import step_views as V
from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T
from bnviz.teach import url_state as U
from bnviz.views.markdown import literal

ss = st.session_state


def set_batch(x: torch.Tensor) -> None:
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
    set_batch(x)
    ss.alg_text = text  # keep the student's own layout


def _on_random() -> None:
    set_batch(T.random_batch(ss.alg_m, ss.alg_d, ss.alg_seed))


def batch_controls() -> torch.Tensor:
    """The toy batch, as a table and as text; returns the last valid batch."""
    if "alg_batch" not in ss:
        set_batch(T.DEFAULT_BATCH)
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
    if len(ss.get("alg_affine", ((),))[0]) != d:  # a new number of features starts from the defaults
        ss.alg_affine = T.default_affine(d)
        ss.alg_affine_version = ss.get("alg_affine_version", 0) + 1
    g0, b0 = ss.alg_affine
    key = f"alg_affine_{ss.alg_affine_version}"
    affine = st.data_editor(V.feature_table({"γ": g0, "β": b0}), key=key, width="stretch")
    ss.setdefault("alg_eps", U.DEFAULT_EPS)
    eps = st.number_input(
        "ε (added to σ²_B)",
        format="%g",
        step=1e-3,
        key="alg_eps",
        persist_state="session",
        help="Try 0.1 or 1 with a constant column, or with a feature of tiny spread.",
    )
    loss = st.selectbox("Loss for the backward steps", list(S.LOSSES), key="alg_loss", persist_state="session")
    typed_text = typed_upstream_text(m, d) if loss == S.TYPED_LOSS else None
    ss.setdefault("alg_k", U.DEFAULT_K)
    k = st.number_input(
        "K training batches (Algorithm 2)",
        *U.K_RANGE,
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
    c1.number_input("seed", *U.SEED_RANGE, key="alg_seed", persist_state="session")
    c2.number_input("rows m", 2, T.MAX_ROWS, 6, key="alg_m", persist_state="session")
    c3.number_input("features", 1, T.MAX_FEATURES, 3, key="alg_d", persist_state="session")
    st.button("New random batch", on_click=_on_random, icon=":material/casino:", width="stretch")
    st.caption("The seed also draws ∂ℓ/∂y and Algorithm 2's K batches.")


def controls() -> tuple[torch.Tensor, tuple | None]:
    """The batch, the parameters and the random-batch tools; returns x and the settings (None if invalid)."""
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
    return x, settings
