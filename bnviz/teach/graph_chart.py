"""The computational graph of BN for one entry xᵢ of one feature, drawn with Altair, with the paths lit.

Forward edges run left to right (x → μ_B → σ²_B → x̂ → y → ℓ). A lit path is drawn in its colour; each
edge into xᵢ carries that path's term of ∂ℓ/∂xᵢ and the nodes it passes show their gradients, all
computed from the current toy batch (:func:`bnviz.teach.graph.paths`). Node positions are fixed, in
pixels, so that arrowheads point along their edges.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from bnviz.teach.graph import Paths
from bnviz.teach.stepthrough import Walk

PATH_COLORS = {"direct": "#d62728", "var": "#1f77b4", "mean": "#2ca02c"}  # one colour per path, in every view
IDLE, CUT = "#b5b5b5", "#7f7f7f"
WIDTH, HEIGHT = 960, 270  # the canvas, in pixels: fits the page beside an open sidebar
NODES = {  # name -> (centre x, centre y, width, height) in pixels, y down
    "x": (86, 135, 172, 64),
    "mu": (362, 38, 172, 64),
    "var": (362, 232, 172, 64),
    "xhat": (615, 50, 166, 64),
    "others": (615, 220, 166, 64),
    "y": (838, 50, 146, 64),
    "loss": (932, 135, 44, 44),
}
# edge (from, to) -> the paths it belongs to (the first that is lit colours it), and where its label sits:
# the fraction along the edge and an offset in pixels
EDGES = {
    ("x", "xhat"): (("direct",), 0.5, 10, 16),
    ("x", "mu"): (("mean",), 0.45, -20, -14),
    ("x", "var"): (("var",), 0.45, -28, 14),
    ("mu", "var"): (("mean",), 0.32, 16, 0),
    ("mu", "xhat"): (("mean",), 0.5, 0, 0),
    ("mu", "others"): (("mean",), 0.5, 0, 0),
    ("var", "xhat"): (("var",), 0.5, 0, 0),
    ("var", "others"): (("var",), 0.5, 0, 0),
    ("xhat", "y"): (("direct", "var", "mean"), 0.5, 0, -16),
    ("y", "loss"): (("direct", "var", "mean"), 0.5, 0, 0),
    ("others", "loss"): (("var", "mean"), 0.5, 0, 0),
}


def num(v: float) -> str:
    v = float(v)
    return "0" if v == 0 else f"{v:.3g}".replace("-", "−")


def _clip(a: str, b: str) -> tuple[float, float, float, float]:
    """The segment between the boxes of ``a`` and ``b``, from border to border."""
    (ax, ay, aw, ah), (bx, by, bw, bh) = NODES[a], NODES[b]
    dx, dy = bx - ax, by - ay

    def t(w: float, h: float) -> float:  # the fraction of (dx, dy) inside a box of w x h around its centre
        return min(w / 2 / abs(dx) if dx else math.inf, h / 2 / abs(dy) if dy else math.inf)

    ta, tb = t(aw, ah) + 0.01, t(bw, bh) + 0.03
    return ax + dx * ta, ay + dy * ta, bx - dx * tb, by - dy * tb


def graph_data(w: Walk, p: Paths, feature: int, row: int, lit: tuple[str, ...] = (), constants: bool = False):
    """(nodes, edges) as DataFrames: each node's text, each edge's ends, colour, width, dashing and label."""
    j, i, m = feature, row, w.fwd.m
    f, b = w.fwd, w.bwd

    def on(path: str) -> bool:
        return path in lit and not (constants and path != "direct")

    grads = any(on(path) for path in PATH_COLORS)
    text = {
        "x": [f"xᵢ = {num(f.x[i, j])}"],
        "mu": [f"μ_B = {num(f.batch_mean[j])}"] + ([f"∂ℓ/∂μ_B = {num(b.dmean[j])}"] if on("mean") else []),
        "var": [f"σ²_B = {num(f.batch_var[j])}"] + ([f"∂ℓ/∂σ²_B = {num(b.dvar[j])}"] if on("var") else []),
        "xhat": [f"x̂ᵢ = {num(f.x_hat[i, j])}"] + ([f"∂ℓ/∂x̂ᵢ = {num(b.dx_hat[i, j])}"] if grads else []),
        "others": ["x̂ₖ, yₖ of the", f"other {m - 1} rows"],  # every row's x̂ₖ uses μ_B and σ²_B
        "y": [f"yᵢ = {num(f.y[i, j])}"] + ([f"∂ℓ/∂yᵢ = {num(w.dy[i, j])}"] if grads else []),
        "loss": ["ℓ"],
    }
    if lit:
        text["x"].append(f"∂ℓ/∂xᵢ = {num(sum(float(p.term(n)[i, j]) for n in lit if on(n)))}")
    nodes = pd.DataFrame(
        [
            {
                "node": n,
                "x": x - bw / 2,
                "x2": x + bw / 2,
                "y": y - bh / 2,
                "y2": y + bh / 2,
                "cx": x,
                "cy": y,
                "text": "\n".join(text[n]),
                "lines": len(text[n]),
            }
            for n, (x, y, bw, bh) in NODES.items()
        ]
    )
    labels = {
        ("x", "xhat"): f"÷√(σ²_B+ε): {num(p.direct[i, j])}" if on("direct") else "",
        ("x", "var"): f"×2(xᵢ−μ_B)/m: {num(p.var[i, j])}" if on("var") else "",
        ("x", "mu"): f"×1/m: {num(p.mean[i, j])}" if on("mean") else "",
        ("mu", "var"): f"{num(p.dmean_from_var[j])}" if on("mean") else "",
        ("xhat", "y"): f"×γ = {num(w.gamma[j])}" if grads else "",
    }
    rows = []
    for (a, c), (paths, at, ox, oy) in EDGES.items():
        x1, y1, x2, y2 = _clip(a, c)
        color, width, dash = IDLE, 1.5, False
        if constants and a == "x" and c in ("mu", "var") and any(n in lit for n in paths):
            color, dash = CUT, True
            label = "held constant: no gradient"
        else:
            lit_path = next((n for n in paths if on(n)), None)
            if lit_path:
                color, width = PATH_COLORS[lit_path], 3.5
            label = labels.get((a, c), "")
        angle = math.degrees(math.atan2(x2 - x1, -(y2 - y1)))  # clockwise from "up", for the arrowhead
        rows.append(
            {
                "edge": f"{a}→{c}",
                "x": x1,
                "y": y1,
                "x2": x2,
                "y2": y2,
                "color": color,
                "width": width,
                "dashed": dash,
                "label": label,
                "lx": x1 + at * (x2 - x1) + ox,
                "ly": y1 + at * (y2 - y1) + oy,
                "angle": angle,
            }
        )
    return nodes, pd.DataFrame(rows)


def graph_chart(
    w: Walk, p: Paths, feature: int, row: int, lit: tuple[str, ...] = (), constants: bool = False, large: bool = False
) -> alt.LayerChart:
    """The graph as one layered chart of fixed size (:data:`WIDTH` x :data:`HEIGHT` pixels)."""
    nodes, edges = graph_data(w, p, feature, row, lit, constants)
    size = 16 if large else 13
    nodes["ty"] = nodes["cy"] - (nodes["lines"] - 1) * (size + 5) / 2  # the first line's centre: the block centred
    x = alt.X("x:Q", scale=alt.Scale(domain=[0, WIDTH]), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[0, HEIGHT], reverse=True), axis=None)
    color = alt.Color("color:N", scale=None)
    solid, cut = edges[~edges["dashed"]], edges[edges["dashed"]]
    lines = (
        alt.Chart(solid)
        .mark_rule()
        .encode(
            x=x,
            y=y,
            x2=alt.X2("x2:Q"),
            y2=alt.Y2("y2:Q"),
            color=color,
            strokeWidth=alt.StrokeWidth("width:Q", scale=None),
        )
    )
    cut_lines = (
        alt.Chart(cut)
        .mark_rule(strokeDash=[7, 5], strokeWidth=2)
        .encode(x=x, y=y, x2=alt.X2("x2:Q"), y2=alt.Y2("y2:Q"), color=color)
    )
    heads = (
        alt.Chart(edges)
        .mark_point(shape="triangle-up", filled=True, opacity=1, size=140 if large else 110)
        .encode(
            x=alt.X("x2:Q", scale=alt.Scale(domain=[0, WIDTH]), axis=None),
            y=alt.Y("y2:Q", scale=alt.Scale(domain=[0, HEIGHT], reverse=True), axis=None),
            color=color,
            angle=alt.Angle("angle:Q", scale=None),
        )
    )
    boxes = (
        alt.Chart(nodes)
        .mark_rect(cornerRadius=10, fill="#f4f4f4", stroke="#888888", strokeWidth=1.2)
        .encode(x=x, x2=alt.X2("x2:Q"), y=y, y2=alt.Y2("y2:Q"))
    )
    node_text = (
        alt.Chart(nodes)
        .mark_text(fontSize=size, lineHeight=size + 5, baseline="middle", lineBreak="\n")
        .encode(
            x=alt.X("cx:Q", scale=alt.Scale(domain=[0, WIDTH]), axis=None),
            y=alt.Y("ty:Q", scale=alt.Scale(domain=[0, HEIGHT], reverse=True), axis=None),
            text=alt.Text("text"),
        )
    )
    at = dict(
        x=alt.X("lx:Q", scale=alt.Scale(domain=[0, WIDTH]), axis=None),
        y=alt.Y("ly:Q", scale=alt.Scale(domain=[0, HEIGHT], reverse=True), axis=None),
        text=alt.Text("label:N"),
    )
    labelled = edges[edges["label"] != ""]
    halo = alt.Chart(labelled).mark_text(fontSize=size, fontWeight="bold", stroke="white", strokeWidth=5).encode(**at)
    label = alt.Chart(labelled).mark_text(fontSize=size, fontWeight="bold").encode(color=color, **at)
    return (
        alt.layer(lines, cut_lines, heads, boxes, node_text, halo, label)
        .properties(width=WIDTH, height=HEIGHT)
        .configure_view(stroke=None)
    )
