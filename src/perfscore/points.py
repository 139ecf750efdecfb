"""Points only: a fast path for clean records.

:meth:`Evaluator.points <perfscore.evaluate.Evaluator.points>` gives every indicator's and
group's rounded points and the total without building findings.  For a record with every value
present and readable it runs a plan of closures built once per rule set: the metrics, then each
leaf's *fast points form* — asked of its scorer's module (``points_form``), or the scorer's own
``score`` for a scorer without one — and ``weighted_sum`` groups.  Anything else (a missing or
bad value, an evaluation error, a :class:`~perfscore.scorers.Fallback` from a fast form) is
scored by the full evaluator instead, so the results always equal its ``scores``/``total``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .aggregate import weighted_sum
from .compile import Compiled, IndicatorNode
from .findings import SubjectResult
from .numbers import round_places
from .scorers import Fallback
from .subjects import SubjectData

__all__ = ["PointsPlan", "points", "points_plan"]

ZERO = Decimal(0)
Points = dict[str, Decimal | None]
#: ``(node id, step, is a leaf)``: a leaf's step is ``scope -> points``; a group's
#: ``(scope, out) -> points`` also fills ``out`` (its own and its children's points, pre-order)
Step = tuple[str, Callable[..., Decimal], bool]


@dataclass(frozen=True)
class PointsPlan:
    places: int
    metrics: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...]
    top: tuple[Step, ...]


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


def points_plan(c: Compiled, root_weight: Decimal | None) -> PointsPlan | None:
    """The closures computing every node's rounded points for a clean record, or None when the
    rule set uses something the fast path does not mirror (then the full path always runs)."""
    places = c.model.settings.places

    def build(node: IndicatorNode) -> Step | None:
        nid = node.id
        if node.is_leaf:
            leaf = _leaf(node, places)
            return None if leaf is None else (nid, leaf, True)
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
            p = round_places(ZERO if base == 0 else (got if same else got * w / base), places)
            out[nid] = p
            return p

        return (nid, group, False)

    top = [build(n) for n in c.indicators]
    if not top or root_weight is None:
        return None
    steps = tuple(t for t in top if t is not None)
    if len(steps) != len(top):
        return None
    if root_weight != sum((n.weight or ZERO for n in c.indicators), ZERO):
        return None
    # ``expr.__call__`` is the compiled function itself (no property look-up per call)
    metrics = tuple((mt.name, mt.expr.__call__) for mt in c.metrics)
    return PointsPlan(places, metrics, steps)


def points(
    plan: PointsPlan | None, data: SubjectData, full: Callable[[SubjectData], SubjectResult]
) -> tuple[Points, Decimal | None]:
    """Rounded points of every node (pre-order) and the total; ``full`` scores a record the
    plan cannot (the evaluator's ``subject``)."""
    if plan is not None and not data.field_errors:
        values = data.values
        # not ``None in values.values()``: that compares every Decimal with None (slow)
        if not any(v is None for v in values.values()):
            scope = dict(values)
            out: Points = {}
            try:
                for name, expr in plan.metrics:
                    scope[name] = expr(scope)
                return out, round_places(_sum(plan.top, scope, out), plan.places)
            except Exception:  # Fallback, or any evaluation error: the full path decides
                pass
    result = full(data)
    return {sc.rule_id: sc.points for sc in result.scores}, result.total
