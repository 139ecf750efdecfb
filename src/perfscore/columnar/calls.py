"""Helpers of the column expressions (:mod:`~perfscore.columnar.expression`): where their
divisions by zero and blank reads count (:func:`branch`, :func:`divided_by_zero`), rationals
merged by a mask, ``round(x, places)`` with the places read per row, ``coalesce()``, and a text
input tested against words."""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .bounds import F_MISSING, SAFETY, Bounded, Chunk, U, compare
from .rational import LIMIT, Q
from .reasons import no

#: exact form of an expression: ``(chunk, rows) -> rationals``
ExactFn = Callable[[Chunk, Any], Q]

__all__ = [
    "ExactFn",
    "blank_name",
    "branch",
    "clamp_column",
    "coalesce",
    "coalesce_exact",
    "divided_by_zero",
    "merge",
    "round_guarded",
    "round_places_of",
    "round_rows",
    "round_rows_exact",
    "text_test",
    "top_of",
]


def divided_by_zero(ctx: Chunk, zero: Any) -> None:
    """Record a division by zero — not in rows that read a blank before it (the per-record
    path stopped there with an error; the blank's 0 is no denominator)."""
    if ctx.missing is not None:
        zero = zero & ~ctx.missing
    if zero.any():
        ctx.add_zero(zero)


def top_of(x: Bounded) -> float:
    """The largest magnitude (value or bound's magnitude) of a bounded column."""
    if x.mag is None:
        top = float(np.max(np.abs(x.v))) if np.ndim(x.v) else abs(float(x.v))
    else:
        top = float(np.max(x.mag))
    return top if top == top else math.inf  # a NaN row: every row is then decided exactly


def round_places_of(node: ast.Call) -> int | None:
    """The constant ``places`` of ``round(x, places)`` (0 to 12); None when they are read
    per row (an expression)."""
    if len(node.args) == 1:
        return 0
    arg = node.args[1]
    if isinstance(arg, ast.Constant):
        if not (type(arg.value) is int and 0 <= arg.value <= 12):
            raise no("round_places")
        return arg.value
    return None


#: 10**p as float64 (exact) and as int64, p = 0..12
_P10F = np.array([10.0**p for p in range(13)])
_P10I = np.array([10**p for p in range(13)], np.int64)


def _row_places(ctx: Chunk, places: ExactFn, rows: Any) -> tuple[Any, Any]:
    """``round(x, places)`` with places read per row: ``(places, ok)`` for ``rows`` — the
    exact value of the places expression where it is a whole number 0–12 (``ok``; else 0).
    The per-record path accepts other whole numbers (−28…28) or refuses a fraction: those
    rows are its to decide."""
    q = places(ctx, rows)
    size = len(rows)
    n = np.broadcast_to(np.asarray(q.n), (size,))
    d = np.broadcast_to(np.asarray(q.d), (size,))
    ok = np.asarray(n % d == 0, bool)
    whole = np.where(ok, n // d, -1)
    ok &= np.asarray((whole >= 0) & (whole <= 12), bool)
    if q.bad is not None:
        ok &= ~q.bad
    return np.where(ok, whole, 0).astype(np.int64), ok


def round_guarded(ctx: Chunk, x: Bounded, exact: ExactFn, places: Any) -> Bounded:
    """``x`` rounded half-up (away from zero on a half, as ``quantize`` does) to ``places``
    (an int, or an int array: one per row), from the float value unless it lies within the
    guard of a half; those rows take the exact value, rounded in integers."""
    scale = _P10F[places]
    s = x.v * scale
    whole = np.floor(s + 0.5)
    frac = s + 0.5 - whole
    tol = x.tol() * scale + (SAFETY * U * 4) * (np.abs(s) + 1)
    near = (frac <= tol) | (frac >= 1 - tol) | ~(np.abs(s) < 2.0**51)
    big = np.abs(s) >= 2.0**51  # beyond float64's exact integers (an inf too): the
    if big.any():  # per-record path decides, whose Decimal context may refuse to round it
        ctx.flag(big)
        near &= ~big
    if near.any():
        rows = ctx.live(np.flatnonzero(near))
        per_row = np.ndim(places) > 0
        for k in np.unique(places[rows]).tolist() if per_row else [places]:
            at = rows[places[rows] == k] if per_row else rows
            if len(at):
                q = exact(ctx, at)
                whole[at] = q.round_scaled(k)
                if q.bad is not None:
                    ctx.flag_rows(at, q.bad)
    # an integer below 2**51 divided by a power of ten: correctly rounded
    return Bounded(whole / scale, None, 1.0)


def round_rows(inner: Any, exact: ExactFn, places: ExactFn) -> Any:
    """``round(x, places)`` with places read per row (``round(rate, decimals + 2)``): a
    power of ten per row; rows whose places are not a whole number 0–12 are flagged (the
    per-record path decides them)."""

    def rounded(ctx: Chunk) -> Bounded:
        p, ok = _row_places(ctx, places, np.arange(ctx.n))
        if not ok.all():
            ctx.flag(~ok)
        return round_guarded(ctx, inner(ctx), exact, p)

    return rounded


def round_rows_exact(arg: ExactFn, places: ExactFn) -> ExactFn:
    """The exact form of ``round(x, places)`` with places read per row (rows whose places
    are not a whole number 0–12 are bad)."""

    def rounded(ctx: Chunk, rows: Any) -> Q:
        p, ok = _row_places(ctx, places, rows)
        q = arg(ctx, rows)
        parts = {k: q.take(np.flatnonzero(p == k)).round_scaled(k) for k in np.unique(p).tolist()}
        big = any(str(getattr(v, "dtype", "")) == "object" for v in parts.values())
        n = np.zeros(len(rows), object if big else np.int64)
        for k, v in parts.items():
            n[p == k] = v
        bad = ~ok if q.bad is None else q.bad | ~ok
        return Q(n, _P10I[p], len(rows), bad if bad.any() else None)

    return rounded


def blank_name(node: ast.Call) -> str:
    """The input or metric ``coalesce(name, default)`` reads (only a bare name is mirrored)."""
    if len(node.args) != 2 or node.keywords or not isinstance(node.args[0], ast.Name):
        raise no("coalesce_expr")
    return node.args[0].id


def coalesce(name: str, dflt: Any, exact: ExactFn) -> Any:
    """``coalesce(name, default)``: the default where ``name`` is blank (evaluated only
    there, as the per-record path does), else its value — reading a blank here is no error."""

    def co(ctx: Chunk) -> Bounded:
        x: Bounded = ctx.cache[name]
        code = ctx.codes.get(name)
        blank = None if code is None else code == F_MISSING
        if blank is None or not blank.any():
            return x
        d = branch(ctx, dflt, blank)
        v = np.where(blank, d.v, x.v)
        mag = None if x.mag is None and d.mag is None else np.where(blank, d.m(), x.m())
        return Bounded(v, mag, max(x.k, d.k), ex=exact)

    return co


def coalesce_exact(name: str, dflt: ExactFn) -> ExactFn:
    def co(ctx: Chunk, rows: Any) -> Q:
        code = ctx.codes.get(name)
        blank = None if code is None else code[rows] == F_MISSING
        if blank is None or not blank.any():
            return ctx.exact_q(name, rows)
        given = rows[~blank]
        return merge(blank, dflt(ctx, rows[blank]), ctx.exact_q(name, given), len(rows))

    return co


def branch(ctx: Chunk, fn: Any, mask: Any) -> Any:
    """``fn(ctx)`` counting its divisions by zero (and its reads of a blank, see
    :attr:`Chunk.aware`) only in the rows of ``mask`` (the rows where the per-record path
    evaluates it: a conditional's branch, ``and``/``or``, a default)."""
    saved, ctx.zero = ctx.zero, None
    saved_blank, ctx.missing = ctx.missing, None
    out = fn(ctx)
    zero, ctx.zero = ctx.zero, saved
    blank, ctx.missing = ctx.missing, saved_blank
    if zero is not None:
        zero &= mask
        if zero.any():
            ctx.add_zero(zero)
    if blank is not None:
        ctx.read_blank("", blank & mask)
    return out


def merge(mask: Any, a: Q, b: Q, size: int) -> Q:
    """Rationals for ``size`` rows: ``a``'s (in order) where ``mask``, ``b``'s elsewhere."""
    parts = []
    for attr in ("n", "d"):
        x, y = getattr(a, attr), getattr(b, attr)
        big = any(
            (not isinstance(z, int) and z.dtype == object)
            or (isinstance(z, int) and abs(z) >= LIMIT)
            for z in (x, y)
        )
        out = np.zeros(size, object if big else np.int64)
        out[mask] = x
        out[~mask] = y
        parts.append(out)
    bad = None
    if a.bad is not None or b.bad is not None:
        bad = np.zeros(size, bool)
        if a.bad is not None:
            bad[mask] = a.bad
        if b.bad is not None:
            bad[~mask] = b.bad
    return Q(parts[0], parts[1], size, bad)


def text_test(node: ast.expr, kinds: Mapping[str, str]) -> tuple[str, tuple[str, ...], bool] | None:
    """``name in ('A', 'B')``, ``name not in (…)``, ``name == 'A'``, ``name != 'A'`` with
    ``name`` a text input and words on the right: ``(name, words, negated)``, else None.
    (A blank never gets here: it blocks what reads it, or is read under ``is_missing``.)"""
    if not (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.left, ast.Name)
        and kinds.get(node.left.id) == "text"
    ):
        return None
    op, right = node.ops[0], node.comparators[0]
    if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List)):
        items = right.elts
    elif isinstance(op, (ast.Eq, ast.NotEq)):
        items = [right]
    else:
        return None
    if not all(isinstance(x, ast.Constant) and type(x.value) is str for x in items):
        return None
    words = tuple(str(x.value) for x in items if isinstance(x, ast.Constant))
    return node.left.id, words, isinstance(op, (ast.NotIn, ast.NotEq))


def clamp_column(args: list[Any], bounds: list[Any]) -> Callable[[Chunk], Bounded]:
    """``clamp(x, lo, hi)`` — ``min(max(x, lo), hi)`` — over columns (the bound: the largest
    of the arguments', clamping being 1-Lipschitz in each); rows where ``lo > hi`` (decided
    exactly: ``bounds`` are lo and hi with their exact forms) are the per-record path's,
    where clamp raises an error after its arguments were evaluated."""
    x_of, lo_of, hi_of = args
    lo_ex, hi_ex = bounds

    def clamped(ctx: Chunk) -> Bounded:
        x, lo, hi = x_of(ctx), lo_of(ctx), hi_of(ctx)
        low, high = lo_ex(ctx), hi_ex(ctx)
        if np.ndim(low.v) == 0 and np.ndim(high.v) == 0:  # numbers written out
            one = np.arange(1)
            ql, qh = low.exact_rows(ctx, one), high.exact_rows(ctx, one)
            if ql is None or qh is None or ql.cmp(qh)[0] > 0:
                ctx.flag(np.ones(ctx.n, bool))
        else:
            ctx.flag(compare(ctx, low, ">", high))
        v = np.minimum(np.maximum(x.v, lo.v), hi.v)
        return Bounded(v, max(top_of(x), top_of(lo), top_of(hi)), max(x.k, lo.k, hi.k))

    return clamped
