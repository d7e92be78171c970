"""Charts of the "Why does BN work?" experiments: distributions over time, accuracy against the
learning rate and against depth (Altair specs, no Streamlit; colours from :mod:`bnviz.views.style`)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from bnviz.views import charts
from bnviz.views.charts import STEP_AXIS, arm_scale

ACC_AXIS = alt.Axis(format=".0%")
DIVERGED_Y = 0.02  # where a diverged cell's cross sits: at the bottom of the 0-100% axis


def histogram_grid(df: pd.DataFrame, x_title: str) -> alt.Chart:
    """One layer's input histograms, one column per arm and one row per step (Santurkar et al.'s Figure 2).

    ``df``: ``arm``, ``norm``, ``step``, ``bin_left``, ``bin_right``, ``density`` (records.histogram per step).
    """
    return (
        alt.Chart(df)
        .mark_bar(binSpacing=0, opacity=0.8)
        .encode(
            x=alt.X("bin_left:Q", bin="binned", title=x_title),
            x2=alt.X2("bin_right:Q"),
            y=alt.Y("density:Q", title="Density", axis=alt.Axis(tickCount=2)),
            color=alt.Color("arm:N", scale=arm_scale(df), title=None, legend=None),
            tooltip=[
                alt.Tooltip("arm:N"),
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip("bin_left:Q", title="from", format=".2f"),
                alt.Tooltip("bin_right:Q", title="to", format=".2f"),
                alt.Tooltip("density:Q", format=".3f"),
            ],
        )
        .properties(width=180, height=70)
        .facet(
            row=alt.Row("step:O", title="Training step", header=alt.Header(labelAngle=0, format=",")),
            column=alt.Column("arm:N", title=None, sort=list(dict.fromkeys(df["arm"]))),
        )
    )


def accuracy_vs_rate(cells: pd.DataFrame, title: str) -> alt.LayerChart:
    """Final test accuracy (mean, lowest to highest seed) against the learning rate on a log axis, one
    line per arm; a cross at the bottom where any seed diverged.

    ``cells``: ``arm``, ``norm``, ``lr``, ``mean``, ``lo``, ``hi``, ``seeds``, ``diverged`` (seeds that diverged).
    """
    x = alt.X("lr:Q", title="Learning rate (log scale)", scale=alt.Scale(type="log"), axis=alt.Axis(format="~g"))
    y_scale = alt.Scale(domain=[0, 1])
    color = alt.Color("arm:N", scale=arm_scale(cells), title=None)
    tips = [
        alt.Tooltip("arm:N"),
        alt.Tooltip("lr:Q", format="~g"),
        alt.Tooltip("mean:Q", title="mean final acc. (runs that did not diverge)", format=".2%"),
        alt.Tooltip("lo:Q", title="lowest seed", format=".2%"),
        alt.Tooltip("hi:Q", title="highest seed", format=".2%"),
        alt.Tooltip("diverged:Q", title="seeds diverged"),
        alt.Tooltip("seeds:Q"),
    ]
    trained = cells.dropna(subset=["mean"])
    base = alt.Chart(trained).encode(x=x, color=color)
    rule = base.mark_rule(strokeWidth=2, opacity=0.5).encode(y=alt.Y("lo:Q", scale=y_scale), y2=alt.Y2("hi:Q"))
    line = base.mark_line(point=alt.OverlayMarkDef(size=40)).encode(
        y=alt.Y("mean:Q", title="Final test accuracy", scale=y_scale, axis=ACC_AXIS), tooltip=tips
    )
    crosses = (
        alt.Chart(cells[cells["diverged"] > 0].assign(y=DIVERGED_Y))
        .mark_point(shape="cross", size=120, filled=True, angle=45)
        .encode(x=x, y=alt.Y("y:Q", scale=y_scale), color=color, tooltip=tips)
    )
    return charts.layer(rule, line, crosses, title=title, height=320)


def placement_scale(df: pd.DataFrame, colours: dict[str, str]) -> alt.Scale:
    present = [v for v in colours if v in set(df["placement"])]
    return alt.Scale(domain=present, range=[colours[v] for v in present])


def dash_scale(df: pd.DataFrame, colours: dict[str, str]) -> alt.Scale:
    """Solid lines, but the last placement (BN after the nonlinearity) dashed: it shares BN's red."""
    present = [v for v in colours if v in set(df["placement"])]
    return alt.Scale(domain=present, range=[[1, 0]] * (len(present) - 1) + [[6, 3]] if present else [])


def accuracy_vs_depth(cells: pd.DataFrame, colours: dict[str, str], title: str) -> alt.LayerChart:
    """Final test accuracy (mean, lowest to highest seed) against the number of hidden layers, one line per
    placement, each point at that placement's best rate. ``cells``: ``placement``, ``depth``, ``lr``, ``mean``,
    ``lo``, ``hi``, ``seeds``."""
    depths = sorted(int(d) for d in cells["depth"].unique())
    x = alt.X("depth:Q", title="Hidden layers", scale=alt.Scale(type="log"), axis=alt.Axis(values=depths))
    y_scale = alt.Scale(domain=[0, 1])
    color = alt.Color("placement:N", scale=placement_scale(cells, colours), title=None)
    dash = alt.StrokeDash("placement:N", scale=dash_scale(cells, colours), title=None)
    tips = [
        alt.Tooltip("placement:N", title="placement"),
        alt.Tooltip("depth:Q", title="hidden layers"),
        alt.Tooltip("lr:Q", title="best learning rate", format="~g"),
        alt.Tooltip("mean:Q", title="mean final acc.", format=".2%"),
        alt.Tooltip("lo:Q", title="lowest seed", format=".2%"),
        alt.Tooltip("hi:Q", title="highest seed", format=".2%"),
        alt.Tooltip("seeds:Q", title="seeds"),
    ]
    base = alt.Chart(cells).encode(x=x, color=color)
    rule = base.mark_rule(strokeWidth=2, opacity=0.5).encode(y=alt.Y("lo:Q", scale=y_scale), y2=alt.Y2("hi:Q"))
    line = base.mark_line(point=alt.OverlayMarkDef(size=40)).encode(
        y=alt.Y("mean:Q", title="Final test accuracy", scale=y_scale, axis=ACC_AXIS), strokeDash=dash, tooltip=tips
    )
    return charts.layer(rule, line, title=title, height=300)


def accuracy_vs_rate_by_depth(cells: pd.DataFrame, colours: dict[str, str]) -> alt.FacetChart:
    """Final test accuracy against the learning rate (log axis), one panel per depth, one line per placement; a
    cross at the bottom where any seed diverged. ``cells``: ``placement``, ``depth``, ``lr``, ``mean``, ``lo``,
    ``hi``, ``seeds``, ``diverged``, ``outcomes``."""
    x = alt.X("lr:Q", title="Learning rate (log scale)", scale=alt.Scale(type="log"), axis=alt.Axis(format="~g"))
    y_scale = alt.Scale(domain=[0, 1])
    color = alt.Color(
        "placement:N", scale=placement_scale(cells, colours), title=None, legend=alt.Legend(orient="bottom")
    )
    tips = [
        alt.Tooltip("placement:N", title="placement"),
        alt.Tooltip("depth:Q", title="hidden layers"),
        alt.Tooltip("lr:Q", title="learning rate", format="~g"),
        alt.Tooltip("mean:Q", title="mean final acc. (runs that did not diverge)", format=".2%"),
        alt.Tooltip("outcomes:N", title="seeds"),
    ]
    d = cells.assign(y=DIVERGED_Y)
    base = alt.Chart().encode(x=x, color=color)
    line = (
        base.transform_filter("isValid(datum.mean)")
        .mark_line(point=alt.OverlayMarkDef(size=30))
        .encode(
            y=alt.Y("mean:Q", title="Final test accuracy", scale=y_scale, axis=ACC_AXIS),
            strokeDash=alt.StrokeDash("placement:N", scale=dash_scale(cells, colours), title=None),
            tooltip=tips,
        )
    )
    crosses = (
        base.transform_filter("datum.diverged > 0")
        .mark_point(shape="cross", size=100, filled=True, angle=45)
        .encode(y=alt.Y("y:Q", scale=y_scale), tooltip=tips)
    )
    return (
        alt.layer(line, crosses, data=d)
        .properties(width=260, height=150)
        .facet(facet=alt.Facet("depth:O", title="Hidden layers"), columns=2)
    )


def curves_by_depth(band: pd.DataFrame, colours: dict[str, str]) -> alt.FacetChart:
    """Mean test accuracy over steps, one panel per depth (two to a row), one line per placement (each at its best
    rate). ``band``: ``placement``, ``depth``, ``lr``, ``step``, ``mean``."""
    return (
        alt.Chart(band)
        .mark_line()
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=alt.Y("mean:Q", title="Test accuracy", scale=alt.Scale(domain=[0, 1]), axis=ACC_AXIS),
            color=alt.Color(
                "placement:N", scale=placement_scale(band, colours), title=None, legend=alt.Legend(orient="bottom")
            ),
            strokeDash=alt.StrokeDash("placement:N", scale=dash_scale(band, colours), title=None),
            tooltip=[
                alt.Tooltip("placement:N", title="placement"),
                alt.Tooltip("depth:Q", title="hidden layers"),
                alt.Tooltip("lr:Q", title="learning rate", format="~g"),
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip("mean:Q", title="mean test acc.", format=".2%"),
            ],
        )
        .properties(width=300, height=150)
        .facet(facet=alt.Facet("depth:O", title="Hidden layers"), columns=2)
    )


def metric_by_layer(band: pd.DataFrame, value: str, title: str, log: bool) -> alt.FacetChart:
    """One probe value over training, one panel per layer, one line per arm (mean over seeds).
    ``band``: ``arm``, ``norm``, ``layer``, ``step``, ``value``."""
    d = band.dropna(subset=[value])
    if log:
        d = d[d[value] > 0]
    y = alt.Y(f"{value}:Q", title=title, scale=alt.Scale(type="log") if log else alt.Scale(zero=False))
    return (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=y,
            color=alt.Color("arm:N", scale=arm_scale(d), title=None),
            tooltip=[
                alt.Tooltip("arm:N"),
                alt.Tooltip("layer:N"),
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip(f"{value}:Q", format=".4g"),
            ],
        )
        .properties(width=300, height=200)
        .facet(column=alt.Column("layer:N", title=None))
    )


def metric_over_steps(
    band: pd.DataFrame, title: str, order: list[str] | None = None, log: bool = True
) -> alt.FacetChart:
    """Several probe values over training, one panel each (own y-axis, log unless ``log`` is False: a value that is
    often exactly 0, such as a rise that never happens, needs a linear axis), one line per arm.
    ``band``: ``arm``, ``norm``, ``metric``, ``step``, ``value``; ``order``: the panels' order."""
    d = band[band["value"] > 0] if log else band.dropna(subset=["value"])
    return (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(type="log") if log else alt.Scale(zero=True)),
            color=alt.Color("arm:N", scale=arm_scale(d), title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("arm:N"),
                alt.Tooltip("metric:N"),
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip("value:Q", format=".4g"),
            ],
        )
        .properties(width=200, height=200)
        .facet(column=alt.Column("metric:N", title=None, sort=order or "ascending"))
        .resolve_scale(y="independent")
        .properties(title=title)
    )
