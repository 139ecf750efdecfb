"""A series input given one column a year (:mod:`perfscore.ingest.seriescols`), held by
columns for the columnar scorer: each year's figures as one column converted by the rules
every numeric column is converted by (:func:`~perfscore.ingest.arrowcells.input_cells`:
numbers, blanks written many ways, ``1,234.5``, ``80万元`` text, the header's unit), so the
scorer reads the years straight into its integer matrices
(:func:`perfscore.columnar.series.read_series`) without making a ``{year: figure}`` cell per
row and parsing it back.

A row whose cells those rules leave as anything but a float or a blank (a refused cell, a
figure a float does not hold, ``0.98%``) is read as before: its ``{year: value}`` mapping is
made from its raw cells exactly as the record reader makes it (:meth:`YearColumns.take`) —
what the scorer's per-cell reader and its per-record path read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

__all__ = ["YearColumns", "year_value"]

#: more digits than this the record reader refuses (rawvalue.checked), though a float may hold
#: the value (``1.000…0`` written with 30 zeros)
_DIGITS = 28


def year_value(v: Any) -> Any:
    """A converted cell (:func:`~perfscore.ingest.columns.convert_cell`) as a year column
    holds it: a ``Decimal`` a float holds exactly as that float (its shortest text is the
    decimal), anything else as it is."""
    if (
        type(v) is Decimal
        and v.is_finite()
        and len(v.as_tuple().digits) <= _DIGITS
        and Decimal(repr(f := float(v))) == v
    ):
        return f
    return v


class YearColumns:
    """The rows of one series input by its year columns.  ``years[j]`` is column ``j``'s
    year (a year twice: the later column wins, as a later key of a record); ``values[j]``
    its cells as float64 (NaN: blank) or objects — a float, None (blank) or what the
    conversion left (a ``Decimal``, a :class:`~perfscore.subjects.CellProblem`, text).
    ``exact(rows)`` gives rows' cells as the record reader makes them (``{year: value}``,
    None, or the first refused cell's problem); rows count from ``start``."""

    __slots__ = ("exact", "start", "values", "years")

    def __init__(
        self,
        years: Sequence[int],
        values: Sequence[Any],
        exact: Callable[[Any], list[Any]],
        start: int = 0,
    ) -> None:
        self.years = list(years)
        self.values = list(values)
        self.exact = exact
        self.start = start

    def __len__(self) -> int:
        return len(self.values[0]) if self.values else 0

    def __getitem__(self, rows: Any) -> Any:
        """A slice of rows (a chunk) as YearColumns; rows by an index array as their cells
        (an object array of what :meth:`take` gives)."""
        if isinstance(rows, slice):
            lo, _, step = rows.indices(len(self))
            if step == 1:
                return YearColumns(
                    self.years, [v[rows] for v in self.values], self.exact, self.start + lo
                )
            rows = np.arange(len(self))[rows]
        cells = self.take(rows)
        out = np.empty(len(cells), object)
        out[:] = cells
        return out

    def take(self, rows: Any) -> list[Any]:
        """The cells of ``rows`` (an index array) as the record reader makes them."""
        return self.exact(np.asarray(rows, np.int64) + self.start)

    def tolist(self) -> list[Any]:
        return self.take(np.arange(len(self)))
