"""Exact rational columns: the vectorised decisions the float guard leaves open.

A :class:`Q` holds one exact rational per row as an integer numerator array and a positive
denominator (one Python ``int`` shared by all rows, or an array).  Arithmetic is int64 where
the operands' magnitudes prove the result fits (``|x| < 2**62``, checked before multiplying
or adding); otherwise the operands become arrays of Python integers (numpy ``object`` arrays)
for that operation and everything after it — still vectorised, never approximate.  So a
comparison ``a / b >= 0.95`` is ``20·a >= 19·b`` on integers, a half-up rounding of points is an
integer floor division, and a value exactly on a threshold, a band edge or a half lands where
the rational value says.

A cell reaches a :class:`Q` the way the per-record reader reads it: the float's shortest
decimal text (``Decimal(repr(x))``) — found per row as the smallest number of decimals ``d``
(up to 12) with ``rint(x·10**d) / 10**d == x`` while ``|x·10**d| < 2**52`` (then no other decimal
with ``d`` places rounds to the same float, so that one is ``repr``'s); other rows are read
through ``Decimal(repr(x))`` one by one.

Rows without a value (a zero denominator, a missing input) are marked in ``bad``; the caller
decides what they mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["LIMIT", "Q", "from_floats", "q_const", "select"]

#: int64 arithmetic is used while every magnitude stays below this
LIMIT = 1 << 62
_MAX_PLACES = 12
_P10 = [10.0**d for d in range(_MAX_PLACES + 1)]


def _maxabs(x: Any) -> int:
    if isinstance(x, int):
        return abs(x)
    if x.size == 0:
        return 0
    if x.dtype == object:  # (numpy's own reductions: no Python call per element)
        return int(max(x.max(), -x.min()))
    return int(max(-int(x.min()), int(x.max())))


def _obj(x: Any) -> Any:
    if isinstance(x, int) or x.dtype == object:
        return x
    return x.astype(object)


def _fits(x: Any) -> Any:
    """An int64 array again when every value of an object array fits (keeps later steps fast)."""
    if isinstance(x, int) or x.dtype != object or x.size == 0:
        return x
    if _maxabs(x) < LIMIT:
        return x.astype(np.int64)
    return x


def _mul(x: Any, y: Any) -> Any:
    if isinstance(x, int) and isinstance(y, int):
        return x * y
    mx, my = _maxabs(x), _maxabs(y)  # (each below LIMIT too: 0 times a Python int past int64)
    if mx < LIMIT and my < LIMIT and mx * my < LIMIT and not _is_obj(x) and not _is_obj(y):
        return x * y
    return _obj(x) * _obj(y)


def _add(x: Any, y: Any) -> Any:
    if isinstance(x, int) and isinstance(y, int):
        return x + y
    if _maxabs(x) + _maxabs(y) < LIMIT and not _is_obj(x) and not _is_obj(y):
        return x + y
    return _obj(x) + _obj(y)


def _is_obj(x: Any) -> bool:
    return not isinstance(x, int) and x.dtype == object


def _where(mask: Any, x: Any, y: Any) -> Any:
    if _is_obj(x) or _is_obj(y) or (isinstance(x, int) and abs(x) >= LIMIT):
        return np.where(mask, _obj(x), _obj(y))
    if isinstance(y, int) and abs(y) >= LIMIT:
        return np.where(mask, _obj(x), y)
    return np.where(mask, x, y)


class Q:
    """Exact rationals ``n / d`` for ``size`` rows (``d > 0``); ``bad``: rows without a value."""

    __slots__ = ("bad", "d", "n", "size")

    def __init__(self, n: Any, d: Any, size: int, bad: Any = None) -> None:
        self.n, self.d, self.size, self.bad = n, d, size, bad

    # -- arithmetic --------------------------------------------------------------------------
    def _bad(self, other: Q) -> Any:
        if self.bad is None:
            return other.bad
        if other.bad is None:
            return self.bad
        return self.bad | other.bad

    def __add__(self, other: Q) -> Q:
        a, b = self, other
        if isinstance(a.d, int) and isinstance(b.d, int):
            lcm = a.d * b.d // math.gcd(a.d, b.d)
            n = _add(_mul(a.n, lcm // a.d), _mul(b.n, lcm // b.d))
            return Q(n, lcm, a.size, a._bad(b))
        n = _add(_mul(a.n, b.d), _mul(b.n, a.d))
        return Q(n, _mul(a.d, b.d), a.size, a._bad(b)).reduced()

    def __neg__(self) -> Q:
        return Q(
            -_obj(self.n) if _maxabs(self.n) >= LIMIT else -self.n, self.d, self.size, self.bad
        )

    def __sub__(self, other: Q) -> Q:
        return self + (-other)

    def __mul__(self, other: Q) -> Q:
        return Q(
            _mul(self.n, other.n), _mul(self.d, other.d), self.size, self._bad(other)
        ).reduced()

    def __truediv__(self, other: Q) -> Q:
        """``self / other``; rows where ``other`` is zero are marked bad (their value is 0)."""
        zero = np.equal(other.n, 0)
        bad = self._bad(other)
        if np.ndim(zero) == 0:
            zero = np.full(self.size, bool(zero))
        if zero.any():
            bad = zero if bad is None else bad | zero
        n = _mul(self.n, other.d)
        d = _mul(self.d, other.n)
        neg = np.less(d, 0)
        if np.ndim(neg) or neg:
            n = _where(neg, -_obj(n) if _is_obj(n) else -n, n)
            d = _where(neg, -_obj(d) if _is_obj(d) else -d, d)
        if zero.any():
            n = _where(zero, 0, n)
            d = _where(zero, 1, d)
        return Q(n, d, self.size, bad).reduced()

    def __abs__(self) -> Q:
        return Q(abs(self.n), self.d, self.size, self.bad)

    def reduced(self) -> Q:
        """Divide out common factors where a denominator array has grown large (keeps the
        arithmetic in int64 longer); the value is unchanged."""
        d = self.d
        if isinstance(d, int):
            return self
        if _maxabs(d) < (1 << 31) and _maxabs(self.n) < (1 << 31):
            return self
        if _is_obj(d) or _is_obj(self.n):
            return self  # Python integers: exact whatever their size
        g = np.gcd(self.n, d)
        g[g == 0] = 1
        return Q(self.n // g, d // g, self.size, self.bad)

    # -- comparisons ---------------------------------------------------------------------------
    def cmp(self, other: Q) -> Any:
        """-1, 0 or 1 per row: the sign of ``self − other`` (bad rows: whatever it computes)."""
        left = _mul(self.n, other.d)
        right = _mul(other.n, self.d)
        gt = np.greater(left, right)
        lt = np.less(left, right)
        out = gt.astype(np.int8) - lt.astype(np.int8)
        if np.ndim(out) == 0:
            return np.full(self.size, int(out), np.int8)
        return out

    def minimum(self, other: Q) -> Q:
        return self._pick(other, self.cmp(other) <= 0)

    def maximum(self, other: Q) -> Q:
        return self._pick(other, self.cmp(other) >= 0)

    def _pick(self, other: Q, mine: Any) -> Q:
        if isinstance(self.d, int) and isinstance(other.d, int) and self.d == other.d:
            return Q(_where(mine, self.n, other.n), self.d, self.size, self._bad(other))
        n = _where(mine, _mul(self.n, other.d), _mul(other.n, self.d))
        return Q(n, _mul(self.d, other.d), self.size, self._bad(other)).reduced()

    def clip(self, low: Q, high: Q) -> Q:
        return self.maximum(low).minimum(high)

    # -- integers out --------------------------------------------------------------------------
    def round_scaled(self, places: int) -> Any:
        """``self × 10**places`` rounded half-up (away from zero on a half, like Decimal's
        ROUND_HALF_UP) to integers: int64 where they fit, else Python integers."""
        quick = self._round_by_digits(places)
        if quick is not None:
            return quick
        num = _mul(self.n, 10**places)
        neg = np.less(num, 0)
        a = abs(num)
        two_d = _mul(self.d, 2)
        r = _add(_mul(a, 2), self.d) // two_d
        r = _where(neg, -_obj(r) if _is_obj(r) else -r, r) if np.any(neg) else r
        return _fits(np.broadcast_to(r, (self.size,)).copy() if np.ndim(r) == 0 else r)

    def _round_by_digits(self, places: int) -> Any:
        """:meth:`round_scaled` by long division in int64 — the whole part of ``|n| / d``,
        then one decimal digit a step (each remainder below ``d``, so ``10·r`` fits while
        ``d < 2**59``), half up on the last remainder — for numerators past int64 too (their
        whole part taken once in Python integers); None where that does not hold."""
        n, d = self.n, self.d
        if not isinstance(n, np.ndarray) or n.ndim != 1 or (_is_obj(d) or _maxabs(d) >= 1 << 59):
            return None
        neg = n < 0
        a = abs(n)
        whole, rem = a // d, a % d
        if (_maxabs(whole) + 1) * 10**places >= LIMIT:  # (the result: below that)
            return None
        if _is_obj(whole):
            whole, rem = whole.astype(np.int64), rem.astype(np.int64)
        for _ in range(places):
            digit, rem = np.divmod(rem * 10, d)
            whole = whole * 10 + digit
        whole += 2 * rem >= d
        return np.where(neg, -whole, whole) if neg.any() else whole

    def floor(self) -> Q:
        return Q(self.n // self.d, 1, self.size, self.bad)

    def ceil(self) -> Q:
        return Q(-((-self.n) // self.d), 1, self.size, self.bad)

    def take(self, rows: Any) -> Q:
        n = self.n if np.ndim(self.n) == 0 else self.n[rows]
        d = self.d if isinstance(self.d, int) else self.d[rows]
        bad = None if self.bad is None else self.bad[rows]
        return Q(n, d, len(rows), bad)

    def fractions(self) -> list[Fraction]:
        """Each row as a Fraction (tests and diagnostics)."""
        n = np.broadcast_to(np.asarray(self.n, dtype=object), (self.size,)).tolist()
        d = np.broadcast_to(np.asarray(self.d, dtype=object), (self.size,)).tolist()
        return [Fraction(int(a), int(b)) for a, b in zip(n, d, strict=True)]


def select(mask: Any, a: Q, b: Q) -> Q:
    """Row by row: ``a`` where ``mask``, else ``b``."""
    return a._pick(b, mask)


def q_const(x: Decimal | Fraction | int, size: int) -> Q:
    """A constant of the rule set, exactly."""
    f = Fraction(x)
    return Q(f.numerator, f.denominator, size)


def from_floats(x: Any, *, percent: bool = False) -> Q:
    """The exact values the per-record reader gives float cells ``x`` (``Decimal(repr(x))``,
    divided by 100 for a percent input); NaN or infinite cells are marked bad (value 0)."""
    size = len(x)
    bad = ~np.isfinite(x)
    quick = _same_places(x, bad, size)
    if quick is not None:
        n, top = quick
        return Q(n, 10**top * (100 if percent else 1), size, bad if bad.any() else None)
    n = np.zeros(size, np.int64)
    places = np.zeros(size, np.int64)
    todo = np.flatnonzero(~bad)
    for d in range(_MAX_PLACES + 1):
        if not len(todo):
            break
        xs = x[todo]
        p = _P10[d]
        with np.errstate(all="ignore"):  # a huge cell overflows here: it is then not `ok`
            xi = np.rint(xs * p)
            ok = (np.abs(xi) < 2.0**52) & (xi / p == xs)
        hit = todo[ok]
        n[hit] = xi[ok].astype(np.int64)
        places[hit] = d
        todo = todo[~ok]
    top = int(places.max()) if size else 0
    if len(todo) == 0:
        if top:
            factor = 10 ** (top - places)
            if int(np.abs(n).max(initial=0)) * 10**top < LIMIT:
                n = n * factor
            else:
                n = n.astype(object) * factor.astype(object)
        den = 10**top
        return Q(n, den * 100 if percent else den, size, bad if bad.any() else None)
    # cells with more digits than a float holds as a short decimal: one by one, exactly
    num = n.astype(object)
    den = (10**places).astype(object)
    for i in todo.tolist():
        f = Fraction(Decimal(repr(float(x[i]))))
        num[i], den[i] = f.numerator, f.denominator
    q = Q(_fits(num), _fits(den), size, bad if bad.any() else None)
    return q * q_const(Fraction(1, 100), size) if percent else q


def _same_places(x: Any, bad: Any, size: int) -> tuple[Any, int] | None:
    """Every finite cell at once as ``n / 10**d`` for the least ``d`` that holds them all (a
    column of cents: ``d`` = 2) — the numerators :func:`from_floats` gives, each cell's own
    decimals scaled to ``d`` — without following each cell apart; None when the open cells
    become few (then they are followed apart) or need more than 12 decimals.  The search
    starts at the least ``d`` holding a sample of ~64 cells (no more than the least for all)."""
    xs = np.where(bad, 0.0, x) if bad.any() else x
    start: int | None = 0
    if size > 256:
        start = _places(xs[:: size // 64])
    if start is None:
        return None
    with np.errstate(all="ignore"):  # a huge cell overflows here: it is then not `ok`
        for d in range(start, _MAX_PLACES + 1):
            p = _P10[d]
            xi = np.rint(xs * p)
            ok = (np.abs(xi) < 2.0**52) & (xi / p == xs)
            if ok.all():
                return xi.astype(np.int64), d
            if (size - int(np.count_nonzero(ok))) * 8 < size:
                return None
    return None


def _places(xs: Any) -> int | None:
    """The least ``d`` (up to 12) holding every cell of ``xs`` (None: none does)."""
    with np.errstate(all="ignore"):
        for d in range(_MAX_PLACES + 1):
            p = _P10[d]
            xi = np.rint(xs * p)
            if ((np.abs(xi) < 2.0**52) & (xi / p == xs)).all():
                return d
    return None


Builder = Callable[[Any, Any], Q]
