"""Failure codes per row: what blocks an indicator, a metric or a check (a missing, refused
or out-of-range cell, a division by zero), picked by priority as the per-record path's
``blocking`` does, and what a leaf and a group make of them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .bounds import F_ERROR, F_FULL, F_MISSING, F_NA, F_ZERO, Chunk
from .plan import LeafPlan

__all__ = [
    "GROUP_CODE",
    "KIND",
    "code_where",
    "failure_codes",
    "first_code",
    "leaf_tables",
    "with_zero",
]

#: a zero denominator's failure code, per ``zero_division`` policy
KIND = {"error": F_ERROR, "not_applicable": F_NA, "zero": F_ZERO}
_MISSING = {"error": F_ERROR, "not_applicable": F_NA, "zero": F_ZERO, "full": F_FULL}


# -- choices per row by arithmetic: ``np.where`` takes a branch per cell, which a random mask
# mispredicts (65,536 rows: 0.4-0.5 ms at half the rows, 0.005-0.06 ms this way) --------------
def code_where(mask: Any, code: int) -> Any:
    """int8 codes: ``code`` where ``mask``, else 0."""
    return np.multiply(mask, np.int8(code), dtype=np.int8)


def first_code(first: Any, then: Any) -> Any:
    """int8 codes: ``first`` where it is not 0, else ``then`` (the int8 of
    ``np.where(first != 0, first, then)``)."""
    then8 = then if then.dtype == np.int8 else then.astype(np.int8)
    out = np.multiply(then8, first == 0, dtype=np.int8)  # 0 where first decides
    out |= first if first.dtype == np.int8 else first.astype(np.int8)
    return out


def failure_codes(
    ctx: Chunk, names: Any, zero: Any, zero_division: str, optional: Any = (), nulls: bool = False
) -> Any:
    """The failure code per row of something reading ``names`` (0: none) — the first by
    priority, as the per-record path's ``blocking`` picks it (``optional`` names: a missing
    value is no failure) — then, where none, a division by zero (``zero``) as
    ``zero_division`` says; None when no row has one.  ``nulls``: a ``year(s, y)`` metric's
    rows without a value are no failure (:attr:`Chunk.nulls`: the reader decides)."""
    out = None
    for name in (*names, *optional):
        c = ctx.codes.get(name)
        if c is None:
            continue
        if nulls and name in ctx.nulls:
            c = np.multiply(c, np.logical_not(ctx.nulls[name]), dtype=np.int8)
        if name in optional and name not in names:
            c = np.multiply(c, c != F_MISSING, dtype=np.int8)
        if out is None:
            out = c
        else:  # the smallest non-zero code: 0 − 1 wraps to 255 in uint8, above every code
            first = np.minimum(c.view(np.uint8) - np.uint8(1), out.view(np.uint8) - np.uint8(1))
            out = (first + np.uint8(1)).view(np.int8)
    if zero is not None:
        zc = code_where(zero, KIND[zero_division])
        out = zc if out is None else first_code(out, zc)
    return None if out is None else np.asarray(out, np.int8)


def with_zero(code: Any, zero: Any, zero_division: str) -> Any:
    """``code`` (failure codes of what a metric reads, or None) with the rows that divided by
    zero added where nothing failed before (as ``zero_division`` says)."""
    if zero is None:
        return code
    if code is None:
        return np.multiply(zero, np.int8(KIND[zero_division]), dtype=np.int8)
    out = code.copy()
    out[zero & (code == 0)] = KIND[zero_division]
    return out


#: a group's outcome from the bits ``1 << code`` of its children's outcomes: an error blocks
#: it, all not applicable makes it not applicable, else fail if any child failed
GROUP_CODE = np.array(
    [3 if b & 8 else 2 if b == 4 else 1 if b & 2 else 0 for b in range(16)], np.int8
)


def leaf_tables(node: LeafPlan) -> tuple[Any, Any]:
    """Outcome code and points per failure code, as the per-record path's _from_failure
    gives them (index 0: no failure, unused)."""
    kind = {F_ERROR: F_ERROR, F_NA: F_NA, F_ZERO: F_ZERO, F_MISSING: _MISSING[node.missing]}
    outcome = {F_ERROR: 3, F_NA: 2, F_ZERO: 1, F_FULL: 0}
    codes = np.zeros(6, np.int8)
    points = np.zeros(6, np.int64)
    for code, k in kind.items():
        codes[code] = outcome[k]
        points[code] = node.full if k == F_FULL else 0
    return codes, points
