"""Points only: a fast path.

:meth:`Evaluator.points <perfscore.evaluate.Evaluator.points>` gives every indicator's and
group's rounded points and the total without building findings.  It runs a plan of closures
built once per rule set, after the evaluator's own :class:`~perfscore.evaluate.state.Scan` of
the subject (values, metrics and what failed — failures whose messages are never written here).

A record where nothing failed takes the *clean* steps: each leaf's *fast points form* — asked of
its scorer's module (``points_form``), or the scorer's own ``score`` for a scorer without one —
and groups combining their children: a weighted sum adds them up
(:func:`~perfscore.aggregate.scaled`), a mean or weakest-link group takes the mean or the
lowest share of their weights.  A ``when`` that does not hold (on a leaf or a group) makes that
node not applicable, and its parent weighs it as such, as the full evaluator does.  A record
with blanks, bad values or zero denominators (what real returns have) keeps the clean step for
every subtree that reads nothing that failed; a leaf that does (or whose fast form gives up) is
decided by the evaluator's own :func:`~perfscore.evaluate.leaves.leaf`, a group by its own
arithmetic (:func:`~perfscore.aggregate.weigh` for a weighted sum) over its children's points
or outcomes.  Still no findings, no ``NodeScore``.  Rule sets the plan does not mirror (letter
grades, lookup groups, leaves or groups without a weight) are scored by the full evaluator; the
results always equal its ``scores``/``total``.

This module builds the plan and walks it where something failed; the plan's data is in
:mod:`.plannodes`, its clean steps (fast forms, group arithmetic) in :mod:`.pointsteps`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..aggregate import AggregateSpec, added, mean, weakest_link, weighted_sum
from ..compile import Compiled, IndicatorNode
from ..findings import SubjectResult
from ..numbers import round_once, round_places
from ..scorers import Fallback
from ..subjects import SubjectData
from .leaves import applies, exact_form, leaf, stop_kind
from .plannodes import NA, ZERO, PlanNode, Points, PointsPlan, Result, Step
from .pointscode import condition, straight_line
from .pointsteps import (
    _combiner,
    _decided,
    _group,
    _group_checks,
    _leaf,
    _leaf_has_none,
    _none,
    _own_checks,
    _result_of,
    _shares_fast,
    value_reader,
)
from .state import PRIORITY, Failure, Scan

__all__ = ["PointsPlan", "points", "points_plan", "value_reader"]

#: the aggregators the plan mirrors (on points; a letter scale's weakest link is refused with
#: the leaves that give letters)
_KINDS: dict[Any, str] = {weighted_sum: "weighted_sum", mean: "mean", weakest_link: "weakest_link"}


def _leaf_scored(node: IndicatorNode, places: int) -> Callable[[Mapping[str, Any]], Decimal] | None:
    """A leaf's fast form where it applies, or None (no fast path)."""
    sc, w = node.scorer, node.weight
    if w is None or sc is None or sc.yields != "points":
        return None
    return _scored(node, sc, w, places)


def _scored(
    node: IndicatorNode, sc: Any, w: Decimal, places: int
) -> Callable[[Mapping[str, Any]], Decimal]:
    """A leaf's points when it applies: the scorer's fast form, or its own ``score``."""
    get = value_reader(node)
    form = getattr(sc, "points_form", None)
    fast: Callable[[Mapping[str, Any]], Decimal] | None = None
    if form is not None:
        try:
            fast = form(get, w, places)
        except Exception:  # (a constant it cannot round at 28 digits: the scorer's score)
            fast = None
    if fast is not None:
        return fast
    read = get if get is not None else _none

    def generic(scope: Mapping[str, Any]) -> Decimal:
        scored = sc.score(read(scope), scope, w)
        if scored.points is None:
            raise Fallback
        return round_places(scored.points, places, scored.slack)

    return generic


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
            scored = _leaf_scored(node, places)
            leaf = _leaf(node, scored)
            if leaf is None:
                return None
            step: Step = (nid, leaf, True)
            names = frozenset(node.reads + node.optional_reads)
            decided = {k: _decided(node, k) for k in PRIORITY}
            strict, checked = _own_checks(node)
            tree[nid] = PlanNode(
                node,
                step,
                names,
                (),
                (),
                ZERO,
                False,
                decided,
                _leaf_has_none,
                (),
                node.when is not None,
                _leaf_has_none,
                strict,
                checked,
                scored,
                node.when is not None or bool(checked),
            )
            return step
        w = node.weight
        kind = _KINDS.get(node.aggregate)
        if w is None or kind is None:
            return None
        built = [build(c) for c in node.children]
        if any(k is None for k in built) or any(c.weight is None for c in node.children):
            return None
        kids = tuple(k for k in built if k is not None)
        weights = tuple(c.weight or ZERO for c in node.children)
        total = added(weights)  # in order, as weighted_sum adds them
        redistribute = specs[nid].not_applicable_weight == "redistribute"
        children = tuple(tree[c.id] for c in node.children)
        combine = _combiner(kind, w, redistribute, weights, total)
        may_skip = all(ch.may_skip for ch in children) or node.when is not None
        below = tuple(d for ch in children for d in (ch.node.id, *ch.below))
        group = _group(nid, kids, kind, w, total, combine, places, children, node.when, below)
        step = (nid, group, False)
        names = frozenset(node.reads).union(*(c.names for c in children))
        tree[nid] = PlanNode(
            node,
            step,
            names,
            children,
            weights,
            total,
            redistribute,
            {},
            combine,
            below,
            may_skip,
            _shares_fast(kind, w, weights, redistribute, combine),
            *_group_checks(node, children),
            gives_str=node.when is not None or any(c.gives_str for c in children),
        )
        return step

    top = [build(n) for n in c.indicators]
    if not top or root.weight is None:
        return None
    steps = tuple(t for t in top if t is not None)
    if len(steps) != len(top):
        return None
    weights = tuple(n.weight or ZERO for n in c.indicators)
    total = added(weights)
    redistribute = root.not_applicable_weight == "redistribute"
    nodes = tuple(tree[n.id] for n in c.indicators)

    def decide(
        pn: PlanNode, scope: dict[str, Any], failures: dict[str, Failure], out: Points
    ) -> Result:
        """A leaf reading something that failed, as :func:`_results` decides it."""
        node = pn.node
        if node.when is not None:  # its condition first, as leaf() asks it
            k = condition(node, scope, failures)
            if k.__class__ is str:  # an error, or not applicable: no points
                out[node.id] = None
                return k
            if k is not None:  # blocked: what the failure's kind makes of this leaf
                out[node.id], r = pn.decided[k[0]]
                return r
        kind = stop_kind(node, failures)
        if kind is not None:  # stopped: what the failure's kind makes of this leaf
            out[node.id], r = pn.decided[kind]
            return r
        if not node.missing_aware and pn.scored is not None:
            # not stopped: only optional reads are missing, which the scorer reads as
            # absent — as its fast form does (it gives what ``score`` gives, or refuses)
            try:
                p = pn.scored(scope)
            except Exception:  # (refused: the evaluator's leaf decides)
                pass
            else:
                out[node.id] = p
                return p
        o = leaf(c, places, node, scope, failures)
        out[node.id] = o.points
        return _result_of(o)

    def redo(
        pn: PlanNode, scope: dict[str, Any], failures: dict[str, Failure], out: Points
    ) -> Result:
        """A top node whose code raised, decided node by node (as :func:`_results`)."""
        return _results((pn,), scope, failures, out, c, places)[0]

    def alone(
        pn: PlanNode, scope: dict[str, Any], failures: dict[str, Failure], out: Points
    ) -> Result:
        """A leaf whose code raised, decided by the evaluator's :func:`leaf` (as
        :func:`_results` decides a leaf whose clean step gave up)."""
        o = leaf(c, places, pn.node, scope, failures)
        out[pn.node.id] = o.points
        return _result_of(o)

    def exact(
        pn: PlanNode, scope: dict[str, Any], failures: dict[str, Failure], out: Points
    ) -> Result:
        """A leaf whose code refused a decision its 28 digits cannot make: that leaf alone
        decided exactly (:func:`~.leaves.exact_form`: only the metrics it reads), the rest of
        the walk kept; where it reads something that failed, or has a condition, or the
        exact form does not decide, :func:`alone`."""
        node = pn.node
        if node.when is None and (not failures or failures.keys().isdisjoint(node.names_read)):
            p = exact_form(c, places, node, scope)[1]
            if p is not None:
                out[node.id] = p
                return p
        return alone(pn, scope, failures, out)

    top_step, top_failing = straight_line(
        nodes, root.weight, total, weights, redistribute, places, decide, redo, alone, exact
    )
    return PointsPlan(
        places,
        scan,
        top_step,
        top_failing,
        frozenset().union(*(n.strict for n in nodes)),
        c,
        nodes,
        _combiner("weighted_sum", root.weight, redistribute, weights, total),
        dict.fromkeys(d for n in nodes for d in (n.node.id, *n.below)),
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
    out = plan.keys.copy()  # every node, None until written
    r: Result
    try:
        failed = failures.keys()
        if failed and not failed.isdisjoint(plan.names):
            r = plan.top_failing(scope, out, failed, failures)
        else:  # nothing failed, or nothing the walk must see (a check's input; a name a
            # leaf checks itself)
            r = plan.top(scope, out, failed, failures)
    except Exception:  # Fallback, or any evaluation error: each node decided on its own
        out = {}
        r = plan.combine(_results(plan.tree, scope, failures, out, plan.compiled, plan.places))
    return out, (None if r.__class__ is str else round_once(r, plan.places))  # type: ignore[arg-type]


def _results(
    nodes: tuple[PlanNode, ...],
    scope: dict[str, Any],
    failures: dict[str, Failure],
    out: Points,
    compiled: Compiled,
    places: int,
) -> list[Result]:
    """Each node's result as its parent reads it: a node whose subtree reads nothing that
    failed takes its clean step; a leaf that does (or whose clean step gives up) is decided by
    :func:`leaf`, a group by its own arithmetic over its children's results."""
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
                    out[nid] = None if p.__class__ is str else p
                results.append(p)
                continue
        if is_leaf:
            # a leaf's condition comes first (leaf() asks it before the failures)
            kind = stop_kind(pn.node, failures) if pn.node.when is None else None
            if kind is not None:  # stopped: what the failure's kind makes of this leaf
                out[nid], r = pn.decided[kind]
                results.append(r)
                continue
            # not stopped (a missing-aware read), or the fast form gave up: the evaluator's leaf
            o = leaf(compiled, places, pn.node, scope, failures)
            out[nid] = o.points
            results.append(_result_of(o))
            continue
        out[nid] = None  # pre-order
        if pn.node.when is not None:
            forced = applies(pn.node, scope, failures)
            if forced is not None:  # the condition covers the subtree: none of it applies
                for d in pn.below:
                    out[d] = None
                results.append("error" if forced.outcome == "error" else NA)
                continue
        r = pn.combine(_results(pn.children, scope, failures, out, compiled, places))
        if r.__class__ is str:
            results.append(r)
            continue
        p = round_once(r, places)  # type: ignore[arg-type]
        out[nid] = p
        results.append(p)
    return results
