"""A rule set's inputs compiled into one reader per field, decided once per rule set (not per
record): the cells departments usually send — a plain number, ``"3435.02"``, ``"是"``, a choice
written as declared — are read at once; every other cell (a unit, a thousands comma, full-width
digits, ``%``, a blank, a value out of range, anything refused) goes the whole way through
:func:`perfscore.subjects.normalise_value`, which gives its value or its error.

A fast reading is only ever a value the whole reading gives too: it answers only when it is
certain (a plain ASCII number of at most 15 characters is read by ``Decimal`` exactly as the
text rules read it, and is within 10^15 and 28 digits), and asks the whole reading for
everything else — including every cell it would refuse, so every message stays the one
:func:`~perfscore.subjects.normalise_value` writes (``tests/test_fieldread.py`` compares the two
on generated records).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from decimal import Context, Decimal, Rounded, Subnormal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from .rawvalue import MIN_EXPONENT, is_blank_text
from .textsafe import clean
from .values import Series, Value
from .words import DATA, said

if TYPE_CHECKING:
    from .subjects import InputSpec

__all__ = ["BLANK", "FieldReader", "compile_fields"]

#: What a reader returns for a blank cell (``""``, ``"-"``, ``"—"``, ``"/"``, spaces): no value.
BLANK: Any = object()
#: One field's reader: the stored value, :data:`BLANK`, or ``ValueError`` with the message.
FieldReader = Callable[[object], Any]
#: ``normalise_value(spec, raw)``: the whole reading of one value.
Normalise = Callable[["InputSpec", object], Value]
#: The whole reading of one field's cell: blank, a cell a reader already refused, or
#: ``normalise_value`` (subjects.read_cell).
Fallback = Callable[["InputSpec", object], Any]

_HUNDRED = Decimal(100)
#: A plain number of at most this many characters has at most 15 digits: below 10^15 in size
#: and within 28 significant digits, so the range check of the whole reading always passes.
_SHORT = 15
#: a number with more digits than a number may have (28, trailing zeros counted: rawvalue.checked)
#: signals Rounded here (cheaper than counting its digits)
#: and a number nearer zero than 10^-400 (rawvalue.MIN_EXPONENT) Subnormal
_COUNT = Context(prec=28, Emin=-MIN_EXPONENT, traps=[Rounded, Subnormal])
_NUMBER_TYPES = frozenset({"number", "money", "percent", "integer"})
_MEMO_LIMIT = 256
#: cells this short (or whole numbers this small) are remembered per field once read
_MEMO_CHARS = 6
_MEMO_INT = 10**6


def compile_fields(
    specs: Mapping[str, InputSpec], normalise: Normalise, fallback: Fallback
) -> tuple[tuple[str, InputSpec, FieldReader], ...]:
    """``(name, spec, reader)`` for each declared input, in declaration order."""
    return tuple(
        (name, spec, field_reader(spec, normalise, fallback)) for name, spec in specs.items()
    )


def field_reader(spec: InputSpec, normalise: Normalise, fallback: Fallback) -> FieldReader:
    """The reader of one field: a fast answer for the cells it is sure of, else ``fallback``."""
    t = spec.type
    if t in _NUMBER_TYPES:
        return _number(spec, fallback)
    if t == "boolean":
        return _boolean(spec, fallback)
    if t == "text":
        return _text(spec, fallback)
    if t == "series":
        return _series(spec, normalise, fallback)
    return lambda raw: fallback(spec, raw)


def _undecided(spec: InputSpec, raw: object) -> None:
    return None


def _number(spec: InputSpec, fallback: Fallback) -> FieldReader:
    """The stored number of a plain number (``3435.02``, ``"3435.02"``, ``-12``, ``.5``: ASCII,
    without exponent, unit, comma or space, at most 15 characters — text ``Decimal`` reads as
    the whole reading does, and within its range checks) that the input accepts, else
    ``fallback`` (which reads it the whole way, or refuses it with its message).

    Short cells already read (``0``, ``95``, ``"100"``: counts, scores, round amounts repeat)
    are remembered per field, text and whole numbers apart (``1`` and ``"1.0"`` are different
    cells), as the number before a percentage is divided (the division is made each time, in
    the caller's decimal context, as the whole reading makes it)."""
    percent, whole = spec.type == "percent", spec.type == "integer"
    lo, hi = spec.min, spec.max
    limit = 10**_SHORT
    top = Decimal(limit)  # (10^15 itself is read: docs/data.md)
    hundred = _HUNDRED
    texts: dict[str, Decimal] = {}
    ints: dict[int, Decimal] = {}
    unit = _plain_unit(spec.unit) if spec.unit != "%" else None
    cut = -len(unit) if unit else 0

    def read(raw: Any) -> Any:
        cls = raw.__class__
        memo: dict[Any, Decimal] | None = None
        said = False  # the cell said its unit (% or the input's own): never ambiguous
        if cls is str:
            d = texts.get(raw)
            if d is not None:
                return d / hundred if percent else d
            text = raw
            if not raw.replace(".", "", 1).isdigit():  # (not 1234.56: signed, with a unit, ...)
                if percent and raw[-1:] == "%":
                    text, said = raw[:-1], True
                elif unit and raw.endswith(unit):
                    text, said = raw[:cut], True
                body = text.replace(".", "", 1)
                if not body.isdigit() and not (body[:1] in "+-" and body[1:].isdigit()):
                    return fallback(spec, raw)  # (isdigit is False for "")
            if len(text) > _SHORT or not text.isascii():  # (then isdigit meant only 0-9)
                return fallback(spec, raw)
            d = Decimal(text)
            if len(raw) <= _MEMO_CHARS:
                memo = texts
        elif cls is int:
            d = ints.get(raw)
            if d is not None:
                return d / hundred if percent else d
            if not -limit < raw < limit:
                return fallback(spec, raw)
            d = Decimal(raw)
            if -_MEMO_INT < raw < _MEMO_INT:
                memo = ints
        elif cls is Decimal:  # (JSON and JSON Lines numbers with a point are read as Decimal)
            if not raw.is_finite() or not -top <= raw <= top:
                return fallback(spec, raw)
            try:
                _COUNT.plus(raw)  # more than 28 digits (trailing zeros too): Rounded
            except (Rounded, Subnormal):
                return fallback(spec, raw)
            d = raw
        elif cls is float:
            text = repr(raw)  # (the whole reading reads a float's shortest repr too)
            if len(text) > _SHORT:
                return fallback(spec, raw)
            body = text.replace(".", "", 1)
            if not body.isdigit() and not (body[:1] == "-" and body[1:].isdigit()):
                return fallback(spec, raw)  # nan, inf, 1e+16
            d = Decimal(text)
        else:
            return fallback(spec, raw)
        # anything the whole reading would refuse, it refuses itself (with its message)
        if whole and d != d.to_integral_value():
            return fallback(spec, raw)
        if percent and not said and 0 < d <= 1:  # ambiguous without % (0.98 % or 98 %?)
            return fallback(spec, raw)
        if (lo is not None and d < lo) or (hi is not None and d > hi):
            return fallback(spec, raw)
        if memo is not None and len(memo) < _MEMO_LIMIT:
            memo[raw] = d
        return d / hundred if percent else d

    return read


def _plain_unit(unit: str | None) -> str | None:
    """``unit`` when a number followed by it (``3435.02万元``, ``12人``) is read by the whole
    reading as that number in the input's own unit with nothing else to it: a unit NFKC leaves
    as it is, without space, digit, point, comma, sign or control character, that cannot join
    the digit before it.  None otherwise (then such a cell goes the whole way)."""
    if not unit or not unit.isprintable() or " " in unit or unit != unit.strip():
        return None
    if any(ch.isdigit() or ch in ".,+-%" for ch in unit) or unicodedata.combining(unit[0]):
        return None
    if unicodedata.normalize("NFKC", "0" + unit) != "0" + unit:
        return None
    return unit


#: yes/no words already read (the reading of a boolean depends on the text only)
_BOOLEANS: dict[str, bool] = {}


def _boolean(spec: InputSpec, fallback: Fallback) -> FieldReader:
    memo = _BOOLEANS

    def read(raw: object) -> Any:
        if raw is True or raw is False:
            return raw
        if raw.__class__ is str:
            known = memo.get(raw)
            if known is not None:
                return known
            v = fallback(spec, raw)
            if v is not BLANK and len(memo) < _MEMO_LIMIT:
                memo[raw] = v
            return v
        return fallback(spec, raw)

    return read


def _text(spec: InputSpec, fallback: Fallback) -> FieldReader:
    if spec.choices is None:

        def read_any(raw: Any) -> Any:
            if raw.__class__ is str and len(raw.strip()) > 2:  # (never blank: BLANK_TEXTS)
                return clean(raw).strip()
            return fallback(spec, raw)

        return read_any
    # a choice written exactly as declared is read as itself (a declared choice that cleaning,
    # trimming or the blank rule would change goes the whole way)
    exact = frozenset(c for c in spec.choices if clean(c).strip() == c and not is_blank_text(c))

    def read(raw: object) -> Any:
        if raw.__class__ is str and raw in exact:
            return raw
        return fallback(spec, raw)

    return read


def series_of(points: list[tuple[int, Decimal | None]]) -> Series:
    """A series from its (year, figure) pairs in year order; a year given twice (``2022`` and
    ``"2022"`` in one mapping) is refused — which figure was meant cannot be told, and two
    figures for one year must not reach ``year()`` or a mean."""
    points.sort(key=_year_of)
    for (a, _), (b, _) in pairwise(points):
        if a == b:
            raise ValueError(said(DATA, "year_twice", year=a))
    return Series(tuple(points))


def _year_of(point: tuple[int, Decimal | None]) -> int:
    return point[0]


def _series(spec: InputSpec, normalise: Normalise, fallback: Fallback) -> FieldReader:
    """A mapping of year → figure, each figure read as the element input it is; a mapping
    holding no figure (``{}``, every year null or blank) is :data:`BLANK`, as a table row
    with every year blank is (docs/data.md)."""
    elem = type(spec)(spec.name, spec.of, unit=spec.unit, min=spec.min, max=spec.max)
    fast = _number(elem, _undecided) if elem.type in _NUMBER_TYPES else None

    def read(raw: object) -> Any:
        if fast is None or not isinstance(raw, Mapping):
            return fallback(spec, raw)
        points: list[tuple[int, Decimal | None]] = []
        figures = False
        for k, v in raw.items():
            year: int = k
            if k.__class__ is not int:  # (a year as text, or no year at all)
                try:
                    given = int(k) if not isinstance(k, bool) else None
                except (TypeError, ValueError):
                    given = None
                if given is None:
                    raise ValueError(said(DATA, "not_year", year=repr(k)))
                year = given
            nv = fast(v)  # (a number read at once is never blank)
            if nv is None:
                if v is None or is_blank_text(v):
                    points.append((year, None))
                    continue
                try:
                    nv = normalise(elem, v)
                except ValueError as e:
                    raise ValueError(said(DATA, "in_year", year=year, problem=e.args[0])) from None
            points.append((year, nv))
            figures = True
        series = series_of(points)  # (a year given twice is refused first)
        return series if figures else BLANK  # no figure at all: no series (as a blank cell)

    return read
