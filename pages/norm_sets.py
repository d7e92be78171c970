"""What each normalizer averages over: one toy (N, C, H, W) input, the set behind one normalized entry."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from bnviz.teach import norm_sets as N
from bnviz.views.cube import cube_chart
from pages._ui import require_router

require_router()

st.title("What each normalizer averages over")
st.markdown(
    "Every normalizer computes x̂ = (x − μ) / √(σ² + ε). They differ only in **which values μ and σ² are taken "
    "over**. Pick a normalizer and an entry of a toy input of shape (N examples, C channels, H × W positions): "
    "the coloured cells are the values its μ and σ² come from. If that set reaches into other examples, the "
    "output of this example depends on the rest of its mini-batch; the table below says, for every "
    "normalizer, whether it does."
)


def controls() -> tuple[tuple[int, int, int, int], int, int, str, tuple[int, int, int, int]]:
    cols = st.columns([1, 1, 1, 1, 1, 1])
    n = cols[0].number_input("examples N", 1, 6, 3, key="ns_n")
    c = cols[1].number_input("channels C", 1, 8, 4, key="ns_c")
    h = cols[2].number_input("height H", 1, 4, 2, key="ns_h")
    w = cols[3].number_input("width W", 1, 4, 2, key="ns_w")
    divisors = [g for g in range(1, c + 1) if c % g == 0]
    groups = cols[4].selectbox(
        "GroupNorm groups",
        divisors,
        index=min(1, len(divisors) - 1),
        key="ns_groups",
        help="GroupNorm needs a number of groups that divides the channels.",
    )
    seed = cols[5].number_input("seed", 0, 10_000, 0, key="ns_seed")
    kind = (
        st.segmented_control(
            "Normalizer", list(N.KINDS), format_func=lambda k: N.KINDS[k][0], default="bnviz", key="ns_kind"
        )
        or "bnviz"
    )
    pick = st.columns(4)
    entry = (
        pick[0].number_input("entry: example", 0, n - 1, min(1, n - 1), key="ns_en"),
        pick[1].number_input("channel", 0, c - 1, min(2, c - 1), key="ns_ec"),
        pick[2].number_input("row h", 0, h - 1, 0, key="ns_eh"),
        pick[3].number_input("column w", 0, w - 1, 0, key="ns_ew"),
    )
    return (n, c, h, w), groups, seed, kind, entry


def toy_input(shape: tuple[int, int, int, int], seed: int) -> torch.Tensor:
    """Values with one decimal, so a student can redo μ and σ² by hand; each channel has its own offset."""
    g = torch.Generator().manual_seed(seed)
    offsets = torch.arange(shape[1], dtype=torch.float64).view(1, -1, 1, 1)
    return (torch.randn(shape, generator=g, dtype=torch.float64) + offsets).round(decimals=1)


shape, groups, seed, kind, entry = controls()
x = toy_input(shape, seed)
mask = N.averaging_mask(kind, shape, entry, groups)
one = N.normalize_entry(kind, x, entry, groups)

st.subheader(f"{N.KINDS[kind][0]}: {N.KINDS[kind][1]}")
st.altair_chart(cube_chart(N.cube_frame(x, mask, entry), kind), width="content")
m = st.columns(5)
m[0].metric("values in the set", f"{len(one.values)}")
m[1].metric("μ", f"{one.mean:.4f}")
m[2].metric("σ² (biased)", f"{one.var:.4f}")
m[3].metric("x at the outlined entry", f"{one.x:.1f}")
m[4].metric("x̂ = (x − μ)/√(σ² + ε)", f"{one.x_hat:.4f}")
depends = "**depends**" if one.uses_other_examples else "does **not** depend"
st.markdown(f"This output {depends} on the other examples in the mini-batch.")
if kind == "renorm":
    st.caption(
        "Batch Renorm normalizes over BN's set and then applies r = σ_B/σ and d = (μ_B − μ)/σ from the running "
        "statistics (clipped, and constant in the backward pass), so in training its output also leans toward "
        "what the population looks like. The numbers above are its BN part, before r and d."
    )
st.caption("The set's values: " + ", ".join(f"{v:.1f}" for v in one.values.tolist()))

st.subheader("The same entry under every normalizer")
rows = []
for k, (name, _) in N.KINDS.items():
    e = N.normalize_entry(k, x, entry, groups)
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
st.dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    column_config={c: st.column_config.NumberColumn(c, format="%.4f") for c in ("μ", "σ²", "x̂")},
)
st.caption(
    "With one example (N = 1) BN's set is the example's own channel, the same as InstanceNorm's: a batch "
    "of one gives BN nothing from other examples to average over. How much small batches cost BN in training "
    "is a question for an experiment, not this page."
)
