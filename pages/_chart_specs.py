"""Charts drawn from Vega-Lite specs kept per session, so a rerun that changes nothing converts nothing. Not a page."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    import altair as alt

CHART_SPECS = "_chart_specs"  # session_state: recently drawn charts' Vega-Lite specs, by what they show
CHART_SPECS_KEPT = 96


def vega_spec(chart) -> dict:
    """An Altair chart, or a Vega-Lite dict whose ``datasets`` hold DataFrames, as the spec
    ``st.vega_lite_chart`` takes, its data as Arrow tables.

    Each DataFrame of an Altair chart is swapped for a named dataset before ``to_dict`` (the chart is
    changed), so no Altair data transformer (global, shared by every session's thread) runs, and the
    spec is not validated again: the chart functions' JSON is tested in tests/.
    """
    import altair as alt
    import pandas as pd
    from streamlit import dataframe_util

    if isinstance(chart, dict):
        tables = {name: dataframe_util.convert_anything_to_arrow_bytes(d) for name, d in chart["datasets"].items()}
        return {**chart, "datasets": tables}
    datasets = {}
    parts = [chart]
    while parts:
        part = parts.pop()
        parts.extend(getattr(part, "layer", None) or [])
        if isinstance(part.data, pd.DataFrame):
            table = dataframe_util.convert_anything_to_arrow_bytes(part.data)
            name = f"data-{hashlib.sha1(table).hexdigest()[:16]}"
            datasets[name] = table
            part.data = alt.NamedData(name=name)
    spec = chart.to_dict(validate=False)
    spec["datasets"] = datasets
    return spec


def chart(where, key: Hashable, build: Callable[[], alt.TopLevelMixin | dict]) -> None:
    """Draw the chart ``build()`` returns (see :func:`vega_spec`), across ``where``'s width, converting it only
    when ``key`` is new.

    ``key`` must name everything the chart shows (the run, its records so far, the step, the options):
    a rerun that changes none of that draws the spec kept from last time. Kept per session, the newest
    :data:`CHART_SPECS_KEPT`.
    """
    specs: dict = st.session_state.setdefault(CHART_SPECS, {})
    spec = specs.pop(key, None)  # popped and put back: the dict's order is the order of last use
    if spec is None:
        spec = vega_spec(build())
    specs[key] = spec
    while len(specs) > CHART_SPECS_KEPT:
        del specs[next(iter(specs))]
    where.vega_lite_chart(spec, width="stretch")
