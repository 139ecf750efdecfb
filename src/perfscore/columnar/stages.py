"""A chunk's inputs and metrics: each numeric input checked (present, in range, whole where
declared so) and bounded, its exact integer column made now or on demand; each metric in
float64 with its bound, or in exact integers where leaves that run in integers read it — the
other form made only when something asks for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from .bounds import F_ERROR, F_MISSING, SAFETY, TINY, Bounded, Chunk, U
from .failures import KIND, failure_codes, with_zero
from .intcols import IntCol, scaled_column, where_int
from .plan import MetricPlan, Plan
from .rational import LIMIT, Q
from .series import big
from .seriesexpr import SeriesExpr
from .seriesfns import Raised

__all__ = ["read_inputs", "run_metrics", "run_series_metric"]


def _percent(raw: Any, name: str, sign: int) -> Callable[[], Bounded]:
    def make() -> Bounded:
        got = Bounded(raw / 100.0, None, 2.0, name=name)
        got.sign = sign
        return got

    return make


def _int_column(raw: Any, low: float, high: float, percent: bool) -> Callable[[], IntCol | None]:
    return lambda: scaled_column(raw, low, high, percent)


def _ints_of(ctx: Chunk, mp: MetricPlan, code: Any) -> Callable[[], IntCol | None]:
    """The integer form of a metric computed in float64, made when something asks for it
    (exact values of its ties), with the chunk's transient state saved."""

    def make() -> IntCol | None:
        saved = ctx.skip, ctx.zero
        ctx.skip = None if code is None else code != 0
        ctx.zero = None
        try:
            assert mp.expr is not None
            got = mp.expr.ints(ctx)
            _no_value(ctx, mp, ctx.zero)
            return got
        finally:
            ctx.skip, ctx.zero = saved

    return make


def _no_value(ctx: Chunk, mp: MetricPlan, zero: Any) -> None:
    """Record the rows where a metric decided in integers has no value: its own divisions
    by zero and those of the metrics it reads (their exact values are then 'bad', as the
    rational path marks them)."""
    bad = zero
    for name in mp.names:
        other = ctx.int_bad.get(name)
        if other is not None:
            bad = other if bad is None else bad | other
    ctx.int_bad[mp.name] = bad


def _float_of(ctx: Chunk, mp: MetricPlan, exact: IntCol, code: Any) -> Callable[[], Bounded]:
    """The float form of a metric decided in integers, made when something asks for it:
    ``n / d`` correctly rounded while both are exact in float64, else the metric's float
    expression (run with the chunk's transient state saved)."""

    def make() -> Bounded:
        if exact.nmax <= 1 << 53 and exact.dmax <= 1 << 53:
            v = exact.n / exact.d
            if code is not None:
                v = np.where(code != 0, 0.0, v)
            return Bounded(v, None, 2.0, name=mp.name)
        saved = ctx.skip, ctx.zero
        ctx.skip = None if code is None else code != 0
        ctx.zero = None
        assert mp.expr is not None
        got = mp.expr(ctx)
        ctx.skip, ctx.zero = saved
        v, mag = got.v, got.mag
        if code is not None:
            v = np.where(code != 0, 0.0, v)
            mag = None if mag is None else np.where(code != 0, 0.0, mag)
        return Bounded(v, mag, got.k, name=mp.name)

    return make


def read_inputs(plan: Plan, ctx: Chunk, cols: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
    """Each numeric input read: present, in range and whole where declared so, as a
    bounded column (rows that are not fall back)."""
    n = ctx.n
    for name in plan.read:
        spec = inputs[name]
        fill = plan.defaults.get(name)
        if name not in cols:  # missing in every row
            if fill is None:
                code = F_ERROR if spec.required else F_MISSING
                ctx.codes[name] = np.full(n, code, np.int8)
            ctx.cols[name] = np.full(n, 0.0 if fill is None else fill)  # type: ignore[index]
            raw = ctx.cols[name]
        else:
            raw = cols[name]
        low, high = raw.min(), raw.max()  # NaN (missing) propagates
        if low != low or high != high:  # blanks: a default, else missing (or an error)
            missing = np.isnan(raw)
            if missing.any():
                if fill is None:
                    code = F_ERROR if spec.required else F_MISSING
                    ctx.codes[name] = np.multiply(missing, np.int8(code), dtype=np.int8)
                raw = np.where(missing, 0.0 if fill is None else fill, raw)
                ctx.cols[name] = raw  # type: ignore[index]
                low, high = raw.min(), raw.max()
        blo, bhi = -1e15, 1e15  # beyond 1e15 the reader refuses a figure
        rest = []
        for bound, below in ((spec.min, True), (spec.max, False)):
            if bound is None:
                continue
            fb = float(bound)
            if Decimal(fb) == bound and -1e15 < fb < 1e15:
                # a bound a float holds exactly: float order = Decimal(repr(x)) order
                blo, bhi = (max(blo, fb), bhi) if below else (blo, min(bhi, fb))
            else:
                rest.append((fb, below))
        percent = spec.type == "percent"
        exact = None
        if ctx.prefer.any() and any(ctx.prefer.wants(r) for r in plan.users.get(name, ())):
            # leaves that run in integers read it: its integer form now (which also
            # proves every cell a short decimal: no subnormals, whole where d = 0)
            exact = ctx.ints[name] = scaled_column(raw, float(low), float(high), percent)
        else:
            ctx.ints.make[name] = _int_column(raw, float(low), float(high), percent)
        if (
            rest
            or not (low >= blo and (high <= bhi if bhi < 1e15 else high < bhi))
            or (
                spec.type == "integer"
                and not (exact is not None and exact.d == 1)
                and not np.array_equal(np.floor(raw), raw)
            )
        ):
            ok = raw >= blo  # (NaN compares false: infinities were NaN's neighbours)
            ok &= raw <= bhi if bhi < 1e15 else raw < bhi
            for fb, below in rest:
                d = raw - fb
                near = np.abs(d) <= (SAFETY * U) * (np.abs(raw) + abs(fb))
                ok &= ~near & (d >= 0 if below else d <= 0)
            if spec.type == "integer":
                ok &= raw == np.floor(raw)
            ctx.flag(~ok)  # (otherwise the whole chunk is present and in range)
        if exact is None and not (low > TINY or high < -TINY):  # any subnormals?
            small = np.abs(raw) < TINY if low < 0 else raw < TINY
            if np.count_nonzero(small) != n - np.count_nonzero(raw):
                # their repr is not within u of them: the exact path decides
                ctx.flag(small & (raw != 0))
        sign = 1 if low > 0 else -1 if high < 0 else 0  # (NaN: 0)
        if percent:
            ctx.cache.make[name] = _percent(raw, name, sign)
        else:
            got = ctx.cache[name] = Bounded(raw, None, 1.0, name=name)
            got.sign = sign


def run_metrics(plan: Plan, ctx: Chunk, use_ints: bool) -> None:
    """Every metric something reads, in order: its failure codes (what it reads failed, or it
    divided by zero) and its value — in exact integers when ``use_ints`` and they fit, else in
    float64 with its bound."""
    for mp in plan.metric_plans:
        if mp.series is not None:  # over series: exact integers on the year axis
            run_series_metric(ctx, mp.name, mp.series, mp.names, mp.zero_division)
            continue
        assert mp.expr is not None
        blocked = failure_codes(ctx, mp.names, None, mp.zero_division)
        ctx.skip = None if blocked is None else blocked != 0  # those rows: no value
        ctx.zero = None
        exact = mp.expr.ints(ctx) if use_ints else None
        if exact is not None:  # decided in integers: the float form only on demand
            _no_value(ctx, mp, ctx.zero)
            code = with_zero(blocked, ctx.zero, mp.zero_division)
            ctx.zero = ctx.skip = None
            if code is not None:
                ctx.codes[mp.name] = code
            ctx.ints[mp.name] = exact
            ctx.cache.make[mp.name] = _float_of(ctx, mp, exact, code)
            continue
        ctx.zero = None
        got = mp.expr(ctx)
        code = with_zero(blocked, ctx.zero, mp.zero_division)
        ctx.zero = ctx.skip = None
        ctx.ints.make[mp.name] = _ints_of(ctx, mp, code)
        v, mag = got.v, got.mag
        if code is not None:  # the metric has no value there: 0 keeps the column tame
            ctx.codes[mp.name] = code
            v = np.where(code != 0, 0.0, v)
            mag = None if mag is None else np.where(code != 0, 0.0, mag)
        ctx.cache[mp.name] = Bounded(v, mag, got.k, name=mp.name)


def run_series_metric(
    ctx: Chunk, name: str, expr: SeriesExpr, names: tuple[str, ...], zero_division: str
) -> None:
    """A metric over series: ``ctx.series[name]`` (a series) or its number as any metric's
    (float column with its bound, exact rationals, integer column); its failure codes."""
    blocked = failure_codes(ctx, names, None, zero_division, nulls=True)
    raised = Raised(ctx.n)
    got = expr.fn(ctx, raised)
    code = np.zeros(ctx.n, np.int8) if blocked is None else blocked.copy()
    open_rows = code == 0
    code[open_rows & raised.zero] = KIND[zero_division]
    code[open_rows & raised.error] = F_ERROR
    code[open_rows & raised.missing] = F_MISSING
    if raised.none is not None:  # ``year(s, y)`` itself: where it has no value
        ctx.nulls[name] = open_rows & raised.none
    if code.any():
        ctx.codes[name] = code
    if expr.kind == "series":
        ctx.series[name] = got
        return
    q: Q = got
    bad = code != 0
    n_arr = np.broadcast_to(np.asarray(q.n), (ctx.n,))
    d_arr = np.broadcast_to(np.asarray(q.d), (ctx.n,))
    floats = ctx.floats.pop(name, None)  # (a per-row metric: its Decimals' floats)
    if floats is not None:
        v = floats
    elif n_arr.dtype == object or d_arr.dtype == object:
        v, over = _ratio_floats(n_arr.tolist(), d_arr.tolist())
        if over is not None:  # past a float (5e-324 a year before 1e15): the rows per record
            ctx.flag(over)
    else:
        v = n_arr / d_arr  # (each a float64 within u of the integer: k covers it)
    v = np.where(bad, 0.0, v)
    ctx.cache[name] = Bounded(v, None, 4.0, name=name)
    ctx.exact_cache[name] = Q(q.n, q.d, ctx.n, bad if bad.any() else None)
    if n_arr.dtype != object and d_arr.dtype != object:
        nmax, dmax = big(np.asarray(n_arr)), big(np.asarray(d_arr))
        if nmax < LIMIT and dmax < LIMIT:
            d = q.d if isinstance(q.d, int) else where_int(bad, 1, d_arr)
            nn = np.multiply(n_arr, np.logical_not(bad))
            ctx.ints[name] = IntCol(nn, d, nmax, max(dmax, 1), bool((nn >= 0).all()))


def _ratio_floats(nums: list[Any], dens: list[Any]) -> tuple[Any, Any]:
    """Each ``num / den`` correctly rounded to a float, and a mask of those past the float
    range (0.0 there; None when there are none)."""
    out = np.zeros(len(nums))
    over = None
    for i, (a, b) in enumerate(zip(nums, dens, strict=True)):
        try:
            out[i] = float(Fraction(int(a), int(b)))
        except OverflowError:
            if over is None:
                over = np.zeros(len(nums), bool)
            over[i] = True
    return out, over
