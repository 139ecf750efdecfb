"""Points only: a fast path.

:meth:`Evaluator.points <perfscore.evaluate.Evaluator.points>` gives every indicator's and
group's rounded points and the total without building findings.  For a record with every value
present and readable it runs a plan of closures built once per rule set: the metrics, then each
leaf's *fast points form* — asked of its scorer's module (``points_form``), or the scorer's own
``score`` for a scorer without one — and ``weighted_sum`` groups.

A record with blanks, bad values or a zero denominator (what real returns have) takes the same
plan with the evaluator's own pieces where something failed: its scope and failures
(:func:`~perfscore.evaluate.state.subject_scope`), :func:`~perfscore.evaluate.leaves.leaf` for
each leaf that reads a failed name (or whose fast form gives up), ``weighted_sum`` for the
groups — still no findings.  Rule sets the plan does not mirror (conditions, letter grades,
other aggregators) are scored by the full evaluator; the results always equal its
``scores``/``total``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..aggregate import AggregateSpec, NodeScore, weighted_sum
from ..compile import Compiled, IndicatorNode
from ..exact import share_of
from ..findings import SubjectResult
from ..numbers import round_once, round_places
from ..scorers import Fallback
from ..subjects import SubjectData
from .leaves import leaf
from .records import node_score
from .state import ONE, Failure, subject_scope

__all__ = ["PointsPlan", "points", "points_plan"]

ZERO = Decimal(0)
Points = dict[str, Decimal | None]
#: ``(node id, step, is a leaf)``: a leaf's step is ``scope -> points``; a group's
#: ``(scope, out) -> points`` also fills ``out`` (its own and its children's points, pre-order)
Step = tuple[str, Callable[..., Decimal], bool]


@dataclass(frozen=True)
class PlanNode:
    """A node as the path with failures walks it: its clean step (a leaf's fast form, a
    group's sum), a group's spec, and every name its subtree reads (a failure outside them
    leaves the clean step's answer standing)."""

    node: IndicatorNode
    step: Step
    spec: AggregateSpec | None
    children: tuple[PlanNode, ...]
    names: frozenset[str]


@dataclass(frozen=True)
class PointsPlan:
    places: int
    metrics: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...]
    top: tuple[Step, ...]
    compiled: Compiled
    titles: Mapping[str, str]
    root: AggregateSpec
    tree: tuple[PlanNode, ...]


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


def _leaf(node: IndicatorNode, places: int) -> Callable[[Mapping[str, Any]], Decimal] | None:
    """The scorer's fast points form for a leaf (``scope -> rounded points``), or None (no fast
    path: the rule set then always takes the full path)."""
    sc, w = node.scorer, node.weight
    if w is None or node.when is not None or sc is None or sc.yields != "points":
        return None
    val = node.value
    name = _plain_name(val)
    # the value: a plain name is read directly (a missing key raises: fallback)
    get: Any = (
        operator.itemgetter(name)
        if name is not None
        else (val.__call__ if val is not None else None)  # the compiled function itself
    )
    form = getattr(sc, "points_form", None)
    fast: Callable[[Mapping[str, Any]], Decimal] | None = (
        form(get, w, places) if form is not None else None
    )
    if fast is not None:
        return fast
    read = get if get is not None else _none

    def generic(scope: Mapping[str, Any]) -> Decimal:
        p = sc.score(read(scope), scope, w).points
        if p is None:
            raise Fallback
        return round_places(p, places)

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
        got = got + p
    return got


def points_plan(
    c: Compiled, root: AggregateSpec, specs: Mapping[str, AggregateSpec], titles: Mapping[str, str]
) -> PointsPlan | None:
    """The closures computing every node's rounded points for a clean record, or None when the
    rule set uses something the fast path does not mirror (then the full path always runs)."""
    places = c.model.settings.places
    tree: dict[str, PlanNode] = {}

    def build(node: IndicatorNode) -> Step | None:
        nid = node.id
        if node.is_leaf:
            leaf = _leaf(node, places)
            if leaf is None:
                return None
            step: Step = (nid, leaf, True)
            tree[nid] = PlanNode(node, step, None, (), frozenset(node.reads + node.optional_reads))
            return step
        w = node.weight
        if w is None or node.when is not None or node.aggregate is not weighted_sum:
            return None
        built = [build(c) for c in node.children]
        if any(k is None for k in built) or any(c.weight is None for c in node.children):
            return None
        kids = tuple(k for k in built if k is not None)
        base = sum((c.weight or ZERO for c in node.children), ZERO)
        same = base == w

        def group(scope: dict[str, Any], out: Points) -> Decimal:
            out[nid] = None  # keep pre-order, like the scores
            got = _sum(kids, scope, out)
            p = round_once(ZERO if base == 0 else (got if same else share_of(got, w, base)), places)
            out[nid] = p
            return p

        step = (nid, group, False)
        children = tuple(tree[c.id] for c in node.children)
        names = frozenset(node.reads).union(*(c.names for c in children))
        tree[nid] = PlanNode(node, step, specs[nid], children, names)
        return step

    top = [build(n) for n in c.indicators]
    if not top or root.weight is None:
        return None
    steps = tuple(t for t in top if t is not None)
    if len(steps) != len(top):
        return None
    if root.weight != sum((n.weight or ZERO for n in c.indicators), ZERO):
        return None
    # ``expr.__call__`` is the compiled function itself (no property look-up per call)
    metrics = tuple((mt.name, mt.expr.__call__) for mt in c.metrics)
    nodes = tuple(tree[n.id] for n in c.indicators)
    return PointsPlan(places, metrics, steps, c, titles, root, nodes)


def points(
    plan: PointsPlan | None, data: SubjectData, full: Callable[[SubjectData], SubjectResult]
) -> tuple[Points, Decimal | None]:
    """Rounded points of every node (pre-order) and the total; ``full`` scores a record the
    plan cannot (the evaluator's ``subject``)."""
    if plan is not None:
        if not data.field_errors:
            values = data.values
            # not ``None in values.values()``: that compares every Decimal with None (slow)
            if not any(v is None for v in values.values()):
                scope = dict(values)
                out: Points = {}
                try:
                    for name, expr in plan.metrics:
                        scope[name] = expr(scope)
                    return out, round_places(_sum(plan.top, scope, out), plan.places)
                except Exception:  # Fallback, or any evaluation error: decided below
                    pass
        return _with_failures(plan, data)
    result = full(data)
    return {sc.rule_id: sc.points for sc in result.scores}, result.total


def _with_failures(plan: PointsPlan, data: SubjectData) -> tuple[Points, Decimal | None]:
    """The plan for a record with failures: what failed decided as the full evaluator does."""
    scope, failures = subject_scope(plan.compiled, plan.titles, data)
    out: Points = {}
    top = _children(plan.tree, scope, failures, out, plan)
    root = weighted_sum(plan.root, top)
    if root.outcome == "error" or root.points is None:
        return out, None
    return out, round_once(root.points, plan.places)


def _children(
    nodes: tuple[PlanNode, ...],
    scope: dict[str, Any],
    failures: dict[str, Failure],
    out: Points,
    plan: PointsPlan,
) -> list[NodeScore]:
    """Each node's result as its parent sees it: a node whose subtree reads nothing that
    failed takes its clean step; a leaf that does is decided by :func:`leaf`, a group by
    ``weighted_sum`` over its own children."""
    failed = failures.keys()
    results = []
    for pn in nodes:
        node = pn.node
        nid, step, is_leaf = pn.step
        if failed.isdisjoint(pn.names):  # nothing below failed: the clean step
            try:
                p = step(scope) if is_leaf else step(scope, out)
            except Exception:  # Fallback, or an evaluation error: decided below
                pass
            else:
                if is_leaf:
                    out[nid] = p
                results.append(node_score(nid, node.weight, p, None, "pass", ONE))
                continue
        if is_leaf:
            o = leaf(plan.compiled, plan.places, node, scope, failures)
            out[nid] = o.points
            results.append(node_score(nid, node.weight, o.points, o.grade, o.outcome, ONE))
            continue
        assert pn.spec is not None
        out[nid] = None  # pre-order
        ns = weighted_sum(pn.spec, _children(pn.children, scope, failures, out, plan))
        got = None if ns.points is None else round_once(ns.points, plan.places)
        out[nid] = got
        results.append(node_score(nid, node.weight, got, ns.grade, ns.outcome, ns.coverage))
    return results
