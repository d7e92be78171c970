"""Charts drawn from Vega-Lite specs kept per session, so a rerun that changes nothing converts nothing. Not a page."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pages._kept import kept

if TYPE_CHECKING:
    import altair as alt

CHART_SPECS = "_chart_specs"  # session_state: recently drawn charts' Vega-Lite specs, by what they show
CHART_SPECS_KEPT = 96
SHARED_KEPT = 256  # specs of recorded runs, shared by every session of this server


@dataclass(frozen=True)
class Recording:
    """A recorded result's file as it is now: a chart key that starts with one shows what that file holds,
    which no session changes, so its spec is shared by every session (a new tab, the presenter view)."""

    path: str
    mtime_ns: int


_shared: OrderedDict = OrderedDict()  # key -> spec, in the order of last use
_shared_lock = threading.Lock()  # the sessions' script threads share it


def vega_spec(chart) -> dict:
    """An Altair chart, or a Vega-Lite dict whose ``datasets`` hold DataFrames, as the spec
    ``st.vega_lite_chart`` takes, its data as Arrow tables.

    For an Altair chart this is the spec ``st.altair_chart`` makes, dataset names included (tested against it
    in tests/pages/test_chart_specs.py), made without what makes that slow or unsafe to share: the spec is not
    validated again (the chart functions' JSON is tested in tests/), and no global Altair state (the data
    transformer, the theme) is switched, so sessions' threads may convert at once. Each DataFrame (in layers,
    concatenations and facets too) is swapped for its named dataset while ``to_dict`` runs, then put back: the
    chart is left as it was, but one chart object must not be converted by two threads at once (each session
    builds its own, or gets its own copy from ``st.cache_data``).
    """
    import altair as alt
    import pandas as pd
    from streamlit import dataframe_util
    from streamlit.util import calc_hash

    if isinstance(chart, dict):
        tables = {name: dataframe_util.convert_anything_to_arrow_bytes(d) for name, d in chart["datasets"].items()}
        return {**chart, "datasets": tables}

    def _attribute(part, name: str):  # None where unset (Altair's Undefined)
        value = getattr(part, name, None)
        return None if value is alt.Undefined else value

    datasets, swapped = {}, []
    parts = [chart]
    while parts:
        part = parts.pop()
        for children in ("layer", "hconcat", "vconcat", "concat"):
            parts.extend(_attribute(part, children) or [])
        inner = _attribute(part, "spec")  # a facet's or a repeat's chart
        if inner is not None and hasattr(inner, "to_dict"):
            parts.append(inner)
        data = _attribute(part, "data")
        if isinstance(data, pd.DataFrame):
            table = dataframe_util.convert_anything_to_arrow_bytes(data)
            name = calc_hash(table)  # Streamlit's name for it
            datasets[name] = table
            swapped.append((part, data))
            part.data = alt.NamedData(name=name)
    try:  # not as the top level: Altair adds no theme (Streamlit's conversion turns it off)
        spec = chart.to_dict(validate=False, context={"top_level": False})
    finally:
        for part, data in reversed(swapped):
            part.data = data
    spec["$schema"] = alt.SCHEMA_URL
    spec["datasets"] = datasets
    return spec


def chart(where, key: Hashable, build: Callable[[], alt.TopLevelMixin | dict], width: str = "stretch") -> None:
    """Draw the chart ``build()`` returns (see :func:`vega_spec`), ``width`` as ``st.vega_lite_chart`` takes it
    (across ``where``'s width by default), converting it only when ``key`` is new.

    ``key`` must name everything the chart shows (the run, its records so far, the step, the options):
    a rerun that changes none of that draws the spec kept from last time. Kept per session, the newest
    :data:`CHART_SPECS_KEPT`.
    """
    shared = isinstance(key, tuple) and bool(key) and isinstance(key[0], Recording)
    spec = kept(CHART_SPECS, key, lambda: _shared_spec(key, build) if shared else vega_spec(build()), CHART_SPECS_KEPT)
    where.vega_lite_chart(spec, width=width)


def _shared_spec(key: tuple, build: Callable[[], alt.TopLevelMixin | dict]) -> dict:
    """The spec of a recorded run's chart, converted once per server (the newest :data:`SHARED_KEPT`)."""
    with _shared_lock:
        spec = _shared.pop(key, None)
    if spec is None:
        spec = vega_spec(build())  # outside the lock: two sessions at once may both convert it, once each
    with _shared_lock:
        _shared[key] = spec
        while len(_shared) > SHARED_KEPT:
            _shared.popitem(last=False)
    return spec
