"""Exact decisions: every comparison, band edge, step and half-up rounding lands where the exact
(rational) value says, whatever the path.

The fast paths compute in :class:`~decimal.Decimal` at 28 significant digits.  Expressions are
compiled so that a result is either *exact* or *rounded once* (:mod:`perfscore.expr`): inner
operations trap ``Inexact``, and only the outermost operation (or one beneath selections such as
``min``/``max``, a comparison's single computed side, an ``if`` branch) rounds — with
``ROUND_05UP``, so a rounded result never ends in 0 or 5.  Such a value never equals a number
of at most 27 significant digits, and lies less than one unit of its last digit from the exact
value: no threshold, band edge, deduction step or half of a rule set (all decimals of at most
27 digits on that grid) can lie between the two, so comparing the rounded value decides as the
exact one would.  What the grid does not cover raises :class:`~perfscore.numbers.NotExact`:

* a half-up rounding of *computed* points (weight × value / target) within a generous error
  bound of a half (:func:`perfscore.numbers.round_places`);
* two possibly rounded values compared with each other (:func:`unsure_pair`).

An expression that could not keep its result once-rounded (an inner operation rounded, a
rounded metric inside further arithmetic, ``sum``/``mean``/a plugin) is evaluated exactly and
rounded once instead, so its result is once-rounded too.

The caller then re-derives the decision exactly, once: :class:`ExactScope` is the subject's
scope with every number as a :class:`Q` (an exact rational that mixes with Decimals) and every
metric re-evaluated by the *same* compiled expression over exact operations; the scorer then
runs its own ``score`` on those values, so there is one implementation of every semantic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_05UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from fractions import Fraction
from typing import Any

from .errors import EvaluationError, ZeroDenominatorError
from .functions import (
    DECIMAL_CONTEXT,
    fn_abs,
    fn_clamp,
    fn_composition_variance,
    fn_max,
    fn_mean,
    fn_min,
    fn_ratio_series,
    fn_round,
    fn_sum,
)
from .numbers import NotExact
from .values import Series
from .words import EVAL, said

__all__ = [
    "EXACT_FUNCTIONS",
    "EXACT_OPS",
    "ONCE",
    "SLACK",
    "WIDE",
    "ExactScope",
    "NotExact",
    "Q",
    "exact_difference",
    "exact_quotient",
    "exact_share",
    "exact_steps",
    "exact_value",
    "full",
    "has_long_number",
    "maybe_rounded",
    "plain",
    "ratio",
    "share_of",
    "unsure_pair",
]


def full(x: Any) -> bool:
    """Whether ``x`` may be a rounded result: a Decimal with 28 or more significant digits in
    its coefficient (a rounded 28-digit result always has all 28), or below the smallest normal
    size (an exact rational is not).

    Asked per value on the hot paths, so without ``as_tuple()`` (a named tuple per call): a
    coefficient of at most 27 digits passes a 27-digit context unchanged, exponent included;
    one of 28 or more is rounded there, which moves its exponent."""
    if type(x) is not Decimal or not x.is_finite():
        return False
    return x.adjusted() < -99 or not x.same_quantum(_PLUS27(x))


def maybe_rounded(x: Any) -> bool:
    """:func:`full` for a value a scorer reads: a number, or any value of a series."""
    if isinstance(x, Series):
        return any(full(v) for v in x.values())
    return full(x)


_PLUS27 = Context(prec=27, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[]).plus


_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def has_long_number(config: Any) -> bool:
    """Whether a scorer's settings (a pydantic model, mappings, sequences) hold a number of 28
    significant digits: the grid argument covers numbers of at most 27 (a once-rounded value
    never ends in 0 or 5, so never equals one), but a 28-digit edge such as
    3333333333.333333333333333333 *is* what 10000000000 / 3 rounds to."""
    stack = [config]
    while stack:
        x = stack.pop()
        if isinstance(x, str):  # a range "[95%, 105%]", an expression: the numbers written
            stack.extend(Decimal(t) for t in _NUMBER.findall(x))
        elif isinstance(x, Decimal):
            if x.is_finite() and not x.is_zero():
                digits = x.as_tuple().digits
                if len(digits) >= 28 and len(bytes(digits).rstrip(b"\0")) >= 28:
                    return True
        elif isinstance(x, Mapping):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif hasattr(type(x), "model_fields"):  # a config model: its fields
            stack.extend(getattr(x, name, None) for name in type(x).model_fields)
    return False


def unsure_pair(a: Decimal, b: Decimal) -> bool:
    """Two values that may both be rounded, compared with each other: the comparison is sure
    only when they are apart by more than their error bounds."""
    if not (full(a) and full(b)):
        return False
    gap = abs(_WIDE.subtract(a, b))
    return gap <= (abs(a) + abs(b)).scaleb(-25) + _TINY


_TINY = Decimal("1e-120")
#: Exact Decimal arithmetic for decisions (a result that would need rounding is trapped).
WIDE = _WIDE = Context(prec=400, Emax=10**6, Emin=-(10**6), traps=[Inexact, InvalidOperation])


def _fraction_args(x: object) -> Fraction:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise InvalidOperation(f"{x} is not a finite number")
        return Fraction(x)
    if isinstance(x, int):
        return Fraction(x)
    raise TypeError(f"conversion from {type(x).__name__} to Decimal is not supported")


class Q(Fraction):
    """An exact rational that mixes with Decimals and ints in arithmetic (the result is a Q)
    and compares exactly with them; used only to re-derive a decision.  Arithmetic works on
    the integer pairs directly (``Fraction``'s own goes through abstract-class checks)."""

    __slots__ = ()

    def is_finite(self) -> bool:
        return True

    def is_zero(self) -> bool:
        return self.numerator == 0

    def copy_abs(self) -> Q:
        return _make(abs(self.numerator), self.denominator)

    def __add__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        return _make(self.numerator * d + n * self.denominator, self.denominator * d)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        return _make(self.numerator * d - n * self.denominator, self.denominator * d)

    def __rsub__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        return _make(n * self.denominator - self.numerator * d, self.denominator * d)

    def __mul__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        return _make(self.numerator * n, self.denominator * d)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        if n == 0:
            raise ZeroDivisionError(f"Fraction({self.numerator}, 0)")
        return _make(self.numerator * d, self.denominator * n)

    def __rtruediv__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        if self.numerator == 0:
            raise ZeroDivisionError(f"Fraction({n}, 0)")
        return _make(n * self.denominator, d * self.numerator)

    def __neg__(self) -> Q:
        return _make(-self.numerator, self.denominator)

    def __pos__(self) -> Q:
        return self

    def __abs__(self) -> Q:
        return _make(abs(self.numerator), self.denominator)

    def __repr__(self) -> str:
        return f"Q({self.numerator}, {self.denominator})"


_new = object.__new__


def _make(n: int, d: int) -> Q:
    """``n / d`` in lowest terms (any sign of ``d``; never zero)."""
    if d < 0:
        n, d = -n, -d
    g = math.gcd(n, d)
    q = _new(Q)
    if g != 1:
        n //= g
        d //= g
    q._numerator = n  # type: ignore[attr-defined]
    q._denominator = d  # type: ignore[attr-defined]
    return q


def _pair(x: Any) -> tuple[int, int] | None:
    """``x`` as (numerator, denominator), or None when it is no finite number."""
    t = type(x)
    if t is Q:
        return x.numerator, x.denominator
    if t is Decimal:
        return x.as_integer_ratio() if x.is_finite() else None
    if t is int or t is bool:
        return int(x), 1
    if isinstance(x, Fraction):
        return x.numerator, x.denominator
    return None


def _coerce(x: Any) -> Fraction | None:
    p = _pair(x)
    return None if p is None else _make(*p)


def _q(x: object) -> Q:
    if type(x) is Q:
        return x
    p = _pair(x)
    if p is None:
        _fraction_args(x)  # raises what the fast path would (TypeError, InvalidOperation)
        raise TypeError(f"conversion from {type(x).__name__} to Decimal is not supported")
    return _make(*p)


# --- exact operations for the compiled expression (same code, exact namespace) -------------


def _q_add(a: object, b: object) -> Q:
    return _q(a) + _q(b)  # type: ignore[no-any-return]


def _q_sub(a: object, b: object) -> Q:
    return _q(a) - _q(b)  # type: ignore[no-any-return]


def _q_mul(a: object, b: object) -> Q:
    return _q(a) * _q(b)  # type: ignore[no-any-return]


def _q_div(a: object, b: object) -> Q:
    return _q(a) / _q(b)  # type: ignore[no-any-return]  # ZeroDivisionError: a zero denominator


def _q_floordiv(a: object, b: object) -> Q:
    """Decimal's ``//``: the quotient truncated toward zero."""
    return Q(int(_q(a) / _q(b)))


def _q_mod(a: object, b: object) -> Q:
    """Decimal's ``%``: the remainder with the sign of ``a``."""
    x, y = _q(a), _q(b)
    if y == 0:
        raise ZeroDivisionError("modulo by zero")
    return x - y * int(x / y)  # type: ignore[no-any-return]


def _q_neg(a: object) -> Q:
    return -_q(a)


def _q_pos(a: object) -> Q:
    return _q(a)


def power_exponent(b: Decimal, e: Decimal) -> int:
    """The checks of ``b ** e`` (both paths): a whole exponent of at most 64, zero not to a
    negative power, a result of bounded size; the exponent as an int."""
    if not (b.is_finite() and e.is_finite()):
        raise EvaluationError(said(EVAL, "power_not_finite"))
    if e != e.to_integral_value(context=DECIMAL_CONTEXT):
        raise EvaluationError(said(EVAL, "power_not_whole", e=e))
    if e.copy_abs() > MAX_EXPONENT:  # copy_abs: no context, so no Overflow on huge values
        raise EvaluationError(said(EVAL, "power_exponent_big", max=MAX_EXPONENT, e=e))
    n = int(e)
    if b.is_zero():
        if n < 0:
            raise ZeroDenominatorError(said(EVAL, "zero_negative_power"))
    elif abs(n) * (abs(b.adjusted()) + 1) > MAX_POWER_DIGITS:
        raise EvaluationError(said(EVAL, "power_too_large", b=b, n=n))
    return n


MAX_EXPONENT = 64
"""Largest ``|exponent|`` ``**`` accepts."""
MAX_POWER_DIGITS = 1000
"""``**`` refuses results whose size could exceed about 10**±1000."""


def _q_pow(base: object, exponent: object) -> Q:
    b, e = _q(base), _q(exponent)
    n = power_exponent(_decimal_of(b), _decimal_of(e))
    if b == 0:
        return Q(1 if n == 0 else 0)
    return Q(Fraction.__pow__(b, n))


def _decimal_of(x: Q) -> Decimal:
    """A Decimal close to ``x`` (for the size checks of ``**`` only)."""
    return DECIMAL_CONTEXT.divide(Decimal(x.numerator), Decimal(x.denominator))


EXACT_OPS: dict[str, Callable[..., Any]] = {
    "add": _q_add,
    "sub": _q_sub,
    "mul": _q_mul,
    "div": _q_div,
    "floordiv": _q_floordiv,
    "mod": _q_mod,
    "pow": _q_pow,
    "neg": _q_neg,
    "pos": _q_pos,
}


# --- exact forms of the functions that compute ----------------------------------------------


def _numbers(args: tuple[object, ...]) -> list[Any]:
    if len(args) == 1 and isinstance(args[0], Series):
        return [_q(v) for v in args[0].values() if v is not None]
    return [_q(a) if a is not None else a for a in args]


def _ex_min(*args: object) -> Any:
    fn_min(*(_decimal_or(a) for a in args))  # the same checks and errors
    return min(_numbers(args))


def _ex_max(*args: object) -> Any:
    fn_max(*(_decimal_or(a) for a in args))
    return max(_numbers(args))


def _ex_abs(x: object) -> Any:
    fn_abs(_decimal_or(x))
    return abs(_q(x))


def _ex_clamp(x: object, lo: object, hi: object) -> Any:
    fn_clamp(_decimal_or(x), _decimal_or(lo), _decimal_or(hi))
    return min(max(_q(x), _q(lo)), _q(hi))


def _ex_round(x: object, places: object = 0) -> Any:
    fn_round(_decimal_or(x), _decimal_or(places))
    return Q(round_half_up_q(_q(x), int(_q(places))))


def _ex_sum(series: object) -> Any:
    fn_sum(_decimal_or(series))
    assert isinstance(series, Series)
    return sum((_q(v) for v in series.values() if v is not None), Q(0))


def _ex_mean(series: object) -> Any:
    fn_mean(_decimal_or(series))
    assert isinstance(series, Series)
    values = [_q(v) for v in series.values() if v is not None]
    return sum(values, Q(0)) / len(values)


def _ex_ratio_series(numerator: object, denominator: object) -> Series:
    fn_ratio_series(_decimal_or(numerator), _decimal_or(denominator))
    assert isinstance(numerator, Series) and isinstance(denominator, Series)
    years = sorted(set(numerator.years) | set(denominator.years))
    points: list[tuple[int, Any]] = []
    for y in years:
        a, b = numerator.get(y), denominator.get(y)
        points.append((y, None if a is None or b is None else _q(a) / _q(b)))
    return Series(tuple(points))


def _ex_composition_variance(*pairs: object) -> Series:
    """PEFA's composition variance with k = Σactual / Σbudget and every step exact (the fast
    form rounds k, each k × budget and the quotient at 28 digits: a variance of exactly 5 %
    came out 4.99…98 % and took the band below)."""
    checked = fn_composition_variance(*(_decimal_or(p) for p in pairs))  # checks and errors
    columns = [p for p in pairs if isinstance(p, Series)]
    points: list[tuple[int, Any]] = []
    for y, fast in checked.points:
        if fast is None:
            points.append((y, None))
            continue
        row = [_q(column.get(y)) for column in columns]
        budgets, actuals = row[0::2], row[1::2]
        total_budget, total_actual = sum(budgets, Q(0)), sum(actuals, Q(0))
        k = total_actual / total_budget
        deviation = sum((abs(a - b * k) for b, a in zip(budgets, actuals, strict=True)), Q(0))
        points.append((y, deviation / total_actual))
    return Series(tuple(points))


def _decimal_or(x: object) -> object:
    """A Q (or a series' Qs) as nearby Decimals (for the argument checks of the fast form)."""
    if isinstance(x, Fraction):
        return _decimal_of(_q(x))
    if isinstance(x, Series):
        return Series(tuple((y, _decimal_or(v)) for y, v in x.points))  # type: ignore[misc]
    return x


#: Functions whose fast form rounds or would refuse a Q, by name: their exact forms (the fast
#: form still runs first on nearby Decimals, for its checks and its errors).
EXACT_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": _ex_min,
    "max": _ex_max,
    "abs": _ex_abs,
    "clamp": _ex_clamp,
    "round": _ex_round,
    "sum": _ex_sum,
    "mean": _ex_mean,
    "ratio_series": _ex_ratio_series,
    "composition_variance": _ex_composition_variance,
}


def decimal_args(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Any other function (a plugin's), exactly around it: its Q arguments given as the Decimals
    they are — a Q that is no finite decimal (1/3) as the fast path gives it, rounded once —
    and a series' values likewise."""

    def call(*args: object) -> Any:
        return fn(*(_plugin_arg(a) for a in args))

    return call


def _plugin_arg(x: object) -> object:
    if isinstance(x, Fraction):
        try:
            return _as_decimal(x)
        except NotExact:  # 1/3: what the fast path computes (an error before #18's round 2)
            return ONCE.divide(Decimal(x.numerator), Decimal(x.denominator))
    if isinstance(x, Series) and any(isinstance(v, Fraction) for v in x.values()):
        return Series(tuple((y, _plugin_arg(v)) for y, v in x.points))  # type: ignore[misc]
    return x


def _as_decimal(x: Fraction) -> Decimal:
    d = x.denominator
    twos = (d & -d).bit_length() - 1
    rest = d >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        raise NotExact(f"{x} is not a finite decimal")
    k = max(twos, fives)
    return Decimal(x.numerator * (10**k // d)).scaleb(-k, _WIDE)


def round_half_up_q(x: Fraction, places: int) -> Decimal:
    """``x`` rounded half-up (away from zero on a half) to ``places`` decimals, exactly."""
    scaled = x * Fraction(10) ** places  # (a Fraction: places below 0 too, round(x, -1))
    a = abs(scaled)
    k = (2 * a.numerator + a.denominator) // (2 * a.denominator)
    sign = 1 if scaled < 0 else 0
    return Decimal((sign, tuple(int(c) for c in str(k)), -places))


# --- the exact view of a subject ----------------------------------------------------------

_UNSET = object()


class ExactScope(Mapping[str, Any]):
    """A subject's scope with exact values: numbers as :class:`Q`, and each metric whose value
    may be rounded (a full 28 digits) re-derived by its own compiled expression over exact
    operations (memoised); ``get`` as a Mapping's."""

    __slots__ = ("_cache", "_fast", "_metrics")

    def __init__(self, fast: Mapping[str, Any], metrics: Mapping[str, Any]) -> None:
        self._fast = fast
        self._metrics = metrics
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        v = self._cache.get(name, _UNSET)
        if v is not _UNSET:
            return v
        fast = self._fast[name]
        expr = self._metrics.get(name)
        # a metric that may be rounded is re-derived (any other value is exact as it is)
        v = exact_value(expr(self) if expr is not None and full(fast) else fast)
        self._cache[name] = v
        return v

    def __contains__(self, name: object) -> bool:
        return name in self._fast

    def __iter__(self) -> Iterator[str]:
        return iter(self._fast)

    def __len__(self) -> int:
        return len(self._fast)


def exact_value(v: Any) -> Any:
    """A finite Decimal as a Q; anything else unchanged."""
    if isinstance(v, Decimal) and v.is_finite():
        return _make(*v.as_integer_ratio())
    return v


#: 28 digits without the results' 1e100 limit: what a finding shows of an exact value that is
#: past it (1e98 below a line is 1e100 steps of 0.01 — the points are the floor all the same)
_SHOWN = Context(prec=28, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


def plain(v: Any) -> Any:
    """What a finding shows for a value of the exact path: a Q as its 28-digit Decimal."""
    if isinstance(v, Fraction):
        try:
            return DECIMAL_CONTEXT.divide(Decimal(v.numerator), Decimal(v.denominator))
        except Overflow:
            return _SHOWN.divide(Decimal(v.numerator), Decimal(v.denominator))
    if isinstance(v, Mapping):
        return {k: plain(x) for k, x in v.items()}
    return v


def exact_steps(beyond: Any, per: Decimal, up: bool) -> Decimal:
    """``ceil`` (``up``) or ``floor`` of ``beyond / per``, exactly."""
    if type(beyond) is Decimal:
        try:
            whole = _WIDE.divide_int(beyond, per)
            rest = _WIDE.remainder(beyond, per)
        except (Inexact, InvalidOperation):
            pass
        else:
            if rest and (rest > 0) == (per > 0) and up:
                whole = _WIDE.add(whole, 1)
            elif rest and (rest > 0) != (per > 0) and not up:
                whole = _WIDE.subtract(whole, 1)
            return whole
    q = _q(beyond) / _q(per)
    return Decimal(math.ceil(q) if up else math.floor(q))


def exact_quotient(a: Any, b: Any) -> Any:
    """``a / b`` exactly: a Decimal when it has at most 28 digits, else a :class:`Q`."""
    if type(a) is Decimal and type(b) is Decimal:
        try:
            return _EXACT28.divide(a, b)
        except (Inexact, InvalidOperation):
            pass
    return _q(a) / _q(b)


#: Where a result is rounded once: 28 digits, ROUND_05UP (never onto a last digit 0 or 5, so
#: never onto a number of at most 27 digits, a threshold or a half) — the expressions'
#: outermost operations too.
ONCE = Context(
    prec=DECIMAL_CONTEXT.prec,
    rounding=ROUND_05UP,
    Emin=DECIMAL_CONTEXT.Emin,
    Emax=DECIMAL_CONTEXT.Emax,
    capitals=1,
    clamp=0,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def share_of(got: Decimal, weight: Decimal, base: Decimal) -> Decimal:
    """``got × weight / base`` of exact decimals, rounded once."""
    try:
        return ONCE.divide(_WIDE.multiply(got, weight), base)
    except (Inexact, InvalidOperation):  # a product of more than 400 digits: exactly
        return _q(got) * weight / base  # type: ignore[no-any-return]


#: Relative error bound of a once-rounded value (< one unit of its 28th digit), doubled.
SLACK = Decimal("2e-27")
_EXACT28 = Context(prec=28, Emax=10**6, Emin=-(10**6), traps=[Inexact, InvalidOperation])


def exact_share(parts: Iterable[tuple[Any, Any]], total: Any) -> Q:
    """``Σ w × x / total`` exactly (coverage, a mean of shares), as a :class:`Q`: integer
    pairs added up, reduced once."""
    n, d = 0, 1
    for w, x in parts:
        wn, wd = _pair_of(w)
        xn, xd = _pair_of(x)
        pn, pd = wn * xn, wd * xd
        n, d = n * pd + pn * d, d * pd
    tn, td = _pair_of(total)
    if tn == 0:
        raise ZeroDivisionError("a share of nothing")
    return _make(n * td, d * tn)


def ratio(a: Decimal, b: Decimal) -> Q:
    """``a / b`` of two finite Decimals (``b`` not zero) as a :class:`Q`."""
    n, d = a.as_integer_ratio()
    m, e = b.as_integer_ratio()
    return _make(n * e, d * m)


def _pair_of(x: Any) -> tuple[int, int]:
    p = _pair(x)
    if p is None:
        raise TypeError(f"{x!r} is no finite number")
    return p


def exact_difference(a: Any, b: Any) -> Any:
    """``a − b`` exactly (a Decimal when it fits 400 digits, else a Q)."""
    if type(a) is not Decimal or type(b) is not Decimal:
        return _q(a) - _q(b)
    try:
        return _WIDE.subtract(a, b)
    except (Inexact, InvalidOperation):
        return _q(a) - _q(b)
