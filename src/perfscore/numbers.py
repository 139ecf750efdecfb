"""Exact numbers: rounding, display and JSON text.

Why Decimal: finance bureaus compare sums of 万元 amounts to the cent and ratios to a
published line (≥ 95%); binary floats put 0.95 a hair below itself.  Points are rounded
half-up (四舍五入, what Excel's ROUND does) to the rule set's ``places``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

__all__ = ["display", "json_number", "quantize", "round_half_up", "round_places"]

_Q = {p: Decimal(1).scaleb(-p) for p in range(0, 12)}
_CTX28 = Context(prec=28)


def round_half_up(x: Decimal, places: int) -> Decimal:
    """四舍五入 to ``places`` decimals (0.125 → 0.13); exact for numbers of any size."""
    if not x.is_finite():
        return x
    digits = max(28, x.adjusted() + places + 2)
    return x.quantize(_Q[places], rounding=ROUND_HALF_UP, context=Context(prec=digits))


quantize = round_half_up


def round_places(x: Decimal, places: int) -> Decimal:
    """:func:`round_half_up` for the hot paths: one shared context when 28 digits suffice.

    A quantize that does not fit 28 digits (or meets an infinity / signalling NaN) signals
    InvalidOperation (trapped) and takes :func:`round_half_up`; rounding does not depend on the
    precision otherwise, and a quiet NaN comes back unchanged either way."""
    try:
        return x.quantize(_Q[places], rounding=ROUND_HALF_UP, context=_CTX28)
    except InvalidOperation:
        return round_half_up(x, places)


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


def _is_cjk(unit: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in unit)


def display(x: object, unit: str | None = None, places: int = 2) -> str:
    """Human text for a value: ratios with unit ``%`` show as 99.44%, 3435.02万元, 182 件."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "是" if x else "否"
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
