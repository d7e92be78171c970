"""Home: what Batch Normalization does, and what each page teaches."""

import streamlit as st

from pages import _home_slide as H
from pages import _present
from pages._ui import require_router
from pages._warm_up import warm_up

require_router()

ss = st.session_state
TITLE = "Batch Normalization, step by step"
if "home_url" not in ss:  # ?present=1, read on the page's first run in a session
    ss.home_url, ss.home_present = True, st.query_params.get("present") in ("1", "true")
present = bool(ss.get("home_present"))
_present.begin(present)
if present:
    with _present.slide(TITLE, 0, 1, lambda delta: None):
        H.slide()
        _present.footer("Home", "home_present")
    params = {"present": "1"}
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    _present.land()
    st.stop()
if st.query_params.to_dict():
    st.query_params.clear()

head, switch = st.columns([5, 1.3], vertical_alignment="bottom")
head.title(TITLE)
with switch:
    _present.switch("home_present")
H.picture()
H.start_lecture()
st.markdown(
    """
**Batch Normalization** (BN) normalizes the input of every layer over each mini-batch: it
subtracts the batch mean, divides by the batch standard deviation, then lets the network
re-scale and re-shift the result with two learned numbers per feature, γ and β. The paper
argues that this keeps each layer's input distribution stable while the layers below it
learn, so a network trains faster, tolerates higher learning rates and cares less about how
its weights were initialized.
"""
)

st.subheader("What each page teaches")
cols = st.columns(2)
with cols[0]:
    st.page_link("pages/lecture.py", label="**Lecture**", icon=":material/co_present:")
    st.caption(
        "The pages below as one lecture, slide by slide with ← and →, from a plain text file a lecturer can edit "
        "(lectures/bn.toml): Algorithms 1 and 2, the normalizers, the paper's experiments and why BN works."
    )
    st.page_link("pages/algorithm.py", label="**Algorithm 1, step by step**", icon=":material/calculate:")
    st.caption(
        "Edit a toy batch and walk through the mean, the variance, the normalization and the "
        "scale and shift; then the paper's backward pass, checked live against autograd, and "
        "Algorithm 2's inference map."
    )
    st.page_link("pages/norm_sets.py", label="**What each normalizer averages over**", icon=":material/grid_view:")
    st.caption(
        "One toy (N, C, H, W) input: the values BN, LayerNorm, InstanceNorm, GroupNorm and Batch Renorm "
        "average over for one entry, highlighted, with their μ, σ² and x̂, and which of them depend on the batch."
    )
    st.page_link("pages/activations.py", label="**Activations while training**", icon=":material/monitoring:")
    st.caption(
        "Train a network with and without BN side by side and watch each layer's input "
        "distribution, the paper's Figure 1(b,c) percentiles, and sigmoid saturation."
    )
with cols[1]:
    st.page_link("pages/experiments.py", label="**The paper's experiments**", icon=":material/science:")
    st.caption(
        "MNIST Figure 1(a), a CIFAR-10 CNN and a learning-rate by init-scale grid, from "
        "recorded runs or trained live on this computer, beside the paper's numbers."
    )
    st.page_link("pages/practice.py", label="**BN in practice**", icon=":material/build:")
    st.caption(
        "Beyond the paper, on real MNIST: BN and its alternatives from batch 2 to 128, momentum conventions of "
        "the running averages, and BN before or after the nonlinearity, each with verdicts from the runs."
    )
    st.page_link("pages/why.py", label="**Why does BN work?**", icon=":material/psychology:")
    st.caption(
        "The paper's explanation, internal covariate shift, put to the test: noisy BN, ICS measured directly, "
        "the loss landscape, learning rates on a deeper network and deep sigmoid networks, on real MNIST runs."
    )
    st.page_link("pages/code.py", label="**The code**", icon=":material/code:")
    st.caption("The real source of bnviz's BN forward and backward, next to the equations it implements.")

st.divider()
st.markdown(
    "Sergey Ioffe and Christian Szegedy. *Batch Normalization: Accelerating Deep Network Training by "
    "Reducing Internal Covariate Shift.* ICML 2015. [arXiv:1502.03167](https://arxiv.org/abs/1502.03167)"
)
_present.land()
warm_up()  # last: Home is drawn; the other pages' imports load in the background
