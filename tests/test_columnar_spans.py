"""Columns converted a span of rows at a time (``columnar/frames.py``'s :class:`SpanCells`,
what a series given one column a year is read through) give, span by span, exactly the cells
the whole column's conversion gives — whatever the column's kind (Arrow floats or text over
several chunks, pandas floats or objects, lists), its cells (blanks written many ways, text
numbers, 万元, refused cells, huge and odd floats) and where the spans fall."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from perfscore.columnar.frames import SpanCells, rows_of, year_cells
from perfscore.ingest.columns import Target
from perfscore.subjects import InputSpec

_TEXTS = st.sampled_from(
    ["1,234.5", "12万元", "34350200元", "-", "—", "", " ", "待核实", "0.98%", "95%", "3 435.02",
     "1e3", "１２３", "-5.00", "100", "0.1", "nan", "2.5", "1,23", "12.345678901234567"]
)  # fmt: skip
_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.1, 95.0, 1234.56, 1e15, 1e16, 2.0**51, 0.98]),
)
_SPECS = [
    InputSpec("x", "money", unit="万元", min=Decimal(0)),
    InputSpec("x", "percent"),
    InputSpec("x", "number"),
    InputSpec("x", "integer"),
]
_TARGETS = [
    Target("input", "x", "x"),
    Target("input", "x", "x（元）", "元", Decimal("0.0001")),
]


@st.composite
def _columns(draw: st.DrawFn) -> Any:
    kind = draw(
        st.sampled_from(
            ["arrow-float", "arrow-text", "arrow-large", "pandas-float", "pandas-str", "objects",
             "list"]
        )
    )  # fmt: skip
    n = draw(st.integers(1, 40))
    if kind in ("arrow-float", "pandas-float"):
        cells: list[Any] = draw(st.lists(st.one_of(st.none(), _FLOATS), min_size=n, max_size=n))
    elif kind in ("arrow-text", "arrow-large", "pandas-str"):
        cells = draw(st.lists(st.one_of(st.none(), _TEXTS), min_size=n, max_size=n))
    else:
        cell = st.one_of(st.none(), _FLOATS, _TEXTS, st.integers(-(10**17), 10**17))
        cells = draw(st.lists(cell, min_size=n, max_size=n))
    if kind.startswith("arrow"):
        typ = {"arrow-float": pa.float64(), "arrow-text": pa.string()}.get(kind, pa.large_string())
        cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
        bounds = [0, *cuts, n]
        return pa.chunked_array(
            [pa.array(cells[a:b], typ) for a, b in itertools.pairwise(bounds)], typ
        )
    if kind == "pandas-float":
        return pd.Series([math.nan if c is None else c for c in cells], dtype=float)
    if kind == "pandas-str":  # pandas' own text kind (pandas 3's ``str``)
        return pd.Series(cells, dtype="string")
    if kind == "objects":
        return pd.Series(cells, dtype=object)
    return cells


def _plain(cells: Any) -> list[Any]:
    """Cells compared: a blank (NaN or None) as None, a float by its bits, others as they are."""
    out: list[Any] = []
    for x in np.asarray(cells, dtype=object).tolist():
        if x is None or (type(x) is float and math.isnan(x)):
            out.append(None)
        elif type(x) is float:
            out.append(("float", x.hex()))
        else:
            out.append((type(x).__name__, repr(x)))
    return out


@settings(max_examples=150, deadline=None)
@given(
    col=_columns(),
    spec=st.sampled_from(_SPECS),
    target=st.sampled_from(_TARGETS),
    cuts=st.lists(st.integers(0, 40), max_size=4),
)
def test_spans_convert_as_the_whole_column(
    col: Any, spec: InputSpec, target: Target, cuts: list[int]
) -> None:
    whole = _plain(year_cells(col, target, spec))
    n = len(whole)
    spans = SpanCells(col, target, spec)
    assert len(spans) == n
    bounds = [0, *sorted(min(c, n) for c in cuts), n]
    got: list[Any] = []
    for a, b in itertools.pairwise(bounds):
        got += _plain(spans[a:b])
    assert got == whole
    assert _plain(np.asarray(spans)) == whole  # (whole, when something asks for the array)


def test_rows_of_takes_a_span_by_position() -> None:
    s = pd.Series([1.0, 2.0, 3.0], index=[10, 11, 12])
    assert rows_of(s, 1, 3).tolist() == [2.0, 3.0]
    assert rows_of(pa.chunked_array([[1, 2], [3]]), 1, 3).to_pylist() == [2, 3]
    assert rows_of([1, 2, 3], 0, 2) == [1, 2]
