"""Series inputs (figures per year, ``type: series``) over a chunk: each one as exact integer
matrices on one calendar-year axis shared by the chunk — numerators at the input's own scale
(``value = num / den``, ``den`` a power of ten, ×100 for percents), a mask of the years the
row lists and a mask of the years with a value.

Cells are read as the per-record reader reads them (:mod:`~perfscore.columnar.seriescells`:
mappings of year → figure, or one column a year); a float figure is taken from a float vector
(its shortest decimal, :func:`~perfscore.columnar.rational.from_floats`), a ``Decimal`` exactly.
A refused cell is the input's error, a blank (``None``, NaN, ``""``, ``"-"``) its missing-data
policy.  Integers past int64 are Python
integers (object arrays): exact, only slower.  Rows whose years lie too far apart for one axis
(:data:`MAX_YEARS`), or that list a year twice, are the per-record path's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from ..ingest.yearcols import YearColumns
from ..subjects import InputSpec
from .bounds import F_ERROR, F_MISSING, Chunk
from .rational import LIMIT, from_floats
from .reasons import no
from .seriescells import Cells, parse_cells, parse_years
from .seriesmaps import rows_any

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


def _refused(spec: InputSpec, x: Any, fast: Any) -> Any:
    """The float figures (``fast``: a mask of them) the reader refuses: not finite, beyond
    1e15, below min, above max, not a whole number, or ``0.98`` in a percent series."""
    lo, hi = _float_bound(spec.min), _float_bound(spec.max)
    bad = fast & ~(np.abs(x) <= _TOP)  # NaN, infinite, too large
    if spec.of == "integer":
        bad |= fast & (np.floor(x) != x)
    if spec.of == "percent":
        bad |= fast & (x > 0) & (x <= 1)  # 0.98: 0.98 % or 98 %? the reader refuses it
    if lo is not None:
        bad |= fast & (x < lo)
    if hi is not None:
        bad |= fast & (x > hi)
    return bad


def _none_refused(spec: InputSpec, x: Any, blank: Any) -> bool:
    """No figure of the matrix ``x`` (``blank``: its blanks, which are NaN) refused, proved
    from its least and greatest figures (``fmin``/``fmax`` pass over NaN) in a few passes;
    False when that does not prove it (a NaN figure, a whole-number input, a percent series
    with figures on both sides of (0, 1]) — :func:`_refused` decides then, figure by figure."""
    lo, hi = _float_bound(spec.min), _float_bound(spec.max)  # (raises as _refused does)
    if spec.of == "integer" or not x.size:
        return not x.size
    flat = x.ravel(order="K")  # (in memory order: no copy)
    if np.count_nonzero(np.isnan(flat)) != np.count_nonzero(blank):
        return False  # a NaN figure (the reader refuses it), not a blank
    low, high = float(np.fmin.reduce(flat)), float(np.fmax.reduce(flat))
    if low != low:  # every cell blank
        return True
    if not (low >= -_TOP and high <= _TOP):
        return False
    if (lo is not None and low < lo) or (hi is not None and high > hi):
        return False
    return not (spec.of == "percent" and not (low > 1 or high <= 0))


def _checked(spec: InputSpec, parsed: Cells) -> None:
    """The checks the reader makes of a float figure (finite, within 1e15, min, max, a whole
    number), in bulk: a figure refused makes the row's cell an error; a year no axis holds
    sends the row to the per-record path."""
    for rows, years, x, blank in parsed.dense:
        if _none_refused(spec, x, blank):
            bad = None
        else:
            with np.errstate(invalid="ignore"):
                bad = rows_any(_refused(spec, x, ~blank))
        if bad is not None and bad.any():
            parsed.code[rows[bad]] = F_ERROR
        if (np.abs(years) >= _YEAR).any():
            parsed.odd[rows] = True
    rows, years, x, kind = parsed.arrays()
    if not len(rows):
        return
    bad = _refused(spec, x, kind == 0)
    if bad.any():
        parsed.code[rows[bad]] = F_ERROR
    far = np.abs(years) >= _YEAR
    if far.any():
        parsed.odd[rows[far]] = True


def _values(spec: InputSpec, parsed: Cells, keep: Any) -> tuple[Any, int]:
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


def _block_values(spec: InputSpec, p: Cells) -> list[tuple[Any, int]]:
    """Each matrix of ``p`` (:attr:`Cells.dense`) as exact numerators (rows × years) over one
    power of ten — blanks, and rows refused or sent per record, as 0; a matrix whose figures
    need more decimals than one scale holds is made entries again (:attr:`Cells.bulk`)."""
    out, keep = [], []
    for rows, years, x, blank in p.dense:
        code, odd = (p.code, p.odd) if len(rows) == len(p.code) else (p.code[rows], p.odd[rows])
        off = (code != 0) | odd
        zero = (blank | off[:, None]) if off.any() else blank
        z = np.where(zero, 0.0, x)
        fortran = bool(z.flags.f_contiguous and not z.flags.c_contiguous)
        q = from_floats(z.ravel(order="F" if fortran else "C"), percent=spec.of == "percent")
        if isinstance(q.d, int):
            out.append((q.n.reshape(x.shape, order="F" if fortran else "C"), q.d))
            keep.append((rows, years, x, blank))
            continue
        k = len(years)
        kind = np.where(blank, np.int8(2), np.int8(0)).ravel()
        p.bulk.append((np.repeat(rows, k), np.tile(years, len(rows)), x.ravel(), kind))
        p.merged = None
    p.dense = keep
    return out


def _axis(
    n: int, parsed: Mapping[str, Cells], got: list[Any], pad: int
) -> tuple[int, int, Any]:  # fmt: skip
    """The chunk's year axis (its first year, its width) and a mask of the rows it holds."""
    every = [a[1][p.code[a[0]] == 0] for a, p in zip(got, parsed.values(), strict=True)]
    for p in parsed.values():
        every += [years for rows, years, _, _ in p.dense if (p.code[rows] == 0).any()]
    every = [y for y in every if len(y)]
    keep_row = np.ones(n, bool)
    if not every:
        return 0, pad + 1, keep_row
    years = np.concatenate(every)
    years = years[np.abs(years) < _YEAR]
    lo, hi = (int(years.min()), int(years.max())) if len(years) else (0, 0)
    if hi - lo + 1 + pad > MAX_YEARS:  # far-apart years (a typo?): those rows per record
        latest = np.full(n, -_YEAR, np.int64)
        for rows, ys, _, _ in got:
            np.maximum.at(latest, rows, np.clip(ys, -_YEAR, _YEAR))
        blocks = [b for p in parsed.values() for b in p.dense]
        for rows, ys, _, _ in blocks:
            latest[rows] = np.maximum(latest[rows], min(int(ys.max()), _YEAR))
        hi = int(np.median(latest[latest > -_YEAR]))
        lo = hi - (MAX_YEARS - pad) + 1
        for rows, ys, _, _ in got:
            keep_row[rows[(ys < lo) | (ys > hi)]] = False
        for rows, ys, _, _ in blocks:
            if ((ys < lo) | (ys > hi)).any():
                keep_row[rows] = False
    y0 = lo - pad
    return y0, hi - y0 + 1, keep_row


def read_series(
    names: list[str], ctx: Chunk, cols: Mapping[str, Any], inputs: Mapping[str, InputSpec], pad: int
) -> None:
    """Each series input read: ``ctx.series[name]`` (:class:`SeriesCol`), its failure codes
    in ``ctx.codes``, the chunk's year axis in ``ctx.year0`` (rows that do not fit: flagged).
    Rows read as matrices (one column a year, or mappings holding the same years in one
    order) are laid on the axis a year at a time; other entries one by one."""
    n = ctx.n
    parsed = {}
    block_q = {}
    for name in names:
        col = cols.get(name)
        if isinstance(col, YearColumns):
            p = parsed[name] = parse_years(inputs[name], col, n)
        else:
            p = parsed[name] = parse_cells(inputs[name], None if col is None else col.tolist(), n)
        _checked(inputs[name], p)
        block_q[name] = _block_values(inputs[name], p)
    got = [p.arrays() for p in parsed.values()]
    y0, width, keep_row = _axis(n, parsed, got, pad)
    ctx.year0 = y0
    odd = ~keep_row
    for (name, p), (rows, ys, _, kinds) in zip(parsed.items(), got, strict=True):
        odd |= p.odd
        code = p.code
        # year-major (order F): a row's reduction over its few years (any, sum, a broadcast
        # row mask) then runs along whole columns — m.any(axis=1) of 65,536 × 3 took 0.85 ms
        # in row-major order, 0.004 ms so
        listed = np.zeros((n, width), bool, order="F")
        present = np.zeros((n, width), bool, order="F")
        keep = keep_row[rows] & (code[rows] == 0) & ~p.odd[rows]
        parts: list[tuple[Any, Any, Any, Any, int]] = []  # rows, years, figures?, values, den
        if keep.any():
            r, y = rows[keep], ys[keep] - y0
            listed[r, y] = True
            has = kinds[keep] != 2
            present[r[has], y[has]] = True
            vals, den = _values(inputs[name], p, _mask(keep, has))
            parts.append((r[has], y[has], None, vals, den))
        for (brows, years, _, blank), (bn, bd) in zip(p.dense, block_q[name], strict=True):
            if len(brows) == n:  # every row (in order): no index needed
                ok = keep_row & (code == 0) & ~p.odd
            else:
                ok = keep_row[brows] & (code[brows] == 0) & ~p.odd[brows]
            y = _columns(years - y0)
            if not ok.all():
                if not ok.any():
                    continue
                if len(brows) == n:  # every row: the others masked out, not copied out
                    listed[:, y] |= ok[:, None]
                    present[:, y] |= ~blank & ok[:, None]
                    if not keep_row.all():  # (refused and per-record rows hold 0 already)
                        bn = np.where(ok[:, None], bn, 0)
                    parts.append((slice(None), y, blank, bn, bd))
                    continue
                brows, blank, bn = brows[ok], blank[ok], bn[ok]
            at = slice(None) if len(brows) == n else brows if type(y) is slice else brows[:, None]
            listed[at, y] = True
            present[at, y] = ~blank
            parts.append((at, y, blank, bn, bd))
        common = 1
        for part in parts:
            common = common * part[4] // math.gcd(common, part[4])
        # (an int64 array here is below LIMIT: × 1 is itself)
        scaled = [part[3] if part[4] == common else mul(part[3], common // part[4])
                  for part in parts]  # fmt: skip
        if len(parts) == 1 and _whole(parts[0][0], parts[0][1], width):
            num = scaled[0]  # one matrix of every row and year: the numerators as they are
        else:
            num = np.zeros((n, width), np.int64, order="F")
            if any(v.dtype == object for v in scaled):
                num = num.astype(object)
            for (at, y, _, _, _), vals in zip(parts, scaled, strict=True):
                num[at, y] = vals  # (a matrix's blanks hold 0, as the entries leave them)
        ctx.series[name] = SeriesCol(listed, present, num, common)
        # a row whose series holds no figure at all ({}, every year blank) has no series: the
        # input's blank, as the reader reads it (fieldread: BLANK)
        empty = keep_row & (code == 0) & ~p.odd
        for j in range(width):  # (column by column: any(axis=1) costs more on a few years)
            empty &= ~present[:, j]
        if empty.any():
            code[empty] = F_ERROR if inputs[name].required else F_MISSING
        if code.any():
            ctx.codes[name] = code
    if odd.any():
        ctx.flag(odd)


def _whole(rows: Any, years: Any, width: int) -> bool:
    """``rows``, ``years`` index every row and every year of the axis."""
    return (
        type(rows) is slice and rows == slice(None)
        and type(years) is slice and years == slice(0, width)
    )  # fmt: skip


def _columns(at: Any) -> Any:
    """Axis columns ``at`` (years − year0) as a slice when they run one after another (the
    usual year columns): a slice writes a matrix's columns without an index."""
    if len(at) and np.array_equal(at, np.arange(at[0], at[0] + len(at))):
        return slice(int(at[0]), int(at[0]) + len(at))
    return at


def _mask(keep: Any, has: Any) -> Any:
    """The entries kept that hold a figure, as a mask over all entries."""
    out = np.zeros(len(keep), bool)
    out[np.flatnonzero(keep)[has]] = True
    return out
