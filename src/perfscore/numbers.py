"""Exact numbers: rounding, display and JSON text.

Why Decimal: finance bureaus compare sums of 万元 amounts to the cent and ratios to a
published line (≥ 95%); binary floats put 0.95 a hair below itself.  Points are rounded
half-up (四舍五入, what Excel's ROUND does) to the rule set's ``places``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from .words import DEFAULT_LANG, VALUES

__all__ = [
    "EXACT_DIGITS",
    "LITERAL_MAX_ADJUSTED",
    "LITERAL_MAX_DIGITS",
    "LITERAL_MAX_PLACES",
    "RESULT_MAX_ADJUSTED",
    "display",
    "exact_text",
    "json_number",
    "literal_problem",
    "numbers_out_of_range",
    "quantize",
    "round_half_up",
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


_HALF = {p: Decimal(5).scaleb(-p - 1) for p in range(0, 12)}
_NEAR = {p: Decimal(45).scaleb(-p - 2) for p in range(0, 12)}  # 0.9 of a half: a cheap sieve
#: A 28-digit result within this many units of its last digit below a half is the half.
GUARD_DIGITS = 4


def round_places(x: Decimal, places: int) -> Decimal:
    """:func:`round_half_up` for the hot paths: one shared context when 28 digits suffice.

    A quantize that does not fit 28 digits (or meets an infinity / signalling NaN) signals
    InvalidOperation (trapped) and takes :func:`round_half_up`; rounding does not depend on the
    precision otherwise, and a quiet NaN comes back unchanged either way.

    Exact rounding decisions: expressions compute at 28 significant digits, so a result whose
    exact (rational) value is a half — 3 × 13.51 / (14 / 1) = 2.895 by way of a metric —
    can arrive as 2.894999…9 and would round down.  A result with a full 28-digit coefficient
    (the mark of a rounded quotient) that lies less than 10**GUARD_DIGITS units of its last
    digit below a half is rounded as the half.  That is the exact answer whenever the exact
    value's denominator q satisfies q · 2·10**places < 10**(27 − GUARD_DIGITS) / |x|: two
    different rationals with those denominators are further apart than the tolerance, so the
    exact value *is* the half (money and ratios with a few decimals divided by each other
    stay far inside that bound)."""
    q = _Q[places]
    try:
        # positional arguments: quantize's keyword parsing costs more than the rounding itself
        y = x.quantize(q, ROUND_HALF_UP, _CTX28)
    except InvalidOperation:
        return round_half_up(x, places)
    if y == x:
        return y
    # The sieve: x is within 0.1 of a half-step below a half exactly when rounding it half-up
    # one place further lands on that half, which then rounds away from y.  Two quantizes cost
    # less than a context subtraction, an abs and two comparisons; the rest (a tenth of the
    # values at most) is decided as before.
    try:
        w = x.quantize(_Q[places + 1], ROUND_HALF_UP, _CTX28).quantize(q, ROUND_HALF_UP, _CTX28)
    except InvalidOperation:  # one more digit than 28: no sieve
        w = None
    if w == y:
        return y
    d = abs(_CTX28.subtract(x, y))
    if d < _NEAR[places] or d >= _HALF[places]:
        return y
    return _near_half(x, y, d, places)


def _near_half(x: Decimal, y: Decimal, d: Decimal, places: int) -> Decimal:
    """``y`` (``x`` rounded half-up), or one step away from zero when ``x`` is a rounded half."""
    if abs(y) > abs(x):  # already rounded away from zero
        return y
    digits = x.as_tuple().digits
    if len(digits) < _CTX28.prec:  # not a rounded result: the value is what it says
        return y
    ulp = Decimal(1).scaleb(x.adjusted() - _CTX28.prec + 1)
    if _HALF[places] - d >= ulp.scaleb(GUARD_DIGITS):
        return y
    step = _Q[places]
    return _CTX28.add(y, step if x > 0 else -step)


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


def _is_cjk(unit: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in unit)


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
        return f"{text}{unit}" if _is_cjk(unit) else f"{text} {unit}"
    points = getattr(x, "points", None)
    if isinstance(points, tuple):  # a Series: values per year
        return "; ".join(f"{y}: {display(v, unit, places)}" for y, v in points)
    return str(x)
