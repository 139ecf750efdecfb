"""A tier or grade named by an expression over text and yes/no inputs (#18) — the
rule-language §7.7 recipe for a form's 达成/部分达成, ``'achieved' if verdict == '达成' else
'partial' if verdict == '部分达成' else 'not_achieved'`` — as a derived text column: the rule
set's own compiled expression run once per distinct combination of its inputs' values (a
handful per run), so each row's value is exactly the per-record one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .seriesexpr import unsupported

__all__ = ["Derived", "derive", "derived_codes"]

_AWARE = frozenset({"is_missing", "coalesce"})


@dataclass(frozen=True)
class Derived:
    """A text value computed from text and yes/no inputs (a tier named by an expression):
    ``expr`` (the compiled per-record expression) over ``names``."""

    name: str
    expr: Any
    names: tuple[str, ...]


def derive(
    text: str, compiled: Mapping[str, Any], kinds: Mapping[str, str], found: dict[str, Derived]
) -> str:
    """The derived text column for expression ``text`` (registered in ``found``), when it
    reads only text and yes/no inputs; else :class:`Unsupported`."""
    key = text.strip()
    e = compiled.get(key)
    if e is None or e.functions & _AWARE or not e.names:
        raise unsupported(
            f"{text!r} is not a text or yes/no input",
            f"{text!r} 不是文字或是否输入",
        )
    if any(kinds.get(n) not in ("text", "boolean") for n in e.names):
        raise unsupported(
            f"a tier or grade named by an expression that reads numbers: {key}",
            f"等次或字母等级由读数值的表达式给出：{key}",
        )
    for d in found.values():
        if d.expr is e:
            return d.name
    name = f"_cat_{len(found)}"
    found[name] = Derived(name, e, tuple(sorted(e.names)))
    return name


def derived_codes(
    d: Derived, cols: Mapping[str, Any], vocab: Mapping[str, list[Any]]
) -> tuple[Any, list[Any], Any]:
    """``(codes, values, raised)`` of a derived text column over whole columns: the
    expression run once per distinct combination of its inputs' values (a row with a blank
    or refused input: −1, its failure decides first); ``raised``: rows where the expression
    raised (the per-record path says what), or None."""
    parts = [np.asarray(cols[n], np.int64) for n in d.names]
    sizes = [len(vocab[n]) + 2 for n in d.names]
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
        try:
            got = d.expr(scope)
        except Exception:
            bad[j] = True
            continue
        if got not in values:
            values.append(got)
        table[j] = values.index(got)
    if where is None:
        index = np.zeros(radix, np.int64)
        index[present] = np.arange(len(present))
        where = index[key]
    codes = table[where]
    raised = bad[where]
    return codes, values, raised if raised.any() else None
