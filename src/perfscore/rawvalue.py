"""One raw value from a subject record, read the way departments write it: described in words
for a message, or read as an exact number (full-width digits, thousands separators, a trailing
unit equal to the declared one, a percentage where one is expected).

Shared by :mod:`perfscore.subjects` (values) and :mod:`perfscore.declared` (the department's
own claims), so neither imports the other.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from .words import DATA, RAW, Bilingual, said

__all__ = [
    "BLANK_TEXTS",
    "MAX_EXPONENT",
    "MIN_EXPONENT",
    "MONEY_UNITS",
    "ambiguous_percent",
    "checked",
    "describe",
    "describe_zh",
    "is_blank_text",
    "plain_number",
    "problem",
    "read_number",
    "to_number",
]

#: digits grouped in thousands: a first group of 1-3 digits, then groups of exactly three, each
#: after one separator — a comma, or a space (after NFKC: a no-break, narrow or thin space too)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_SPACED_THOUSANDS = re.compile(r"^\d{1,3}( \d{3})+(\.\d*)?$")
#: a number at the start of text holding a space: its sign, its digits (with any spaces among
#: them) and what follows (a unit, ``%``)
_SPACED = re.compile(r"^([+-]?) *([\d.,][\d., ]*(?:[eE] *[+-]? *[\d ]+)?)(.*)$")
#: A number and what follows it (a unit, ``%``), after NFKC and without spaces.
_NUMBER_UNIT = re.compile(r"^([+-]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([^\d.,].*)?$")
#: Beyond 10^15 (a thousand trillion 万元) a figure is a data-entry error, not a budget:
#: 10^15 itself is read, anything larger in size is refused (docs/data.md).
MAX_EXPONENT = 15
_LIMIT = Decimal(10) ** MAX_EXPONENT
#: a number nearer zero than 10^-MIN_EXPONENT (but not zero) is refused: no budget figure is,
#: and exact arithmetic on a figure like ``1e-1000000`` (9 characters) costs time quadratic in
#: its exponent (a batch hung on one cell).  Every binary float is above it (≥ 4.9e-324), so a
#: float cell is never refused for it, on the record path or by columns.
MIN_EXPONENT = 400
#: Money units and their size in 元: a figure in one is converted exactly to the input's unit.
MONEY_UNITS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10_000),
    "百万元": Decimal(1_000_000),
    "亿元": Decimal(100_000_000),
}
#: A blank written as text (after NFKC and trimming): nothing, a dash or a slash.  The same in
#: every format and every field — a cell of a workbook, a CSV field, a JSON or YAML value — and
#: read as no value at all (the input's default, else missing data), never as zero.
BLANK_TEXTS = frozenset({"", "-", "--", "—", "——", "–", "/"})
_HUNDRED = Decimal(100)


def is_blank_text(raw: object) -> bool:
    """``raw`` is text that says "nothing here" (:data:`BLANK_TEXTS`; whitespace only too)."""
    if not isinstance(raw, str):
        return False
    text = raw.strip()
    return len(text) <= 2 and unicodedata.normalize("NFKC", text).strip() in BLANK_TEXTS


def describe(raw: object, lang: str = "en") -> str:
    """What a raw value is, for a message: ``text 'abc'``, ``nothing``, ``a list`` (words.RAW)."""
    w = RAW[lang]
    if raw is None:
        return w["nothing"]
    if isinstance(raw, bool):
        return w["true"] if raw else w["false"]
    if isinstance(raw, str):
        return w["text"].format(text=repr(raw))
    if isinstance(raw, (list, tuple)):
        return w["list"]
    if isinstance(raw, Mapping):
        return w["mapping"]
    if isinstance(raw, (int, float)):
        return repr(raw)
    if isinstance(raw, Decimal):
        return str(raw)
    if isinstance(raw, datetime.datetime) and raw.time() == datetime.time():
        raw = raw.date()  # a date cell: Excel keeps it as midnight
    if isinstance(raw, (datetime.date, datetime.datetime)):
        return w["date"].format(
            date=raw.isoformat(sep=" ") if isinstance(raw, datetime.datetime) else raw.isoformat()
        )
    if isinstance(raw, datetime.time):
        return w["time"].format(time=raw.isoformat())
    return w["other"].format(kind=type(raw).__name__)  # never a Python repr in a message


def describe_zh(raw: object) -> str:
    """:func:`describe` in Chinese."""
    return describe(raw, "zh")


def problem(key: str, raw: object, **fields: object) -> Bilingual:
    """A problem with ``raw`` (:data:`perfscore.words.DATA`), in both languages."""
    return said(DATA, key, what=describe(raw), raw=describe_zh(raw), **fields)


def read_number(
    raw: object, unit: str | None, *, percent: bool = False, ratio: bool = False
) -> tuple[Decimal, bool]:
    """``raw`` as a number in the input's unit, and whether it said its unit (a ``%`` or a money
    unit) — the one reading of numbers every format shares.  Text may use full-width digits,
    thousands separators, a trailing unit equal to ``unit`` or a money unit converted exactly to
    it (``34350200元`` → 3435.02 for 万元), or ``%``: kept in percentage points for a ``percent``
    input, divided by 100 for a ``ratio`` (a ``number`` input), refused elsewhere.  No range
    checks (:func:`to_number` makes them); ``ValueError`` (a :class:`Bilingual`) otherwise."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError(problem("not_number", raw))
    if isinstance(raw, Decimal):
        return raw, False
    if isinstance(raw, int):
        return Decimal(raw), False
    if isinstance(raw, float):
        return Decimal(float.__repr__(raw)), False
    if not isinstance(raw, str):
        raise ValueError(problem("not_number", raw))
    if not raw.isascii() and _marked(raw):
        raise ValueError(problem("not_number", raw))  # 5² is not 52, nor ①0 10
    text = unicodedata.normalize("NFKC", raw).strip()
    if " " in text:
        text = _unspaced(text, raw)
    m = _NUMBER_UNIT.match(text)
    if m is None:
        try:
            return Decimal(text), False  # NaN, Infinity: refused by to_number as not finite
        except InvalidOperation:
            raise ValueError(problem("not_number", raw)) from None
    digits, tail = m.group(1), m.group(2)
    if "," in digits:
        if not _THOUSANDS.match(digits):
            raise ValueError(problem("not_number", raw))
        digits = digits.replace(",", "")
    try:
        d = Decimal(digits)
    except InvalidOperation:
        raise ValueError(problem("not_number", raw)) from None
    if tail is None:
        return d, False
    if tail == "%":
        if percent:
            return d, True
        if ratio:
            return d / _HUNDRED, True
        raise ValueError(problem("not_number_percent", raw))
    want = unicodedata.normalize("NFKC", unit) if unit else None
    if tail in MONEY_UNITS and want in MONEY_UNITS:
        return (d if tail == want else d * (MONEY_UNITS[tail] / MONEY_UNITS[want])), True
    if tail == want:
        return d, True
    if not _looks_like_unit(digits, tail):  # 0x10, 1_000, 12x3: not a number with a unit
        raise ValueError(problem("not_number", raw))
    plain = Bilingual("a plain number", "无单位的数")
    raise ValueError(said(DATA, "wrong_unit", raw=repr(raw), unit=tail, want=want or plain))


def _mark_digit(ch: str) -> bool:
    """A digit that is a mark, not a digit of a script: a superscript or subscript (``²``,
    ``₂``), a circled or parenthesised one (``①``, ``⑴``) — NFKC makes each a plain digit, so
    ``5²`` (a footnote or an exponent) would read as 52.  Full-width and other scripts' digits
    (``１``, ``١``) are decimal digits and read."""
    return unicodedata.digit(ch, None) is not None and unicodedata.decimal(ch, None) is None


def _marked(raw: str) -> bool:
    """Whether a mark digit stands in the number itself — first, or beside a digit (``5²``,
    ``²5``, ``10³``) — rather than in its unit (``5 m²``, ``12m³``)."""
    for i, ch in enumerate(raw):
        if _mark_digit(ch):
            before = raw[:i].rstrip()
            if not before or before[-1].isdecimal() or _mark_digit(before[-1]):
                return True
            after = raw[i + 1 : i + 2]
            if after.isdecimal():
                return True
    return False


def _unspaced(text: str, raw: str) -> str:
    """``text`` (NFKC, trimmed) without its spaces — after a sign, before a unit or ``%``, or
    between groups of thousands (``3 435.02``: the rule commas follow) — or ``ValueError`` for
    a space anywhere else among a number's digits: ``9 5`` may be 95, 9.5 or two figures, so it
    is refused, never read as 95."""
    m = _SPACED.match(text)
    if m is None:  # no number in front: read (or refused) as before
        return text.replace(" ", "")
    sign, digits, tail = m.groups()
    digits = digits.rstrip(" ")
    if " " in digits and not _SPACED_THOUSANDS.match(digits):
        raise ValueError(problem("space_in_number", raw))
    return sign + digits.replace(" ", "") + tail.replace(" ", "")


def _looks_like_unit(digits: str, tail: str) -> bool:
    """Whether the text after a number can be a unit (人, kg, 万元): a unit holds no digit or
    ``_``, and ``0x…``/``0b…``/``0o…`` is a programmer's number, not zero in unit x."""
    if any(ch.isdigit() or ch == "_" for ch in tail):
        return False
    return not (digits.lstrip("+-") == "0" and tail[:1] in ("x", "X", "b", "B", "o", "O"))


def to_number(raw: object, unit: str | None, percent: bool, ratio: bool = False) -> Decimal:
    """:func:`read_number`, then refused when not finite, beyond 10^15, over 28 digits or
    nearer zero than 10^-400 (:func:`checked`)."""
    return checked(read_number(raw, unit, percent=percent, ratio=ratio)[0], raw)


def checked(d: Decimal, raw: object) -> Decimal:
    """``d`` (read from ``raw``) when it is a finite number a budget can be — within 10^15, 28
    significant digits, and 0 or at least 10^-400 in size — else ``ValueError``."""
    if not d.is_finite():
        raise ValueError(problem("not_finite", raw, value=d))
    if d.copy_abs() > _LIMIT:  # copy_abs and compare: exact, no context rounding
        raise ValueError(problem("too_large", raw, value=d, limit=MAX_EXPONENT))
    if len(d.as_tuple().digits) > 28:
        raise ValueError(said(DATA, "too_many_digits", raw=repr(raw)))
    if d and d.adjusted() < -MIN_EXPONENT:
        raise ValueError(problem("too_small", raw, value=d, limit=MIN_EXPONENT))
    return d


def ambiguous_percent(value: Decimal) -> Bilingual:
    """Why a bare number between 0 and 1 is refused in a percent field: 0.98 % or 98 %?"""
    pct, n = plain_number(value * _HUNDRED), plain_number(value)
    return said(DATA, "ambiguous_percent", value=n, pct=pct)


def plain_number(d: Decimal) -> str:
    """``98.00`` → ``98``, ``0.980`` → ``0.98`` (no exponent)."""
    text = f"{d:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
