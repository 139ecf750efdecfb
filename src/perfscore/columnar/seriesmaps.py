"""Series cells that are mappings sharing one set of year keys (``{2022: 95.5, 2023: None,
2024: 88.0}`` in every row — what a frame built from records or JSON usually holds), read a
year at a time instead of a mapping at a time.

Rows are grouped by their key set: a column whose mappings all have the first one's size and
its keys (found by looking each key up in every row) is one group, else the rows whose keys
equal the first one's (``dict.keys()`` views compared) are, and the rest try again.  A group's
keys must be years the per-record reader reads the same whatever the row's own key objects
(plain ``int`` years, or ASCII digit text such as ``"2022"``; never 0 or 1, which ``True`` and
``False`` equal); for ``int`` years each row's keys are checked to be integers (a ``2022.0``
key, or a complex number equal to 2022, goes to the reader).  Then each year's figures are
pulled from every row at once (``operator.itemgetter``) and converted as one float vector when
they are all ``float``/``int``/``None`` — the same entries the mapping-by-mapping reading
makes (a ``None`` a year listed without a figure, a NaN a figure refused later).  A row holding
anything else for some year (text such as ``"80万元"``, a ``Decimal``, ``True``, a numpy scalar)
is read by the per-cell reader, as are rows whose keys differ from every group's — nothing a
record would read differently is taken here."""

from __future__ import annotations

import math
import operator
from itertools import chain, compress, repeat
from typing import Any

import numpy as np

__all__ = ["Block", "same_keys"]

_TOP = 1e15  # the reader refuses a figure beyond this (rawvalue.MAX_EXPONENT)
_YEAR = 10**6  # a year key past this is the per-record path's
_MIN = 16  # fewer rows than this sharing a key set: read mapping by mapping
_GROUPS = 4  # key sets tried per column and chunk
_PLAIN = {int, float, type(None)}

#: entries of a group: rows (m,), years (k,), figures (m, k) float64, blank (m, k) bool
Block = tuple[Any, Any, Any, Any]


def _years(ref: dict[Any, Any]) -> list[int] | None:
    """The years of a key set every row equal to it reads the same (None: not such a set)."""
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
    """One year's figures as floats, the blanks (``None``), and the rows holding something
    else (None: no such row) — their figures here are placeholders."""
    m = len(v)
    kinds = set(map(type, v))
    odd = None
    if not kinds <= _PLAIN:
        ok = np.fromiter(map(_PLAIN.__contains__, map(type, v)), bool, m)
        odd = ~ok
        v = [a if good else None for a, good in zip(v, ok.tolist(), strict=True)]
        kinds = set(map(type, v))
    if kinds == {float}:
        return np.fromiter(v, np.float64, m), None, odd
    try:
        x = np.array(v, np.float64)  # None → NaN
    except OverflowError:  # an integer past float64: refused (too large)
        x = np.array(
            [math.nan if a is None else float(a) if -_TOP <= a <= _TOP else math.inf for a in v],
            np.float64,
        )
    blank = None
    if type(None) in kinds:
        nan = np.flatnonzero(np.isnan(x))
        is_none = np.fromiter((v[i] is None for i in nan.tolist()), bool, len(nan))
        blank = np.zeros(m, bool)
        blank[nan[is_none]] = True
    return x, blank, odd


def _group(rows: Any, ds: list[dict[Any, Any]], keys: list[Any], years: list[int]) -> tuple[
    Block | None, Any
]:  # fmt: skip
    """The entries of rows whose mappings all have ``keys``; rows read per cell returned."""
    m, k = len(ds), len(keys)
    x = np.empty((m, k))
    blank = np.zeros((m, k), bool)
    odd = np.zeros(m, bool)
    for j, key in enumerate(keys):
        xj, bj, oj = _figures(list(map(operator.itemgetter(key), ds)))
        x[:, j] = xj
        if bj is not None:
            blank[:, j] = bj
        if oj is not None:
            odd |= oj
    if odd.any():
        keep = ~odd
        rows, x, blank = rows[keep], x[keep], blank[keep]
    block = (rows, np.array(years, np.int64), x, blank) if len(rows) else None
    return block, np.flatnonzero(odd)


def _in_order(rows: Any, ds: list[dict[Any, Any]], keys: list[Any], years: list[int]) -> tuple[
    Block | None, Any
] | None:  # fmt: skip
    """:func:`_group` for mappings that each hold exactly ``keys``, of exactly ``keys``' types,
    in ``keys``' order — their figures pulled all at once (None: not so)."""
    m, k = len(ds), len(keys)
    flat = list(chain.from_iterable(ds))
    if flat != keys * m or set(map(type, flat)) != {type(keys[0])}:
        return None
    x, blank, odd = _figures(list(chain.from_iterable(map(dict.values, ds))))
    x = x.reshape(m, k)
    blank = np.zeros((m, k), bool) if blank is None else blank.reshape(m, k)
    if odd is not None:
        bad = odd.reshape(m, k).any(axis=1)
        keep = ~bad
        rows, x, blank = rows[keep], x[keep], blank[keep]
        odd = np.flatnonzero(bad)
    else:
        odd = np.zeros(0, np.int64)
    block = (rows, np.array(years, np.int64), x, blank) if len(rows) else None
    return block, odd


def _int_keys(ds: list[dict[Any, Any]]) -> Any:
    """A mask of the rows whose keys are all integers (their sum is an ``int``; None: every
    row's are)."""
    try:
        kinds = list(map(type, map(sum, ds)))
    except TypeError:  # keys that do not add up (a Decimal beside a float): row by row
        kinds = [int if all(type(k) is int for k in d) else object for d in ds]
    if set(kinds) == {int}:
        return None
    return np.fromiter(map(operator.is_, kinds, repeat(int)), bool, len(ds))


def _subset(ds: list[Any], at: Any, mask: Any) -> tuple[list[Any], Any]:
    return list(compress(ds, mask.tolist())), at[mask]


def same_keys(
    rows: list[int], ds: list[dict[Any, Any]]
) -> tuple[list[Block], list[int], list[int], list[dict[Any, Any]]]:
    """Mappings ``ds`` (of ``rows``) read by groups sharing a key set: the groups' entries,
    the rows the per-cell reader reads (a figure that is not a plain number), and the rows
    (with their mappings) left to read mapping by mapping."""
    blocks: list[Block] = []
    per_cell: list[int] = []
    left_rows: list[int] = []
    left: list[dict[Any, Any]] = []
    at = np.array(rows, np.int64)
    for _ in range(_GROUPS):
        if len(ds) < _MIN:
            break
        ref = ds[0]
        keys, years = list(ref), _years(ref)
        # the rows taken: those with ref's keys (None: every row, if each has ref's size and
        # every key — known when the keys are looked up)
        same = None
        if years is None or set(map(len, ds)) != {len(keys)}:
            same = _same(ds, ref)
        else:  # every row of ref's size: in ref's order (the usual column)?
            got = _in_order(at, ds, keys, years)
            if got is not None:
                if got[0] is not None:
                    blocks.append(got[0])
                per_cell += at[got[1]].tolist()
                ds, at = [], at[:0]
                break
        if years is not None and type(keys[0]) is int:
            ints = _int_keys(ds)
            if ints is not None:
                same = ints if same is None else same & ints
        gs, grows = (ds, at) if same is None else _subset(ds, at, same)
        if years is not None and len(gs) >= _MIN:
            try:
                block, odd = _group(grows, gs, keys, years)
            except KeyError:  # a row without one of the keys: only the rows with ref's keys
                same = _same(ds, ref) if same is None else same & _same(ds, ref)
                gs, grows = _subset(ds, at, same)
                block, odd = _group(grows, gs, keys, years)
            if block is not None:
                blocks.append(block)
            per_cell += grows[odd].tolist()
        else:  # not read here: those rows mapping by mapping
            left_rows += grows.tolist()
            left += gs
        if same is None:
            ds, at = [], at[:0]
            break
        ds, at = _subset(ds, at, ~same)
    left_rows += at.tolist()
    left += ds
    return blocks, per_cell, left_rows, left


def _same(ds: list[dict[Any, Any]], ref: dict[Any, Any]) -> Any:
    """A mask of the mappings whose keys equal ``ref``'s."""
    return np.fromiter(map(operator.eq, map(dict.keys, ds), repeat(ref.keys())), bool, len(ds))
