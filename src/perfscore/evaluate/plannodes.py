"""The points-only plan's data: what :func:`~.pointsonly.points_plan` builds and the walks read
(:class:`PlanNode`, :class:`PointsPlan`, a node's result); kept apart so the code writers
(:mod:`.pointscode`, :mod:`.leafcode`) and the steps (:mod:`.pointsteps`) share one shape."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..compile import Compiled, IndicatorNode
from .state import Scan

ZERO = Decimal(0)
ONE = Decimal(1)
#: a node's result when it does not apply (its ``when``, or all of it below)
NA = "not_applicable"
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
    #: whether the walk may get a reason instead of points from its clean code (a ``when``; a
    #: leaf that checks its own reads; a group with such a child) — tested for it one by one.
    #: Any other leaf may give one too, where its code raises and the leaf decided alone is
    #: an error or not applicable: its group's arithmetic then raises TypeError, and the
    #: group is weighed by its general code (see :mod:`.pointscode`)
    gives_str: bool = False


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
    #: every node's id in pre-order, each None: what a subject's points start as (a copy;
    #: the walk writes each node's points in place, one without points stays None)
    keys: Points
