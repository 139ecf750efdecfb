"""The cells of an Arrow column as the record reader reads them (:func:`convert_cell`,
:func:`is_blank`, :func:`meta_text`, :func:`is_total_label`), for a whole column at once:
what :mod:`perfscore.ingest.arrowcols` builds a table's columns from.

Each function gives, for every cell, exactly what the per-cell function gives: by Arrow's
kernels and numpy where that is provably the same — ASCII text (NFKC leaves it as it is,
casefold is its lower case, its whitespace is ten known characters), numbers (below) — and
by the per-cell function itself otherwise, once per distinct value of a text or dictionary
column.

A number ``x`` (float64) is decided by columns when, for some ``p``, ``m = round(x·10**p)``
has ``|m| < 2**51`` and ``m / 10**p == x`` in float64: then ``Decimal(repr(x))`` is exactly
``m·10**-p`` (no other decimal with ``p`` places rounds to ``x``, their spacing being wider
than ``x``'s ulp), so the cell's value in the input's unit is ``m·10**(k-p)`` (header unit
``10**k``) and its float64 — computed by one correctly rounded multiplication or division —
is the one :func:`~perfscore.colbatch.record_columns` stores (its text reads back as the same
decimal).  A text cell that plainly writes a number (``-1234.50``) gives ``m`` and ``p`` from
its digits.  Every other cell — ``1,234``, ``95%``, ``12万元``, 0.1 + 0.2, ±inf, a value past
2**51 — goes through :func:`convert_cell`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..rawvalue import BLANK_TEXTS
from .columns import RATIO_POINTS, Target, convert_cell, is_blank
from .readers import plain_value
from .source import is_total_label, meta_text
from .yearcols import year_value

if TYPE_CHECKING:
    from ..subjects import InputSpec

__all__ = ["LIMIT", "blanks", "input_cells", "join", "meta_cells", "totals"]

_NUMERIC = ("number", "money", "percent", "integer")
LIMIT = float(1 << 51)  # |m| below this: one decimal with p places per float (module doc)
_TRIES = (2, 0, 6, 10, 15)  # decimal places tried, the likeliest first


def input_cells(col: Any, target: Target, spec: InputSpec, numeric: bool) -> Any:
    """An input's column (``numeric``: the scorer reads numbers) as
    :func:`~perfscore.colbatch.record_columns` holds it: float64 (NaN: blank) when every
    cell is a number a float holds exactly, else objects — each cell :func:`convert_cell`'s
    value, a float where a float holds that decimal exactly."""
    if numeric and spec.type in _NUMERIC and target.refused is None:
        floats, todo = _numbers(col, target, spec)
        if floats is not None and target.ratios:  # a ratio column's 1.x cells: refused
            with np.errstate(invalid="ignore"):
                high = (floats > 1) & (floats < float(RATIO_POINTS))
            floats[high] = np.nan
            todo |= high
        if floats is not None:
            if not todo.any():
                return floats
            out = _objects(floats)
            idx = np.flatnonzero(todo)
            out[idx] = _by_value(
                col.take(pa.array(idx)), lambda v: _value(target, spec, v, numeric), kind=object
            )
            return _settle(out)
    values = _by_value(col, lambda v: _value(target, spec, v, numeric), kind=object)
    return _settle(values) if numeric else values


def _exponent(scale: Decimal) -> int | None:
    """``k`` when ``scale`` is ``10**k``, else None."""
    t = scale.normalize().as_tuple()
    if t.sign or t.digits != (1,) or not isinstance(t.exponent, int) or abs(t.exponent) > 22:
        return None
    return t.exponent


def _numbers(col: Any, target: Target, spec: InputSpec) -> tuple[Any, Any]:
    """The float64 values of a numeric Arrow column (NaN: blank) and the cells left to
    :func:`_value` (``todo``); (None, None) for a column of another type."""
    k = 0
    if spec.type != "percent" and target.scale is not None:  # a percent input is not scaled
        found = _exponent(target.scale)
        if found is None:
            return None, None
        k = found
    typ = col.type
    if pa.types.is_floating(typ):
        x = np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64)
        out = None
        todo = ~np.isnan(x)  # nulls are NaN here: blanks
        with np.errstate(all="ignore"):
            for p in _TRIES:
                j = p - k
                if j > 22:
                    continue
                if out is None:  # the first try: every cell at once, no index (NaN fails it)
                    m = np.round(x * 10.0**p)
                    ok = (np.abs(m) < LIMIT) & (m / 10.0**p == x)
                    v = m * 10.0**-j if j <= 0 else m / 10.0**j
                    ok &= np.abs(v) < LIMIT
                    out = np.where(ok, v, np.nan)
                    todo &= ~ok
                    continue
                at = np.flatnonzero(todo)
                if not len(at):
                    break
                xs = x[at]
                m = np.round(xs * 10.0**p)
                ok = (np.abs(m) < LIMIT) & (m / 10.0**p == xs)
                v = m * 10.0**-j if j <= 0 else m / 10.0**j
                ok &= np.abs(v) < LIMIT
                out[at[ok]] = v[ok]
                todo[at[ok]] = False
        if out is None:  # (no try: every j past 22)
            out = np.full(len(x), np.nan)
        return out, todo
    if _text_type(typ):
        return _plain_texts(col, k)
    if pa.types.is_integer(typ):
        valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), bool)
        f = np.asarray(col.fill_null(0).to_numpy(zero_copy_only=False)).astype(np.float64)
        with np.errstate(all="ignore"):
            v = f * 10.0**k if k >= 0 else f / 10.0**-k
        small = (np.abs(f) < LIMIT) & (np.abs(v) < LIMIT)
        return np.where(valid & small, v, np.nan), valid & ~small
    return None, None


#: a number as a CSV cell plainly writes it: what read_number reads as Decimal(text)
_PLAIN = r"^-?[0-9]{1,17}(\.[0-9]{1,17})?$"


#: characters of a number text read by Arrow's parse alone (:func:`_parsed_texts`): at most
#: 15 hold at most 15 digits, a decimal a float64 holds as its shortest text (DBL_DIG)
_SHORT = 15


def _parsed_texts(col: Any) -> tuple[Any, Any] | None:
    """A text column every cell of which Arrow's parse of numbers takes (``1234.56``,
    ``-0.5``, ``+3``, ``.5``; blanks as nulls), decided in one pass: a cell of at most
    :data:`_SHORT` characters, no exponent, a finite value, is the float Arrow gives — the
    correctly rounded value of a decimal of at most 15 digits, whose shortest text is that
    decimal again, so what :func:`convert_cell` reads (``Decimal(text)``: a sign, digits, a
    point — nothing else parses) and :func:`year_value` keeps as a float.  The other cells
    (longer, an exponent, ``nan``, ``inf``) are left to :func:`_value`.  None when a cell
    does not parse (``1,234``, ``—``, ``12万元``): :func:`_plain_texts` reads the column."""
    try:
        parsed = pc.cast(col, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    x = np.asarray(parsed.to_numpy(zero_copy_only=False), np.float64)  # a null: NaN
    wide = np.int64 if pa.types.is_large_string(col.type) else np.int32
    ends = np.frombuffer(col.buffers()[1], wide, len(col) + 1, col.offset * wide().itemsize)
    ok = np.isfinite(x) & (np.diff(ends) <= _SHORT)
    data = col.buffers()[2]
    if data is not None and len(col):
        text = np.frombuffer(data, np.uint8, int(ends[-1] - ends[0]), int(ends[0]))
        if np.count_nonzero((text | 0x20) == ord("e")):  # an exponent somewhere (1e-400)
            power = pc.match_substring(col, "e", ignore_case=True).fill_null(False)
            ok &= ~np.asarray(power.to_numpy(zero_copy_only=False), bool)
    todo = ~ok
    if col.null_count:  # a null is a blank: done
        todo &= np.asarray(col.is_valid().to_numpy(zero_copy_only=False), bool)
    return np.where(ok, x, np.nan), todo


def _plain_texts(col: Any, k: int) -> tuple[Any, Any]:
    """A text column's blanks and plain numbers (``-1234.5``: 17 characters at most) decided
    by columns — the number ``m·10**-p`` written with ``p`` decimals, ``|m| < 2**51``: the
    float ColumnBatch stores is ``m·10**(k-p)`` rounded once (module docstring) —, the
    other cells (``1,234``, ``95%``, ``12万元``, full-width digits, ``—``) left to
    :func:`_value`.  A column Arrow parses whole, without a header unit (``k`` 0), is read by
    :func:`_parsed_texts` (a quarter of the time)."""
    if k == 0:
        parsed = _parsed_texts(col)
        if parsed is not None:
            return parsed
    n = len(col)
    out = np.full(n, np.nan)
    ascii_ = np.asarray(
        pc.string_is_ascii(col).fill_null(True).to_numpy(zero_copy_only=False), bool
    )
    blank = ascii_ & _ascii_blank(col)
    plain = pc.match_substring_regex(col, pattern=_PLAIN).fill_null(False)
    plain = pc.and_(plain, pc.less_equal(pc.utf8_length(col), 19).fill_null(False))
    at = np.flatnonzero(np.asarray(plain.to_numpy(zero_copy_only=False), bool))
    todo = ~blank
    if not len(at):
        return out, todo
    texts = col.take(pa.array(at))
    negative = np.asarray(pc.starts_with(texts, pattern="-").to_numpy(zero_copy_only=False), bool)
    body = pc.utf8_ltrim(texts, characters="-")
    dot = np.asarray(pc.find_substring(body, pattern=".").to_numpy(zero_copy_only=False), np.int64)
    length = np.asarray(pc.utf8_length(body).to_numpy(zero_copy_only=False), np.int64)
    places = np.where(dot < 0, 0, length - 1 - dot)
    short = length - (dot >= 0) <= 17  # digits: an int64 holds them
    if not short.all():
        at, texts, negative, dot, places = (
            at[short],
            texts.filter(pa.array(short)),
            negative[short],
            dot[short],
            places[short],
        )
        body = pc.utf8_ltrim(texts, characters="-")
    digits = pc.replace_substring(body, pattern=".", replacement="")
    m = np.asarray(pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)).astype(np.float64)
    j = places - k
    with np.errstate(all="ignore"):
        v = np.where(j <= 0, m * 10.0 ** np.minimum(-j, 22), m / 10.0 ** np.clip(j, 0, 22))
    ok = (m < LIMIT) & (np.abs(v) < LIMIT) & (j >= -22) & (j <= 22)
    v = np.where(negative, -v, v)
    out[at[ok]] = v[ok]
    todo[at[ok]] = False
    return out, todo


def _value(target: Target, spec: InputSpec, raw: object, numeric: bool) -> Any:
    """One cell as ColumnBatch's column holds it: the record's value, a float where a float
    holds that decimal exactly (a numeric input)."""
    v = convert_cell(target, spec, raw)
    return year_value(v) if numeric else v  # (a Decimal of over 28 digits: refused, kept)


def _objects(floats: Any) -> Any:
    """A float64 column as objects (NaN, a blank, as None)."""
    out = floats.astype(object)
    out[np.isnan(floats)] = None
    return out


def _settle(cells: Any) -> Any:
    """Object cells as ColumnBatch keeps them: float64 when every one is a float or blank."""
    if all(c is None or type(c) is float for c in cells):
        return np.array([np.nan if c is None else c for c in cells], np.float64)
    return cells


def join(parts: list[Any], numeric: bool) -> Any:
    if not parts:
        return np.empty(0, np.float64 if numeric else object)
    if all(p.dtype != object for p in parts):
        return np.concatenate(parts)
    return np.concatenate([p if p.dtype == object else _objects(p) for p in parts])


def _text_type(typ: Any) -> bool:
    return bool(pa.types.is_string(typ) or pa.types.is_large_string(typ))


def _by_value(col: Any, fn: Any, kind: Any = bool) -> Any:
    """``fn`` of every cell, called once per distinct value of a text (or dictionary) column,
    once per cell otherwise."""
    typ = col.type
    if pa.types.is_boolean(typ):  # three values: False, True, blank
        table = np.empty(3, kind)
        for i, v in enumerate((False, True, None)):
            table[i] = fn(v)
        valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), bool)
        yes = np.asarray(col.fill_null(False).to_numpy(zero_copy_only=False), bool)
        return table[np.where(valid, yes.astype(np.int64), 2)]
    if pa.types.is_dictionary(typ) or _text_type(typ):
        enc = col if pa.types.is_dictionary(typ) else pc.dictionary_encode(col)
        values = enc.dictionary.to_pylist()
        table = np.empty(len(values) + 1, kind)
        for i, v in enumerate([*values, None]):
            table[i] = fn(plain_value(v))
        valid = np.asarray(enc.indices.is_valid().to_numpy(zero_copy_only=False), bool)
        codes = np.asarray(enc.indices.fill_null(0).to_numpy(zero_copy_only=False), np.int64)
        return table[np.where(valid, codes, len(values))]
    out = np.empty(len(col), kind)
    for i, v in enumerate(col.to_pylist()):
        out[i] = fn(plain_value(v))
    return out


def blanks(col: Any) -> Any:
    """Which cells of an Arrow column :func:`is_blank` calls blank."""
    typ = col.type
    if pa.types.is_null(typ):
        return np.ones(len(col), bool)
    if pa.types.is_floating(typ):  # nulls are NaN here
        return np.isnan(np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False)))
    if _text_type(typ):
        return _text_cells(col, _ascii_blank, is_blank)
    if _plain_type(typ):
        return ~np.asarray(col.is_valid().to_numpy(zero_copy_only=False), bool)
    return _by_value(col, is_blank)


def _plain_type(typ: Any) -> bool:
    """Numbers, yes/no or nothing: never blank text, never a 合计 label."""
    return bool(
        pa.types.is_null(typ)
        or pa.types.is_floating(typ)
        or pa.types.is_integer(typ)
        or pa.types.is_boolean(typ)
        or pa.types.is_decimal(typ)
    )


def _total_cell(v: object) -> bool:
    return v is not None and is_total_label(v)


def totals(col: Any) -> Any:
    """Which cells of an Arrow column :func:`is_total_label` says name a total (the first
    non-blank cell of a 合计 row); numbers and yes/no never do."""
    if _plain_type(col.type):
        return np.zeros(len(col), bool)
    if _text_type(col.type):
        return _text_cells(col, _ascii_total, _total_cell)
    return _by_value(col, _total_cell)


#: what str.strip() and str.split() take for whitespace among ASCII characters
_ASCII_SPACE = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
_ASCII_BLANKS = sorted(t for t in BLANK_TEXTS if t.isascii())


def _text_cells(col: Any, fast: Any, slow: Any, kind: Any = bool) -> Any:
    """``slow`` (a function of one cell) of every cell of a text column, ``fast`` (of the
    column: Arrow's kernels) giving it for the ASCII cells — whose NFKC form is themselves
    and whose casefold is their lower case — the others' read one distinct value at a time."""
    ascii_ = np.asarray(
        pc.string_is_ascii(col).fill_null(True).to_numpy(zero_copy_only=False), bool
    )
    out = fast(col)
    if not ascii_.all():
        at = np.flatnonzero(~ascii_)
        out = out.astype(kind) if kind is object else out
        out[at] = _by_value(col.take(pa.array(at)), slow, kind=kind)
    return out


def _ascii_blank(col: Any) -> Any:
    """:func:`is_blank` of the ASCII cells of a text column (None is blank)."""
    trimmed = pc.ascii_trim(col, characters=_ASCII_SPACE)
    said = pc.is_in(trimmed, value_set=pa.array(_ASCII_BLANKS, col.type))
    blank = pc.or_kleene(said, pc.is_null(col))  # is_in says False of None
    return np.asarray(blank.fill_null(True).to_numpy(zero_copy_only=False), bool)


def _ascii_total(col: Any) -> Any:
    """:func:`is_total_label` of the ASCII cells of a text column (in ASCII only ``total``
    can say it)."""
    pattern = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f ]"
    words = pc.replace_substring_regex(col, pattern=pattern, replacement="")
    total = pc.starts_with(pc.ascii_lower(words), pattern="total")
    return np.asarray(total.fill_null(False).to_numpy(zero_copy_only=False), bool)


def _ascii_meta(col: Any) -> Any:
    """:func:`meta_text` of the ASCII cells of a text column, None for a blank."""
    texts = np.empty(len(col), object)
    texts[:] = pc.ascii_trim(col, characters=_ASCII_SPACE).to_pylist()
    texts[_ascii_blank(col)] = None
    return texts


def meta_cells(col: Any, *, year: bool) -> list[Any]:
    """A metadata column's cells as a record holds them (:func:`meta_text`; a year as its
    number), None for a blank."""
    if not year and _text_type(col.type):
        return list(_text_cells(col, _ascii_meta, lambda v: _meta_cell(v, False), kind=object))
    return list(_by_value(col, lambda v: _meta_cell(v, year), kind=object))


def _meta_cell(raw: object, year: bool) -> Any:
    if is_blank(raw):
        return None
    text = meta_text(raw)
    if not year:
        return text
    try:
        return int(str(text).removesuffix("年"))
    except ValueError:
        return text
