"""Aggregation: how children's points (or letters) become their parent's.

Aggregators are a registry (:data:`AGGREGATORS`): ``weighted_sum`` (default), ``mean``,
``weakest_link`` (PEFA M1 on letters, the minimum share on points) and ``lookup`` (a declared
table from the children's letters to the parent's, e.g. PEFA M2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .exact import exact_quotient, share_of
from .letters import LetterScale
from .registry import Registry, check_arity, check_identifier
from .words import AGGREGATE, language, say

__all__ = ["AGGREGATORS", "AggregateSpec", "NodeScore", "register_aggregator"]

ZERO = Decimal(0)


@dataclass(frozen=True)
class NodeScore:
    """An indicator's result as its parent sees it."""

    rule_id: str
    weight: Decimal | None
    points: Decimal | None
    grade: str | None
    outcome: str  # pass | fail | not_applicable | error
    coverage: Decimal  # share of this node's weight actually scored from data (0..1)
    reason: str | None = None  # why there is no score, in English
    reason_zh: str | None = None  # the same in Chinese (a plugin aggregator may give only English)

    def reason_in(self, lang: str) -> str | None:
        """The reason in ``lang`` (through :func:`perfscore.words.language`); the English one
        when the aggregator gave no Chinese."""
        if language(lang) == "zh" and self.reason_zh is not None:
            return self.reason_zh
        return self.reason


@dataclass(frozen=True)
class AggregateSpec:
    """What an aggregator may know about the parent."""

    rule_id: str
    weight: Decimal | None
    not_applicable_weight: str  # redistribute | zero
    letters: LetterScale | None
    table: Mapping[tuple[str, ...], str] | None


def _check_aggregator(name: str, fn: object) -> None:
    check_identifier(name)
    check_arity(name, fn, 2, "aggregate(spec, children)")


Aggregator = Callable[[AggregateSpec, Sequence[NodeScore]], NodeScore]
AGGREGATORS: Registry[Aggregator] = Registry(
    "aggregator", group="perfscore.aggregators", check=_check_aggregator
)


def register_aggregator(name: str) -> Callable[[Aggregator], Aggregator]:
    """Decorator: ``@register_aggregator("harmonic")``."""
    return AGGREGATORS.register(name)


def _error(spec: AggregateSpec, word: str, /, **fields: str) -> NodeScore:
    """An error result whose reason is :data:`perfscore.words.AGGREGATE` ``[word]``."""
    en, zh = say(AGGREGATE, "en", word, **fields), say(AGGREGATE, "zh", word, **fields)
    return NodeScore(spec.rule_id, spec.weight, None, None, "error", ZERO, en, zh)


def _blocked(spec: AggregateSpec, children: Sequence[NodeScore]) -> NodeScore | None:
    """A parent cannot be scored when a child could not be; it says which."""
    errors = [c.rule_id for c in children if c.outcome == "error"]
    if errors:
        return _error(spec, "depends_on", rules=", ".join(errors))
    if all(c.outcome == "not_applicable" for c in children):
        return NodeScore(
            spec.rule_id,
            spec.weight,
            None,
            None,
            "not_applicable",
            ZERO,
            say(AGGREGATE, "en", "none_applies"),
            say(AGGREGATE, "zh", "none_applies"),
        )
    return None


def _coverage(children: Sequence[NodeScore]) -> Decimal:
    weights = [c.weight or ZERO for c in children]
    total = sum(weights, ZERO)
    if total == 0:
        scored = [c for c in children if c.outcome in ("pass", "fail")]
        return Decimal(len(scored)) / Decimal(len(children)) if children else ZERO
    return sum(((c.weight or ZERO) * c.coverage for c in children), ZERO) / total


def _outcome(children: Sequence[NodeScore]) -> str:
    return "pass" if all(c.outcome in ("pass", "not_applicable") for c in children) else "fail"


def _points_children(
    spec: AggregateSpec, children: Sequence[NodeScore]
) -> tuple[list[NodeScore], list[NodeScore]]:
    scored = [c for c in children if c.outcome in ("pass", "fail")]
    counted = scored if spec.not_applicable_weight == "redistribute" else list(children)
    return scored, counted


@register_aggregator("weighted_sum")
def weighted_sum(spec: AggregateSpec, children: Sequence[NodeScore]) -> NodeScore:
    """Σ children's points, scaled to the parent's weight over the weight that counts."""
    # One pass over the children computing what _blocked, _points_children, _outcome and
    # _coverage would (the same sums, in the same order, so the same Decimals).
    redistribute = spec.not_applicable_weight == "redistribute"
    errors = False
    all_na = True
    passed = True
    n_scored = 0
    got = base = total = covered = ZERO
    for c in children:
        outcome = c.outcome
        w = c.weight or ZERO
        total = total + w
        covered = covered + w * c.coverage
        if outcome == "pass" or outcome == "fail":
            n_scored += 1
            got = got + (c.points or ZERO)
            base = base + w
            all_na = False
            if outcome == "fail":
                passed = False
        else:
            if outcome == "error":
                errors = True
            elif outcome != "not_applicable":
                all_na = False
                passed = False
            if not redistribute:
                base = base + w
    if errors or all_na:
        blocked = _blocked(spec, children)
        assert blocked is not None
        return blocked
    weight = spec.weight if spec.weight is not None else base
    # got, weight and base are exact: their quotient is rounded once (perfscore.exact), so
    # rounding it to places decides as the exact value does
    points = ZERO if base == 0 else (got if base == weight else share_of(got, weight, base))
    coverage = Decimal(n_scored) / Decimal(len(children)) if total == 0 else covered / total
    outcome = "pass" if passed else "fail"
    return NodeScore(spec.rule_id, spec.weight, points, None, outcome, coverage)


def _points(spec: AggregateSpec, children: Sequence[NodeScore], points: Decimal) -> NodeScore:
    return NodeScore(
        spec.rule_id, spec.weight, points, None, _outcome(children), _coverage(children)
    )


def _shares(scored: Sequence[NodeScore], counted: Sequence[NodeScore]) -> list[Decimal]:
    shares = [exact_quotient(c.points or ZERO, c.weight) for c in scored if c.weight]
    shares += [ZERO for c in counted if c.outcome == "not_applicable"]
    return shares


@register_aggregator("mean")
def mean(spec: AggregateSpec, children: Sequence[NodeScore]) -> NodeScore:
    """The parent's weight × the mean share of their weight the children earned."""
    blocked = _blocked(spec, children)
    if blocked:
        return blocked
    scored, counted = _points_children(spec, children)
    shares = _shares(scored, counted)
    weight = spec.weight or ZERO
    return _points(spec, children, weight * sum(shares, ZERO) / len(shares) if shares else ZERO)


@register_aggregator("weakest_link")
def weakest_link(spec: AggregateSpec, children: Sequence[NodeScore]) -> NodeScore:
    """Letters: PEFA M1 (lowest, ``+`` if any other is higher).  Points: the lowest share."""
    blocked = _blocked(spec, children)
    if blocked:
        return blocked
    scored, counted = _points_children(spec, children)
    if spec.letters is not None and all(c.grade is not None for c in scored):
        grade = spec.letters.weakest_link([c.grade for c in scored if c.grade is not None])
        outcome = "pass" if spec.letters.passes(grade) else "fail"
        return NodeScore(spec.rule_id, spec.weight, None, grade, outcome, _coverage(children))
    shares = _shares(scored, counted)
    return _points(spec, children, (spec.weight or ZERO) * min(shares) if shares else ZERO)


@register_aggregator("lookup")
def lookup(spec: AggregateSpec, children: Sequence[NodeScore]) -> NodeScore:
    """A declared table from the multiset of the applicable children's letters (PEFA M2)."""
    blocked = _blocked(spec, children)
    if blocked:
        return blocked
    assert spec.letters is not None and spec.table is not None
    grades = [c.grade for c in children if c.outcome in ("pass", "fail") and c.grade is not None]
    key = spec.letters.key(grades)
    result = spec.table.get(key)
    if result is None:
        return _error(spec, "no_row", key=" ".join(key))
    outcome = "pass" if spec.letters.passes(result) else "fail"
    return NodeScore(spec.rule_id, spec.weight, None, result, outcome, _coverage(children))
