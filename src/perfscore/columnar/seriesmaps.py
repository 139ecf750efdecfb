"""Series cells that are mappings holding the same year keys in the same order in every row
(``{2022: 95.5, 2023: None, 2024: 88.0}`` — what a frame built from records or JSON usually
holds), read all at once: the keys checked against the first row's by one list comparison,
the figures converted as one float vector when they are all ``float``/``int``/``None``.

The keys must be years the per-record reader reads the same in every row: plain ``int`` years
(never 0 or 1, which ``True`` and ``False`` equal) or ASCII digit text such as ``"2022"``, all of
one type — every key of every row of exactly that type, so ``2022.0`` or a complex number equal
to 2022 is never taken for 2022 here.  The entries are those the mapping-by-mapping reading
makes (``None``: a year listed without a figure; NaN: a figure, refused later); a row holding
anything else for some year (text such as ``"80万元"``, a ``Decimal``, ``True``, a numpy scalar
other than ``numpy.float64`` — which is a ``float``, what ``zip`` over ``.to_numpy()`` gives) is
read by the per-cell reader.  Any other column — rows of other keys, sizes or orders — is
read mapping by mapping (:func:`perfscore.columnar.seriescells.parse_cells`): grouping rows by
key set costs more passes over the mappings than it saves (measured on series3's three key
sets: 2× slower)."""

from __future__ import annotations

import math
from itertools import chain
from typing import Any

import numpy as np

__all__ = ["Block", "in_order", "rows_all", "rows_any"]

_TOP = 1e15  # the reader refuses a figure beyond this (rawvalue.MAX_EXPONENT)
_YEAR = 10**6  # a year key past this is the per-record path's
_FLOATS = {float, np.float64}
_PLAIN = {int, float, np.float64, type(None)}  # (numpy.float64 is a float)

#: the entries read: rows (m,), years (k,), figures (m, k) float64, blank (m, k) bool
Block = tuple[Any, Any, Any, Any]


def rows_any(m: Any) -> Any:
    """``m.any(axis=1)`` of a bool matrix (rows × years): column by column when it has few
    columns — numpy's reduction along a short last axis costs ~13 ns a row (0.85 ms for
    65,536 rows × 3 years), the columns or-ed together ~1 ns."""
    if m.ndim != 2 or not 0 < m.shape[1] <= 16:
        return m.any(axis=1)
    out = m[:, 0].copy()
    for j in range(1, m.shape[1]):
        out |= m[:, j]
    return out


def rows_all(m: Any) -> Any:
    """``m.all(axis=1)`` of a bool matrix, as :func:`rows_any`."""
    if m.ndim != 2 or not 0 < m.shape[1] <= 16:
        return m.all(axis=1)
    out = m[:, 0].copy()
    for j in range(1, m.shape[1]):
        out &= m[:, j]
    return out


def _years(ref: list[Any]) -> list[int] | None:
    """The years of keys every row holding them reads alike (None: not such keys)."""
    years = []
    for k in ref:
        if type(k) is int:
            y = k
        elif type(k) is str and 0 < len(k) <= 9 and k.isascii() and k.isdigit():
            y = int(k)
        else:
            return None
        if not -_YEAR < y < _YEAR or (type(k) is int and y in (0, 1)):
            return None
        years.append(y)
    if not years or len(set(years)) != len(years) or len(set(map(type, ref))) != 1:
        return None  # (no keys, a year twice, or years and text years mixed)
    return years


def _figures(v: list[Any]) -> tuple[Any, Any, Any]:
    """Figures as floats, a mask of the blanks (``None``; None: no blank) and of the figures
    that are not plain numbers (None: no such figure; their floats are placeholders)."""
    m = len(v)
    kinds = set(map(type, v))
    odd = None
    if not kinds <= _PLAIN:
        ok = np.fromiter(map(_PLAIN.__contains__, map(type, v)), bool, m)
        odd = ~ok
        v = [a if good else None for a, good in zip(v, ok.tolist(), strict=True)]
        kinds = set(map(type, v))
    if kinds and kinds <= _FLOATS:
        return np.fromiter(v, np.float64, m), None, odd
    try:
        x = np.array(v, np.float64)  # None → NaN
    except OverflowError:  # an integer past float64: refused (too large)
        x = np.array([math.nan if a is None else _float(a) for a in v], np.float64)
    blank = None
    if type(None) in kinds:
        nan = np.flatnonzero(np.isnan(x))
        is_none = np.fromiter((v[i] is None for i in nan.tolist()), bool, len(nan))
        blank = np.zeros(m, bool)
        blank[nan[is_none]] = True
    return x, blank, odd


def _float(v: float | int) -> float:
    """A figure as a float; an integer too large for the reader: infinite (refused)."""
    return float(v) if isinstance(v, float) or -_TOP <= v <= _TOP else math.inf


def in_order(
    rows: Any, ds: list[dict[Any, Any]], keys: list[Any], key_types: set[type]
) -> tuple[Block | None, Any] | None:
    """Mappings ``ds`` (of ``rows``; ``keys`` all their keys in turn, ``key_types`` the keys'
    types) that each hold the first one's keys in its order, read
    all at once: the entries (None: no row left) and the rows (of ``rows``, an int64 array)
    the per-cell reader reads (a figure that is not a plain number).  None: not such
    mappings."""
    m = len(ds)
    k = len(ds[0]) if m else 0
    if not k or len(key_types) != 1 or len(keys) != k * m:
        return None
    ref = keys[:k]
    years = _years(ref)
    if years is None or keys != ref * m:  # (so each row has k keys: k + 1 in turn repeat one)
        return None
    x, blank, odd = _figures(list(chain.from_iterable(map(dict.values, ds))))
    x = x.reshape(m, k)
    blank = np.zeros((m, k), bool) if blank is None else blank.reshape(m, k)
    odd_rows = rows[:0]
    if odd is not None:
        bad = rows_any(odd.reshape(m, k))
        odd_rows = rows[bad]
        keep = ~bad
        rows, x, blank = rows[keep], x[keep], blank[keep]
    block = (rows, np.array(years, np.int64), x, blank) if len(rows) else None
    return block, odd_rows
