"""What a reader sees on a page in AppTest, looked through for machine names (issue #27, item 6): norm kinds
("bnviz", "none") where a name belongs, column names such as "l2", "cos", "relative", "norm", "position",
True/False where yes/no belongs, and "before g / after g" with g never defined. Charts are read from their
Vega-Lite specs: an axis or legend whose title is a machine name, a legend that lists norm kinds."""

from __future__ import annotations

import json
import re

MACHINE_COLUMNS = {"l2", "cos", "relative", "norm", "position", "in_set", "holds"}
NORM_KINDS = {"bnviz", "none"}
UNDEFINED_G = re.compile(r"\b(?:before|after) g\b")
G_DEFINED = re.compile(r"\bg\s*(?:=|is|:|\()|nonlinearity g|\bg\b[^.]{0,40}\bnonlinearity")


def table_problems(df) -> list[str]:
    out = []
    for column in df.columns:
        name = str(column)
        if name.strip().lower() in MACHINE_COLUMNS:
            out.append(f"column {name!r}")
        values = df[column]
        if values.dtype == bool or set(map(str, values.dropna().unique())) & {"True", "False"}:
            out.append(f"True/False in column {name!r}")
        kinds = set(map(str, values.dropna().unique())) & NORM_KINDS
        if kinds:
            out.append(f"norm kind {sorted(kinds)} in column {name!r}")
    return out


def text_problems(text: str) -> list[str]:
    if UNDEFINED_G.search(text) and not G_DEFINED.search(text):
        return [f"'{UNDEFINED_G.search(text).group(0)}' with g not defined"]
    return []


def chart_problems(spec: dict) -> list[str]:
    """Axis and legend titles that are machine names, across the layers of each view (their titles merge)."""
    out: list[str] = []

    def channels(view: dict) -> list[tuple[str, dict]]:
        found = [(k, e) for k, e in (view.get("encoding") or {}).items() if isinstance(e, dict)]
        for layer in view.get("layer") or []:
            found += channels(layer)
        return found

    def view_problems(view: dict) -> None:
        by_channel: dict[str, list[dict]] = {}
        for k, e in channels(view):
            if k in ("x", "y", "color", "shape", "strokeDash", "row", "column", "facet"):
                by_channel.setdefault(k, []).append(e)
        for k, encodings in by_channel.items():
            titled = [e for e in encodings if "title" in e]
            shown = not all(e.get("axis", 1) is None or e.get("legend", 1) is None for e in encodings)
            fields = {e.get("field") for e in encodings if e.get("field")}
            if shown and not titled and fields & MACHINE_COLUMNS:
                out.append(f"{k} titled {sorted(fields & MACHINE_COLUMNS)}")
            if shown and k == "color" and "norm" in fields and not any(e.get("legend", 1) is None for e in encodings):
                out.append("a legend of norm kinds")

    def walk(node) -> None:
        if isinstance(node, dict):
            if "encoding" in node or "layer" in node:
                view_problems(node)
            for key in ("spec", "hconcat", "vconcat", "concat"):
                if key in node:
                    walk(node[key])
        elif isinstance(node, list):
            for n in node:
                walk(n)

    walk(spec)
    return out


def page_problems(at) -> list[str]:
    """Every machine name a reader would see on the page ``at`` shows."""
    out = []
    for df in at.dataframe:
        out += table_problems(df.value)
    for table in at.table:
        out += table_problems(table.value)
    texts = [
        e.value
        for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "success", "error")
        for e in getattr(at, kind)
    ]
    texts += [e.label for e in at.expander] + [t.label for t in at.tabs] + [m.label for m in at.metric]
    for text in texts:
        out += text_problems(str(text))
    for chart in at.get("vega_lite_chart"):
        out += chart_problems(json.loads(chart.proto.spec))
    return out
