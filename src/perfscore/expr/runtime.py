"""Run-time namespaces of a compiled expression.

The generated code (:mod:`.codegen`) calls its arithmetic by name; these tables give the names
their meaning.  The *placed* operations decide where a result may round (see
:mod:`perfscore.exact`): an inner operation traps ``Inexact`` (the expression is then evaluated
exactly and rounded once), the outermost rounds once with ROUND_05UP; the exact namespace runs
the same code over :class:`~perfscore.exact.Q` rationals.  Long chains ``a1 + ... + a500`` fold
flat, and simpleeval's reference path (:meth:`~perfscore.expr.CompiledExpression.
evaluate_reference`) gets the same operators.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal, Inexact
from fractions import Fraction
from typing import Any

import simpleeval

from ..exact import EXACT_OPS, ONCE, Q, power_exponent
from ..functions import DECIMAL_CONTEXT
from ..values import Series

__all__ = [
    "BINOPS",
    "CHAIN_MIN",
    "OP_KEYS",
    "PLACED_EXACT",
    "PLACED_FAST",
    "REFERENCE_OPERATORS",
    "UNARYOPS",
    "exact_constant",
    "op_chain",
    "rounded_once",
    "safe_power",
]

_CTX = DECIMAL_CONTEXT

# --- run-time operator helpers (shared by the compiled and the reference path) ---------------


def _as_decimal(value: object) -> Decimal:
    """Coerce like the decimal Context methods do (Decimal or int), else TypeError."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise TypeError(f"conversion from {type(value).__name__} to Decimal is not supported")


def safe_power(base: object, exponent: object, context: Any = _CTX) -> Decimal:
    """``base ** exponent`` with a whole exponent of at most 64 and a bounded result.

    simpleeval's own ``safe_power`` also bounds the *base* (4,000,000), which would refuse
    ``budget ** 2`` for any real budget; bounding the result's size is what actually matters.
    """
    b, e = _as_decimal(base), _as_decimal(exponent)
    n = power_exponent(b, e)
    if b.is_zero():
        return Decimal(1) if n == 0 else Decimal(0)
    return context.power(b, n)  # type: ignore[no-any-return]


def _remainder(a: object, b: object, context: Any = _CTX) -> Decimal:
    """``a % b`` (sign of ``a``, like Decimal); ``x % 0`` is a zero denominator."""
    if isinstance(b, (Decimal, int)) and b == 0:
        raise ZeroDivisionError("modulo by zero")
    return context.remainder(a, b)  # type: ignore[no-any-return]  # TypeError for non-numbers


# Where a result may round (see :mod:`perfscore.exact`): an inner operation computes in _INNER,
# which traps Inexact (the expression is then evaluated exactly and rounded once); the outermost
# one computes in _TOP, which rounds once with ROUND_05UP (never onto a 0 or 5: never onto a
# rule set's number).
_INNER = DECIMAL_CONTEXT.copy()
_INNER.traps[Inexact] = True
_INNER.clear_flags()
_TOP = ONCE


def _ops(context: Any) -> dict[str, Callable[..., Any]]:
    return {
        "add": context.add,
        "sub": context.subtract,
        "mul": context.multiply,
        "div": context.divide,
        "floordiv": context.divide_int,
        "mod": lambda a, b: _remainder(a, b, context),
        "pow": lambda a, b: safe_power(a, b, context),
        "neg": context.minus,
        "pos": context.plus,
    }


OP_KEYS: dict[type[ast.AST], str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.FloorDiv: "floordiv",
    ast.Mod: "mod", ast.Pow: "pow", ast.USub: "neg", ast.UAdd: "pos",
}  # fmt: skip
#: The placed operations: ``_oi_<op>`` (inner) and ``_ot_<op>`` (outermost), fast and exact.
PLACED_FAST: dict[str, Callable[..., Any]] = {
    **{f"_oi_{k}": fn for k, fn in _ops(_INNER).items()},
    **{f"_ot_{k}": fn for k, fn in _ops(_TOP).items()},
}
PLACED_EXACT: dict[str, Callable[..., Any]] = {
    **{f"_oi_{k}": fn for k, fn in EXACT_OPS.items()},
    **{f"_ot_{k}": fn for k, fn in EXACT_OPS.items()},
}


# Names the rewritten code refers to; users cannot write names starting with "_".
BINOPS: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("_op_add", _CTX.add),
    ast.Sub: ("_op_sub", _CTX.subtract),
    ast.Mult: ("_op_mul", _CTX.multiply),
    ast.Div: ("_op_div", _CTX.divide),
    ast.FloorDiv: ("_op_floordiv", _CTX.divide_int),
    ast.Mod: ("_op_mod", _remainder),
    ast.Pow: ("_op_pow", safe_power),
}
UNARYOPS: dict[type[ast.unaryop], tuple[str, Callable[[Any], Any]]] = {
    ast.USub: ("_op_neg", _CTX.minus),
    ast.UAdd: ("_op_pos", _CTX.plus),
}

#: A left-leaning run of at least this many binary operators (``a1 + a2 + ... + a500``) is
#: compiled as one call, ``_op_chain(a1, _op_add, a2, _op_add, a3, ...)``: Python's compiler
#: and simpleeval recurse per nesting level, a flat call does not.  The value is the same
#: left-to-right fold.
CHAIN_MIN = 16


def op_chain(first: Any, *rest: Any) -> Any:
    """``((first op1 x1) op2 x2) ...`` for ``rest = (op1, x1, op2, x2, ...)``."""
    value = first
    for i in range(0, len(rest), 2):
        value = rest[i](value, rest[i + 1])
    return value


REFERENCE_OPERATORS: dict[type[ast.AST], Any] = {
    op: simpleeval.DEFAULT_OPERATORS[op]
    for op in (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Not)
}
REFERENCE_OPERATORS.update({op: fn for op, (_, fn) in BINOPS.items()})
REFERENCE_OPERATORS.update({op: fn for op, (_, fn) in UNARYOPS.items()})


def rounded_once(value: Any) -> Any:
    """An exact result as the fast path returns it: a rational rounded once to 28 digits with
    ROUND_05UP (exactly when it is a decimal that fits), a series' values likewise."""
    if isinstance(value, Fraction):
        return _TOP.divide(Decimal(value.numerator), Decimal(value.denominator))
    if isinstance(value, Series):
        return Series(tuple((y, rounded_once(v)) for y, v in value.points))
    return value


def exact_constant(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return Q(value)
    return value
