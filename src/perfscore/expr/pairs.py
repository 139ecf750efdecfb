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
from ..functions import DEFAULT_FUNCTIONS, MAX_YEARS
from ..values import Series

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
    anything but ``+ - * /`` (and unary ``-``/``+``), the built-in ``min``/``max`` of
    numbers, the built-in ``round`` to a written
    number of places, the built-in ``mean`` or ``sum`` of a series input (or of its ``last``
    years, a written number of them), names and numbers.  A name in ``metrics`` whose value
    may be rounded is read as ``metric_pair(name)`` gives it (that metric's own form; it
    raises :class:`NoPair` for a metric without one)."""
    builtin = frozenset(
        k[3:] for k, f in callables.items() if f is getattr(DEFAULT_FUNCTIONS.get(k[3:]), "fn", 0)
    )
    em = _Emitter(constants, metrics, builtin)
    try:
        n, d = em.emit(tree)
    except _Unsupported:
        return None
    lines, names, consts = em.lines, em.names, em.consts
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
        "_mean": series_mean,
        "_sum": series_sum,
        "_min": pair_min,
        "_max": pair_max,
        **consts,
        **{key: name for name, key in names.items()},
    }
    exec(compile(source, "<perfscore pair>", "exec"), namespace)
    return namespace["_pair"]  # type: ignore[no-any-return]


class _Emitter:
    """What one expression's source is written into: its lines, the rule's names as ``_kN``
    keys and numbers as ``_cN`` keys (namespace values), and what the rule set says (its
    constants, which names are metrics, which functions are the built-in ones)."""

    def __init__(
        self, constants: Mapping[str, Any], metrics: Collection[str], builtin: frozenset[str]
    ) -> None:
        self.lines: list[str] = []
        self.names: dict[str, str] = {}
        self.consts: dict[str, Any] = {}
        self.constants = constants
        self.metrics = metrics
        self.builtin = builtin

    def written_whole(self, node: ast.expr, lo: int, hi: int) -> int:
        """A whole number from ``lo`` to ``hi`` written in the rule (a constant name), or
        :class:`_Unsupported`."""
        value = self.constants.get(node.id) if isinstance(node, ast.Name) else None
        if type(value) is not Decimal or not value.is_finite() or not lo <= value <= hi:
            raise _Unsupported
        if value != value.to_integral_value():
            raise _Unsupported
        return int(value)

    def emit(self, node: ast.expr) -> tuple[str, str | None]:
        """Source lines computing ``node`` into temporaries; its numerator and denominator (None:
        1) as source text.  Only text made here reaches the source (temporaries, ``_kN`` and
        ``_cN`` keys); the rule's names and numbers travel as namespace values."""
        k = len(self.lines)
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                value = self.constants.get(node.id)
                if type(value) is not Decimal or not value.is_finite():
                    raise _Unsupported
                key = f"_c{len(self.consts)}"
                self.consts[key] = value
                return key, None
            key = self.names.setdefault(node.id, f"_k{len(self.names)}")
            v = f"v{k}"
            self.lines.append(f"{v} = scope[{key}]")
            self.lines.append(f"if {v}.__class__ is not _D or not {v}.is_finite(): raise _NoPair")
            if node.id in self.metrics:  # maybe a rounded metric: its own exact form
                self.lines.append(
                    f"n{k}, d{k} = _metric({key})(scope) if _full({v}) else ({v}, _ONE)"
                )
                return f"n{k}", f"d{k}"
            return v, None
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            raise _Unsupported
        callee = node.func.id
        if callee == "_f_round" and "round" in self.builtin:
            return self.round(node)
        if callee in ("_f_mean", "_f_sum") and callee[3:] in self.builtin:
            return self.reduced(node)
        if callee in ("_f_min", "_f_max") and callee[3:] in self.builtin:
            return self.extreme(node, callee[3:])
        op = callee[4:] if callee.startswith(("_oi_", "_ot_")) else ""
        args = [self.emit(a) for a in node.args]
        t = len(self.lines)
        if len(args) == 1 and op == "pos":
            return args[0]
        if len(args) == 1 and op == "neg":
            a, b = args[0]
            self.lines.append(f"n{t} = _neg({a})")
            return f"n{t}", b
        if len(args) != 2 or op not in ("add", "sub", "mul", "div"):
            raise _Unsupported
        (a, b), (c, d) = args
        if op == "mul":
            self.lines.append(f"n{t} = _m({a}, {c})")
            den = _product(self.lines, f"d{t}", b, d)
        elif op == "div":
            self.lines.append(
                f"if not {c}: raise _NoPair"
            )  # a zero divisor: the rational path says
            self.lines.append(f"n{t} = {_times(a, d)}")
            den = _product(self.lines, f"d{t}", b, c)
        else:
            fn = "_a" if op == "add" else "_s"
            self.lines.append(f"n{t} = {fn}({_times(a, d)}, {_times(c, b)})")
            den = _product(self.lines, f"d{t}", b, d)
        # a value the fast code could not hold (1e100 and up: an error there) is left to it
        size = f"n{t}.adjusted()" if den is None else f"n{t}.adjusted() - {den}.adjusted()"
        self.lines.append(f"if {size} > {_LARGEST}: raise _NoPair")
        return f"n{t}", den

    def round(self, node: ast.Call) -> tuple[str, str | None]:
        """``round(x, k)`` (``k`` a whole number written in the rule, at most 27 either way): half
        up, away from zero on a half — ``(2·|n|·10^k + |d|) // (2·|d|)`` in exact arithmetic — as
        the rational path's ``round`` decides it; a value too long to round there (an error of
        ``round``) is left to that path."""
        places = 0
        if len(node.args) == 2:
            places = self.written_whole(node.args[1], -27, 27)
        elif len(node.args) != 1:
            raise _Unsupported
        a, b = self.emit(node.args[0])
        t = len(self.lines)
        d = b or "_ONE"
        self.lines.append(f"if {a}.adjusted() - {d}.adjusted() + {places} > 25: raise _NoPair")
        self.lines.append(f"a{t} = _sb({a}.copy_abs(), {places})")
        self.lines.append(f"b{t} = {d}.copy_abs()")
        self.lines.append(f"n{t} = _sb(_di(_a(_a(a{t}, a{t}), b{t}), _a(b{t}, b{t})), {-places})")
        self.lines.append(f"if ({a} < 0) != ({d} < 0): n{t} = _neg(n{t})")
        return f"n{t}", None

    def extreme(self, node: ast.Call, which: str) -> tuple[str, str | None]:
        """``min``/``max`` of two or more numbers (``min(w, w * r)`` of a rounded metric ``r``):
        the exact values compared by cross-multiplication, the first of equal ones kept (as
        the built-in's); a series argument is not a number here (the rational path)."""
        if len(node.args) < 2:
            raise _Unsupported
        args = [self.emit(a) for a in node.args]
        t = len(self.lines)
        n, d = args[0]
        for a, b in args[1:]:
            self.lines.append(f"n{t}, d{t} = _{which}({n}, {d or '_ONE'}, {a}, {b or '_ONE'})")
            n, d = f"n{t}", f"d{t}"
            t += 1
        return n, d

    def reduced(self, node: ast.Call) -> tuple[str, str | None]:
        """``mean(s)`` / ``sum(s)`` of a series input ``s``, or of ``last(s, k)`` (``k`` a whole
        number written in the rule): its values added up exactly over their count (mean) or 1
        (sum) — see :func:`series_mean`, :func:`series_sum`."""
        if len(node.args) != 1:
            raise _Unsupported
        arg = node.args[0]
        years: int | None = None
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
            if arg.func.id != "_f_last" or "last" not in self.builtin or len(arg.args) != 2:
                raise _Unsupported
            arg, k = arg.args
            years = self.written_whole(k, 0, MAX_YEARS)
        if not isinstance(arg, ast.Name) or arg.id.startswith("_") or arg.id in self.metrics:
            raise _Unsupported  # (a series a metric computes: the rational path)
        key = self.names.setdefault(arg.id, f"_k{len(self.names)}")
        count = f"_c{len(self.consts)}"
        self.consts[count] = years
        t = len(self.lines)
        fn = "_mean" if node.func.id == "_f_mean" else "_sum"  # type: ignore[attr-defined]
        self.lines.append(f"n{t}, d{t} = {fn}(scope[{key}], {count})")
        self.lines.append(f"if n{t}.adjusted() - d{t}.adjusted() > {_LARGEST}: raise _NoPair")
        return f"n{t}", f"d{t}"


def _below(n1: Decimal, d1: Decimal, n2: Decimal, d2: Decimal) -> bool:
    """Whether ``n2 / d2 < n1 / d1``, exactly (cross-multiplied; denominators of any sign)."""
    left, right = _mul(n2, d1), _mul(n1, d2)
    return left > right if (d1 < 0) != (d2 < 0) else left < right


def pair_min(n1: Decimal, d1: Decimal, n2: Decimal, d2: Decimal) -> tuple[Decimal, Decimal]:
    """The smaller of ``n1 / d1`` and ``n2 / d2`` (the first of equal ones)."""
    return (n2, d2) if _below(n1, d1, n2, d2) else (n1, d1)


def pair_max(n1: Decimal, d1: Decimal, n2: Decimal, d2: Decimal) -> tuple[Decimal, Decimal]:
    """The larger of ``n1 / d1`` and ``n2 / d2`` (the first of equal ones)."""
    return (n2, d2) if _below(n2, d2, n1, d1) else (n1, d1)


def _window(s: object, years: int | None) -> tuple[tuple[int, Decimal | None], ...]:
    """The points of series ``s`` (of its ``last(s, years)``: the ``years`` calendar years up
    to its latest, those it does not give left out — :meth:`Series.last` keeps them empty)."""
    if s.__class__ is not Series:
        raise NoPair  # (missing, or not a series: the rational path says)
    points: tuple[tuple[int, Decimal | None], ...] = s.points
    if years is None:
        return points
    if years <= 0 or not points:
        return ()
    first = points[-1][0] - years + 1
    return tuple(p for p in points if p[0] >= first)  # (sorted by year, each once)


def series_mean(s: object, years: int | None) -> tuple[Decimal, Decimal]:
    """``mean``'s exact value as ``(Σ values, count)``; a window with a year missing or
    without values (``mean``'s errors), or a value that is not a finite number: NoPair."""
    points = _window(s, years)
    if not points or (years is not None and len(points) != years):
        raise NoPair
    total = _ZERO
    for _, x in points:
        if x.__class__ is not Decimal or not x.is_finite():
            raise NoPair
        total = _add(total, x)
    return total, Decimal(len(points))


def series_sum(s: object, years: int | None) -> tuple[Decimal, Decimal]:
    """``sum``'s exact value as ``(Σ present values, 1)`` (0 for none)."""
    total = _ZERO
    for _, x in _window(s, years):
        if x is None:
            continue
        if x.__class__ is not Decimal or not x.is_finite():
            raise NoPair
        total = _add(total, x)
    return total, ONE


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
