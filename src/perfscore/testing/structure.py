"""The rule set's structure as the kit sees it: leaves, conditions, the input fields each rule
reads, the constants worth hitting (memoised per rule set)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from ..compile import IndicatorNode
from ..ruleset import RuleSet

T = TypeVar("T")

NUMBER_TYPES = ("number", "money", "percent", "integer")
RESERVED = frozenset({"id", "name", "type", "values"})
DEFAULT_LOW = Decimal(-1000)
DEFAULT_HIGH = Decimal(100000)
HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
#: The data policy for numbers (docs/data.md): beyond 10^15 (10^15 itself is read) a figure is
#: a data-entry error ("check the unit"), and no number may carry more than 28 significant digits.
MAX_EXPONENT = 15
MAX_DIGITS = 28


# --- per-rule-set memo (weak: a rule set that is gone takes its strategies with it) ----------

_MEMO: weakref.WeakKeyDictionary[RuleSet, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _memo(rs: RuleSet, key: Any, build: Callable[[], T]) -> T:
    box = _MEMO.setdefault(rs, {})
    if key not in box:
        box[key] = build()
    value: T = box[key]
    return value


# --- the rule set's structure ------------------------------------------------------------


def _walk(nodes: Sequence[IndicatorNode]) -> Iterator[IndicatorNode]:
    for n in nodes:
        yield n
        yield from _walk(n.children)


def _leaves(rs: RuleSet) -> list[IndicatorNode]:
    return rs.compiled.leaves()


def _names(*exprs: Any) -> set[str]:
    return {n for e in exprs if e is not None for n in e.names}


def _inputs_of(rs: RuleSet, names: set[str]) -> frozenset[str]:
    return frozenset(rs.compiled.inputs_of(names))


def _conditions(rs: RuleSet) -> dict[str, tuple[frozenset[str], ...]]:
    """leaf id → the input fields of each ``when`` that decides whether it applies, outermost
    first: its groups' and its own."""

    def build() -> dict[str, tuple[frozenset[str], ...]]:
        out: dict[str, tuple[frozenset[str], ...]] = {}

        def visit(node: IndicatorNode, above: tuple[frozenset[str], ...]) -> None:
            here = above
            if node.when is not None:
                here = (*above, _inputs_of(rs, set(node.when.names)))
            if node.is_leaf:
                out[node.id] = here
            for c in node.children:
                visit(c, here)

        for n in rs.compiled.indicators:
            visit(n, ())
        return out

    return _memo(rs, "conditions", build)


def rule_inputs(rs: RuleSet) -> dict[str, frozenset[str]]:
    """Leaf indicator or check id → the input fields it reads, through metrics, from every
    expression it holds (value, when, its groups' when, scorer targets, check sides...)."""

    def build() -> dict[str, frozenset[str]]:
        conds = _conditions(rs)
        reads = rs.compiled.rule_inputs  # every expression a rule holds, resolved at compile
        deps: dict[str, frozenset[str]] = {}
        for node in _leaves(rs):
            deps[node.id] = frozenset(reads[node.id]).union(*conds[node.id])
        for chk in rs.compiled.checks:
            deps[chk.id] = frozenset(reads[chk.id])
        return deps

    return _memo(rs, "deps", build)


def _from_scorers(rs: RuleSet, hook: str) -> set[Any]:
    """What every scorer of the rule set answers to ``hook`` (``boundaries``, ``texts``: see
    :class:`perfscore.scorers.BaseScorer`; a plugin scorer without it says nothing)."""
    out: set[Any] = set()
    for node in _walk(rs.compiled.indicators):
        ask = getattr(node.scorer, hook, None)
        if ask is not None:
            out.update(ask())
    return out


def scorer_constants(rs: RuleSet) -> frozenset[Decimal]:
    """Targets, starts, band edges and grade minima: boundary values worth hitting."""

    def build() -> frozenset[Decimal]:
        out = _from_scorers(rs, "boundaries")
        out.update(band.min for band in rs.compiled.grade_bands)
        return frozenset(out)

    return _memo(rs, "constants", build)


def _text_constants(rs: RuleSet) -> list[str]:
    """Strings a text input without ``choices`` is likely meant to hold (tiers, letters)."""

    def build() -> list[str]:
        out = _from_scorers(rs, "texts")
        c = rs.compiled
        if c.letters is not None:
            out.update(c.letters.ordered())
            out.update(c.letters.aliases)
        return sorted(out)

    return _memo(rs, "texts", build)
