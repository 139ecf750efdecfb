"""A metric expression over series, translated once for columns (#18): the functions of a
series (:mod:`~perfscore.columnar.seriesfns`) and what a rule writes around them — ``+ - * /``,
unary minus, ``round(x, k)``, ``abs``, ``clamp``, ``min``/``max`` of numbers, numeric inputs and
metrics, numbers written out — all in exact rationals (:class:`~perfscore.columnar.rational.Q`).

Why exact and in order: per record such an expression runs over Decimals and stops at the
*first* thing that raises, in Python's order of evaluation (operands left to right, then the
operation) — ``mean(s) + x / y`` with a gap in ``s`` and ``y = 0`` is an error, ``x / y +
mean(s)`` a zero denominator.  Every step here adds its failures to a
:class:`~perfscore.columnar.seriesfns.Raised` in that same order, which keeps the first one per
row.  ``year(s, y)`` gives no value without failing (``None``); what consumes it — the
operation or function around it — raises an error there, after its operands were evaluated
(``year(s, 2023) + x / y`` with ``y = 0`` is a zero denominator).  Where the expression is
``year(…)`` itself the metric has no value (:attr:`SeriesExpr.nullable`; the planner limits
who may read it)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from ..words import Bilingual
from .bounds import Unsupported
from .rational import Q, q_const
from .series import MAX_YEARS, SeriesCol, big, mul, to_obj
from .seriescond import build_condition
from .seriesfloat import MAX_PLACES, float_form, float_round
from .seriesfns import (
    Raised,
    composition_variance,
    count,
    count_where,
    extreme,
    last,
    mean,
    ratio_series,
    total,
    year,
)

__all__ = ["Num", "SeriesExpr", "unsupported", "value_over_series", "when_over_series"]

_NUMBER_FNS = {"mean": mean, "sum": total, "count": count}
_COUNT_ARGS = {"count_within": 3, "count_below": 2, "count_above": 2}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
#: why an expression stays off the columns, in English and Chinese (the reason a user sees)
_REASONS = {
    "literal": ("a number the columns cannot read", "列式路径读不了的数"),
    "whole": ("{what} of something other than a whole number {low}..{high} written out",
              "{zh}不是写明的 {low}–{high} 的整数"),
    "name": ("a text or yes/no value beside series", "与逐年序列并用的文字或是否值"),
    "not_series": ("{fn}() of something that is not a series", "{fn}() 的参数不是逐年序列"),
    "function": ("the function {fn}() beside series", "与逐年序列并用的函数 {fn}()"),
    "arity": ("{fn}() with {n} arguments", "{n} 个参数的 {fn}()"),
    "IfExp": ("an if-else choice beside series", "与逐年序列并用的条件取值（if-else）"),
    "Compare": ("a comparison beside series", "与逐年序列并用的比较"),
    "BoolOp": ("and/or beside series", "与逐年序列并用的 and/or"),
    "other": ("a construct the columns do not mirror", "列式路径不支持的写法"),
}  # fmt: skip
#: a value this large (or this small, not zero) goes to the per-record path: the decimal
#: context there refuses 1e100 and rounds below 1e-99 to zero
_HUGE = 10**90
_HUGE_F = 1e90


def unsupported(en: str, zh: str) -> Unsupported:
    """What the columns do not mirror, said in both languages (the reason a user sees)."""
    return Unsupported(Bilingual(en, zh))


class Num:
    """A number per row: ``q`` its exact value, ``none`` the rows where it is no value
    without having failed (``year(s, y)`` of a year without one), ``series``: the argument
    was a series where a number is asked (per record an error wherever it is consumed)."""

    __slots__ = ("none", "q", "series")

    def __init__(self, q: Q, none: Any = None, series: bool = False) -> None:
        self.q, self.none, self.series = q, none, series


def value_over_series(node: Any, kinds: Mapping[str, str]) -> bool:
    """Whether leaf ``node``'s value computes with series (``mean(last(r, 3)) * 100``, not a
    bare series for ``series_bands``): it then runs as a metric of its own, the leaf reading
    that alone — the same as per record only where the value is all the leaf reads (its
    scorer reads nothing else: else a failure of that would decide before the value's).
    A leaf whose scorer reads more: :class:`~perfscore.columnar.bounds.Unsupported`, saying
    so in both languages."""
    value = node.value
    if node.children or value is None or node.missing_aware:
        return False
    if not any(kinds.get(n) == "series" for n in value.names):
        return False
    if kinds.get(value.text.strip()) == "series":
        return False
    others = sorted((set(node.reads) | set(node.optional_reads)) - set(value.names))
    if others:
        what = ", ".join(others)
        raise unsupported(
            f"indicator {node.id}: a series function in its value ({value.text.strip()}) beside"
            f" what its scorer reads ({what}) — written as a metric, the value runs by columns"
            " (unless it is year(s, y) alone)",
            f"评分指标 {node.id}：取值（{value.text.strip()}）用到逐年序列函数，评分器还另读"
            f"（{'、'.join(others)}）——把取值写成计算指标（metrics）即可按列评分"
            "（单独的 year(s, y) 除外）",
        )
    return True


def when_over_series(
    node: Any, kinds: Mapping[str, str], nullable: Any = frozenset()
) -> tuple[str, list[tuple[str, tuple[str, ...], SeriesExpr]]] | None:
    """An indicator's or group's ``when`` over series (or reading ``year(s, y)`` metrics,
    ``nullable``): the condition over a metric, and that metric (name, what it reads,
    expression); None when the ``when`` reads none.  The whole condition runs as one exact
    expression — ``and``/``or``, ``if … else`` and chains in Python's order
    (:mod:`~perfscore.columnar.seriescond`), its truth as per record's ``bool(…)`` (a year
    without a value is false) — and anything it raises is the condition's error (the
    planner's :class:`WhenPlan` ``raises``), as per record."""
    when = node.when
    if when is None or when.functions & {"is_missing", "coalesce"}:
        return None
    if not any(kinds.get(n) == "series" or n in nullable for n in when.names):
        return None
    name = f"_when_{node.id}_0"
    sx = SeriesExpr(f"not not ({when.text.strip()})", kinds, name)
    return f"{name} > 0", [(name, tuple(sorted(when.names)), sx)]


def _consume(raised: Raised, *parts: Any) -> None:
    """The operation or function reading ``parts`` raises where one is no number: an error
    for a series, a missing value (the missing policy) where it has no value."""
    for p in parts:
        if isinstance(p, SeriesCol) or (isinstance(p, Num) and p.series):
            raised.add(np.ones(raised.zero.shape, bool), error=True)
        elif p.none is not None:
            raised.add(p.none, missing=True)


def _q(p: Any, n: int) -> Q:
    return p.q if isinstance(p, Num) else Q(np.zeros(n, np.int64), 1, n)


def _failed(raised: Raised | None) -> Any:
    """Rows a failure already decides (the per-record evaluation stopped before: a value
    there is never used, so nothing about it needs the per-record path)."""
    return None if raised is None else raised.zero | raised.error | raised.missing


def _tame(ctx: Any, q: Q, raised: Raised | None = None) -> Q:
    """Rows whose value the decimal context would refuse or round away: per record."""
    if (isinstance(q.n, np.ndarray) and q.n.dtype == object) or (
        isinstance(q.d, np.ndarray) and q.d.dtype == object
    ):
        n = np.broadcast_to(np.asarray(q.n, object), (q.size,))
        d = np.broadcast_to(np.asarray(q.d, object), (q.size,))
        rows = _near_huge(n, d)  # (None: every row)
        if rows is None:
            pairs = zip(n.tolist(), d.tolist(), strict=True)
            far = np.array([_far(a, b) for a, b in pairs], bool)
        else:  # rows far from either edge decided by floats; the others exactly
            far, near = rows
            for i in np.flatnonzero(near).tolist():
                far[i] = _far(int(n[i]), int(d[i]))
        done = _failed(raised)
        ctx.flag(far if done is None else far & ~done)
    return q


def _far(a: int, b: int) -> bool:
    return abs(a) >= _HUGE * b or (a != 0 and b >= _HUGE * abs(a))


def _near_huge(n: Any, d: Any) -> tuple[Any, Any] | None:
    """Rows surely past 10**90 (or below 10**-90) by floats, and rows too near either edge
    to say so (a factor of 4 around it); None when a figure is past a float."""
    try:
        a, b = np.abs(n.astype(np.float64)), d.astype(np.float64)
    except OverflowError:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        far = (a >= 2 * _HUGE_F * b) | ((a != 0) & (b >= 2 * _HUGE_F * a))
        near = (a >= _HUGE_F / 2 * b) | ((a != 0) & (b >= _HUGE_F / 2 * a))
    return far, near & ~far


class SeriesExpr:
    """A metric expression over series; ``kind`` is ``"series"`` or ``"number"``; ``pad``: how
    many years before the earliest one ``last(…, n)`` may reach; ``nullable``: the expression
    is ``year(s, y)`` itself — where that year has no value the per-record metric is None, no
    failure (what reads it then raises; the planner allows only readers for which that equals
    an error in the metric itself)."""

    def __init__(self, text: str, kinds: Mapping[str, str], metric: str = "") -> None:
        self.text = text.strip()
        self.metric = metric
        self.pad = 0
        tree = ast.parse(self.text, mode="eval")
        body = tree.body
        self.nullable = isinstance(body, ast.Call) and getattr(body.func, "id", "") == "year"
        fn, self.kind = self._build(body, kinds)
        if self.kind == "series":
            self.fn = fn
        elif self.kind == "bool":  # a condition (a ``when``): 1 where it holds, else 0

            def truth(ctx: Any, raised: Raised) -> Q:
                return Q(fn(ctx, raised).b.astype(np.int64), 1, ctx.n)

            self.fn = truth
        else:

            def top(ctx: Any, raised: Raised) -> Q:
                got = fn(ctx, raised)
                if got.none is not None:  # where nothing raised before
                    raised.none = got.none & ~(raised.zero | raised.error | raised.missing)
                _consume(raised, got)  # (the metric's own None: missing, for a leaf)
                return got.q  # type: ignore[no-any-return]

            self.fn = top

    # -- reasons -----------------------------------------------------------------------------
    def refused(self, key: str) -> Unsupported:
        """Why the whole expression is not mirrored (reason ``key``), quoting it."""
        return self._no(ast.parse(self.text, mode="eval").body, key)

    def _no(self, node: ast.expr, key: str, **fields: object) -> Unsupported:
        seg = ast.get_source_segment(self.text, node) or self.text
        en, zh = _REASONS[key]
        return unsupported(f"{en.format(**fields)}: {seg}", f"{zh.format(**fields)}：{seg}")

    def _constant(self, node: ast.expr) -> Fraction | None:
        """A number written in the expression (``0.95``, ``-5``), exactly as the per-record
        path reads it (its decimal text); None if it is not one."""
        inner = node.operand if isinstance(node, ast.UnaryOp) else node
        if not (
            isinstance(inner, ast.Constant)
            and type(inner.value) in (int, float)
            and (inner is node or isinstance(node.op, (ast.USub, ast.UAdd)))  # type: ignore[attr-defined]
        ):
            return None
        seg = ast.get_source_segment(self.text, node)
        try:
            value = Decimal((seg or repr(inner.value)).replace(" ", ""))
        except ArithmeticError:
            raise self._no(node, "literal") from None
        if not value.is_finite():
            raise self._no(node, "literal")
        return Fraction(value)

    def _whole(self, node: ast.expr, low: int, high: int, what: str, zh: str) -> int:
        c = self._constant(node)
        if c is None or c.denominator != 1 or not low <= c <= high:
            raise self._no(node, "whole", what=what, zh=zh, low=low, high=high)
        return int(c)

    # -- what the float form (:mod:`~perfscore.columnar.seriesfloat`) translates by ------------
    def part(self, node: ast.expr, kinds: Mapping[str, str]) -> tuple[Any, str]:
        """The exact form of ``node`` and its kind."""
        return self._build(node, kinds)

    def constant(self, node: ast.expr) -> Fraction | None:
        return self._constant(node)

    def places(self, node: ast.expr) -> int:
        return self._whole(node, 0, 28, "round() to places", "round() 的位数")

    # -- translation -------------------------------------------------------------------------
    def _build(self, node: ast.expr, kinds: Mapping[str, str]) -> tuple[Any, str]:
        c = self._constant(node)
        if c is not None:
            return (lambda ctx, raised: Num(q_const(c, ctx.n))), "number"
        cond = build_condition(node, kinds, lambda x: self._build(x, kinds), self._no)
        if cond is not None:  # comparisons, and/or/not, if-else, text tests
            return cond
        if isinstance(node, ast.Name):
            name = node.id
            kind = kinds.get(name)
            if kind == "series":
                return (lambda ctx, raised: ctx.series[name]), "series"
            if kind in ("number", "metric"):
                return (
                    lambda ctx, raised: Num(
                        ctx.exact_q(name, np.arange(ctx.n)), ctx.nulls.get(name)
                    )
                ), "number"
            raise self._no(node, "name")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner, _ = self._number(node.operand, kinds)
            negate = isinstance(node.op, ast.USub)

            def unary(ctx: Any, raised: Raised) -> Num:
                x = inner(ctx, raised)
                _consume(raised, x)
                q = _q(x, ctx.n)
                return Num(-q if negate else q)

            return unary, "number"
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return self._binop(node, kinds), "number"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return self._call(node, node.func.id, kinds)
        raise self._no(node, type(node).__name__ if type(node).__name__ in _REASONS else "other")

    def _number(self, node: ast.expr, kinds: Mapping[str, str]) -> tuple[Any, str]:
        """An operand of arithmetic or a function (a yes/no there is refused at load)."""
        fn, kind = self._build(node, kinds)
        if kind == "bool":
            raise self._no(node, "other")
        return fn, kind

    def _binop(self, node: ast.BinOp, kinds: Mapping[str, str]) -> Any:
        left, _ = self._number(node.left, kinds)
        right, _ = self._number(node.right, kinds)
        op = _BINOPS[type(node.op)]

        def binop(ctx: Any, raised: Raised) -> Num:
            a, b = left(ctx, raised), right(ctx, raised)
            _consume(raised, a, b)
            qa, qb = _q(a, ctx.n), _q(b, ctx.n)
            if op == "+":
                return Num(_tame(ctx, qa + qb, raised))
            if op == "-":
                return Num(_tame(ctx, qa - qb, raised))
            if op == "*":
                return Num(_tame(ctx, qa * qb, raised))
            zero = np.broadcast_to(np.equal(qb.n, 0), (ctx.n,))
            raised.add(zero)  # x / 0 and 0 / 0 alike: a zero denominator
            return Num(_tame(ctx, Q(qa.n, qa.d, ctx.n) / Q(qb.n, qb.d, ctx.n), raised))

        return binop

    def _args(self, node: ast.Call, kinds: Mapping[str, str]) -> list[tuple[Any, str]]:
        return [self._number(a, kinds) for a in node.args]

    def _call(self, node: ast.Call, fname: str, kinds: Mapping[str, str]) -> tuple[Any, str]:
        args = node.args
        if fname == "last" and len(args) == 2:
            inner, kind = self._build(args[0], kinds)
            years = self._whole(args[1], 0, MAX_YEARS - 1, "last()", "last() 的年数")
            if kind != "series":
                raise self._no(node, "not_series", fn="last")
            self.pad = max(self.pad, years - 1)
            return (lambda ctx, raised: last(inner(ctx, raised), years)), "series"
        if fname == "year" and len(args) == 2:
            inner, kind = self._build(args[0], kinds)
            y = self._whole(args[1], 1, 9999, "year()", "year() 的年份")
            if kind != "series":
                raise self._no(node, "not_series", fn="year")

            def of_year(ctx: Any, raised: Raised) -> Num:
                q, none = year(ctx, inner(ctx, raised), y)
                return Num(q, none)

            return of_year, "number"
        if fname in _COUNT_ARGS and len(args) == _COUNT_ARGS[fname]:
            return self._count(node, fname, kinds), "number"
        if fname in ("ratio_series", "composition_variance"):
            parts = self._args(node, kinds)
            if (
                any(k != "series" for _, k in parts)
                or (fname == "ratio_series" and len(parts) != 2)
                or (fname == "composition_variance" and (len(parts) < 2 or len(parts) % 2))
            ):
                raise self._no(node, "not_series", fn=fname)
            fns = [f for f, _ in parts]
            if fname == "ratio_series":
                top, bottom = fns
                return (
                    lambda ctx, raised: ratio_series(top(ctx, raised), bottom(ctx, raised), raised)
                ), "series"
            return (
                lambda ctx, raised: composition_variance([f(ctx, raised) for f in fns], raised)
            ), "series"
        if fname in _NUMBER_FNS and len(args) == 1:
            inner, kind = self._number(args[0], kinds)
            reduce = _NUMBER_FNS[fname]

            def reduced(ctx: Any, raised: Raised) -> Num:
                s = inner(ctx, raised)
                if not isinstance(s, SeriesCol):  # a number where a series is asked: error
                    raised.add(np.ones(ctx.n, bool), error=True)
                    return Num(_q(s, ctx.n))
                return Num(reduce(s, raised))

            return reduced, "number"
        if fname in ("min", "max") and len(args) == 1:
            inner, kind = self._number(args[0], kinds)
            pick_max = fname == "max"
            if kind == "series":
                return (
                    lambda ctx, raised: Num(extreme(inner(ctx, raised), pick_max, raised))
                ), "number"
        if fname in ("min", "max", "abs", "round", "clamp"):
            return self._numbers(node, fname, kinds), "number"
        raise self._no(node, "function", fn=fname)

    def _numbers(self, node: ast.Call, fname: str, kinds: Mapping[str, str]) -> Any:
        """``min``/``max`` of several values, ``abs``, ``clamp``, ``round(x, k)``: every
        argument first, then the function (an argument with no value, or a series, is its
        error; ``clamp`` with lo > hi too)."""
        args = node.args
        arity = {"abs": (1, 1), "clamp": (3, 3), "round": (1, 2)}.get(fname, (1, 99))
        if not arity[0] <= len(args) <= arity[1]:
            raise self._no(node, "arity", fn=fname, n=len(args))
        places = 0
        if fname == "round":
            if len(args) == 2:
                places = self._whole(args[1], 0, 28, "round() to places", "round() 的位数")
            args = args[:1]

        def _rounded(ctx: Any, x: Q, raised: Raised) -> Any:
            # quantize refuses a result past 28 digits (an error): those rows per record
            if big(x.n) * 10**places >= 10**27:  # (d ≥ 1: else no row comes near)
                far = mul(to_obj(abs(x.n)), 10**places) >= mul(to_obj(x.d), 10**27)
                far = np.broadcast_to(np.asarray(far, bool), (ctx.n,))
                ctx.flag(far & ~_failed(raised))
            return x.round_scaled(places)

        fns = [f for f, _ in (self._number(a, kinds) for a in args)]
        # round(x, k): x in floats with an error bound, exactly only where that cannot decide
        guard = float_form(self, args[0], kinds) if fname == "round" else None
        if places > MAX_PLACES:
            guard = None

        def call(ctx: Any, raised: Raised) -> Num:
            if guard is not None:
                fast = float_round(ctx, raised, guard, fns[0], places, _rounded)
                if fast is not None:
                    k, none, series = fast
                    _consume(raised, Num(Q(0, 1, ctx.n), none, series))
                    return Num(Q(k, 10**places, ctx.n))
            got = [f(ctx, raised) for f in fns]
            _consume(raised, *got)
            qs = [_q(g, ctx.n) for g in got]
            if fname == "abs":
                return Num(abs(qs[0]))
            if fname == "round":
                return Num(Q(_rounded(ctx, qs[0], raised), 10**places, ctx.n))
            if fname == "clamp":
                x, lo, hi = qs
                raised.add(lo.cmp(hi) > 0, error=True)
                return Num(x.maximum(lo).minimum(hi))
            out = qs[0]
            for q in qs[1:]:
                out = out.maximum(q) if fname == "max" else out.minimum(q)
            return Num(out)

        return call

    def _count(self, node: ast.Call, fname: str, kinds: Mapping[str, str]) -> Any:
        """``count_within(s, lo, hi)``, ``count_below(s, x)``, ``count_above(s, x)``: bounds
        written out compared as constants; other bounds (inputs, metrics, arithmetic) row by
        row, after every argument was evaluated (a bound with no value: an error)."""
        inner, kind = self._number(node.args[0], kinds)
        consts = [self._constant(a) for a in node.args[1:]]
        if kind == "series" and all(c is not None for c in consts):
            fixed = [c for c in consts if c is not None]
            return lambda ctx, raised: Num(count_where(inner(ctx, raised), fname, fixed))
        bounds = [f for f, _ in (self._number(a, kinds) for a in node.args[1:])]

        def counted(ctx: Any, raised: Raised) -> Num:
            s = inner(ctx, raised)
            got = [f(ctx, raised) for f in bounds]
            if not isinstance(s, SeriesCol):
                raised.add(np.ones(ctx.n, bool), error=True)
                return Num(_q(s, ctx.n))
            _consume(raised, *got)
            return Num(count_where(s, fname, [_q(g, ctx.n) for g in got]))

        return counted
