"""Warnings about slips rev13 wrote into a 省级 部门整体 rule set that loaded silently (said by
:mod:`perfscore.lint`): a rate compared on the percentage-point scale in a condition, a cost
scored as if more were better, a target on the other scale from its value, full marks no band
gives, a rate rounded to whole percent before it is compared, and a share written upside down.

Only what is plain from the text and the declarations is read (the scale of an expression as
:mod:`perfscore.lintscale` reads it; a number input declared ``max: 1`` or with a rate's
``unit`` is a rate too); anything less plain is not warned about, as a warning a bureau cannot
act on costs it more than a slip missed.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from . import model as m
from .compile import Compiled
from .errors import Problem
from .lintlogic import every_indicator, leaf_indicators, lint_warning, parse_condition
from .lintscale import Scale, Scales
from .numbers import json_number
from .words import LINT, said

__all__ = ["Rates", "slip_warnings"]

Path = tuple[str | int, ...]

#: A bare number this far from 0 beside a rate is in percentage points (as lint.RATE_SLIP).
_RATE_SLIP = Decimal(2)
_HUNDRED = Decimal(100)
_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
#: A number input's ``unit`` that says it is a ratio (0.95 for 95%).
_RATIO_UNITS = frozenset({"ratio", "比率", "比例"})
#: Words of a cost in a title (成本 / 费用 / 单价 / 耗): more of it is worse ...
_COST = ("成本", "费用", "单价", "耗")
#: ... unless the title says it is what was saved or cut (节约额: more is better).
_SAVED = ("节约", "节省", "节支", "降低", "下降", "压减", "压缩", "减少", "控制率", "率")
#: Words of a whole and of a part of spending, in a title.
_WHOLE = ("合计", "总计", "总额", "总数", "总支出", "支出总", "执行数", "决算数")
_PART = ("基本支出", "项目支出", "人员经费", "公用经费", "三公", "其中")
#: Words saying an expression is a share (a part over its whole).
_SHARE = ("占比", "比重", "比例", "比率", "率")


def slip_warnings(c: Compiled) -> Iterator[Problem]:
    """Every warning of this module for ``c`` (:func:`perfscore.lint.ruleset_warnings` sorts)."""
    reader = Rates(c.model)
    for path, text in _conditions(c.model):
        yield from _condition(c, reader, path, text)
    for path, ind in leaf_indicators(c.model.indicators, ("indicators",)):
        yield from _leaf(c, reader, path, ind)
    yield from _shares(c)


def _conditions(model: m.RuleSetModel) -> Iterator[tuple[Path, str]]:
    """Every yes/no expression: ``when`` of indicators, groups and checklist items, a check's
    ``when`` and ``expr``, a grade override's ``when``."""
    for path, ind in every_indicator(model.indicators, ("indicators",)):
        if ind.when is not None:
            yield (*path, "when"), ind.when
        for k, item in enumerate(getattr(ind.scorer, "items", None) or ()):
            when = getattr(item, "when", None)
            if isinstance(when, str):
                yield (*path, "scorer", "items", k, "when"), when
    for i, chk in enumerate(model.checks):
        for key in ("when", "expr"):
            text = getattr(chk, key, None)
            if isinstance(text, str):
                yield ("checks", i, key), text
    if model.grades is not None:
        for i, o in enumerate(model.grades.overrides):
            yield ("grades", "overrides", i, "when"), o.when


def _number(node: ast.expr) -> Decimal | None:
    """A number written in the text (``80``, ``-5``), or None."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return None
    if not isinstance(node.value, (int, float)):
        return None
    try:
        return sign * Decimal(str(node.value))
    except InvalidOperation:
        return None


class Rates(Scales):
    """:class:`~perfscore.lintscale.Scales`, where a number input declared ``max: 1`` (with
    no negative ``min``) or with a ratio's ``unit`` is a rate too."""

    def _name(self, name: str) -> Scale | None:
        spec = self.model.inputs.get(name)
        if spec is not None and spec.type == "number":
            if spec.unit is not None and spec.unit.strip() in _RATIO_UNITS:
                return "ratio"
            if spec.max is not None and 0 < spec.max <= 1 and (spec.min or 0) >= 0:
                return "ratio"
        return super()._name(name)

    def twice(self, node: ast.expr) -> bool:
        """``x / 100`` of a rate: a ratio made a ratio again (95% read as 0.0095)."""
        return (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and _number(node.right) == _HUNDRED
            and self.scale(node.left) == "ratio"
        )

    def title(self, name: str) -> str:
        spec = self.model.inputs.get(name)
        metric = self.model.metrics.get(name)
        found = spec.title if spec is not None else metric.title if metric is not None else None
        return found or name


def _whole_percent(reader: Rates, node: ast.expr) -> ast.expr | None:
    """The rate in ``round(rate * 100)`` / ``round(rate * 100, 0)`` / ``round(rate, 2)``: a rate
    rounded to whole percent; else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    if node.func.id != "round" or not node.args or node.keywords:
        return None
    inner, places = node.args[0], (_number(node.args[1]) if len(node.args) > 1 else Decimal(0))
    if len(node.args) > 2 or places is None:
        return None
    scale = reader.scale(inner)
    if scale == "points" and places == 0 and isinstance(inner, ast.BinOp):
        for value, by in ((inner.left, inner.right), (inner.right, inner.left)):
            if _number(by) == _HUNDRED and reader.scale(value) == "ratio":
                return value
    if scale == "ratio" and places == 2:
        return inner
    return None


def _condition(c: Compiled, reader: Rates, path: Path, text: str) -> Iterator[Problem]:
    tree = parse_condition(text)
    for node in ast.walk(tree) if tree is not None else ():
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        for (a, b), op in zip(itertools.pairwise(sides), node.ops, strict=True):
            yield from _compared(c, reader, path, a, b, op)


def _compared(
    c: Compiled, reader: Rates, path: Path, a: ast.expr, b: ast.expr, op: ast.cmpop
) -> Iterator[Problem]:
    for rate, other in ((a, b), (b, a)):
        number = _number(other)
        if number is not None and abs(number) >= _RATE_SLIP and reader.scale(rate) == "ratio":
            shown = ast.unparse(rate)
            yield lint_warning(
                c,
                path,
                "rate_condition",
                rate=shown,
                title=reader.title(shown),
                number=json_number(number),
                percent=json_number(number * _HUNDRED),
                ratio=json_number(number / _HUNDRED),
                always=said(
                    LINT, "holds_always" if _always(rate is a, op, number) else "holds_never"
                ),
            )
            return
        if isinstance(op, _ORDER) and number is not None:
            rounded = _whole_percent(reader, rate)
            if rounded is not None:
                yield lint_warning(
                    c,
                    path,
                    "whole_percent",
                    expr=ast.unparse(rate),
                    rate=ast.unparse(rounded),
                )
                return


def _always(rate_left: bool, op: ast.cmpop, number: Decimal) -> bool:
    """Whether ``rate op number`` (a rate within about [0, 1], a number beyond ±2) holds for
    every rate: ``rate < 80`` does, ``rate >= 80`` never does."""
    below = number > 0  # the rate lies below the number
    if not rate_left:  # 80 > rate: the same as rate < 80
        op = {ast.Lt: ast.Gt(), ast.LtE: ast.GtE(), ast.Gt: ast.Lt(), ast.GtE: ast.LtE()}.get(
            type(op), op
        )
    if isinstance(op, (ast.Lt, ast.LtE)):
        return below
    if isinstance(op, (ast.Gt, ast.GtE)):
        return not below
    return isinstance(op, ast.NotEq)


def _leaf(c: Compiled, reader: Rates, path: Path, ind: m.IndicatorModel) -> Iterator[Problem]:
    scorer = ind.scorer
    if scorer is None:
        return
    yield from _full_marks(c, path, ind)
    value = parse_condition(ind.value) if ind.value is not None else None
    if value is None:
        return
    for key in ("target", "start"):
        text = getattr(scorer, key, None)
        target = parse_condition(text) if isinstance(text, str) else None
        if target is not None:
            yield from _target(c, reader, (*path, "scorer", key), value, target)
    if _higher_is_better(scorer) and _costs(reader, ind, value, scorer):
        yield lint_warning(
            c,
            (*path, "scorer", "type"),
            "cost_higher",
            title=ind.title,
            id=ind.id,
            how=_how(scorer),
        )
    rounded = _whole_percent(reader, value)
    if rounded is not None and scorer.type in ("threshold", "bands", "deduct"):
        yield lint_warning(
            c, (*path, "value"), "whole_percent", expr=ind.value, rate=ast.unparse(rounded)
        )


def _target(
    c: Compiled, reader: Rates, path: Path, value: ast.expr, target: ast.expr
) -> Iterator[Problem]:
    """A target on the other scale from the value: a rate against ``last_rate * 100``, or
    against ``last_rate / 100`` (a ratio made a ratio again)."""
    ours, theirs = reader.scale(value), reader.scale(target)
    shown = {"value": ast.unparse(value), "target": ast.unparse(target)}
    if ours == "ratio" and reader.twice(target):
        yield lint_warning(c, path, "target_twice", **shown)
    elif ours is not None and theirs is not None and ours != theirs:
        yield lint_warning(
            c,
            path,
            "target_scale",
            value_scale=said(LINT, f"scale_{ours}"),
            target_scale=said(LINT, f"scale_{theirs}"),
            **shown,
        )


def _full_marks(c: Compiled, path: Path, ind: m.IndicatorModel) -> Iterator[Problem]:
    """A weight no band (or ``points_met``) reaches: full marks can never be given (a weight
    raised without its bands; a band above the weight is refused at load)."""
    scorer, weight = ind.scorer, ind.weight
    if scorer is None or weight is None:
        return
    best: Decimal | None = None
    at: Path = (*path, "scorer")
    best_of = "best_band"
    if scorer.type == "bands":
        points = [b.points for b in getattr(scorer, "bands", ()) if b.points is not None]
        otherwise = getattr(scorer, "otherwise", None)
        if isinstance(otherwise, Decimal):
            points.append(otherwise)
        if points:
            best, at, best_of = max(points), (*at, "bands"), "best_band"
    elif scorer.type == "threshold":
        best, at, best_of = getattr(scorer, "points_met", None), (*at, "points_met"), "best_met"
    if best is not None and best < weight:
        yield lint_warning(
            c,
            at,
            "full_unreachable",
            title=ind.title,
            id=ind.id,
            best=json_number(best),
            best_of=said(LINT, best_of),
            weight=json_number(weight),
        )


def _higher_is_better(scorer: object) -> bool:
    kind = getattr(scorer, "type", None)
    if kind == "proportional":
        return getattr(scorer, "direction", None) == "higher"
    if kind == "threshold":
        return getattr(scorer, "op", None) in (">=", ">")
    return kind == "deduct" and getattr(scorer, "direction", None) == "below"


def _how(scorer: object) -> str:
    kind = getattr(scorer, "type", None)
    if kind == "proportional":
        return "direction: higher"
    if kind == "threshold":
        return f"op: '{getattr(scorer, 'op', '')}'"
    return "direction: below"


def _is_cost(title: str) -> bool:
    return any(w in title for w in _COST) and not any(w in title for w in _SAVED)


def _costs(reader: Rates, ind: m.IndicatorModel, value: ast.expr, scorer: object) -> bool:
    """Whether the value is a cost scored against itself: an amount or a number (a plain
    input, or a metric that names one, never a rate or a difference) compared with a planned
    cost (a target or start naming one: 计划成本); or, for ``proportional``, one whose own
    title or the indicator's names a cost (成本 / 费用 / 耗 — 单价 alone is not enough there:
    a 收购单价 toward a 保护价 is better higher)."""
    names = _plain(reader, value)
    if names is None or reader.scale(value) is not None:
        return False
    own = [ind.title, *(reader.title(n) for n in names)]
    if any(w in t for t in own for w in _SAVED):
        return False
    target = getattr(scorer, "target", None) or getattr(scorer, "start", None)
    tree = parse_condition(target) if isinstance(target, str) else None
    planned = (_plain(reader, tree) if tree is not None else None) or []
    if any(_is_cost(reader.title(n)) for n in planned):
        return True
    strong = [w for w in _COST if w != "单价"]
    return getattr(scorer, "type", None) == "proportional" and any(
        w in t for t in own for w in strong
    )


def _plain(reader: Rates, node: ast.expr) -> list[str] | None:
    """The inputs a value is, when it is an amount read as given: a money, number or integer
    input, or a metric that is one (or their sum); None for anything computed otherwise."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _plain(reader, node.left), _plain(reader, node.right)
        return None if a is None or b is None else [*a, *b]
    if not isinstance(node, ast.Name):
        return None
    spec = reader.model.inputs.get(node.id)
    if spec is not None:
        amount = spec.type in ("money", "number", "integer")
        return [node.id] if amount else None
    metric = reader.model.metrics.get(node.id)
    if metric is None or node.id in reader.seen:
        return None
    tree = parse_condition(metric.expr)
    reader.seen.add(node.id)
    try:
        inner = None if tree is None else _plain(reader, tree)
    finally:
        reader.seen.discard(node.id)
    return None if inner is None else [node.id, *inner]


# --- a share written upside down ------------------------------------------------------------


def _shares(c: Compiled) -> Iterator[Problem]:
    """``whole / part`` where a share (``part / whole``) is meant: the parts are known from an
    ``equal`` check that adds them up to the whole (基本支出 + 项目支出 = 执行数), or from the
    titles (a 合计 / 执行数 over a 基本支出 / 其中); said on a metric or value that is a
    share (``unit: "%"``, or a title with 占比 / 比重 / 比例 / 率)."""
    model = c.model
    parts = _parts(model)
    reader = Rates(model)
    places: list[tuple[Path, str, str]] = [
        (("metrics", name, "expr"), mt.expr, mt.title or name)
        for name, mt in model.metrics.items()
        if mt.unit == "%" or any(w in (mt.title or "") for w in _SHARE)
    ]
    for path, ind in leaf_indicators(model.indicators, ("indicators",)):
        if ind.value is not None and any(w in ind.title for w in _SHARE):
            places.append(((*path, "value"), ind.value, ind.title))
    for path, text, title in places:
        tree = parse_condition(text)
        if isinstance(tree, ast.Call) and getattr(tree.func, "id", None) == "round" and tree.args:
            tree = tree.args[0]
        if not (isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Div)):
            continue
        top, bottom = tree.left, tree.right
        if not (isinstance(top, ast.Name) and isinstance(bottom, ast.Name)):
            continue
        whole, part = top.id, bottom.id
        known = part in parts.get(whole, ())
        by_words = _words(reader.title(whole), _WHOLE, _PART) and _words(
            reader.title(part), _PART, _WHOLE
        )
        if known or by_words:
            yield lint_warning(
                c,
                path,
                "share_upside_down",
                title=title,
                whole=whole,
                whole_title=reader.title(whole),
                part=part,
                part_title=reader.title(part),
            )


def _words(title: str, have: tuple[str, ...], lack: tuple[str, ...]) -> bool:
    return any(w in title for w in have) and not any(w in title for w in lack)


def _parts(model: m.RuleSetModel) -> dict[str, set[str]]:
    """whole → its parts, from every ``equal`` check that adds names up to one name."""
    out: dict[str, set[str]] = {}
    for chk in model.checks:
        if chk.type != "equal" or chk.left is None or chk.right is None:
            continue
        for one, many in ((chk.left, chk.right), (chk.right, chk.left)):
            a, b = parse_condition(one), parse_condition(many)
            if isinstance(a, ast.Name) and b is not None:
                added = _added(b)
                if added is not None and len(added) > 1:
                    out.setdefault(a.id, set()).update(added)
    return out


def _added(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _added(node.left), _added(node.right)
        return None if a is None or b is None else [*a, *b]
    return None
