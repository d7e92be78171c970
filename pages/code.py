"""The code: bnviz's Batch Normalization, read from its source at run time, beside the paper's equations.

The code is shown without its docstrings: the equations they hold are rendered beside it. ``?present=1``
shows the forward and the backward pass as two slides (``&slide=2`` the second).
"""

import streamlit as st

from bnviz.norms import batch_norm as L
from bnviz.norms import bn_fused, bn_steps
from bnviz.teach.code_view import source
from bnviz.teach.query import Reader, read_flag, read_int
from bnviz.teach.stepthrough import docstring_equations
from bnviz.views.markdown import literal
from pages import _present
from pages._code_slides import SLIDES, slide_body
from pages._ui import require_router

require_router()

ss = st.session_state
# The weight of a new batch in the running averages: the return line of _BatchNorm._count_batch.
MOMENTUM_FACTOR = r"f = \text{momentum, or } \tfrac{1}{k} \text{ at batch } k \text{ if None}"
# Code up to this many characters a line sits beside its equations; longer code takes the page's width
# under them, so that no line wraps.
SIDE_BY_SIDE_CHARS = 88


def block(obj, note: str, equations: list[str] | None = None) -> None:
    """The source of ``obj`` (without docstrings) beside, or under, the note and the equations it implements."""
    name = getattr(obj, "__qualname__", obj.__name__)
    equations = docstring_equations(obj) if equations is None else equations
    st.markdown(f"#### `{obj.__module__}.{name}`")
    code = source(obj)
    if max(map(len, code.splitlines())) <= SIDE_BY_SIDE_CHARS:
        left, right = st.columns([2.2, 1], gap="medium")
        left.code(code, language="python", line_numbers=True)
        with right:
            st.markdown(note)
            for equation in equations:
                st.latex(equation)
    else:
        st.markdown(note)
        for equation in equations:
            st.latex(equation)
        st.code(code, language="python", line_numbers=True)


def teaching_form() -> None:
    st.caption(
        "The teaching form: every quantity the paper names is computed and kept. The step-by-step page runs these."
    )
    block(
        bn_steps.forward_steps,
        "**Algorithm 1** (Batch Normalizing Transform, Section 3): the four lines of the algorithm, each "
        "under a comment that repeats its equation. `m` is the number of values a feature sees.",
    )
    block(
        bn_steps.backward_steps,
        "**Section 3, the backward pass**: the six chain-rule equations printed after Algorithm 1, one "
        "statement each, in the paper's order. No autograd here; the tests compare it with autograd.",
    )


def fast_path() -> None:
    st.caption(
        "The same math arranged to touch the data as few times as possible; the tests hold it equal to the teaching form."
    )
    block(
        L.BatchNormFunction,
        "A `torch.autograd.Function`: **forward** is Algorithm 1 (through `train_forward`) and, like "
        "`torch.nn.functional.batch_norm`, moves the running averages in place; **backward** "
        "is the paper's gradient in closed form, so autograd only calls it.",
        docstring_equations(bn_fused.closed_form_backward),
    )
    block(
        bn_fused.batch_stats, "**Algorithm 1, lines 1-2**: the mini-batch mean and the *biased* variance, two passes."
    )
    block(
        bn_fused.train_forward,
        "**Algorithm 1, lines 3-4** fused: x̂ is never stored, y = (x − μ_B)·γ/√(σ²_B + ε) + β is one "
        "multiply-add per value.",
        [r"y_i = (x_i-\mu_B)\cdot\frac{\gamma}{\sqrt{\sigma_B^2+\epsilon}} + \beta"],
    )
    block(
        bn_fused.closed_form_backward,
        "**Section 3's gradients substituted into each other**: two reductions per feature (∂ℓ/∂β and "
        "∂ℓ/∂γ), then ∂ℓ/∂x in two or three vectorized passes (`scale_shift`, then one multiply-add).",
    )
    block(
        bn_fused.scale_shift,
        "**y = x·a + b per channel, written for the CPU's vector units**: the one place that knows which "
        "torch call runs fastest for each layout.",
    )


def algorithm_2() -> None:
    block(
        L._BatchNorm.forward,
        "**Algorithm 2** as the layers keep it. Training normalizes with the batch's own statistics and "
        "updates `running_mean` and `running_var`, the latter *unbiased* (Bessel's m/(m − 1), line 10). "
        "Eval mode is the fixed affine map of line 11.",
        docstring_equations(bn_steps.population_stats),
    )
    block(
        L._BatchNorm._count_batch,
        "**The weight of each new batch** in the running averages, counted in `num_batches_tracked` (Batch "
        "Renorm and Ghost BN count theirs here too). `momentum=None` makes them plain averages over all "
        "batches so far: the paper's E_B.",
        [MOMENTUM_FACTOR],
    )
    block(
        bn_fused.update_running_stats,
        "**The running averages**, moved once per training batch inside `BatchNormFunction.forward`, "
        "as `torch.nn.functional.batch_norm` does.",
        docstring_equations(bn_fused.update_running_stats),
    )
    block(
        bn_fused.bessel,
        "**Algorithm 2, line 10**: Bessel's correction, from the biased σ²_B to an unbiased estimate.",
        [r"\mathrm{Var}[x] = \frac{m}{m-1}\,\sigma_B^2"],
    )
    block(
        bn_fused.inference_affine,
        "**Algorithm 2, line 11**: at inference BN is y = a·x + b per feature, with a and b fixed from the "
        "population statistics, so it can be folded into the layer before it.",
    )


def apply_url() -> None:
    """``?present=1&slide=2`` opens the presenter view on that slide (read on the page's first run in a session)."""
    if "code_url" in ss:
        return
    ss.code_url = True
    r = Reader(st.query_params.to_dict(), ("present", "slide"))
    r.take("present", read_flag)
    r.take("slide", lambda s: read_int(s, 1, len(SLIDES), f"there are {len(SLIDES)} slides"))
    ss.code_present, ss.code_slide, ss.code_ignored = r.found.get("present", False), r.found.get("slide", 1), r.ignored


def _go(delta: int) -> None:
    ss.code_slide = min(max(ss.code_slide + delta, 1), len(SLIDES))
    _present.ask_to_land(None)


def code_slide(i: int) -> None:
    """Slide ``i`` (from 1) of the presenter view."""
    title, obj = SLIDES[i - 1]
    with _present.slide(title, i - 1, len(SLIDES), _go):
        slide_body(i)
        _present.footer(f"The code · {obj.__module__}.{obj.__name__} · slide {i} of {len(SLIDES)}", "code_present")


apply_url()
present = bool(ss.get("code_present"))
_present.begin(present)
if present:
    code_slide(ss.code_slide)
else:
    head, switch = st.columns([5, 1.3], vertical_alignment="bottom")
    head.title("The code")
    with switch:
        _present.switch("code_present")
    st.markdown(
        "This is the source of bnviz's Batch Normalization, read from the package each time the page "
        "loads, so the text below is the code that runs (without its docstrings). With each block: where it "
        "is in the paper and the equations it implements, taken from the function's own docstring."
    )
    if ignored := ss.pop("code_ignored", None):
        st.warning(
            "This link's " + "; ".join(literal(p) for p in ignored) + " could not be used.", icon=":material/link_off:"
        )
    st.header("Algorithm 1 as the paper prints it")
    teaching_form()
    st.header("Algorithm 2: running statistics and inference")
    algorithm_2()
    with st.expander("The fast path that trains the networks", icon=":material/speed:"):
        fast_path()
params = {"present": "1", "slide": str(ss.code_slide)} if present else {}
if st.query_params.to_dict() != params:
    st.query_params.from_dict(params)
_present.land()
