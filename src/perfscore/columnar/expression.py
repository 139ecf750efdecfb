"""Rule expressions as column operations: ``+ - * /``, unary ``-``, ``min``/``max``/``abs``,
names (numeric inputs and metrics) and number literals, run in float64 over whole columns with
their error bounds (:mod:`perfscore.columnar.bounds`).  Anything else is :class:`Unsupported`
(the rule set is then scored per record)."""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from . import intcols
from .bounds import F_MISSING, SAFETY, Bounded, Chunk, U, Unsupported, compare, const
from .calls import (
    ExactFn,
    blank_name,
    branch,
    clamp_column,
    coalesce,
    coalesce_exact,
    divided_by_zero,
    merge,
    round_guarded,
    round_places_of,
    round_rows,
    round_rows_exact,
    text_test,
    top_of,
)
from .intcols import IntCol, NoInt
from .rational import Q, q_const
from .reasons import no

__all__ = ["ColumnCond", "ColumnExpr", "condition"]


class ColumnExpr:
    """A rule expression translated to column operations (built once, run per chunk)."""

    def __init__(self, text: str, kinds: Mapping[str, str]) -> None:
        self.text = text
        tree = ast.parse(text.strip(), mode="eval")
        self.fn = self._build(tree.body, kinds, text.strip())
        self.exact: ExactFn = self._exact(tree.body, text.strip())
        self.int_fn = intcols.build(tree.body, text.strip())
        #: a bare input or metric: its column is checked where it is made
        self.bare = isinstance(tree.body, ast.Name)

    def ints(self, ctx: Chunk) -> IntCol | None:
        """The exact integer form over the chunk's integer columns, or None (a column is not
        short decimals, a bound does not fit int64, a construct is not mirrored)."""
        if self.int_fn is None:
            return None
        try:
            out = self.int_fn(ctx)
        except NoInt:
            return None
        if isinstance(out.n, int):  # a constant expression
            return IntCol(np.full(ctx.n, out.n, np.int64), out.d, out.nmax, out.dmax, out.nonneg)
        return out

    def _exact(self, node: ast.expr, src: str) -> ExactFn:
        """The same expression over exact rationals (``Decimal`` arithmetic without its
        28-digit rounding), for the rows the float guard leaves undecided."""
        if isinstance(node, ast.Name):
            name = node.id
            return lambda ctx, rows: ctx.exact_q(name, rows)
        if isinstance(node, ast.Constant):
            seg = ast.get_source_segment(src, node) or repr(node.value)
            c = Fraction(Decimal(seg.strip()))
            return lambda ctx, rows: q_const(c, len(rows))
        if isinstance(node, ast.UnaryOp):
            inner = self._exact(node.operand, src)
            if isinstance(node.op, ast.UAdd):
                return inner
            return lambda ctx, rows: -inner(ctx, rows)
        if isinstance(node, ast.BinOp):
            left, right = self._exact(node.left, src), self._exact(node.right, src)
            op = type(node.op)
            if op is ast.Add:
                return lambda ctx, rows: left(ctx, rows) + right(ctx, rows)
            if op is ast.Sub:
                return lambda ctx, rows: left(ctx, rows) - right(ctx, rows)
            if op is ast.Mult:
                return lambda ctx, rows: left(ctx, rows) * right(ctx, rows)
            return lambda ctx, rows: left(ctx, rows) / right(ctx, rows)
        if isinstance(node, ast.IfExp):
            key = id(node)
            body, orelse = self._exact(node.body, src), self._exact(node.orelse, src)

            def chosen(ctx: Chunk, rows: Any) -> Q:
                c = ctx.conds[key][rows]  # decided (exactly) when the value was computed
                return merge(c, body(ctx, rows[c]), orelse(ctx, rows[~c]), len(rows))

            return chosen
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if node.func.id == "coalesce":
            return coalesce_exact(blank_name(node), self._exact(node.args[1], src))
        args = [self._exact(a, src) for a in node.args]
        if node.func.id == "round":
            arg, places = args[0], round_places_of(node)
            if places is None:  # read per row
                return round_rows_exact(arg, args[1])
            return lambda ctx, rows: Q(arg(ctx, rows).round_scaled(places), 10**places, len(rows))
        if node.func.id == "abs":
            arg = args[0]
            return lambda ctx, rows: abs(arg(ctx, rows))
        if node.func.id == "clamp":
            x, lo, hi = args
            return lambda ctx, rows: x(ctx, rows).maximum(lo(ctx, rows)).minimum(hi(ctx, rows))
        pick_min = node.func.id == "min"

        def extreme(ctx: Chunk, rows: Any) -> Q:
            out = args[0](ctx, rows)
            for f in args[1:]:
                x = f(ctx, rows)
                out = out.minimum(x) if pick_min else out.maximum(x)
            return out

        return extreme

    def _build(self, node: ast.expr, kinds: Mapping[str, str], src: str) -> Any:
        if isinstance(node, ast.Name):
            name = node.id
            if kinds.get(name) == "series":  # (tables never hold one: ingest leaves them out)
                raise no("is_series", name=repr(name))
            if kinds.get(name) not in ("number", "metric"):
                raise no("not_number", name=repr(name))

            def named(ctx: Chunk) -> Bounded:
                if ctx.aware:  # a blank read here is the per-record path's error
                    ctx.read_blank(name)
                return ctx.cache[name]  # type: ignore[no-any-return]

            return named
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            seg = ast.get_source_segment(src, node) or repr(node.value)
            try:
                c = const(Decimal(seg.strip()))
            except ArithmeticError:
                raise no("literal", text=seg.strip()) from None
            return lambda ctx: c
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self._build(node.operand, kinds, src)
            if isinstance(node.op, ast.UAdd):
                return inner

            def neg(ctx: Chunk) -> Bounded:
                x = inner(ctx)
                return Bounded(-x.v, x.mag, x.k)

            return neg
        if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div):
            left = self._build(node.left, kinds, src)
            right = self._build(node.right, kinds, src)
            op = type(node.op)
            right_exact = self._exact(node.right, src) if op is ast.Div else None

            def binop(ctx: Chunk) -> Bounded:
                a, b = left(ctx), right(ctx)
                if op is ast.Add or op is ast.Sub:
                    v = a.v + b.v if op is ast.Add else a.v - b.v
                    return Bounded(v, a.m() + b.m(), max(a.k, b.k) + 1)
                if op is ast.Mult:
                    mag = None if a.mag is None and b.mag is None else a.m() * b.m()
                    return Bounded(a.v * b.v, mag, a.k + b.k + 1)
                # a zero denominator: the rule set's zero_division decides the row (recorded
                # in ctx.zero; the division goes on with 1 to keep the column finite)
                bv = b.v
                if b.sign:  # an input known to keep one sign in the chunk: no zero
                    pass
                elif b.mag is None:  # relative bound: possibly zero exactly when it is zero
                    if np.ndim(bv) == 0:
                        if bv == 0:
                            divided_by_zero(ctx, np.ones(ctx.n, bool))
                            bv = 1.0
                    elif not (bv.min() > 0 or bv.max() < 0):  # zeros, both signs or NaN
                        ctx.flag(np.isnan(bv))
                        zero = bv == 0
                        if zero.any():
                            divided_by_zero(ctx, zero)
                            bv = np.where(zero, 1.0, bv)
                else:  # an absolute bound (after + or −): rows near zero are decided exactly
                    near = np.abs(bv) <= (SAFETY * U * b.k) * b.m()
                    if np.ndim(near) == 0:
                        near = np.full(ctx.n, bool(near))
                    if near.any():
                        assert right_exact is not None
                        rows = ctx.live(np.flatnonzero(near))
                        q = right_exact(ctx, rows)
                        zero = np.zeros(ctx.n, bool)
                        zero[rows] = np.equal(q.n, 0)
                        ctx.flag(near & ~zero)  # not zero, but too close to divide by
                        if zero.any():
                            divided_by_zero(ctx, zero)
                        bv = np.where(near, 1.0, bv)
                with np.errstate(divide="ignore", invalid="ignore"):
                    v = a.v / bv
                    if a.mag is None and b.mag is None:
                        return Bounded(v, None, a.k + b.k + 1)
                    bm = b.m()
                    mag = (a.m() + np.abs(v) * bm) / np.abs(bv)
                return Bounded(v, mag, a.k + b.k + 1)

            return binop
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            fname = node.func.id
            if fname == "coalesce":
                name = blank_name(node)
                if kinds.get(name) not in ("number", "metric"):
                    raise no("coalesce_of", name=repr(name))
                dflt = self._build(node.args[1], kinds, src)
                return coalesce(name, dflt, self._exact(node, src))
            args = [self._build(a, kinds, src) for a in node.args]
            if fname in ("min", "max") and args:
                pick = np.minimum if fname == "min" else np.maximum

                def extreme(ctx: Chunk) -> Bounded:
                    # the bound: the largest magnitude of any argument in the chunk (a
                    # scalar — rows near an edge are decided exactly either way)
                    xs = [f(ctx) for f in args]
                    v, k = xs[0].v, xs[0].k
                    for x in xs[1:]:
                        v, k = pick(v, x.v), max(k, x.k)
                    mag = max(top_of(x) for x in xs)
                    return Bounded(v, mag, k)

                return extreme
            if fname == "round" and len(args) in (1, 2):
                places = round_places_of(node)
                arg_exact = self._exact(node.args[0], src)
                if places is None:  # read per row
                    return round_rows(args[0], arg_exact, self._exact(node.args[1], src))
                return self._round(args[0], arg_exact, places)
            if fname == "clamp" and len(args) == 3:
                return clamp_column(args, [ColumnExpr.sub(a, kinds, src) for a in node.args[1:]])
            if fname == "abs" and len(args) == 1:
                inner = args[0]

                def absolute(ctx: Chunk) -> Bounded:
                    x = inner(ctx)
                    return Bounded(np.abs(x.v), x.mag, x.k)

                return absolute
            raise no("function", name=fname)
        if isinstance(node, ast.IfExp):
            test = condition(node.test, kinds, src)
            body = self._build(node.body, kinds, src)
            orelse = self._build(node.orelse, kinds, src)
            key = id(node)

            def choose(ctx: Chunk) -> Bounded:
                c = test(ctx)
                ctx.conds[key] = c
                x = branch(ctx, body, c)  # only the chosen branch may divide by zero
                y = branch(ctx, orelse, ~c)
                v = np.where(c, x.v, y.v)
                mag = None if x.mag is None and y.mag is None else np.where(c, x.m(), y.m())
                return Bounded(v, mag, max(x.k, y.k))

            return choose
        raise no("construct", text=ast.get_source_segment(src, node) or ast.unparse(node))

    @staticmethod
    def _round(inner: Any, exact: ExactFn, places: int) -> Any:
        """``round(x, places)``: half-up (away from zero on a half), as ``quantize`` does;
        rows within the guard of a half take the exact value."""
        return lambda ctx: round_guarded(ctx, inner(ctx), exact, places)

    @classmethod
    def sub(cls, node: ast.expr, kinds: Mapping[str, str], src: str) -> Any:
        """``fn(chunk) -> Bounded`` for a sub-expression, with its exact form attached."""
        self = cls.__new__(cls)
        fn, exact = self._build(node, kinds, src), self._exact(node, src)

        def run(ctx: Chunk) -> Bounded:
            out = fn(ctx)
            v = out.v
            if np.ndim(v) == 0:
                return Bounded(v, out.mag, out.k, exact=out.exact, ex=exact)
            if not math.isfinite(float(np.sum(v))):
                ctx.flag(~np.isfinite(v))
            return Bounded(v, out.mag, out.k, name=out.name, ex=exact)

        return run

    def __call__(self, ctx: Chunk) -> Bounded:
        out = self.fn(ctx)
        if self.bare:
            return out  # type: ignore[no-any-return]
        if np.ndim(out.v) == 0:  # a constant expression
            return Bounded(np.full(ctx.n, out.v), np.full(ctx.n, out.m()), out.k, ex=self.exact)
        # inf or NaN (overflow, inf/inf, inf·0) would slip through the comparisons: one
        # reduction finds out whether any row has one (a finite overflowing sum only costs
        # the per-row test)
        if not math.isfinite(float(np.sum(out.v))):
            ctx.flag(~np.isfinite(out.v))
        return Bounded(out.v, out.mag, out.k, name=out.name, ex=self.exact)


_CMP = {ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<", ast.Eq: "==", ast.NotEq: "!="}


def condition(node: ast.expr, kinds: Mapping[str, str], src: str) -> Any:
    """A yes/no expression as ``fn(chunk) -> bool array``: comparisons of numeric
    expressions (decided exactly on ties), ``and``/``or``/``not``, yes/no and text inputs
    (their truth), ``True``/``False``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        value = node.value
        return lambda ctx: np.full(ctx.n, value)
    if isinstance(node, ast.Name) and kinds.get(node.id) in ("boolean", "text"):
        name = node.id

        def truth(ctx: Chunk) -> Any:
            cats, vocab = ctx.category(name)
            if ctx.aware:  # a blank read here is the per-record path's error
                ctx.read_blank(name, cats == -1)
            return np.array([bool(x) for x in vocab] + [False, False])[cats]

        return truth
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "coalesce"
        and len(node.args) == 2
        and isinstance(node.args[0], ast.Name)
        and kinds.get(node.args[0].id) in ("boolean", "text")
    ):
        cname = node.args[0].id
        dflt = condition(node.args[1], kinds, src)

        def co(ctx: Chunk) -> Any:
            cats, vocab = ctx.category(cname)
            out = np.array([bool(x) for x in vocab] + [False, False])[cats]
            blank = cats == -1
            if blank.any():
                out = np.where(blank, branch(ctx, dflt, blank), out)
            return out

        return co
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = condition(node.operand, kinds, src)
        return lambda ctx: ~inner(ctx)
    if isinstance(node, ast.BoolOp):
        parts = [condition(v, kinds, src) for v in node.values]
        is_and = isinstance(node.op, ast.And)

        def both(ctx: Chunk) -> Any:
            out = parts[0](ctx)
            for part in parts[1:]:  # evaluated only where the result is still open
                open_rows = out if is_and else ~out
                got = branch(ctx, part, open_rows)
                out = out & got if is_and else out | got
            return out

        return both
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "is_missing"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and not node.keywords
    ):
        name = node.args[0].id

        def missing(ctx: Chunk) -> Any:
            code = ctx.codes.get(name)
            return np.zeros(ctx.n, bool) if code is None else code == F_MISSING

        return missing
    words = text_test(node, kinds)
    if words is not None:  # a text or yes/no input against words: one lookup per value
        tname, values, negate = words

        def member(ctx: Chunk) -> Any:
            cats, vocab = ctx.category(tname)
            if ctx.aware:  # a blank read here is the per-record path's error
                ctx.read_blank(tname, cats == -1)
            table = np.array([(x in values) != negate for x in vocab] + [False, False])
            return table[cats]

        return member
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP:
        op = _CMP[type(node.ops[0])]
        try:
            left = ColumnExpr.sub(node.left, kinds, src)
            right = ColumnExpr.sub(node.comparators[0], kinds, src)
        except Unsupported:
            if op not in ("==", "!="):
                raise
            # yes/no on both sides (is_missing(a) == is_missing(b))
            lc = condition(node.left, kinds, src)
            rc = condition(node.comparators[0], kinds, src)
            same = op == "=="
            return lambda ctx: (lc(ctx) == rc(ctx)) if same else (lc(ctx) != rc(ctx))
        return lambda ctx: compare(ctx, left(ctx), op, right(ctx))
    raise no("condition", text=ast.get_source_segment(src, node) or ast.unparse(node))


class ColumnCond:
    """A rule's yes/no expression (a check's ``expr`` or ``when``) over columns."""

    def __init__(self, text: str, kinds: Mapping[str, str]) -> None:
        self.text = text
        tree = ast.parse(text.strip(), mode="eval")
        self.fn = condition(tree.body, kinds, text.strip())

    def __call__(self, ctx: Chunk) -> Any:
        return self.fn(ctx)
