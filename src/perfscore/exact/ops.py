"""The exact twins of what a compiled expression calls — its operations and the functions that
compute — so the same generated code re-derives a value over :class:`~.rational.Q` rationals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..errors import EvaluationError, ZeroDenominatorError
from ..functions import (
    DECIMAL_CONTEXT,
    fn_abs,
    fn_clamp,
    fn_coalesce,
    fn_composition_variance,
    fn_last,
    fn_max,
    fn_mean,
    fn_min,
    fn_ratio_series,
    fn_round,
    fn_sum,
    fn_year,
)
from ..numbers import NotExact
from ..values import Series
from ..words import EVAL, said
from .decide import _WIDE, ONCE
from .rational import Q, _q

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


def _ex_last(series: object, n: object) -> Any:
    """``last`` over the exact values: the fast form's window (its checks and errors), each
    year's value as it is — not rounded back to 28 digits, as a plug-in's arguments are (a
    mean of ``last(ratio_series(…), 2)`` summed the cut quotients: 96.145 fell to 96.14)."""
    window = fn_last(_decimal_or(series), _decimal_or(n))
    assert isinstance(series, Series)
    return series.last(len(window.points)) if window.points else window


def _ex_year(series: object, y: object) -> Any:
    """``year`` over the exact values (the fast form decides the year and its errors)."""
    if fn_year(_decimal_or(series), _decimal_or(y)) is None:
        return None
    assert isinstance(series, Series)
    return series.get(int(_q(y)))


def _ex_coalesce(x: object, default: object) -> object:
    """``coalesce`` passing an exact value through as it is."""
    fn_coalesce(_decimal_or(x), _decimal_or(default))
    return default if x is None else x


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
    "last": _ex_last,
    "year": _ex_year,
    "coalesce": _ex_coalesce,
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
