"""Rule expressions as column operations: ``+ - * /``, unary ``-``, ``min``/``max``/``abs``,
names (numeric inputs and metrics) and number literals, run in float64 over whole columns with
their error bounds (:mod:`perfscore.columnar.bounds`).  Anything else is :class:`Unsupported`
(the rule set is then scored per record)."""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from .bounds import SAFETY, Bounded, Chunk, U, Unsupported, const
from .rational import Q, q_const

#: exact form of an expression: ``(chunk, rows) -> rationals``
ExactFn = Callable[[Chunk, Any], Q]

__all__ = ["ColumnExpr"]


class ColumnExpr:
    """A rule expression translated to column operations (built once, run per chunk)."""

    def __init__(self, text: str, kinds: Mapping[str, str]) -> None:
        self.text = text
        tree = ast.parse(text.strip(), mode="eval")
        self.fn = self._build(tree.body, kinds, text.strip())
        self.exact: ExactFn = self._exact(tree.body, text.strip())

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
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        args = [self._exact(a, src) for a in node.args]
        if node.func.id == "abs":
            arg = args[0]
            return lambda ctx, rows: abs(arg(ctx, rows))
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
            if kinds.get(name) not in ("number", "metric"):
                raise Unsupported(f"name {name!r} is not a number")
            return lambda ctx: ctx.cache[name]
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            seg = ast.get_source_segment(src, node) or repr(node.value)
            try:
                c = const(Decimal(seg.strip()))
            except ArithmeticError:
                raise Unsupported("number literal") from None
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
                if b.mag is None:  # relative bound: possibly zero exactly when it is zero
                    if np.ndim(bv) == 0:
                        if bv == 0:
                            ctx.add_zero(np.ones(ctx.n, bool))
                            bv = 1.0
                    elif not (bv.min() > 0 or bv.max() < 0):  # zeros, both signs or NaN
                        ctx.flag(np.isnan(bv))
                        zero = bv == 0
                        if zero.any():
                            ctx.add_zero(zero)
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
                            ctx.add_zero(zero)
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
            args = [self._build(a, kinds, src) for a in node.args]
            if fname in ("min", "max") and args:
                pick = np.minimum if fname == "min" else np.maximum

                def extreme(ctx: Chunk) -> Bounded:
                    xs = [f(ctx) for f in args]
                    v, mag, k = xs[0].v, xs[0].m(), xs[0].k
                    for x in xs[1:]:
                        v, mag, k = pick(v, x.v), np.maximum(mag, x.m()), max(k, x.k)
                    return Bounded(v, mag, k)

                return extreme
            if fname == "abs" and len(args) == 1:
                inner = args[0]

                def absolute(ctx: Chunk) -> Bounded:
                    x = inner(ctx)
                    return Bounded(np.abs(x.v), x.mag, x.k)

                return absolute
            raise Unsupported(f"function {fname}()")
        raise Unsupported(f"expression construct {type(node).__name__}")

    def __call__(self, ctx: Chunk) -> Bounded:
        out = self.fn(ctx)
        if np.ndim(out.v) == 0:  # a constant expression
            return Bounded(np.full(ctx.n, out.v), np.full(ctx.n, out.m()), out.k, ex=self.exact)
        # inf or NaN (overflow, inf/inf, inf·0) would slip through the comparisons: one
        # reduction finds out whether any row has one (a finite overflowing sum only costs
        # the per-row test)
        if not math.isfinite(float(np.sum(out.v))):
            ctx.flag(~np.isfinite(out.v))
        return Bounded(out.v, out.mag, out.k, name=out.name, ex=self.exact)
