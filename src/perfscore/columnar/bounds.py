"""Float64 columns with certified error bounds, and the exact decisions they fall back on.

A :class:`Bounded` column carries, beside each float64 value, a bound on its distance from the
exact (Decimal) value the per-record path computes: an operation count ``k`` and either a
relative bound (``|float − exact| ≤ k·u·|float|``, ``u`` = 2⁻⁵³) or a magnitude array ``m``
(``≤ k·u·m``).  Comparisons (:func:`compare`, :func:`fail`) decide every row whose float value
is far enough from the other side; the rows in between are decided by the exact per-record value
or flagged *unsure* in the :class:`Chunk` (then the whole row takes the per-record path).
Points are scaled integers (``× 10**places``) held in float64 — exact below 2⁵³ —, rounded
half-up by :func:`round_points`, again with a guard.

This is the toolkit scorer modules use for their column form (``column_form``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import ROUND_CEILING, Decimal
from typing import Any, Protocol

import numpy as np

from ..numbers import round_places

__all__ = [
    "SAFETY",
    "TINY",
    "Bounded",
    "Chunk",
    "U",
    "Unsupported",
    "ceil_scaled",
    "compare",
    "const",
    "fail",
    "round_points",
    "scaled",
]

U = 2.0**-53
SAFETY = 4.0
TINY = 2.2250738585072014e-308  # the smallest normal float64


class Unsupported(Exception):
    """The rule set uses something the columnar path does not mirror."""


class Bounded:
    """A float64 column with ``|value − exact| ≤ k·u·mag`` (``mag`` None means ``|value|``)."""

    __slots__ = ("exact", "k", "mag", "name", "v")

    def __init__(
        self, v: Any, mag: Any, k: float, *, name: str | None = None, exact: Decimal | None = None
    ) -> None:
        self.v, self.mag, self.k = v, mag, k
        self.name = name  # an input or metric: its exact value can be computed per row
        self.exact = exact  # a constant's exact value

    def m(self) -> Any:
        return np.abs(self.v) if self.mag is None else self.mag

    def tol(self) -> Any:
        return (SAFETY * U * self.k) * self.m()


class ExactSource(Protocol):
    """Exact per-record values for undecided rows (the columnar scorer provides them)."""

    def exact_eval(
        self,
        cols: Mapping[str, Any],
        names: frozenset[str],
        fn: Callable[[Mapping[str, Any]], Any],
        rows: Any,
    ) -> list[Any]: ...

    def exact_values(
        self, cols: Mapping[str, Any], name: str, rows: Any
    ) -> list[Decimal | None]: ...


class Chunk:
    """One span of rows: the input columns, the running 'unsure' mask, the bounded values of
    the inputs and metrics, and where exact per-record values come from."""

    def __init__(
        self,
        cols: Mapping[str, Any],
        n: int,
        places: int,
        source: ExactSource | None = None,
    ) -> None:
        self.cols = cols
        self.n = n
        self.places = places
        self.scale = 10**places
        self.unsure = np.zeros(n, dtype=bool)
        self.cache: dict[str, Bounded] = {}
        self.source = source

    def exact(self, name: str, rows: Any) -> list[Decimal | None]:
        """Exact (per-record) values of input or metric ``name`` in ``rows`` (None: unsure)."""
        if self.source is None:
            return [None] * len(rows)
        return self.source.exact_values(self.cols, name, rows)

    def exact_eval(
        self, names: frozenset[str], fn: Callable[[Mapping[str, Any]], Any], rows: Any
    ) -> list[Any]:
        """``fn(scope)`` with each row's exact per-record scope (None where it has none)."""
        if self.source is None:
            return [None] * len(rows)
        return self.source.exact_eval(self.cols, names, fn, rows)

    def flag(self, mask: Any) -> None:
        np.logical_or(self.unsure, mask, out=self.unsure)


def compare(ctx: Chunk, a: Bounded, op: str, b: Bounded) -> Any:
    """``a op b`` where decided; undecided rows are flagged (their value is irrelevant)."""
    if op in (">=", ">", "<=", "<") and a.mag is None and np.ndim(b.v) == 0:
        return np.logical_not(fail(ctx, a, op, b))  # the fast guard lives there
    d = a.v - b.v
    tol = a.tol() + b.tol() + (SAFETY * U) * np.abs(d)
    ctx.flag(np.abs(d) <= tol)
    if op == ">=":
        return d >= 0
    if op == ">":
        return d > 0
    if op == "<=":
        return d <= 0
    if op == "<":
        return d < 0
    if op == "==":
        return d == 0
    return d != 0


def fail(ctx: Chunk, a: Bounded, op: str, b: Bounded, out: Any = None) -> Any:
    """``not (a op b)`` where decided (written to ``out`` if given); undecided rows flagged.
    The fast path is one comparison plus one for the guard, and two popcounts."""
    if not (a.mag is None and np.ndim(b.v) == 0) or op not in (">=", ">", "<=", "<"):
        return np.logical_not(compare(ctx, a, op, b), out=out)
    c = SAFETY * U * (a.k + 1)
    t = float(b.v)
    e = c * (abs(t) * (1 + b.k)) / (1 - c)
    hi_edge = math.nextafter(t + e, math.inf)
    not_below = a.v >= math.nextafter(t - e, -math.inf)
    if op in (">=", ">"):
        above = np.greater(a.v, hi_edge)
        # counted on the same comparisons, so NaN rows (false in both) cannot hide a tie
        unsure = np.count_nonzero(not_below) != np.count_nonzero(above)  # above ⊆ not_below
        failed = np.logical_not(above, out=out)
    else:
        failed = np.greater(a.v, hi_edge, out=out)  # = above
        unsure = np.count_nonzero(not_below) != np.count_nonzero(failed)
        above = failed
    if unsure:
        _decide_exactly(ctx, a, op, b, np.flatnonzero(not_below ^ above), failed)
    return failed


def _decide_exactly(ctx: Chunk, a: Bounded, op: str, b: Bounded, rows: Any, failed: Any) -> None:
    """Rows too close to call in float64 (typically exact ties such as 95/100 against 0.95):
    compare the exact per-record values instead; rows without one fall back whole."""
    values = ctx.exact(a.name, rows) if a.name is not None and b.exact is not None else None
    if values is None:
        mask = np.zeros(ctx.n, bool)
        mask[rows] = True
        ctx.flag(mask)
        return
    t = b.exact
    assert t is not None
    for row, x in zip(rows.tolist(), values, strict=True):
        if x is None:
            ctx.unsure[row] = True
            continue
        met = x >= t if op == ">=" else x > t if op == ">" else x <= t if op == "<=" else x < t
        failed[row] = not met


def const(x: Decimal) -> Bounded:
    """A constant of the rule set as a bounded float."""
    f = float(x)
    if not abs(f) < 1e300:
        raise Unsupported(f"number {x} is beyond the float64 range this path allows")
    if f != 0 and abs(f) < 1e-300:  # subnormal-ish: only an absolute bound holds
        return Bounded(f, abs(f) + 1e-290, 1.0, exact=x)
    # |float(x) − x| <= u·|float(x)|: a relative bound, like an input's
    return Bounded(f, None, 1.0, exact=x)


def scaled(x: Decimal, places: int) -> int:
    """Points ``x`` rounded half-up to ``places``, as an integer of ``10**-places``."""
    return int(round_places(x, places).scaleb(places))


def ceil_scaled(x: Decimal, places: int) -> int:
    return int(x.scaleb(places).to_integral_value(rounding=ROUND_CEILING))


def round_points(
    ctx: Chunk,
    x: Bounded,
    top: float,
    factor: float = 1.0,
    exact: Callable[[Any], list[Any]] | None = None,
) -> Any:
    """Round ``x × factor`` (points in [0, top], clamped by the caller) half-up to places,
    exactly: the scaled integers as float64 (exact below 2**53), flagging rows too close
    to a half to be sure (or taking ``exact(rows)``, the exact points of those rows)."""
    scale = ctx.scale
    s = x.v * (factor * scale)
    s += 0.5
    smax = top * scale + 0.5
    if not s.min() >= 0.5:  # NaN (from a row already undecided), or negative
        ctx.flag(~(s >= 0.5))
    # |s̃ − s| <= e for every row: relative bounds scale with s <= smax; otherwise the
    # largest magnitude bounds them all (a huge outlier makes e large, never wrong)
    c = SAFETY * U * (x.k + 4)
    e = c * (smax if x.mag is None else float(np.max(x.mag)) * abs(factor) * scale + smax)
    whole = np.floor(s)
    frac = s
    frac -= whole
    if not e < 0.25:  # per row instead (NaN bounds fall back too)
        tol = x.tol() * abs(factor) * scale + c * (whole + frac)
        ctx.flag(~((frac > tol) & (frac < 1 - tol)))
    else:
        near_low, near_high = frac <= e, frac >= 1 - e
        if np.count_nonzero(near_low) or np.count_nonzero(near_high):
            near = near_low | near_high
            if exact is None:
                ctx.flag(near)
            else:  # exact half-way ties (3.125 → 3.13): the exact points, rounded
                rows = np.flatnonzero(near & ~ctx.unsure)
                for row, points in zip(rows.tolist(), exact(rows), strict=True):
                    if points is None:
                        ctx.unsure[row] = True
                    else:
                        whole[row] = scaled(points, ctx.places)
    return whole
