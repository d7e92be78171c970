"""The code: bnviz's Batch Normalization, read from its source at run time, beside the paper's equations."""

import inspect
import textwrap

import streamlit as st

from bnviz.norms import batch_norm as L
from bnviz.norms import bn_fused, bn_steps
from bnviz.teach.stepthrough import docstring_equations
from pages._ui import require_router

require_router()

st.title("The code")
st.markdown(
    "This is the source of bnviz's Batch Normalization, read from the package each time the page "
    "loads, so the text below is the code that runs. With each block: where it is in the paper and "
    "the equations it implements, taken from the function's own docstring."
)

# The weight of a new batch in the running averages: the return line of _BatchNorm._count_batch.
MOMENTUM_FACTOR = r"f = \text{momentum, or } \tfrac{1}{k} \text{ at batch } k \text{ if None}"
# Code and LaTeX up to this many characters a line go side by side (the code wraps a little);
# longer ones are stacked, equations first, so that no equation is clipped.
SIDE_BY_SIDE_CHARS = 100


def block(obj, note: str, equations: list[str] | None = None) -> None:
    """The source of ``obj`` beside (or below) the note and the equations it implements."""
    name = getattr(obj, "__qualname__", obj.__name__)
    equations = docstring_equations(obj) if equations is None else equations
    st.markdown(f"#### `{obj.__module__}.{name}`")
    source = textwrap.dedent(inspect.getsource(obj))
    if max(map(len, equations + source.splitlines())) <= SIDE_BY_SIDE_CHARS:
        code, math = st.columns([3, 2], gap="large")
        code.code(source, language="python", line_numbers=True, wrap_lines=True)
        with math:
            st.markdown(note)
            for equation in equations:
                st.latex(equation)
    else:
        st.markdown(note)
        for equation in equations:
            st.latex(equation)
        st.code(source, language="python", line_numbers=True)


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


SECTIONS = {
    "Algorithm 1 as the paper prints it": teaching_form,
    "The fast path that trains the networks": fast_path,
    "Algorithm 2: running statistics and inference": algorithm_2,
}
shown = st.pills(
    "Show",
    list(SECTIONS),
    selection_mode="multi",
    default=list(SECTIONS),
    key="code_sections",
    help="Pick the parts to show, e.g. one at a time when projecting.",
)
if not shown:
    st.info("Pick at least one part above to see its code.")
for title, draw in SECTIONS.items():
    if title in shown:
        st.header(title)
        draw()
