"""Conditions inside an expression over series (#18): comparisons (chains too), ``and``/
``or``/``not``, ``x if c else y`` and a text or yes/no input tested against words — what a
bureau writes as 连续增长: ``2 if year(s, 2023) > year(s, 2022) and year(s, 2022) >
year(s, 2021) else 0``.

Why per row and in Python's order: per record the expression is Python's, so ``and``/``or``
stop at the first operand that decides, a chain ``a < b < c`` stops at the first comparison
that fails and ``x if c else y`` evaluates one branch — a failure (a year without a value
ordered against a number, a zero denominator) counts only where its part was evaluated.  Each
part runs over the whole chunk with its own :class:`~perfscore.columnar.seriesfns.Raised`,
merged into the expression's only for the rows where Python would have evaluated it.  A year
without a value (``None``) is falsy, equal only to another ``None`` and an error when
ordered, as in Python."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .calls import text_test
from .rational import select
from .seriesfns import Raised

__all__ = ["Truth", "build_condition", "merge_raised", "truthy"]

_ORDER: dict[type[ast.cmpop], str] = {ast.Gt: "gt", ast.GtE: "ge", ast.Lt: "lt", ast.LtE: "le"}
_EQUAL: dict[type[ast.cmpop], bool] = {ast.Eq: True, ast.NotEq: False}


class Truth:
    """A yes/no per row (a comparison, ``and``/``or``/``not``, a text test)."""

    __slots__ = ("b",)

    def __init__(self, b: Any) -> None:
        self.b = b


def merge_raised(raised: Raised, sub: Raised, rows: Any) -> None:
    """``sub``'s failures where ``rows`` (the rows where Python evaluated that part), after
    those ``raised`` holds already (the first failure per row stays)."""
    raised.add(sub.zero & rows)
    raised.add(sub.error & rows, error=True)
    raised.add(sub.missing & rows, missing=True)


def _consume(raised: Raised, rows: Any, *parts: Any) -> None:
    """Where ``rows``: a year without a value that is ordered raises (Python's TypeError:
    per record a missing value computed with, the missing policy)."""
    for p in parts:
        if p.none is not None:
            raised.add(p.none & rows, missing=True)


def truthy(ctx: Any, raised: Raised, got: Any) -> Any:
    """Python's truth of each row's value: a yes/no as it is, a number where not zero (a year
    without a value is falsy)."""
    if isinstance(got, Truth):
        return got.b
    out = np.asarray(np.not_equal(got.q.n, 0))
    out = np.broadcast_to(out, (ctx.n,)).copy()
    if got.none is not None:
        out &= ~got.none
    return out


Build = Callable[[ast.expr], tuple[Any, str]]


def build_condition(
    node: ast.expr, kinds: Mapping[str, str], build: Build, no: Callable[..., Exception]
) -> tuple[Any, str] | None:
    """``(fn(ctx, raised), kind)`` for a condition node (kind ``"bool"``), or an ``if``
    choice (the kind of its branches); None when ``node`` is none of these.  ``build``
    translates operands; ``no(node, key)`` is the reason for what is not mirrored."""
    words = text_test(node, kinds) if isinstance(node, ast.Compare) else None
    if words is not None:
        return _words(*words), "bool"
    if isinstance(node, ast.Name) and kinds.get(node.id) in ("text", "boolean"):
        return _truth_of(node.id), "bool"
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        value = node.value
        return (lambda ctx, raised: Truth(np.full(ctx.n, value))), "bool"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _test(node.operand, build, no)
        return (lambda ctx, raised: Truth(~truthy(ctx, raised, inner(ctx, raised)))), "bool"
    if isinstance(node, ast.BoolOp):
        return _boolop(node, build, no), "bool"
    if isinstance(node, ast.Compare):
        return _compare(node, build, no), "bool"
    if isinstance(node, ast.IfExp):
        return _choice(node, build, no)
    return None


def _test(node: ast.expr, build: Build, no: Callable[..., Exception]) -> Any:
    fn, kind = build(node)
    if kind == "series":  # (a series' truth per record: not mirrored)
        raise no(node, "other")
    return fn


def _words(name: str, words: tuple[str, ...], negate: bool) -> Any:
    def member(ctx: Any, raised: Raised) -> Truth:
        cats, vocab = ctx.category(name)  # (a blank blocks what reads it, before this)
        table = np.array([(x in words) != negate for x in vocab] + [False, False])
        return Truth(table[cats])

    return member


def _truth_of(name: str) -> Any:
    def truth(ctx: Any, raised: Raised) -> Truth:
        cats, vocab = ctx.category(name)
        return Truth(np.array([bool(x) for x in vocab] + [False, False])[cats])

    return truth


def _boolop(node: ast.BoolOp, build: Build, no: Callable[..., Exception]) -> Any:
    parts = [_test(v, build, no) for v in node.values]
    is_and = isinstance(node.op, ast.And)

    def both(ctx: Any, raised: Raised) -> Truth:
        out = truthy(ctx, raised, parts[0](ctx, raised))
        for part in parts[1:]:  # evaluated only where the result is still open
            rows = out if is_and else ~out
            sub = Raised(ctx.n)
            got = truthy(ctx, sub, part(ctx, sub))
            merge_raised(raised, sub, rows)
            out = out & got if is_and else out | got
        return Truth(out)

    return both


def _compare(node: ast.Compare, build: Build, no: Callable[..., Exception]) -> Any:
    for op in node.ops:
        if type(op) not in _ORDER and type(op) not in _EQUAL:
            raise no(node, "Compare")
    operands = [build(x) for x in (node.left, *node.comparators)]
    if any(kind != "number" for _, kind in operands):
        raise no(node, "Compare")
    fns = [f for f, _ in operands]
    ops = [type(op) for op in node.ops]

    def compared(ctx: Any, raised: Raised) -> Truth:
        left = fns[0](ctx, raised)
        rows = np.ones(ctx.n, bool)  # where the chain is still being evaluated
        out = np.ones(ctx.n, bool)
        for k, op in enumerate(ops):
            if k == 0:
                right = fns[1](ctx, raised)
            else:  # a later link runs only where the ones before held
                sub = Raised(ctx.n)
                right = fns[k + 1](ctx, sub)
                merge_raised(raised, sub, rows)
            held = _holds(ctx, raised, rows, left, op, right)
            out &= held | ~rows
            rows = rows & held
            left = right
        return Truth(out)

    return compared


def _holds(ctx: Any, raised: Raised, rows: Any, a: Any, op: type[ast.cmpop], b: Any) -> Any:
    """``a op b`` per row (Python's: ``None == None``, ``None != 2``, ``None < 2`` raises)."""
    if op in _EQUAL:
        na = np.zeros(ctx.n, bool) if a.none is None else a.none
        nb = np.zeros(ctx.n, bool) if b.none is None else b.none
        same = (a.q.cmp(b.q) == 0) & ~na & ~nb | (na & nb)
        return same if _EQUAL[op] else ~same
    _consume(raised, rows, a, b)
    c = a.q.cmp(b.q)
    name = _ORDER[op]
    return {"gt": c > 0, "ge": c >= 0, "lt": c < 0, "le": c <= 0}[name]


def _choice(node: ast.IfExp, build: Build, no: Callable[..., Exception]) -> tuple[Any, str]:
    test = _test(node.test, build, no)
    body, kb = build(node.body)
    orelse, ko = build(node.orelse)
    if kb != ko or kb not in ("number", "bool"):
        raise no(node, "IfExp")

    def chosen(ctx: Any, raised: Raised) -> Any:
        c = truthy(ctx, raised, test(ctx, raised))
        got = []
        for fn, rows in ((body, c), (orelse, ~c)):
            sub = Raised(ctx.n)
            got.append(fn(ctx, sub))
            merge_raised(raised, sub, rows)
        x, y = got
        if kb == "bool":
            return Truth(np.where(c, x.b, y.b))
        none = None
        if x.none is not None or y.none is not None:
            xn = np.zeros(ctx.n, bool) if x.none is None else x.none
            yn = np.zeros(ctx.n, bool) if y.none is None else y.none
            none = np.where(c, xn, yn)
        return type(x)(select(c, x.q, y.q), none)  # (a :class:`~.seriesexpr.Num`)

    return chosen, kb
