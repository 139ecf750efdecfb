"""The points-only plan's clean steps: a leaf's fast points form and how it reads its value, a
group's arithmetic over its children's results, and how a node's names split between its group
and itself; the pieces :func:`~.pointsonly.points_plan` assembles (kept apart from the
orchestration and the walk with failures)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..aggregate import scaled, weigh
from ..compile import IndicatorNode
from ..exact import ONCE, WIDE, exact_quotient, exact_share, maybe_rounded
from ..numbers import round_once
from ..scorers import Fallback
from .leaves import from_failure
from .plannodes import NA, ONE, ZERO, PlanNode, Points, Result, Step
from .pointscode import share_factors
from .state import Failure, Outcome

#: points are added up exactly (not at 28 digits, nor in the caller's thread context)
_add = WIDE.add


def _none(scope: Any) -> None:
    return None


def _leaf_has_none(results: Sequence[Result]) -> Result:
    raise AssertionError("a leaf has no children to combine")


def _plain_name(expr: Any) -> str | None:
    """The name when ``expr`` is just a name read from the scope (compiled to
    ``scope[name]``: a missing key raises, and the fast path then falls back), else None."""
    if expr is None:
        return None
    text: str = expr.text.strip()
    if text.isidentifier() and not text.startswith("_") and expr.names == frozenset({text}):
        return text
    return None


def value_reader(node: IndicatorNode) -> Callable[[Mapping[str, Any]], Any] | None:
    """How a fast form reads a leaf's value (None: it has none): a plain name directly (a
    missing key raises: fallback), else its compiled function; a value that may equal a
    28-digit edge raises :class:`Fallback` (the evaluator's leaf decides it exactly)."""
    val = node.value
    name = _plain_name(val)
    get: Any = (
        operator.itemgetter(name)
        if name is not None
        else (val.__call__ if val is not None else None)  # the compiled function itself
    )
    if node.long_numbers and get is not None:  # a rounded value may equal a 28-digit edge
        read_value = get

        def get(scope: Mapping[str, Any]) -> Any:
            v = read_value(scope)
            if maybe_rounded(v):
                raise Fallback  # the evaluator's leaf decides it exactly
            return v

    return get  # type: ignore[no-any-return]


def _leaf(
    node: IndicatorNode, scored: Callable[[Mapping[str, Any]], Decimal] | None
) -> Callable[[Mapping[str, Any]], Result] | None:
    """The scorer's fast points form for a leaf (``scope -> rounded points``), or None (no fast
    path: the rule set then always takes the full path).  A leaf with a ``when`` is not
    applicable where it does not hold (its parent weighs it as such); where it cannot be
    decided (an error) the evaluator's :func:`leaf` decides."""
    if scored is None:
        return None
    when = node.when
    if when is None:
        return scored

    def guarded(scope: Mapping[str, Any]) -> Result:
        if not when(scope):
            return NA  # what leaf() says of it (its points none)
        return scored(scope)

    return guarded


def _own_checks(node: IndicatorNode) -> tuple[frozenset[str], frozenset[str]]:
    """A leaf's names split in two: those whose failure sends its group to the walk with
    failures, and those the leaf checks itself in the walk (its failures then decided where
    it stands, the rest of the group kept on its clean code).  A leaf checks itself the
    names read only where its ``when`` holds (a form left blank where it does not apply: the
    common case) and its scorer's optional reads (a ratio left blank); the names of the
    ``when`` itself stay with the group (its clean code asks the condition)."""
    names = frozenset(node.reads + node.optional_reads)
    if node.when is not None:
        strict = frozenset(node.when.names)
    else:
        strict = names - (frozenset(node.optional_reads) - frozenset(node.reads))
    return strict, names - strict


def _group_checks(
    node: IndicatorNode, children: tuple[PlanNode, ...]
) -> tuple[frozenset[str], frozenset[str]]:
    """A group's names split as :func:`_own_checks` splits a leaf's: a group with a ``when``
    checks itself what its subtree reads (a form's section left blank where it does not
    apply: the common case), after its condition; its condition's names stay with its
    parent.  A group without one passes its children's up."""
    below = frozenset().union(*(c.strict for c in children))
    if node.when is None:
        return frozenset(node.reads) | below, frozenset()
    strict = frozenset(node.reads)
    return strict, below - strict


def _run(kids: tuple[Step, ...], scope: dict[str, Any], out: Points) -> list[Result]:
    """Each of ``kids``' results (a leaf's points written to ``out``, None where it has none)."""
    results: list[Result] = []
    for cid, step, is_leaf in kids:
        if is_leaf:
            p = step(scope)
            out[cid] = None if p.__class__ is str else p
        else:
            p = step(scope, out)
        results.append(p)
    return results


def _combiner(
    kind: str, weight: Decimal, redistribute: bool, weights: tuple[Decimal, ...], total: Decimal
) -> Callable[[Sequence[Result]], Result]:
    """A group's arithmetic over its children's results, unrounded — or why it has none
    (``"error"``, ``"not_applicable"``): :func:`weigh` for a weighted sum, else the mean or
    the lowest share of the children's weights (what :mod:`perfscore.aggregate` computes)."""
    if kind == "weighted_sum":

        def weighted(results: Sequence[Result]) -> Result:
            return weigh(weight, redistribute, weights, results, total)

        return weighted

    def shares(results: Sequence[Result]) -> Result:
        if "error" in results:
            return "error"
        if all(r == NA for r in results):
            return NA
        got: list[Any] = []
        for w, r in zip(weights, results, strict=True):
            if r.__class__ is not str:
                if w:
                    got.append(exact_quotient(r, w))
            elif r == NA and not redistribute:
                got.append(ZERO)
        if not got:
            return ZERO
        if kind == "mean":
            return exact_share([(weight, x) for x in got], Decimal(len(got)))  # type: ignore[return-value]
        return exact_share([(weight, min(got))], ONE)  # type: ignore[return-value]

    return shares


def _group(
    nid: str,
    kids: tuple[Step, ...],
    kind: str,
    w: Decimal,
    total: Decimal,
    combine: Callable[[Sequence[Result]], Result],
    places: int,
    children: tuple[PlanNode, ...],
    when: Any,
    below: tuple[str, ...],
) -> Callable[[dict[str, Any], Points], Result]:
    """A group's clean step: its children's steps, combined and rounded (pre-order in ``out``);
    a group whose ``when`` does not hold is not applicable, and so is all of it below."""
    if kind == "weighted_sum" and not any(ch.may_skip for ch in children):
        if all(is_leaf for _, _, is_leaf in kids):  # the common shape: one loop, no branch
            leaves = tuple((cid, f) for cid, f, _ in kids)
            add = _add

            def run(scope: dict[str, Any], out: Points) -> Result:
                got = ZERO
                for cid, f in leaves:
                    p = f(scope)
                    out[cid] = p
                    got = add(got, p)
                return scaled(got, total, w)

        else:

            def run(scope: dict[str, Any], out: Points) -> Result:
                return scaled(_sum(kids, scope, out), total, w)

    else:

        def run(scope: dict[str, Any], out: Points) -> Result:
            return combine(_run(kids, scope, out))

    if when is None:

        def group(scope: dict[str, Any], out: Points) -> Result:
            out[nid] = None  # keep pre-order, like the scores
            r = run(scope, out)
            if r.__class__ is str:
                return r
            p = round_once(r, places)  # type: ignore[arg-type]
            out[nid] = p
            return p

        return group

    def conditional(scope: dict[str, Any], out: Points) -> Result:
        out[nid] = None
        if not when(scope):  # the condition covers the subtree: nothing below applies
            for d in below:
                out[d] = None
            return NA
        r = run(scope, out)
        if r.__class__ is str:
            return r
        p = round_once(r, places)  # type: ignore[arg-type]
        out[nid] = p
        return p

    return conditional


def _sum(steps: tuple[Step, ...], scope: dict[str, Any], out: Points) -> Decimal:
    """The points of ``steps``, added up (each one's points written to ``out``); none of them
    is ever not applicable."""
    got = ZERO
    for nid, step, is_leaf in steps:
        if is_leaf:
            p = step(scope)
            out[nid] = p
        else:
            p = step(scope, out)
        got = _add(got, p)
    return got


def _shares_fast(
    kind: str,
    weight: Decimal,
    weights: tuple[Decimal, ...],
    redistribute: bool,
    combine: Callable[[Sequence[Result]], Result],
) -> Callable[[Sequence[Result]], Result]:
    """A mean or weakest-link group without rationals: each child's share of its weight
    ``p / w`` is ``p × c / L`` for ``L`` a common multiple of the weights (``c = L / w`` whole,
    made at load), so the mean is ``weight × Σ p·c / (L·n)`` and the lowest share's points
    ``weight × min(p·c) / L`` — one quotient, rounded once (the group is then rounded half up
    as :mod:`perfscore.exact` allows).  A child that does not apply counts as a share of 0, or
    not at all where its weight is redistributed; an error is the group's (as
    :func:`_combiner`); weights of zero go :func:`_combiner`'s way."""
    made = share_factors(weights)
    if kind == "weighted_sum" or made is None:
        return combine
    factors, base = made
    mul, add, divide = WIDE.multiply, WIDE.add, ONCE.divide
    mean = kind == "mean"

    def shares_of(results: Sequence[Result]) -> Result:
        got: Decimal | None = None
        n = 0
        counted = False
        for p, c in zip(results, factors, strict=True):
            if p.__class__ is str:
                if p != NA:
                    return combine(results)  # an error (the group's)
                if redistribute:
                    continue
                x = ZERO  # not applicable, its weight kept: a share of 0
            else:
                x = mul(p, c)  # type: ignore[arg-type]
                counted = True
            n += 1
            if mean:
                got = x if got is None else add(got, x)
            elif got is None or x < got:
                got = x
        if not counted:  # nothing applies
            return NA
        assert got is not None
        return divide(mul(weight, got), mul(base, n) if mean else base)

    return shares_of


def _result_of(o: Outcome) -> Result:
    """A leaf's outcome as its parent's :func:`weigh` reads it (as ``weighted_sum`` reads the
    leaf's ``NodeScore``)."""
    if o.outcome == "pass" or o.outcome == "fail":
        return o.points if o.points is not None else ZERO
    return o.outcome


def _decided(node: IndicatorNode, kind: str) -> tuple[Decimal | None, Result]:
    o = from_failure(node, Failure(kind, "", "", ()))
    return o.points, _result_of(o)
