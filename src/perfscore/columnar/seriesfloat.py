"""``round(x, k)`` over series by a float guard (#18): ``x`` computed in float64 with a proven
bound on its error, the rounding decided from that wherever the bound keeps the value away
from a half, and ``x`` computed exactly (:mod:`~perfscore.columnar.seriesexpr`, rationals) only
for the other rows — a result exactly on a half, or within the bound of one, included.  The
result is the same integer ``round(x, k)·10**k`` the exact form gives, row by row.

Every number is a :class:`FNum`: ``v`` its float64 value and ``e`` a bound with
``|exact − v| ≤ e`` (``e == 0``: ``v`` is exact).  With ``u = 2**-53`` (each float operation
is exact times ``1 + δ``, ``|δ| ≤ u``, for results between 1e-80 and 1e80, where every value
here is kept — rows leaving that range are done exactly):

- a rational ``n / d`` read from integers: ``v = fl(fl(n) / fl(d))``, three roundings, so
  ``e = 4u·|v|`` (0 when ``d = 1`` and ``|n| ≤ 2**53``: exact);
- ``a ± b``: ``e = (e_a + e_b + |t|)·(1 + 4u)``, ``t`` the rounding error of the sum, found
  exactly (TwoSum), so sums of exact values stay exact;
- ``a · b``: ``e = (|a|·e_b + |b|·e_a + e_a·e_b + 2u·|v|)·(1 + 8u)``;
- ``a / b`` where ``|b| > e_b``: ``e = ((|b|·e_a + |a|·e_b) / (|b|·(|b| − e_b)) + 2u·|v|)·
  (1 + 16u)`` (the zero of ``b`` is known only when ``b = 0`` with ``e_b = 0``; otherwise
  ``|b| ≤ e_b`` is a row done exactly);
- ``mean``/``sum`` of ``w`` years of ratios ``t_j``: each term within ``4u·|t_j|``, any order
  of summing within ``(w − 1)·u·Σ|t_j|`` (to first order), so ``e = (w + 4)·u·Σ|t_j|·1.01``;
  ``mean`` then divides by the count (one more rounding: ``+ 2u·|v|``);
- ``min``/``max``: ``e = max(e_a, e_b)`` (each moves by at most the larger error); ``abs``
  and ``-``: ``e`` as it is.
The factors ``(1 + c·u)`` absorb the roundings of computing ``e`` itself (every term is
non-negative, so no cancellation there).

Where it is cheap the exact value rides along (:attr:`FNum.q`: int64 numerators over one
denominator — a year of a money series, a sum at one scale, a count, a number written out, and
``+ − ×`` of such while int64 holds them): ``v``/``e`` are then read from it, so ``y24 − y23``
of equal figures is exactly 0 (not 0 within a bound, which would send the row the exact way),
and ``round`` of such a value is decided by its integer long division.

``round(x, k)`` (half away from zero, like ``ROUND_HALF_UP``): ``y = fl(v·10**k)``,
``e_y = (e·10**k + 2u·|y|)·(1 + 4u)``; with ``a = |y| < 2**50`` the sum ``a + 1/2`` and its
floor ``f`` are exact, so is ``g = a + 1/2 − f`` (in [0, 1)); every exact value within
``e_y`` of ``y`` rounds to ``sign(y)·f`` when ``g > e_y + 2**-50`` and ``1 − g > e_y +
2**-50`` (``2**-50`` covers the rounding of ``1 − g``).  ``|y| < 2**50`` also keeps every such
row far below the 28 digits ``quantize`` refuses.

Failures (a zero denominator, a year without a value, ``mean`` of nothing) are decided from
the same exact masks as in the exact form, in the same order; what a float cannot decide
(``b`` maybe zero, a value maybe past 1e90 or below 1e-90 — the rows the exact form sends to
the per-record path — or outside the range above) makes the row one done exactly.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from .rational import LIMIT, Q
from .series import SeriesCol
from .seriesfns import Raised, any_year, count_years, total

__all__ = ["FNum", "Rows", "float_form", "float_round"]

U = 2.0**-53
#: values kept inside (1e-80, 1e80) in floats: no overflow or underflow in any bound
_BIG, _SMALL = 1e80, 1e-80
#: |x|·10**k below this: decided by floats (and far from quantize's 28 digits)
_TOP = 2.0**50
_GAP = 2.0**-50
MAX_PLACES = 15

FFn = Callable[[Any, Raised, Any], "FNum"]


class Abort(Exception):
    """A figure past a float: the whole chunk goes the exact way."""


class FNum:
    """A number per row in floats: ``v``, an error bound ``e``, the rows where it is no value
    (``none``), ``series``: a series where a number is asked (an error wherever consumed);
    ``q``: the exact value too, where it is cheap — int64 numerators over one denominator (a
    year of a money series, a sum, a count, a number written out, and ``+ - *`` of such) —
    so that a difference of equal figures is exactly zero, not zero within a bound."""

    __slots__ = ("e", "none", "q", "series", "v")

    def __init__(
        self, v: Any, e: Any, none: Any = None, series: bool = False, q: Q | None = None
    ) -> None:
        self.v, self.e, self.none, self.series, self.q = v, e, none, series, q


def _cheap(q: Q | None) -> Q | None:
    """``q`` if its numerators are int64 (or one int) below 2**62 over one int denominator."""
    if q is None or not isinstance(q.d, int) or q.d >= LIMIT:
        return None
    if isinstance(q.n, int):
        return q if abs(q.n) < LIMIT else None
    return q if q.n.dtype == np.int64 else None


def _exactly(q: Q | None, n: int, unsure: Any, none: Any = None) -> FNum | None:
    """The float form of a cheap exact value (None: not cheap)."""
    q = _cheap(q)
    if q is None:
        return None
    v, e = of_q(q, n, unsure)
    return FNum(v, e, none, False, q)


def _consume(raised: Raised, *parts: FNum) -> None:
    for p in parts:
        if p.series:
            raised.add(np.ones(raised.zero.shape, bool), error=True)
        elif p.none is not None:  # a year without a figure computed with: the missing policy
            raised.add(p.none, missing=True)


def _sure(f: FNum, unsure: Any) -> None:
    """Rows whose value may leave (1e-80, 1e80) or may be zero without being known zero."""
    a = np.abs(f.v)
    good = (a + f.e < _BIG) & (((f.v == 0) & (f.e == 0)) | (a - f.e > _SMALL))
    np.logical_or(unsure, ~good, out=unsure)


def _tamed(f: FNum, unsure: Any) -> FNum:
    """After ``+ - * /``: the exact form sends rows past 1e90 or below 1e-90 (not zero) to the
    per-record path; rows not surely inside are done exactly (which decides that)."""
    _sure(f, unsure)
    return f


def of_q(q: Q, n: int, unsure: Any) -> tuple[Any, Any]:
    """``(v, e)`` of exact rationals (see the module's bound for ``n / d``)."""
    num = np.broadcast_to(np.asarray(q.n), (n,))
    den = np.broadcast_to(np.asarray(q.d), (n,))
    try:
        nf = num.astype(np.float64)
        df = den.astype(np.float64)
    except OverflowError:
        raise Abort from None
    with np.errstate(all="ignore"):
        v = nf / df
        e = 4 * U * np.abs(v)
    exact = (den == 1) & (np.abs(nf) <= 2.0**53)
    e = np.where(exact, 0.0, e)
    f = FNum(v, e)
    _sure(f, unsure)
    return v, e


# -- the operations ------------------------------------------------------------------------------


def _add(a: FNum, b: FNum, sign: int, unsure: Any) -> FNum:
    if a.q is not None and b.q is not None:
        got = _exactly(a.q + b.q if sign > 0 else a.q - b.q, len(a.v), unsure)
        if got is not None:
            return got
    bv = b.v if sign > 0 else -b.v
    with np.errstate(all="ignore"):
        v = a.v + bv
        bb = v - a.v  # TwoSum: t = the exact rounding error of a + b
        t = (a.v - (v - bb)) + (bv - bb)
        e = (a.e + b.e + np.abs(t)) * (1 + 4 * U)
    return FNum(v, e)


def _mul(a: FNum, b: FNum, unsure: Any) -> FNum:
    if a.q is not None and b.q is not None:
        got = _exactly(a.q * b.q, len(a.v), unsure)
        if got is not None:
            return got
    with np.errstate(all="ignore"):
        v = a.v * b.v
        aa, ab = np.abs(a.v), np.abs(b.v)
        e = (aa * b.e + ab * a.e + a.e * b.e + 2 * U * np.abs(v)) * (1 + 8 * U)
    return FNum(v, e)


def _div(a: FNum, b: FNum, raised: Raised, unsure: Any) -> FNum:
    zero = (b.v == 0) & (b.e == 0)
    ab = np.abs(b.v)
    open_ = ~zero & ~(ab > b.e)  # maybe zero: done exactly (b exact: |b| > 4u·|b| or zero)
    np.logical_or(unsure, open_, out=unsure)
    raised.add(zero)  # x / 0 and 0 / 0 alike: a zero denominator
    skip = zero | open_
    safe = np.where(skip, 1.0, b.v)
    sab = np.where(skip, 1.0, ab)
    seb = np.where(skip, 0.0, b.e)
    with np.errstate(all="ignore"):
        v = np.where(skip, 0.0, a.v / safe)
        spread = (sab * a.e + np.abs(a.v) * seb) / (sab * (sab - seb))
        e = np.where(skip, 0.0, (spread + 2 * U * np.abs(v)) * (1 + 16 * U))
    return FNum(v, e)


def decide(f: FNum, places: int, unsure: Any) -> Any:
    """``round(x, places)·10**places`` per row as int64 where the bound decides it (see the
    module) or ``f``'s cheap exact value does (its long division, in int64); the other rows
    are marked in ``unsure`` (their value here is 0)."""
    if f.q is not None:
        k = f.q.round_scaled(places)
        if k.dtype == np.int64:
            ok = np.abs(k) < _TOP
            np.logical_or(unsure, ~ok, out=unsure)
            return np.where(ok, k, 0)
    with np.errstate(all="ignore"):
        scale = 10.0**places  # (exact: places ≤ 15)
        y = f.v * scale
        ey = (f.e * scale + 2 * U * np.abs(y)) * (1 + 4 * U)
        a = np.abs(y)
        ok = a + ey < _TOP
        a = np.where(ok, a, 0.0)
        h = a + 0.5
        fl = np.floor(h)
        g = h - fl
        ok &= (g > ey + _GAP) & ((1.0 - g) > ey + _GAP)
    np.logical_or(unsure, ~ok, out=unsure)
    k = np.where(ok, fl, 0.0).astype(np.int64)
    return np.where(y < 0, -k, k)


def _row_terms(s: SeriesCol, unsure: Any) -> tuple[Any, Any]:
    """Σ of each row's present values, and the bound on it (see the module)."""
    n, width = s.present.shape
    if isinstance(s.den, int):  # one denominator: the integer sum, exactly
        return of_q(total(s, Raised(0)), n, unsure)  # (sum(s) keeps it: _sum)
    try:
        nf = np.asarray(s.num, np.float64) if s.num.dtype != object else s.num.astype(float)
        df = np.asarray(s.den, np.float64) if s.den.dtype != object else s.den.astype(float)
    except OverflowError:
        raise Abort from None
    with np.errstate(all="ignore"):
        t = np.where(s.present, nf / np.where(s.present, df, 1.0), 0.0)
        tt = np.ascontiguousarray(t.T)  # (years-major: summed along the long axis)
        v = tt.sum(axis=0)
        mag = np.abs(tt).sum(axis=0)
        e = mag * ((width + 4) * U * 1.01)
    f = FNum(v, e)
    _sure(FNum(mag, e), unsure)  # (terms past 1e80: exactly)
    return f.v, f.e


def _mean(s: SeriesCol, raised: Raised, unsure: Any) -> FNum:
    cnt = count_years(s.present)
    raised.add(cnt == 0)
    raised.add(any_year(s.listed & ~s.present), error=True)
    v, e = _row_terms(s, unsure)
    c = np.where(cnt == 0, 1, cnt).astype(np.float64)
    with np.errstate(all="ignore"):
        m = v / c
        em = (e / c + 2 * U * np.abs(m)) * (1 + 4 * U)
    return FNum(m, np.where((cnt == 1) & (e == 0), 0.0, em))


def _sum(s: SeriesCol, raised: Raised, unsure: Any) -> FNum:
    if isinstance(s.den, int):
        got = _exactly(total(s, raised), s.present.shape[0], unsure)
        if got is not None:
            return got
    v, e = _row_terms(s, unsure)
    return FNum(v, e)


# -- translation ---------------------------------------------------------------------------------


def float_form(sx: Any, node: ast.expr, kinds: Mapping[str, str]) -> FFn | None:
    """The float form of number ``node`` of :class:`~perfscore.columnar.seriesexpr.SeriesExpr`
    ``sx`` (already translated exactly), or None when it is not a number."""
    c = sx.constant(node)
    if c is not None:
        return _const(c)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = float_form(sx, node.operand, kinds)
        if inner is None:
            return None
        neg = isinstance(node.op, ast.USub)

        def unary(ctx: Any, raised: Raised, unsure: Any) -> FNum:
            x = inner(ctx, raised, unsure)
            _consume(raised, x)
            q = None if x.q is None else -x.q if neg else x.q
            return FNum(-x.v if neg else x.v, x.e, q=_cheap(q))

        return unary
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        return _binop(sx, node, kinds)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        got = _call(sx, node, node.func.id, kinds)
        if got is not None:
            return got
    return _exact(sx, node, kinds)


def _const(c: Fraction) -> FFn | None:
    v = float(c)
    if not (c == 0 or _SMALL < abs(v) < _BIG):
        return None
    err = 0.0 if Fraction(v) == c else 2 * U * abs(v)

    def const(ctx: Any, raised: Raised, unsure: Any) -> FNum:
        q = _cheap(Q(c.numerator, c.denominator, ctx.n))
        return FNum(np.full(ctx.n, v), np.full(ctx.n, err), q=q)

    return const


def _exact(sx: Any, node: ast.expr, kinds: Mapping[str, str]) -> FFn | None:
    """Any other number: computed exactly, then read into floats."""
    fn, kind = sx.part(node, kinds)
    if kind != "number":
        return None

    def exact(ctx: Any, raised: Raised, unsure: Any) -> FNum:
        got = fn(ctx, raised)
        v, e = of_q(got.q, ctx.n, unsure)
        return FNum(v, e, got.none, got.series, _cheap(got.q))

    return exact


def _binop(sx: Any, node: ast.BinOp, kinds: Mapping[str, str]) -> FFn | None:
    left, right = float_form(sx, node.left, kinds), float_form(sx, node.right, kinds)
    if left is None or right is None:
        return None
    op = type(node.op)

    def binop(ctx: Any, raised: Raised, unsure: Any) -> FNum:
        a, b = left(ctx, raised, unsure), right(ctx, raised, unsure)
        _consume(raised, a, b)
        if op is ast.Add:
            out = _add(a, b, 1, unsure)
        elif op is ast.Sub:
            out = _add(a, b, -1, unsure)
        elif op is ast.Mult:
            out = _mul(a, b, unsure)
        else:
            out = _div(a, b, raised, unsure)
        return _tamed(out, unsure)

    return binop


def _call(sx: Any, node: ast.Call, fname: str, kinds: Mapping[str, str]) -> FFn | None:
    args = node.args
    if fname in ("mean", "sum") and len(args) == 1:
        inner, kind = sx.part(args[0], kinds)
        if kind != "series":
            return None
        reduce = _mean if fname == "mean" else _sum

        def reduced(ctx: Any, raised: Raised, unsure: Any) -> FNum:
            return reduce(inner(ctx, raised), raised, unsure)

        return reduced
    if fname == "round" and 1 <= len(args) <= 2:
        places = 0 if len(args) == 1 else sx.places(args[1])
        inner_f = float_form(sx, args[0], kinds)
        if inner_f is None or places > MAX_PLACES:
            return None

        def rounded(ctx: Any, raised: Raised, unsure: Any) -> FNum:
            x = inner_f(ctx, raised, unsure)
            _consume(raised, x)
            k = decide(x, places, unsure)  # (|k| < 2**50: exact in a float)
            v = k / 10.0**places
            e = np.zeros(ctx.n) if places == 0 else 2 * U * np.abs(v)
            return FNum(v, e, q=Q(k, 10**places, ctx.n))

        return rounded
    if fname in ("min", "max", "abs") and (len(args) >= 2 or fname == "abs"):
        if fname == "abs" and len(args) != 1:
            return None
        parts = [float_form(sx, a, kinds) for a in args]
        if any(p is None for p in parts):
            return None
        fns: list[FFn] = [p for p in parts if p is not None]
        pick = np.maximum if fname == "max" else np.minimum

        def picked(ctx: Any, raised: Raised, unsure: Any) -> FNum:
            got = [f(ctx, raised, unsure) for f in fns]
            _consume(raised, *got)
            if fname == "abs":
                q = got[0].q
                return FNum(np.abs(got[0].v), got[0].e, q=None if q is None else abs(q))
            v, e = got[0].v, got[0].e
            for g in got[1:]:
                v, e = pick(v, g.v), np.maximum(e, g.e)
            return FNum(v, e)

        return picked
    return None


# -- the rows done exactly -------------------------------------------------------------------------


class _Picked:
    """``ctx.series`` / ``ctx.nulls`` of a :class:`Rows` view: the base's, in its rows."""

    def __init__(self, base: Mapping[str, Any], rows: Any) -> None:
        self.base, self.rows = base, rows

    def __getitem__(self, name: str) -> Any:
        s = self.base[name]
        r = self.rows
        den = s.den if isinstance(s.den, int) else s.den[r]
        return SeriesCol(s.listed[r], s.present[r], s.num[r], den)

    def get(self, name: str, default: Any = None) -> Any:
        m = self.base.get(name)
        return default if m is None else m[self.rows]


class Rows:
    """Some rows of a chunk, as the exact form of an expression reads them (series, exact
    values, yes/no of ``year`` metrics, categories); rows it marks go to the per-record path
    in the chunk."""

    def __init__(self, ctx: Any, rows: Any) -> None:
        self.base, self.rows, self.n, self.year0 = ctx, rows, len(rows), ctx.year0
        self.series = _Picked(ctx.series, rows)
        self.nulls = _Picked(ctx.nulls, rows)

    def exact_q(self, name: str, rows: Any) -> Q:
        return self.base.exact_q(name, self.rows[rows])  # type: ignore[no-any-return]

    def category(self, name: str) -> tuple[Any, list[Any]]:
        cats, vocab = self.base.category(name)
        return cats[self.rows], vocab

    def flag(self, mask: Any) -> None:
        full = np.zeros(self.base.n, bool)
        full[self.rows[mask]] = True
        self.base.flag(full)


def float_round(
    ctx: Any,
    raised: Raised,
    ffn: FFn,
    exact: Callable[[Any, Raised], Any],
    places: int,
    round_q: Callable[[Any, Q, Raised], Any],
) -> tuple[Any, Any, bool] | None:
    """``round(x, places)`` of the chunk: ``(k, none, series)`` — the integers
    ``round(x)·10**places`` and what ``x`` was, its failures added to ``raised`` — by the float
    guard, the undecided rows by ``exact`` (``x``'s exact form) and ``round_q``; None where a
    figure is past a float (then the caller does it all exactly)."""
    n = ctx.n
    sub = Raised(n)
    unsure = np.zeros(n, bool)
    try:
        f = ffn(ctx, sub, unsure)
    except Abort:
        return None
    k: Any = decide(f, places, unsure)
    none = f.none
    rows = np.flatnonzero(unsure)
    if rows.size:
        view = Rows(ctx, rows)
        sub2 = Raised(len(rows))
        g = exact(view, sub2)
        sub.zero[rows], sub.error[rows], sub.missing[rows] = sub2.zero, sub2.error, sub2.missing
        if g.none is not None or none is not None:
            none = np.zeros(n, bool) if none is None else none.copy()
            none[rows] = False if g.none is None else g.none
        kx = round_q(view, g.q, sub2)
        if kx.dtype == object:
            k = k.astype(object)
        k[rows] = kx
    raised.add(sub.zero)
    raised.add(sub.error, error=True)
    raised.add(sub.missing, missing=True)
    return k, none, f.series
