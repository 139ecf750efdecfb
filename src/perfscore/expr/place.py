"""Where a compiled expression may round (see :mod:`perfscore.exact`).

Each arithmetic node of the checked tree is placed as *inner* (exact, or ``Inexact`` is raised
and the expression is evaluated exactly) or *outermost* (rounded once with ROUND_05UP); an
expression calling a function that may round inside is *chained* (always evaluated exactly,
then rounded once), and the possibly rounded names it reads away from the top are its *guards*.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..functions import DECIMAL_CONTEXT, DEFAULT_FUNCTIONS
from .parse import copy_location
from .runtime import OP_KEYS

__all__ = ["Placer"]

#: Functions that pick one of their arguments (or its negation-free magnitude): a once-rounded
#: argument stays once-rounded through them.
_SELECTING = frozenset({"min", "max", "clamp", "abs", "coalesce", "round"})
#: Functions whose result is exact whatever they read (counts, look-ups, tests).
_EXACT_RESULT = frozenset(
    {"count", "count_within", "count_below", "count_above", "is_missing", "year", "last"}
)


class Placer:
    """Decides where the rewritten tree may round (see :mod:`perfscore.exact`).

    An arithmetic node in a *top* position — the root of the expression, an operand of a
    comparison (or of ``round``, ``min``, ...) whose other operands are constants of at most 27
    digits, reached only through selections — becomes ``_ot_<op>`` (rounded once, ROUND_05UP);
    every other one ``_oi_<op>`` (exact, or Inexact is raised and the expression is evaluated
    exactly).  The expression is *chained* — always evaluated exactly, then rounded once — when
    it calls a function that may round inside (``sum``, ``mean``, a plugin's); it is *guarded*
    by the possibly rounded names (``rounding``) it reads where they are not top: when one of
    them holds a full 28-digit value (maybe rounded) it is evaluated exactly, else as placed."""

    def __init__(
        self,
        rounding: frozenset[str],
        constants: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]],
    ) -> None:
        self.rounding = rounding
        self.constants = constants
        self.functions = functions
        self.chained = False
        self.guards: dict[str, None] = {}  # rounding names read where they are not top

    def kind_of_call(self, internal: str) -> str:
        """``select``, ``exact`` or ``other`` for a ``_f_name`` callee (by identity: a plugin
        replacing a name is ``other``)."""
        name = internal[3:]
        default = DEFAULT_FUNCTIONS.get(name)
        if default is None or self.functions.get(internal) is not default.fn:
            return "other"
        if name in _SELECTING:
            return "select"
        return "exact" if name in _EXACT_RESULT else "other"

    def rounds(self, node: ast.expr) -> bool:
        """Whether the value of ``node`` may be rounded."""
        if isinstance(node, ast.Name):
            return node.id in self.rounding
        if isinstance(node, (ast.BinOp, ast.Compare, ast.BoolOp)):
            return isinstance(node, ast.BinOp)
        if isinstance(node, ast.UnaryOp):
            return not isinstance(node.op, ast.Not)
        if isinstance(node, ast.IfExp):
            return self.rounds(node.body) or self.rounds(node.orelse)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            if node.func.id == "_op_chain":
                return True
            kind = self.kind_of_call(node.func.id)
            if kind == "select":
                return any(self.rounds(a) for a in node.args)
            return kind != "exact"
        return False

    def on_grid(self, node: ast.expr) -> bool:
        """A constant that a once-rounded value can never equal nor straddle."""
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name) and node.id.startswith("_c"):
            value = self.constants[node.id]
            if isinstance(value, tuple):
                return all(not isinstance(v, Decimal) or _short(v) for v in value)
            return not isinstance(value, Decimal) or _short(value)
        return False

    def operands(self, nodes: list[ast.expr], top: bool) -> list[ast.expr]:
        """Operands of a decision or a selection: the one that may round is top when ``top``
        and every other one is a constant on the grid."""
        rounding = [self.rounds(n) for n in nodes]
        single = top and sum(rounding) <= 1
        single = single and all(r or self.on_grid(n) for n, r in zip(nodes, rounding, strict=True))
        return [self.place(n, single and r) for n, r in zip(nodes, rounding, strict=True)]

    def place(self, node: ast.expr, top: bool) -> ast.expr:
        if isinstance(node, ast.Name):
            if node.id in self.rounding and not top:
                self.guards.setdefault(node.id, None)
            return node
        if isinstance(node, ast.BinOp):
            name = f"{'_ot_' if top else '_oi_'}{OP_KEYS[type(node.op)]}"
            args = [self.place(node.left, False), self.place(node.right, False)]
            return self.call(name, args, node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                operand = self.place(node.operand, True)
                return copy_location(ast.UnaryOp(op=node.op, operand=operand), node)
            name = f"{'_ot_' if top else '_oi_'}{OP_KEYS[type(node.op)]}"
            return self.call(name, [self.place(node.operand, top)], node)
        if isinstance(node, ast.BoolOp):
            values = [self.place(v, top) for v in node.values]
            return copy_location(ast.BoolOp(op=node.op, values=values), node)
        if isinstance(node, ast.Compare):
            left, *comparators = self.operands([node.left, *node.comparators], True)
            new = ast.Compare(left=left, ops=node.ops, comparators=comparators)
            return copy_location(new, node)
        if isinstance(node, ast.IfExp):
            new_if = ast.IfExp(
                test=self.place(node.test, True),
                body=self.place(node.body, top),
                orelse=self.place(node.orelse, top),
            )
            return copy_location(new_if, node)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            callee = node.func.id
            if callee == "_op_chain":
                first, *rest = node.args
                args = [self.place(first, False)]
                for i in range(0, len(rest), 2):
                    op = rest[i]
                    assert isinstance(op, ast.Name)
                    key = op.id[len("_op_") :]
                    last = top and i == len(rest) - 2
                    name = f"{'_ot_' if last else '_oi_'}{key}"
                    args += [copy_location(ast.Name(id=name, ctx=ast.Load()), op)]
                    args += [self.place(rest[i + 1], False)]
                return self.call(callee, args, node)
            kind = self.kind_of_call(callee)
            if kind == "select":
                args = self.operands(list(node.args), top)
            else:
                if kind == "other":
                    self.chained = True
                args = [self.place(a, False) for a in node.args]
            return self.call(callee, args, node)
        return node

    @staticmethod
    def call(name: str, args: list[ast.expr], node: ast.AST) -> ast.Call:
        callee = copy_location(ast.Name(id=name, ctx=ast.Load()), node)
        return copy_location(ast.Call(func=callee, args=args, keywords=[]), node)


def _short(x: Decimal) -> bool:
    """At most 27 significant digits (trailing zeros do not count): on every once-rounded
    value's grid."""
    if not x.is_finite() or x.is_zero():
        return x.is_finite()
    return (
        len(x.as_tuple().digits) <= 27 or len(x.normalize(DECIMAL_CONTEXT).as_tuple().digits) <= 27
    )
