"""The toy batch a student types: parsing, every way it can be wrong, warnings, round trips."""

import math
import re

import pytest
import torch

from bnviz.teach import toybatch as T
from bnviz.teach.toybatch import ToyBatchError


def test_default_batch_has_features_of_different_offset_and_scale():
    x = T.DEFAULT_BATCH
    assert x.shape == (6, 3) and x.dtype == torch.float64
    means, stds = x.mean(0), x.std(0)
    assert torch.allclose(means, torch.tensor([5.0, -1.0, 40.0], dtype=torch.float64))
    assert stds[2] > 3 * stds[0] > 9 * stds[1]  # three clearly different spreads (~10, ~2, ~0.3)
    assert T.check_batch(x) == []


def test_random_batch_is_deterministic_per_seed():
    a, b, c = T.random_batch(6, 3, seed=7), T.random_batch(6, 3, seed=7), T.random_batch(6, 3, seed=8)
    assert a.shape == (6, 3) and a.dtype == torch.float64
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert torch.equal(a, torch.round(a, decimals=2))  # readable: two decimals


def test_random_batch_features_differ_in_scale_and_offset():
    x = T.random_batch(64, 3, seed=0)
    means, stds = x.mean(0), x.std(0)
    assert abs(means[0] - 5) < 1 and abs(means[1] + 1) < 0.2 and abs(means[2] - 40) < 5
    assert stds[1] < stds[0] < stds[2]


def test_random_batch_rejects_one_row_and_too_many_features():
    with pytest.raises(ToyBatchError, match="at least 2 rows"):
        T.random_batch(1, 3, seed=0)
    with pytest.raises(ToyBatchError, match="8"):
        T.random_batch(4, 9, seed=0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ["empty"]),
        ("  \n\t\n ", ["empty"]),
        ("1, 2, 3", ["at least 2 rows", "variance of one value is 0"]),
        ("1, 2\n3, abc", ["'abc' in row 2 is not a number"]),
        ("1, abc", ["'abc' in row 1 is not a number"]),
        ("1,2,3\n4,5,6\n7,8", ["Row 3 has 2 values, the others have 3"]),
        ("1 2 3\n4 5", ["Row 2 has 2 values, row 1 has 3"]),
        ("nan, 1\n2, 3", ["Row 1, feature 1 is NaN"]),
        ("1, 2\n3, inf", ["Row 2, feature 2 is infinite"]),
        ("1, 2\n-Infinity, 3", ["infinite"]),
        ("1e300, 2\n3, 4", ["too large", "float64", "overflow"]),
        ("2e6, 2\n3, 4", ["too large", "±1e+06"]),
        ("\n".join(["1, 2"] * 65), ["65 rows", "64"]),
        ("1 2 3 4 5 6 7 8 9\n1 2 3 4 5 6 7 8 9", ["9 features", "8"]),
    ],
)
def test_parse_batch_rejects_bad_input_with_an_actionable_message(text, expected):
    with pytest.raises(ToyBatchError) as err:
        T.parse_batch(text)
    for part in expected:
        assert part in str(err.value)


@pytest.mark.parametrize(
    "text",
    [
        "1, 2\n3, 4\n5, 6",
        "1\t2\n3\t4\n5\t6",  # pasted from a spreadsheet
        "1;2\n3;4\n5;6",
        "1 2\n\n3    4\n5 ,6\n",  # blank lines, runs of separators
        "1, 2\r\n3, 4\r\n5, 6\r\n",  # Windows line endings
        "f1\tf2\n1\t2\n3\t4\n5\t6",  # a header row
    ],
)
def test_parse_batch_reads_common_separators(text):
    x = T.parse_batch(text)
    assert torch.equal(x, torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=torch.float64))


def test_parse_batch_reads_signs_and_exponents():
    x = T.parse_batch("-1.5, +2e-3\n.5, 1E2")
    assert x.tolist() == [[-1.5, 0.002], [0.5, 100.0]]


@pytest.mark.parametrize(
    "x",
    [
        T.DEFAULT_BATCH,
        T.random_batch(10, 5, seed=3),
        torch.tensor([[0.1 + 0.2, 1e-7], [-123456.789, 1 / 3], [40.0, -0.0]], dtype=torch.float64),
        torch.randn(7, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64),
    ],
)
def test_format_then_parse_gives_back_the_same_batch(x):
    y = T.parse_batch(T.format_batch(x))
    assert y.shape == x.shape and torch.equal(y, x)


def test_format_batch_aligns_columns_and_drops_trailing_zeros():
    text = T.format_batch(torch.tensor([[1.0, -10.5], [200.0, 3.25]], dtype=torch.float64))
    assert text.splitlines() == ["  1, -10.5", "200,  3.25"]


def test_batch_from_table_names_the_empty_cell():
    with pytest.raises(ToyBatchError, match="Row 2, feature 3 is empty"):
        T.batch_from_table([[1.0, 2.0, 3.0], [4.0, 5.0, math.nan]])
    with pytest.raises(ToyBatchError, match="Row 1, feature 1 is empty"):
        T.batch_from_table([[None, 2.0], [4.0, 5.0]])
    assert T.batch_from_table([[1, 2], [3, 4]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_check_batch_explains_a_constant_column():
    warnings = T.check_batch(T.parse_batch("1, 5\n2, 5\n3, 5"))
    assert len(warnings) == 1
    w = warnings[0]
    assert "Feature 2 is constant" in w and "variance is 0" in w and "√ε" in w and "ε" in w


def test_check_batch_warns_when_variance_is_below_eps():
    x = T.parse_batch("1, 1\n2, 1.0001\n3, 1.0002")
    (w,) = T.check_batch(x, eps=1e-3)
    assert "Feature 2" in w and "below ε" in w
    assert T.check_batch(x, eps=1e-12) == []


def test_check_batch_notes_that_two_rows_normalize_to_plus_minus_one():
    (w,) = T.check_batch(T.parse_batch("1, 5\n3, 9"))
    assert "m = 2" in w and "±1" in w


@pytest.mark.parametrize(
    "eps, expected",
    [
        (0.0, "must be > 0"),
        (-1e-5, "must be > 0"),
        (math.nan, "number"),
        (math.inf, "number"),
        (None, "number"),
        (100.0, "between"),
    ],
)
def test_validate_eps_rejects_non_positive_and_absurd_values(eps, expected):
    with pytest.raises(ToyBatchError, match=expected):
        T.validate_eps(eps)


def test_validate_eps_accepts_the_classroom_range():
    for eps in (1e-8, 1e-5, 1e-3, 0.1, 1.0):
        assert T.validate_eps(eps) == eps


def test_validate_affine_needs_one_finite_value_per_feature():
    gamma, beta = T.validate_affine([2, 0.5, 1], [1, -0.5, 0], 3)
    assert gamma.tolist() == [2.0, 0.5, 1.0] and beta.dtype == torch.float64
    with pytest.raises(ToyBatchError, match="γ of feature 2 must be a finite number"):
        T.validate_affine([1, math.nan, 1], [0, 0, 0], 3)
    with pytest.raises(ToyBatchError, match="β needs one value per feature: 3, got 2"):
        T.validate_affine([1, 1, 1], [0, 0], 3)
    with pytest.raises(ToyBatchError, match="β of feature 1"):
        T.validate_affine([1], [1e9], 1)


def test_parse_upstream_wants_one_value_per_entry_of_y():
    assert T.parse_upstream("1 0\n0 2\n3 4", 3, 2).tolist() == [[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]]
    for text, message in (
        ("", "∂ℓ/∂y is empty: type 3 rows of 2 numbers"),
        ("1 0\n0 2", "∂ℓ/∂y has 2 rows of 2 values, but y has 3 rows of 2"),
        ("1 0 0\n0 2 0\n3 4 0", "∂ℓ/∂y has 3 rows of 3 values, but y has 3 rows of 2"),
        ("1 a\n0 2\n3 4", "In ∂ℓ/∂y: 'a' in row 1 is not a number"),
    ):
        with pytest.raises(T.ToyBatchError, match=re.escape(message)):
            T.parse_upstream(text, 3, 2)


# ----------------------------------------------------------------------------- oversized and ambiguous input


class CountingText(str):
    """A paste that counts how often the parser looks inside it (splitting, stripping, iterating)."""

    looked = 0

    def _look(name):
        def method(self, *args, **kwargs):
            type(self).looked += 1
            return getattr(str, name)(self, *args, **kwargs)

        return method

    splitlines, split, strip, __iter__, __getitem__ = (
        _look("splitlines"),
        _look("split"),
        _look("strip"),
        _look("__iter__"),
        _look("__getitem__"),
    )


class CountingRows(list):
    """A table whose rows count how often the parser reads one."""

    read = 0

    def __iter__(self):
        for row in super().__iter__():
            type(self).read += 1
            yield row

    def __getitem__(self, i):
        type(self).read += 1
        return super().__getitem__(i)


@pytest.mark.parametrize("rows", [100_000, 200_000])
def test_oversized_paste_is_refused_before_it_is_parsed(rows):
    text = CountingText("\n".join(["1.25, 2.5, 3.75"] * rows))
    CountingText.looked = 0
    with pytest.raises(ToyBatchError) as err:
        T.parse_batch(text)
    assert CountingText.looked == 0, "the parser read a paste it should refuse by its length alone"
    assert f"{len(text):,} characters" in str(err.value) and "more than this page shows" in str(err.value)
    assert "Nothing was read" in str(err.value)


def test_an_oversized_table_is_refused_without_reading_every_cell():
    table = CountingRows([[1.0, math.nan]] * 100_000)
    CountingRows.read = 0
    with pytest.raises(ToyBatchError, match="100000 rows is more than this page shows"):
        T.batch_from_table(table)
    assert CountingRows.read == 0, f"{CountingRows.read:,} rows read before refusing"


def test_the_largest_batch_the_page_shows_fits_the_text_limit():
    # 64 rows x 8 features, every value as long as format_batch ever writes one within ±MAX_ABS
    x = torch.full((T.MAX_ROWS, T.MAX_FEATURES), -123456.78901234567, dtype=torch.float64)
    x[::2] = -1.2345678901234567e-300
    text = "\t".join(f"feature_{'abcdefgh'[j]}" for j in range(T.MAX_FEATURES)) + "\n" + T.format_batch(x)
    assert len(text) <= T.MAX_TEXT_CHARS
    assert torch.equal(T.parse_batch(text), x)


@pytest.mark.parametrize(
    "text, field",
    [
        ("1,5 2,5\n3,5 4,5", "1,5"),  # two values per row in a decimal-comma locale, not four
        ("1,5\t2,5\n3,5\t4,5", "1,5"),  # the same pasted from a spreadsheet
        ("1,5;2,5\n3;4", "1,5"),  # a European CSV (semicolons between values)
        ("1 2\n-3,25e2 4", "-3,25e2"),
    ],
)
def test_decimal_commas_are_refused_with_a_message_saying_use_a_point(text, field):
    with pytest.raises(ToyBatchError) as err:
        T.parse_batch(text)
    msg = str(err.value)
    assert f"'{field}'" in msg and "decimal comma" in msg and field.replace(",", ".") in msg


@pytest.mark.parametrize(
    "text, want",
    [
        ("1,5\n2,6", [[1.0, 5.0], [2.0, 6.0]]),  # commas alone separate values (CSV)
        ("1, 5\n2, 6", [[1.0, 5.0], [2.0, 6.0]]),
        ("1 ,5\n2 ,6", [[1.0, 5.0], [2.0, 6.0]]),
        ("1,5, 2\n3,4, 5", [[1.0, 5.0, 2.0], [3.0, 4.0, 5.0]]),  # a comma-space separated row
    ],
)
def test_commas_between_values_are_still_separators(text, want):
    assert T.parse_batch(text).tolist() == want


def test_a_sum_the_math_makes_zero_shows_as_a_clean_zero_within_rounding():
    from bnviz.teach.checks import zero_within_rounding

    x = torch.tensor([[0.1, 1e6 + 0.3], [0.2, 1e6 + 0.1], [0.7, 1e6 + 0.2]], dtype=torch.float64)
    centered = x - x.mean(0)
    raw = centered.sum(0)
    assert (raw != 0).any()  # float64 leaves a remainder (or a -0) here: the case the page used to print
    shown = zero_within_rounding(raw, x.abs() + x.mean(0).abs())  # rounding of the numbers x − μ_B came from
    assert torch.equal(shown, torch.zeros(2, dtype=torch.float64)) and not torch.signbit(shown).any()
    real = torch.tensor([1e-3, 0.0], dtype=torch.float64)  # not rounding: kept as it is
    assert zero_within_rounding(real, x.abs())[0] == 1e-3


def test_the_step_tables_show_the_vanishing_sums_as_zero():
    from bnviz.teach import step_views, stepthrough

    x = torch.tensor([[0.1, 3.0], [0.2, -1.0], [0.7, 2.5], [0.3, 0.25]], dtype=torch.float64)
    gamma, beta = torch.ones(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    w = stepthrough.walk(x, gamma, beta, 1e-5, next(iter(stepthrough.LOSSES)), seed=0)
    inf = stepthrough.inference_demo(x, gamma, beta, 1e-5, k=3, seed=0)
    for step, row in ((6, step_views.ZERO_SUM_CENTERED), (7, step_views.ZERO_SUM_DX)):
        table = step_views.step_view(step, w, inf).per_feature
        assert (table.loc[row] == 0).all() and "0 within float64 rounding" in row
