"""pages/_chart_specs.py: the specs the pages draw are the ones ``st.altair_chart`` would make (its converter is
the oracle), the charts they come from are left as they were, and a rerun converts nothing again."""

import os
import shutil
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from experiment_pages import open_page
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec as streamlit_spec

from pages import _chart_specs, _results

pytestmark = pytest.mark.usefixtures("shipped")


@pytest.fixture
def converted(monkeypatch) -> list:
    """The charts ``vega_spec`` converts from now on (the server's shared specs start empty)."""
    charts = []
    real = _chart_specs.vega_spec
    monkeypatch.setattr(_chart_specs, "vega_spec", lambda chart: charts.append(chart) or real(chart))
    monkeypatch.setattr(_chart_specs, "_shared", type(_chart_specs._shared)())
    return charts


def same_as_streamlits(chart) -> None:
    """``vega_spec`` first, then Streamlit's conversion of the same object: a chart ``vega_spec`` changed (a
    DataFrame left swapped for its name) would give Streamlit no data to convert, and the two would differ."""
    ours = _chart_specs.vega_spec(chart)
    assert ours == streamlit_spec(chart)


def shape(chart) -> str:
    """How a chart is put together, e.g. ``FacetChart(LayerChart(Chart,Chart))``: where its data can sit."""
    inner = [getattr(chart, name, alt.Undefined) for name in ("layer", "hconcat", "vconcat", "concat")]
    parts = [c for group in inner if group is not alt.Undefined for c in group]
    spec = getattr(chart, "spec", alt.Undefined)
    parts += [spec] if spec is not alt.Undefined and hasattr(spec, "to_dict") else []
    return f"{type(chart).__name__}({','.join(shape(p) for p in parts)})" if parts else type(chart).__name__


@pytest.mark.parametrize("page", ["activations", "algorithm", "practice"])
def test_the_charts_a_page_builds_convert_as_streamlit_would(page, converted, monkeypatch):
    """The charts a page builds from the shipped results (the replay's, the step-through's, the experiments'
    sections), one of each shape: Streamlit's conversion validates, so all of them would take seconds."""
    open_page(f"pages/{page}.py")
    monkeypatch.undo()  # the checks below call the real one
    shapes = {shape(chart): chart for chart in converted if not isinstance(chart, dict)}
    assert shapes
    for chart in shapes.values():
        same_as_streamlits(chart)


def test_a_chart_of_each_shape_is_left_with_its_data_and_converts_as_streamlit_would():
    a, b = pd.DataFrame({"x": [1, 2], "y": [3, 4]}), pd.DataFrame({"y": [0.5]})
    line = alt.Chart(a).mark_line().encode(x="x:Q", y="y:Q")
    rule = alt.Chart(b).mark_rule().encode(y="y:Q")
    layered = alt.layer(line, rule)
    shapes = [
        line,
        layered,
        line.facet(column="x:N"),
        alt.layer(line, line.mark_point()).facet(row="x:N"),  # a facet's data sits at its top
        alt.hconcat(layered, line.facet(column="x:N")),
        alt.vconcat(line, rule),
        alt.concat(line, rule, columns=1),
    ]
    for chart in shapes:
        spec = _chart_specs.vega_spec(chart)
        assert spec == streamlit_spec(chart), shape(chart)
        assert all(isinstance(table, bytes) for table in spec["datasets"].values())
    assert layered.layer[0].data is a and layered.layer[1].data is b  # put back, not copies
    assert set(_chart_specs.vega_spec(layered)["datasets"]) == set(streamlit_spec(layered)["datasets"])
    assert len(_chart_specs.vega_spec(layered)["datasets"]) == 2


def test_a_rerun_of_an_experiment_page_converts_no_chart(converted):
    """The specs of a cached result's charts are kept for the server: a rerun (any click) draws them as they are."""
    at = open_page("pages/practice.py")
    first = len(converted)
    drawn = len(at.get("vega_lite_chart"))
    at.run()
    assert first >= drawn > 0 and len(converted) == first
    at = open_page("pages/practice.py")  # a new session (another tab, the presenter's screen)
    assert len(converted) == first and len(at.get("vega_lite_chart")) == drawn


def test_a_result_file_made_again_is_converted_again(shipped, tmp_path, monkeypatch, converted):
    """The kept specs are keyed by the file's version: a result trained again draws its new charts."""
    name = "train-vs-eval"  # the smallest shipped result on the page
    listing, _ = _results._scan(str(shipped), ())
    original = Path(listing[name][0]["path"])
    path = tmp_path / original.name
    shutil.copy(original, path)
    monkeypatch.setenv("BNVIZ_CACHE_DIR", str(tmp_path))
    open_page("pages/practice.py")
    first = len(converted)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # written again, the same numbers
    open_page("pages/practice.py")
    assert first > 0 and len(converted) == 2 * first
