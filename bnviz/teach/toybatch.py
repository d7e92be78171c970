r"""The editable toy mini-batch of the step-through page: defaults, random batches, parsing, checks.

A toy batch is an ``(m, d)`` float64 tensor: ``m`` rows (examples) by ``d`` features, the
``(N, C)`` input of :class:`bnviz.norms.batch_norm.BatchNorm1d`. Students type or paste it, so every
way it can be wrong raises :class:`ToyBatchError` with a message that says what to fix, and
:func:`check_batch` warns about batches that are legal but teach something (a constant column).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import torch
from torch import Tensor

MAX_ROWS = 64  # more rows than this make the per-row tables unreadable
MAX_FEATURES = 8  # one chart lane and two table columns per feature
MAX_ABS = 1e6  # beyond this (x − μ_B)² nears 1e12 and float64 keeps only ~4 of the 16 digits of x̂
MIN_EPS, MAX_EPS = 1e-12, 10.0
# 64 rows of 8 values of up to 30 characters (-1.2345678901234567e-300 and a separator), and a
# header: a longer paste holds more than the page shows, and is refused before it is read.
MAX_TEXT_CHARS = 20_000

# Feature 1 around 5 (spread 2), feature 2 around −1 (spread 0.3), feature 3 around 40 (spread 10):
# three scales and offsets, so the normalization visibly does something.
DEFAULT_BATCH = torch.tensor(
    [[6.2, -1.1, 31.0], [3.1, -0.6, 52.0], [7.4, -1.3, 44.0], [4.0, -0.8, 28.0], [2.9, -1.4, 47.0], [6.4, -0.8, 38.0]],
    dtype=torch.float64,
)
# Means and spreads random_batch draws feature j from (cycled when d > 3).
FEATURE_LOCS, FEATURE_SCALES = (5.0, -1.0, 40.0, 0.0), (2.0, 0.3, 10.0, 1.0)
# γ and β the page starts from: not 1 and 0 (the paper's init), so that step 4 visibly scales and shifts.
DEFAULT_GAMMA, DEFAULT_BETA = (2.0, 0.5, 1.0, 1.5), (1.0, -0.5, 0.0, 2.0)

_SEPARATORS = re.compile(r"[,;\s]+")
_FIELDS = re.compile(r"[;\s]+")  # the separators other than the comma
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+(?:[eE][+-]?\d+)?")  # 1,5 or -2,25e3: one comma between digits


class ToyBatchError(ValueError):
    """Input a student typed that cannot be a mini-batch; the message says what to change."""


def random_batch(m: int, features: int, seed: int) -> Tensor:
    """``(m, features)`` float64 values, feature j ~ N(loc_j, scale_j²), rounded to 2 decimals (readable)."""
    _check_shape(m, features)
    gen = torch.Generator().manual_seed(int(seed))
    loc = torch.tensor([FEATURE_LOCS[j % len(FEATURE_LOCS)] for j in range(features)], dtype=torch.float64)
    scale = torch.tensor([FEATURE_SCALES[j % len(FEATURE_SCALES)] for j in range(features)], dtype=torch.float64)
    x = loc + scale * torch.randn(m, features, generator=gen, dtype=torch.float64)  # (m, d)
    return torch.round(x, decimals=2)


def default_affine(features: int) -> tuple[Tensor, Tensor]:
    """(γ, β) of length ``features`` from :data:`DEFAULT_GAMMA`, :data:`DEFAULT_BETA`, cycled."""
    gamma = [DEFAULT_GAMMA[j % len(DEFAULT_GAMMA)] for j in range(features)]
    beta = [DEFAULT_BETA[j % len(DEFAULT_BETA)] for j in range(features)]
    return torch.tensor(gamma, dtype=torch.float64), torch.tensor(beta, dtype=torch.float64)


def parse_batch(text: str) -> Tensor:
    """Rows on lines; values separated by commas, spaces, tabs or semicolons (a spreadsheet paste).

    A first line with no number at all (a spreadsheet header) is skipped. Text longer than
    :data:`MAX_TEXT_CHARS` is refused before it is read (in constant time), and so is a comma
    that looks like a decimal comma (see :func:`_decimal_comma`).
    """
    if len(text) > MAX_TEXT_CHARS:
        raise ToyBatchError(
            f"The text is {len(text):,} characters long, more than this page shows: a toy batch has at most "
            f"{MAX_ROWS} rows of {MAX_FEATURES} values, which fit in {MAX_TEXT_CHARS:,} characters. Nothing was "
            "read. Paste only the first rows, or use a random batch."
        )
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ToyBatchError("The batch is empty: type at least 2 rows of numbers, one row per line.")
    tokens = [[t for t in _SEPARATORS.split(line) if t] for line in lines]
    if len(tokens) > 1 and not any(_is_number(t) for t in tokens[0]):
        tokens, lines = tokens[1:], lines[1:]  # a header row such as "f1, f2, f3"
    if len(tokens) > MAX_ROWS:
        _check_shape(len(tokens), 1)  # says how many rows the page shows, before reading any value
    rows = []
    for i, (line, row) in enumerate(zip(lines, tokens), start=1):
        if field := _decimal_comma(line):
            raise ToyBatchError(
                f"'{field}' in row {i} looks like a decimal comma: this row separates values with spaces, "
                f"tabs or semicolons, so it is unclear whether '{field}' is one number or two. Write "
                f"decimals with a point ({field.replace(',', '.')}), or put a space after a comma that "
                f"separates two values ({field.replace(',', ', ')})."
            )
        values = []
        for t in row:
            if not _is_number(t):
                raise ToyBatchError(
                    f"'{t}' in row {i} is not a number. Use digits, a decimal point and an optional "
                    "exponent (2.5, -0.3, 1e-3); commas separate values, so write 1.5, not 1,5."
                )
            values.append(float(t))
        rows.append(values)
    return batch_from_rows(rows)


def batch_from_rows(rows: Sequence[Sequence[float | None]]) -> Tensor:
    """Validate a list of rows (from the text area or the table) and return the ``(m, d)`` tensor."""
    if len(rows) > MAX_ROWS:
        _check_shape(len(rows), 1)  # too many rows: say so before looking at every value
    rows = [list(r) for r in rows]
    if not rows or not any(rows):
        raise ToyBatchError("The batch is empty: type at least 2 rows of numbers, one row per line.")
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row, start=1):
            if v is None:
                raise ToyBatchError(f"Row {i}, feature {j} is empty: type a number there (or delete the row).")
            v = float(v)
            if math.isnan(v):
                raise ToyBatchError(
                    f"Row {i}, feature {j} is NaN (not a number): BN's mean and variance "
                    "would be NaN too, and so would every output. Type a real number."
                )
            if math.isinf(v):
                raise ToyBatchError(
                    f"Row {i}, feature {j} is infinite: the mean would be ±∞ and x − μ_B "
                    "undefined (∞ − ∞). Type a finite number."
                )
    widths = [len(r) for r in rows]
    counts = Counter(widths)
    d = max(counts, key=lambda w: (counts[w], w == widths[0]))  # most rows' width; ties: row 1's
    for i, w in enumerate(widths, start=1):
        if w != d:
            others = [k for k, wk in enumerate(widths, start=1) if k != i]
            if len(others) == 1 or any(widths[k - 1] != d for k in others):
                where = f"row {widths.index(d) + 1} has {d}"
            else:
                where = f"the others have {d}"
            raise ToyBatchError(
                f"Row {i} has {w} value{'s' if w != 1 else ''}, {where}: every row needs one value per feature."
            )
    _check_shape(len(rows), d)
    x = torch.tensor(rows, dtype=torch.float64)  # (m, d)
    big = x.abs().max().item()
    if big > MAX_ABS:
        raise ToyBatchError(
            f"{big:.3g} is too large for this page: values must lie within ±{MAX_ABS:.0e}. BN squares "
            "x − μ_B, and float64 keeps about 16 significant digits, so at this size the variance loses "
            "the small differences between rows (and above ~1e154 the squares overflow to ∞). "
            "Rescale the values, e.g. measure in thousands."
        )
    return x


def parse_upstream(text: str, m: int, features: int) -> Tensor:
    """A typed ∂ℓ/∂y: one value per entry of y, so ``m`` rows of ``features`` values, as for the batch."""
    if not text.strip():
        raise ToyBatchError(
            f"∂ℓ/∂y is empty: type {m} rows of {features} numbers, one row per line (one value per entry of y)."
        )
    try:
        dy = parse_batch(text)
    except ToyBatchError as e:
        raise ToyBatchError(f"In ∂ℓ/∂y: {e}") from None
    if tuple(dy.shape) != (m, features):
        raise ToyBatchError(
            f"∂ℓ/∂y has {dy.shape[0]} rows of {dy.shape[1]} values, but y has {m} rows of "
            f"{features}: type one value per entry of y (or pick another loss)."
        )
    return dy


def batch_from_table(rows: Sequence[Sequence[float | None]]) -> Tensor:
    """Like :func:`batch_from_rows` for an edited table, where an empty cell arrives as NaN or None."""
    if len(rows) > MAX_ROWS:
        _check_shape(len(rows), 1)
    cleaned = [[None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in row] for row in rows]
    return batch_from_rows(cleaned)


def check_batch(x: Tensor, eps: float = 1e-5) -> list[str]:
    """Warnings (not errors) about a valid batch: constant or nearly constant features, m = 2."""
    warnings = []
    var = x.var(0, unbiased=False)  # σ²_B per feature
    for j, v in enumerate(var.tolist(), start=1):
        if v == 0:
            warnings.append(
                f"Feature {j} is constant: its variance is 0, so x̂ = 0/√ε = 0 for every row, whatever γ "
                "(y = β). ε is what keeps this from dividing by zero."
            )
        elif v < eps:
            warnings.append(
                f"Feature {j} varies very little: σ²_B = {v:.3g} is below ε = {eps:.3g}, so ε dominates "
                "√(σ²_B + ε) and x̂ is squeezed towards 0 instead of having variance 1."
            )
    if x.shape[0] == 2:
        warnings.append(
            "With m = 2 rows every x̂ is ±1 (just under, because of ε), whatever the two values: "
            "normalizing two numbers only keeps which one is larger."
        )
    return warnings


def format_batch(x: Tensor) -> str:
    """The text :func:`parse_batch` reads back to the same tensor: one row per line, aligned columns."""
    cells = [[_format_value(v) for v in row] for row in x.tolist()]
    widths = [max(len(row[j]) for row in cells) for j in range(x.shape[1])]
    return "\n".join(", ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells)


def validate_affine(
    gamma: Sequence[float | None], beta: Sequence[float | None], features: int
) -> tuple[Tensor, Tensor]:
    """γ and β as ``(d,)`` float64 tensors, one finite value per feature."""
    out = []
    for name, values in (("γ", gamma), ("β", beta)):
        values = list(values)
        if len(values) != features:
            raise ToyBatchError(f"{name} needs one value per feature: {features}, got {len(values)}.")
        for j, v in enumerate(values, start=1):
            if v is None or not math.isfinite(float(v)):
                raise ToyBatchError(f"{name} of feature {j} must be a finite number (got {v}).")
            if abs(float(v)) > MAX_ABS:
                raise ToyBatchError(f"{name} of feature {j} is {float(v):.3g}: keep it within ±{MAX_ABS:.0e}.")
        out.append(torch.tensor([float(v) for v in values], dtype=torch.float64))
    return out[0], out[1]


def validate_eps(eps: float | None) -> float:
    """ε must be a positive, finite number: it is what keeps x̂ finite when σ²_B = 0."""
    if eps is None or not math.isfinite(eps):
        raise ToyBatchError("ε must be a number, e.g. 1e-5 (the value PyTorch uses).")
    if eps <= 0:
        raise ToyBatchError(
            f"ε must be > 0 (got {eps:g}): it is added to σ²_B under the square root so that a constant "
            "feature (σ²_B = 0) gives x̂ = 0/√ε = 0 instead of 0/0. Try 1e-5."
        )
    if not MIN_EPS <= eps <= MAX_EPS:
        raise ToyBatchError(f"Keep ε between {MIN_EPS:g} and {MAX_EPS:g} (got {eps:g}); 1e-5 is usual.")
    return float(eps)


def _check_shape(m: int, features: int) -> None:
    if m < 2:
        raise ToyBatchError(
            f"BN needs at least 2 rows (got {m}): the variance of one value is 0, so every x̂ would be 0 "
            "and nothing would be learned. Add a second row."
        )
    if m > MAX_ROWS:
        raise ToyBatchError(
            f"{m} rows is more than this page shows ({MAX_ROWS}): a toy batch is for reading. "
            "Keep the first rows, or use a random batch."
        )
    if features < 1:
        raise ToyBatchError("Each row needs at least one value.")
    if features > MAX_FEATURES:
        raise ToyBatchError(
            f"{features} features is more than this page shows ({MAX_FEATURES}): keep {MAX_FEATURES} columns or fewer."
        )


def _decimal_comma(line: str) -> str | None:
    """The first field of ``line`` that reads as a decimal comma (1,5), if the line separates its
    values by spaces, tabs or semicolons and never by a comma: "1,5 2,5" (a spreadsheet in a
    locale that writes 1,5) would otherwise become four values. "1,5,2" and "1, 5" are commas
    between values and are read as such."""
    fields = [f for f in _FIELDS.split(line) if f]
    if len(fields) < 2 or any(f.startswith(",") or f.endswith(",") for f in fields):
        return None
    return next((f for f in fields if _DECIMAL_COMMA.fullmatch(f)), None)


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _format_value(v: float) -> str:
    s = repr(float(v))  # the shortest text that reads back to the same float
    return s[:-2] if s.endswith(".0") else s
