"""The two shortcuts that build the pages' charts faster give the spec Altair's own calls give (the oracle)."""

import ast
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from bnviz.views import charts, probe_charts

DF = pd.DataFrame(
    {"step": [0, 10, 20, 30], "lo": [0.1, 0.2, 0.3, 0.4], "hi": [0.5, 0.6, 0.7, 0.9], "arm": list("aabb")}
)


def parts(shared: bool):
    base = alt.Chart(DF).encode(x=alt.X("step:Q", axis=charts.STEP_AXIS), color="arm:N")
    other = alt.Chart(DF.iloc[:2]).mark_rule().encode(y="hi:Q") if not shared else base.mark_point().encode(y="hi:Q")
    return base.mark_area().encode(y="lo:Q", y2="hi:Q"), base.mark_line().encode(y="lo:Q"), other


@pytest.mark.parametrize("shared", [True, False])
def test_layer_is_alt_layer_then_properties(shared):
    ours = charts.layer(*parts(shared), title="t", height=200)
    theirs = alt.layer(*parts(shared)).properties(title="t", height=200)
    assert ours.to_dict() == theirs.to_dict()  # validated against the Vega-Lite schema, as Altair does


def test_layer_leaves_its_parts_as_they_were():
    given = parts(True)
    charts.layer(*given)
    assert all(part.data is DF for part in given)


@pytest.mark.parametrize(
    "log,height,legend", [(False, None, {}), (True, 150, {"symbolOpacity": 1}), (False, 150, charts.LEGEND_BELOW)]
)
def test_over_steps_is_the_chain_it_replaces(log, height, legend):
    """Altair's chain, each call a copy, as the oracle; ``over_steps`` sets the same on the chart it is given."""
    chained = charts.layer(*parts(True), title="t", height=200)
    chained = chained.properties(height=height) if height else chained
    chained = charts.fit_width(probe_charts.step_axis(chained, [0, 30], log))
    chained = chained.configure_legend(**legend) if legend else chained
    chart = charts.layer(*parts(True), title="t", height=200)
    assert probe_charts.over_steps(chart, [0, 30], log, height, **legend) is chart
    assert chart.to_dict() == chained.to_dict()


def shorthand_channels(source: str) -> list[str]:
    """``name=value`` arguments of ``.encode(...)`` calls given as a string, or as a list holding one."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "encode":
            for kw in node.keywords:
                items = kw.value.elts if isinstance(kw.value, ast.List | ast.Tuple) else [kw.value]
                if any(
                    isinstance(i, ast.Constant | ast.JoinedStr) and isinstance(getattr(i, "value", ""), str)
                    for i in items
                ):
                    found.append(f"{node.lineno}: {kw.arg}")
    return found


def test_the_charts_give_each_channel_as_an_object_not_a_shorthand_string():
    """Altair turns each shorthand string of ``encode`` into its channel by building a converter over all 568
    schema classes (``SchemaBase.from_dict``, about 6 ms a string): it was a fifth of a replay step's time. The
    channel object itself (``alt.Y2("hi:Q")`` for ``y2="hi:Q"``) is the same object and costs nothing."""
    assert shorthand_channels('c.encode(y2="hi:Q", tooltip=["a:N", alt.Tooltip("b:Q")], x=alt.X("s:Q"))') == [
        "1: y2",
        "1: tooltip",
    ]
    root = Path(charts.__file__).resolve().parents[2]
    found = {
        str(path.relative_to(root)): shorthand
        for path in sorted([*(root / "bnviz").rglob("*.py"), *(root / "pages").glob("*.py")])
        if (shorthand := shorthand_channels(path.read_text()))
    }
    assert found == {}
