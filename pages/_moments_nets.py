"""The classroom moments on trained networks: batch-mates (training vs eval mode) and folding BN away.
Not a page (app.py does not list it). The networks train on first use, once per server process."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
import torch

from bnviz import data
from bnviz.live.threads import use_training_threads
from bnviz.teach import batch_mates as B
from bnviz.teach import folding as F
from bnviz.teach import trained as TR
from pages._data import load_dataset
from pages._moments_ui import Ctx, check, data_note, settings, table

ss = st.session_state
FOLD_TOL = 1e-5  # the folded network's logits must equal the eval-mode BN network's within this


@st.cache_resource(show_spinner="Training the network for this moment (once per server, a few seconds)…", max_entries=4)
def _train(kind: str, data_key: str, _dataset: data.Dataset) -> TR.Trained:
    use_training_threads()  # torch on one thread, set once for the server process
    return TR.train_mlp(_dataset) if kind == "mlp" else TR.train_cnn(_dataset)


def network(kind: str) -> TR.Trained:
    """The trained MLP (MNIST) or CNN (CIFAR-10), on synthetic data of the same shape if the real files are missing."""
    name = "mnist" if kind == "mlp" else "cifar10"
    dataset, _ = load_dataset(name)
    if dataset is None:
        dataset = data.synthetic(f"synthetic-{name}")
    return _train(kind, f"{dataset.provenance.source}:{dataset.provenance.sha256}", dataset)


@st.cache_resource(show_spinner=False, max_entries=4)
def _folded(kind: str, data_key: str, _net: TR.Trained) -> tuple[torch.nn.Module, float]:
    use_training_threads()  # torch on one thread, set once for the server process
    folded = F.fold(_net.model)
    return folded, F.max_difference(_net.model, folded, _net.test_x)


def folded(net: TR.Trained) -> tuple[torch.nn.Module, float]:
    return _folded(net.name, f"{net.data_source}:{net.data_label}:{id(net)}", net)


@st.cache_data(show_spinner=False, max_entries=64)
def _accuracy(data_key: str, batch_size: int | None, _net: TR.Trained) -> float:
    use_training_threads()  # torch on one thread, set once for the server process
    return B.accuracy(_net.model, _net.test_x, _net.test_y, batch_size)


def accuracy(net: TR.Trained, batch_size: int | None) -> float:
    return _accuracy(f"{net.data_source}:{net.data_label}:{id(net)}", batch_size, net)


@st.cache_data(show_spinner=False, max_entries=4)
def _most_moved(data_key: str, _net: TR.Trained) -> int:
    use_training_threads()  # torch on one thread, set once for the server process
    return B.most_moved(_net.model, _net.test_x, _net.test_y, range(min(200, len(_net.test_y))), 16, 0)


def most_moved(net: TR.Trained) -> int:
    return _most_moved(f"{net.data_source}:{net.data_label}:{id(net)}", net)


def batch_mates(part: int, ctx: Ctx) -> None:
    net = network("mlp")
    n = len(net.test_y)
    if part == 1:
        return _mates(ctx, net, n)
    c1, c2 = st.columns([2, 3], vertical_alignment="center")
    with c1:
        forgot = st.toggle("Forget model.eval()", key="mom_forgot", persist_state="session")
        size = st.select_slider("test batch size", B.BATCH_SIZES, value=64, key="mom_test_batch", disabled=not forgot)
        acc = accuracy(net, size if forgot else None)
        st.metric(
            "test accuracy" + (f", batches of {size}" if forgot else ", eval mode"),
            f"{acc:.2%}",
            delta=None if not forgot else f"{acc - accuracy(net, None):+.2%} against eval mode",
            delta_color="normal",
        )
    with c2:
        curve = pd.DataFrame({"batch size": list(B.BATCH_SIZES), "accuracy": [accuracy(net, s) for s in B.BATCH_SIZES]})
        line = (
            alt.Chart(curve)
            .mark_line(point=alt.OverlayMarkDef(color="#d62728"), color="#d62728")
            .encode(
                x=alt.X(
                    "batch size:Q", scale=alt.Scale(type="log", base=2), title="test batch size (eval() forgotten)"
                ),
                y=alt.Y("accuracy:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]), title="test accuracy"),
                tooltip=[alt.Tooltip("batch size"), alt.Tooltip("accuracy:Q", format=".2%")],
            )
        )
        rule = (
            alt.Chart(pd.DataFrame({"eval": [accuracy(net, None)]}))
            .mark_rule(color="#7f7f7f", strokeDash=[6, 4])
            .encode(
                y=alt.Y("eval:Q", title="test accuracy"),
                tooltip=[alt.Tooltip("eval:Q", format=".2%", title="eval mode")],
            )
        )
        st.altair_chart((line + rule).properties(height=230 if ctx.present else 280), width="stretch")
    st.caption(
        "Red: training mode, each test batch normalized with its own μ_B, σ²_B · grey dashed: eval mode. "
        "At batch size 1 every x̂ is 0/√ε = 0, so every image gets the same output."
    )
    data_note(f"{net.description}; {n:,} test images", net.data_label, net.data_source)


def _mates(ctx: Ctx, net: TR.Trained, n: int) -> None:
    with settings(ctx, "Image and batch"):
        c1, c2, c3 = st.columns(3)
        index = c1.number_input(
            "test image",
            0,
            n - 1,
            most_moved(net),
            key=f"mom_image_{n}",
            help="The page starts on the image, among the first 200 test images, whose output moves "
            "most with its batch-mates (in batches of 16).",
        )
        size = c2.select_slider("batch size", (2, 4, 8, 16, 32, 64, 128), value=16, key="mom_mates")
        label = int(net.test_y[index])
        cls = c3.selectbox("the one class", range(10), index=(label + 1) % 10, key=f"mom_class_{index}")
    among, eval_probs = B.among_mates(net.model, net.test_x, net.test_y, index, size, 0, cls)
    names = {
        "random test images": "train, random mates",
        "all of one class": f"train, mates all {cls}s",
        "all blank": "train, blank mates",
    }
    series = [(names[a.kind], a.probs) for a in among] + [("eval (any mates)", eval_probs)]
    long = pd.DataFrame(
        [{"setting": s, "class": k, "probability": p.item()} for s, probs in series for k, p in enumerate(probs)]
    )
    picture, chart = st.columns([1, 6], vertical_alignment="center")
    with picture:
        st.image(net.test_images[index, 0].numpy(), width=112, caption=f"test image {index}, a {label}")
    with chart:
        colors = alt.Scale(domain=[s for s, _ in series], range=["#d62728", "#ff9896", "#9467bd", "#7f7f7f"])
        bars = (
            alt.Chart(long)
            .mark_bar()
            .encode(
                x=alt.X("class:O", title="class"),
                xOffset=alt.XOffset("setting:N"),
                y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1])),
                color=alt.Color(
                    "setting:N", scale=colors, title=None, legend=alt.Legend(orient="right", labelFontSize=14)
                ),
                tooltip=[alt.Tooltip("setting"), alt.Tooltip("class"), alt.Tooltip("probability:Q", format=".3f")],
            )
            .properties(height=230 if ctx.present else 260)
        )
        st.altair_chart(bars, width="stretch")
    moved = max((a.probs - eval_probs).abs().max().item() for a in among)
    spread = max((a.probs - b.probs).abs().max().item() for a in among for b in among)
    st.markdown(
        f"The same image, the same weights: in training mode its class probabilities move by up to "
        f"**{spread:.2f}** with its batch-mates; in eval mode they are fixed (training mode differs from them by up "
        f"to {moved:.2f})."
    )
    data_note(net.description, net.data_label, net.data_source)


def folding(part: int, ctx: Ctx) -> None:
    nets = [network("mlp"), network("cnn")]
    if part == 1:
        st.latex(
            r"a = \frac{\gamma}{\sqrt{\mathrm{Var}[x]+\epsilon}},\quad c = \beta - a\,\mathrm{E}[x] \qquad\Rightarrow\qquad "
            r"a\,(W u + b) + c = W' u + b',\quad W' = a\,W,\quad b' = a\,b + c"
        )
        for net in nets:
            model, diff = folded(net)
            check(
                diff <= FOLD_TOL,
                f"{net.name.upper()}: the folded network's logits equal the BN network's in eval mode: "
                f"max |difference| = {diff:.2g} over {len(net.test_y):,} test images (float32; tolerance {FOLD_TOL:g}).",
            )
            data_note(net.description, net.data_label, net.data_source)
        return
    if part == 2:
        if st.button("Measure again", icon=":material/timer:") or "mom_timing" not in ss:
            use_training_threads()  # torch on one thread, set once for the server process
            ss.mom_timing = {
                net.name: F.time_inference(net.model, folded(net)[0], net.test_x[: 500 if net.name == "mlp" else 128])
                for net in nets
            }
        rows = {}
        for net in nets:
            model, t = folded(net)[0], ss.mom_timing[net.name]
            (p_bn, b_bn), (p_f, b_f) = F.count(net.model), F.count(model)
            rows[net.name.upper()] = {
                "parameters with BN": f"{p_bn:,}",
                "+ buffers": f"{b_bn:,}",
                "parameters folded": f"{p_f:,}",
                "+ buffers ": f"{b_f:,}",
                "images per batch": f"{t.batch:,}",
                "ms per batch, BN (eval)": f"{t.bn_seconds * 1e3:.2f}",
                "ms per batch, folded": f"{t.folded_seconds * 1e3:.2f}",
                "BN / folded": f"{t.bn_seconds / t.folded_seconds:.2f}×",
            }
        table(pd.DataFrame(rows).T, fmt="{}")
        t = next(iter(ss.mom_timing.values()))
        st.caption(
            f"Median of {t.repeats} interleaved forward passes of each network on one thread, measured on this machine while "
            "the page was open (other work on it moves these numbers). The folded networks keep every weight "
            "layer; they lose BN's γ, β and its running averages, and BN's extra pass over the activations."
        )
        return
    net = nets[0]
    z = net.model.linears[0](net.test_x[:120]).detach()  # the first layer's W u for two batches of 60 test images
    norm = net.model.norms[0]
    tried = F.fold_with_batch(z[:60], z[60:], norm.weight.detach(), norm.bias.detach(), norm.eps)
    st.latex(
        r"\text{training mode: } a_B = \frac{\gamma}{\sqrt{\sigma_B^2+\epsilon}},\ c_B = \beta - a_B\,\mu_B"
        r"\quad\text{change with every batch}"
    )
    check(
        tried.same_batch < 1e-4,
        f"A fold made from batch A's μ_B, σ²_B reproduces training-mode BN on batch A: "
        f"max |difference| = {tried.same_batch:.2g}.",
    )
    check(
        tried.other_batch < 1e-4,
        f"The same fold on batch B (the next 60 test images) is off by up to "
        f"{tried.other_batch:.3g}: in training mode each batch needs its own a and c, so no fixed W', b' exists.",
    )
    st.markdown(
        "And training needs the gradient through μ_B and σ²_B (the graph moment's paths 2 and 3), which "
        "frozen a, c would cut. Only Algorithm 2's fixed E[x], Var[x] make BN one affine map to fold."
    )
    data_note(f"First hidden layer of {net.description}", net.data_label, net.data_source)
