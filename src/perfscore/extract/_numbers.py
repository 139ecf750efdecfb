"""Numbers as reports write them: Arabic digits with separators, and Chinese numerals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["CN_DIGITS", "parse_chinese_numeral", "parse_number", "tidy"]

CN_DIGITS = "零〇一二两三四五六七八九"
_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9}  # fmt: skip
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG_UNIT = {"万": 10_000, "亿": 100_000_000}


def parse_chinese_numeral(text: str) -> int:
    """``十`` → 10, ``二十三`` → 23, ``一百零五`` → 105, ``两千`` → 2000, ``三万`` → 30000.

    Digit-by-digit writing (``二〇二三`` → 2023) is accepted too.  ValueError otherwise.
    """
    if not text:
        raise ValueError("empty numeral")
    if all(ch in _DIGIT for ch in text):
        if len(text) == 1:
            return _DIGIT[text]
        return int("".join(str(_DIGIT[ch]) for ch in text))
    total = section = digit = 0
    seen_digit = False
    for ch in text:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
            seen_digit = True
        elif ch in _SMALL_UNIT:
            section += (digit if seen_digit else 1) * _SMALL_UNIT[ch]
            digit, seen_digit = 0, False
        elif ch in _BIG_UNIT:
            total += (section + digit) * _BIG_UNIT[ch]
            section = digit = 0
            seen_digit = False
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + section + digit


def parse_number(text: str) -> Decimal:
    """A number as matched in (NFKC-normalised) report text: ``3,435.02``, ``99.4``, ``二十三``."""
    cleaned = text.replace(",", "").replace(" ", "").strip()
    if cleaned[:1] in _DIGIT or cleaned[:1] in _SMALL_UNIT:
        return Decimal(parse_chinese_numeral(cleaned))
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a number: {text!r}")
    return value


def tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros and exponents that conversions introduce: ``12856.0000`` → ``12856``."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
