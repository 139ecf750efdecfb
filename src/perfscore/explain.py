"""Explain: the arithmetic behind a finding, for an auditor to check by hand.

A scored finding (points or a grade decided by its scorer) carries an
:class:`~perfscore.findings.Explanation`: the inputs it read (id, title, value, unit, and the
report line when the data came from a report), each formula written out with the subject's
values (``执行数 873.5万元 ÷ 全年预算数 1000万元 = 87.35%``), the standard applied, the scorer's
steps, the result — and the same as one sentence in Chinese and in English::

    执行数 873.5万元 ÷ 全年预算数 1000万元 = 87.35%；87.35% 低于 95% 7.65 个百分点，
    每 1 个百分点扣 0.5 分，扣 7.65 × 0.5 = 3.825 分，10 − 3.825 = 6.175，得 6.18 / 10 分

The scorer's part comes from the scorer's own module (its ``explain`` beside ``score``, with
the same arithmetic); the numbers are the exact ones the engine used (a long quotient is
shown to 10 decimals after "≈").  Explanations are built only when read: scoring, the
points-only path and the columnar path never make one.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .errors import PerfscoreError
from .findings import Explained
from .numbers import exact_text, is_cjk
from .scorers import Explaining, Working
from .values import Series
from .words import EXPLAIN, LANGS, VALUES, language

if TYPE_CHECKING:
    from .compile import Compiled, IndicatorNode

__all__ = ["Explainer"]


#: How tightly each construct binds (higher binds tighter), for parentheses.
_BIN = {
    ast.Add: (5, "+"), ast.Sub: (5, "−"), ast.Mult: (6, "×"), ast.Div: (6, "÷"),
    ast.FloorDiv: (6, "//"), ast.Mod: (6, "%"), ast.Pow: (8, "^"),
}  # fmt: skip
_CMP = {
    ast.Eq: "=", ast.NotEq: "≠", ast.Lt: "<", ast.LtE: "≤", ast.Gt: ">", ast.GtE: "≥",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}  # fmt: skip


class _Shape:
    """An expression written out for an auditor in one language: operators as they are
    written by hand (÷ × − ≥), the words of conditions in that language (若 … 则 … 否则 …,
    且, 或, 非), and ``__i__`` where its i-th name goes."""

    def __init__(self, lang: str) -> None:
        self.w = EXPLAIN[language(lang)]
        self.names: list[str] = []

    def __call__(self, node: ast.AST, outer: int = 0) -> str:
        text, own = self._node(node)
        return f"({text})" if own < outer else text

    def _node(self, node: ast.AST) -> tuple[str, int]:
        w = self.w
        if isinstance(node, ast.Expression):
            return self(node.body), 9
        if isinstance(node, ast.Name):
            self.names.append(node.id)
            return f"__{len(self.names) - 1}__", 9
        if isinstance(node, ast.Constant):
            return (repr(node.value) if isinstance(node.value, str) else str(node.value)), 9
        if isinstance(node, ast.BinOp):
            level, op = _BIN.get(type(node.op), (5, "?"))
            right = level + 1 if level != 8 else level  # ** groups to the right
            left = level if level != 8 else level + 1
            return f"{self(node.left, left)} {op} {self(node.right, right)}", level
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return f"{w['cond_not']}{self(node.operand, 3)}", 3
            sign = "−" if isinstance(node.op, ast.USub) else "+"
            return f"{sign}{self(node.operand, 7)}", 7
        if isinstance(node, ast.BoolOp):
            level = 2 if isinstance(node.op, ast.And) else 1
            word = w["cond_and"] if level == 2 else w["cond_or"]
            return word.join(self(v, level + 1) for v in node.values), level
        if isinstance(node, ast.Compare):
            parts = [self(node.left, 5)]
            for cmp, operand in zip(node.ops, node.comparators, strict=True):
                parts.append(f"{_CMP.get(type(cmp), '?')} {self(operand, 5)}")
            return " ".join(parts), 4
        if isinstance(node, ast.IfExp):
            text = w["cond_if"].format(
                test=self(node.test, 1), body=self(node.body, 1), orelse=self(node.orelse, 0)
            )
            return text, 0
        if isinstance(node, ast.Call):
            func = node.func.id if isinstance(node.func, ast.Name) else self(node.func, 9)
            args = [self(a) for a in node.args]
            args += [f"{k.arg}={self(k.value)}" for k in node.keywords]
            return f"{func}({', '.join(args)})", 9
        if isinstance(node, (ast.List, ast.Tuple)):
            return "[" + ", ".join(self(e) for e in node.elts) + "]", 9
        if isinstance(node, ast.Subscript):
            return f"{self(node.value, 9)}[{self(node.slice)}]", 9
        if isinstance(node, ast.Attribute):
            return f"{self(node.value, 9)}.{node.attr}", 9
        return ast.unparse(node), 9  # pragma: no cover - the rule language has no other nodes


def _pattern(text: str, lang: str) -> tuple[str, tuple[str, ...]]:
    """An expression as a pattern with ``__i__`` where its i-th name goes, and those names."""
    shape = _Shape(lang)
    try:
        out = shape(ast.parse(text.strip(), mode="eval"))
    except (SyntaxError, ValueError, RecursionError):  # pragma: no cover - compiled before
        return text.strip(), ()
    return out, tuple(shape.names)


class Explainer:
    """Builds the explanations of one compiled rule set's findings (shared by every subject;
    keeps only caches of expression patterns)."""

    def __init__(self, compiled: Compiled, places: int) -> None:
        self.c = compiled
        self.places = places
        self.titles = {n: (s.title or n) for n, s in compiled.inputs.items()}
        self.titles.update({mt.name: (mt.title or mt.name) for mt in compiled.metrics})
        self.units = {n: s.display_unit for n, s in compiled.inputs.items()}
        self.units.update({mt.name: compiled.units.get(mt.name) for mt in compiled.metrics})
        self.metrics = {mt.name: mt for mt in compiled.metrics}
        self._patterns: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
        self._plans: dict[str, tuple[tuple[Any, ...], str | None]] = {}
        self._gaps: dict[str, str] = {}

    # -- numbers and names, as an auditor reads them ----------------------------------------
    def quantity(self, x: Any, unit: str | None, lang: str) -> str:
        if x is None:
            return "—"
        if isinstance(x, bool):
            return VALUES[lang]["true" if x else "false"]
        if isinstance(x, Decimal):
            if unit == "%":
                return f"{exact_text(x * 100)}%"
            text = exact_text(x)
            if not unit:
                return text
            gap = self._gaps.get(unit)
            if gap is None:  # 万元 and 人 follow the number; "km" after a space
                gap = self._gaps[unit] = "" if is_cjk(unit) else " "
            return f"{text}{gap}{unit}"
        if isinstance(x, Series):
            return "; ".join(f"{y}: {self.quantity(v, unit, lang)}" for y, v in x.points)
        return str(x)

    def _named(self, name: str, scope: Mapping[str, Any], lang: str) -> str:
        title = self.titles.get(name, name) if lang == "zh" else name
        value = self.quantity(scope.get(name), self.units.get(name), lang)
        return EXPLAIN[lang]["named"].format(title=title, value=value)

    def render(self, text: str, scope: Mapping[str, Any]) -> tuple[str, str]:
        """``text`` with each name written as its title and value (zh) or id and value (en)."""
        out = []
        for lang in LANGS:
            pattern = self._patterns.get((text, lang))
            if pattern is None:
                pattern = self._patterns[text, lang] = _pattern(text, lang)
            s, names = pattern
            for i, name in enumerate(names):
                s = s.replace(f"__{i}__", self._named(name, scope, lang), 1)
            out.append(s)
        return out[0], out[1]

    # -- one finding ------------------------------------------------------------------------
    def build(
        self,
        node: IndicatorNode,
        value: Any,
        points: Decimal | None,
        grade: str | None,
        scope: Mapping[str, Any],
    ) -> Explained:
        """The explanation of ``node``'s finding for a subject whose values are ``scope``."""
        inputs = tuple(
            {
                "name": n,
                "title": self.titles.get(n, n),
                "value": scope.get(n),
                "unit": self.units.get(n),
            }
            for n in self.c.rule_inputs.get(node.id, ())
        )
        formulas = self._formulas(node, value, scope)
        unit = node.unit
        if unit is None and node.value is not None:  # a series of percentages: its input's unit
            unit = self.units.get(node.value.text.strip())
        how = Explaining(
            weight=node.weight,
            unit=unit,
            places=self.places,
            points=points,
            grade=grade,
            render=lambda e: self.render(e.text, scope),
        )
        working: Working | None = None
        scorer = node.scorer
        explain = getattr(scorer, "explain", None)
        if explain is not None:
            try:
                working = explain(value, scope, node.weight, how)
            except (PerfscoreError, ArithmeticError, ValueError, TypeError):
                working = None  # scored fine, so this does not happen; the result still shows
        if working is None:
            zh, en = how.result()
            steps: tuple[Mapping[str, Any], ...] = (
                {"step": "grade", "value": grade}
                if grade is not None
                else {"step": "points", "value": points},
            )
            working = Working(None, steps, zh, en)
        result: dict[str, Any] = (
            {"grade": grade} if grade is not None else {"points": points, "weight": node.weight}
        )
        texts = []
        for i, lang in enumerate(LANGS):
            parts = [f[lang] for f in formulas]
            parts.append(working.zh if i == 0 else working.en)
            texts.append(EXPLAIN[lang]["join"].join(parts))
        return Explained(
            scorer=_kind_name(scorer),
            inputs=inputs,
            formulas=formulas,
            standard=working.standard,
            steps=working.steps,
            result=result,
            zh=texts[0],
            en=texts[1],
        )

    def _formulas(
        self, node: IndicatorNode, value: Any, scope: Mapping[str, Any]
    ) -> tuple[dict[str, Any], ...]:
        """Every metric behind what the indicator reads (in the order they are computed), then
        the value expression when it is more than a name."""
        plan = self._plans.get(node.id)
        if plan is None:  # which metrics the node reads, in the order they are computed: once
            read: set[str] = set()
            exprs = [node.value] if node.value is not None else []
            exprs += list(node.scorer.expressions) if node.scorer is not None else []
            for e in exprs:
                for n in e.names:
                    read |= self.c.behind.get(n, frozenset((n,)))
            behind = tuple(mt for mt in self.c.metrics if mt.name in read)
            plan = self._plans[node.id] = (
                behind,
                node.value.text.strip() if node.value is not None else None,
            )
        metrics, value_text = plan
        out: list[dict[str, Any]] = []
        for mt in metrics:
            exprs_shown = dict(zip(LANGS, self.render(mt.expr.text, scope), strict=True))
            titles = {"zh": self.titles.get(mt.name, mt.name), "en": mt.name}
            line: dict[str, str] = {}
            for lang in LANGS:
                figure = self.quantity(scope.get(mt.name), self.units.get(mt.name), lang)
                # the indicator's own value needs no title (the finding names it)
                key = "value_formula" if mt.name == value_text else "formula"
                line[lang] = EXPLAIN[lang][key].format(
                    title=titles[lang], expr=exprs_shown[lang], value=figure
                )
            out.append(
                {
                    "name": mt.name,
                    "title": self.titles.get(mt.name, mt.name),
                    "expr": mt.expr.text.strip(),
                    "value": scope.get(mt.name),
                    "unit": self.units.get(mt.name),
                    **line,
                }
            )
        if value_text is not None and value_text not in self.c.behind and node.value is not None:
            exprs_shown = dict(zip(LANGS, self.render(value_text, scope), strict=True))
            line = {
                lang: EXPLAIN[lang]["value_formula"].format(
                    expr=exprs_shown[lang], value=self.quantity(value, node.unit, lang)
                )
                for lang in LANGS
            }
            out.append({"expr": value_text, "value": value, "unit": node.unit, **line})
        return tuple(out)


_KIND_NAMES: dict[type, str] = {}


def _kind_name(scorer: Any) -> str:
    """The YAML ``type:`` of a built-in scorer (its module's KIND), else the class name."""
    cls = type(scorer)
    name = _KIND_NAMES.get(cls)
    if name is None:
        kind = getattr(sys.modules.get(cls.__module__), "KIND", None)
        found = getattr(kind, "name", None)
        name = _KIND_NAMES[cls] = found if isinstance(found, str) else cls.__name__
    return name
