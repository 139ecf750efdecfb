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
from .rational import Q, q_const, select
from .reasons import Unsupported, no

__all__ = [
    "F_ERROR",
    "F_FULL",
    "F_MISSING",
    "F_NA",
    "F_ZERO",
    "SAFETY",
    "TINY",
    "Bounded",
    "Chunk",
    "U",
    "Unsupported",
    "ceil_scaled",
    "compare",
    "const",
    "decide",
    "equal_rows",
    "fail",
    "q_const",
    "round_points",
    "scaled",
    "select",
]

# Failure codes of an input or metric in a row, in the per-record path's priority order (the
# smallest non-zero code of the names a rule reads is the failure that decides it); F_FULL is
# a leaf's own code for ``missing: full``.
F_ERROR, F_NA, F_ZERO, F_MISSING, F_FULL = 1, 2, 3, 4, 5

U = 2.0**-53
SAFETY = 4.0
TINY = 2.2250738585072014e-308  # the smallest normal float64


class Bounded:
    """A float64 column with ``|value − exact| ≤ k·u·mag`` (``mag`` None means ``|value|``)."""

    __slots__ = ("ex", "exact", "k", "mag", "name", "sign", "v")

    def __init__(
        self,
        v: Any,
        mag: Any,
        k: float,
        *,
        name: str | None = None,
        exact: Decimal | None = None,
        ex: Callable[[Chunk, Any], Q] | None = None,
    ) -> None:
        self.v, self.mag, self.k = v, mag, k
        self.name = name  # an input or metric: its exact value can be computed per row
        self.exact = exact  # a constant's exact value
        self.ex = ex  # the exact values of given rows, as rationals
        #: 1: every value > 0, −1: every value < 0, 0: unknown (zeros, both signs)
        self.sign = 0

    def exact_rows(self, ctx: Chunk, rows: Any) -> Q | None:
        """The exact (rational) values of ``rows``, or None when this column has none."""
        if self.ex is not None:
            return self.ex(ctx, rows)
        if self.name is not None:
            return ctx.exact_q(self.name, rows)
        if self.exact is not None:
            return q_const(self.exact, len(rows))
        return None

    def m(self) -> Any:
        return np.abs(self.v) if self.mag is None else self.mag

    def tol(self) -> Any:
        return (SAFETY * U * self.k) * self.m()


class Lazy(dict[str, Any]):
    """Values by name, some made only when something asks for them (``make``: name →
    factory): a metric decided in integers gets its float form on demand, an input column
    its integer form.  ``ints.get(name)`` makes the value too (None: it has none)."""

    def __init__(self, missing: Any = KeyError) -> None:
        super().__init__()
        self.make: dict[str, Callable[[], Any]] = {}
        self.missing = missing

    def __missing__(self, name: str) -> Any:
        make = self.make.pop(name, None)
        if make is None:
            if self.missing is KeyError:
                raise KeyError(name)
            return self.missing
        got = self[name] = make()
        return got

    def get(self, name: str, default: Any = None) -> Any:
        if name in self or name in self.make:
            return self[name]
        return default


class ExactSource(Protocol):
    """Exact values of inputs and metrics for undecided rows (the columnar scorer)."""

    def exact_q(self, ctx: Chunk, name: str, rows: Any) -> Q: ...


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
        self.cache: Lazy = Lazy()
        #: exact integer columns of inputs and metrics (see :mod:`~perfscore.columnar.intcols`),
        #: None where a column has none in this chunk
        self.ints: Lazy = Lazy(None)
        #: rows where a metric in ``ints`` has no value (a division by zero; None: none)
        self.int_bad: dict[str, Any] = {}
        #: rows decided exactly (rationals) by the float path so far: the cost of ties
        self.exact_rows = 0
        #: which leaves run in integers (shared by the chunks of one run; see run.py)
        self.prefer: Any = None
        self.source = source
        #: failure codes of inputs and metrics with a failure in this chunk (see run.py)
        self.codes: dict[str, Any] = {}
        #: rows whose result a failure decides, not the step running (no flags, no exact work)
        self.skip: Any = None
        #: rows where an expression run since the last reset divided by zero
        self.zero: Any = None
        #: rows where the scorer running met an error (the per-record ``EvaluationError``)
        self.error: Any = None
        #: rows the scorer running leaves to the missing policy (the per-record ``Blank``: a
        #: checklist with every item blank)
        self.blank: Any = None
        #: per row, the coverage numerator (over its form's ``cov_den``) of a scorer that
        #: scored on part of its weight's data (None: all of it, every row)
        self.covered: Any = None
        #: while an expression that may see blanks runs (``is_missing``/``coalesce``: a check
        #: or grade override), its reads of a blank are recorded in :attr:`missing`
        self.aware = False
        #: rows where such an expression read a blank value (the per-record path's error)
        self.missing: Any = None
        #: text and yes/no inputs: the distinct values read (their codes index this list)
        self.vocab: dict[str, list[Any]] = {}
        #: each conditional expression's choice per row (for its exact form)
        self.conds: dict[int, Any] = {}
        #: the total points, scaled (grade overrides read ``total``)
        self.total: Any = None
        #: exact values of inputs and metrics over the whole chunk, once many rows need them
        self.exact_cache: dict[str, Q] = {}
        #: series inputs and metrics (:class:`~perfscore.columnar.series.SeriesCol`), on a
        #: year axis whose first column is the year :attr:`year0`
        self.series: dict[str, Any] = {}
        #: metrics ``year(s, y)``: the rows where that year has no value — no failure there
        #: for an expression reading it (it fails where it uses the value), but for a leaf
        #: reading it as its value an error (in :attr:`codes`)
        self.nulls: dict[str, Any] = {}
        self.year0 = 0
        #: metrics run per row (:mod:`~perfscore.columnar.rowexpr`): their Decimal values
        #: (an object array, None where none), for the per-row expressions that read them
        self.decimals: dict[str, Any] = {}
        #: their values as floats (``float(Decimal)``: correctly rounded), made alongside
        self.floats: dict[str, Any] = {}

    def detach(self) -> None:
        """Once the chunk is scored: forget the caller's columns (and the input values that
        may be views of them) and the factories in ``cache.make``/``ints.make``, which refer
        back to the chunk — so it is no cyclic garbage (only the cyclic collector would free
        its columns, ~200 MB per 200,000 rows × 30 indicators, late when the process holds a
        big heap); what is left is what the chunk made (see ``ColumnarScorer`` workspace)."""
        for name in self.cols:
            self.cache.pop(name, None)
        self.cols = {}
        self.vocab = {}
        self.source = None
        self.decimals = {}
        self.floats = {}
        self.cache.make.clear()
        self.ints.make.clear()

    def exact_q(self, name: str, rows: Any) -> Q:
        """Exact values of input or metric ``name`` in ``rows`` (bad where it has none)."""
        if self.source is None:
            return Q(0, 1, len(rows), np.ones(len(rows), bool))
        return self.source.exact_q(self, name, rows)

    def _ignore(self) -> Any:
        out = None
        for mask in (self.skip, self.zero, self.error, self.missing):
            if mask is not None:
                out = mask if out is None else out | mask
        return out

    def add_error(self, mask: Any) -> None:
        """Rows the scorer cannot score (an error finding in the per-record path)."""
        if mask.any():
            self.error = mask.copy() if self.error is None else self.error | mask

    def category(self, name: str) -> tuple[Any, list[Any]]:
        """A text or yes/no input: per row the index of its value in the list of values
        (−1 missing, −2 unreadable), and that list."""
        return self.cols[name], self.vocab[name]

    def live(self, rows: Any) -> Any:
        """``rows`` without those a failure decides (see :attr:`skip`, :attr:`zero`)."""
        ignore = self._ignore()
        return rows if ignore is None else rows[~ignore[rows]]

    def add_zero(self, mask: Any) -> None:
        """Rows where a division by zero happened (the per-record path's
        ``ZeroDenominatorError``: the rule set's ``zero_division`` decides them)."""
        self.zero = mask.copy() if self.zero is None else self.zero | mask

    def read_blank(self, name: str, blank: Any = None) -> None:
        """In an expression that may see blanks (:attr:`aware`), record the rows where
        ``name`` is read while blank (``blank``: that mask, else from its failure code)."""
        if blank is None:
            code = self.codes.get(name)
            if code is None:
                return
            blank = code == F_MISSING
        if blank.any():
            self.missing = blank.copy() if self.missing is None else self.missing | blank

    def flag_rows(self, rows: Any, bad: Any = None) -> None:
        """Mark ``rows`` (or those of them where ``bad``) unsure."""
        if bad is not None:
            if not bad.any():
                return
            rows = rows[bad]
        self.unsure[self.live(rows)] = True

    def flag(self, mask: Any) -> None:
        ignore = self._ignore()
        if ignore is not None:
            mask = mask & ~ignore
        np.logical_or(self.unsure, mask, out=self.unsure)


_SIGN_OK: dict[str, Callable[[Any], Any]] = {
    ">=": lambda s: s >= 0,
    ">": lambda s: s > 0,
    "<=": lambda s: s <= 0,
    "<": lambda s: s < 0,
    "==": lambda s: s == 0,
    "!=": lambda s: s != 0,
}


def compare(ctx: Chunk, a: Bounded, op: str, b: Bounded) -> Any:
    """``a op b`` for every row: decided in float64 where the guard allows, exactly (rational
    integers) for the rows in between; rows without an exact value are flagged."""
    if op in (">=", ">", "<=", "<") and a.mag is None and np.ndim(b.v) == 0:
        return np.logical_not(fail(ctx, a, op, b))  # the fast guard lives there
    d = a.v - b.v
    tol = a.tol() + b.tol() + (SAFETY * U) * np.abs(d)
    near = np.abs(d) <= tol
    out = _SIGN_OK[op](d)
    if np.count_nonzero(near):
        rows, met = decide(ctx, a, op, b, np.flatnonzero(near))
        if met is not None:
            out[rows] = met
    return out


def decide(ctx: Chunk, a: Bounded, op: str, b: Bounded, rows: Any) -> tuple[Any, Any]:
    """``(rows, a op b)`` exactly for those of ``rows`` that matter (a failure decides the
    others), flagging rows without an exact value; the second item is None when either side
    has no exact form (then every row is flagged)."""
    rows = ctx.live(rows)
    if not len(rows):
        return rows, None
    ctx.exact_rows += len(rows)
    qa = a.exact_rows(ctx, rows)
    qb = b.exact_rows(ctx, rows) if qa is not None else None
    if qa is None or qb is None:
        ctx.flag_rows(rows)
        return rows, None
    met = _SIGN_OK[op](qa.cmp(qb))
    bad = qa.bad if qb.bad is None else qb.bad if qa.bad is None else qa.bad | qb.bad
    if bad is not None:
        ctx.flag_rows(rows, bad)
    return rows, met


def fail(ctx: Chunk, a: Bounded, op: str, b: Bounded, out: Any = None) -> Any:
    """``not (a op b)`` for every row (written to ``out`` if given).  The fast path is one
    comparison plus one for the guard, and two popcounts; rows between are decided exactly."""
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
        # rows too close to call in float64 (typically exact ties such as 95/100 against
        # 0.95): the exact rational comparison
        rows, met = decide(ctx, a, op, b, np.flatnonzero(not_below ^ above))
        if met is not None:
            failed[rows] = ~met
    return failed


def equal_rows(ctx: Chunk, a: Bounded, b: Bounded) -> Any:
    """Rows where ``a == b`` exactly (a mask): float-near rows checked exactly."""
    d = a.v - b.v
    near = np.abs(d) <= a.tol() + b.tol() + (SAFETY * U) * np.abs(d)
    out = np.zeros(ctx.n, bool)
    if np.count_nonzero(near):
        rows, met = decide(ctx, a, "==", b, np.flatnonzero(near))
        if met is not None:
            out[rows] = met
    return out


def const(x: Decimal) -> Bounded:
    """A constant of the rule set as a bounded float."""
    f = float(x)
    if not abs(f) < 1e300:
        raise no("beyond_float", x=x)
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
    exact: Callable[[Any], Q | None] | None = None,
    force: Any = None,
) -> Any:
    """Round ``x × factor`` (points in [0, top], clamped by the caller) half-up to places,
    exactly: the scaled integers as float64 (exact below 2**53).  Rows too close to a half to
    be sure in float64 (and the rows of ``force``, whose float value is not to be trusted)
    take ``exact(rows)`` — the exact points, a rational, rounded in integers — or are flagged
    when there is no exact form."""
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
    frac, whole = np.modf(s)  # (s ≥ 0.5 in every row that counts: trunc = floor)
    if not e < 0.25:  # per row instead (NaN bounds are near too)
        tol = x.tol() * abs(factor) * scale + c * (whole + frac)
        near = ~((frac > tol) & (frac < 1 - tol))
    else:
        near_low, near_high = frac <= e, frac >= 1 - e
        near = (
            near_low | near_high
            if np.count_nonzero(near_low) or np.count_nonzero(near_high)
            else None
        )
    if force is not None:
        near = force if near is None else near | force
    if near is not None:
        rows = ctx.live(np.flatnonzero(near & ~ctx.unsure))
        ctx.exact_rows += len(rows)
        q = exact(rows) if exact is not None and len(rows) else None
        if q is None:
            ctx.flag_rows(rows)
        else:  # exact half-way ties (3.125 → 3.13): the exact points, rounded in integers
            whole[rows] = q.round_scaled(ctx.places)
            if q.bad is not None:
                ctx.flag_rows(rows, q.bad)
    return whole
