"""The step-through page's state as a short URL query, so a lecturer can bookmark "step 8 with this batch".

``?step=8&batch=1_2~3_4.5~5_6&gamma=2_1&eps=0.001&loss=sum-of-y&k=20&seed=3&present=1``

Only what differs from the page's defaults is written (the step always is). Values are separated by
``_`` and rows by ``~``: Streamlit percent-encodes every other punctuation mark in the URL it writes
(``,`` becomes ``%2C``), and these two it leaves alone. A hand-typed link may use ``,`` and ``;``
instead. :func:`parse` never raises: whatever it cannot use it replaces by the default and names
in a message, so an old, truncated or hand-edited link opens the page with a warning, not a traceback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

import torch
from torch import Tensor

from bnviz.teach import stepthrough as S
from bnviz.teach import toybatch as T

N_STEPS = len(S.steps())
# K = 100: for m = 6 the averages scatter with a standard deviation of about 5% (√(2(m−1))/m/√K) around what
# they tend to, and Algorithm 2 costs about 60 ms, on the two steps that show it
DEFAULT_EPS, DEFAULT_LOSS, DEFAULT_K, DEFAULT_SEED = 1e-5, "random w", 100, 0
K_RANGE, SEED_RANGE = (2, 1000), (0, 10**6)  # the page's number inputs allow exactly these
LOSS_SLUGS = {"random-w": "random w", "squared-error": "squared error", "sum-of-y": "sum of y", "typed": S.TYPED_LOSS}
SLUG_OF_LOSS = {name: slug for slug, name in LOSS_SLUGS.items()}
KEYS = ("step", "batch", "gamma", "beta", "eps", "loss", "dy", "k", "seed", "present")
SHOWN_CHARS = 40  # a bad value is quoted in its message up to this length

_INT = re.compile(r"[+-]?\d{1,9}")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")  # no nan, inf, 1_000 or hex
_VALUE_SEP = re.compile(r"[,_\s]+")  # "_" as written; "," typed by hand; " " is what a "+" decodes to
_ROW_SEP = re.compile(r"[;~]")

Rows = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class UrlState:
    """What the step-through page shows, as plain values (a field at its default is left out of the URL)."""

    step: int = 1  # 1-based, as the page numbers its steps
    batch: Rows | None = None  # the toy batch, m rows of d values; None: toybatch.DEFAULT_BATCH
    gamma: tuple[float, ...] | None = None  # γ, one per feature; None: toybatch.default_affine(d)
    beta: tuple[float, ...] | None = None  # β, likewise
    eps: float = DEFAULT_EPS  # ε
    loss: str = DEFAULT_LOSS  # a key of stepthrough.LOSSES
    dy: Rows | None = None  # a typed ∂ℓ/∂y, shaped like the batch (loss = TYPED_LOSS only); None: the page's
    k: int = DEFAULT_K  # Algorithm 2's K training batches
    seed: int = DEFAULT_SEED  # draws the random ∂ℓ/∂y and the K batches
    present: bool = False  # the presenter view

    def batch_tensor(self) -> Tensor:
        return T.DEFAULT_BATCH.clone() if self.batch is None else torch.tensor(self.batch, dtype=torch.float64)

    def affine(self) -> tuple[Tensor, Tensor]:
        """(γ, β) as float64 tensors for this state's batch, the defaults where not given."""
        g0, b0 = T.default_affine(self.batch_tensor().shape[1])
        g = g0 if self.gamma is None else torch.tensor(self.gamma, dtype=torch.float64)
        b = b0 if self.beta is None else torch.tensor(self.beta, dtype=torch.float64)
        return g, b


DEFAULT = UrlState()


def state_of(
    step: int,
    x: Tensor,
    gamma: Tensor,
    beta: Tensor,
    eps: float,
    loss: str,
    k: int,
    seed: int,
    dy: Tensor | None = None,
    present: bool = False,
) -> UrlState:
    """The page's current values as a :class:`UrlState`, with None wherever a value is the default (a shorter URL)."""
    g0, b0 = T.default_affine(x.shape[1])
    return UrlState(
        step=int(step),
        batch=None if _same(x, T.DEFAULT_BATCH) else _rows(x),
        gamma=None if _same(gamma, g0) else tuple(gamma.tolist()),
        beta=None if _same(beta, b0) else tuple(beta.tolist()),
        eps=float(eps),
        loss=loss,
        dy=_rows(dy) if loss == S.TYPED_LOSS and dy is not None else None,
        k=int(k),
        seed=int(seed),
        present=bool(present),
    )


def to_params(state: UrlState) -> dict[str, str]:
    """The query parameters for ``state``: the step, then every field that differs from its default."""
    out = {"step": str(state.step)}
    for f in fields(UrlState)[1:]:
        value = getattr(state, f.name)
        if value == f.default:
            continue
        if f.name in ("batch", "dy"):
            out[f.name] = "~".join("_".join(map(format_number, row)) for row in value)
        elif f.name in ("gamma", "beta"):
            out[f.name] = "_".join(map(format_number, value))
        elif f.name == "eps":
            out[f.name] = format_number(value)
        elif f.name == "loss":
            out[f.name] = SLUG_OF_LOSS[value]
        elif f.name == "present":
            out[f.name] = "1"
        else:
            out[f.name] = str(value)
    return out


def format_number(v: float) -> str:
    """The shortest text that reads back to the same float, URL-friendly: 2 not 2.0, 1e20 not 1e+20."""
    s = repr(float(v))
    s = s[:-2] if s.endswith(".0") else s
    return s.replace("e+", "e")


def parse(params: Mapping[str, str]) -> tuple[UrlState, list[str]]:
    """The state a URL asks for, and one short message per part of it that was ignored (and why).

    Every value is checked as the page's own controls would check it; a part that fails falls
    back to its default. γ, β and ∂ℓ/∂y must match the batch the URL ends up with.
    """
    found: dict = {}
    ignored: list[str] = []

    def take(key: str, read) -> None:
        if key not in params:
            return
        try:
            found[key] = read(str(params[key]))
        except (T.ToyBatchError, ValueError) as e:
            ignored.append(f"{key}={_shown(str(params[key]))} ({_sentence(e)})")

    for key in params:
        if key not in KEYS:
            ignored.append(f"{_shown(str(key))} (this page has no such setting)")
    take("step", lambda s: _int(s, 1, N_STEPS, f"there are {N_STEPS} steps, 1 to {N_STEPS}"))
    take("batch", lambda s: T.batch_from_rows(_parse_rows(s)))
    d = (found["batch"] if "batch" in found else T.DEFAULT_BATCH).shape[1]
    take("gamma", lambda s: _vector(s, d, "γ"))
    take("beta", lambda s: _vector(s, d, "β"))
    take("eps", _eps)
    take("loss", _loss)
    if "dy" in params and found.get("loss") != S.TYPED_LOSS:
        ignored.append(f"dy=… (a typed ∂ℓ/∂y is only used with loss={SLUG_OF_LOSS[S.TYPED_LOSS]})")
    else:
        m = (found["batch"] if "batch" in found else T.DEFAULT_BATCH).shape[0]
        take("dy", lambda s: _upstream(s, m, d))
    take("k", lambda s: _int(s, *K_RANGE, f"K is a whole number from {K_RANGE[0]} to {K_RANGE[1]}"))
    take(
        "seed", lambda s: _int(s, *SEED_RANGE, f"the seed is a whole number from {SEED_RANGE[0]} to {SEED_RANGE[1]:,}")
    )
    take("present", _flag)
    state = UrlState(
        step=found.get("step", DEFAULT.step),
        batch=_rows(found["batch"]) if "batch" in found else None,
        gamma=found.get("gamma"),
        beta=found.get("beta"),
        eps=found.get("eps", DEFAULT.eps),
        loss=found.get("loss", DEFAULT.loss),
        dy=_rows(found["dy"]) if "dy" in found else None,
        k=found.get("k", DEFAULT.k),
        seed=found.get("seed", DEFAULT.seed),
        present=found.get("present", DEFAULT.present),
    )
    return state, ignored


# ----------------------------------------------------------------------------- readers: a value or ValueError


def _int(text: str, lo: int, hi: int, rule: str) -> int:
    if not _INT.fullmatch(text.strip()) or not lo <= int(text) <= hi:
        raise ValueError(rule)
    return int(text)


def _float(text: str) -> float:
    if not _FLOAT.fullmatch(text.strip()):
        raise ValueError("not a number")
    return float(text)


def _eps(text: str) -> float:
    eps = _float(text)
    if not T.MIN_EPS <= eps <= T.MAX_EPS:
        raise ValueError(f"ε must lie between {T.MIN_EPS:g} and {T.MAX_EPS:g}")
    return eps


def _parse_rows(text: str) -> list[list[float]]:
    if len(text) > T.MAX_TEXT_CHARS:
        raise ValueError(f"longer than {T.MAX_TEXT_CHARS:,} characters; not read")
    rows = []
    for line in _ROW_SEP.split(text):
        tokens = [t for t in _VALUE_SEP.split(line) if t]
        if tokens:
            rows.append([_number(t) for t in tokens])
    return rows


def _number(token: str) -> float:
    if not _FLOAT.fullmatch(token):
        raise ValueError(f"'{_shown(token)}' is not a number")
    return float(token)


def _vector(text: str, d: int, name: str) -> tuple[float, ...]:
    values = [_number(t) for t in _VALUE_SEP.split(text) if t] if len(text) <= T.MAX_TEXT_CHARS else []
    if len(values) != d:
        raise ValueError(f"{name} needs one value per feature: {d}, got {len(values)}")
    if not all(math.isfinite(v) and abs(v) <= T.MAX_ABS for v in values):  # 1e999 reads as inf
        raise ValueError(f"keep every {name} within ±{T.MAX_ABS:.0e}")
    return tuple(values)


def _upstream(text: str, m: int, d: int) -> Tensor:
    dy = T.batch_from_rows(_parse_rows(text))
    if tuple(dy.shape) != (m, d):
        raise ValueError(f"{dy.shape[0]} rows of {dy.shape[1]} values, but the batch has {m} rows of {d}")
    return dy


def _loss(text: str) -> str:
    if text not in LOSS_SLUGS:
        raise ValueError(f"choose one of {', '.join(LOSS_SLUGS)}")
    return LOSS_SLUGS[text]


def _flag(text: str) -> bool:
    if text.lower() not in ("0", "1", "true", "false"):
        raise ValueError("use 1 or 0")
    return text.lower() in ("1", "true")


# ----------------------------------------------------------------------------- helpers


def _rows(x: Tensor) -> Rows:
    return tuple(tuple(row) for row in x.tolist())


def _same(a: Tensor, b: Tensor) -> bool:
    return a.shape == b.shape and torch.equal(a.to(torch.float64), b.to(torch.float64))


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _sentence(e: Exception) -> str:
    """The first sentence of an error, without its final period: messages here are short."""
    return str(e).split(". ")[0].strip().rstrip(".")
