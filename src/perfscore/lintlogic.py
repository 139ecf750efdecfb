"""Warnings about what a rule set's conditions, units and explanations mean (said by
:mod:`perfscore.lint`): an indicator whose ``when`` (with its groups') can never hold, money in
two units compared or divided, a tier's ``ratio`` read from a value declared beyond 1, and an
``explain_if`` whose ``require`` is not an explanation.

Only what is plain from the text and the inputs' declarations is read: a condition is decided
over the declared choices of text inputs and the two answers of yes/no inputs, and any part it
cannot decide (a number, a function) may hold; a unit is a money input's declared ``unit``.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal

from . import model as m
from .compile import Compiled
from .errors import Problem
from .numbers import json_number
from .rawvalue import MONEY_UNITS
from .words import LINT, said

__all__ = [
    "every_indicator",
    "leaf_indicators",
    "lint_warning",
    "logic_warnings",
    "parse_condition",
]

Path = tuple[str | int, ...]

#: Beyond this many combinations of values a condition is not decided (never warned about):
#: ``perfscore validate`` stays well under a second on a thousand conditions.
_MOST_CASES = 1024
#: A value of a text input without choices other than every word the conditions name.
_OTHER = object()
#: Functions whose value is on their first argument's unit.
_KEEPS_UNIT = frozenset({"round", "abs", "min", "max", "clamp", "coalesce"})
_ONE = Decimal(1)


def logic_warnings(c: Compiled) -> Iterator[Problem]:
    """Every warning of this module for ``c`` (:func:`perfscore.lint.ruleset_warnings` sorts)."""
    yield from _never_applies(c, c.model.indicators, ("indicators",), (), {})
    yield from _units(c)
    yield from _tier_ratios(c, c.model.indicators, ("indicators",))
    yield from _requires(c)


def lint_warning(c: Compiled, path: Path, key: str, **fields: object) -> Problem:
    """A located load warning in the run's words (every lint module says its warnings so)."""
    message = said(LINT, "warning", message=said(LINT, key, **fields))
    return c.document.problem(path, message, code="warning")


def parse_condition(text: str) -> ast.expr | None:
    """The expression a rule wrote, or None when it does not parse (load refuses it elsewhere)."""
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


# --- a when that can never hold ------------------------------------------------------------


def _never_applies(
    c: Compiled,
    inds: Sequence[m.IndicatorModel],
    path: Path,
    above: tuple[str, ...],
    known: dict[tuple[str, ...], bool],
) -> Iterator[Problem]:
    """An indicator or group whose ``when``, with its groups' ``when``, holds for no value the
    inputs can take: it is never scored and its weight always goes elsewhere (said once, at
    the highest node; its children are not said again)."""
    for i, ind in enumerate(inds):
        here = (*path, i)
        whens = above if ind.when is None else (*above, ind.when)
        if ind.when is not None and not _can_hold(c.model, whens, known):
            alone = not above or not _can_hold(c.model, (ind.when,), known)
            said_as = "when_never" if alone else "when_never_under"
            yield lint_warning(
                c,
                (*here, "when"),
                said_as,
                title=ind.title,
                id=ind.id,
                when=ind.when.strip(),
                above=" and ".join(f"({w.strip()})" for w in above),
            )
            continue
        if ind.children:
            yield from _never_applies(c, ind.children, (*here, "children"), whens, known)


def _can_hold(
    model: m.RuleSetModel, whens: tuple[str, ...], known: dict[tuple[str, ...], bool]
) -> bool:
    """Whether some value of the inputs makes every one of ``whens`` hold (or leaves it
    undecided); ``known``: the answers so far (siblings share their groups' conditions)."""
    if whens not in known:
        known[whens] = _decide(model, whens)
    return known[whens]


def _decide(model: m.RuleSetModel, whens: Sequence[str]) -> bool:
    trees = [parse_condition(w) for w in whens]
    if any(t is None for t in trees):
        return True
    parsed = [t for t in trees if t is not None]
    words: dict[str, set[object]] = {}
    for tree in parsed:
        _words(tree, words)
    domains: dict[str, list[object]] = {}
    for name, said_words in words.items():
        spec = model.inputs.get(name)
        if spec is None or name in model.metrics:
            continue
        if spec.type == "boolean":
            domains[name] = [True, False]
        elif spec.type == "text":
            domains[name] = list(spec.choices) if spec.choices else [*said_words, _OTHER]
    names = sorted(domains)
    size = 1
    for name in names:
        size *= len(domains[name])
    if not names or size > _MOST_CASES:
        return True
    for values in itertools.product(*(domains[n] for n in names)):
        env = dict(zip(names, values, strict=True))
        if all(_truth(t, env) is not False for t in parsed):
            return True
    return False


def _words(node: ast.expr, out: dict[str, set[object]]) -> None:
    """Every input name a condition reads, with the constants it is compared with."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            out.setdefault(sub.id, set())
        elif isinstance(sub, ast.Compare):
            sides = [sub.left, *sub.comparators]
            named = [s.id for s in sides if isinstance(s, ast.Name)]
            for s in sides:
                for k in _constants(s) or ():
                    for n in named:
                        out.setdefault(n, set()).add(k)


def _constants(node: ast.expr) -> tuple[object, ...] | None:
    if isinstance(node, ast.Constant):
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        return tuple(items) if len(items) == len(node.elts) else None
    return None


def _truth(node: ast.expr, env: Mapping[str, object]) -> bool | None:
    """A condition's truth for the values in ``env``; None when it cannot be decided here."""
    if isinstance(node, ast.BoolOp):
        parts = [_truth(v, env) for v in node.values]
        if isinstance(node.op, ast.And):
            return False if False in parts else True if all(parts) else None
        return True if True in parts else False if all(p is False for p in parts) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _truth(node.operand, env)
        return None if inner is None else not inner
    if isinstance(node, ast.Name):
        value = env.get(node.id, _OTHER)
        return value if isinstance(value, bool) else None
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return _compare(node.left, node.ops[0], node.comparators[0], env)
    return None


def _compare(
    left: ast.expr, op: ast.cmpop, right: ast.expr, env: Mapping[str, object]
) -> bool | None:
    if isinstance(right, ast.Name) and not isinstance(left, ast.Name):
        if not isinstance(op, (ast.Eq, ast.NotEq)):
            return None
        left, right = right, left
    if not isinstance(left, ast.Name) or left.id not in env:
        return None
    value, said_words = env[left.id], _constants(right)
    if said_words is None:
        return None
    if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(right, ast.Constant):
        same = value is not _OTHER and value == right.value
        return same if isinstance(op, ast.Eq) else not same
    if isinstance(op, (ast.In, ast.NotIn)) and not isinstance(right, ast.Constant):
        inside = value is not _OTHER and value in said_words
        return inside if isinstance(op, ast.In) else not inside
    return None


# --- money in two units ---------------------------------------------------------------------


def _units(c: Compiled) -> Iterator[Problem]:
    """Two money inputs declared in different units (元 and 万元) added, compared or divided:
    each value is kept in its own input's unit, so the figures are 10,000 apart."""
    reader = _Units(c.model)
    for name, metric in c.model.metrics.items():
        yield from reader.warn(c, ("metrics", name, "expr"), metric.expr)
    for path, ind in every_indicator(c.model.indicators, ("indicators",)):
        if ind.value is not None:
            yield from reader.warn(c, (*path, "value"), ind.value)
        target = getattr(ind.scorer, "target", None)
        if ind.value is not None and isinstance(target, str):
            yield from reader.pair(c, (*path, "scorer", "target"), ind.value, target)
    for i, chk in enumerate(c.model.checks):
        for key in ("left", "right", "expr", "when"):
            text = getattr(chk, key, None)
            if isinstance(text, str):
                yield from reader.warn(c, ("checks", i, key), text)
        if chk.type == "equal" and chk.left is not None and chk.right is not None:
            yield from reader.pair(c, ("checks", i, "right"), chk.left, chk.right)


def every_indicator(
    inds: Sequence[m.IndicatorModel], path: Path
) -> Iterator[tuple[Path, m.IndicatorModel]]:
    """Every indicator and group of a rule set's tree, in file order, with its path (the lint
    modules' one walk of the model)."""
    for i, ind in enumerate(inds):
        yield (*path, i), ind
        yield from every_indicator(ind.children or (), (*path, i, "children"))


def leaf_indicators(
    inds: Sequence[m.IndicatorModel], path: Path
) -> Iterator[tuple[Path, m.IndicatorModel]]:
    """The leaves of a rule set's tree (indicators without children), in file order, with
    their paths."""
    for i, ind in enumerate(inds):
        if ind.children:
            yield from leaf_indicators(ind.children, (*path, i, "children"))
        else:
            yield (*path, i), ind


def _mixed(c: Compiled, path: Path, a: str, ua: str, b: str, ub: str) -> Problem:
    sizes = sorted((MONEY_UNITS[ua], MONEY_UNITS[ub]))
    factor = json_number(sizes[1] / sizes[0])
    return lint_warning(c, path, "units_mixed", a=a, a_unit=ua, b=b, b_unit=ub, factor=factor)


class _Units:
    """The money unit of an expression, when plain from its text (see the module)."""

    def __init__(self, model: m.RuleSetModel) -> None:
        self.model = model
        self.seen: set[str] = set()
        self.clashes: list[tuple[str, str, str, str]] = []

    def warn(self, c: Compiled, path: Path, text: str) -> Iterator[Problem]:
        tree = parse_condition(text)
        if tree is None:
            return
        self.clashes = []
        self.unit(tree)
        for a, ua, b, ub in dict.fromkeys(self.clashes):
            yield _mixed(c, path, a, ua, b, ub)

    def pair(self, c: Compiled, path: Path, value: str, target: str) -> Iterator[Problem]:
        a, b = parse_condition(value), parse_condition(target)
        if a is None or b is None:
            return
        self.clashes = []
        ua, ub = self.unit(a), self.unit(b)
        if ua is not None and ub is not None and ua != ub:
            yield _mixed(c, path, ast.unparse(a), ua, ast.unparse(b), ub)

    def _clash(self, a: ast.expr, ua: str | None, b: ast.expr, ub: str | None) -> bool:
        if ua is not None and ub is not None and ua != ub:
            self.clashes.append((ast.unparse(a), ua, ast.unparse(b), ub))
            return True
        return False

    def unit(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            units = [(a, self.unit(a)) for a in node.args]
            if node.func.id not in _KEEPS_UNIT or not units:
                return None
            first, found = units[0]
            keeps = node.func.id in {"min", "max", "coalesce", "clamp"}
            for other, ou in units[1:] if keeps else ():
                self._clash(first, found, other, ou)
            return found
        if isinstance(node, ast.BinOp):
            ua, ub = self.unit(node.left), self.unit(node.right)
            if isinstance(node.op, (ast.Add, ast.Sub)):
                self._clash(node.left, ua, node.right, ub)
                return ua or ub
            if isinstance(node.op, ast.Div):
                self._clash(node.left, ua, node.right, ub)
            return None
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            units = [(s, self.unit(s)) for s in sides]
            for (a, ua), (b, ub) in itertools.pairwise(units):
                self._clash(a, ua, b, ub)
            return None
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                self.unit(v)
            return None
        if isinstance(node, ast.UnaryOp):
            return self.unit(node.operand)
        if isinstance(node, ast.IfExp):
            self.unit(node.test)
            ua, ub = self.unit(node.body), self.unit(node.orelse)
            return ua if ua == ub else None
        return None

    def _name(self, name: str) -> str | None:
        spec = self.model.inputs.get(name)
        if spec is not None:
            money = spec.type == "money" or (spec.type == "series" and spec.of == "money")
            return spec.unit if money and spec.unit in MONEY_UNITS else None
        metric = self.model.metrics.get(name)
        if metric is None or name in self.seen:
            return None
        tree = parse_condition(metric.expr)
        if tree is None:
            return None
        self.seen.add(name)
        kept = self.clashes
        self.clashes = []  # a metric's own clash is said at the metric
        try:
            return self.unit(tree)
        finally:
            self.clashes = kept
            self.seen.discard(name)


# --- a tier's ratio read from a value declared beyond 1 ---------------------------------------


def _tier_ratios(c: Compiled, inds: Sequence[m.IndicatorModel], path: Path) -> Iterator[Problem]:
    """``ratio:`` of a tier is a share of the weight within the tier's range (within [0, 1]); an
    input declared up to 100 (a score out of 100) read there makes every value above 1 an
    error."""
    for i, ind in enumerate(inds):
        here = (*path, i)
        if ind.children:
            yield from _tier_ratios(c, ind.children, (*here, "children"))
            continue
        scorer = ind.scorer
        ratio = getattr(scorer, "ratio", None)
        if scorer is None or scorer.type != "tier" or not isinstance(ratio, str):
            continue
        name = ratio.strip()
        spec = c.model.inputs.get(name)
        if spec is None or spec.type not in ("number", "integer", "percent") or spec.max is None:
            continue
        top = spec.max / 100 if spec.type == "percent" else spec.max
        if top > _ONE:
            yield lint_warning(
                c,
                (*here, "scorer", "ratio"),
                "ratio_beyond_one",
                title=spec.title or name,
                name=name,
                max=json_number(spec.max),
                top=json_number(top),
            )


# --- an explain_if whose require is not an explanation ----------------------------------------


def _requires(c: Compiled) -> Iterator[Problem]:
    """``require:`` names the input holding the explanation: a free text, or a yes/no that says
    one was given.  A number never counts as given; a text with choices, or an input the
    indicators score or test, is filled for its own sake, so it "explains" every row."""
    scored = {f for node_id, fields in c.rule_inputs.items() for f in fields if node_id in _ids(c)}
    for i, chk in enumerate(c.model.checks):
        name = (chk.require or "").strip()
        spec = c.model.inputs.get(name)
        if chk.type != "explain_if" or spec is None:
            continue
        title = spec.title or name
        path: Path = ("checks", i, "require")
        if spec.type not in ("text", "boolean"):
            yield lint_warning(c, path, "require_number", title=title, name=name)
        elif spec.choices:
            yield lint_warning(c, path, "require_choice", title=title, name=name)
        elif name in scored:
            yield lint_warning(c, path, "require_scored", title=title, name=name)


def _ids(c: Compiled) -> frozenset[str]:
    return frozenset(ind.id for _, ind in every_indicator(c.model.indicators, ("indicators",)))
