"""Compile: a validated rule-set model becomes runtime nodes, once.

Everything that can be known before seeing a subject is done here — expressions parsed and
checked against the declared names, metrics put in dependency order (cycles refused), weights
summed, bands checked for gaps and overlaps, message templates checked — and *every* problem is
collected with its file, line and column before one :class:`RuleSetError` is raised.

The passes live along the way they run: :mod:`.names` (problems, expressions, templates,
inputs, metrics), :mod:`.indicators` (the indicator tree, scorers, aggregators), :mod:`.checks`;
what they produce is in :mod:`.nodes`.
"""

from __future__ import annotations

from .. import model as m
from .._yaml import Document
from ..errors import RuleSetError
from ..functions import FunctionRegistry
from ..numbers import json_number
from ..words import LINT, LOAD, said
from .checks import CheckPass
from .indicators import IndicatorPass
from .nodes import (
    ZERO,
    CheckNode,
    Compiled,
    GradeBandNode,
    IndicatorNode,
    MetricNode,
    OverrideNode,
    Path,
    Template,
)

__all__ = ["CheckNode", "Compiled", "IndicatorNode", "MetricNode", "Template", "compile_model"]


class _Compiler(IndicatorPass, CheckPass):
    def run(self) -> Compiled:
        inputs = self.inputs()
        metrics = self.metrics()
        seen: dict[str, Path] = {}
        indicators = [
            self.indicator(ind, ("indicators", i), 1, None, seen)
            for i, ind in enumerate(self.model.indicators)
        ]
        top_kinds = {n.yields for n in indicators}
        if len(top_kinds) > 1:
            self.problem(("indicators",), "top-level indicators mix points and letter grades")
        self._total(indicators, top_kinds)
        checks = []
        for i, chk in enumerate(self.model.checks):
            if chk.id in seen:
                self.problem(("checks", i, "id"), f"rule id {chk.id!r} is already used")
            seen[chk.id] = ("checks", i)
            checks.append(self.check(chk, ("checks", i)))
        bands: list[GradeBandNode] = []
        overrides: list[OverrideNode] = []
        g = self.model.grades
        if g is not None:
            last = None
            for i, b in enumerate(g.bands):
                if last is not None and b.min >= last:
                    self.problem(
                        ("grades", "bands", i, "min"),
                        "grade bands go from the best down: each 'min' below the one before",
                    )
                last = b.min
                bands.append(GradeBandNode(b.id, b.label, b.min))
            self._reachable(g.bands, indicators, top_kinds)
            grade_kinds = {**self.kinds, "total": "number"}
            for i, o in enumerate(g.overrides):
                overrides.append(
                    OverrideNode(
                        self.compile(o.when, ("grades", "overrides", i, "when"), grade_kinds),
                        o.grade,
                        o.label,
                        o.reason,
                    )
                )
        if self.problems:
            raise RuleSetError(sorted(self.problems, key=lambda p: (p.line or 0, p.column or 0)))
        units: dict[str, str | None] = {n: s.display_unit for n, s in inputs.items()}
        units.update({mt.name: mt.unit for mt in metrics})
        compiled = Compiled(
            self.model,
            self.doc,
            inputs,
            metrics,
            indicators,
            checks,
            bands,
            overrides,
            g.effective_min_coverage if g else None,
            self.letters,
            tuple(r for r in self.rules if r is not None),
            units,
            self.functions,
        )
        compiled.cautions = self.cautions
        compiled.resolve()
        return compiled

    def _reachable(
        self, bands: tuple[m.GradeBand, ...], indicators: list[IndicatorNode], kinds: set[str]
    ) -> None:
        """A band whose ``min`` is above the best total a subject can score (``min: 900`` on
        100 points) can never be given.  Refused when the 满分 is settled — declared, or the
        top-level weights add up to 100 — and warned when the weights themselves are off
        (``perfscore validate`` already says so: the band may be right and a weight wrong)."""
        if kinds != {"points"}:
            return
        total = self.model.settings.total
        best = total if total is not None else sum((n.weight or ZERO for n in indicators), ZERO)
        settled = total is not None or best == 100
        why = said(LOAD, "best_total" if total is not None else "best_weights")
        for i, b in enumerate(bands):
            if b.min <= best:
                continue
            path = ("grades", "bands", i, "min")
            message = said(
                LOAD,
                "grade_unreachable",
                grade=b.label or b.id,
                min=json_number(b.min),
                best=json_number(best),
                why=why,
            )
            if settled:
                self.problem(path, message)
            else:
                warned = said(LINT, "warning", message=message)
                self.cautions.append(self.doc.problem(path, warned, code="warning"))

    def _total(self, indicators: list[IndicatorNode], kinds: set[str]) -> None:
        """A declared ``settings.total`` is what the top-level weights add up to."""
        total = self.model.settings.total
        if total is None:
            return
        if kinds != {"points"}:
            self.problem(
                ("settings", "total"), "total: only a rule set whose indicators give points has one"
            )
            return
        weights = sum((n.weight or ZERO for n in indicators), ZERO)
        if weights != total:
            self.problem(
                ("settings", "total"),
                f"the top-level weights add up to {weights}, not the declared total {total} "
                "(fix the weights or the total)",
            )


def compile_model(
    model: m.RuleSetModel, doc: Document, functions: FunctionRegistry | None = None
) -> Compiled:
    """Resolve a structurally valid model; raises RuleSetError listing every problem."""
    if functions is None:
        from ..plugins import default_functions

        functions = default_functions()
    return _Compiler(model, doc, functions).run()
