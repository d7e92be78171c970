"""The classroom moment on BN's backward pass as a computational graph: the three paths lit one by one, the
"treat μ_B and σ²_B as constants" switch and Section 2's growing bias. Not a page (app.py does not list it):
pages/moments.py calls graph() with the part to draw."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from bnviz.teach import graph as G
from bnviz.teach import graph_chart as GC
from bnviz.teach.checks import make_check, rounding_scales
from pages._moments_ui import Ctx, check, settings, table

PART_PATHS = {1: (), 2: ("direct",), 3: ("var",), 4: ("mean",), 5: ("direct", "var", "mean")}
PART_TEXT = {
    1: "Forward, left to right. Backward, each xᵢ reaches ℓ three ways: through its own x̂ᵢ, through σ²_B and "
    "through μ_B, which every row's x̂ₖ uses. → lights them one by one, with this batch's numbers.",
    2: "The direct path: ∂ℓ/∂yᵢ times γ gives ∂ℓ/∂x̂ᵢ, divided by √(σ²_B + ε) on its way back to xᵢ.",
    3: "σ²_B collects ∂ℓ/∂x̂ₖ from every row k, and hands xᵢ its share 2(xᵢ − μ_B)/m: the rows far from the "
    "mean get the most.",
    4: "μ_B collects ∂ℓ/∂x̂ₖ from every row (and a term through σ²_B that is 0, since Σₖ(xₖ − μ_B) = 0), and "
    "hands every xᵢ the same 1/m share.",
}


def entry(ctx: Ctx) -> tuple[int, int]:
    """The (feature, row) the graph shows, 0-based."""
    m, d = ctx.walk.fwd.x.shape
    with settings(ctx, "Which entry"):
        c1, c2 = st.columns(2)
        j = c1.selectbox("feature", range(d), format_func=lambda j: f"f{j + 1}", key=f"mom_feature_{d}")
        i = c2.selectbox("row i", range(m), format_func=lambda i: f"i = {i + 1}", key=f"mom_row_{m}")
    return min(j, d - 1), min(i, m - 1)


def constants_toggle() -> bool:
    return st.toggle(
        "Treat μ_B and σ²_B as constants",
        key="mom_constants",
        persist_state="session",
        help="Keep only the path through x̂ᵢ, as if μ_B and σ²_B did not depend on x.",
    )


def graph(part: int, ctx: Ctx) -> None:
    w, p = ctx.walk, G.paths(ctx.walk)
    if part == 6:
        return bias_drift(ctx)
    top = st.columns([3, 2], vertical_alignment="center") if part == 5 else [st.container(), st.container()]
    with top[1]:
        j, i = entry(ctx)
        constants = constants_toggle() if part == 5 else False
    with top[0]:
        if part in (2, 3, 4):
            name = PART_PATHS[part][0]
            st.latex(G.PATH_LATEX[name] + rf" = {float(p.term(name)[i, j]):.4g}")
        elif part == 5:
            st.latex(
                r"\frac{\partial\ell}{\partial x_i} = " + " + ".join(G.PATH_LATEX[n] for n in ("direct", "var", "mean"))
            )
    st.altair_chart(GC.graph_chart(w, p, j, i, PART_PATHS[part], constants, ctx.present), width="content")
    if part < 5:
        st.markdown(PART_TEXT[part])
        return
    total = G.constants_gradient(w) if constants else p.total
    rows = pd.DataFrame(
        {
            "through x̂ᵢ": p.direct[:, j],
            "through σ²_B": p.var[:, j],
            "through μ_B": p.mean[:, j],
            "sum" + (" (x̂ᵢ only)" if constants else ""): total[:, j],
            "autograd": p.autograd[:, j],
        },
        index=pd.Index([f"i={k + 1}" for k in range(len(total))], name="i"),
    )
    left, right = st.columns([3, 2])
    with left:
        table(rows, height=min(36 * (len(rows) + 1) + 3, 150 if ctx.present else 400))
    with right:
        scale = rounding_scales(w)["dx"]
        if constants:
            off = (total - p.autograd).abs().max().item()
            st.error(
                f"Without the paths through μ_B and σ²_B the gradient is off by up to {off:.3g} from autograd's, "
                f"and Σᵢ ∂ℓ/∂xᵢ = {total[:, j].sum().item():.3g} (feature {j + 1}): a step along it would shift "
                "the batch, which BN undoes at once (Section 2).",
                icon=":material/cancel:",
            )
        else:
            c = make_check("the three paths vs torch autograd", p.total, p.autograd, scale, w.fwd.m)
            check(c.ok, f"The three paths add up to autograd's ∂ℓ/∂x: {c.explanation()}")


def bias_drift(ctx: Ctx) -> None:
    w = ctx.walk
    top = st.columns([3, 2], vertical_alignment="center")
    with top[1]:
        constants = constants_toggle()
    with top[0]:
        st.markdown(
            "Section 2: *“If a gradient descent step ignores the dependence of E[x] on b, then it will update "
            "b ← b + Δb, where Δb ∝ −∂ℓ/∂x̂. […] As the training continues, b will grow indefinitely while the "
            "loss remains fixed.”*"
        )
    drift = G.bias_drift(w.fwd.x, w.gamma, w.beta, w.eps, w.dy, 0.5, 10, constants)
    held = drift if constants else G.bias_drift(w.fwd.x, w.gamma, w.beta, w.eps, w.dy, 0.5, 10, True)
    reach = max(held.b.abs().max().item(), 1.0)  # one b axis for both settings: the held-constant run's range
    steps = range(len(drift.loss))
    b_long = pd.DataFrame(
        [{"step": t, "feature": f"f{k + 1}", "b": drift.b[t, k].item()} for t in steps for k in range(drift.b.shape[1])]
    )
    loss = pd.DataFrame({"step": list(steps), "loss ℓ": drift.loss.tolist(), "max |yₜ − y₀|": drift.y_moved.tolist()})
    height = 190 if ctx.present else 240
    left, right = st.columns(2)
    x = alt.X("step:Q", title="gradient step on b", axis=alt.Axis(tickMinStep=1))
    left.altair_chart(
        alt.Chart(b_long)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("b:Q", title="the bias b", scale=alt.Scale(domain=[-reach, reach])),
            color=alt.Color("feature:N", title=None),
            tooltip=[alt.Tooltip("feature"), alt.Tooltip("step"), alt.Tooltip("b:Q", format=".4g")],
        )
        .properties(height=height),
        width="stretch",
    )
    right.altair_chart(
        alt.Chart(loss)
        .transform_fold(["loss ℓ", "max |yₜ − y₀|"])
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None),
            color=alt.Color("key:N", title=None, scale=alt.Scale(range=["#7f7f7f", "#d62728"])),
            tooltip=[alt.Tooltip("key:N"), alt.Tooltip("step"), alt.Tooltip("value:Q", format=".4g")],
        )
        .properties(height=height),
        width="stretch",
    )
    grows = (drift.b[-1] - drift.b[0]).abs().max().item()
    moved, loss_range = drift.y_moved.max().item(), (drift.loss.max() - drift.loss.min()).item()
    if constants:
        st.error(
            f"With μ_B, σ²_B held constant, b moved by up to {grows:.3g} in 10 steps, as much at every step, while y "
            f"moved by at most {moved:.2g} and the loss by {loss_range:.2g}: each update changes b and nothing else.",
            icon=":material/trending_up:",
        )
    else:
        st.success(
            f"With every path, ∂ℓ/∂b = Σᵢ ∂ℓ/∂xᵢ = 0, so b stays put (it moved by {grows:.2g}). Switch on “treat μ_B "
            "and σ²_B as constants” to see Section 2's warning.",
            icon=":material/check_circle:",
        )
    st.caption(
        "u is the toy batch, x = u + b, y = BN(x), ℓ = Σᵢₖ wᵢₖ yᵢₖ with w this page's ∂ℓ/∂y; "
        "10 steps of gradient descent on b at rate 0.5, from b = 0."
    )
