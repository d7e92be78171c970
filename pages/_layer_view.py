"""The Activations page's per-layer views at one step: each layer's input and its weights' gradients,
overlaid or side by side, with the share of units each arm saturates."""

import pandas as pd
import streamlit as st

from bnviz.train import probes
from bnviz.views import activations, charts, markdown, records
from bnviz.views.style import arm_norms, norm_text_color
from pages import _chart_specs


def histograms(df, step: int, layout: str, memo: tuple, height: int | None = None, **options) -> None:
    """One layer's histograms at ``step`` (``df`` from records.histogram): all arms on one chart, or one
    panel per arm on shared axes. ``memo`` names what is shown (a recorded step's histograms never change)."""
    if df.empty:
        st.caption("Not recorded at this step" + (" (step 0 has no gradient yet)." if step == 0 else "."))
        return
    if height:
        options["height"] = height
    if layout == "overlay":
        _chart_specs.chart(st, (*memo, height), lambda: charts.histogram_spec(df, framed, **options))
        return
    y_max = 1.05 * float(df["density"].max())
    arms = list(arm_norms(df))
    options.setdefault("height", 180)
    for col, arm in zip(st.columns(len(arms)), arms):
        panel = lambda arm=arm: charts.histogram_spec(df[df["arm"] == arm], framed, y_max=y_max, **options)
        _chart_specs.chart(col, (*memo, arm, options["height"]), panel)


def framed(chart):
    """A histogram across its column, its legend under it."""
    return charts.legend_below(charts.fit_width(chart))


def layer_views(v, inputs: bool = True, grads: bool = True, height: int | None = None) -> None:
    """Each shown layer's input and (``grads``, where recorded) its weights' gradients at ``v.step``
    (``v`` a :class:`pages._run_view.RunView`), with its saturation per arm."""
    runs, shown, step, layout, memo = v.runs, v.shown, v.step, v.layout, v.memo
    grads = grads and v.with_grads
    saturated = activations.saturation_at(v.stats, step)
    norms = {arm: norm for arm, (norm, _) in activations.arm_styles(runs).items()}
    hist = {name: records.histogram(runs, name, step, v.edges) for name in shown} if inputs else {}
    grad = {name: records.histogram(runs, name, step, probes.grad_hist_edges(), "grad_hist") for name in shown}
    # every layer's gradients on one x-range: where any of them are, zeros and |g| < 1e-12 aside
    grad_x = activations.occupied_domain(pd.concat(grad.values())) if any(len(g) for g in grad.values()) else None
    cols = st.columns(min(len(shown), 3)) if layout == "overlay" else [st.container()]
    for i, name in enumerate(shown):
        with cols[i % len(cols)]:
            st.markdown(f"**{markdown.literal(name)}** at step {step:,}")  # not a Vega title: "fit" sizing clips those
            if inputs:
                x_title = f"Input to the {v.nonlinearity}"
                histograms(hist[name], step, layout, (*memo, "hist", name, step, layout), height, x_title=x_title)
                share = saturated.get(name, {})
                st.caption(
                    f"{v.saturated}: "
                    + " · ".join(
                        f":{norm_text_color(norm)}[{markdown.literal(arm)} {share[arm]:.0%}]"
                        for arm, norm in norms.items()
                        if arm in share
                    )
                )
            if not grads:
                continue
            options = dict(x_title="log10 |∂loss/∂W|", x_domain=grad_x, y_title="Density (per decade)")
            histograms(
                grad[name], step, layout, (*memo, "grad_hist", name, step, layout, str(grad_x)), height, **options
            )
            zeros = activations.first_bin_share(grad[name])
            if any(zeros.values()):
                st.caption(
                    f"Zero or under 10^{probes.GRAD_LOG10_RANGE[0]:g}, not drawn: "
                    + " · ".join(f"{markdown.literal(arm)} {z:.1%}" for arm, z in zeros.items())
                )
