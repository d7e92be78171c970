"""Charts of the "BN in practice" experiments: a value against a config field, one line per kind of arm.

Colours follow the norm kind (:mod:`bnviz.views.style`) where the lines are norms; where every
line is BN (momentum conventions, positions) a line's colour is its own, listed in the legend.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from bnviz.views.charts import STEP_AXIS, arm_scale, fit_width
from bnviz.views.style import norm_color


def accuracy_by_batch(cells: pd.DataFrame, y_domain: list[float] | None = None) -> alt.TopLevelMixin:
    """Final test accuracy (mean, min-max over seeds) against the batch size (log scale), one line per norm;
    ``y_domain`` zooms in (points outside it are drawn on its edge).

    ``cells``: columns ``arm`` (the norm's label), ``norm``, ``batch_size``, ``mean``, ``lo``, ``hi``, ``seeds``.
    """
    x = alt.X(
        "batch_size:Q", title="Batch size (examples per mini-batch, log scale)", scale=alt.Scale(type="log", base=2)
    )
    y_scale = alt.Scale(domain=y_domain, clamp=True) if y_domain else alt.Scale(zero=False)
    base = alt.Chart(cells).encode(x=x, color=alt.Color("arm:N", scale=arm_scale(cells), title=None))
    bars = base.mark_rule(opacity=0.5, strokeWidth=3).encode(y=alt.Y("lo:Q", scale=y_scale), y2=alt.Y2("hi:Q"))
    line = base.mark_line(point=alt.OverlayMarkDef(size=40)).encode(
        y=alt.Y("mean:Q", title="Final test accuracy (fraction correct)", scale=y_scale, axis=alt.Axis(format=".0%")),
        tooltip=[
            alt.Tooltip("arm:N", title="normalization"),
            alt.Tooltip("batch_size:Q", title="batch size"),
            alt.Tooltip("mean:Q", title="mean over seeds", format=".2%"),
            alt.Tooltip("lo:Q", title="lowest seed", format=".2%"),
            alt.Tooltip("hi:Q", title="highest seed", format=".2%"),
            alt.Tooltip("seeds:Q"),
        ],
    )
    title = "Final test accuracy against batch size, same examples seen (mean; bar: lowest to highest seed)"
    return fit_width((bars + line).properties(title=title, height=340))


DASHES = {"solid": [1, 0], "dotted": [2, 2], "dashed": [7, 3], "dashdot": [7, 3, 2, 3]}


def norm_colored(df: pd.DataFrame, field: str = "line") -> alt.Scale:
    """A colour scale over ``field`` that gives each entry its arm's norm colour (needs a ``norm`` column)."""
    pairs = df[[field, "norm"]].drop_duplicates(field)
    return alt.Scale(domain=list(pairs[field]), range=[norm_color(n) for n in pairs["norm"]])


def lines_over_steps(
    df: pd.DataFrame,
    y_title: str,
    title: str,
    fmt: str = ".3f",
    log: bool = False,
    log_x: bool = False,
    colors: alt.Scale | None = None,
    dashes: dict[str, str] | None = None,
):
    """A cell table's ``mean`` (band: ``lo`` to ``hi``, the seeds) against training steps, one line per ``line``;
    ``log_x`` draws steps on a log scale (early and late training both visible; step 0 left out). ``colors``:
    the line colours (default: by the ``norm`` column, as everywhere in the app); ``dashes``: line -> a
    :data:`DASHES` name, so lines of one colour stay apart (and in grey print)."""
    y_scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    if log_x:
        df = df[df["step"] > 0]
        x = alt.X("step:Q", title="Training steps (mini-batches, log scale)", scale=alt.Scale(type="log"))
    else:
        x = alt.X("step:Q", axis=STEP_AXIS)
    if colors is None:
        colors = norm_colored(df) if "norm" in df else alt.Scale()
    legend = alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, symbolOpacity=1, symbolSize=500)
    encoding = dict(x=x, color=alt.Color("line:N", title=None, sort=None, scale=colors, legend=legend))
    if dashes:
        lines = list(dict.fromkeys(df["line"]))
        encoding["strokeDash"] = alt.StrokeDash(
            "line:N",
            title=None,
            sort=None,
            scale=alt.Scale(domain=lines, range=[DASHES[dashes.get(n, "solid")] for n in lines]),
            legend=legend,
        )
    base = alt.Chart(df).encode(**encoding)
    area = base.mark_area(opacity=0.15).encode(y=alt.Y("lo:Q", scale=y_scale), y2=alt.Y2("hi:Q"))
    line = base.mark_line(point=alt.OverlayMarkDef(size=14)).encode(
        y=alt.Y("mean:Q", title=y_title, scale=y_scale, axis=alt.Axis(format="~g" if log else fmt)),
        tooltip=[
            alt.Tooltip("line:N", title="arm"),
            alt.Tooltip("step:Q", format=","),
            alt.Tooltip("mean:Q", title="mean over seeds", format=fmt),
            alt.Tooltip("lo:Q", title="lowest seed", format=fmt),
            alt.Tooltip("hi:Q", title="highest seed", format=fmt),
        ],
    )
    return fit_width(
        (line + area)
        .properties(title=title, height=300)
        .configure_legend(labelLimit=320, orient="bottom", columns=3 if df["line"].nunique() > 4 else 2)
    )  # five or more lines: three a row, so a projector's slide keeps room for the chart


def dot_plot(cells: pd.DataFrame, title: str) -> alt.TopLevelMixin:
    """Final test accuracy per arm (``line``) as a dot (mean) and a rule (lowest to highest seed), one row each,
    faceted by the ``panel`` column."""
    y = alt.Y("line:N", title=None, sort=None, axis=alt.Axis(labelLimit=260))
    x_scale = alt.Scale(zero=False)
    base = alt.Chart(cells).encode(y=y, color=alt.Color("line:N", legend=None, scale=norm_colored(cells)))
    rule = base.mark_rule(strokeWidth=3, opacity=0.6).encode(x=alt.X("lo:Q", scale=x_scale), x2=alt.X2("hi:Q"))
    dot = base.mark_point(filled=True, size=90).encode(
        x=alt.X("mean:Q", title="Final test accuracy (fraction correct)", scale=x_scale, axis=alt.Axis(format=".1%")),
        tooltip=[
            alt.Tooltip("line:N", title="arm"),
            alt.Tooltip("mean:Q", title="mean over seeds", format=".2%"),
            alt.Tooltip("lo:Q", title="lowest seed", format=".2%"),
            alt.Tooltip("hi:Q", title="highest seed", format=".2%"),
            alt.Tooltip("seeds:Q"),
        ],
    )
    return (
        (rule + dot)
        .properties(height=28 * max(1, cells.groupby("panel")["line"].nunique().max()), width=420)
        .facet(row=alt.Row("panel:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")))
        .resolve_scale(x="independent", y="independent")
        .properties(title=title)
    )


def modes_chart(cells: pd.DataFrame, order: list[str]) -> alt.TopLevelMixin:
    """Test accuracy of each arm (``line``) under each test-time mode (``mode_label``, one row each, in ``order``):
    a dot at the mean over seeds, a bar from the lowest to the highest seed. Colour: the arm's normalization;
    shape: its training batches."""
    d = cells[cells["seeds"] > 0]
    y = alt.Y("mode_label:N", title=None, sort=order, axis=alt.Axis(labelLimit=320))
    base = alt.Chart(d).encode(
        y=y,
        yOffset=alt.YOffset("line:N", sort=None),
        color=alt.Color("normalization:N", title="normalization", sort=None, scale=norm_colored(d, "normalization")),
        shape=alt.Shape("training batches:N", sort=None, scale=alt.Scale(range=["circle", "triangle-right"])),
    )
    x = alt.X(
        "mean:Q", title="Test accuracy (fraction correct)", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])
    )
    rule = base.mark_rule(strokeWidth=3, opacity=0.6).encode(
        x=alt.X("lo:Q", scale=alt.Scale(domain=[0, 1])), x2=alt.X2("hi:Q")
    )
    dot = base.mark_point(filled=True, size=60).encode(
        x=x,
        tooltip=[
            alt.Tooltip("line:N", title="arm"),
            alt.Tooltip("mode_label:N", title="tested with"),
            alt.Tooltip("mean:Q", title="mean over seeds", format=".2%"),
            alt.Tooltip("lo:Q", title="lowest seed", format=".2%"),
            alt.Tooltip("hi:Q", title="highest seed", format=".2%"),
            alt.Tooltip("seeds:Q"),
        ],
    )
    title = "Test accuracy of each trained network under each way of testing (dot: mean; bar: lowest to highest seed)"
    rows = max(1, d["line"].nunique())
    return fit_width((rule + dot).properties(title=title, height=len(order) * (8 * rows + 10)))


def accuracy_by_rate(cells: pd.DataFrame, title: str) -> alt.TopLevelMixin:
    """Final test accuracy (mean; bar: lowest to highest seed) against the learning rate (log scale), one line per
    placement (``name``), where every seed trained; a cross on the bottom edge where some did not.

    ``cells``: columns ``name``, ``norm``, ``position``, ``lr``, ``mean``, ``lo``, ``hi``, ``outcome``.
    """
    names = list(dict.fromkeys(cells["name"]))
    firsts = cells.drop_duplicates("name").set_index("name")
    colors = alt.Scale(
        domain=names, range=[norm_color(firsts.loc[n, "norm"], firsts.loc[n, "position"]) for n in names]
    )
    x = alt.X("lr:Q", title="Learning rate (log scale)", scale=alt.Scale(type="log"))
    color = alt.Color("name:N", title=None, sort=names, scale=colors, legend=alt.Legend(orient="bottom", columns=3))
    ok = cells[cells["outcome"] == "trains"]
    floor = float(ok["lo"].min()) if len(ok) else 0.0
    y = alt.Y(
        "mean:Q",
        title="Final test accuracy (fraction correct)",
        scale=alt.Scale(zero=False),
        axis=alt.Axis(format=".0%"),
    )
    tips = [
        alt.Tooltip("name:N", title="placement"),
        alt.Tooltip("lr:Q", title="learning rate"),
        alt.Tooltip("outcome:N"),
        alt.Tooltip("mean:Q", title="mean over seeds", format=".2%"),
        alt.Tooltip("lo:Q", title="lowest seed", format=".2%"),
        alt.Tooltip("hi:Q", title="highest seed", format=".2%"),
    ]
    base = alt.Chart(ok).encode(x=x, color=color)
    bars = base.mark_rule(opacity=0.5, strokeWidth=3).encode(y=alt.Y("lo:Q"), y2=alt.Y2("hi:Q"))
    line = base.mark_line(point=alt.OverlayMarkDef(size=40)).encode(y=y, tooltip=tips)
    failed = cells[cells["outcome"] != "trains"].assign(floor=floor)
    crosses = (
        alt.Chart(failed)
        .mark_point(shape="cross", size=120, filled=True)
        .encode(x=x, y=alt.Y("floor:Q"), color=color, tooltip=tips)
    )
    return fit_width((bars + line + crosses).properties(title=title, height=300))
