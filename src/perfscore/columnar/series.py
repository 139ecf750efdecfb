"""Series inputs (figures per year, ``type: series``) over a chunk: each one as exact integer
matrices on one calendar-year axis shared by the chunk — numerators at the input's own scale
(``value = num / den``, ``den`` a power of ten, ×100 for percents), a mask of the years the
row lists and a mask of the years with a value.

Cells are read as the per-record reader reads them: a mapping of year → figure, ``None`` for a
year without one; a plain ``int``/``float`` figure is taken from a float vector (its shortest
decimal, :func:`~perfscore.columnar.rational.from_floats`), anything else (``"1,234.5万元"``, a
``Decimal`` with more digits than a float holds, a non-mapping) through
:func:`perfscore.subjects.normalise_value` itself.  A refused cell is the input's error, a blank
(``None``, NaN, ``""``, ``"-"``) its missing-data policy.  Integers past int64 are Python
integers (object arrays): exact, only slower.  Rows whose years lie too far apart for one axis
(:data:`MAX_YEARS`), or that list a year twice, are the per-record path's.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from itertools import chain, repeat
from typing import Any

import numpy as np

from ..rawvalue import is_blank_text
from ..subjects import InputSpec, normalise_value
from ..values import Series
from .bounds import F_ERROR, F_MISSING, Chunk
from .frames import plain_cell
from .rational import LIMIT, from_floats
from .reasons import no

__all__ = ["MAX_YEARS", "SeriesCol", "big", "mul", "read_series", "to_obj"]

#: the most calendar years one chunk's axis spans (padding for ``last(…, n)`` included)
MAX_YEARS = 64
_TOP = 1e15  # the reader refuses a figure beyond this (rawvalue.MAX_EXPONENT)
_YEAR = 10**6  # a year key past this is the per-record path's


class SeriesCol:
    """One series per row on the chunk's year axis: ``listed`` (rows × years, bool) the years
    the series has, ``present`` those with a value, ``num``/``den`` the values (``den`` a
    positive Python int or an array like ``num``; only ``present`` cells are meaningful)."""

    __slots__ = ("den", "listed", "num", "present")

    def __init__(self, listed: Any, present: Any, num: Any, den: Any) -> None:
        self.listed, self.present, self.num, self.den = listed, present, num, den


def big(x: Any) -> int:
    """The largest magnitude in an integer array (or of an int)."""
    if isinstance(x, int):
        return abs(x)
    if x.size == 0:
        return 0
    if x.dtype == object:
        return max(abs(int(x.min())), abs(int(x.max())))
    return max(-int(x.min()), int(x.max()))


def to_obj(x: Any) -> Any:
    return x if isinstance(x, int) or x.dtype == object else x.astype(object)


def mul(x: Any, y: Any) -> Any:
    """``x · y`` exactly: int64 where the magnitudes prove it fits, else Python integers."""
    if isinstance(x, int) and isinstance(y, int):
        return x * y
    small = big(x) < LIMIT and big(y) < LIMIT  # (a Python int past int64: no numpy scalar)
    if small and big(x) * big(y) < LIMIT and not _is_obj(x) and not _is_obj(y):
        return x * y
    return to_obj(x) * to_obj(y)


def _is_obj(x: Any) -> bool:
    return not isinstance(x, int) and x.dtype == object


def _float_bound(x: Decimal | None) -> float | None:
    if x is None:
        return None
    f = float(x)
    if Decimal(f) != x or not abs(f) < _TOP:
        raise no("series_bound", x=x)
    return f


class _Cells:
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
        #: entries read in bulk (arrays), before those above
        self.bulk: tuple[Any, Any, Any, Any] | None = None
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
            if self.bulk is not None:
                shift = len(self.bulk[0])
                self.decimals = {k + shift: v for k, v in self.decimals.items()}
                a, b = self.bulk, one
                one = tuple(np.concatenate([x, y]) for x, y in zip(a, b, strict=True))  # type: ignore[assignment]
            self.merged = one
        return self.merged


_PLAIN = {int, float, type(None)}


def _float(v: float) -> float:
    """A figure as a float; an integer too large for the reader: infinite (refused)."""
    return float(v) if type(v) is float or -_TOP <= v <= _TOP else math.inf


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


def _bulk(out: _Cells, rows: list[int], ds: list[dict[Any, Any]]) -> list[int]:
    """Mappings of year → int/float/None read all at once; the rows holding anything else
    (a text figure, a Decimal, another key) are returned, for the reader itself."""
    keys = list(chain.from_iterable(ds))
    values = list(chain.from_iterable(map(dict.values, ds)))
    size = len(values)
    lens = np.fromiter(map(len, ds), np.int64, len(ds))
    at = np.repeat(np.array(rows, np.int64), lens)
    key_types = set(map(type, keys))
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
    except OverflowError:  # an integer past float64: refused (too large)
        x = np.array([0.0 if v is None else _float(v) for v in values], np.float64)
        x[np.isnan(x)] = 0.0
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
    out.bulk = (at, years, x, kind)
    slow: list[int] = np.flatnonzero(other).tolist()
    return slow


def _parse(spec: InputSpec, cells: list[Any] | None, n: int) -> _Cells:
    """The cells of one series input (None: the data has no such column — every row blank,
    decided at once, as are the null cells of a column)."""
    out = _Cells(n)
    blank = F_ERROR if spec.required else F_MISSING
    if cells is None:
        out.code[:] = blank
        return out
    kinds = [c.__class__ for c in cells]
    dicts = np.flatnonzero(np.fromiter(map(operator.is_, kinds, repeat(dict)), bool, n))
    nulls = np.fromiter(map(operator.is_, cells, repeat(None)), bool, n)
    out.code[nulls] = blank
    taken = nulls.copy()
    taken[dicts] = True
    dicts = dicts.tolist()
    slow = np.flatnonzero(~taken).tolist()
    slow += _bulk(out, dicts, [cells[i] for i in dicts])
    for i in slow:
        cell = cells[i]
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
    return out


def _checked(spec: InputSpec, parsed: _Cells) -> None:
    """The checks the reader makes of a float figure (finite, within 1e15, min, max, a whole
    number), in bulk: a figure refused makes the row's cell an error; a year no axis holds
    sends the row to the per-record path."""
    rows, years, x, kind = parsed.arrays()
    if not len(rows):
        return
    lo, hi = _float_bound(spec.min), _float_bound(spec.max)
    fast = kind == 0
    bad = fast & ~(np.abs(x) <= _TOP)  # NaN, infinite, too large
    if spec.of == "integer":
        bad |= fast & (np.floor(x) != x)
    if spec.of == "percent":
        bad |= fast & (x > 0) & (x <= 1)  # 0.98: 0.98 % or 98 %? the reader refuses it
    if lo is not None:
        bad |= fast & (x < lo)
    if hi is not None:
        bad |= fast & (x > hi)
    if bad.any():
        parsed.code[rows[bad]] = F_ERROR
    far = np.abs(years) >= _YEAR
    if far.any():
        parsed.odd[rows[far]] = True


def _values(spec: InputSpec, parsed: _Cells, keep: Any) -> tuple[Any, int]:
    """Exact numerators of the entries (``keep``: a mask of them) over one denominator: float
    figures from the float vector, Decimal ones (and floats a short decimal does not hold)
    as Python integers."""
    _, _, floats, kinds = parsed.arrays()
    kind, x = kinds[keep], floats[keep]
    idx = np.flatnonzero(keep)
    fast = kind == 0
    q = from_floats(np.where(fast, x, 0.0), percent=spec.of == "percent")
    dec = np.flatnonzero(kind == 1)
    if isinstance(q.d, int) and not len(dec):
        return q.n, q.d
    if isinstance(q.d, int):
        den, num = q.d, q.n
        extra = [Fraction(parsed.decimals[int(idx[j])]) for j in dec.tolist()]
    else:  # some float needs more than 12 decimals: every figure as a fraction
        num, den = np.zeros(len(kind), np.int64), 1
        fr = q.fractions()
        extra = [fr[j] if k == 0 else Fraction(parsed.decimals[int(idx[j])]) for j, k in
                 enumerate(kind.tolist()) if k != 2]  # fmt: skip
        dec = np.flatnonzero(kind != 2)
    common = den
    for f in extra:
        common = common * f.denominator // math.gcd(common, f.denominator)
    num = mul(num, common // den)
    if len(dec):
        vals = [f.numerator * (common // f.denominator) for f in extra]
        if max(map(abs, vals)) >= LIMIT or num.dtype == object:
            num = to_obj(num)
        num[dec] = vals
    return num, common


def read_series(
    names: list[str], ctx: Chunk, cols: Mapping[str, Any], inputs: Mapping[str, InputSpec], pad: int
) -> None:
    """Each series input read: ``ctx.series[name]`` (:class:`SeriesCol`), its failure codes
    in ``ctx.codes``, the chunk's year axis in ``ctx.year0`` (rows that do not fit: flagged)."""
    n = ctx.n
    parsed = {}
    for name in names:
        col = cols.get(name)
        p = parsed[name] = _parse(inputs[name], None if col is None else col.tolist(), n)
        _checked(inputs[name], p)
    got = [p.arrays() for p in parsed.values()]
    every = [a[1][p.code[a[0]] == 0] for a, p in zip(got, parsed.values(), strict=True)]
    every = [y for y in every if len(y)]
    keep_row = np.ones(n, bool)
    if not every:
        y0, width = 0, pad + 1
    else:
        years = np.concatenate(every)
        years = years[np.abs(years) < _YEAR]
        lo, hi = (int(years.min()), int(years.max())) if len(years) else (0, 0)
        if hi - lo + 1 + pad > MAX_YEARS:  # far-apart years (a typo?): those rows per record
            latest = np.full(n, -_YEAR, np.int64)
            for rows, ys, _, _ in got:
                np.maximum.at(latest, rows, np.clip(ys, -_YEAR, _YEAR))
            hi = int(np.median(latest[latest > -_YEAR]))
            lo = hi - (MAX_YEARS - pad) + 1
            for rows, ys, _, _ in got:
                keep_row[rows[(ys < lo) | (ys > hi)]] = False
        y0 = lo - pad
        width = hi - y0 + 1
    ctx.year0 = y0
    odd = ~keep_row
    for (name, p), (rows, ys, _, kinds) in zip(parsed.items(), got, strict=True):
        odd |= p.odd
        code = p.code
        listed = np.zeros((n, width), bool)
        present = np.zeros((n, width), bool)
        keep = keep_row[rows] & (code[rows] == 0) & ~p.odd[rows]
        num: Any = np.zeros((n, width), np.int64)
        den = 1
        if keep.any():
            r, y = rows[keep], ys[keep] - y0
            listed[r, y] = True
            has = kinds[keep] != 2
            present[r[has], y[has]] = True
            vals, den = _values(inputs[name], p, _mask(keep, has))
            if vals.dtype == object:
                num = num.astype(object)
            num[r[has], y[has]] = vals
        ctx.series[name] = SeriesCol(listed, present, num, den)
        if code.any():
            ctx.codes[name] = code
    if odd.any():
        ctx.flag(odd)


def _mask(keep: Any, has: Any) -> Any:
    """The entries kept that hold a figure, as a mask over all entries."""
    out = np.zeros(len(keep), bool)
    out[np.flatnonzero(keep)[has]] = True
    return out
