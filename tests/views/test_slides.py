"""A section as a slide: which blocks it shows, and its chart shrunk to the height a 1280x720 slide leaves."""

import altair as alt
import pandas as pd
import pytest

from bnviz.views import slides
from bnviz.views.sections import Chart, Columns, Details, Section, Table, Text, Toggle, Verdicts
from bnviz.views.verdicts import Verdict

DF = pd.DataFrame({"x": [1, 2, 3], "y": [1, 4, 9], "row": ["a", "b", "c"], "col": ["p", "q", "p"]})


def line(height=300, title=""):
    chart = alt.Chart(DF).mark_line().encode(x="x:Q", y="y:Q").properties(height=height)
    return chart.properties(title=title) if title else chart


def test_a_slide_shows_the_first_chart_table_or_switch_else_verdicts_else_text():
    chart, table = Chart(line()), Table(DF)
    verdicts, text = Verdicts((Verdict("A claim", "supports"),)), Text("words")
    assert slides.slide_blocks(Section("s", (text, verdicts, Details("d", (chart,)), table, chart))) == (table,)
    toggle = Toggle("range", on=(chart,), off=(chart,))
    assert slides.slide_blocks(Section("s", (text, toggle, table))) == (toggle,)
    assert slides.slide_blocks(Section("s", (Columns((text,)), verdicts, text))) == (verdicts,)
    assert slides.slide_blocks(Section("s", (text,))) == (text,)
    assert slides.slide_blocks(Section("s")) == ()


@pytest.mark.parametrize(
    "chart",
    [
        line(320, "A title"),
        alt.layer(line(320), line(320)).properties(title="Layered"),
        alt.hconcat(line(400), line(200)),
        alt.vconcat(line(250), line(250)),
        line(150).facet(row="row:N"),  # three rows of panels
        line(150).facet(facet="row:N", columns=2),  # two rows, wrapped
        line(150).facet(row="row:N", column="col:N").resolve_scale(x="independent"),
    ],
)
def test_a_chart_is_shrunk_to_fit_and_keeps_its_kind(chart):
    before = slides.estimated_height(chart)
    fitted = slides.fit_height(chart, 300)
    assert type(fitted) is type(chart)
    assert slides.estimated_height(fitted) <= max(300, 0.5 + before * slides.MIN_SCALE + 200)
    assert slides.estimated_height(fitted) <= 300 + 1 or slides.estimated_height(fitted) < before
    assert slides.estimated_height(chart) == before  # the original is not changed


def test_a_chart_that_fits_is_returned_as_it_is_never_grown():
    chart = line(100)
    assert slides.fit_height(chart, 600) is chart


def test_facet_rows_and_their_axes_count_in_the_estimate():
    one_axis = line(100).facet(row="row:N")
    every_row = line(100).facet(row="row:N").resolve_scale(x="independent")
    assert slides.estimated_height(one_axis) == 3 * 100 + slides.AXIS + 2 * slides.SPACING
    assert slides.estimated_height(every_row) == slides.estimated_height(one_axis) + 2 * slides.AXIS
    wrapped = line(100).facet(facet="row:N", columns=2)
    assert slides.estimated_height(wrapped) == 2 * 100 + slides.AXIS + 2 * slides.HEADER + slides.SPACING


def test_every_plot_of_a_layered_chart_is_shrunk_alike():
    chart = alt.layer(line(320), line(320))
    layered_by_hand = alt.LayerChart(layer=[line(320), line(320)], height=320)
    for fitted in (slides.fit_height(chart, 200), slides.fit_height(layered_by_hand, 200)):
        heights = {fitted.height} | {layer.height for layer in fitted.layer if layer.height is not alt.Undefined}
        assert len(heights) == 1 and heights.pop() < 320
