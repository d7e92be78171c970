"""The normalizer cube as the page and a lecture slide draw it: one toy (N, C, H, W) input, the set of values
a normalizer averages over for one entry, and what that entry comes to. Not a page."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from bnviz.teach import norm_sets as N
from bnviz.teach.cube_links import CubeState
from bnviz.views.cube import SPACING, cube_chart

RENORM_NOTE = (
    "Batch Renorm normalizes over BN's set and then applies r = σ_B/σ and d = (μ_B − μ)/σ from the running "
    "statistics (clipped, and constant in the backward pass), so in training its output also leans toward "
    "what the population looks like. The numbers above are its BN part, before r and d."
)


def toy_input(shape: tuple[int, int, int, int], seed: int) -> torch.Tensor:
    """Values with one decimal, so a student can redo μ and σ² by hand; each channel has its own offset."""
    g = torch.Generator().manual_seed(seed)
    offsets = torch.arange(shape[1], dtype=torch.float64).view(1, -1, 1, 1)
    return (torch.randn(shape, generator=g, dtype=torch.float64) + offsets).round(decimals=1)


def title(kind: str) -> str:
    return f"{N.KINDS[kind][0]}: {N.KINDS[kind][1]}"


def depends(one: N.Entry) -> str:
    verb = "**depends**" if one.uses_other_examples else "does **not** depend"
    return f"This output {verb} on the other examples in the mini-batch."


def numbers(one: N.Entry) -> str:
    return (
        f"{len(one.values)} values in the set · μ = {one.mean:.4f} · σ² = {one.var:.4f} (biased) · "
        f"x = {one.x:.1f} at the outlined entry · x̂ = (x − μ)/√(σ² + ε) = {one.x_hat:.4f}"
    )


CELL, MIN_CELL = 46, 6  # a value's square, in pixels: as drawn, and the smallest a slide shrinks it to
AROUND_CELLS = 80  # the channel headers and the legend below the cube
SLIDE_CHART = 310  # pixels a slide leaves for the cube


def chart(state: CubeState, height: float | None = None) -> N.Entry:
    """The cube with ``state.kind``'s set highlighted, its squares shrunk so that it is about ``height`` pixels tall
    (if given); returns the entry."""
    x = toy_input(state.shape, state.seed)
    entry = state.the_entry()
    mask = N.averaging_mask(state.kind, state.shape, entry, state.the_groups())
    cell = CELL
    if height is not None:  # N rows of H squares each, SPACING between the rows
        room = height - AROUND_CELLS - SPACING * (state.n - 1)
        cell = int(min(CELL, max(MIN_CELL, room / (state.n * state.h))))
    st.altair_chart(cube_chart(N.cube_frame(x, mask, entry), state.kind, cell=cell), width="content")
    return N.normalize_entry(state.kind, x, entry, state.the_groups())


def slide(state: CubeState, height: float) -> None:
    """A slide's body: what the set is and whether the entry depends on the batch, the cube, and its numbers."""
    x = toy_input(state.shape, state.seed)
    one = N.normalize_entry(state.kind, x, state.the_entry(), state.the_groups())
    verb = "depends" if one.uses_other_examples else "does not depend"
    st.markdown(f"**μ and σ² come from {N.KINDS[state.kind][1]}: this output {verb} on the other examples.**")
    chart(state, height)
    st.caption(numbers(one) + (" · Batch Renorm: its BN part, before r and d" if state.kind == "renorm" else ""))


def every_normalizer(state: CubeState) -> pd.DataFrame:
    """The same entry under every normalizer: its set's size, μ, σ², x̂, and whether it depends on the batch."""
    x = toy_input(state.shape, state.seed)
    rows = []
    for k, (name, _) in N.KINDS.items():
        e = N.normalize_entry(k, x, state.the_entry(), state.the_groups())
        rows.append(
            {
                "normalizer": name,
                "values in the set": len(e.values),
                "μ": e.mean,
                "σ²": e.var,
                "x̂": e.x_hat,
                "depends on other examples": "yes" if e.uses_other_examples else "no",
            }
        )
    return pd.DataFrame(rows)
