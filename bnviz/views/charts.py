"""Altair charts from the DataFrames of :mod:`bnviz.views.records` (no Streamlit: testable as JSON specs).

One colour per normalization kind across the whole app (:mod:`bnviz.views.style`: BN red, no BN
blue), keyed on each arm's config, not its label. Tooltips on every mark, axes labelled with
their units, the paper's axis ranges where we reproduce a paper figure.
"""

from __future__ import annotations

import copy
import functools

import altair as alt
import pandas as pd

from bnviz.views.style import arm_colors, arm_styles, norm_color

STEP_AXIS = alt.Axis(title="Training steps (mini-batches)", format=",d")
# lines told apart by dash (one per layer): the legend draws each dash, not a dot
LAYER_DASH = dict(
    title="Layer",
    # a line with points gets filled legend symbols, which hide a dash: no fill
    legend=alt.Legend(
        symbolType="stroke",
        symbolStrokeColor="#444444",
        symbolFillColor="transparent",
        symbolStrokeWidth=2,
        symbolSize=300,
    ),
)


def layer(*parts: alt.Chart, **properties) -> alt.LayerChart:
    """``alt.layer(*parts).properties(**properties)``, built once, a DataFrame the parts share given once at the top.

    Altair names each part that shares its parent's data by a hash of the part printed with its data (a
    DataFrame's printed table, several milliseconds each), and copies every part twice more for each
    ``properties`` call after. The spec is the same."""
    data = parts[0].data if parts else alt.Undefined
    if isinstance(data, pd.DataFrame) and all(part.data is data for part in parts):
        parts = tuple(part.copy(deep=False) for part in parts)
        for part in parts:
            part.data = alt.Undefined
        properties = {"data": data, **properties}
    return alt.layer(*parts, **properties)


def arm_scale(df: pd.DataFrame) -> alt.Scale:
    """Each arm in its norm's colour, in legend order (baseline, BN, then the rest of the family)."""
    domain, colors = arm_colors(df)
    return alt.Scale(domain=domain, range=colors) if domain else alt.Scale()


def accuracy(band: pd.DataFrame, paper_axes: bool = False, title: str = "Test accuracy") -> alt.Chart:
    """Mean test accuracy over seeds per arm, with a min-max band; Figure 1(a)'s y-range when ``paper_axes``."""
    y_scale = alt.Scale(domain=[0.7, 1.0], clamp=True) if paper_axes else alt.Scale(zero=False)
    base = alt.Chart(band).encode(
        x=alt.X("step:Q", axis=STEP_AXIS), color=alt.Color("arm:N", scale=arm_scale(band), title=None)
    )
    area = base.mark_area(opacity=0.2).encode(y=alt.Y("lo:Q", scale=y_scale), y2=alt.Y2("hi:Q"))
    line = base.mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        y=alt.Y("mean:Q", title="Test accuracy (fraction correct)", scale=y_scale, axis=alt.Axis(format=".0%")),
        tooltip=[
            alt.Tooltip("arm:N"),
            alt.Tooltip("step:Q", format=","),
            alt.Tooltip("mean:Q", title="mean acc", format=".2%"),
            alt.Tooltip("lo:Q", title="lowest seed", format=".2%"),
            alt.Tooltip("hi:Q", title="highest seed", format=".2%"),
            alt.Tooltip("seeds:Q"),
        ],
    )
    return (area + line).properties(title=title, height=320)


def loss(band: pd.DataFrame, title: str = "Training loss") -> alt.Chart:
    return (
        alt.Chart(band)
        .mark_line()
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=alt.Y("mean:Q", title="Cross-entropy (nats, mean since last point)", scale=alt.Scale(type="symlog")),
            color=alt.Color("arm:N", scale=arm_scale(band), title=None),
            tooltip=[
                alt.Tooltip("arm:N"),
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip("mean:Q", title="loss", format=".4f"),
            ],
        )
        .properties(title=title, height=260)
    )


def percentile_bands(
    df: pd.DataFrame,
    arm: str,
    y_domain: list[float] | None = None,
    title: str | None = None,
    subtitle: str = "",
    y_title: str = "Input to the sigmoid",
) -> alt.LayerChart:
    """Figure 1(b,c): the 15th, 50th and 85th percentile of one unit's input over training (first seed);
    ``y_title`` names the nonlinearity it feeds, e.g. "Input to the ReLU" for the CNN."""
    d = df[(df["arm"] == arm)]
    d = d[d["seed"] == d["seed"].min()] if len(d) else d
    position = d["position"].iloc[0] if len(d) and "position" in d else "before"
    color = norm_color(d["norm"].iloc[0], position) if len(d) else norm_color("none")
    y = alt.Scale(domain=y_domain) if y_domain else alt.Scale(zero=False)
    base = alt.Chart(d).encode(x=alt.X("step:Q", axis=STEP_AXIS))
    tips = [
        alt.Tooltip("step:Q", format=","),
        alt.Tooltip("p15:Q", format=".3f"),
        alt.Tooltip("p50:Q", format=".3f"),
        alt.Tooltip("p85:Q", format=".3f"),
    ]
    area = base.mark_area(opacity=0.18, color=color).encode(y=alt.Y("p15:Q", scale=y), y2=alt.Y2("p85:Q"))
    mid = base.mark_line(color=color).encode(y=alt.Y("p50:Q", scale=y, title=y_title), tooltip=tips)
    edges = [
        base.mark_line(color=color, strokeDash=[4, 3], strokeWidth=1).encode(y=alt.Y(f"{p}:Q", scale=y), tooltip=tips)
        for p in ("p15", "p85")
    ]
    title = alt.TitleParams(title or f"{arm}: 15th, 50th, 85th percentiles", subtitle=subtitle or alt.Undefined)
    return layer(area, mid, *edges, title=title, height=260)


def histogram(
    df: pd.DataFrame,
    title: str = "",
    x_title: str = "Input to the nonlinearity",
    y_max: float | None = None,
    x_domain: list[float] | None = None,
    y_title: str = "Density (per unit)",
    height: int = 220,
) -> alt.LayerChart:
    """Per-arm histograms (density) of a layer's input at one step, on the shared fixed bins.

    Each arm is an outline over a light fill, so up to four arms overlaid on one chart stay readable;
    a single arm's ``df`` gives one panel of a side-by-side row, whose panels share ``y_max``.
    ``x_domain`` zooms in (bins outside it are clipped), e.g. to where gradients are.
    """
    x_range = tuple(x_domain) if x_domain else _bin_range(df)
    return _histogram(outline(df), df, arm_scale(df), x_range, title, x_title, y_max, y_title, height)


def histogram_spec(df: pd.DataFrame, wrap=None, **options) -> dict:
    """:func:`histogram` (then ``wrap``, e.g. :func:`fit_width`) as a Vega-Lite dict whose ``datasets``
    hold DataFrames, for a page that redraws histograms at every step: the spec of a chart with these
    arms and options is built once and kept, and each call puts in the data and the axes' ranges."""
    x_domain, y_max = options.pop("x_domain", None), options.pop("y_max", None)
    styles = tuple((arm, *style) for arm, style in arm_styles(df).items())
    spec = copy.deepcopy(_histogram_template(styles, wrap, tuple(sorted(options.items()))))
    for layer in spec["layer"]:
        layer["encoding"]["x"]["scale"]["domain"] = list(x_domain) if x_domain else list(_bin_range(df))
        layer["encoding"]["y"]["scale"] = {"domain": [0, y_max]} if y_max else {"domainMin": 0}
    spec["datasets"] = {"outline": outline(df), "bins": df}
    return spec


@functools.lru_cache(maxsize=64)
def _histogram_template(styles: tuple, wrap, options: tuple) -> dict:
    domain = [arm for arm, _, _ in styles]
    scale = alt.Scale(domain=domain, range=[norm_color(n, p) for _, n, p in styles]) if domain else alt.Scale()
    data = alt.NamedData(name="outline"), alt.NamedData(name="bins")
    chart = _histogram(*data, scale, (0.0, 1.0), **dict(options))  # the axes' ranges are put in per call
    return (wrap(chart) if wrap else chart).to_dict(validate=False)


def _bin_range(df: pd.DataFrame) -> tuple[float, float]:
    return (float(df["bin_left"].min()), float(df["bin_right"].max())) if len(df) else (0.0, 1.0)


def outline(df: pd.DataFrame) -> pd.DataFrame:
    """Histogram rows plus one per arm at its last bin's right edge: a step line through the bins' left
    edges then closes the last bin."""
    if not len(df):
        return df
    last = df.sort_values("bin_left").groupby("arm", sort=False).tail(1).assign(bin_left=lambda d: d["bin_right"])
    return pd.concat([df, last], ignore_index=True)


def _histogram(
    outline_data,
    bins_data,
    color_scale: alt.Scale,
    x_range: tuple[float, float],
    title: str = "",
    x_title: str = "Input to the nonlinearity",
    y_max: float | None = None,
    y_title: str = "Density (per unit)",
    height: int = 220,
) -> alt.LayerChart:
    x = alt.X("bin_left:Q", title=x_title, scale=alt.Scale(domain=list(x_range)))
    y_scale = alt.Scale(domain=[0, y_max]) if y_max else alt.Scale(domainMin=0)
    y = alt.Y("density:Q", title=y_title, stack=None, scale=y_scale)
    color = alt.Color("arm:N", scale=color_scale, title=None)
    base = alt.Chart(outline_data).encode(x=x, y=y, color=color)
    fill = base.mark_area(interpolate="step-after", opacity=0.12, clip=True)
    line = base.mark_line(interpolate="step-after", strokeWidth=1.6, clip=True)
    hover = (
        alt.Chart(bins_data)
        .mark_bar(opacity=0, clip=True)
        .encode(
            x=x,
            x2=alt.X2("bin_right:Q"),
            y=y,
            color=color,
            tooltip=[
                alt.Tooltip("arm:N"),
                alt.Tooltip("bin_left:Q", title="from", format=".2f"),
                alt.Tooltip("bin_right:Q", title="to", format=".2f"),
                alt.Tooltip("count:Q", title="values"),
                alt.Tooltip("density:Q", format=".3f"),
            ],
        )
    )
    return layer(fill, line, hover, title=title, height=height)


def saturation(stats: pd.DataFrame, activation: str = "sigmoid") -> alt.Chart:
    """Fraction of saturated units per layer over training, one line per arm (first seed)."""
    d = stats[stats["seed"] == stats["seed"].min()] if len(stats) else stats
    what = {
        "sigmoid": "saturated sigmoids (output within 0.05 of 0 or 1)",
        "tanh": "saturated tanh units (output within 0.1 of ±1)",
    }.get(activation, "inactive ReLUs (input ≤ 0)")
    return (
        alt.Chart(d)
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=alt.Y(
                "saturation:Q", title=f"Fraction of {what}", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")
            ),
            color=alt.Color("arm:N", scale=arm_scale(d), title=None),
            strokeDash=alt.StrokeDash("layer:N", **LAYER_DASH),
            tooltip=[
                alt.Tooltip("arm:N"),
                alt.Tooltip("layer:N"),
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip("saturation:Q", format=".1%"),
            ],
        )
        .properties(title="Saturation per layer", height=260)
    )


LEGEND_BELOW = dict(orient="bottom", columns=2, labelLimit=220, columnPadding=12, symbolOpacity=1)


def legend_below(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The legend under the plot, two entries a row: four arms' names fit a narrow chart."""
    return chart.configure_legend(**LEGEND_BELOW)


def affine_growth(df: pd.DataFrame) -> alt.Chart:
    """Mean |γ| and mean |β| of each layer's normalization over training (first seed), a panel each.

    ``df``: one row per (arm, seed, step, layer) with ``gamma_abs_mean`` and ``beta_abs_mean``."""
    d = df[df["seed"] == df["seed"].min()] if len(df) else df
    long = d.melt(
        id_vars=["arm", "norm", "position", "seed", "step", "layer"],
        value_vars=["gamma_abs_mean", "beta_abs_mean"],
        var_name="parameter",
        value_name="value",
    )
    long["parameter"] = long["parameter"].map({"gamma_abs_mean": "mean |γ|", "beta_abs_mean": "mean |β|"})
    return (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("step:Q", axis=STEP_AXIS),
            y=alt.Y("value:Q", title="Mean over the layer's units"),
            color=alt.Color("layer:N", title="Layer"),
            tooltip=[
                alt.Tooltip("layer:N"),
                alt.Tooltip("parameter:N"),
                alt.Tooltip("step:Q", format=","),
                alt.Tooltip("value:Q", format=".3f"),
            ],
        )
        .properties(height=200, width=260)
        .facet(column=alt.Column("parameter:N", title=None))
        .properties(title="BN's learned scale γ and shift β, per layer")
    )


FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")  # see fit_width


def fit_width(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart stretched to its container's width, its height grown to hold titles and legends.

    Streamlit gives a single chart ``autosize: fit``, which squeezes the chart title and axis
    titles into the set height: a y-axis title longer than the plot is tall collapses the plot.
    """
    return chart.properties(autosize=FIT_WIDTH)
