"""The cells of one series input in a chunk, read into entries — (row, year, figure) — for
:func:`perfscore.columnar.series.read_series` to check and lay out on the chunk's year axis.

Cells are read as the per-record reader reads them: a mapping of year → figure, ``None`` for a
year without one; a plain ``int``/``float`` figure is taken from a float vector, anything else
(``"1,234.5万元"``, a ``Decimal`` with more digits than a float holds, a non-mapping) through
:func:`perfscore.subjects.normalise_value` itself.  A series given one column a year
(:class:`~perfscore.ingest.yearcols.YearColumns`) is read by its columns."""

from __future__ import annotations

import math
import operator
from decimal import Decimal
from itertools import chain, repeat
from typing import Any

import numpy as np

from ..ingest.yearcols import YearColumns
from ..rawvalue import is_blank_text
from ..subjects import InputSpec, normalise_value
from ..values import Series
from .bounds import F_ERROR, F_MISSING
from .frames import plain_cell
from .seriesmaps import Block, in_order, rows_all

__all__ = ["Block", "Cells", "parse_cells", "parse_years"]

_TOP = 1e15  # the reader refuses a figure beyond this (rawvalue.MAX_EXPONENT)
_YEAR = 10**6  # a year key past this is the per-record path's


class Cells:
    """The parsed cells of one series input in a chunk: per row a failure code, and the
    entries (row, year, value) — a float, a Decimal or None (a year listed without one)."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, np.int8)
        self.odd = np.zeros(n, bool)  # the per-record path's rows
        self.rows: list[int] = []
        self.years: list[int] = []
        self.floats: list[float] = []  # one per entry (0.0 where not a float figure)
        self.kind: list[int] = []  # 0 a float figure, 1 a Decimal, 2 no value
        self.decimals: dict[int, Decimal] = {}  # entry index → Decimal figure
        #: entries read in bulk (arrays, by groups), before those above
        self.bulk: list[tuple[Any, Any, Any, Any]] = []
        #: rows read as matrices (rows, years, figures, blanks: :data:`.seriesmaps.Block`)
        #: — not among the entries
        self.dense: list[Block] = []
        self.merged: tuple[Any, Any, Any, Any] | None = None

    def add(self, i: int, years: list[int], values: list[Any]) -> None:
        k = len(years)
        self.rows.extend([i] * k)
        self.years.extend(years)
        self.floats.extend([0.0 if v is None else _float(v) for v in values])
        self.kind.extend([2 if v is None else 0 for v in values])

    def arrays(self) -> tuple[Any, Any, Any, Any]:
        """Every entry: rows, years, floats, kinds (the bulk ones first; the Decimal figures'
        indices shifted past them) — merged once."""
        if self.merged is None:
            one = (
                np.array(self.rows, np.int64),
                np.array(self.years, np.int64),
                np.array(self.floats),
                np.array(self.kind, np.int8),
            )
            if self.bulk:
                shift = sum(len(b[0]) for b in self.bulk)
                self.decimals = {k + shift: v for k, v in self.decimals.items()}
                parts = [*self.bulk, one]
                one = tuple(np.concatenate(x) for x in zip(*parts, strict=True))  # type: ignore[assignment]
            self.merged = one
        return self.merged


_PLAIN = {int, float, np.float64, type(None)}  # (numpy.float64 is a float)


def _float(v: float | int) -> float:
    """A figure as a float; an integer too large for the reader: infinite (refused)."""
    return float(v) if isinstance(v, float) or -_TOP <= v <= _TOP else math.inf


def _year(k: Any) -> int | None:
    try:
        return int(k)
    except ValueError:
        return None


def _key_years(keys: list[Any], key_types: set[type]) -> Any:
    """The years of keys that are all ints, or all short ASCII digit strings, in one numpy
    conversion (None: not so — key by key then)."""
    try:
        if key_types == {int}:
            return np.array(keys, np.int64)
        if key_types == {str} and keys:
            joined = "".join(keys)
            if joined.isascii() and joined.isdigit() and 0 < min(map(len, keys)) <= 9:
                return np.array(keys).astype(np.int64)  # (max(len) ≤ 9 by the sum check)
    except OverflowError:
        return None
    return None


def _bulk(out: Cells, rows: list[int], ds: list[dict[Any, Any]]) -> list[int]:
    """Mappings of year → int/float/None read all at once; the rows holding anything else
    (a text figure, a Decimal, another key) are returned, for the reader itself."""
    keys = list(chain.from_iterable(ds))
    key_types = set(map(type, keys))
    got = in_order(np.array(rows, np.int64), ds, keys, key_types)
    if got is not None:  # the same years in one order in every row (the usual column)
        block, odd = got
        if block is not None:
            out.dense.append(block)
        return list(odd.tolist())
    values = list(chain.from_iterable(map(dict.values, ds)))
    size = len(values)
    lens = np.fromiter(map(len, ds), np.int64, len(ds))
    at = np.repeat(np.array(rows, np.int64), lens)
    value_types = set(map(type, values))
    other = np.zeros(len(out.odd), bool)
    plain = None
    if not value_types <= _PLAIN:
        plain = np.fromiter(map(_PLAIN.__contains__, map(type, values)), bool, size)
    if not key_types <= {int, str}:
        ok = np.fromiter((t is int or t is str for t in map(type, keys)), bool, size)
        plain = ok if plain is None else plain & ok
    if plain is not None:  # those rows: the reader; their entries: placeholders here
        other[at[~plain]] = True
        for i in np.flatnonzero(~plain).tolist():
            values[i], keys[i] = None, 0
        key_types = set(map(type, keys))
    keep = ~other[at]
    years = _key_years(keys, key_types)
    if years is None and key_types == {int, str}:  # numbers and text: each kind at once
        is_str = np.fromiter(map(operator.is_, map(type, keys), repeat(str)), bool, size)
        text = [keys[i] for i in np.flatnonzero(is_str).tolist()]
        got = _key_years(text, {str})
        if got is not None:
            try:
                years = np.empty(size, np.int64)
                years[~is_str] = np.array(keys, object)[~is_str].astype(np.int64)
                years[is_str] = got
            except OverflowError:
                years = None
    if years is None:
        listed = [k if type(k) is int else _year(k) for k in keys]
        not_year = np.fromiter((y is None for y in listed), bool, size) & keep
        if not_year.any():  # the reader refuses a key that is no year
            out.code[at[not_year]] = F_ERROR
            keep &= ~not_year
        years = np.array(
            [y if y is not None and -_YEAR < y < _YEAR else _YEAR for y in listed], np.int64
        )
    try:
        x = np.array(values, np.float64)  # None → NaN
    except OverflowError:  # an integer past float64: refused (too large); None stays blank
        x = np.array([math.nan if v is None else _float(v) for v in values], np.float64)
    kind = np.zeros(size, np.int8)
    nan = np.flatnonzero(np.isnan(x))
    if len(nan):  # a blank year (None), or a NaN figure (refused: it stays NaN)
        blank = np.fromiter((values[i] is None for i in nan.tolist()), bool, len(nan))
        kind[nan[blank]] = 2
        x[nan[blank]] = 0.0
    at, years, x, kind = at[keep], years[keep], x[keep], kind[keep]
    if str in key_types and len(at):  # '2021' and 2021 in one row: a year given twice
        key = np.sort(at * (4 * _YEAR) + (np.clip(years, -_YEAR, _YEAR) + 2 * _YEAR))
        same = key[1:] == key[:-1]
        if same.any():
            twice = np.zeros(len(other), bool)
            twice[key[1:][same] // (4 * _YEAR)] = True
            out.odd |= twice
            keep2 = ~twice[at]
            at, years, x, kind = at[keep2], years[keep2], x[keep2], kind[keep2]
    out.bulk.append((at, years, x, kind))
    slow: list[int] = np.flatnonzero(other).tolist()
    return slow


def parse_cells(spec: InputSpec, cells: list[Any] | None, n: int) -> Cells:
    """The cells of one series input (None: the data has no such column — every row blank,
    decided at once, as are the null cells of a column)."""
    out = Cells(n)
    blank = F_ERROR if spec.required else F_MISSING
    if cells is None:
        out.code[:] = blank
        return out
    if set(map(type, cells)) == {dict}:  # (the usual column: a mapping in every row)
        dicts, slow = list(range(n)), []
        ds = cells
    else:
        kinds = [c.__class__ for c in cells]
        found = np.flatnonzero(np.fromiter(map(operator.is_, kinds, repeat(dict)), bool, n))
        nulls = np.fromiter(map(operator.is_, cells, repeat(None)), bool, n)
        out.code[nulls] = blank
        taken = nulls.copy()
        taken[found] = True
        dicts = found.tolist()
        slow = np.flatnonzero(~taken).tolist()
        ds = [cells[i] for i in dicts]
    slow += _bulk(out, dicts, ds)
    _read_cells(spec, out, slow, [cells[i] for i in slow])
    return out


def _read_cells(spec: InputSpec, out: Cells, rows: list[int], cells: list[Any]) -> None:
    """Cells (of ``rows``) the bulk reading left, each read as the per-record reader reads it:
    their entries, codes and per-record rows in ``out``."""
    for i, cell in zip(rows, cells, strict=True):
        x = cell if type(cell) is dict else plain_cell(cell)
        if isinstance(x, str) and is_blank_text(x):
            x = None  # "", "-", "—": a blank cell, as the reader takes it
        if x is None:
            out.code[i] = F_ERROR if spec.required else F_MISSING
            continue
        if type(x) is dict:  # year → int/float/None: read in place, checked in bulk after
            keys, values = list(x), list(x.values())
            key_types = set(map(type, keys))
            if set(map(type, values)) <= _PLAIN and key_types <= {int, str}:
                try:
                    years = [int(k) for k in keys]
                except ValueError:
                    out.code[i] = F_ERROR  # not a year: the reader refuses it too
                    continue
                if len(set(years)) == len(years):
                    out.add(i, years, values)
                else:
                    out.odd[i] = True  # a year given twice
                continue
        try:
            series = normalise_value(spec, x)  # the reader itself (its errors too)
        except ValueError:
            out.code[i] = F_ERROR
            continue
        except Exception:  # what the reader does with it is the per-record path's to say
            out.odd[i] = True
            continue
        if series is None:  # no figure at all: no series, as the reader reads it
            out.code[i] = F_ERROR if spec.required else F_MISSING
            continue
        assert isinstance(series, Series)
        years = [y for y, _ in series.points]
        if len(set(years)) != len(years):
            out.odd[i] = True
            continue
        for year, v in series.points:
            out.rows.append(i)
            out.years.append(year)
            out.floats.append(0.0)
            if v is None:
                out.kind.append(2)
            else:
                out.decimals[len(out.kind)] = v
                out.kind.append(1)


def parse_years(spec: InputSpec, given: YearColumns, n: int) -> Cells:
    """The cells of one series input given one column a year: the rows whose cells are all
    floats or blanks read by columns — the years listed are the columns' (a year twice: its
    later column), a row of blanks only is a blank series —, every other row's cell made as
    the record reader makes it (:meth:`YearColumns.take`) and read as any other cell."""
    out = Cells(n)
    last = {year: j for j, year in enumerate(given.years)}  # a later column wins
    place = {year: k for k, year in enumerate(last)}
    years = np.array(list(last), np.int64)
    x = np.empty((n, len(last)), order="F")  # (a year's figures contiguous: see series.py)
    odd = np.zeros(n, bool)  # a cell that is neither a float nor a blank: read per cell
    for j, col in enumerate(given.values):
        if col.dtype == object:
            kinds = list(map(type, col.tolist()))
            fl = np.fromiter(map(operator.is_, kinds, repeat(float)), bool, n)
            none = np.fromiter(map(operator.is_, kinds, repeat(type(None))), bool, n)
            odd |= ~(fl | none)
            f = np.full(n, np.nan)
            f[fl] = col[fl].astype(np.float64)
            col = f
        if last[given.years[j]] == j:
            x[:, place[given.years[j]]] = col
    blank = np.isnan(x)
    none = rows_all(blank)  # no figure in the row: a blank series
    fast = ~(odd | none)
    if none.any():
        out.code[none & ~odd] = F_ERROR if spec.required else F_MISSING
    if fast.all() or (fast.any() and not odd.any()):
        # every row, those of blanks only too (their code is set: they are left out when the
        # matrix is laid on the axis) — no copy of the other rows
        out.dense.append((np.arange(n), years, x, blank))
    elif fast.any():
        out.dense.append((np.flatnonzero(fast), years, x[fast], blank[fast]))
    slow = np.flatnonzero(odd)
    if len(slow):
        _read_cells(spec, out, slow.tolist(), given.take(slow))
    return out
