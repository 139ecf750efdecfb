"""Aggregation: how children's points (or letters) become their parent's.

Aggregators are a registry (:data:`AGGREGATORS`): ``weighted_sum`` (default), ``mean``,
``weakest_link`` (PEFA M1 on letters, the minimum share on points) and ``lookup`` (a declared
table from the children's letters to the parent's, e.g. PEFA M2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .exact import WIDE, exact_quotient, exact_share, ratio, share_of
from .letters import LetterScale
from .registry import Registry, check_arity, check_identifier
from .words import AGGREGATE, language, say

__all__ = [
    "AGGREGATORS",
    "AggregateSpec",
    "NodeScore",
    "added",
    "covered",
    "register_aggregator",
    "scaled",
    "weigh",
]

ZERO = Decimal(0)
ONE = Decimal(1)
#: Exact addition (weights and points are decimals of bounded size: their sums fit its 400
#: digits), whatever the caller's thread context says.
_add = WIDE.add
_setattr = object.__setattr__


@dataclass(frozen=True, init=False)
class NodeScore:
    """An indicator's result as its parent sees it."""

    rule_id: str
    weight: Decimal | None
    points: Decimal | None
    grade: str | None
    outcome: str  # pass | fail | not_applicable | error
    #: share of this node's weight actually scored from data (0..1), exactly: a Decimal, or a
    #: :class:`~perfscore.exact.Q` when it is no decimal of at most 28 digits (1/3)
    coverage: Decimal
    reason: str | None = None  # why there is no score, in English
    reason_zh: str | None = None  # the same in Chinese (a plugin aggregator may give only English)

    def __init__(
        self,
        rule_id: str,
        weight: Decimal | None,
        points: Decimal | None,
        grade: str | None,
        outcome: str,
        coverage: Decimal,
        reason: str | None = None,
        reason_zh: str | None = None,
    ) -> None:
        # the dataclass's own __init__, in one step instead of one object.__setattr__ per field
        # (one per group per subject): the same attributes
        _setattr(
            self,
            "__dict__",
            {
                "rule_id": rule_id,
                "weight": weight,
                "points": points,
                "grade": grade,
                "outcome": outcome,
                "coverage": coverage,
                "reason": reason,
                "reason_zh": reason_zh,
            },
        )

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


def added(values: Sequence[Decimal]) -> Decimal:
    """``values`` added up in order, exactly (weights, points: never rounded at 28 digits, nor
    in the caller's thread context)."""
    total = ZERO
    for v in values:
        total = _add(total, v)
    return total


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


def _error(spec: AggregateSpec, word: str, /, coverage: Decimal = ZERO, **fields: str) -> NodeScore:
    """An error result whose reason is :data:`perfscore.words.AGGREGATE` ``[word]``."""
    en, zh = say(AGGREGATE, "en", word, **fields), say(AGGREGATE, "zh", word, **fields)
    return NodeScore(spec.rule_id, spec.weight, None, None, "error", coverage, en, zh)


def _blocked(spec: AggregateSpec, children: Sequence[NodeScore]) -> NodeScore | None:
    """A parent cannot be scored when a child could not be; it says which — and still how
    much of its weight was scored from data (a child in error covers none of its own), so
    a subject without a total shows the coverage its earned / scorable points have."""
    errors = [c.rule_id for c in children if c.outcome == "error"]
    if errors:
        return _error(spec, "depends_on", _coverage(children), rules=", ".join(errors))
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
    """Σ weight × coverage / Σ weight of the children, exactly (the share of children scored
    when their weights add up to zero)."""
    total = added([c.weight or ZERO for c in children])
    if total == 0:
        scored = [c for c in children if c.outcome in ("pass", "fail")]
        return exact_quotient(Decimal(len(scored)), Decimal(len(children))) if children else ZERO
    if all(c.coverage == ONE for c in children):
        return ONE
    return covered(children, total)


def covered(children: Sequence[NodeScore], total: Decimal) -> Decimal:
    """Σ weight × coverage / ``total``, exactly: leaves (coverage 1 or 0) add their weights;
    a group covered in part (1/3, a Q) weighs in as a rational."""
    whole = ZERO
    parts: list[tuple[Decimal, Decimal]] = []
    for c in children:
        cov = c.coverage
        if cov is ONE or cov is ZERO or (type(cov) is Decimal and cov in (ONE, ZERO)):
            if cov:
                whole = _add(whole, c.weight or ZERO)
        else:
            parts.append((c.weight or ZERO, cov))
    if not parts:  # leaves only: one quotient of integers
        return ratio(whole, total)  # type: ignore[return-value]
    parts.append((whole, ONE))
    return exact_share(parts, total)  # type: ignore[return-value]


def _outcome(children: Sequence[NodeScore]) -> str:
    return "pass" if all(c.outcome in ("pass", "not_applicable") for c in children) else "fail"


def _points_children(
    spec: AggregateSpec, children: Sequence[NodeScore]
) -> tuple[list[NodeScore], list[NodeScore]]:
    scored = [c for c in children if c.outcome in ("pass", "fail")]
    counted = scored if spec.not_applicable_weight == "redistribute" else list(children)
    return scored, counted


def weigh(
    weight: Decimal | None,
    redistribute: bool,
    weights: Sequence[Decimal],
    results: Sequence[Decimal | str],
    total: Decimal,
) -> Decimal | str:
    """The weighted sum — the one definition of its arithmetic, for :func:`weighted_sum` and
    for the points-only path's groups.

    ``results[i]`` is child ``i``'s points when it was scored, else its outcome (a ``str``:
    ``"not_applicable"``, ``"error"``, …); ``weights[i]`` its weight; ``total`` the weights
    added up in order.  Gives the children's points added up and scaled to ``weight`` (None:
    no scaling) over the weight that counts — a child without points counts with its weight
    unless ``redistribute`` hands that weight to the others — or, when it cannot, why:
    ``"error"`` (a child is an error), ``"not_applicable"`` (every child is)."""
    got = ZERO
    skipped = applies = False
    for p in results:
        if p.__class__ is not str:
            got = _add(got, p)  # type: ignore[arg-type]
            applies = True
        elif p == "error":
            return "error"
        else:
            skipped = True
            if p != "not_applicable":
                applies = True
    if not applies:
        return "not_applicable"
    base = total
    if skipped and redistribute:  # the weight of the children that count, added in order
        base = ZERO
        for w, p in zip(weights, results, strict=True):
            if p.__class__ is not str:
                base = _add(base, w)
    return scaled(got, base, base if weight is None else weight)


def scaled(got: Decimal, base: Decimal, weight: Decimal) -> Decimal:
    """``got`` (children's points added up) scaled to ``weight`` over ``base``, the weight of
    the children that count: the weighted sum's arithmetic, in this one place (a group whose
    children all count has ``base`` = their weights added up)."""
    # got, weight and base are exact: their quotient is rounded once (perfscore.exact), so
    # rounding it to places decides as the exact value does (numbers.round_once)
    return ZERO if base == 0 else (got if base == weight else share_of(got, weight, base))


@register_aggregator("weighted_sum")
def weighted_sum(spec: AggregateSpec, children: Sequence[NodeScore]) -> NodeScore:
    """Σ children's points, scaled to the parent's weight over the weight that counts
    (:func:`weigh`)."""
    # One pass over the children collecting what weigh reads and what _outcome and _coverage
    # would compute (the same sums, in the same order, so the same Decimals).
    passed = True
    partial = False
    n_scored = 0
    total = ZERO
    weights: list[Decimal] = []
    results: list[Decimal | str] = []
    for c in children:
        outcome = c.outcome
        w = c.weight or ZERO
        weights.append(w)
        total = _add(total, w)
        cov = c.coverage
        if cov is not ONE and (type(cov) is not Decimal or cov != ONE):  # (a Q: partial)
            partial = True
        if outcome == "pass" or outcome == "fail":
            n_scored += 1
            results.append(c.points or ZERO)
            if outcome == "fail":
                passed = False
        else:
            results.append(outcome)
            if outcome != "not_applicable" and outcome != "error":
                passed = False
    points = weigh(
        spec.weight, spec.not_applicable_weight == "redistribute", weights, results, total
    )
    if points.__class__ is str:
        blocked = _blocked(spec, children)
        assert blocked is not None
        return blocked
    if total == 0:
        coverage = exact_quotient(Decimal(n_scored), Decimal(len(children)))
    elif partial:  # exactly: 1/3 of a group is no 28-digit number, and a parent weighs it again
        coverage = covered(children, total)
    else:
        coverage = ONE
    outcome = "pass" if passed else "fail"
    return NodeScore(spec.rule_id, spec.weight, points, None, outcome, coverage)  # type: ignore[arg-type]


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
    if not shares:
        return _points(spec, children, ZERO)
    # exactly (the shares are exact; a rounded mean would be rounded again to places)
    mean_points = exact_share([(weight, s) for s in shares], Decimal(len(shares)))
    return _points(spec, children, mean_points)  # type: ignore[arg-type]  # a Q: exact


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
    if not shares:
        return _points(spec, children, ZERO)
    lowest = exact_share([(spec.weight or ZERO, min(shares))], ONE)
    return _points(spec, children, lowest)  # type: ignore[arg-type]  # a Q: exact


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
