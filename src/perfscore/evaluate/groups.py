"""Evaluate, a group added up in place: what :func:`~perfscore.aggregate.weighted_sum` (and
``mean``, ``weakest_link`` of points) gives for the children that commonly come — each scored
in full, or not applicable — with the same sums in the same order, so the same Decimals;
anything else (an error, a child scored without its data, a letter, no weight at all) is left
to the aggregator.  The coverage of a group covered in part is a function of its children's
coverages alone: kept per group."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..aggregate import covered, scaled
from ..exact import WIDE, exact_quotient, exact_share
from ..numbers import round_once
from .records import COVERAGE4
from .state import ONE, ZERO

__all__ = ["Coverages", "coverage_of", "scored_in_full", "scored_in_part", "shares_in_place"]

_add = WIDE.add
#: what a group covered in full says of its coverage: all, and all rounded to 4 places
_ALL = (ONE, COVERAGE4[1])
#: how many coverages one group keeps (the common ones come first)
_KEPT = 64

#: a group's kept coverages: its children's coverages (by identity) -> the objects (held, so
#: their ids stay theirs), the coverage and the coverage rounded to 4 places
Coverages = dict[tuple[int, ...], tuple[tuple[Any, ...], Any, Decimal]]


def scored_in_full(
    children: list[Any], weight: Decimal | None
) -> tuple[Decimal, bool, Any, Decimal] | None:
    """When every child scored in full (pass or fail, all of its weight covered: the common
    case), what ``weighted_sum`` gives — the same sums in the same order: the points,
    unrounded, whether all passed, the coverage (all) and it rounded to 4 places; else None
    (its coverage is not all, or something did not score)."""
    got = total = ZERO
    passed = True
    for c in children:
        outcome = c.outcome
        if c.coverage is not ONE or (outcome != "pass" and outcome != "fail"):
            return None
        got = _add(got, c.points or ZERO)
        total = _add(total, c.weight or ZERO)
        if outcome == "fail":
            passed = False
    if not total:  # (no weight at all: weighted_sum's coverage is a share, not all)
        return None
    return scaled(got, total, total if weight is None else weight), passed, *_ALL


def scored_in_part(
    children: list[Any], weight: Decimal | None, redistribute: bool, kept: Coverages
) -> tuple[Decimal, bool, Any, Decimal] | None:
    """When every child scored (pass or fail) or is not applicable, at least one scored, and
    the weights add up to more than nothing: what ``weighted_sum`` gives — the points of the
    scored children added up in order and scaled to ``weight`` over the weight that counts
    (the scored children's, added in order, when ``redistribute``; else all), unrounded,
    whether none failed, the coverage (its children's weights × coverages over their total,
    exactly; kept in ``kept``) and it rounded to 4 places; else None."""
    got = total = base = ZERO
    passed = True
    skipped = scored = partial = False
    for c in children:
        outcome = c.outcome
        w = c.weight or ZERO
        total = _add(total, w)
        cov = c.coverage
        if cov is not ONE and (type(cov) is not Decimal or cov != ONE):
            partial = True
        if outcome == "pass" or outcome == "fail":
            got = _add(got, c.points or ZERO)
            base = _add(base, w)
            scored = True
            if outcome == "fail":
                passed = False
        elif outcome == "not_applicable":
            skipped = True
        else:  # an error (or a plugin's own outcome): weighted_sum decides
            return None
    if not scored or not total:
        return None
    if not (skipped and redistribute):
        base = total
    points = scaled(got, base, base if weight is None else weight)
    if not partial:
        return points, passed, *_ALL
    return points, passed, *coverage_of(children, total, kept)


def shares_in_place(
    children: list[Any], weight: Decimal | None, redistribute: bool, lowest: bool, kept: Coverages
) -> tuple[Any, bool, Any, Decimal] | None:
    """A ``mean`` (``lowest``: a ``weakest_link``) group of points whose children each scored
    (pass or fail, no letter) or are not applicable, at least one scored, their weights adding
    up to more than nothing: what the aggregator gives — the share of its weight each scored
    child earned (exactly), a zero share for each one not applicable unless ``redistribute``,
    the weight × their mean (their lowest) exactly, unrounded; whether none failed; the
    coverage (kept in ``kept``) and it rounded to 4 places — else None (the aggregator
    decides)."""
    total = ZERO
    passed = True
    scored = partial = False
    skipped = 0
    shares: list[Any] = []
    for c in children:
        outcome = c.outcome
        w = c.weight
        total = _add(total, w or ZERO)
        cov = c.coverage
        if cov is not ONE and cov != ONE:
            partial = True
        if c.grade is not None:
            return None
        if outcome == "pass" or outcome == "fail":
            scored = True
            if outcome == "fail":
                passed = False
            if w:
                shares.append(exact_quotient(c.points or ZERO, w))
        elif outcome == "not_applicable":
            skipped += 1
        else:  # an error (or a plugin's own outcome): the aggregator decides
            return None
    if not scored or not total:
        return None
    if skipped and not redistribute:
        shares.extend([ZERO] * skipped)
    share = weight or ZERO
    if not shares:
        points: Any = ZERO
    elif lowest:
        points = exact_share([(share, min(shares))], ONE)
    else:
        points = exact_share([(share, s) for s in shares], Decimal(len(shares)))
    if not partial:
        return points, passed, *_ALL
    return points, passed, *coverage_of(children, total, kept)


def coverage_of(children: list[Any], total: Decimal, kept: Coverages) -> tuple[Any, Decimal]:
    """The coverage of ``children`` covered in part (weights × coverages over ``total``,
    exactly) and it rounded to 4 places, kept per their coverages (by identity)."""
    key = tuple([id(c.coverage) for c in children])
    seen = kept.get(key)  # (the objects are held there: an id met is that object)
    if seen is None:
        coverage = covered(children, total)
        one = coverage is ONE or (type(coverage) is Decimal and coverage == ONE)
        seen = (tuple([c.coverage for c in children]), coverage,
                COVERAGE4[1] if one else round_once(coverage, 4))  # fmt: skip
        if len(kept) < _KEPT:
            kept[key] = seen
    return seen[1], seen[2]
