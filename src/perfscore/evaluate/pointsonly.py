"""Points only: a fast path.

:meth:`Evaluator.points <perfscore.evaluate.Evaluator.points>` gives every indicator's and
group's rounded points and the total without building findings.  It runs a plan of closures
built once per rule set, after the evaluator's own :class:`~perfscore.evaluate.state.Scan` of
the subject (values, metrics and what failed — failures whose messages are never written here).

A record where nothing failed takes the *clean* steps: each leaf's *fast points form* — asked of
its scorer's module (``points_form``), or the scorer's own ``score`` for a scorer without one —
and groups adding their children up (:func:`~perfscore.aggregate.scaled`).  A record with
blanks, bad values or zero denominators (what real returns have) keeps the clean step for every
subtree that reads nothing that failed; a leaf that does (or whose fast form gives up) is
decided by the evaluator's own :func:`~perfscore.evaluate.leaves.leaf`, a group by
:func:`~perfscore.aggregate.weigh` — the weighted sum ``weighted_sum`` itself runs — over its
children's points or outcomes.  Still no findings, no ``NodeScore``.  Rule sets the plan does
not mirror (conditions, letter grades, other aggregators) are scored by the full evaluator;
the results always equal its ``scores``/``total``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..aggregate import AggregateSpec, added, scaled, weigh, weighted_sum
from ..compile import Compiled, IndicatorNode
from ..exact import WIDE, maybe_rounded
from ..findings import SubjectResult
from ..numbers import round_once, round_places
from ..scorers import Fallback
from ..subjects import SubjectData
from .leaves import from_failure, leaf, stopping
from .state import PRIORITY, Failure, Outcome, Scan

__all__ = ["PointsPlan", "points", "points_plan", "value_reader"]

ZERO = Decimal(0)
#: points are added up exactly (not at 28 digits, nor in the caller's thread context)
_add = WIDE.add
Points = dict[str, Decimal | None]
#: a node's result as its parent's :func:`weigh` reads it: its points, or why it has none
Result = Decimal | str
#: ``(node id, step, is a leaf)``: a leaf's step is ``scope -> points``; a group's
#: ``(scope, out) -> points`` also fills ``out`` (its own and its children's points, pre-order).
#: A clean step raises on anything unusual (the path with failures then decides that node).
Step = tuple[str, Callable[..., Decimal], bool]


@dataclass(frozen=True)
class PlanNode:
    """A node as the path with failures walks it: its clean step, every name its subtree reads
    (a failure outside them leaves the clean step's answer standing), and a group's children
    with what :func:`weigh` needs of them."""

    node: IndicatorNode
    step: Step
    names: frozenset[str]
    children: tuple[PlanNode, ...]
    weights: tuple[Decimal, ...]
    total: Decimal
    redistribute: bool
    #: a leaf stopped by a failure of each kind: its points, and its result for the parent —
    #: what :func:`from_failure` decides, asked once when the plan is built (it depends on the
    #: kind and the leaf's own policy and weight only)
    decided: Mapping[str, tuple[Decimal | None, Result]]


@dataclass(frozen=True)
class PointsPlan:
    places: int
    scan: Scan
    top: tuple[Step, ...]
    compiled: Compiled
    tree: tuple[PlanNode, ...]
    #: the root: its weight, its children's weights and their sum, its not-applicable policy
    weight: Decimal
    weights: tuple[Decimal, ...]
    total: Decimal
    redistribute: bool


def _none(scope: Any) -> None:
    return None


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


def _leaf(node: IndicatorNode, places: int) -> Callable[[Mapping[str, Any]], Decimal] | None:
    """The scorer's fast points form for a leaf (``scope -> rounded points``), or None (no fast
    path: the rule set then always takes the full path).  A leaf with a ``when`` scores when
    it holds; when it does not (or cannot be decided) the evaluator's :func:`leaf` decides."""
    sc, w = node.scorer, node.weight
    if w is None or sc is None or sc.yields != "points":
        return None
    scored = _scored(node, sc, w, places)
    when = node.when
    if when is None:
        return scored

    def guarded(scope: Mapping[str, Any]) -> Decimal:
        if not when(scope):
            raise Fallback  # not applicable: the path with failures asks leaf()
        return scored(scope)

    return guarded


def _scored(
    node: IndicatorNode, sc: Any, w: Decimal, places: int
) -> Callable[[Mapping[str, Any]], Decimal]:
    """A leaf's points when it applies: the scorer's fast form, or its own ``score``."""
    get = value_reader(node)
    form = getattr(sc, "points_form", None)
    fast: Callable[[Mapping[str, Any]], Decimal] | None = (
        form(get, w, places) if form is not None else None
    )
    if fast is not None:
        return fast
    read = get if get is not None else _none

    def generic(scope: Mapping[str, Any]) -> Decimal:
        scored = sc.score(read(scope), scope, w)
        if scored.points is None:
            raise Fallback
        return round_places(scored.points, places, scored.slack)

    return generic


def _sum(steps: tuple[Step, ...], scope: dict[str, Any], out: Points) -> Decimal:
    """The points of ``steps``, added up (each one's points written to ``out``)."""
    got = ZERO
    for nid, step, is_leaf in steps:
        if is_leaf:
            p = step(scope)
            out[nid] = p
        else:
            p = step(scope, out)
        got = _add(got, p)
    return got


def points_plan(
    c: Compiled, root: AggregateSpec, specs: Mapping[str, AggregateSpec], scan: Scan
) -> PointsPlan | None:
    """The closures computing every node's rounded points, or None when the rule set uses
    something the plan does not mirror (then the full path always runs)."""
    places = c.model.settings.places
    tree: dict[str, PlanNode] = {}

    def build(node: IndicatorNode) -> Step | None:
        nid = node.id
        if node.is_leaf:
            leaf = _leaf(node, places)
            if leaf is None:
                return None
            step: Step = (nid, leaf, True)
            names = frozenset(node.reads + node.optional_reads)
            decided = {k: _decided(node, k) for k in PRIORITY}
            tree[nid] = PlanNode(node, step, names, (), (), ZERO, False, decided)
            return step
        w = node.weight
        if w is None or node.when is not None or node.aggregate is not weighted_sum:
            return None
        built = [build(c) for c in node.children]
        if any(k is None for k in built) or any(c.weight is None for c in node.children):
            return None
        kids = tuple(k for k in built if k is not None)
        weights = tuple(c.weight or ZERO for c in node.children)
        total = added(weights)  # in order, as weighted_sum adds them

        if all(is_leaf for _, _, is_leaf in kids):  # the common shape: one loop, no branch
            leaves = tuple((cid, f) for cid, f, _ in kids)
            add = _add

            def group(scope: dict[str, Any], out: Points) -> Decimal:
                out[nid] = None  # keep pre-order, like the scores
                got = ZERO
                for cid, f in leaves:
                    p = f(scope)
                    out[cid] = p
                    got = add(got, p)
                p = round_once(scaled(got, total, w), places)
                out[nid] = p
                return p

        else:

            def group(scope: dict[str, Any], out: Points) -> Decimal:
                out[nid] = None
                p = round_once(scaled(_sum(kids, scope, out), total, w), places)
                out[nid] = p
                return p

        step = (nid, group, False)
        children = tuple(tree[c.id] for c in node.children)
        names = frozenset(node.reads).union(*(c.names for c in children))
        redistribute = specs[nid].not_applicable_weight == "redistribute"
        tree[nid] = PlanNode(node, step, names, children, weights, total, redistribute, {})
        return step

    top = [build(n) for n in c.indicators]
    if not top or root.weight is None:
        return None
    steps = tuple(t for t in top if t is not None)
    if len(steps) != len(top):
        return None
    weights = tuple(n.weight or ZERO for n in c.indicators)
    return PointsPlan(
        places,
        scan,
        steps,
        c,
        tuple(tree[n.id] for n in c.indicators),
        root.weight,
        weights,
        added(weights),
        root.not_applicable_weight == "redistribute",
    )


def points(
    plan: PointsPlan | None, data: SubjectData, full: Callable[[SubjectData], SubjectResult]
) -> tuple[Points, Decimal | None]:
    """Rounded points of every node (pre-order) and the total; ``full`` scores a record the
    plan cannot (the evaluator's ``subject``)."""
    if plan is None:
        result = full(data)
        return {sc.rule_id: sc.points for sc in result.scores}, result.total
    scope, failures = plan.scan(data)
    out: Points = {}
    if not failures:
        try:
            got = _sum(plan.top, scope, out)
        except Exception:  # Fallback, or any evaluation error: decided below
            pass
        else:
            return out, round_once(scaled(got, plan.total, plan.weight), plan.places)
    r = weigh(
        plan.weight,
        plan.redistribute,
        plan.weights,
        _results(plan.tree, scope, failures, out, plan),
        plan.total,
    )
    return out, (None if r.__class__ is str else round_once(r, plan.places))  # type: ignore[arg-type]


def _results(
    nodes: tuple[PlanNode, ...],
    scope: dict[str, Any],
    failures: dict[str, Failure],
    out: Points,
    plan: PointsPlan,
) -> list[Result]:
    """Each node's result as its parent's :func:`weigh` reads it: a node whose subtree reads
    nothing that failed takes its clean step; a leaf that does (or whose clean step gives up)
    is decided by :func:`leaf`, a group by :func:`weigh` over its own children's results."""
    failed = failures.keys()
    results: list[Result] = []
    for pn in nodes:
        nid, step, is_leaf = pn.step
        if failed.isdisjoint(pn.names):  # nothing below failed: the clean step
            try:
                p = step(scope) if is_leaf else step(scope, out)
            except Exception:  # Fallback, or an evaluation error: decided below
                pass
            else:
                if is_leaf:
                    out[nid] = p
                results.append(p)
                continue
        if is_leaf:
            # a leaf's condition comes first (leaf() asks it before the failures)
            f = stopping(pn.node, failures) if pn.node.when is None else None
            if f is not None:  # stopped: what the failure's kind makes of this leaf
                out[nid], r = pn.decided[f.kind]
                results.append(r)
                continue
            # not stopped (a missing-aware read), or the fast form gave up: the evaluator's leaf
            o = leaf(plan.compiled, plan.places, pn.node, scope, failures)
            out[nid] = o.points
            results.append(_result_of(o))
            continue
        out[nid] = None  # pre-order
        r = weigh(
            pn.node.weight,
            pn.redistribute,
            pn.weights,
            _results(pn.children, scope, failures, out, plan),
            pn.total,
        )
        if r.__class__ is str:
            results.append(r)
            continue
        p = round_once(r, plan.places)  # type: ignore[arg-type]
        out[nid] = p
        results.append(p)
    return results


def _result_of(o: Outcome) -> Result:
    """A leaf's outcome as its parent's :func:`weigh` reads it (as ``weighted_sum`` reads the
    leaf's ``NodeScore``)."""
    if o.outcome == "pass" or o.outcome == "fail":
        return o.points if o.points is not None else ZERO
    return o.outcome


def _decided(node: IndicatorNode, kind: str) -> tuple[Decimal | None, Result]:
    o = from_failure(node, Failure(kind, "", "", ()))
    return o.points, _result_of(o)
