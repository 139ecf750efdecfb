"""Frames in and out: column names, row counts and float64 columns from a mapping of arrays,
a pandas or polars DataFrame or a pyarrow Table; the result table (:class:`ColumnarResult`) and
its pandas form."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from ..ingest.yearcols import year_value

__all__ = [
    "OUTCOMES",
    "ColumnarResult",
    "all_null",
    "as_column",
    "cell_objects",
    "cells_at",
    "column_names",
    "plain_cell",
    "row_count",
]

OUTCOMES = ("pass", "fail", "not_applicable", "error")


@dataclass
class ColumnarResult:
    """Scores of ``n`` subjects.  Points are int64 scaled by ``10**places`` (valid where
    ``has_points``); outcomes are codes into :data:`OUTCOMES`; ``grade`` indexes
    ``grade_ids`` (−1: none); ``fallback`` marks rows scored by the per-record path."""

    places: int
    rule_ids: tuple[str, ...]
    points: dict[str, Any]
    has_points: dict[str, Any]
    outcome: dict[str, Any]
    total: Any
    has_total: Any
    grade: Any
    grade_ids: tuple[str, ...]
    checks: dict[str, Any]
    fallback: Any
    #: letter grades (a rule set with a ``letters`` scale): per rule, codes into
    #: ``letter_ids`` (−1: none); empty otherwise
    letters: dict[str, Any] = field(default_factory=dict)
    letter_ids: tuple[str, ...] = ()
    #: rows where a leaf scored on part of its weight's data (a checklist with blank items:
    #: coverage in part); None: no such row
    covered_in_part: Any = None

    def __len__(self) -> int:
        return len(self.total)

    def _dec(self, arr: Any, mask: Any) -> list[Decimal | None]:
        return [
            Decimal(int(x)).scaleb(-self.places) if ok else None
            for x, ok in zip(arr.tolist(), mask.tolist(), strict=False)
        ]

    def points_decimal(self, rule_id: str) -> list[Decimal | None]:
        return self._dec(self.points[rule_id], self.has_points[rule_id])

    def totals_decimal(self) -> list[Decimal | None]:
        return self._dec(self.total, self.has_total)

    def outcomes(self, rule_id: str) -> list[str]:
        codes = self.outcome[rule_id] if rule_id in self.outcome else self.checks[rule_id]
        return [OUTCOMES[c] for c in codes.tolist()]

    def letter_grades(self, rule_id: str) -> list[str | None]:
        """Each row's letter for ``rule_id`` (None: none, or a rule set without letters)."""
        codes = self.letters.get(rule_id)
        if codes is None:
            return [None] * len(self)
        return [self.letter_ids[g] if g >= 0 else None for g in codes.tolist()]

    def grades(self) -> list[str | None]:
        return [self.grade_ids[g] if g >= 0 else None for g in self.grade.tolist()]

    def to_pandas(self) -> Any:
        """One row per subject: ``total``, ``grade`` and ``<rule>.points``/``<rule>.outcome``
        (points as exact Decimals), and ``<rule>.grade`` for a rule set with letter grades."""
        import pandas as pd

        data: dict[str, Any] = {"total": self.totals_decimal(), "grade": self.grades()}
        names = np.array(OUTCOMES, dtype=object)
        for rid in self.rule_ids:
            data[f"{rid}.points"] = self.points_decimal(rid)
            data[f"{rid}.outcome"] = names[self.outcome[rid]]
            if self.letters:
                data[f"{rid}.grade"] = self.letter_grades(rid)
        for cid, codes in self.checks.items():
            data[f"{cid}.outcome"] = names[codes]
        return pd.DataFrame(data)


def column_names(data: Any) -> set[str]:
    """Column names of a mapping, pandas/polars DataFrame or pyarrow Table/RecordBatch."""
    names = getattr(data, "column_names", None)
    if isinstance(names, list):  # pyarrow (its .columns are the arrays)
        return set(names)
    if hasattr(data, "columns"):
        return {str(c) for c in data.columns}
    return set(data.keys())


def row_count(data: Any) -> int:
    for attr in ("num_rows", "height"):  # pyarrow, polars
        if isinstance(getattr(data, attr, None), int):
            return int(getattr(data, attr))
    if isinstance(data, Mapping):  # columns by name: the length of any column
        return len(next(iter(data.values()))) if data else 0
    return len(data)


#: A decimal of at most 15 significant digits is one float whose shortest text is that decimal
#: (DBL_DIG): the float column holds it exactly, as the per-record path reads it.
_DIGITS = 15


def as_column(col: Any) -> tuple[Any, Any]:
    """A float64 numpy array with NaN for nulls (pyarrow/polars nulls included), and a mask of
    the cells that are not numbers (text, a dirty cell) — None when there are none.  Such rows
    are scored by the per-record path, which reads "1,234", "95%" or reports the cell.  Exact
    decimals (a pyarrow ``decimal128`` column, ``Decimal`` cells) of at most 15 significant
    digits are numbers here: each is the float whose text it is; longer ones go per record."""
    decimals = _arrow_decimals(col)
    if decimals is not None:
        return decimals
    if not isinstance(col, np.ndarray) and hasattr(col, "to_numpy"):
        try:
            col = col.to_numpy(zero_copy_only=False)  # pyarrow
        except TypeError:
            col = col.to_numpy()  # pandas, polars
    kind = getattr(getattr(col, "dtype", None), "kind", None)
    try:
        if kind in ("O", "b", "U", "S"):  # mixed cells or booleans: looked at one by one
            raise TypeError
        out = np.asarray(col, dtype=np.float64)
        bad = None
    except (TypeError, ValueError):
        cells = [_decimal_float(x) for x in cell_objects(col)]
        number = [isinstance(x, (int, float)) and not isinstance(x, bool) for x in cells]
        out = np.array(
            [float(x) if ok else math.nan for x, ok in zip(cells, number, strict=True)], np.float64
        )
        bad = np.array(
            [not ok and x is not None for x, ok in zip(cells, number, strict=True)], bool
        )
    if out.ndim != 1:
        raise ValueError(f"a column must be one-dimensional, not of shape {out.shape}")
    return out, bad


def _decimal_float(x: Any) -> Any:
    """:func:`plain_cell`, with a ``Decimal`` as its float when that float's shortest text is
    the decimal again (15 significant digits always are; 1E+400 or 1.234E-320 are not) and
    it has at most 28 digits (:func:`~perfscore.ingest.yearcols.year_value`)."""
    return year_value(plain_cell(x))  # (over 28 digits: the reader refuses it, so kept)


def _arrow_decimals(col: Any) -> tuple[Any, Any] | None:
    """A pyarrow ``decimal128`` column (a finance database's DECIMAL(18,2)) by its unscaled
    integers: each cell of at most 15 digits divided once by 10**scale (both exact as floats,
    so the quotient is the correctly rounded float); None for any other column."""
    typ = getattr(col, "type", None)
    if typ is None or type(typ).__name__ != "Decimal128Type" or not 0 <= typ.scale <= 22:
        return None
    outs, bads = [], []
    for chunk in getattr(col, "chunks", None) or [col]:
        n, at = len(chunk), chunk.offset
        if n == 0:
            continue
        words = np.frombuffer(chunk.buffers()[1], dtype="<i8")[2 * at : 2 * (at + n)]
        low, high = words[0::2], words[1::2]
        valid = np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False), bool)
        small = (high == (low >> 63)) & (low > -(10**_DIGITS)) & (low < 10**_DIGITS)
        x = low.astype(np.float64) / 10.0**typ.scale
        outs.append(np.where(valid & small, x, math.nan))
        bads.append(valid & ~small)
    if not outs:
        return np.zeros(0, np.float64), None
    bad = np.concatenate(bads)
    return np.concatenate(outs), (bad if bad.any() else None)


def all_null(col: Any) -> bool:
    """A pyarrow column of nulls only (a ``null``-typed column, or every cell null): known
    from its null count, without a cell."""
    count = getattr(col, "null_count", None)
    return (
        isinstance(count, int) and count == len(col) and type(col).__module__.startswith("pyarrow")
    )


def cell_objects(col: Any) -> list[Any]:
    """A column as a list of Python objects (numbers, text, None)."""
    for attr in ("to_pylist", "to_list", "tolist"):  # pyarrow; pandas, polars; numpy
        method = getattr(col, attr, None)
        if method is not None:
            return list(method())
    return list(col)


def cells_at(col: Any, rows: Any) -> list[Any]:
    """The cells of ``col`` at positions ``rows`` (a numpy index array), as Python objects —
    only those rows, not the whole column."""
    if isinstance(col, np.ndarray):
        return list(col[rows].tolist())
    for attr in ("gather", "take"):  # polars; pandas (positional), pyarrow
        method = getattr(col, attr, None)
        if method is not None:
            return cell_objects(method(rows))
    everything = cell_objects(col)
    return [everything[i] for i in rows.tolist()]


def plain_cell(x: Any) -> Any:
    """One cell for the per-record reader: None for a null/NaN, Python numbers, text as is."""
    if x is None or type(x).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def ordered_names(data: Any) -> list[str]:
    """Column names in the frame's order (a later column wins, as a later key in a record)."""
    names = getattr(data, "column_names", None)
    if isinstance(names, list):  # pyarrow
        return [str(n) for n in names]
    if hasattr(data, "columns"):
        return [str(c) for c in data.columns]
    return [str(k) for k in data]


def year_series(
    data: Any,
    wanted: Sequence[str],
    inputs: Mapping[str, Any],
    aliases: Mapping[str, Any],
    maps: Any = None,
) -> dict[str, Any]:
    """Series inputs the frame gives one column a year (``2022年预算执行率`` …, docs/data.md)
    rather than by name, as :class:`~perfscore.ingest.yearcols.YearColumns`: each year's
    column converted as a numeric column is (the header's unit, text such as ``1,234.5``),
    and each row's ``{year: value}`` (or None, or the cell's problem) made as the record
    reader makes it for the rows that need it — ``rs.evaluate(frame)`` and the command read
    such columns, so the columns must too, not take the series as missing.  ``maps``: the
    scorer's :class:`~perfscore.columnar.headers.HeaderMaps`, when it has one."""
    from ..ingest.columns import convert_cell, map_columns
    from ..ingest.seriescols import by_series, element_spec, series_value
    from ..ingest.yearcols import YearColumns

    headers = ordered_names(data)
    cmap = map_columns(headers, inputs, aliases=aliases) if maps is None else maps(headers)
    found = by_series([(i, t) for i, t in enumerate(cmap.targets) if t is not None])
    out: dict[str, Any] = {}
    for name in wanted:
        years = found.get(name)
        if not years:
            continue
        spec = element_spec(inputs[name])
        raws = [data[headers[col_no]] for col_no, _ in years]
        targets = [t for _, t in years]
        values = [SpanCells(raw, t, spec) for raw, t in zip(raws, targets, strict=True)]

        def exact(rows: Any, raws: list[Any] = raws, targets: list[Any] = targets,
                  spec: Any = spec) -> list[Any]:  # fmt: skip
            columns = [
                (t.year, [convert_cell(t, spec, plain_cell(v)) for v in cells_at(raw, rows)])
                for raw, t in zip(raws, targets, strict=True)
            ]
            return [
                series_value([(year, cells[r]) for year, cells in columns])
                for r in range(len(rows))
            ]

        out[name] = YearColumns([t.year for t in targets], values, exact)
    return out


class SpanCells:
    """A year column's cells converted (:func:`year_cells`) a span of rows at a time, when
    the scorer reads that span (``cells[lo:hi]``): converted whole up front, a million rows
    took a new 8 MB array per step of the conversion and per column, memory the kernel hands
    over page by page (see :mod:`~perfscore.columnar.arrownums`).  Each cell's value is its
    own (the conversion reads no other cell), so a span's is the span of the whole's."""

    __slots__ = ("col", "n", "spec", "target")

    def __init__(self, col: Any, target: Any, spec: Any) -> None:
        self.col, self.target, self.spec = col, target, spec
        self.n = row_count({"": col})

    def __len__(self) -> int:
        return self.n

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        whole = year_cells(self.col, self.target, self.spec)
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            lo, hi, step = key.indices(self.n)
            if step == 1:
                return year_cells(rows_of(self.col, lo, max(lo, hi)), self.target, self.spec)
        return np.asarray(self)[key]


def rows_of(col: Any, lo: int, hi: int) -> Any:
    """Rows ``lo:hi`` of a column of any kind the scorer takes, without copying the rest."""
    if type(col).__module__.startswith(("pyarrow", "polars")):
        return col.slice(lo, hi - lo)
    iloc = getattr(col, "iloc", None)  # pandas: by position
    if iloc is not None:
        return iloc[lo:hi]
    return col[lo:hi]


def number_text(col: Any) -> bool:
    """A frame's column whose cells may be numbers written as text: a pandas ``object``,
    ``str`` or ``string`` column (``pd.read_csv(path, dtype=str)``), an Arrow or polars column
    of text.  Such a column of a numeric input is read as a CSV file's text is
    (:func:`year_cells`: the same rules, cell for cell, as the per-record reader's), not row
    by row.  (A numpy array is what a file's reader or a batch of records made: its cells
    are read already, or read one by one as before.)"""
    dtype = getattr(col, "dtype", None)
    if type(col).__module__.startswith("pandas"):
        return str(dtype) in ("object", "str", "string")
    typ = getattr(col, "type", None)
    if typ is not None and type(col).__module__.startswith("pyarrow"):
        import pyarrow as pa

        view = getattr(pa.types, "is_string_view", None)
        return bool(
            pa.types.is_string(typ)
            or pa.types.is_large_string(typ)
            or (view is not None and view(typ))
        )
    if type(col).__module__.startswith("polars"):
        return str(dtype) in ("String", "Utf8")
    return False


def year_cells(col: Any, target: Any, spec: Any) -> Any:
    """One year column's cells converted as the record reader converts them
    (:func:`~perfscore.ingest.columns.convert_cell`), as float64 (NaN: blank) or objects (a
    float where one holds the value): by Arrow's kernels for a column of numbers or text when
    pyarrow is there (:func:`~perfscore.ingest.arrowcells.input_cells`), else cell by cell."""
    arrow = _as_arrow(col)
    if arrow is not None:
        from ..ingest.arrowcells import input_cells

        return input_cells(arrow, target, spec, True)
    from ..ingest.columns import convert_cell
    from ..ingest.yearcols import year_value

    cells = cell_objects(col)
    out = np.empty(len(cells), object)
    out[:] = [year_value(convert_cell(target, spec, plain_cell(v))) for v in cells]
    return out


def _as_arrow(col: Any) -> Any:
    """``col`` as a pyarrow Array of numbers or text (None: no pyarrow, or other cells —
    ``Decimal`` objects, a mix of text and numbers — which are converted cell by cell)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - the columnar extra brings it
        return None
    try:
        if isinstance(col, pa.ChunkedArray):
            arr = col.combine_chunks()
        elif isinstance(col, pa.Array):
            arr = col
        elif hasattr(col, "to_arrow"):  # polars
            arr = col.to_arrow()
        else:
            arr = pa.array(col, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    typ = arr.type
    view = getattr(pa.types, "is_string_view", None)
    if view is not None and view(typ):  # (large_string, pandas' text, is read as it is)
        arr = arr.cast(pa.string())
        typ = arr.type
    ok = (
        pa.types.is_floating(typ)
        or pa.types.is_integer(typ)
        or pa.types.is_string(typ)
        or pa.types.is_large_string(typ)
        or pa.types.is_null(typ)
    )
    return arr if ok else None
