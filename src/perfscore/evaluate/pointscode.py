"""The points path's clean walk as one generated function: straight-line code, as one would
write the rule set by hand.

The plan (:mod:`.pointsonly`) is a tree of closures: each group calls its children's steps in a
loop, adds them, scales and rounds.  For the weighted-sum groups whose children always score
(no ``when`` below them) this module writes the same steps out once per rule set — each leaf's
fast form called and its points stored, the sums, the scaling and the rounding inline — so a
subject costs its leaves and a few additions, not a loop and two calls per group.  Groups it
does not write out (a condition, a mean, a child that may not apply) are called as their own
closure step.  The arithmetic is the closures' own: the same additions in the same order from
zero, :func:`~perfscore.aggregate.scaled` decided at load, :func:`~perfscore.numbers.round_once`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import TYPE_CHECKING, Any

from ..aggregate import mean, weighted_sum
from ..errors import EvaluationError, MissingValueError
from ..exact import ONCE, WIDE, share_of
from ..numbers import NotExact, round_once
from . import weighcode
from .leafcode import leaf_lines, leaf_names
from .leaves import from_failure
from .state import Failure, blocking_kind
from .writer import SourceWriter, read_lines

if TYPE_CHECKING:
    from .plannodes import PlanNode

__all__ = ["straight_line"]

ZERO = Decimal(0)
NA = "not_applicable"


class _Writer(SourceWriter):
    """The points walk's writer: :class:`~.writer.SourceWriter` with its helpers."""

    def __init__(self, places: int) -> None:
        super().__init__(
            {
                "__builtins__": {},
                "_add": WIDE.add,
                "_mul": WIDE.multiply,
                "_div": ONCE.divide,
                "_share": share_of,
                "_round": round_once,
                "_Q": Decimal(1).scaleb(-places),
                "_HALF_UP": ROUND_HALF_UP,
                "_C28": Context(prec=28),
                "_Exception": Exception,
                "_NotExact": NotExact,
                "_TypeError": TypeError,
                "_rounded_into": _rounded_into,
                "_str": str,
                "_Z": ZERO,
                "_P": places,
                "_NA": NA,
            }
        )
        self.values.update(leaf_names(places))
        self.places = places


def _node(w: _Writer, pn: PlanNode, failing: bool) -> str:
    """Lines computing ``pn``'s result into a temporary (its name): points, or why it has none
    (``_NA``; ``"error"`` too where something failed) and into ``out`` (every node's key in
    pre-order, None until written).  With
    ``failing`` the walk has the subject's failures at hand: a leaf reading something that
    failed is decided by the evaluator's own pieces (``_decide``), a group's condition by
    :func:`~perfscore.evaluate.leaves.applies`.  A leaf that checks some of its reads itself
    (``pn.checked``) does so in either walk."""
    nid, step, is_leaf = pn.step
    key = w.value(nid)
    t = w.temp()
    if is_leaf:
        guard = failing and bool(pn.strict)
        one = _one_read(pn) if guard else None
        if one is not None:  # what stops it: the kind of its one read's failure
            f = w.temp()
            w.line(f"{f} = failures.get({w.value(one)})")
            w.line(f"if {f} is None:")
            w.indent += "    "
        elif guard:
            w.line(f"if failed.isdisjoint({w.value(pn.strict)}):")
            w.indent += "    "
        # what raises (a refusal near a half, an error of the subject's: a series too short,
        # a ratio outside its tier, a zero divisor in a formula): the leaf decided alone, the
        # rest of its group kept (a try costs nothing where nothing raises)
        w.line("try:")
        w.indent += "    "
        if pn.checked:
            _checking_leaf(w, pn, t, key)
        else:
            lines = leaf_lines(w.value, w.temp, pn, t, w.places) if pn.node.when is None else None
            if lines is None:
                w.line(f"{t} = {w.value(step)}(scope)")
            for line in lines or ():
                w.line(line)
            w.line(
                f"out[{key}] = None if {t}.__class__ is _str else {t}"
                if pn.node.when is not None  # (its clean step; a failure read is _decide's)
                else f"out[{key}] = {t}"
            )
        w.indent = w.indent[:-4]
        w.line("except _NotExact:")  # (a decision 28 digits cannot make: exactly, alone)
        w.line(f"    {t} = _exact({w.value(pn)}, scope, failures, out)")
        w.line("except _Exception:")
        w.line(f"    {t} = _alone({w.value(pn)}, scope, failures, out)")
        if guard:
            w.indent = w.indent[:-4]
            w.line("else:")
            if one is not None:
                w.line(f"    out[{key}], {t} = {w.value(pn.decided)}[{f}.kind]")
            else:
                w.line(f"    {t} = _decide({w.value(pn)}, scope, failures, out)")
        return t
    if failing:  # a group reading nothing that failed: its clean walk
        w.line(f"if failed.isdisjoint({w.value(pn.strict)}):")
        w.indent += "    "
        w.line(f"{t} = {_group(w, pn, False)}")
        w.indent = w.indent[:-4]
        w.line("else:")
        w.indent += "    "
        w.line(f"{t} = {_group(w, pn, True)}")
        w.indent = w.indent[:-4]
        return t
    return _group(w, pn, False)


def _checking_leaf(w: _Writer, pn: PlanNode, t: str, key: str) -> None:
    """A leaf that checks ``pn.checked`` itself (what its group's walk does not look at): not
    applicable where its ``when`` does not hold (as its clean step says, without reading the
    rest), its fast form where nothing it checks failed, else decided as :func:`_node`'s
    failing walk decides a leaf."""
    when = pn.node.when
    test = f"failed.isdisjoint({w.value(pn.checked)})"
    if when is not None:
        _holds(w, when, t)
        w.line(f"    {t} = _NA")
        w.line(f"    out[{key}] = None")
        w.line(f"elif {test}:")
    else:
        w.line(f"if {test}:")
    lines = leaf_lines(w.value, w.temp, pn, t, w.places)
    for line in lines or (f"{t} = {w.value(pn.scored)}(scope)",):
        w.line(f"    {line}")
    w.line(f"    out[{key}] = {t}")
    w.line("else:")
    w.line(f"    {t} = _decide({w.value(pn)}, scope, failures, out)")


def _holds(w: _Writer, when: Any, t: str) -> None:
    """``if not`` a ``when`` (its value read into ``t``: :func:`.writer.read_lines`)."""
    for line in read_lines(w.value, when, t):
        w.line(line)
    w.line(f"if not {t}:")


def _one_read(pn: PlanNode) -> str | None:
    """The one name a leaf reads, where that is all that decides whether a failure stops it
    (no condition, no optional read, not missing-aware): then the failure's kind alone says
    what the leaf is (as :func:`~perfscore.evaluate.pointsonly.points_plan`'s ``decide``)."""
    node = pn.node
    if node.when is not None or node.missing_aware or node.optional_reads or pn.checked:
        return None
    if len(node.reads) != 1 or pn.strict != frozenset(node.reads):
        return None
    return node.reads[0]


def _group(w: _Writer, pn: PlanNode, failing: bool) -> str:
    """:func:`_node` for a group."""
    key = w.value(pn.node.id)
    t = w.temp()
    outer = w.indent  # (``out`` holds every node already, pre-order: None until written)
    when = pn.node.when
    if when is not None:  # the condition covers the subtree
        if failing:
            w.line(f"{t} = _forced({w.value(pn.node)}, scope, failures)")
            w.line(f"if {t} is not None:")
        else:
            _holds(w, when, t)
            w.line(f"    {t} = _NA")
        w.indent = outer + "    "
        for d in pn.below:
            w.line(f"out[{w.value(d)}] = None")
        w.indent = outer
        w.line("else:")
        w.indent = outer + "    "
        if not failing and pn.checked:  # what it checks itself, where its condition holds
            w.line(f"if failed.isdisjoint({w.value(pn.checked)}):")
            w.indent = outer + "        "
            _body(w, pn, False, t, key)
            w.indent = outer + "    "
            w.line("else:")
            w.indent = outer + "        "
            failing = True
    _body(w, pn, failing, t, key)
    w.indent = outer
    return t


def _body(w: _Writer, pn: PlanNode, failing: bool, t: str, key: str) -> None:
    """A group's children, combined and rounded into ``t`` (and ``out[key]``)."""
    weight = pn.node.weight
    assert weight is not None
    kind = pn.node.aggregate
    if kind is weighted_sum:
        r = _combined(w, pn.children, weight, pn.total, pn.weights, pn.redistribute, failing)
    else:  # mean, weakest link: all scored is the common case (see pointsteps._shares_fast)
        results = [_node(w, ch, failing) for ch in pn.children]
        r = _shares(w, pn, results, failing)
    if failing or pn.gives_str:
        w.line(f"if {r}.__class__ is _str:")
        w.line(f"    {t} = {r}")
        w.line("else:")
        w.indent += "    "
        _rounded(w, t, r)
        w.line(f"out[{key}] = {t}")
        return
    # a reason here is rare (a leaf decided alone: see _combined): the rounding refuses it
    w.line("try:")
    w.line(f"    {t} = {r}.quantize(_Q, _HALF_UP, _C28)")
    w.line(f"    out[{key}] = {t}")
    w.line("except _Exception:")
    w.line(f"    {t} = _rounded_into({r}, _P, out, {key})")


def _shares(w: _Writer, pn: PlanNode, results: list[str], failing: bool) -> str:
    """A mean or weakest-link group's points unrounded (or why it has none) into a
    temporary: where every child scored, :func:`~perfscore.evaluate.pointsteps._shares_fast`'s
    arithmetic written out (the same operations in the same order) — and where the one child
    that may not apply does not, and its weight goes to the others, the same over the others;
    else that function."""
    r = w.temp()
    fast = f"{r} = {w.value(pn.combine_fast)}(({', '.join(results)},))"
    made = share_factors(pn.weights)
    if made is None:
        w.line(fast)
        return r
    factors = made[0]
    maybe = [t for t, ch in zip(results, pn.children, strict=True) if ch.gives_str or failing]
    outer = w.indent
    if len(maybe) == 1 and len(results) > 1 and pn.redistribute:
        k = results.index(maybe[0])
        others = [j for j in range(len(results)) if j != k]
        w.line(f"if {maybe[0]}.__class__ is _str:")
        w.line(f"    if {maybe[0]} != _NA:")
        w.line(f"        {fast}")
        w.line("    else:")
        w.indent = outer + "        "
        _share_lines(w, pn, r, [results[j] for j in others], [factors[j] for j in others], made)
        w.indent = outer
        w.line("else:")
        w.indent = outer + "    "
    elif maybe:
        w.line(f"if {' or '.join(f'{t}.__class__ is _str' for t in maybe)}:")
        w.line(f"    {fast}")
        w.line("else:")
        w.indent = outer + "    "
    if len(maybe) < len(results):  # a leaf decided alone may give a reason: _mul refuses it
        inner = w.indent
        w.line("try:")
        w.indent = inner + "    "
        _share_lines(w, pn, r, results, list(factors), made)
        w.indent = inner
        w.line("except _TypeError:")
        w.line(f"    {fast}")
    else:
        _share_lines(w, pn, r, results, list(factors), made)
    w.indent = outer
    return r


def _share_lines(
    w: _Writer,
    pn: PlanNode,
    r: str,
    results: list[str],
    factors: list[Decimal],
    made: tuple[tuple[Decimal, ...], Decimal],
) -> None:
    """``results``' shares ``p·c`` in order — added up from the first over ``L·n`` (mean), or
    the lowest (the first of equal ones) over ``L`` — times the group's weight, into ``r``."""
    base = made[1]
    weight = pn.node.weight
    assert weight is not None
    parts = [f"_mul({t}, {w.value(c)})" for t, c in zip(results, factors, strict=True)]
    w.line(f"{r} = {parts[0]}")
    if pn.node.aggregate is mean:
        for part in parts[1:]:
            w.line(f"{r} = _add({r}, {part})")
        under = WIDE.multiply(base, len(parts))
    else:
        x = w.temp()
        for part in parts[1:]:
            w.line(f"{x} = {part}")
            w.line(f"if {x} < {r}:")
            w.line(f"    {r} = {x}")
        under = base
    w.line(f"{r} = _div(_mul({w.value(weight)}, {r}), {w.value(under)})")


def share_factors(weights: Sequence[Decimal]) -> tuple[tuple[Decimal, ...], Decimal] | None:
    """``(c, L)``: ``L`` a common multiple of the weights and each ``c = L / w``, whole (see
    :func:`~perfscore.evaluate.pointsteps._shares_fast`); None for no weights, or one that is
    not above zero."""
    if not weights or any(w <= 0 for w in weights):
        return None
    scale = max(max(-int(w.as_tuple().exponent), 0) for w in weights)
    whole = [int(w.scaleb(scale)) for w in weights]
    common = math.lcm(*whole)
    return tuple(Decimal(common // x) for x in whole), Decimal(common).scaleb(-scale)


def _rounded(w: _Writer, t: str, r: str) -> None:
    """:func:`~perfscore.numbers.round_once` of ``r`` into ``t``, its common case written out
    (a Decimal quantized at 28 digits); anything else (more digits, a rational) is its own."""
    w.line("try:")
    w.line(f"    {t} = {r}.quantize(_Q, _HALF_UP, _C28)")
    w.line("except _Exception:")
    w.line(f"    {t} = _round({r}, _P)")


def _combined(
    w: _Writer,
    children: Sequence[PlanNode],
    weight: Decimal,
    total: Decimal,
    weights: Sequence[Decimal],
    redistribute: bool,
    failing: bool,
    top: bool = False,
) -> str:
    """Lines computing the weighted sum of ``children`` (unrounded, or why it has none) into
    a temporary: added up in order from zero when all of them scored (as the closures add
    them), weighed (:func:`~perfscore.aggregate.weigh`; written out by
    :func:`.weighcode.skipped` where none is an error) when one did not.  At the ``top``, a
    child whose code raises (a fast form that gives up, an error) is decided again node by
    node (``_redo``), the others kept."""
    results = [_recovering(w, ch, failing) if top else _node(w, ch, failing) for ch in children]
    r = w.temp()
    skipping = [
        t for t, ch in zip(results, children, strict=True) if ch.gives_str or failing or top
    ]
    outer = w.indent
    if skipping:
        test = " or ".join(f"{t}.__class__ is _str" for t in skipping)
        w.line(f"if {test}:")
        w.indent = outer + "    "
        weigher = w.value(weighcode.weigher(weight, redistribute, tuple(weights), total))
        errors = " or ".join(f"({t}.__class__ is _str and {t} != _NA)" for t in skipping)
        w.line(f"if {errors}:")
        w.line(f"    {r} = {weigher}(({', '.join(results)},))")
        w.line("else:")
        w.indent = outer + "        "
        weighcode.skipped(w, r, results, skipping, weight, weights, total, redistribute)
        w.indent = outer
        w.line("else:")
        w.indent = outer + "    "
    unchecked = len(skipping) < len(results)
    if unchecked:  # a leaf decided alone may give a reason (its code raised): _add refuses
        # it, and the group is weighed by its general code — nothing to test where none does
        inner = w.indent
        w.line("try:")
        w.indent = inner + "    "
    w.line(f"{r} = _Z")
    for t in results:
        w.line(f"{r} = _add({r}, {t})")
    w.line(f"{r} = {weighcode.scaled_line(w, r, total, weight)}")
    if unchecked:
        w.indent = inner
        w.line("except _TypeError:")
        weigher = w.value(weighcode.weigher(weight, redistribute, tuple(weights), total))
        w.line(f"    {r} = {weigher}(({', '.join(results)},))")
    w.indent = outer
    return r


def _recovering(w: _Writer, pn: PlanNode, failing: bool) -> str:
    """:func:`_node` in a ``try``: where its code raises, the node decided again as the
    evaluator's pieces decide it (``_redo``: what it wrote in ``out`` is a pre-order prefix of
    its subtree, written again in place).  A record that trips one leaf's fast form costs that
    subtree twice, not the whole walk."""
    outer = w.indent
    w.line("try:")
    w.indent = outer + "    "
    t = _node(w, pn, failing)
    w.indent = outer
    w.line("except _Exception:")
    w.line(f"    {t} = _redo({w.value(pn)}, scope, failures, out)")
    return t


Walk = Callable[..., "Decimal | str"]


def straight_line(
    nodes: Sequence[PlanNode],
    weight: Decimal,
    total: Decimal,
    weights: Sequence[Decimal],
    redistribute: bool,
    places: int,
    decide: Callable[..., Any],
    redo: Callable[..., Any],
    alone: Callable[..., Any],
    exact: Callable[..., Any],
) -> tuple[Walk, Walk]:
    """The walk of the top ``nodes`` written out twice, each called as ``(scope, out, failed
    names, failures)``: ``clean`` for a subject where nothing failed that a node's walk must
    see (:attr:`PlanNode.strict`), ``failing`` for one where something did; each gives the
    total unrounded (or why there is none).  ``decide(node, scope,
    failures, out)``: a leaf's result where what it reads failed; ``redo(node, scope,
    failures, out)``: a top node's, node by node; ``alone(node, scope, failures, out)``: a
    leaf's, where its code raised; ``exact(node, scope, failures, out)``: a leaf's, where its
    code refused a decision (:class:`~perfscore.numbers.NotExact`)."""
    made = []
    for failing in (False, True):
        w = _Writer(places)
        w.values["_decide"] = decide
        w.values["_redo"] = redo
        w.values["_alone"] = alone
        w.values["_exact"] = exact
        w.values["_forced"] = _forced
        r = _combined(w, nodes, weight, total, weights, redistribute, failing, top=True)
        w.line(f"return {r}")
        source = "def _points(scope, out, failed, failures):\n"
        source += "".join(f"{line}\n" for line in w.lines)
        namespace = dict(w.values)
        exec(compile(source, "<perfscore points>", "exec"), namespace)
        made.append(namespace["_points"])
    return made[0], made[1]


def _rounded_into(r: Any, places: int, out: dict[str, Any], key: str) -> Any:
    """A group's result rounded into ``out[key]`` where its common case did not (more
    digits, a rational); a reason (``"error"``, ``"not_applicable"``) as it is, ``out[key]``
    left None."""
    if r.__class__ is str:
        return r
    p = out[key] = round_once(r, places)
    return p


def _forced(node: Any, scope: dict[str, Any], failures: Any) -> str | None:
    """A group's condition where the subject has failures: None when it applies, else what
    it makes of the group (``"error"`` or ``"not_applicable"``) — as
    :func:`~perfscore.evaluate.leaves.applies` decides it."""
    k = condition(node, scope, failures)
    if k is None or k.__class__ is str:
        return k
    f = Failure(k[0], "", "", ())
    return "error" if from_failure(node, f).outcome == "error" else NA


def condition(node: Any, scope: dict[str, Any], failures: Any) -> tuple[str] | str | None:
    """What :func:`~perfscore.evaluate.leaves.applies` decides of a node's ``when``, without
    writing its words (the points path never reads them): None where it holds, ``(kind,)``
    for the kind of failure that blocks it, or ``"error"`` / ``"not_applicable"``."""
    when = node.when
    k = blocking_kind(when.names, failures, bool(when.functions & _AWARE))
    if k is not None:
        return (k,)
    try:
        holds = bool(when(scope))
    except MissingValueError:
        return ("missing",)  # (a missing value computed with: the missing policy)
    except EvaluationError:
        return "error"
    return None if holds else NA


_AWARE = frozenset({"is_missing", "coalesce"})
