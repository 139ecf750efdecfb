"""Functions over series on the columnar path, exact: ``ratio_series``, ``composition_variance``,
``last(s, n)`` (a series), ``mean``, ``sum``, ``count``, ``count_within``/``_below``/``_above``,
``min``/``max`` of a series and ``year(s, y)`` (a number per row) — each the exact form
the per-record path decides by (:mod:`perfscore.exact`), in integers over the chunk's year axis
(:mod:`~perfscore.columnar.series`); and what ``series_bands`` asks of a series (the window of
the last years, the years inside a band).

A metric over series fails where the per-record function raises, in the same order: a zero
denominator in any year (the rule set's ``zero_division``), then ``mean`` of no values (a zero
denominator too), then ``mean`` over a listed year without a value (an error).  The expression
around them is :mod:`~perfscore.columnar.seriesexpr`'s; a number it gives becomes an ordinary
metric column (:func:`~perfscore.columnar.stages.run_series_metric`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..intervals import Interval
from .intcols import where_int
from .rational import LIMIT, Q
from .reasons import no
from .series import SeriesCol, big, mul, to_obj

__all__ = ["Raised", "any_year", "count_years", "latest_year", "window", "within"]


class Raised:
    """Per row, the first failure an expression raised (as the per-record evaluation stops at
    the first): zero denominators, errors, and missing values computed with (``year(s, y)``
    of a year without a figure, consumed: the per-record ``MissingValueError``)."""

    def __init__(self, n: int) -> None:
        self.zero = np.zeros(n, bool)
        self.error = np.zeros(n, bool)
        self.missing = np.zeros(n, bool)
        #: the rows where the expression's value is None without a failure (``year(s, y)``)
        self.none: Any = None

    def add(self, mask: Any, error: bool = False, missing: bool = False) -> None:
        new = mask & ~(self.zero | self.error | self.missing)
        if missing:
            self.missing |= new
        elif error:
            self.error |= new
        else:
            self.zero |= new


# -- per row over the year axis ------------------------------------------------------------------
# (numpy reduces a rows × years matrix along its short axis 4-10 times slower than it combines
# its year columns one after another, or reduces the years-major copy: measured on 40,000 × 6)


def any_year(m: Any) -> Any:
    """Per row, whether any year of bool matrix ``m`` holds."""
    n, width = m.shape
    if width == 0:
        return np.zeros(n, bool)
    out = m[:, 0].copy()
    for j in range(1, width):
        out |= m[:, j]
    return out


def count_years(m: Any) -> Any:
    """Per row, how many years of bool matrix ``m`` hold (int64)."""
    width = m.shape[1]
    if width == 0 or width > 255:
        return m.sum(axis=1).astype(np.int64)
    ones = m.view(np.uint8)  # (bytes 0/1: counted in bytes, below 256)
    out = ones[:, 0].copy()
    for j in range(1, width):
        out += ones[:, j]
    return out.astype(np.int64)


def latest_year(m: Any) -> Any:
    """Per row, the last column of bool matrix ``m`` that holds (−1: none)."""
    n, width = m.shape
    if width == 0:
        return np.full(n, -1, np.int64)
    kind = np.int16 if width < 32000 else np.int64
    rank = np.arange(1, width + 1, dtype=kind)[:, None] * np.ascontiguousarray(m.T)
    return rank.max(axis=0).astype(np.int64) - 1


# -- the functions -------------------------------------------------------------------------------


def _common(cols: list[SeriesCol]) -> tuple[list[Any], int]:
    """The numerators of series with scalar denominators over their least common one."""
    den = 1
    for c in cols:
        if not isinstance(c.den, int):
            raise no("computed_series", name="composition_variance")
        den = den * c.den // math.gcd(den, c.den)
    return [mul(c.num, den // c.den) for c in cols], den


def _add(x: Any, y: Any) -> Any:
    if big(x) + big(y) < LIMIT and not (x.dtype == object or y.dtype == object):
        return x + y
    return to_obj(x) + to_obj(y)


def ratio_series(a: SeriesCol, b: SeriesCol, raised: Raised) -> SeriesCol:
    """Per year ``a / b`` (a year missing either side has no value); a zero denominator in
    any year with both sides raises for the row."""
    present = a.present & b.present
    raised.add(any_year(present & (b.num == 0)))
    if not (isinstance(a.den, int) and isinstance(b.den, int)):
        raise no("computed_series", name="ratio_series")
    g = math.gcd(a.den, b.den)  # (the same scale both sides, as money: it cancels)
    num = mul(a.num, b.den // g)
    den = mul(b.num, a.den // g)
    neg = den < 0
    if np.any(neg):
        num = np.where(neg, -num, num)
        den = np.where(neg, -den, den)
    den = np.where(present & (den != 0), den, 1)
    num = np.where(present, num, 0)
    return SeriesCol(a.listed | b.listed, present, num, den)


def composition_variance(cols: list[SeriesCol], raised: Raised) -> SeriesCol:
    """PEFA's variance per year, with every category's figures: k = ΣA / ΣB and
    Σ|a − k·b| / ΣA, i.e. ``Σ|a·ΣB − b·ΣA| / (|ΣB|·ΣA)`` in integers; a zero total
    budget or total actual in such a year raises for the row."""
    listed = cols[0].listed.copy()
    present = cols[0].present.copy()
    for c in cols[1:]:
        listed |= c.listed
        present &= c.present
    nums, _ = _common(cols)
    budgets, actuals = nums[0::2], nums[1::2]
    tb, ta = budgets[0], actuals[0]
    for x in budgets[1:]:
        tb = _add(tb, x)
    for x in actuals[1:]:
        ta = _add(ta, x)
    raised.add(any_year(present & ((tb == 0) | (ta == 0))))
    dev: Any = None
    for b, a in zip(budgets, actuals, strict=True):
        left, right = mul(a, tb), mul(b, ta)  # each below 2**62: the difference fits int64
        if _obj(left) or _obj(right):
            left, right = to_obj(left), to_obj(right)
        term = abs(left - right)
        dev = term if dev is None else _add(dev, term)
    den = mul(abs(tb), abs(ta))
    num = np.where(ta < 0, -dev, dev)
    ok = present & (den != 0)
    return SeriesCol(listed, present, np.where(ok, num, 0), np.where(ok, den, 1))


def _obj(x: Any) -> bool:
    return not isinstance(x, int) and x.dtype == object


def last(s: SeriesCol, years: int) -> SeriesCol:
    """The ``years`` calendar years ending with each row's latest listed year (years the
    series does not give are listed without a value); no years at all: empty."""
    win = window(s, years)
    return SeriesCol(win, s.present & win, s.num, s.den)


def window(s: SeriesCol, years: int) -> Any:
    """Per row, the ``years`` calendar years ending with its latest listed year (a mask)."""
    width = s.listed.shape[1]
    latest = latest_year(s.listed)  # (−1: none listed, so no year is in its window)
    col = np.arange(width)
    table = np.zeros((width + 1, width), bool)  # row l + 1: the window ending with year l
    for lat in range(width):
        table[lat + 1] = (col <= lat) & (col > lat - years)
    return np.take(table, latest + 1, axis=0)  # (a gather: ~6x faster than comparing)


def _row_sum(s: SeriesCol) -> Q:
    n, width = s.present.shape
    if isinstance(s.den, int):
        num = np.where(s.present, s.num, 0)
        acc = num[:, 0] if width else np.zeros(n, np.int64)
        for j in range(1, width):
            acc = _add(acc, num[:, j])
        return Q(acc if num.dtype == object else np.asarray(acc, np.int64), s.den, n)
    out = Q(np.zeros(n, np.int64), 1, n)
    for j in np.flatnonzero(s.present.any(axis=0)).tolist():  # (a year no row has: nothing)
        has = s.present[:, j]
        out = out + Q(np.where(has, s.num[:, j], 0), np.where(has, s.den[:, j], 1), n)
    return out


def total(s: SeriesCol, raised: Raised) -> Q:
    return _row_sum(s)


def count(s: SeriesCol, raised: Raised) -> Q:
    n = s.present.shape[0]
    return Q(count_years(s.present), 1, n)


def mean(s: SeriesCol, raised: Raised) -> Q:
    """Over every listed year: no values raises a zero denominator, a listed year without a
    value an error."""
    cnt = count_years(s.present)
    raised.add(cnt == 0)
    raised.add(any_year(s.listed & ~s.present), error=True)
    total_q = _row_sum(s)
    return total_q / Q(np.where(cnt == 0, 1, cnt), 1, len(cnt))


def year(ctx: Any, s: SeriesCol, y: int) -> tuple[Q, Any]:
    """The value of year ``y`` (its column on the chunk's axis), and the rows whose series
    has no value that year (no failure: see :mod:`~perfscore.columnar.seriesexpr`)."""
    n, width = s.present.shape
    j = y - ctx.year0
    if not 0 <= j < width:
        return Q(np.zeros(n, np.int64), 1, n), np.ones(n, bool)
    has = s.present[:, j]
    num = np.multiply(s.num[:, j], has)
    den = s.den if isinstance(s.den, int) else where_int(has, s.den[:, j], 1)
    return Q(num, den, n), ~has


_COUNTS = {
    "count_within": (operator.ge, operator.le),
    "count_below": (operator.lt,),
    "count_above": (operator.gt,),
}


def count_where(s: SeriesCol, fname: str, bounds: Sequence[Fraction | Q]) -> Q:
    """How many present values lie in lo..hi (both ends), below or above a number (written
    out, or one per row), exactly."""
    hit = s.present.copy()
    for op, bound in zip(_COUNTS[fname], bounds, strict=True):
        if isinstance(bound, Fraction):
            hit &= _compare(s, bound, op)
        else:
            hit &= _compare_rows(s, bound, op)
    n = hit.shape[0]
    return Q(count_years(hit), 1, n)


def extreme(s: SeriesCol, pick_max: bool, raised: Raised) -> Q:
    """The smallest (largest) present value per row, compared exactly (cross-multiplied
    where the denominators differ); a series with no values is an error."""
    n, width = s.present.shape
    raised.add(~any_year(s.present), error=True)
    better = operator.gt if pick_max else operator.lt
    scalar = isinstance(s.den, int)
    if scalar and s.num.dtype != object and width:  # one scale: the largest numerator
        seen = any_year(s.present)
        edge = np.iinfo(np.int64)
        val = np.where(s.present, s.num, edge.min if pick_max else edge.max)
        years_major = np.ascontiguousarray(val.T)
        best = years_major.max(axis=0) if pick_max else years_major.min(axis=0)
        return Q(np.where(seen, best, 0), s.den, n)
    best_n: Any = np.zeros(n, np.int64)
    best_d: Any = s.den if scalar else np.ones(n, np.int64)
    seen = np.zeros(n, bool)
    for j in range(width):
        has = s.present[:, j]
        if not has.any():
            continue
        nj = s.num[:, j]
        if scalar:
            left, right = nj, best_n
        else:
            dj = s.den[:, j]
            left, right = mul(nj, best_d), mul(best_n, dj)
        if left.dtype == object or right.dtype == object:
            left, right = to_obj(left), to_obj(right)
        take = has & (~seen | np.asarray(better(left, right), bool))
        best_n = np.where(take, nj, best_n)
        if not scalar:
            best_d = np.where(take, dj, best_d)
        seen |= has
    if not scalar:
        best_d = np.where(seen, best_d, 1)
    return Q(np.where(seen, best_n, 0), best_d, n)


def _compare(s: SeriesCol, bound: Fraction, op: Any) -> Any:
    """Per cell, ``value op bound`` exactly (``den > 0``: cross-multiplied); cells without a
    value are meaningless."""
    if isinstance(s.den, int) and s.num.dtype != object:  # num op bound·den, in integers
        edge = _edge(bound * s.den, op)
        if edge is not None:
            return np.asarray(op(s.num, edge), bool)
    left, right = mul(s.num, bound.denominator), mul(bound.numerator, s.den)
    if isinstance(right, int):
        right = np.full(s.present.shape, right, object if abs(right) >= LIMIT else np.int64)
    if left.dtype == object or right.dtype == object:
        left, right = to_obj(left), to_obj(right)
    return np.asarray(op(left, right), bool)


def _edge(t: Fraction, op: Any) -> int | None:
    """The integer ``k`` with ``x op t`` ⟺ ``x op k`` for every integer ``x`` (``≥ t``: ``≥
    ceil(t)``, ``> t``: ``> floor(t)``, ``≤ t``: ``≤ floor(t)``, ``< t``: ``< ceil(t)``);
    None past int64's comfortable range (then cross-multiplied)."""
    k = math.ceil(t) if op in (operator.ge, operator.lt) else math.floor(t)
    return k if abs(k) < LIMIT else None


def _compare_rows(s: SeriesCol, bound: Q, op: Any) -> Any:
    """Per cell, ``value op bound`` with one bound per row, exactly (both denominators
    positive: cross-multiplied)."""
    n = s.present.shape[0]
    bn = np.broadcast_to(np.asarray(bound.n), (n,))[:, None]
    bd = np.broadcast_to(np.asarray(bound.d), (n,))[:, None]
    if isinstance(s.den, int) and s.num.dtype != object and bn.dtype != object:
        top = mul(bn[:, 0], s.den)  # num op bn·den / bd: each row's integer edge (_edge)
        if top.dtype != object and bd.dtype != object:
            up = op in (operator.ge, operator.lt)
            edge = -((-top) // bd[:, 0]) if up else top // bd[:, 0]
            return np.asarray(op(s.num, edge[:, None]), bool)
    left, right = mul(s.num, bd), mul(bn, s.den)
    if left.dtype == object or right.dtype == object:
        left, right = to_obj(left), to_obj(right)
    return np.asarray(op(left, right), bool)


# -- what series_bands asks ------------------------------------------------------------------------


def within(s: SeriesCol, iv: Interval) -> Any:
    """Per cell, whether the value lies in the interval, exactly (cross-multiplied)."""
    inside = np.ones(s.present.shape, bool)
    for bound, low in ((iv.low, True), (iv.high, False)):
        if not bound.is_finite():
            continue
        if low:
            op = operator.ge if iv.low_inclusive else operator.gt
        else:
            op = operator.le if iv.high_inclusive else operator.lt
        inside &= _compare(s, Fraction(bound), op)
    return inside
