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

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..aggregate import weigh, weighted_sum
from ..exact import WIDE, share_of
from ..numbers import round_once

if TYPE_CHECKING:
    from .pointsonly import PlanNode

__all__ = ["straight_line"]

ZERO = Decimal(0)
NA = "not_applicable"


class _Writer:
    """Source lines and the namespace values they name (only names made here reach the
    source; ids, forms and numbers travel as values)."""

    def __init__(self, places: int) -> None:
        self.lines: list[str] = []
        self.values: dict[str, Any] = {
            "__builtins__": {},
            "_add": WIDE.add,
            "_share": share_of,
            "_round": round_once,
            "_weigh": weigh,
            "_str": str,
            "_Z": ZERO,
            "_P": places,
            "_NA": NA,
        }
        self.count = 0
        self.indent = "    "

    def line(self, text: str) -> None:
        self.lines.append(self.indent + text)

    def value(self, x: Any) -> str:
        name = f"_v{len(self.values)}"
        self.values[name] = x
        return name

    def temp(self) -> str:
        self.count += 1
        return f"t{self.count}"


def _written_out(pn: PlanNode) -> bool:
    """A weighted-sum group (its children's results added up, or weighed when one does not
    apply)."""
    return not pn.node.is_leaf and pn.node.aggregate is weighted_sum


def _scaled(w: _Writer, got: str, base: Decimal, weight: Decimal) -> str:
    """:func:`~perfscore.aggregate.scaled`, its branch taken at load."""
    if base == 0:
        return "_Z"
    if base == weight:
        return got
    return f"_share({got}, {w.value(weight)}, {w.value(base)})"


def _node(w: _Writer, pn: PlanNode) -> str:
    """Lines computing ``pn``'s result into a temporary (its name): points, or ``_NA`` where
    it does not apply; ``out`` filled in pre-order."""
    nid, step, is_leaf = pn.step
    key = w.value(nid)
    t = w.temp()
    if is_leaf:
        w.line(f"{t} = {w.value(step)}(scope)")
        w.line(
            f"out[{key}] = None if {t}.__class__ is _str else {t}"
            if pn.may_skip
            else f"out[{key}] = {t}"
        )
        return t
    if not _written_out(pn):  # a mean, a weakest link: its own closure step
        w.line(f"{t} = {w.value(step)}(scope, out)")
        return t
    w.line(f"out[{key}] = None")  # pre-order: the group before its children
    outer = w.indent
    if pn.node.when is not None:  # the condition covers the subtree
        w.line(f"if not {w.value(pn.node.when.__call__)}(scope):")
        w.indent = outer + "    "
        for d in pn.below:
            w.line(f"out[{w.value(d)}] = None")
        w.line(f"{t} = _NA")
        w.indent = outer
        w.line("else:")
        w.indent = outer + "    "
    weight = pn.node.weight
    assert weight is not None
    r = _combined(w, pn.children, weight, pn.total, pn.weights, pn.redistribute)
    if any(ch.may_skip for ch in pn.children):
        w.line(f"if {r}.__class__ is _str:")
        w.line(f"    {t} = {r}")
        w.line("else:")
        w.line(f"    {t} = _round({r}, _P)")
        w.line(f"    out[{key}] = {t}")
    else:
        w.line(f"{t} = _round({r}, _P)")
        w.line(f"out[{key}] = {t}")
    w.indent = outer
    return t


def _combined(
    w: _Writer,
    children: Sequence[PlanNode],
    weight: Decimal,
    total: Decimal,
    weights: Sequence[Decimal],
    redistribute: bool,
) -> str:
    """Lines computing the weighted sum of ``children`` (unrounded, or why it has none) into
    a temporary: added up in order from zero when all of them scored (as the closures add
    them), weighed (:func:`~perfscore.aggregate.weigh`) when one did not apply."""
    results = [_node(w, ch) for ch in children]
    r = w.temp()
    skipping = [t for t, ch in zip(results, children, strict=True) if ch.may_skip]
    outer = w.indent
    if skipping:
        test = " or ".join(f"{t}.__class__ is _str" for t in skipping)
        w.line(f"if {test}:")
        wt, redo, ws, base = (w.value(x) for x in (weight, redistribute, tuple(weights), total))
        w.line(f"    {r} = _weigh({wt}, {redo}, {ws}, [{', '.join(results)}], {base})")
        w.line("else:")
        w.indent = outer + "    "
    w.line(f"{r} = _Z")
    for t in results:
        w.line(f"{r} = _add({r}, {t})")
    w.line(f"{r} = {_scaled(w, r, total, weight)}")
    w.indent = outer
    return r


def straight_line(
    nodes: Sequence[PlanNode],
    weight: Decimal,
    total: Decimal,
    weights: Sequence[Decimal],
    redistribute: bool,
    places: int,
) -> Callable[[dict[str, Any], dict[str, Decimal | None]], Decimal | str]:
    """The clean walk of the top ``nodes`` as one function ``(scope, out) -> the total
    unrounded`` (or why there is none: ``"not_applicable"``)."""
    w = _Writer(places)
    r = _combined(w, nodes, weight, total, weights, redistribute)
    w.line(f"return {r}")
    source = "def _points(scope, out):\n" + "".join(f"{line}\n" for line in w.lines)
    namespace = dict(w.values)
    exec(compile(source, "<perfscore points>", "exec"), namespace)
    return namespace["_points"]  # type: ignore[no-any-return]
