"""What each normalizer averages over: one toy (N, C, H, W) input, the set behind one normalized entry.

The view is in the URL (:mod:`bnviz.teach.cube_links`); ``?present=1`` shows one normalizer per slide.
"""

from __future__ import annotations

import streamlit as st

from bnviz.teach import cube_links as C
from bnviz.teach import norm_sets as N
from bnviz.views.markdown import literal
from pages import _cube, _present
from pages._ui import require_router

require_router()

ss = st.session_state
KINDS = list(N.KINDS)
SIZE_KEYS = {"n": "ns_n", "c": "ns_c", "h": "ns_h", "w": "ns_w"}
ENTRY_KEYS = ("ns_en", "ns_ec", "ns_eh", "ns_ew")
CUBE_ANCHOR = "cube"


def apply_url() -> None:
    """A pasted link sets the page's state, on its first run in a session only (then the page owns its URL)."""
    if "ns_url" in ss:
        return
    ss.ns_url = True
    params = st.query_params.to_dict()
    if not params:
        return
    state, ss.ns_ignored = C.parse(params)
    set_state(state)
    if state.present:
        _present.ask_to_land(None)


def set_state(state: C.CubeState) -> None:
    for field, key in SIZE_KEYS.items():
        ss[key] = getattr(state, field)
    ss.ns_groups, ss.ns_seed, ss.ns_kind, ss.ns_present = state.the_groups(), state.seed, state.kind, state.present
    for key, value in zip(ENTRY_KEYS, state.the_entry()):
        ss[key] = value


def controls() -> C.CubeState:
    """The sizes, groups, seed, normalizer and entry; their values start from the defaults or a link."""
    defaults = C.CubeState()
    for field, key in SIZE_KEYS.items():
        ss.setdefault(key, getattr(defaults, field))
    ss.setdefault("ns_seed", 0)
    cols = st.columns(6)
    sizes = [
        cols[i].number_input(label, *C.SIZES[field][:2], key=SIZE_KEYS[field])
        for i, (field, label) in enumerate(C.WHAT.items())
    ]
    n, c, h, w = (int(v) for v in sizes)
    if ss.get("ns_groups") not in C.divisors(c):
        ss.ns_groups = C.default_groups(c)
    groups = cols[4].selectbox(
        "GroupNorm groups", C.divisors(c), key="ns_groups", help="GroupNorm needs a number of groups that divides C."
    )
    seed = cols[5].number_input("seed", *C.SEED_RANGE, key="ns_seed")
    ss.setdefault("ns_kind", "bnviz")
    kind = st.segmented_control("Normalizer", KINDS, format_func=lambda k: N.KINDS[k][0], key="ns_kind") or "bnviz"
    pick = st.columns(4)
    entry = []
    for col, key, size, label, start in zip(
        pick, ENTRY_KEYS, (n, c, h, w), ("entry: example", "channel", "row h", "column w"), C.default_entry(n, c)
    ):
        ss[key] = min(ss.get(key, start), size - 1)  # a smaller cube keeps the entry inside it
        entry.append(int(col.number_input(label, 0, size - 1, key=key)))
    return C.state_of(kind, (n, c, h, w), groups, seed, entry, bool(ss.get("ns_present")))


def _go(delta: int) -> None:
    ss.ns_kind = KINDS[min(max(KINDS.index(ss.ns_kind) + delta, 0), len(KINDS) - 1)]
    _present.ask_to_land(None if ss.get("ns_present") else CUBE_ANCHOR)


apply_url()
present = bool(ss.get("ns_present"))
_present.begin(present)
if present:
    notice, main = st.container(), st.container()
    controls_box = st.expander("The toy input and the entry (the page's controls)")
else:
    head, switch = st.columns([5, 1.3], vertical_alignment="bottom")
    head.title("What each normalizer averages over")
    with switch:
        _present.switch("ns_present", lambda: CUBE_ANCHOR)
    st.markdown(
        "Every normalizer computes x̂ = (x − μ) / √(σ² + ε). They differ only in **which values μ and σ² are "
        "taken over**. Pick a normalizer and an entry of a toy input of shape (N examples, C channels, H × W "
        "positions): the coloured cells are the values its μ and σ² come from. If that set reaches into other "
        "examples, the output of this example depends on the rest of its mini-batch; the table below says, for "
        "every normalizer, whether it does."
    )
    notice, controls_box, main = st.container(), st.container(), st.container()
with notice:
    if ignored := ss.pop("ns_ignored", None):
        st.warning(
            "This link asked for settings the page cannot use; their defaults are shown instead: "
            + "; ".join(literal(part) for part in ignored)
            + ".",
            icon=":material/link_off:",
        )
with controls_box:
    state = controls()

with main:
    if present:
        i = KINDS.index(state.kind)
        with _present.slide(N.KINDS[state.kind][0], i, len(KINDS), _go):
            _cube.slide(state, _cube.SLIDE_CHART)
            _present.footer(
                f"What each normalizer averages over · {i + 1} of {len(KINDS)}", "ns_present", lambda: CUBE_ANCHOR
            )
    else:
        st.subheader(_cube.title(state.kind), anchor=CUBE_ANCHOR)
        one = _cube.chart(state)
        m = st.columns(5)
        m[0].metric("values in the set", f"{len(one.values)}")
        m[1].metric("μ", f"{one.mean:.4f}")
        m[2].metric("σ² (biased)", f"{one.var:.4f}")
        m[3].metric("x at the outlined entry", f"{one.x:.1f}")
        m[4].metric("x̂ = (x − μ)/√(σ² + ε)", f"{one.x_hat:.4f}")
        st.markdown(_cube.depends(one))
        if state.kind == "renorm":
            st.caption(_cube.RENORM_NOTE)
        st.caption("The set's values: " + ", ".join(f"{v:.1f}" for v in one.values.tolist()))
        st.subheader("The same entry under every normalizer")
        st.dataframe(
            _cube.every_normalizer(state),
            hide_index=True,
            column_config={c: st.column_config.NumberColumn(c, format="%.4f") for c in ("μ", "σ²", "x̂")},
        )
        st.caption(
            "With one example (N = 1) BN's set is the example's own channel, the same as InstanceNorm's: a batch "
            "of one gives BN nothing from other examples to average over. How much small batches cost BN in "
            "training is a question for an experiment, not this page."
        )
params = C.to_params(state)
if st.query_params.to_dict() != params:
    st.query_params.from_dict(params)
_present.land()
