"""The classroom moments that ask the student: predict-then-reveal, and the grader for their own BN.
Not a page (app.py does not list it). The grader runs student code only in a separate, limited process
(bnviz.teach.sandbox), and only when this server listens on the loopback address."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from bnviz import experiments
from bnviz.runs import cache
from bnviz.teach import grader as G
from bnviz.teach import grader_examples as E
from bnviz.teach import predict as P
from bnviz.teach import sandbox as SB
from bnviz.views.markdown import literal
from pages._moments_nets import accuracy, network
from pages._moments_ui import Ctx, table

ss = st.session_state
STATUS = {G.AGREES: "✅ agrees", G.DIFFERS: "❌ differs", G.NOT_READ: "— not read"}


def _fig1() -> tuple[str, str] | None:
    exp = experiments.get("mnist-fig1")
    result = cache.find(None, exp.name, exp.key())
    return None if result is None else P.fig1_winner(result)


def predict(part: int, ctx: Ctx) -> None:
    fig1 = _fig1() if part == 6 else None
    forgot = None
    if part == 7:
        net = network("mlp")
        forgot = (accuracy(net, 1), f"{net.description}, on {len(net.test_y):,} test images ({net.data_label})")
    prompt = P.prompts(ctx.walk, fig1, forgot)[part - 1]
    st.markdown(f"**{literal(prompt.question)}**")
    if prompt.answer is None:
        st.info(literal(prompt.explanation), icon=":material/info:")
        return
    key = f"mom_guess_{prompt.key}"
    revealed = ss.get(f"{key}_shown") == _signature(prompt)
    if ctx.predicting and not revealed:
        with st.form(f"{key}_form", border=False):
            if prompt.choices:
                guess = st.radio("Your guess", prompt.choices, index=None, horizontal=True, key=key)
            else:
                guess = st.number_input(
                    "Your guess" + (" (%)" if prompt.percent else ""), value=None, format="%g", key=key
                )
            if st.form_submit_button("Reveal", type="primary", icon=":material/visibility:"):
                if guess is None:
                    st.warning("Make a guess first: type a number or pick an answer.", icon=":material/edit:")
                else:
                    ss[f"{key}_judged"] = P.judge(prompt, guess)
                    ss[f"{key}_shown"] = _signature(prompt)
                    st.rerun()
        return
    if ctx.predicting:
        st.markdown(f"### {_shown(prompt)}")
        st.success(literal(ss.get(f"{key}_judged", "")), icon=":material/target:")
        st.button("Guess again", key=f"{key}_again", on_click=lambda: ss.pop(f"{key}_shown", None))
    else:
        st.markdown(f"### {_shown(prompt)}")
    st.markdown(literal(prompt.explanation))


def _signature(prompt: P.Prompt) -> str:
    """A revealed answer stays revealed only while the question is the same (the batch may change)."""
    return f"{prompt.question}|{prompt.answer}"


def _shown(prompt: P.Prompt) -> str:
    if prompt.choices:
        return f"Answer: {prompt.answer}"
    return f"Answer: {prompt.answer:.2%}" if prompt.percent else f"Answer: {prompt.answer:.4g}"


def grader(part: int, ctx: Ctx) -> None:
    address = st.get_option("server.address")
    if not SB.is_loopback(address):
        st.info(
            f"The grader is off: this app is served on {literal(str(address or 'every network interface'))}, not only on "
            "this computer, and it would run code typed by anyone who can reach it. Run the same check on your own "
            "computer instead: save your forward and backward in my_bn.py, then run **python -m bnviz check my_bn.py** "
            "in this project's folder. (Served on 127.0.0.1, as by default, the box appears here.)",
            icon=":material/lock:",
        )
        st.code(E.TEMPLATE, language="python")
        return
    left, right = st.columns([6, 5], gap="medium")
    with left:
        names = [label for label, _, _ in E.EXAMPLES]
        st.selectbox(
            "Start from",
            ["an empty template", *names],
            key="mom_start",
            on_change=_load_start,
            label_visibility="collapsed",
        )
        ss.setdefault("mom_code", E.TEMPLATE)
        st.text_area(
            "forward(x, gamma, beta, eps) -> (y, cache) and backward(dy, cache) -> (dx, dgamma, dbeta), "
            "NumPy or PyTorch",
            key="mom_code",
            height=300 if ctx.present else 420,
            label_visibility="collapsed" if ctx.present else "visible",
        )
        run = st.button("Check it against the paper", type="primary", icon=":material/play_arrow:", width="stretch")
    with right:
        if run:
            w = ctx.walk
            probes = [SB.Probe("your toy batch", w.fwd.x, w.gamma, w.beta, w.eps, w.dy), *G.random_probes(0)]
            with st.spinner("Running your code in a separate process…"):
                ss.mom_report = G.grade(probes, SB.run(ss.mom_code, probes))
        report = ss.get("mom_report")
        if report is None:
            st.markdown(
                "Write CS231n's two functions (x has shape (m, d)) and check them: the grader runs them on "
                "the toy batch and three random batches, in a separate process with time and memory limits, "
                "and names the first intermediate that differs from the paper's."
            )
            return
        _report(report, ctx)


def _load_start() -> None:
    chosen = ss.mom_start
    ss.mom_code = next((code for label, _, code in E.EXAMPLES if label == chosen), E.TEMPLATE)
    ss.pop("mom_report", None)


def _report(report: G.Report, ctx: Ctx) -> None:
    run = report.run
    if run.message:
        st.error(literal(run.message), icon=":material/timer_off:")
    if run.error:
        st.error(
            literal(f"Your code raised {run.error.get('type')}: {run.error.get('message')}"),
            icon=":material/bug_report:",
        )
        if run.error.get("where"):
            st.code(run.error["where"], language="text")
    if report.rows and run.probes:
        first = report.first
        rows = pd.DataFrame(
            {"": [STATUS[r.status] for r in report.rows], "read from": [r.source for r in report.rows]},
            index=[r.label for r in report.rows],
        )
        if first is not None:
            st.error(
                literal(f"First difference: {first.label}, on {report.probes[first.probe].name}. {first.hint}"),
                icon=":material/search:",
            )
            side = pd.DataFrame(
                G.side_by_side(first, 4 if ctx.present else 8), columns=["where", "yours", "the paper's"]
            )
            st.dataframe(side, hide_index=True, width="stretch")
        elif report.passed:
            st.success(
                "Every intermediate the grader could read agrees with the paper's, on every batch.",
                icon=":material/check_circle:",
            )
        if not ctx.present or first is None:
            table(rows, fmt="{}")
    if run.printed:
        with st.expander("What your code printed"):
            st.code(run.printed, language="text")
