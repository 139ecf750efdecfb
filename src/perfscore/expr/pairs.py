"""Exact arithmetic as a numerator and a denominator: the cheap exact form of an expression made
of ``+ - * /`` over names and numbers.

An expression whose inner operation was inexact (``a / b * 100``, ``a / b / 3 * 3``) is
evaluated exactly and rounded once (:mod:`perfscore.exact`).  For plain arithmetic the exact
value is one fraction ``n / d`` of exact Decimals — every operation cross-multiplied,
``a / b / 3 * 3`` is ``(a·3) / (b·3)`` — so it is rounded by one division, with no rational
numbers built or reduced on the way.  The result is the same Decimal, digits included, as the
rational path gives; a value this form does not take (a rounded metric without a form of its
own, a text, a zero divisor, more than 400 digits) raises, and the caller takes the rational
path.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Any

from ..exact import ONCE, WIDE, full
from ..functions import DEFAULT_FUNCTIONS

__all__ = ["NoPair", "Pair", "pair_form", "rounded_pair"]

ONE = Decimal(1)
_ZERO = Decimal(0)
#: ``scope -> (n, d)``: the exact value ``n / d`` (``d`` is never zero)
Pair = Callable[[Mapping[str, Any]], tuple[Decimal, Decimal]]
_mul, _add, _sub, _minus = WIDE.multiply, WIDE.add, WIDE.subtract, WIDE.minus


class NoPair(Exception):
    """A value the form does not take: the rational path decides (and says any error)."""


#: the largest ``adjusted(n) - adjusted(d)`` kept: the value is then below 1e98, well inside the
#: results' range (RESULT_MAX_ADJUSTED, 99), so no operation of the fast code overflowed on it
_LARGEST = 97


class _Unsupported(Exception):
    pass


def pair_form(
    tree: ast.expr,
    constants: Mapping[str, Any],
    metrics: Collection[str],
    metric_pair: Callable[[str], Pair],
    callables: Mapping[str, Any],
) -> Pair | None:
    """The pair form of a placed tree — one generated function — or None when it holds
    anything but ``+ - * /`` (and unary ``-``/``+``), the built-in ``round`` to a written
    number of places, names and numbers.  A name in ``metrics`` whose value may be rounded is
    read as ``metric_pair(name)`` gives it (that metric's own form; it raises
    :class:`NoPair` for a metric without one)."""
    lines: list[str] = []
    names: dict[str, str] = {}
    consts: dict[str, Decimal] = {}
    builtin_round = callables.get("_f_round") is DEFAULT_FUNCTIONS["round"].fn
    try:
        n, d = _emit(tree, lines, names, consts, constants, metrics, builtin_round)
    except _Unsupported:
        return None
    body = "".join(f"    {line}\n" for line in lines)
    source = f"def _pair(scope):\n{body}    return {n}, {d or '_ONE'}\n"
    namespace: dict[str, Any] = {
        "__builtins__": {},
        "_D": Decimal,
        "_ONE": ONE,
        "_NoPair": NoPair,
        "_m": _mul,
        "_a": _add,
        "_s": _sub,
        "_neg": _minus,
        "_full": full,
        "_sb": WIDE.scaleb,
        "_di": WIDE.divide_int,
        "_metric": metric_pair,
        **consts,
        **{key: name for name, key in names.items()},
    }
    exec(compile(source, "<perfscore pair>", "exec"), namespace)
    return namespace["_pair"]  # type: ignore[no-any-return]


def _emit(
    node: ast.expr,
    lines: list[str],
    names: dict[str, str],
    consts: dict[str, Decimal],
    constants: Mapping[str, Any],
    metrics: Collection[str],
    builtin_round: bool,
) -> tuple[str, str | None]:
    """Source lines computing ``node`` into temporaries; its numerator and denominator (None:
    1) as source text.  Only text made here reaches the source (temporaries, ``_kN`` and
    ``_cN`` keys); the rule's names and numbers travel as namespace values."""
    k = len(lines)
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            value = constants.get(node.id)
            if type(value) is not Decimal or not value.is_finite():
                raise _Unsupported
            key = f"_c{len(consts)}"
            consts[key] = value
            return key, None
        key = names.setdefault(node.id, f"_k{len(names)}")
        v = f"v{k}"
        lines.append(f"{v} = scope[{key}]")
        lines.append(f"if {v}.__class__ is not _D or not {v}.is_finite(): raise _NoPair")
        if node.id in metrics:  # maybe a rounded metric: its own exact form
            lines.append(f"n{k}, d{k} = _metric({key})(scope) if _full({v}) else ({v}, _ONE)")
            return f"n{k}", f"d{k}"
        return v, None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise _Unsupported
    callee = node.func.id
    if callee == "_f_round" and builtin_round:
        return _round(node, lines, names, consts, constants, metrics, builtin_round)
    op = callee[4:] if callee.startswith(("_oi_", "_ot_")) else ""
    args = [_emit(a, lines, names, consts, constants, metrics, builtin_round) for a in node.args]
    t = len(lines)
    if len(args) == 1 and op == "pos":
        return args[0]
    if len(args) == 1 and op == "neg":
        a, b = args[0]
        lines.append(f"n{t} = _neg({a})")
        return f"n{t}", b
    if len(args) != 2 or op not in ("add", "sub", "mul", "div"):
        raise _Unsupported
    (a, b), (c, d) = args
    if op == "mul":
        lines.append(f"n{t} = _m({a}, {c})")
        den = _product(lines, f"d{t}", b, d)
    elif op == "div":
        lines.append(f"if not {c}: raise _NoPair")  # a zero divisor: the rational path says
        lines.append(f"n{t} = {_times(a, d)}")
        den = _product(lines, f"d{t}", b, c)
    else:
        fn = "_a" if op == "add" else "_s"
        lines.append(f"n{t} = {fn}({_times(a, d)}, {_times(c, b)})")
        den = _product(lines, f"d{t}", b, d)
    # a value the fast code could not hold (1e100 and up: an error there) is left to it
    size = f"n{t}.adjusted()" if den is None else f"n{t}.adjusted() - {den}.adjusted()"
    lines.append(f"if {size} > {_LARGEST}: raise _NoPair")
    return f"n{t}", den


def _round(
    node: ast.Call,
    lines: list[str],
    names: dict[str, str],
    consts: dict[str, Decimal],
    constants: Mapping[str, Any],
    metrics: Collection[str],
    builtin_round: bool,
) -> tuple[str, str | None]:
    """``round(x, k)`` (``k`` a whole number written in the rule, at most 27 either way): half
    up, away from zero on a half — ``(2·|n|·10^k + |d|) // (2·|d|)`` in exact arithmetic — as
    the rational path's ``round`` decides it; a value too long to round there (an error of
    ``round``) is left to that path."""
    places = 0
    if len(node.args) == 2:
        k = node.args[1]
        value = constants.get(k.id) if isinstance(k, ast.Name) else None
        if type(value) is not Decimal or not value.is_finite() or abs(value) > 27:
            raise _Unsupported
        if value != value.to_integral_value():
            raise _Unsupported
        places = int(value)
    elif len(node.args) != 1:
        raise _Unsupported
    a, b = _emit(node.args[0], lines, names, consts, constants, metrics, builtin_round)
    t = len(lines)
    d = b or "_ONE"
    lines.append(f"if {a}.adjusted() - {d}.adjusted() + {places} > 25: raise _NoPair")
    lines.append(f"a{t} = _sb({a}.copy_abs(), {places})")
    lines.append(f"b{t} = {d}.copy_abs()")
    lines.append(f"n{t} = _sb(_di(_a(_a(a{t}, a{t}), b{t}), _a(b{t}, b{t})), {-places})")
    lines.append(f"if ({a} < 0) != ({d} < 0): n{t} = _neg(n{t})")
    return f"n{t}", None


def _times(x: str | None, y: str | None) -> str:
    """Source of ``x × y`` (None: 1; not both)."""
    if x is None or y is None:
        out = y if x is None else x
        assert out is not None
        return out
    return f"_m({x}, {y})"


def _product(lines: list[str], into: str, x: str | None, y: str | None) -> str | None:
    """``x × y`` into the temporary ``into`` (None: 1, when both are)."""
    if x is None and y is None:
        return None
    lines.append(f"{into} = {_times(x, y)}")
    return into


def rounded_pair(n: Decimal, d: Decimal) -> Decimal:
    """``n / d`` rounded once (ROUND_05UP, 28 digits) — written as the rational path writes it
    (``Decimal(numerator) / Decimal(denominator)`` of the reduced fraction): an exact value
    with its trailing zeros gone, an integer without an exponent.  Raises :class:`NoPair` for
    an exact integer of more than 28 digits (the rational path writes that one)."""
    q = ONCE.divide(n, d)
    if _mul(q, d) != n:
        return q  # rounded: 28 digits, written one way only
    if not q:
        return _ZERO
    r = q.normalize(WIDE)  # (an integer keeps no exponent: 1.2E+3 is written 1200)
    if r.adjusted() >= 0 and r == r.to_integral_value(context=WIDE):
        if r.adjusted() >= 28:
            raise NoPair
        r = r.quantize(ONE, context=WIDE)
    return r
