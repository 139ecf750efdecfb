"""A tier or grade named by an expression over text and yes/no inputs (#18) — the
rule-language §7.7 recipe for a form's 达成/部分达成, ``'achieved' if verdict == '达成' else
'partial' if verdict == '部分达成' else 'not_achieved'`` — as a derived text column: the rule
set's own compiled expression run once per distinct combination of its inputs' values (a
handful per run), so each row's value is exactly the per-record one.

Since session 13 the expression may also read numeric inputs (``'achieved' if score >= 80 else
…``) and call plug-in functions declared ``pure``: a number is one more value per distinct cell
(as the per-record path reads it, ``Decimal(repr(x))``, ÷ 100 for a percent; a blank takes the
input's default), so a run calls the expression once per distinct combination of cells."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from .seriesexpr import unsupported

__all__ = ["Derived", "derive", "derived_codes", "number_codes"]

_AWARE = frozenset({"is_missing", "coalesce"})
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Derived:
    """A text value computed from text and yes/no inputs (a tier named by an expression):
    ``expr`` (the compiled per-record expression) over ``names``."""

    name: str
    expr: Any
    names: tuple[str, ...]
    #: the numeric inputs among ``names`` (their codes and values: :func:`number_codes`)
    numbers: tuple[str, ...] = ()


def derive(
    text: str,
    compiled: Mapping[str, Any],
    kinds: Mapping[str, str],
    found: dict[str, Derived],
    impure: frozenset[str] = frozenset(),
) -> str:
    """The derived text column for expression ``text`` (registered in ``found``), when it
    reads only inputs — text, yes/no, numbers — and calls no plug-in function that is not
    pure (``impure``: their names); else :class:`Unsupported`."""
    key = text.strip()
    e = compiled.get(key)
    if e is None or e.functions & _AWARE or not e.names:
        raise unsupported(
            f"{text!r} is not a text or yes/no input",
            f"{text!r} 不是文字或是否输入",
        )
    if any(kinds.get(n) not in ("text", "boolean", "number") for n in e.names):
        raise unsupported(
            f"a tier or grade named by an expression that reads metrics: {key}",
            f"等次或字母等级由读计算指标的表达式给出：{key}",
        )
    if e.functions & impure:
        calls = ", ".join(f"{f}()" for f in sorted(e.functions & impure))
        raise unsupported(
            f"a tier or grade named by a plug-in function not declared pure: {calls}",
            f"等次或字母等级由未声明为纯函数（pure）的插件函数给出：{calls}",
        )
    for d in found.values():
        if d.expr is e:
            return d.name
    name = f"_cat_{len(found)}"
    numbers = tuple(sorted(n for n in e.names if kinds.get(n) == "number"))
    found[name] = Derived(name, e, tuple(sorted(e.names)), numbers)
    return name


def number_codes(col: Any, percent: bool, fill: float | None) -> tuple[Any, list[Any]]:
    """A numeric input's float column as value codes (−1: blank) and the values the
    per-record path reads for them (``Decimal(repr(x))``, ÷ 100 for a percent; a blank
    takes ``fill``, the input's default, where there is one) — cells compared bit for bit."""
    x = np.asarray(col, np.float64)
    if fill is not None:
        x = np.where(np.isnan(x), fill, x)
    blank = np.isnan(x)
    bits = np.where(blank, 0, x).view(np.int64)
    uniq, codes = np.unique(bits, return_inverse=True)
    codes = np.asarray(codes, np.int64).reshape(-1)
    codes[blank] = -1
    values = [Decimal(repr(float(v))) for v in uniq.view(np.float64).tolist()]
    if percent:
        values = [v / _HUNDRED for v in values]
    return codes, values


def derived_codes(
    d: Derived, cols: Mapping[str, Any], vocab: Mapping[str, list[Any]]
) -> tuple[Any, list[Any], Any]:
    """``(codes, values, raised)`` of a derived text column over whole columns: the
    expression run once per distinct combination of its inputs' values (a row with a blank
    or refused input: −1, its failure decides first); ``raised``: rows where the expression
    raised (the per-record path says what), or None."""
    parts = [np.asarray(cols[n], np.int64) for n in d.names]
    sizes = [len(vocab[n]) + 2 for n in d.names]
    if math.prod(sizes) >= 1 << 62:  # many distinct numbers: grouped by the rows' codes
        return _by_rows(d, parts, vocab)
    key = np.zeros(len(parts[0]) if parts else 0, np.int64)
    radix = 1
    for x, size in zip(parts, sizes, strict=True):
        key += (x + 2) * radix  # (−2, −1, 0, …: from 0)
        radix *= size
    if radix <= 1 << 20:
        present = np.flatnonzero(np.bincount(key, minlength=radix))
        where = None
    else:
        present, where = np.unique(key, return_inverse=True)
    values: list[Any] = []
    table = np.full(len(present), -1, np.int32)
    bad = np.zeros(len(present), bool)
    for j, k in enumerate(present.tolist()):
        scope = {}
        for name, size in zip(d.names, sizes, strict=True):
            code = k % size - 2
            k //= size
            scope[name] = None if code < 0 else vocab[name][code]
        if any(v is None for v in scope.values()):
            continue  # a blank or refused input: its failure decides first
        _run_once(d, scope, values, table, bad, j)
    if where is None:
        index = np.zeros(radix, np.int64)
        index[present] = np.arange(len(present))
        where = index[key]
    codes = table[where]
    raised = bad[where]
    return codes, values, raised if raised.any() else None


def _by_rows(d: Derived, parts: list[Any], vocab: Mapping[str, list[Any]]) -> tuple[Any, ...]:
    """:func:`derived_codes` where the combinations are too many to number: the distinct
    rows of codes, the expression run once for each."""
    stacked = np.stack(parts, axis=1)
    present, where = np.unique(stacked, axis=0, return_inverse=True)
    where = np.asarray(where).reshape(-1)
    values: list[Any] = []
    table = np.full(len(present), -1, np.int32)
    bad = np.zeros(len(present), bool)
    for j, codes in enumerate(present.tolist()):
        if min(codes) < 0:
            continue  # a blank or refused input: its failure decides first
        scope = {name: vocab[name][k] for name, k in zip(d.names, codes, strict=True)}
        _run_once(d, scope, values, table, bad, j)
    raised = bad[where]
    return table[where], values, raised if raised.any() else None


def _run_once(
    d: Derived, scope: Mapping[str, Any], values: list[Any], table: Any, bad: Any, j: int
) -> None:
    """Combination ``j``: the expression's value's code in ``table`` (``values`` grows by a
    value not met before), or ``bad[j]`` where it raised (the per-record path says what)."""
    try:
        got = d.expr(scope)
    except Exception:
        bad[j] = True
        return
    if got not in values:
        values.append(got)
    table[j] = values.index(got)
