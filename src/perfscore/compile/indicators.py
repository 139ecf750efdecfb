"""Compile, the indicator tree: each indicator's scorer built by its own module, groups'
aggregators and lookup tables checked, weights summed."""

from __future__ import annotations

from typing import Any

import pydantic

from .. import model as m
from ..aggregate import AGGREGATORS
from ..errors import PerfscoreError, did_you_mean
from ..exact import has_long_number
from ..expr import CompiledExpression
from ..scorers import SCORERS, BuildContext, ScorerType, is_builtin
from .names import Resolver
from .nodes import MISSING_AWARE, ONE, ZERO, IndicatorNode, Path


class IndicatorPass(Resolver):
    """Indicators and groups → :class:`IndicatorNode` trees."""

    def indicator(
        self,
        ind: m.IndicatorModel,
        path: Path,
        level: int,
        parent: str | None,
        seen: dict[str, Path],
    ) -> IndicatorNode:
        s = self.model.settings
        if ind.id in seen:
            self.problem(
                (*path, "id"),
                f"indicator id {ind.id!r} is used twice (first at "
                f"{'/'.join(map(str, seen[ind.id]))})",
            )
        seen[ind.id] = path
        node = IndicatorNode(
            id=ind.id,
            title=ind.title,
            title_en=ind.title_en,
            weight=ind.weight,
            level=ind.level or level,
            parent=parent,
            location=self.location(path),
            unit=ind.unit,
            missing=ind.missing or s.missing,
            zero_division=ind.zero_division or s.zero_division,
            not_applicable_weight=ind.not_applicable_weight or s.not_applicable_weight,
            severity=ind.severity,
            monotone=ind.monotone,
            source=ind.source.model_dump(exclude_none=True) if ind.source else None,
        )
        exprs: list[CompiledExpression] = []
        rule_index = len(self.rules)
        self.rules.append(None)  # filled below, so parents come before children
        if ind.when is not None:
            node.when = self.compile(ind.when, (*path, "when"))
            exprs.append(node.when)
        if ind.children:
            if ind.scorer is not None or ind.value is not None:
                self.problem(
                    path, "an indicator has either children or a value and scorer, not both"
                )
            node.children = [
                self.indicator(c, (*path, "children", i), level + 1, ind.id, seen)
                for i, c in enumerate(ind.children)
            ]
            self._aggregate(ind, node, path)
        else:
            if ind.scorer is None:
                self.problem(path, "a leaf indicator needs a 'scorer' (or 'children')")
            else:
                kind = self._scorer_kind(ind.scorer, (*path, "scorer"))
                if kind is not None and kind[0].needs_value and ind.value is None:
                    self.problem(path, f"a {ind.scorer.type} scorer needs a 'value' expression")
                if ind.value is not None:
                    node.value = self.compile(ind.value, (*path, "value"))
                    exprs.append(node.value)
                    if kind is not None and is_builtin(ind.scorer.type):
                        self._value_kind(ind, getattr(node.value, "kind", None), path)
                    if node.unit is None and ind.value in self.model.metrics:
                        node.unit = self.model.metrics[ind.value].unit
                    elif node.unit is None and ind.value in self.model.inputs:
                        spec_unit = self.model.inputs[ind.value]
                        percent = spec_unit.type == "percent" or (
                            spec_unit.type == "series" and spec_unit.of == "percent"
                        )  # a percent series' years are shown in % too
                        node.unit = "%" if percent else spec_unit.unit
                if kind is not None:
                    scorer_type, config = kind
                    ctx = BuildContext(
                        compile=lambda t, p: self.compile(t, p),
                        problem=lambda p, msg: self.problem(p, msg),
                        path=(*path, "scorer"),
                        weight=ind.weight,
                        letters=self.letters,
                        missing=node.missing,
                        not_applicable_weight=node.not_applicable_weight,
                    )
                    try:
                        node.scorer = scorer_type.build(config, ctx)
                    except PerfscoreError as e:
                        self.problem((*path, "scorer"), str(e))
                    if node.scorer is not None:
                        node.long_numbers = has_long_number(config)
                        exprs.extend(x for x in node.scorer.expressions if x is not None)
                        optional = getattr(node.scorer, "optional_expressions", ())
                        node.optional_reads = tuple(sorted({n for e in optional for n in e.names}))
                        pass_at = ind.scorer.pass_at
                        if pass_at is not None:
                            if not ZERO <= pass_at <= ONE:
                                self.problem(
                                    (*path, "scorer", "pass_at"),
                                    "pass_at is a share of the weight, within [0, 1]",
                                )
                            node.pass_at = pass_at
            if ind.weight is None and ind.scorer is not None:
                known = SCORERS.get(ind.scorer.type) if is_builtin(ind.scorer.type) else None
                if known is None or not known.weight_optional:
                    self.problem(path, "a points indicator needs a 'weight'")
        node.reads = tuple(sorted({n for e in exprs for n in e.names}))
        node.missing_aware = any(e.functions & MISSING_AWARE for e in exprs)
        node.messages = self.messages(ind.messages, (*path, "messages"))
        rule_kind = "group" if ind.children else "indicator"
        self.rules[rule_index] = self.rule_info(ind, rule_kind, node, parent)
        return node

    def _value_kind(self, ind: m.IndicatorModel, got: object, path: Path) -> None:
        """A built-in scorer given a value of the wrong shape would fail on every subject:
        ``series_bands`` scores a year-by-year series, every other scorer one figure."""
        assert ind.scorer is not None and ind.value is not None
        shown = ind.value.strip() if len(ind.value.strip()) <= 40 else ind.value.strip()[:40] + "…"
        if ind.scorer.type == "series_bands" and got in ("number", "boolean", "text"):
            self.problem(
                (*path, "value"),
                f"a series_bands scorer scores a year-by-year series, but {shown!r} is one "
                f"{got}: give it a series input (type: series)",
            )
        elif ind.scorer.type != "series_bands" and got == "series":
            self.problem(
                (*path, "value"),
                f"a {ind.scorer.type} scorer scores one figure, but {shown!r} is a year-by-year "
                f"series: pick one year with year({shown}, 2024) or average them with "
                f"mean({shown}), or score the years with series_bands",
            )

    def _scorer_kind(self, scorer: Any, path: Path) -> tuple[ScorerType, Any] | None:
        """The scorer's kind and its validated config (the rule language validated a built-in
        one's; a plugin's config model validates its own)."""
        kind = SCORERS.get(scorer.type)
        if kind is not None and is_builtin(scorer.type):
            return kind, scorer
        plugin = kind
        if plugin is None:
            known = SCORERS.keys()
            self.problem(
                (*path, "type"),
                f"unknown scorer type {scorer.type!r} (known: {', '.join(known)})",
                did_you_mean(scorer.type, known),
            )
            return None
        raw = {k: v for k, v in scorer.model_dump(exclude_none=True).items() if k != "pass_at"}
        try:
            return plugin, plugin.config.model_validate(raw)
        except pydantic.ValidationError as e:
            for err in e.errors():
                loc = tuple(x for x in err["loc"] if isinstance(x, (str, int)))
                self.problem((*path, *loc), f"{plugin.name}: {err['msg']}")
            return None

    def _aggregate(self, ind: m.IndicatorModel, node: IndicatorNode, path: Path) -> None:
        agg = AGGREGATORS.get(ind.aggregate)
        if agg is None:
            self.problem(
                (*path, "aggregate"),
                f"unknown aggregator {ind.aggregate!r}",
                did_you_mean(ind.aggregate, AGGREGATORS.keys()),
            )
            return
        node.aggregate, node.aggregate_name = agg, ind.aggregate
        kinds = {c.yields for c in node.children}
        if ind.aggregate == "lookup":
            if self.letters is None:
                self.problem((*path, "aggregate"), "lookup needs a 'letters' scale")
            elif not ind.table:
                self.problem((*path, "table"), "lookup needs a 'table' of rows")
            else:
                node.table = {}
                for i, row in enumerate(ind.table):
                    rpath = (*path, "table", i)
                    bad = [g for g in (*row.grades, row.result) if not self.letters.is_grade(g)]
                    if bad:
                        self.problem(
                            rpath,
                            f"{', '.join(map(repr, bad))} not in the scale "
                            f"{self.letters.describe()}",
                        )
                        continue
                    key = self.letters.key(row.grades)
                    if key in node.table:
                        self.problem(rpath, f"row {' '.join(key)} is given twice")
                    node.table[key] = self.letters.canonical(row.result)
        if "grade" in kinds and ind.aggregate in ("weighted_sum", "mean"):
            self.problem(
                (*path, "aggregate"),
                f"{ind.aggregate} needs points, but a child gives a letter grade "
                "(use weakest_link or lookup)",
            )
        if ind.aggregate in ("weighted_sum", "mean", "weakest_link") and "points" in kinds:
            if ind.weight is None:
                self.problem(path, "a points group needs a 'weight'")
            elif ind.aggregate == "weighted_sum" and not ind.normalise:
                total = sum((c.weight or ZERO for c in node.children), ZERO)
                if total != ind.weight:
                    self.problem(
                        (*path, "weight"),
                        f"the children's weights add up to {total}, not {ind.weight} "
                        "(fix the weights, or set 'normalise: true' to scale them)",
                    )
