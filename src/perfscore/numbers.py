"""Exact numbers: rounding, display and JSON text.

Why Decimal: finance bureaus compare sums of 万元 amounts to the cent and ratios to a
published line (≥ 95%); binary floats put 0.95 a hair below itself.  Points are rounded
half-up (四舍五入, what Excel's ROUND does) to the rule set's ``places``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
)
from fractions import Fraction
from typing import Any

from .words import DEFAULT_LANG, VALUES

__all__ = [
    "EXACT_DIGITS",
    "LITERAL_MAX_ADJUSTED",
    "LITERAL_MAX_DIGITS",
    "LITERAL_MAX_PLACES",
    "RESULT_MAX_ADJUSTED",
    "NotExact",
    "display",
    "exact_text",
    "json_number",
    "literal_problem",
    "numbers_out_of_range",
    "quantize",
    "round_half_up",
    "round_once",
    "round_places",
    "short_number",
]

# --- the declared range of numbers --------------------------------------------------------
#: A number written in a rule set (a literal in an expression, a weight, a target, a band edge,
#: points, a function's argument) must be finite, smaller than 10**19 in size, have at most
#: 18 decimal places and at most 28 significant digits (trailing zeros do not count).
LITERAL_MAX_ADJUSTED = 18
LITERAL_MAX_PLACES = 18
LITERAL_MAX_DIGITS = 28
#: Results of arithmetic stay below 10**100 (the expression context's Emax); larger results
#: are an ``error`` finding ("number too large"), never a 100-megabyte number in a report.
RESULT_MAX_ADJUSTED = 99


_SHORT = Context(prec=6, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


def short_number(x: object, limit: int = 24) -> str:
    """A number's text for a message, cut to ``limit`` characters (a literal may be huge)."""
    text = str(x)
    if len(text) <= limit:
        return text
    if isinstance(x, Decimal) and x.is_finite():
        approx = _SHORT.create_decimal(x)
        if approx.is_finite():  # (a literal's exponent may be beyond any context's range)
            return f"{approx.normalize(_SHORT)}{'' if approx == x else '…'}"
    return f"{text[: limit - 1]}…"


def literal_problem(x: object) -> str | None:
    """Why ``x`` (a Decimal or int from a rule set) is outside the declared range, or None."""
    if isinstance(x, bool) or not isinstance(x, (Decimal, int)):
        return None
    if isinstance(x, int):
        if x.bit_length() > 70:  # cheaper than making a Decimal of a huge int
            return f"number {short_number(x)} is too large (at most 19 digits before the point)"
        x = Decimal(x)
    if not x.is_finite():
        return f"{x} is not a number a rule set may use (it must be finite)"
    if x.is_zero():
        return None
    sign, digits, exponent = x.as_tuple()
    assert isinstance(exponent, int)
    trailing = len(digits) - len(bytes(digits).rstrip(b"\0")) if digits[-1] == 0 else 0
    significant = len(digits) - trailing
    exponent += trailing
    if x.adjusted() > LITERAL_MAX_ADJUSTED:
        return (
            f"number {short_number(x)} is too large "
            f"(a rule set's numbers must be below 1e{LITERAL_MAX_ADJUSTED + 1})"
        )
    if -exponent > LITERAL_MAX_PLACES:
        return (
            f"number {short_number(x)} has too many decimal places (at most {LITERAL_MAX_PLACES})"
        )
    if significant > LITERAL_MAX_DIGITS:
        return (
            f"number {short_number(x)} has too many digits "
            f"(at most {LITERAL_MAX_DIGITS} significant digits)"
        )
    del sign
    return None


def numbers_out_of_range(
    data: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every number in loaded YAML data outside the declared range, with its path."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, path)]
    while stack:
        value, at = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, (*at, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*at, i)) for i, v in enumerate(value))
        elif isinstance(value, (Decimal, int)):
            problem = literal_problem(value)
            if problem is not None:
                yield at, problem


_Q = {p: Decimal(1).scaleb(-p) for p in range(0, 13)}
_CTX28 = Context(prec=28)


def round_half_up(x: Decimal, places: int) -> Decimal:
    """四舍五入 to ``places`` decimals (0.125 → 0.13); exact for numbers of any size."""
    if not x.is_finite():
        return x
    digits = max(28, x.adjusted() + places + 2)
    ctx = _CTX28 if digits == 28 else Context(prec=digits)  # the same context: made once
    return x.quantize(_Q[places], ROUND_HALF_UP, ctx)


quantize = round_half_up


class NotExact(ArithmeticError):
    """A fast decision that its 28-digit numbers cannot certify (a computed value within its
    error bound of a half, two rounded values side by side): the caller re-derives it exactly
    (:mod:`perfscore.exact`)."""


_HALF = {p: Decimal(5).scaleb(-p - 1) for p in range(0, 13)}
_SIEVE = {p: Decimal(45).scaleb(-p - 2) for p in range(0, 13)}
_SUBTRACT = _CTX28.subtract
#: Computed points carry at most a few roundings of 28 digits: a value further than this share
#: of itself from a half rounds as the exact value does.
_WINDOW = Decimal("1e-25")
_TINY = Decimal("1e-120")


def round_places(x: Decimal | Fraction, places: int, slack: Decimal | None = None) -> Decimal:
    """:func:`round_half_up` for the hot paths: one shared context when 28 digits suffice.

    A quantize that does not fit 28 digits (or meets an infinity / signalling NaN) signals
    InvalidOperation (trapped) and takes :func:`round_half_up`; rounding does not depend on the
    precision otherwise, and a quiet NaN comes back unchanged either way.

    Exact rounding decisions: an exact rational (a :class:`fractions.Fraction`, from the exact
    path) is rounded exactly.  A Decimal with fewer than 28 significant digits is exact (a
    rounded 28-digit result has all 28), so it rounds as it is.  A full-length one may be a
    rounded result a few units of its last digit from the exact value: within ``1e-25`` of
    itself (plus ``slack``, the caller's bound on how far ``x`` may be from the exact value,
    when it has one) from a half it raises :class:`NotExact` (the caller re-derives it
    exactly).  A rational given a ``slack`` was computed from such a value: within ``slack``
    of a half it raises :class:`NotExact` too."""
    q = _Q[places]
    d: Decimal = x  # type: ignore[assignment]  # a Fraction has no quantize: handled below
    try:
        # positional arguments: quantize's keyword parsing costs more than the rounding itself
        y = d.quantize(q, ROUND_HALF_UP, _CTX28)
    except AttributeError:  # an exact rational (no type test on the hot path)
        assert isinstance(x, Fraction)
        if slack is not None:  # exact arithmetic on an operand that may itself be rounded
            scaled = abs(x) * 10**places
            gap = abs(scaled - scaled.numerator // scaled.denominator - Fraction(1, 2))
            if gap <= Fraction(slack) * 10**places:
                raise NotExact(f"{x} is within {slack} of a half") from None
        return _round_fraction(x, places)
    except InvalidOperation:
        if d.is_finite() and len(d.as_tuple().digits) == 28:  # maybe rounded
            raise NotExact(f"{d} may be rounded beyond {places} places") from None
        return round_half_up(d, places)
    # The sieve: d further than a twentieth of a step from a half (|d − y| below 0.45 of a
    # step; the difference is exact: no more digits than d) rounds as any value that near it
    # does; only the others are looked at closely.
    r = _SUBTRACT(d, y)
    if r:
        sieve = _SIEVE[places]
        if -sieve < r < sieve:
            return y
    else:
        # fewer decimals than ``places``: exact, unless it is a full-length (maybe rounded)
        # number so large that its last digit lies left of ``places``
        if d.adjusted() < 27 - places or len(d.as_tuple().digits) < 28:
            return y
        raise NotExact(f"{d} may be rounded beyond {places} places")
    if slack is None and len(d.as_tuple().digits) < 28 and d.adjusted() >= -99:
        return y  # exact: rounded as it is
    gap = abs(_CTX28.subtract(abs(_CTX28.subtract(d, y)), _HALF[places]))
    if gap > _CTX28.multiply(abs(d), _WINDOW) + _TINY + (slack or 0):
        return y
    raise NotExact(f"{d} is too close to a half to round at 28 digits")


def round_once(x: Decimal | Fraction, places: int) -> Decimal:
    """Half-up rounding of a value that is exact or rounded once with ROUND_05UP (group points,
    the total): such a value is never on a half, nor within a unit of its last digit of one
    the exact value is not, so rounding it as it is decides as the exact value does
    (:mod:`perfscore.exact`).  Also what a coverage share (a reported figure) is rounded with;
    an exact rational is rounded exactly."""
    if x.__class__ is not Decimal and isinstance(x, Fraction):  # (no exception: cheaper)
        return _round_fraction(x, places)
    d: Decimal = x
    try:
        return d.quantize(_Q[places], ROUND_HALF_UP, _CTX28)
    except InvalidOperation:
        return round_half_up(d, places)


def _round_fraction(x: Fraction, places: int) -> Decimal:
    """``x`` rounded half-up (away from zero on a half) to ``places`` decimals, exactly (in
    integers: no rational arithmetic)."""
    n, d = x.numerator, x.denominator
    k = (2 * abs(n) * 10**places + d) // (2 * d)
    return Decimal(f"{'-' if n < 0 else ''}{k}E-{places}")  # (a digit tuple parses slower)


def json_number(x: Decimal, places: int = 10) -> str:
    """Plain decimal text for JSON (never exponent notation); at most ``places`` decimals."""
    if not x.is_finite():
        raise ValueError(f"{x} cannot be written as a JSON number")
    if x.as_tuple().exponent < -places:  # type: ignore[operator]
        x = round_half_up(x, places)
    text = format(x, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


#: Decimals an explanation writes before it rounds (and marks the number with "≈").
EXACT_DIGITS = 10


_EXACT_TEXT: dict[Decimal, str] = {}


def exact_text(x: Decimal, digits: int = EXACT_DIGITS) -> str:
    """The exact value as plain text (``873.5``, ``0.0765``), the way an auditor would write it:
    no exponent, no trailing zeros; a value with more than ``digits`` decimals (a quotient
    such as 1 ÷ 3) is shown rounded to ``digits`` decimals after "≈"."""
    if digits == EXACT_DIGITS and x.is_finite():  # memoised: the text depends only on the value
        text = _EXACT_TEXT.get(x)
        if text is None:
            if len(_EXACT_TEXT) > 8192:
                _EXACT_TEXT.clear()
            text = _EXACT_TEXT[x] = _exact_text(x, digits)
        return text
    return _exact_text(x, digits)


def _exact_text(x: Decimal, digits: int) -> str:
    if not x.is_finite():
        return str(x)
    exponent = x.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -digits:
        y = round_half_up(x, digits)
        if y != x:
            return "≈" + json_number(y, digits)
    return json_number(x, max(digits, -exponent))


def is_cjk(unit: str) -> bool:
    """Whether a unit begins in Chinese, then written right after its number (3435.02万元,
    85.89元/人); any other after a space (182 kg, ``0 1/10万``: glued, a unit that begins with a
    digit would change the figure — ``0`` in 1/10万 read ``01/10万``)."""
    return bool(unit) and ord(unit[0]) > 0x2E7F


def display(x: object, unit: str | None = None, places: int = 2) -> str:
    """Human text for a value: ratios with unit ``%`` show as 99.44%, 3435.02万元, 182 件."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return VALUES[DEFAULT_LANG]["true" if x else "false"]
    if isinstance(x, Decimal):
        if unit == "%":
            return f"{json_number(round_half_up(x * 100, places))}%"
        text = json_number(round_half_up(x, max(places, 2)) if x != x.to_integral_value() else x)
        if not unit:
            return text
        return f"{text}{unit}" if is_cjk(unit) else f"{text} {unit}"
    points = getattr(x, "points", None)
    if isinstance(points, tuple):  # a Series: values per year
        return "; ".join(f"{y}: {display(v, unit, places)}" for y, v in points)
    return str(x)
