"""Functions over series on the columnar path, exact: ``ratio_series``, ``composition_variance``,
``last(s, n)`` (a series), ``mean``, ``sum``, ``count``, ``count_within``/``_below``/``_above``,
``min``/``max`` of a series and ``year(s, y)`` (a number per row) — each the exact form
the per-record path decides by (:mod:`perfscore.exact`), in integers over the chunk's year axis
(:mod:`~perfscore.columnar.series`); and what ``series_bands`` asks of a series (the window of
the last years, the years inside a band).

A metric over series fails where the per-record function raises, in the same order: a zero
denominator in any year (the rule set's ``zero_division``), then ``mean`` of no values (a zero
denominator too), then ``mean`` over a listed year without a value (an error).  A number it gives
becomes an ordinary metric column (:func:`~perfscore.columnar.stages.run_series_metric`).
"""

from __future__ import annotations

import ast
import math
import operator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from ..intervals import Interval
from .bounds import Unsupported
from .rational import LIMIT, Q
from .series import MAX_YEARS, SeriesCol, big, mul, to_obj

__all__ = ["Raised", "SeriesExpr", "window", "within"]

_SERIES_FNS = ("ratio_series", "composition_variance", "last")
_NUMBER_FNS = ("mean", "sum", "count")
#: functions of a series and numbers written out: how many arguments each takes
_SCALAR_ARGS = {"year": 2, "count_within": 3, "count_below": 2, "count_above": 2}


class Raised:
    """Per row, the first failure an expression raised (as the per-record evaluation stops at
    the first): zero denominators and errors."""

    def __init__(self, n: int) -> None:
        self.zero = np.zeros(n, bool)
        self.error = np.zeros(n, bool)

    def add(self, mask: Any, error: bool = False) -> None:
        new = mask & ~(self.zero | self.error)
        if error:
            self.error |= new
        else:
            self.zero |= new


class SeriesExpr:
    """A metric expression over series, translated once; ``kind`` is ``"series"`` or
    ``"number"``; ``pad``: how many years before the earliest one ``last(…, n)`` may reach;
    ``nullable``: a ``year(s, y)`` — where that year has no value the per-record metric is
    None, no failure (what reads it then raises; the planner allows only readers for which
    that equals an error in the metric itself)."""

    def __init__(self, text: str, kinds: dict[str, str]) -> None:
        self.text = text.strip()
        self.pad = 0
        self.nullable = False
        tree = ast.parse(self.text, mode="eval")
        self.fn, self.kind = self._build(tree.body, kinds)

    def _constant(self, node: ast.expr, fname: str) -> Fraction:
        """A number written in the expression (``0.95``, ``-5``), exactly as the per-record
        path reads it (its decimal text)."""
        inner = node.operand if isinstance(node, ast.UnaryOp) else node
        if not (
            isinstance(inner, ast.Constant)
            and type(inner.value) in (int, float)
            and (inner is node or isinstance(node.op, (ast.USub, ast.UAdd)))  # type: ignore[attr-defined]
        ):
            raise Unsupported(f"{fname}() of something that is not a number written out")
        seg = ast.get_source_segment(self.text, node)
        try:
            value = Decimal((seg or repr(inner.value)).replace(" ", ""))
        except ArithmeticError:
            raise Unsupported("number literal") from None
        if not value.is_finite():
            raise Unsupported("number literal")
        return Fraction(value)

    def _build(self, node: ast.expr, kinds: dict[str, str]) -> tuple[Any, str]:
        if isinstance(node, ast.Name) and kinds.get(node.id) == "series":
            name = node.id
            return (lambda ctx, raised: ctx.series[name]), "series"
        if not (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords
        ):
            raise Unsupported(f"series expression construct {type(node).__name__}")
        fname, args = node.func.id, node.args
        if fname == "last" and len(args) == 2:
            inner, kind = self._build(args[0], kinds)
            n = args[1]
            if kind != "series" or not (
                isinstance(n, ast.Constant) and type(n.value) is int and 0 <= n.value < MAX_YEARS
            ):
                raise Unsupported("last() of a series over a constant number of years")
            years = n.value
            self.pad = max(self.pad, years - 1)
            return (lambda ctx, raised: last(inner(ctx, raised), years)), "series"
        if fname in _SCALAR_ARGS and len(args) == _SCALAR_ARGS[fname]:
            inner, kind = self._build(args[0], kinds)
            if kind != "series":
                raise Unsupported(f"{fname}() of something that is not a series")
            consts = [self._constant(a, fname) for a in args[1:]]
            if fname == "year":
                y = consts[0]
                if y.denominator != 1 or not 1 <= y <= 9999:
                    raise Unsupported("year() of a year that is not a whole number in 1..9999")
                self.nullable = True  # a year without a value: the metric has none
                return (lambda ctx, raised: year(ctx, inner(ctx, raised), int(y), raised)), "number"
            return (lambda ctx, raised: count_where(inner(ctx, raised), fname, consts)), "number"
        if fname in ("min", "max") and len(args) == 1:
            inner, kind = self._build(args[0], kinds)
            if kind != "series":
                raise Unsupported(f"{fname}() of numbers on the series path")
            pick_max = fname == "max"
            return (lambda ctx, raised: extreme(inner(ctx, raised), pick_max, raised)), "number"
        parts = [self._build(a, kinds) for a in args]
        if any(k != "series" for _, k in parts):
            raise Unsupported(f"{fname}() of something that is not a series")
        fns = [f for f, _ in parts]
        if fname == "ratio_series" and len(fns) == 2:
            top, bottom = fns
            return (
                lambda ctx, raised: ratio_series(top(ctx, raised), bottom(ctx, raised), raised)
            ), "series"
        if fname == "composition_variance" and len(fns) >= 2 and len(fns) % 2 == 0:
            return (
                lambda ctx, raised: composition_variance([f(ctx, raised) for f in fns], raised)
            ), "series"
        if fname in _NUMBER_FNS and len(fns) == 1:
            inner = fns[0]
            reduce = {"mean": mean, "sum": total, "count": count}[fname]
            return (lambda ctx, raised: reduce(inner(ctx, raised), raised)), "number"
        raise Unsupported(f"function {fname}() over series")


# -- the functions -------------------------------------------------------------------------------


def _common(cols: list[SeriesCol]) -> tuple[list[Any], int]:
    """The numerators of series with scalar denominators over their least common one."""
    den = 1
    for c in cols:
        if not isinstance(c.den, int):
            raise Unsupported("composition_variance() of computed series")
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
    raised.add((present & (b.num == 0)).any(axis=1))
    if not (isinstance(a.den, int) and isinstance(b.den, int)):
        raise Unsupported("ratio_series() of computed series")
    num = mul(a.num, b.den)
    den = mul(b.num, a.den)
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
    raised.add((present & ((tb == 0) | (ta == 0))).any(axis=1))
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
    any_listed = s.listed.any(axis=1)
    latest = width - 1 - np.argmax(s.listed[:, ::-1], axis=1)
    col = np.arange(width)
    win = (col[None, :] <= latest[:, None]) & (col[None, :] > latest[:, None] - years)
    win &= any_listed[:, None]
    return win


def _row_sum(s: SeriesCol) -> Q:
    n, width = s.present.shape
    if isinstance(s.den, int):
        num = np.where(s.present, s.num, 0)
        acc = num[:, 0] if width else np.zeros(n, np.int64)
        for j in range(1, width):
            acc = _add(acc, num[:, j])
        return Q(acc if num.dtype == object else np.asarray(acc, np.int64), s.den, n)
    out = Q(np.zeros(n, np.int64), 1, n)
    for j in range(width):
        has = s.present[:, j]
        out = out + Q(np.where(has, s.num[:, j], 0), np.where(has, s.den[:, j], 1), n)
    return out


def total(s: SeriesCol, raised: Raised) -> Q:
    return _row_sum(s)


def count(s: SeriesCol, raised: Raised) -> Q:
    n = s.present.shape[0]
    return Q(s.present.sum(axis=1).astype(np.int64), 1, n)


def mean(s: SeriesCol, raised: Raised) -> Q:
    """Over every listed year: no values raises a zero denominator, a listed year without a
    value an error."""
    cnt = s.present.sum(axis=1).astype(np.int64)
    raised.add(cnt == 0)
    raised.add((s.listed & ~s.present).any(axis=1), error=True)
    total_q = _row_sum(s)
    return total_q / Q(np.where(cnt == 0, 1, cnt), 1, len(cnt))


def year(ctx: Any, s: SeriesCol, y: int, raised: Raised) -> Q:
    """The value of year ``y`` (its column on the chunk's axis); a row whose series has no
    value that year has none (see :attr:`SeriesExpr.nullable`: an error here)."""
    n, width = s.present.shape
    j = y - ctx.year0
    if not 0 <= j < width:
        raised.add(np.ones(n, bool), error=True)
        return Q(np.zeros(n, np.int64), 1, n)
    has = s.present[:, j]
    raised.add(~has, error=True)
    num = np.where(has, s.num[:, j], 0)
    den = s.den if isinstance(s.den, int) else np.where(has, s.den[:, j], 1)
    return Q(num, den, n)


_COUNTS = {
    "count_within": (operator.ge, operator.le),
    "count_below": (operator.lt,),
    "count_above": (operator.gt,),
}


def count_where(s: SeriesCol, fname: str, bounds: list[Fraction]) -> Q:
    """How many present values lie in lo..hi (both ends), below or above a number, exactly."""
    hit = s.present.copy()
    for op, bound in zip(_COUNTS[fname], bounds, strict=True):
        hit &= _compare(s, bound, op)
    n = hit.shape[0]
    return Q(hit.sum(axis=1).astype(np.int64), 1, n)


def extreme(s: SeriesCol, pick_max: bool, raised: Raised) -> Q:
    """The smallest (largest) present value per row, compared exactly (cross-multiplied
    where the denominators differ); a series with no values is an error."""
    n, width = s.present.shape
    raised.add(~s.present.any(axis=1), error=True)
    better = operator.gt if pick_max else operator.lt
    scalar = isinstance(s.den, int)
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
    left, right = mul(s.num, bound.denominator), mul(bound.numerator, s.den)
    if isinstance(right, int):
        right = np.full(s.present.shape, right, object if abs(right) >= LIMIT else np.int64)
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
