"""The classroom moments on the compact closed form of ∂ℓ/∂x and on scale invariance, on the toy batch.
Not a page (app.py does not list it): pages/moments.py calls one function per moment with the part to draw."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from bnviz.live.threads import use_training_threads
from bnviz.teach import closed_form as C
from bnviz.teach import scale_invariance as SI
from bnviz.teach.step_views import feature_table
from bnviz.teach.stepthrough import docstring_equations
from pages._moments_ui import Ctx, check, settings, table


def closed_form(part: int, ctx: Ctx) -> None:
    w = ctx.walk
    if part == 1:
        for line in C.DERIVATION:
            st.latex(line)
        st.latex(r"\Rightarrow\ " + docstring_equations(C.compact_dx)[0])
        cf = C.closed_form(w)
        left, right = st.columns(2)
        with left:
            check(cf.against_paper.ok, f"Against the six equations: {cf.against_paper.explanation()}")
        with right:
            check(cf.against_autograd.ok, f"Against autograd: {cf.against_autograd.explanation()}")
        return
    g = C.geometry(w)
    st.latex(
        r"\sum_i\frac{\partial\ell}{\partial x_i} = 0 \qquad \sum_i\frac{\partial\ell}{\partial x_i}\hat x_i"
        r" = \gamma\,\frac{\partial\ell}{\partial\gamma}\,\frac{\epsilon}{(\sigma_B^2+\epsilon)^{3/2}}\approx 0"
    )
    table(
        feature_table(
            {
                "Σᵢ ∂ℓ/∂xᵢ (0 within rounding)": g.sum_dx,
                "Σᵢ ∂ℓ/∂xᵢ · x̂ᵢ": g.sum_dx_x_hat,
                "… what ε leaves of it": g.eps_part,
                "Σᵢ of the path through x̂ᵢ alone": g.sum_direct,
                "Σᵢ (path through x̂ᵢ alone) · x̂ᵢ": g.sum_direct_x_hat,
            }
        ),
        fmt="{:.3g}",
    )
    st.markdown(
        "BN's input gradient is orthogonal to the all-ones vector and (up to ε) to x̂: a step along it "
        "changes neither μ_B nor σ²_B to first order, so it can **neither shift nor scale the batch**. The "
        "path through x̂ᵢ alone would do both (last two rows): the paths through μ_B and σ²_B take that out."
    )


def scale(part: int, ctx: Ctx) -> None:
    w = ctx.walk
    m, d = w.fwd.x.shape
    weight, upstream = SI.toy_layer(m, d, ctx.state.batch.seed)
    if part == 1:
        st.latex(
            r"\mathrm{BN}(x\,aW) = \mathrm{BN}(x\,W),\qquad \frac{\partial\ell}{\partial(aW)} = \frac{1}{a}"
            r"\frac{\partial\ell}{\partial W},\qquad \frac{\|\eta\,\partial\ell/\partial(aW)\|}{\|aW\|}\propto \frac{1}{a^2}"
        )
        left, right = st.columns([2, 3], gap="medium")
        with left:
            a = st.select_slider("a, the factor on the weights feeding BN", SI.A_VALUES, value=1.0, key="mom_a")
            base, here = (SI.scaled(w.fwd.x, weight, upstream, v, w.eps) for v in (1.0, a))
            c1, c2 = st.columns(2)
            c1.metric("max |y(a) − y(1)|", f"{(here.y - base.y).abs().max().item():.2g}")
            c2.metric(
                "‖∂ℓ/∂(aW)‖",
                f"{here.grad_norm:.3g}",
                delta=f"× {here.grad_norm / base.grad_norm:.3g} (1/a = {1 / a:.3g})",
                delta_color="off",
            )
            st.metric(
                "relative step ‖η ∂ℓ/∂(aW)‖ / ‖aW‖",
                f"{here.relative_step:.3g}",
                delta=f"× {here.relative_step / base.relative_step:.3g} (1/a² = {1 / a**2:.3g})",
                delta_color="off",
            )
        rows = [SI.scaled(w.fwd.x, weight, upstream, v, w.eps) for v in SI.A_VALUES]
        with right:
            table(
                pd.DataFrame(
                    {
                        "max |y(a) − y(1)|": [(r.y - base.y).abs().max().item() for r in rows],
                        "a·‖∂ℓ/∂(aW)‖": [r.a * r.grad_norm for r in rows],
                        "a²·relative step": [r.relative_step * r.a**2 for r in rows],
                        "Σ aW ⊙ ∂ℓ/∂(aW)": [r.grad_dot_weight for r in rows],
                    },
                    index=pd.Index([f"a = {v:g}" for v in SI.A_VALUES], name="a"),
                ),
                fmt="{:.3g}",
                height=36 * 8 + 3,
            )
        st.caption(
            f"The toy batch through z = x·(aW) (W seeded, {d}×{SI.UNITS}), BN (γ = 1, β = 0) and ℓ = Σ wᵢₖ yᵢₖ. "
            "y stays (ε acts as ε/a², hence the small differences), a·‖∂ℓ/∂(aW)‖ and a²·(relative step) stay "
            "constant, and the gradient is orthogonal to the weights (last column: 0 but for ε, which breaks the invariance)."
        )
        return
    with settings(ctx, "Learning rate"):
        lr = st.select_slider("learning rate η", (0.03, 0.1, 0.3, 1.0), value=0.1, key="mom_lr")
    runs = _train_tiny(lr)
    long = pd.DataFrame([{"step": t, "a": f"a = {r.a:g}", "loss": v} for r in runs for t, v in enumerate(r.loss)])
    chart = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="gradient step"),
            y=alt.Y("loss:Q", title="training loss (cross-entropy)"),
            color=alt.Color("a:N", title=None, sort=[f"a = {v:g}" for v in SI.TRAIN_A]),
            tooltip=[alt.Tooltip("a"), alt.Tooltip("step"), alt.Tooltip("loss:Q", format=".3f")],
        )
        .properties(height=260 if ctx.present else 300)
    )
    st.altair_chart(chart, width="stretch")
    same = _train_tiny_equivalent(lr)
    st.caption(
        f"A tiny network (8 inputs → 16 BN units → tanh → 3 classes) on synthetic blobs, full batch, "
        f"only W trained, η = {lr:g}. Same curve, slower as a grows: ‖W‖ went "
        + ", ".join(f"{r.weight_norm[0]:.2g} → {r.weight_norm[-1]:.2g} (a = {r.a:g})" for r in runs)
        + f". Training at a = 10 with η is training at a = 1 with η/100: their losses differ by at most {same:.1g}."
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _train_tiny(lr: float) -> list[SI.TinyRun]:
    use_training_threads()  # torch on one thread, set once for the server process
    return [SI.train(a, lr, 200) for a in SI.TRAIN_A]


@st.cache_data(show_spinner=False, max_entries=8)
def _train_tiny_equivalent(lr: float) -> float:
    use_training_threads()  # torch on one thread, set once for the server process
    a, b = SI.train(10.0, lr, 200), SI.train(1.0, lr / 100, 200)
    return max(abs(u - v) for u, v in zip(a.loss, b.loss))
