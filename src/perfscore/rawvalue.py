"""One raw value from a subject record, read the way departments write it: described in words
for a message, or read as an exact number (full-width digits, thousands separators, a trailing
unit equal to the declared one, a percentage where one is expected).

Shared by :mod:`perfscore.subjects` (values) and :mod:`perfscore.declared` (the department's
own claims), so neither imports the other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from .words import DATA, RAW, Bilingual, said

__all__ = ["MAX_EXPONENT", "describe", "describe_zh", "problem", "to_number"]

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
#: Beyond 10^15 (a thousand trillion 万元) a figure is a data-entry error, not a budget:
#: 10^15 itself is read, anything larger in size is refused (docs/data.md).
MAX_EXPONENT = 15
_LIMIT = Decimal(10) ** MAX_EXPONENT


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
    return repr(raw)


def describe_zh(raw: object) -> str:
    """:func:`describe` in Chinese."""
    return describe(raw, "zh")


def problem(key: str, raw: object, **fields: object) -> Bilingual:
    """A problem with ``raw`` (:data:`perfscore.words.DATA`), in both languages."""
    return said(DATA, key, what=describe(raw), raw=describe_zh(raw), **fields)


def to_number(raw: object, unit: str | None, percent: bool) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise ValueError(problem("not_number", raw))
    if isinstance(raw, Decimal):
        d = raw
    elif isinstance(raw, int):
        d = Decimal(raw)
    elif isinstance(raw, float):
        d = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
        if unit and unit != "%" and text.endswith(unicodedata.normalize("NFKC", unit)):
            text = text[: -len(unicodedata.normalize("NFKC", unit))]
        if text.endswith("%"):
            if not percent:
                raise ValueError(problem("not_number_percent", raw))
            text = text[:-1]
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise ValueError(problem("not_number", raw)) from None
    else:
        raise ValueError(problem("not_number", raw))
    if not d.is_finite():
        raise ValueError(problem("not_finite", raw, value=d))
    if d.copy_abs() > _LIMIT:  # copy_abs and compare: exact, no context rounding
        raise ValueError(problem("too_large", raw, value=d, limit=MAX_EXPONENT))
    if len(d.as_tuple().digits) > 28:
        raise ValueError(said(DATA, "too_many_digits", raw=repr(raw)))
    return d
