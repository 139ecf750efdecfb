"""Exact integer columns: the common case decided in int64 from the start, no float guard.

Department data is money with two decimals, integer counts and one-decimal scores.  When every
cell of an input column in a chunk is a short decimal (``rint(x·10**d) / 10**d == x`` with
``|x·10**d| < 2**51`` for one ``d`` ≤ :data:`MAX_DECIMALS`: then ``Decimal(repr(x))`` is that
decimal — the value the per-record reader gives the cell), the column is held as integers at
that scale, and rule expressions over such columns are exact rationals ``n / d`` per row
(:class:`IntCol`): a metric ``a / b`` is ``A / B`` — no division at all —, ``a / b >= 0.95`` is
``20·A >= 19·B``, a rounded result is an integer floor division.

Every :class:`IntCol` carries static bounds (``nmax ≥ max |n|``, ``dmax ≥ max d``, as Python
integers) computed from the chunk's column extremes, so an operation proves *before* it runs
that its result fits int64 (below :data:`LIMIT`); when it cannot, :class:`NoInt` is raised and
the caller takes the float-with-guard path (:mod:`perfscore.columnar.bounds`) for that
expression or indicator in that chunk — the same results, more work.  Nothing here is
approximate.

Scorers' column forms build their integer step (``int_run``) from the helpers here:
:func:`compare`, :func:`half_up`, :func:`round_signed`.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = [
    "LIMIT",
    "MAX_DECIMALS",
    "IntCol",
    "NoInt",
    "build",
    "compare",
    "const",
    "fits",
    "fraction",
    "half_up",
    "half_up_lin",
    "round_signed",
    "scaled_column",
    "where_int",
]

#: every intermediate magnitude stays below this (int64 holds 2**63 − 1)
LIMIT = 1 << 62
#: the most decimals a cell may have for its column to be held as integers
MAX_DECIMALS = 6
_P10 = [10.0**d for d in range(MAX_DECIMALS + 1)]
_SAMPLE = 64


def where_int(mask: Any, yes: Any, no: Any) -> Any:
    """``np.where(mask, yes, no)`` for integers (int64 arrays or Python ints), exactly: each
    side times 0 or 1, one of them 0 — no overflow, whatever the values; and no branch per
    row, which ``np.where`` takes and a random mask mispredicts (65,536 rows at half the
    rows: 0.46 ms that way, 0.09 ms this way)."""
    return np.multiply(yes, mask) + np.multiply(no, np.logical_not(mask))


class NoInt(Exception):
    """This value has no integer form here (a bound past int64, a construct not mirrored, an
    input column that is not short decimals): the float path decides instead."""


def fits(*bounds: int) -> None:
    """Raise :class:`NoInt` unless every bound is below :data:`LIMIT`."""
    for b in bounds:
        if b >= LIMIT:
            raise NoInt


class IntCol:
    """Exact rationals ``n / d`` per row: ``n`` an int64 array (or a Python int for a
    constant), ``d`` a positive Python int or an int64 array of positive values; ``nmax`` and
    ``dmax`` bound ``|n|`` and ``d``; ``nonneg``: ``n ≥ 0`` in every row."""

    __slots__ = ("d", "dmax", "n", "nmax", "nonneg")

    def __init__(self, n: Any, d: Any, nmax: int, dmax: int, nonneg: bool) -> None:
        self.n, self.d, self.nmax, self.dmax, self.nonneg = n, d, nmax, dmax, nonneg

    @property
    def scalar_d(self) -> bool:
        return isinstance(self.d, int)


def const(x: Decimal | Fraction | int) -> IntCol:
    f = Fraction(x)
    fits(abs(f.numerator), f.denominator)
    return IntCol(f.numerator, f.denominator, abs(f.numerator), f.denominator, f >= 0)


def fraction(x: Decimal) -> Fraction | None:
    """A rule-set constant as a fraction small enough for integer forms, else None."""
    f = Fraction(x)
    return f if abs(f.numerator) < LIMIT and f.denominator < LIMIT else None


def scaled_column(x: Any, lo: float, hi: float, percent: bool = False) -> IntCol | None:
    """``x`` (float64, no NaN) as integers at the smallest scale ``10**d`` that holds every
    cell exactly as the per-record reader reads it, or None.  ``lo``/``hi``: its extremes."""
    top = max(-lo, hi)
    if not top < 2.0**51:  # (NaN and infinities fail here too)
        return None
    sample = x[:_SAMPLE]
    for d, p in enumerate(_P10):
        if top * p >= 2.0**51:
            return None
        if d:
            if not np.array_equal(np.rint(sample * p) / p, sample):
                continue
            t = x * p
            np.rint(t, out=t)
            if not np.array_equal(t / p, x):
                continue
        else:
            if not np.array_equal(np.rint(sample), sample):
                continue
            t = np.rint(x)
            if not np.array_equal(t, x):
                continue
        nmax = int(max(-np.rint(lo * p), np.rint(hi * p)))
        scale = 10**d * (100 if percent else 1)
        return IntCol(t.astype(np.int64), scale, nmax, scale, lo >= 0)
    return None


# -- arithmetic ----------------------------------------------------------------------------------


def _mul(x: Any, k: int) -> Any:
    return x if k == 1 else x * k


def add(a: IntCol, b: IntCol, sign: int) -> IntCol:
    if isinstance(a.d, int) and isinstance(b.d, int):
        lcm = a.d * b.d // math.gcd(a.d, b.d)
        fa, fb = lcm // a.d, lcm // b.d
        fits(a.nmax * fa + b.nmax * fb)
        x, y = _mul(a.n, fa), _mul(b.n, fb)
        return IntCol(
            x + y if sign > 0 else x - y,
            lcm,
            a.nmax * fa + b.nmax * fb,
            lcm,
            sign > 0 and a.nonneg and b.nonneg,
        )
    fits(a.nmax * b.dmax + b.nmax * a.dmax, a.dmax * b.dmax)
    x, y = a.n * b.d, b.n * a.d
    return IntCol(
        x + y if sign > 0 else x - y,
        a.d * b.d,
        a.nmax * b.dmax + b.nmax * a.dmax,
        a.dmax * b.dmax,
        sign > 0 and a.nonneg and b.nonneg,
    )


def mul(a: IntCol, b: IntCol) -> IntCol:
    fits(a.nmax * b.nmax, a.dmax * b.dmax)
    if isinstance(a.d, int) and isinstance(b.d, int):
        # constants: divide out what a numerator and the other denominator share
        an, bn, ad, bd = a.n, b.n, a.d, b.d
        if isinstance(an, int) and (g := math.gcd(an, bd)) > 1:
            an, bd = an // g, bd // g
        if isinstance(bn, int) and (g := math.gcd(bn, ad)) > 1:
            bn, ad = bn // g, ad // g
        n = bn * an if isinstance(an, int) and not isinstance(bn, int) else an * bn
        return IntCol(n, ad * bd, a.nmax * b.nmax, ad * bd, (a.nonneg and b.nonneg) or _zero(a, b))
    return IntCol(a.n * b.n, a.d * b.d, a.nmax * b.nmax, a.dmax * b.dmax, a.nonneg and b.nonneg)


def _zero(a: IntCol, b: IntCol) -> bool:
    return (isinstance(a.n, int) and a.n == 0) or (isinstance(b.n, int) and b.n == 0)


def div(a: IntCol, b: IntCol, size: int, on_zero: Callable[[Any], None]) -> IntCol:
    """``a / b``; rows where ``b`` is zero are reported to ``on_zero`` (a mask) and get
    denominator 1 (their value does not matter: the rule set's zero_division decides them)."""
    if isinstance(b.n, int):  # a constant divisor
        if b.n == 0:
            raise NoInt
        s = 1 if b.n > 0 else -1
        inv = IntCol(b.d * s, abs(b.n), b.dmax, abs(b.n), True)
        out = mul(a, inv)
        if s < 0:
            out.nonneg = isinstance(a.n, int) and a.n == 0
        elif not a.nonneg:
            out.nonneg = False
        return out
    if isinstance(a.d, int) and isinstance(b.d, int):
        g = math.gcd(a.d, b.d)
        fa, fb = b.d // g, a.d // g
        fits(a.nmax * fa, b.nmax * fb)
        n = _mul(a.n, fa)
        d = _mul(b.n, fb)
        nmax, dmax = a.nmax * fa, b.nmax * fb
    else:
        fits(a.nmax * b.dmax, a.dmax * b.nmax)
        n, d = a.n * b.d, a.d * b.n
        nmax, dmax = a.nmax * b.dmax, a.dmax * b.nmax
    if isinstance(n, int):
        n = np.full(size, n, np.int64)
    zero = b.n == 0
    if zero.any():
        on_zero(zero)
        d = where_int(zero, 1, d)
    if not b.nonneg:
        neg = d < 0
        if neg.any():
            n = np.where(neg, -n, n)
            d = np.where(neg, -d, d)
    return IntCol(n, d, nmax, max(dmax, 1), a.nonneg and b.nonneg)


def neg(a: IntCol) -> IntCol:
    return IntCol(-a.n, a.d, a.nmax, a.dmax, isinstance(a.n, int) and a.n == 0)


def absolute(a: IntCol) -> IntCol:
    return a if a.nonneg else IntCol(abs(a.n), a.d, a.nmax, a.dmax, True)


def sign_cmp(a: IntCol, b: IntCol) -> tuple[Any, Any]:
    """``(left, right)`` integers with ``a − b`` of the sign of ``left − right`` per row."""
    if isinstance(a.d, int) and isinstance(b.d, int):
        g = math.gcd(a.d, b.d)
        fa, fb = b.d // g, a.d // g
        fits(a.nmax * fa, b.nmax * fb)
        return _mul(a.n, fa), _mul(b.n, fb)
    fits(a.nmax * b.dmax, b.nmax * a.dmax)
    return a.n * b.d, b.n * a.d


_OPS: dict[str, Any] = {
    ">=": np.greater_equal,
    ">": np.greater,
    "<=": np.less_equal,
    "<": np.less,
    "==": np.equal,
    "!=": np.not_equal,
}


def compare(a: IntCol, op: str, b: IntCol, size: int, out: Any = None) -> Any:
    """``a op b`` per row (a bool array, written to ``out`` if given), exactly."""
    if isinstance(b.n, int) and isinstance(a.d, int) and not isinstance(a.n, int):
        # a constant on the right and one denominator: compare the numerators with an
        # integer — n ≥ c/k ⇔ n ≥ ⌈c/k⌉ (n an integer)
        c, k = b.n * a.d, b.d
        fits(abs(c) // k + 1)
        if op in (">=", "<"):
            return _OPS[op](a.n, -((-c) // k), out=out)
        if op in (">", "<="):
            return _OPS[op](a.n, c // k, out=out)
        if c % k:
            return np.full(size, op == "!=") if out is None else _fill(out, op == "!=")
        return _OPS[op](a.n, c // k, out=out)
    if isinstance(b.n, int):  # a constant against per-row denominators: n·k ? c·d
        fits(a.nmax * b.d, abs(b.n) * a.dmax)
        left, right = _mul(a.n, b.d), _mul(a.d, b.n)
    else:
        left, right = sign_cmp(a, b)
    r = _OPS[op](left, right, out=out)
    if np.ndim(r) == 0:
        return np.full(size, bool(r)) if out is None else _fill(out, bool(r))
    return r


def _fill(out: Any, value: bool) -> Any:
    out[...] = value
    return out


def pick(mask: Any, a: IntCol, b: IntCol) -> IntCol:
    """Row by row: ``a`` where ``mask``, else ``b``."""
    same = isinstance(a.d, int) and isinstance(b.d, int) and a.d == b.d
    d = a.d if same else where_int(mask, a.d, b.d)
    return IntCol(
        where_int(mask, a.n, b.n),
        d,
        max(a.nmax, b.nmax),
        max(a.dmax, b.dmax),
        a.nonneg and b.nonneg,
    )


def half_up(num: Any, den: Any, nmax: int, dmax: int) -> Any:
    """``num / den`` rounded half-up to an integer, for ``num ≥ 0`` (a negative ``num`` gives
    a value ≤ 0, ``floor(num/den + 1/2)``), ``den > 0``."""
    fits(2 * nmax + dmax, 2 * dmax)
    return (2 * num + den) // (2 * den)


def half_up_lin(n: Any, c: int, d: Any, k: int, nmax: int, dmax: int) -> Any:
    """``c·n / (k·d)`` rounded half-up (``c·n ≥ 0``; else at most 0), ``k·d > 0``:
    ``(2c·n + k·d) // (2k·d)`` in as few passes as it takes."""
    fits(2 * abs(c) * nmax + k * dmax, 2 * k * dmax)
    num = n * (2 * c)
    num += _mul(d, k)
    if isinstance(d, int):
        return num // (2 * k * d)
    num //= d * (2 * k)
    return num


def round_signed(num: Any, den: Any, nmax: int, dmax: int) -> Any:
    """``num / den`` rounded half away from zero (Decimal's ROUND_HALF_UP), ``den > 0``."""
    fits(2 * nmax + dmax, 2 * dmax)
    r = (2 * abs(num) + den) // (2 * den)
    return np.where(num < 0, -r, r)


def round_places(x: IntCol, places: int) -> IntCol:
    """``round(x, places)``: half away from zero, as ``quantize`` does."""
    s = 10**places
    fits(x.nmax * s)
    r = round_signed(x.n * s, x.d, x.nmax * s, x.dmax)
    return IntCol(r, s, x.nmax * s // max(1, _min_d(x)) + 1, s, x.nonneg)


def _min_d(x: IntCol) -> int:
    return x.d if isinstance(x.d, int) else 1


# -- expressions ---------------------------------------------------------------------------------

#: ``fn(ctx) -> IntCol`` (raises :class:`NoInt`); ``ctx`` offers ``ints`` (name → IntCol),
#: ``n`` (rows) and ``add_zero(mask)``
IntFn = Callable[[Any], IntCol]


def build(node: ast.expr, src: str) -> IntFn | None:
    """The integer form of an expression, or None where a construct is not mirrored (then the
    float path always decides it)."""
    try:
        return _build(node, src)
    except NoInt:
        return None


def _build(node: ast.expr, src: str) -> IntFn:
    if isinstance(node, ast.Name):
        name = node.id

        def named(ctx: Any) -> IntCol:
            got: IntCol | None = ctx.ints.get(name)
            if got is None:
                raise NoInt
            return got

        return named
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        seg = ast.get_source_segment(src, node) or repr(node.value)
        c = const(Decimal(seg.strip()))
        return lambda ctx: c
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _build(node.operand, src)
        if isinstance(node.op, ast.UAdd):
            return inner
        return lambda ctx: neg(inner(ctx))
    if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div):
        left, right = _build(node.left, src), _build(node.right, src)
        op = type(node.op)
        if op is ast.Add:
            return lambda ctx: add(left(ctx), right(ctx), 1)
        if op is ast.Sub:
            return lambda ctx: add(left(ctx), right(ctx), -1)
        if op is ast.Mult:
            return lambda ctx: mul(left(ctx), right(ctx))
        return lambda ctx: div(left(ctx), right(ctx), ctx.n, ctx.add_zero)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        fname = node.func.id
        args = [_build(a, src) for a in node.args]
        if fname in ("min", "max") and args:
            want = "<=" if fname == "min" else ">="

            def extreme(ctx: Any) -> IntCol:
                out = args[0](ctx)
                for f in args[1:]:
                    x = f(ctx)
                    out = pick(compare(out, want, x, ctx.n), out, x)
                return out

            return extreme
        if fname == "abs" and len(args) == 1:
            inner = args[0]
            return lambda ctx: absolute(inner(ctx))
        if fname == "clamp" and len(args) == 3 and _ordered(node.args[1], node.args[2], src):
            x_of, lo_of, hi_of = args  # (bounds written out, lo <= hi: clamp never raises)

            def clamped(ctx: Any) -> IntCol:
                x, lo, hi = x_of(ctx), lo_of(ctx), hi_of(ctx)
                out = pick(compare(x, ">=", lo, ctx.n), x, lo)
                return pick(compare(out, "<=", hi, ctx.n), out, hi)

            return clamped
        if fname == "round" and len(args) in (1, 2):
            places = 0
            if len(args) == 2:
                arg = node.args[1]
                if not (isinstance(arg, ast.Constant) and type(arg.value) is int):
                    raise NoInt
                places = arg.value
            inner = args[0]
            return lambda ctx: round_places(inner(ctx), places)
    raise NoInt


def _ordered(lo: ast.expr, hi: ast.expr, src: str) -> bool:
    """Both bounds numbers written out, ``lo <= hi``."""
    got = []
    for node in (lo, hi):
        inner = node.operand if isinstance(node, ast.UnaryOp) else node
        if not (isinstance(inner, ast.Constant) and type(inner.value) in (int, float)):
            return False
        seg = ast.get_source_segment(src, node) or ""
        try:
            got.append(Decimal(seg.replace(" ", "")))
        except ArithmeticError:
            return False
    return got[0] <= got[1]
