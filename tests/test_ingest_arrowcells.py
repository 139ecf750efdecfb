"""A column of number text converted at once (``ingest/arrowcells.py``'s ``input_cells``:
Arrow's parse of a column every cell of which parses, else the plain-number kernels, else the
reader cell by cell) gives each cell exactly what the record reader's conversion gives it
(``convert_cell``, kept as a float where a float holds the decimal): signs, leading zeros,
``.5`` and ``5.``, exponents (``1e-400``), 16 digits and more, ``nan`` and ``inf``, blanks,
thousands separators and 万元 — with and without a header unit, in every numeric type."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from perfscore.ingest.arrowcells import input_cells
from perfscore.ingest.columns import Target, convert_cell
from perfscore.ingest.yearcols import year_value
from perfscore.subjects import InputSpec


@st.composite
def _parses(draw: st.DrawFn) -> str:
    """Text Arrow's parse of numbers takes: a sign, digits, a point, an exponent."""
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(st.text("0123456789", max_size=19))
    frac = draw(st.none() | st.text("0123456789", max_size=19))
    if not whole and not frac:
        whole = "0"
    body = whole if frac is None else f"{whole}.{frac}"
    if draw(st.integers(0, 9)) == 0:
        body += draw(st.sampled_from(["e3", "E-4", "e-400", "e400", "e+2", "e0"]))
    return sign + body


_ODD = st.sampled_from(
    ["nan", "inf", "-Infinity", "1,234.5", "12万元", "-", "—", "/", " 5", "95%", "0.98%",
     "待核实", "１２３", "1e3", "0.1", "100", "2.5", "9999999999999999", "0.30000000000000004",
     "1234567890.12345"]
)  # fmt: skip
_SPECS = [
    InputSpec("x", "money", unit="万元", min=Decimal(0)),
    InputSpec("x", "percent"),
    InputSpec("x", "number"),
    InputSpec("x", "integer"),
]
_TARGETS = [Target("input", "x", "x"), Target("input", "x", "x（元）", "元", Decimal("0.0001"))]


def _plain(cells: Any) -> list[Any]:
    out: list[Any] = []
    for x in np.asarray(cells, dtype=object).tolist():
        if x is None or (type(x) is float and math.isnan(x)):
            out.append(None)
        elif type(x) is float:
            out.append(("float", x.hex()))
        else:
            out.append((type(x).__name__, repr(x)))
    return out


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(st.none() | _parses(), min_size=1, max_size=40)
    | st.lists(st.none() | _parses() | _ODD, min_size=1, max_size=40),
    spec=st.sampled_from(_SPECS),
    target=st.sampled_from(_TARGETS),
    large=st.booleans(),
)
@example(cells=["1e-400", "0.5", None], spec=_SPECS[0], target=_TARGETS[0], large=False)
@example(cells=["-0", "+0.00", ".5", "5."], spec=_SPECS[0], target=_TARGETS[0], large=True)
@example(cells=["1234567890123.45", "0.1"], spec=_SPECS[2], target=_TARGETS[0], large=False)
def test_number_text_is_read_as_the_record_reader_reads_it(
    cells: list[str | None], spec: InputSpec, target: Target, large: bool
) -> None:
    col = pa.array(cells, pa.large_string() if large else pa.string())
    want = [year_value(convert_cell(target, spec, c)) for c in cells]
    assert _plain(input_cells(col, target, spec, True)) == _plain(want)
