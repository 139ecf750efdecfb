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
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..aggregate import AggregateSpec, added, mean, scaled, weakest_link, weigh, weighted_sum
from ..compile import Compiled, IndicatorNode
from ..exact import ONCE, WIDE, exact_quotient, exact_share, maybe_rounded
from ..findings import SubjectResult
from ..numbers import round_once, round_places
from ..scorers import Fallback
from ..subjects import SubjectData
from .leaves import applies, from_failure, leaf, stop_kind
from .pointscode import condition, share_factors, straight_line
from .state import PRIORITY, Failure, Outcome, Scan

__all__ = ["PointsPlan", "points", "points_plan", "value_reader"]

ZERO = Decimal(0)
ONE = Decimal(1)
#: a node's result when it does not apply (its ``when``, or all of it below)
NA = "not_applicable"
#: the aggregators the plan mirrors (on points; a letter scale's weakest link is refused with
#: the leaves that give letters)
_KINDS: dict[Any, str] = {weighted_sum: "weighted_sum", mean: "mean", weakest_link: "weakest_link"}
#: points are added up exactly (not at 28 digits, nor in the caller's thread context)
_add = WIDE.add
Points = dict[str, Decimal | None]
#: a node's result as its parent's :func:`weigh` reads it: its points, or why it has none
Result = Decimal | str
#: ``(node id, step, is a leaf)``: a leaf's step is ``scope -> points``; a group's
#: ``(scope, out) -> points`` also fills ``out`` (its own and its children's points, pre-order).
#: A clean step raises on anything unusual (the path with failures then decides that node).
Step = tuple[str, Callable[..., Any], bool]


@dataclass(frozen=True)
class PlanNode:
    """A node as the path with failures walks it: its clean step, every name its subtree reads
    (a failure outside them leaves the clean step's answer standing), and a group's children
    with what its arithmetic needs of them."""

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
    #: a group's arithmetic over its children's results (see :func:`_combiner`)
    combine: Callable[[Sequence[Result]], Result]
    #: every node below a group, pre-order (none of them applies where its ``when`` does not)
    below: tuple[str, ...]
    #: whether the clean step may say "not applicable" (a ``when``)
    may_skip: bool
    #: a mean or weakest-link group's arithmetic over its children's results where all of
    #: them scored (else ``combine``'s): see :func:`_shares_fast`
    combine_fast: Callable[[Sequence[Result]], Result]
    #: the names whose failure sends this subtree to the walk with failures; a leaf checks
    #: ``checked`` itself (see :func:`_own_checks`)
    strict: frozenset[str] = frozenset()
    #: the names a node checks itself: a leaf's value read only where its ``when`` holds, a
    #: scorer's optional read; what a group with a ``when`` reads below it
    #: (:func:`_group_checks`)
    checked: frozenset[str] = frozenset()
    #: a leaf's fast form where it applies (its ``when`` aside)
    scored: Callable[[Mapping[str, Any]], Decimal] | None = None
    #: whether the walk may get a reason instead of points from it (a ``when``; a leaf that
    #: checks its own reads or may raise; a group with such a child: its error)
    gives_str: bool = False
    #: a leaf whose code may raise for a reason of the subject's (see :func:`_risky`): the
    #: walk decides it alone where it does
    risky: bool = False


@dataclass(frozen=True)
class PointsPlan:
    places: int
    scan: Scan
    #: the total's clean walk: the top nodes' steps, weighed (unrounded; see :mod:`.pointscode`):
    #: ``(scope, out, failed names, failures)``, where nothing in ``names`` failed
    top: Callable[..., Result]
    #: the same walk where something failed: ``(scope, out, failed names, failures)``
    top_failing: Callable[..., Result]
    #: every name whose failure sends a subject to the walk with failures (the indicators'
    #: reads, less those a leaf checks itself)
    names: frozenset[str]
    compiled: Compiled
    tree: tuple[PlanNode, ...]
    #: the root's arithmetic over the top nodes' results
    combine: Callable[[Sequence[Result]], Result]


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


def _leaf_scored(node: IndicatorNode, places: int) -> Callable[[Mapping[str, Any]], Decimal] | None:
    """A leaf's fast form where it applies, or None (no fast path)."""
    sc, w = node.scorer, node.weight
    if w is None or sc is None or sc.yields != "points":
        return None
    return _scored(node, sc, w, places)


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


def _risky(node: IndicatorNode) -> bool:
    """Whether a leaf's code may raise for a reason of the subject's — an expression it
    computes (a formula ``5 * jobs / planned_jobs`` dividing by a zero, a tier's ratio
    outside its tier's range), not a name it reads — as opposed to a refusal near a half,
    which is rare: the walk then decides the leaf alone, not its whole top node again."""
    sc = node.scorer
    optional = tuple(getattr(sc, "optional_expressions", ()))
    if optional:  # a tier's ratio: outside the range of the tier named, an error
        return True
    exprs = (node.value, *getattr(sc, "expressions", ()))
    return any(e is not None and _plain_name(e) is None for e in exprs)


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
            risky = _risky(node)
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
                node.when is not None or bool(checked) or risky,
                risky,
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

    top_step, top_failing = straight_line(
        nodes, root.weight, total, weights, redistribute, places, decide, redo, alone
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
    )


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
