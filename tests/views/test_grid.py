"""bnviz.views.grid.cell against a boolean mask over the table (the oracle), on tables with missing values."""

import math

import pandas as pd
from harness import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.views import grid


def mask_oracle(table: pd.DataFrame, **where):
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column].isna() if value is None else table[column] == value
    rows = table[mask]
    return rows.iloc[0] if len(rows) else None


values = st.sampled_from([None, math.nan, 0, 1, 2, 0.5, 64, "bn", "none", "after"])
keys = st.sampled_from([None, 0, 1, 2, 0.5, 64, "bn", "none", "after"])


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(st.tuples(values, values, st.floats(0, 1)), max_size=8),
    st.dictionaries(st.sampled_from(["a", "b"]), keys, max_size=2),
    st.booleans(),
)
def test_cell_is_the_first_row_the_mask_keeps(rows, where, shuffled):
    table = pd.DataFrame(rows, columns=["a", "b", "mean"])
    table.index = list(reversed(range(len(table)))) if shuffled else table.index  # positions, not labels
    got, want = grid.cell(table, **where), mask_oracle(table, **where)
    if want is None:
        assert got is None
    else:
        pd.testing.assert_series_equal(got, want)


def test_a_cell_of_a_seed_table():
    table = grid.cells(
        pd.DataFrame({"batch": [8, 8, 64, 64, None], "final_test_acc": [0.9, 0.92, 0.95, 0.97, 0.5]}), ["batch"]
    )
    assert grid.cell(table, batch=64)[["mean", "lo", "hi", "seeds"]].tolist() == [0.96, 0.95, 0.97, 2]
    assert grid.cell(table, batch=None)["seeds"] == 1
    assert grid.cell(table, batch=16) is None
