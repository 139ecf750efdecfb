"""Compile, first passes: collecting problems with their place, compiling expressions against
the declared names, checking message templates, resolving inputs and metrics."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from .. import model as m
from .._yaml import Document
from ..errors import ExpressionError, Problem, did_you_mean
from ..expr import compile_expression
from ..findings import RuleInfo, RuleLocation
from ..functions import FunctionRegistry
from ..subjects import DeclaredInputs, InputSpec
from ..values import Kind
from ..words import LINT, said
from .nodes import (
    MISSING_AWARE,
    TEMPLATE_FIELDS,
    CheckNode,
    IndicatorNode,
    MetricNode,
    Path,
    Template,
)


class Resolver:
    """The compiler's shared state and its first passes: problems collected with their place,
    expressions compiled against the names known so far, message templates checked, inputs
    and metrics resolved (metrics in dependency order)."""

    def __init__(self, model: m.RuleSetModel, doc: Document, functions: FunctionRegistry) -> None:
        self.model = model
        self.doc = doc
        self.functions = functions
        self.problems: list[Problem] = []
        #: what perfscore validate warns about, found while compiling (perfscore.lint)
        self.cautions: list[Problem] = []
        self.kinds: dict[str, Kind] = {}
        self.rules: list[RuleInfo | None] = []
        self.letters = model.letters
        #: metrics whose value may be a rounded result, and every metric's expression (what
        #: the exact path re-derives): see perfscore.exact
        self.rounding: set[str] = set()
        self.metric_exprs: dict[str, Any] = {}
        self.choices = {n: i.choices for n, i in model.inputs.items() if i.choices is not None}

    # -- helpers ---------------------------------------------------------------------------
    def problem(self, path: Path, message: str, suggestion: str | None = None) -> None:
        self.problems.append(self.doc.problem(path, message, suggestion=suggestion))

    def location(self, path: Path) -> RuleLocation:
        mark = self.doc.mark(path)
        pointer = "".join(f"/{p}" for p in path)
        return RuleLocation(
            self.doc.source_of(path),
            pointer,
            mark.line if mark else None,
            mark.column if mark else None,
        )

    def compile(self, text: str, path: Path, kinds: Mapping[str, Kind] | None = None) -> Any:
        compiled = self._compile(text, path, kinds)
        kind = getattr(compiled, "kind", None)
        if path and path[-1] == "when" and kind in ("number", "series"):
            # `when: asset_util` holds for any rate but 0: never what a condition means
            # (a count could mean "any": warned, not refused — perfscore.lint says it);
            # `when: spend_hist` holds for any series given: "all three years" is a count
            shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "…"
            word = "number_condition" if kind == "number" else "series_condition"
            message = said(LINT, "warning", message=said(LINT, word, expr=shown))
            self.cautions.append(self.doc.problem(path, message, code="warning"))
        return compiled

    def _compile(self, text: str, path: Path, kinds: Mapping[str, Kind] | None) -> Any:
        try:
            return compile_expression(
                text,
                names=kinds or self.kinds,
                functions=self.functions,
                rounding=frozenset(self.rounding),
                metrics=self.metric_exprs,
                choices=self.choices,
            )
        except ExpressionError as e:
            mark = self.doc.mark(path)
            col = None
            if mark is not None:
                col = mark.column + (e.offset or 0)
            self.problems.append(
                Problem(
                    e.message,
                    source=self.doc.source_of(path),
                    line=mark.line if mark else None,
                    column=col,
                    path=path,
                    suggestion=e.suggestion,
                    code="expression",
                )
            )
            return Broken(text)

    def rule_info(
        self,
        rule: m.IndicatorModel | m.CheckModel,
        kind: str,
        node: IndicatorNode | CheckNode,
        parent: str | None = None,
    ) -> RuleInfo:
        """What a findings document says about a rule (``kind``: indicator, group, check)."""
        return RuleInfo(
            id=rule.id,
            kind=kind,
            title=rule.title,
            title_en=rule.title_en,
            parent=parent,
            level=node.level if isinstance(node, IndicatorNode) else None,
            weight=rule.weight if isinstance(rule, m.IndicatorModel) else None,
            unit=node.unit,
            default_severity=rule.severity,
            description=rule.description,
            source=node.source,
            location=node.location,
        )

    def template(self, text: str | None, path: Path, extra: frozenset[str]) -> Template | None:
        if text is None:
            return None
        names: set[str] = set()
        try:
            for _, fname, spec, conv in string.Formatter().parse(text):
                if fname is None:
                    continue
                if not fname.isidentifier() or spec or conv:
                    self.problem(
                        path,
                        f"message field {{{fname}}} must be a plain name "
                        "(no indexes, attributes or format specs)",
                    )
                    continue
                if fname not in TEMPLATE_FIELDS and fname not in extra:
                    self.problem(
                        path,
                        f"unknown message field {{{fname}}}",
                        did_you_mean(fname, TEMPLATE_FIELDS | extra),
                    )
                names.add(fname)
        except ValueError as e:
            self.problem(path, f"message template: {e}")
            return None
        return Template(text, frozenset(names))

    def messages(
        self, raw: Mapping[Any, m.Messages] | None, path: Path
    ) -> dict[str, tuple[Template | None, Template | None]]:
        out: dict[str, tuple[Template | None, Template | None]] = {}
        if not raw:
            return out
        extra = frozenset(self.kinds)
        for outcome, msgs in (raw or {}).items():
            out[outcome] = (
                self.template(msgs.zh, (*path, outcome, "zh"), extra),
                self.template(msgs.en, (*path, outcome, "en"), extra),
            )
        return out

    # -- passes ----------------------------------------------------------------------------
    def inputs(self) -> dict[str, InputSpec]:
        specs: dict[str, InputSpec] = {}
        for name, inp in self.model.inputs.items():
            path: Path = ("inputs", name)
            default: Any = inp.default
            spec = InputSpec(
                name,
                inp.type,
                inp.title,
                inp.unit,
                inp.required,
                None,
                inp.min,
                inp.max,
                inp.choices,
                inp.of,
            )
            if inp.required and inp.default is not None:
                self.problem((*path, "default"), "a required input cannot have a default")
            if inp.choices is not None and inp.type != "text":
                self.problem((*path, "choices"), "choices apply to text inputs only")
            if default is not None:
                from ..subjects import normalise_value

                try:
                    default = normalise_value(spec, default)
                except ValueError as e:
                    self.problem((*path, "default"), f"default: {e}")
                    default = None
            specs[name] = InputSpec(
                name,
                inp.type,
                inp.title,
                inp.unit,
                inp.required,
                default,
                inp.min,
                inp.max,
                inp.choices,
                inp.of,
            )
            self.kinds[name] = specs[name].kind
        return DeclaredInputs(specs)  # (each field's reader compiled here, once)

    def metrics(self) -> list[MetricNode]:
        names = dict(self.kinds)
        for name in self.model.metrics:
            path: Path = ("metrics", name)
            if name in names:
                self.problem(path, f"metric {name!r} has the same name as an input")
            names[name] = "any"
        # pass 1: what each metric reads, to order them
        first: dict[str, Any] = {}
        for name, met in self.model.metrics.items():
            first[name] = self.compile(met.expr, ("metrics", name, "expr"), names)
        order = self._toposort({n: e.names for n, e in first.items()})
        nodes: list[MetricNode] = []
        for name in order:
            met = self.model.metrics[name]
            expr = first[name]
            if not isinstance(expr, Broken) and expr.names & self.model.metrics.keys():
                # pass 2: the kinds of the metrics it reads are known now (inputs' were already)
                expr = self.compile(met.expr, ("metrics", name, "expr"), {**names, **self.kinds})
            self.kinds[name] = "any" if isinstance(expr, Broken) else expr.kind
            if not isinstance(expr, Broken):
                self.metric_exprs[name] = expr
                if expr.rounds:
                    self.rounding.add(name)
            nodes.append(
                MetricNode(
                    name,
                    met.title,
                    met.unit,
                    expr,
                    met.zero_division or self.model.settings.zero_division,
                    bool(expr.functions & MISSING_AWARE),
                )
            )
        return nodes

    def _toposort(self, reads: Mapping[str, frozenset[str]]) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(n: str, stack: list[str]) -> None:
            if state.get(n) == 2:
                return
            if state.get(n) == 1:
                cycle = " → ".join([*stack[stack.index(n) :], n])
                self.problem(
                    ("metrics", n, "expr"), f"metrics depend on each other in a cycle: {cycle}"
                )
                return
            state[n] = 1
            for dep in sorted(reads[n] & reads.keys()):
                visit(dep, [*stack, n])
            state[n] = 2
            order.append(n)

        for n in reads:
            visit(n, [])
        return order

    def unit_of(self, text: str) -> str | None:
        t = text.strip()
        if t in self.model.metrics:
            return self.model.metrics[t].unit
        if t in self.model.inputs:
            i = self.model.inputs[t]
            return (
                "%" if i.type == "percent" or (i.type == "series" and i.of == "percent") else i.unit
            )
        return None


class Broken:
    """Stands in for an expression that failed to compile, so compiling can go on."""

    names: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()
    kind: Kind = "any"

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, scope: Mapping[str, Any]) -> Any:  # pragma: no cover - never evaluated
        raise AssertionError("broken expression evaluated")
