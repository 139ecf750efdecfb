"""The functions rule expressions may call: the built-ins, and :data:`DEFAULT_FUNCTIONS`, the one
registry of the functions every rule set sees.

The built-ins are registered first and sealed (a built-in name is never replaced or removed);
plugins add theirs (entry point group ``perfscore.functions``, or
:func:`perfscore.plugins.register_function`), first come, first served.  A rule set compiled
with its own functions gets them from a ``copy()``.  What may be registered, and the check of
what a function that is not perfscore's own returns, are in :mod:`perfscore.callables` (the
names are re-exported here).

All numeric functions take and return :class:`~decimal.Decimal` and compute in
:data:`DECIMAL_CONTEXT`, never in the caller's thread context, so results do not depend on who
called.  ``sum``, ``min``, ``max`` and ``count`` skip missing years (``None``); ``mean`` refuses
them (a 3-year mean over 2 years would pass silently), and ``last(s, n)`` is the ``n`` calendar
years up to the latest one, missing years included.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

from perfscore.callables import (
    Function,
    FunctionRegistry,
    MissingArgumentError,
    callable_for,
    check_function,
)
from perfscore.errors import EvaluationError, ZeroDenominatorError
from perfscore.numbers import LITERAL_MAX_ADJUSTED, RESULT_MAX_ADJUSTED, short_number
from perfscore.values import Series
from perfscore.words import EVAL, Bilingual, said

__all__ = [
    "DECIMAL_CONTEXT",
    "DEFAULT_FUNCTIONS",
    "Function",
    "FunctionRegistry",
    "MissingArgumentError",
    "callable_for",
    "check_function",
]


#: The one decimal context expressions compute in: 28 digits like Python's default context, but
#: private (a caller changing ``decimal.getcontext()`` cannot change a score) and bounded —
#: a result of 1e100 or more is ``Overflow`` (an error finding: "number too large"), so no
#: finding ever holds a number wider than about a hundred digits; results below 1e-99 round
#: to zero.
DECIMAL_CONTEXT = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-RESULT_MAX_ADJUSTED,
    Emax=RESULT_MAX_ADJUSTED,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

#: The largest ``n`` of ``last(series, n)`` (a series holds one value per year).
MAX_YEARS = 9999


# --- argument checks ------------------------------------------------------------------------


def _type_word(value: object) -> Bilingual:
    if isinstance(value, bool):
        return said(EVAL, "type_boolean")
    if isinstance(value, str):
        return said(EVAL, "type_text")
    if isinstance(value, Series):
        return said(EVAL, "type_series")
    return said(EVAL, "type_other", name=type(value).__name__)


def _number(value: object, fn: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if value is None:
        raise MissingArgumentError(said(EVAL, "fn_missing", fn=fn))
    raise TypeError(said(EVAL, "fn_number", fn=fn, kind=_type_word(value)))


def _whole(value: object, fn: str, what: str, low: int, high: int) -> int:
    """A whole-number argument in ``low..high``; checked before ``int()`` (a huge Decimal would
    take minutes to turn into an int).  ``what``: the argument's words' key (written only for
    an error: said per call, they cost more than the check)."""
    number = _number(value, fn)
    if not number.is_finite() or (
        number.adjusted() <= LITERAL_MAX_ADJUSTED and number != number.to_integral_value()
    ):
        got = short_number(number)
        said_what = said(EVAL, what)
        raise EvaluationError(said(EVAL, "fn_not_whole", fn=fn, what=said_what, got=got))
    if number.adjusted() > LITERAL_MAX_ADJUSTED or not low <= int(number) <= high:
        got = short_number(number)
        said_what = said(EVAL, what)
        raise EvaluationError(
            said(EVAL, "fn_range", fn=fn, what=said_what, low=low, high=high, got=got)
        )
    return int(number)


#: a year argument already checked (a rule writes a few): its whole number
_YEARS: dict[Decimal, int] = {}


def _series(value: object, fn: str) -> Series:
    if isinstance(value, Series):
        return value
    if value is None:
        raise MissingArgumentError(said(EVAL, "fn_missing", fn=fn))
    raise TypeError(said(EVAL, "fn_series", fn=fn, kind=_type_word(value)))


def _present(series: Series) -> list[Decimal]:
    return [v for v in series.values() if v is not None]


# --- the default functions ------------------------------------------------------------------

#: Every function rule expressions may call: the built-ins below (sealed) and plugins'.
DEFAULT_FUNCTIONS = FunctionRegistry(group="perfscore.functions")
_register = DEFAULT_FUNCTIONS.register


def _extreme(name: str, pick: Callable[..., Decimal], args: tuple[object, ...]) -> Decimal:
    if len(args) == 1 and isinstance(args[0], Series):
        values = _present(args[0])
        if not values:
            raise EvaluationError(said(EVAL, "fn_empty", fn=name))
        return pick(values)
    return pick([_number(a, name) for a in args])


@_register("min", min_args=1, max_args=None)
def fn_min(*args: object) -> Decimal:
    """Smallest of the numbers (or of a series' present values)."""
    if len(args) == 2:  # the hot case, e.g. min(10, max(0, ...)): skip the generic checks
        a, b = args
        if type(a) is Decimal and type(b) is Decimal:
            return b if b < a else a  # same tie-break as builtin min
    return _extreme("min", min, args)


@_register("max", min_args=1, max_args=None)
def fn_max(*args: object) -> Decimal:
    """Largest of the numbers (or of a series' present values)."""
    if len(args) == 2:
        a, b = args
        if type(a) is Decimal and type(b) is Decimal:
            return b if b > a else a  # same tie-break as builtin max
    return _extreme("max", max, args)


@_register("abs", min_args=1, max_args=1)
def fn_abs(x: object) -> Decimal:
    """Absolute value."""
    return DECIMAL_CONTEXT.abs(_number(x, "abs"))


#: ``round``'s quantum by its places, every whole number it accepts (a Decimal or an int
#: key: equal numbers hash alike, so ``2``, ``2.0`` and ``-0`` find theirs)
_ROUND_QUANTUM: dict[Decimal | int, Decimal] = {
    Decimal(k): Decimal(1).scaleb(-k)
    for k in range(-DECIMAL_CONTEXT.prec, DECIMAL_CONTEXT.prec + 1)
}


@_register("round", min_args=1, max_args=2)
def fn_round(x: object, places: object = 0) -> Decimal:
    """Round half up (四舍五入) to ``places`` decimals: round(0.125, 2) = 0.13, round(-2.5) = -3."""
    number = _number(x, "round")
    # the places a rule writes (0, 2): its quantum looked up (not a bool: _whole refuses it)
    quantum = None
    if places.__class__ is Decimal or places.__class__ is int:
        try:  # noqa: SIM105 - (contextlib.suppress costs more than the rounding)
            quantum = _ROUND_QUANTUM.get(places)
        except TypeError:  # a signalling NaN cannot be hashed: _whole says what it is
            pass
    if quantum is None:
        digits = _whole(places, "round", "what_places", -DECIMAL_CONTEXT.prec, DECIMAL_CONTEXT.prec)
        quantum = _ROUND_QUANTUM[digits]
    try:
        # positional arguments: quantize's keyword parsing costs more than the rounding
        return number.quantize(quantum, ROUND_HALF_UP, DECIMAL_CONTEXT)
    except InvalidOperation as exc:
        digits = -quantum.adjusted()
        raise EvaluationError(said(EVAL, "round_too_large", number=number, digits=digits)) from exc


@_register("clamp", min_args=3, max_args=3)
def fn_clamp(x: object, lo: object, hi: object) -> Decimal:
    """``x`` limited to the range lo..hi (inclusive)."""
    number, low, high = _number(x, "clamp"), _number(lo, "clamp"), _number(hi, "clamp")
    if low > high:
        raise EvaluationError(said(EVAL, "clamp_bounds", low=low, high=high))
    return min(max(number, low), high)


@_register("sum", min_args=1, max_args=1)
def fn_sum(series: object) -> Decimal:
    """Sum of a series' present values (0 when none)."""
    total = Decimal(0)
    for value in _present(_series(series, "sum")):
        total = DECIMAL_CONTEXT.add(total, value)
    return total


@_register("mean", min_args=1, max_args=1)
def fn_mean(series: object) -> Decimal:
    """Mean over every year of a series; a year without a value is an error (the mean would
    quietly cover fewer years); no years at all is a zero denominator."""
    data = _series(series, "mean")
    values = _present(data)
    if not values:
        raise ZeroDenominatorError(said(EVAL, "fn_empty", fn="mean"))
    gaps = data.missing_years()
    if gaps:
        years = ", ".join(map(str, gaps))
        raise EvaluationError(said(EVAL, "mean_gap", years=years, size=len(data), have=len(values)))
    total = Decimal(0)
    for value in values:
        total = DECIMAL_CONTEXT.add(total, value)
    return DECIMAL_CONTEXT.divide(total, len(values))


@_register("count", min_args=1, max_args=1)
def fn_count(series: object) -> Decimal:
    """Number of years with a value (missing years are not counted)."""
    return Decimal(len(_present(_series(series, "count"))))


@_register("last", min_args=2, max_args=2, returns="series")
def fn_last(series: object, n: object) -> Series:
    """The ``n`` calendar years ending with the series' latest year; years the data does not
    give are kept empty (so ``mean`` refuses them instead of averaging fewer years)."""
    data = _series(series, "last")
    return data.last(_whole(n, "last", "what_n", 0, MAX_YEARS))


@_register("year", min_args=2, max_args=2)
def fn_year(series: object, y: object) -> Decimal | None:
    """A series' value for year ``y`` (missing when the year has no value)."""
    data = _series(series, "year")
    year = _YEARS.get(y) if isinstance(y, Decimal) and y.is_finite() else None
    if year is None:
        year = _whole(y, "year", "what_year", 1, 9999)
        if isinstance(y, Decimal):  # (a whole year in range: at most 9,999 of them)
            _YEARS[y] = year
    return data.get(year)


@_register("count_within", min_args=3, max_args=3)
def fn_count_within(series: object, lo: object, hi: object) -> Decimal:
    """How many present values lie in lo..hi, both ends included."""
    data = _series(series, "count_within")
    low, high = _number(lo, "count_within"), _number(hi, "count_within")
    return Decimal(sum(1 for v in _present(data) if low <= v <= high))


@_register("count_below", min_args=2, max_args=2)
def fn_count_below(series: object, x: object) -> Decimal:
    """How many present values are strictly below ``x``."""
    data, limit = _series(series, "count_below"), _number(x, "count_below")
    return Decimal(sum(1 for v in _present(data) if v < limit))


@_register("count_above", min_args=2, max_args=2)
def fn_count_above(series: object, x: object) -> Decimal:
    """How many present values are strictly above ``x``."""
    data, limit = _series(series, "count_above"), _number(x, "count_above")
    return Decimal(sum(1 for v in _present(data) if v > limit))


@_register("is_missing", min_args=1, max_args=1, returns="boolean")
def fn_is_missing(x: object) -> bool:
    """True when the value is missing (an optional field left empty)."""
    return x is None


@_register("coalesce", min_args=2, max_args=2, returns="any")
def fn_coalesce(x: object, default: object) -> object:
    """``x``, or ``default`` when ``x`` is missing."""
    return default if x is None else x


# --- per-year fiscal series (PEFA PI-1, PI-2, PI-3) ----------------------------------------


def _divide(numerator: Decimal, denominator: Decimal, what: str) -> Decimal:
    if denominator == 0:
        raise ZeroDenominatorError(said(EVAL, "denominator_zero", what=what))
    return DECIMAL_CONTEXT.divide(numerator, denominator)


@_register("ratio_series", min_args=2, max_args=2, returns="series")
def fn_ratio_series(numerator: object, denominator: object) -> Series:
    """Per-year numerator / denominator (outturn / budget); a year missing either side is empty."""
    top, bottom = _series(numerator, "ratio_series"), _series(denominator, "ratio_series")
    years = sorted(set(top.years) | set(bottom.years))
    points: list[tuple[int, Decimal | None]] = []
    for y in years:
        a, b = top.get(y), bottom.get(y)
        points.append((y, None if a is None or b is None else _divide(a, b, f"ratio_series {y}")))
    return Series(tuple(points))


@_register("composition_variance", min_args=2, max_args=None, returns="series")
def fn_composition_variance(*pairs: object) -> Series:
    """PEFA per-year composition variance from (budget, actual) series per category."""
    if len(pairs) % 2:
        raise EvaluationError(said(EVAL, "pairs"))
    columns = [_series(s, "composition_variance") for s in pairs]
    years = sorted({y for column in columns for y in column.years})
    points: list[tuple[int, Decimal | None]] = []
    ctx = DECIMAL_CONTEXT
    for y in years:
        got = [column.get(y) for column in columns]
        row = [v for v in got if v is not None]
        if len(row) < len(got):
            points.append((y, None))  # a category without a figure: no variance that year
            continue
        budgets, actuals = row[0::2], row[1::2]
        total_budget, total_actual = Decimal(0), Decimal(0)
        for b, a in zip(budgets, actuals, strict=True):
            total_budget, total_actual = ctx.add(total_budget, b), ctx.add(total_actual, a)
        k = _divide(total_actual, total_budget, f"composition_variance {y}: total budget")
        deviation = Decimal(0)
        for b, a in zip(budgets, actuals, strict=True):
            deviation = ctx.add(deviation, ctx.abs(ctx.subtract(a, ctx.multiply(b, k))))
        variance = _divide(deviation, total_actual, f"composition_variance {y}: total actual")
        points.append((y, variance))
    return Series(tuple(points))


DEFAULT_FUNCTIONS.seal()  # the built-ins: plugins may add names, never replace these
