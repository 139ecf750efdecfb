"""Warnings about the scale of rates in a rule set's bounds and checks: a rate is a ratio
(95% is 0.95), and a bound, a step or a comparison written on the percentage-point scale
(95) beside it is a slip a reviewer should see (:mod:`perfscore.lint` says them).

Only what is plain from the text is read: a ``percent`` input or a metric with ``unit: "%"``
is a ratio, and so is one year's figure of a ``percent`` series (``year(s, 2023)``, ``last``,
``mean``, ``min``, ``max``); ``x * 100`` of a ratio is in percentage points and ``x / 100``
of those a ratio again; ``round``, ``abs``, ``min``, ``max`` and ``clamp`` keep their first
value's scale.
Anything else has no known scale and is never warned about.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from decimal import Decimal
from typing import Literal

from . import model as m
from .compile import Compiled
from .errors import Problem
from .numbers import json_number
from .words import LINT, said

__all__ = ["Scale", "Scales", "scale_warnings"]

Scale = Literal["ratio", "points"]
Path = tuple[str | int, ...]

_HUNDRED = Decimal(100)
#: the functions whose value is on their first argument's scale
_KEEPS_SCALE = frozenset({"round", "abs", "min", "max", "clamp", "coalesce"})
#: the functions giving one year's figure of a series, or its last, least, most or mean: on
#: the scale of the series' figures (``year(exec_hist, 2023)`` of a percent series: a ratio)
_OF_SERIES = frozenset({"year", "last", "min", "max", "mean"})


def scale_warnings(c: Compiled) -> Iterator[Problem]:
    """A percent input's bound written as a ratio, and checks that compare a ratio with
    percentage points or a computed rate with a reported one without rounding."""
    yield from _bounds(c)
    reader = Scales(c.model)
    for i, chk in enumerate(c.model.checks):
        path: Path = ("checks", i)
        if chk.type == "equal" and chk.left is not None and chk.right is not None:
            yield from _mixed(c, reader, (*path, "right"), chk.left, chk.right)
            if chk.tolerance == 0:
                yield from _unrounded(c, reader, path, chk.left, chk.right)
        elif chk.type == "assert" and chk.expr is not None:
            text = chk.expr.strip()
            tree = _parse(text)
            for node in ast.walk(tree) if tree is not None else ():
                if isinstance(node, ast.Compare) and len(node.comparators) == 1:
                    # the sides as written (ast.unparse recurses: a long chain overflows it)
                    left = ast.get_source_segment(text, node.left)
                    right = ast.get_source_segment(text, node.comparators[0])
                    if left is not None and right is not None:
                        yield from _mixed(c, reader, (*path, "expr"), left, right)


def _warn(c: Compiled, path: Path, key: str, **fields: object) -> Problem:
    message = said(LINT, "warning", message=said(LINT, key, **fields))
    return c.document.problem(path, message, code="warning")


def _bounds(c: Compiled) -> Iterator[Problem]:
    """``max: 1`` on a percent input means 1% (bounds are written like the data, in
    percentage points), so every rate above 1% would be refused: 100% is meant."""
    for name, spec in c.model.inputs.items():
        if spec.type != "percent" and not (spec.type == "series" and spec.of == "percent"):
            continue
        for key in ("min", "max"):
            bound = getattr(spec, key)
            if bound is not None and 0 < bound <= 1:
                yield _warn(
                    c,
                    ("inputs", name, key),
                    "ratio_bound",
                    title=spec.title or name,
                    name=name,
                    setting=key,
                    number=json_number(bound),
                    percent=json_number(bound * _HUNDRED),
                )


def _mixed(c: Compiled, reader: Scales, path: Path, left: str, right: str) -> Iterator[Problem]:
    scales = (reader.of_text(left), reader.of_text(right))
    if set(scales) == {"ratio", "points"}:
        ratio, points = (left, right) if scales[0] == "ratio" else (right, left)
        yield _warn(c, path, "mixed_scales", ratio=ratio.strip(), points=points.strip())


def _unrounded(c: Compiled, reader: Scales, path: Path, left: str, right: str) -> Iterator[Problem]:
    """A reported rate (a percent input) compared exactly with a rate computed by a division
    that is not rounded: the report's few decimals almost never equal the exact quotient."""
    for side, (given, computed) in (("right", (left, right)), ("left", (right, left))):
        name = given.strip()
        spec = c.model.inputs.get(name)
        if spec is None or spec.type != "percent":
            continue
        tree = _parse(computed)
        if tree is None or reader.scale(tree) == "points" or not reader.divides(tree):
            continue
        if isinstance(tree, ast.Call) and getattr(tree.func, "id", None) == "round":
            continue
        yield _warn(
            c,
            (*path, side),
            "unrounded_rate",
            title=spec.title or name,
            name=name,
            expr=computed.strip(),
        )


def _parse(text: str) -> ast.expr | None:
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


class Scales:
    """The scale of an expression, when it is plain from its text (see the module)."""

    def __init__(self, model: m.RuleSetModel) -> None:
        self.model = model
        self.seen: set[str] = set()

    def of_text(self, text: str) -> Scale | None:
        tree = _parse(text)
        return None if tree is None else self.scale(tree)

    def scale(self, node: ast.expr) -> Scale | None:
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            first = node.args[0]
            if node.func.id in _OF_SERIES and isinstance(first, ast.Name):
                spec = self.model.inputs.get(first.id)
                if spec is not None and spec.type == "series":
                    return "ratio" if spec.of == "percent" else None
            return self.scale(first) if node.func.id in _KEEPS_SCALE else None
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        return None

    def _binop(self, node: ast.BinOp) -> Scale | None:
        if isinstance(node.op, ast.Mult):
            for value, by in ((node.left, node.right), (node.right, node.left)):
                if _is_hundred(by) and self.scale(value) == "ratio":
                    return "points"
            return None
        if isinstance(node.op, ast.Div):
            points = _is_hundred(node.right) and self.scale(node.left) == "points"
            return "ratio" if points else None
        if isinstance(node.op, (ast.Add, ast.Sub)):
            # a left-leaning chain (a1 + a2 + … + a500) is read in a loop, not by recursion
            terms = [node.right]
            left: ast.expr = node.left
            while isinstance(left, ast.BinOp) and isinstance(left.op, (ast.Add, ast.Sub)):
                terms.append(left.right)
                left = left.left
            terms.append(left)
            found: set[Scale | None] = set()
            for term in terms:
                if not isinstance(term, ast.Constant):
                    found.add(self.scale(term))
            return found.pop() if len(found) == 1 else None
        return None

    def _name(self, name: str) -> Scale | None:
        spec = self.model.inputs.get(name)
        if spec is not None:
            return "ratio" if spec.type == "percent" else None
        metric = self.model.metrics.get(name)
        if metric is None or name in self.seen:
            return None
        self.seen.add(name)
        try:
            tree = _parse(metric.expr)
            found = None if tree is None else self.scale(tree)
        finally:
            self.seen.discard(name)
        if found is None and metric.unit == "%":
            return "ratio"
        return found

    def divides(self, node: ast.expr) -> bool:
        """Whether a division is behind ``node``, through the metrics it names."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Div):
                return True
            if isinstance(sub, ast.Name) and sub.id not in self.seen:
                metric = self.model.metrics.get(sub.id)
                tree = None if metric is None else _parse(metric.expr)
                if tree is not None:
                    self.seen.add(sub.id)
                    try:
                        if self.divides(tree):
                            return True
                    finally:
                        self.seen.discard(sub.id)
        return False


def _is_hundred(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and not isinstance(node.value, bool)
        and isinstance(node.value, (int, float))
        and Decimal(str(node.value)) == _HUNDRED
    )
