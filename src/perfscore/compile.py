"""Compile: a validated rule-set model becomes runtime nodes, once.

Everything that can be known before seeing a subject is done here — expressions parsed and
checked against the declared names, metrics put in dependency order (cycles refused), weights
summed, bands checked for gaps and overlaps, message templates checked — and *every* problem is
collected with its file, line and column before one :class:`RuleSetError` is raised.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pydantic

from . import model as m
from ._yaml import Document
from .aggregate import AGGREGATORS, Aggregator
from .errors import ExpressionError, PerfscoreError, Problem, RuleSetError, did_you_mean
from .expr import CompiledExpression, compile_expression
from .findings import RuleInfo, RuleLocation
from .functions import FunctionRegistry
from .letters import LetterScale
from .plugins import PLUGIN_SCORERS
from .scorers import BuildContext, Scorer, ScorerType, builtin_scorers
from .subjects import InputSpec
from .values import Kind

__all__ = ["CheckNode", "Compiled", "IndicatorNode", "MetricNode", "Template", "compile_model"]

Path = tuple[str | int, ...]
ZERO = Decimal(0)
ONE = Decimal(1)
_MISSING_AWARE = frozenset({"is_missing", "coalesce"})
TEMPLATE_FIELDS = frozenset(
    {
        "title",
        "value",
        "points",
        "weight",
        "target",
        "threshold",
        "grade",
        "reason",
        "subject",
        "left",
        "right",
        "difference",
        "tolerance",
    }
)


@dataclass(frozen=True)
class Template:
    """A message template whose fields were checked at load (no attribute or index access)."""

    text: str
    fields: frozenset[str]

    def render(self, values: Mapping[str, str]) -> str:
        return self.text.format_map(values)


@dataclass
class MetricNode:
    name: str
    title: str | None
    unit: str | None
    expr: CompiledExpression
    zero_division: str
    missing_aware: bool


@dataclass
class IndicatorNode:
    id: str
    title: str
    title_en: str | None
    weight: Decimal | None
    level: int
    parent: str | None
    location: RuleLocation
    children: list[IndicatorNode] = field(default_factory=list)
    value: CompiledExpression | None = None
    unit: str | None = None
    scorer: Scorer | None = None
    aggregate: Aggregator | None = None
    aggregate_name: str = "weighted_sum"
    table: dict[tuple[str, ...], str] | None = None
    missing: str = "not_applicable"
    zero_division: str = "error"
    not_applicable_weight: str = "redistribute"
    when: CompiledExpression | None = None
    severity: str = "warning"
    pass_at: Decimal = ONE
    messages: dict[str, tuple[Template | None, Template | None]] = field(default_factory=dict)
    reads: tuple[str, ...] = ()
    optional_reads: tuple[str, ...] = ()
    missing_aware: bool = False
    monotone: str | None = None
    source: Mapping[str, Any] | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def yields(self) -> str:
        if self.scorer is not None:
            return self.scorer.yields
        return "grade" if self.weight is None else "points"


@dataclass
class CheckNode:
    id: str
    title: str
    title_en: str | None
    type: str
    location: RuleLocation
    severity: str
    left: CompiledExpression | None = None
    right: CompiledExpression | None = None
    tolerance: Decimal = ZERO
    expr: CompiledExpression | None = None
    when: CompiledExpression | None = None
    require: str | None = None
    unit: str | None = None
    messages: dict[str, tuple[Template | None, Template | None]] = field(default_factory=dict)
    reads: tuple[str, ...] = ()
    missing_aware: bool = False
    source: Mapping[str, Any] | None = None


@dataclass
class GradeBandNode:
    id: str
    label: str | None
    min: Decimal


@dataclass
class OverrideNode:
    when: CompiledExpression
    grade: str
    label: str | None
    reason: str | None


@dataclass
class Compiled:
    """Everything the evaluator needs, resolved."""

    model: m.RuleSetModel
    document: Document
    inputs: dict[str, InputSpec]
    metrics: list[MetricNode]
    indicators: list[IndicatorNode]
    checks: list[CheckNode]
    grade_bands: list[GradeBandNode]
    overrides: list[OverrideNode]
    min_coverage: Decimal | None
    letters: LetterScale | None
    rules: tuple[RuleInfo, ...]
    units: dict[str, str | None]
    functions: FunctionRegistry
    #: every input and metric → the names behind it, itself included, through metrics
    behind: dict[str, frozenset[str]] = field(default_factory=dict)
    #: every input and metric → the input fields behind it (sorted): "which field is to blame"
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: every indicator, group and check id → the input fields it reads (sorted), through
    #: metrics, from every expression it holds (optional ones included)
    rule_inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def inputs_of(self, names: Iterable[str]) -> tuple[str, ...]:
        """The input fields behind ``names`` (inputs or metrics), sorted."""
        fields = self.fields
        return tuple(sorted({f for n in names for f in fields.get(n, ())}))

    def resolve(self) -> None:
        """Work out :attr:`behind`, :attr:`fields` and :attr:`rule_inputs` (once, at compile;
        read everywhere else)."""
        behind: dict[str, frozenset[str]] = {n: frozenset((n,)) for n in self.inputs}
        for mt in self.metrics:  # in dependency order
            behind[mt.name] = frozenset((mt.name,)).union(
                *(behind.get(n, frozenset()) for n in mt.expr.names)
            )
        self.behind = behind
        self.fields = {
            n: tuple(sorted(x for x in b if x in self.inputs)) for n, b in behind.items()
        }
        out: dict[str, tuple[str, ...]] = {}
        stack = list(self.indicators)
        while stack:
            n = stack.pop()
            out[n.id] = self.inputs_of((*n.reads, *n.optional_reads))
            stack.extend(n.children)
        for ch in self.checks:
            out[ch.id] = self.inputs_of(ch.reads)
        self.rule_inputs = out


class _Compiler:
    def __init__(self, model: m.RuleSetModel, doc: Document, functions: FunctionRegistry) -> None:
        self.model = model
        self.doc = doc
        self.functions = functions
        self.problems: list[Problem] = []
        self.kinds: dict[str, Kind] = {}
        self.rules: list[RuleInfo | None] = []
        self.letters = model.letters

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
        try:
            return compile_expression(text, names=kinds or self.kinds, functions=self.functions)
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
            return _Broken(text)

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
                from .subjects import normalise_value

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
        return specs

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
            if not isinstance(expr, _Broken) and expr.names & self.model.metrics.keys():
                # pass 2: the kinds of the metrics it reads are known now (inputs' were already)
                expr = self.compile(met.expr, ("metrics", name, "expr"), {**names, **self.kinds})
            self.kinds[name] = "any" if isinstance(expr, _Broken) else expr.kind
            nodes.append(
                MetricNode(
                    name,
                    met.title,
                    met.unit,
                    expr,
                    met.zero_division or self.model.settings.zero_division,
                    bool(expr.functions & _MISSING_AWARE),
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
                    if node.unit is None and ind.value in self.model.metrics:
                        node.unit = self.model.metrics[ind.value].unit
                    elif node.unit is None and ind.value in self.model.inputs:
                        spec_unit = self.model.inputs[ind.value]
                        node.unit = "%" if spec_unit.type == "percent" else spec_unit.unit
                if kind is not None:
                    scorer_type, config = kind
                    ctx = BuildContext(
                        compile=lambda t, p: self.compile(t, p),
                        problem=lambda p, msg: self.problem(p, msg),
                        path=(*path, "scorer"),
                        weight=ind.weight,
                        letters=self.letters,
                    )
                    try:
                        node.scorer = scorer_type.build(config, ctx)
                    except PerfscoreError as e:
                        self.problem((*path, "scorer"), str(e))
                    if node.scorer is not None:
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
                known = builtin_scorers().get(ind.scorer.type)
                if known is None or not known.weight_optional:
                    self.problem(path, "a points indicator needs a 'weight'")
        node.reads = tuple(sorted({n for e in exprs for n in e.names}))
        node.missing_aware = any(e.functions & _MISSING_AWARE for e in exprs)
        node.messages = self.messages(ind.messages, (*path, "messages"))
        self.rules[rule_index] = RuleInfo(
            id=ind.id,
            kind="group" if ind.children else "indicator",
            title=ind.title,
            title_en=ind.title_en,
            parent=parent,
            level=node.level,
            weight=ind.weight,
            unit=node.unit,
            default_severity=ind.severity,
            description=ind.description,
            source=node.source,
            location=node.location,
        )
        return node

    def _scorer_kind(self, scorer: Any, path: Path) -> tuple[ScorerType, Any] | None:
        """The scorer's kind and its validated config (plugins validate their own)."""
        builtin = builtin_scorers().get(scorer.type)
        if builtin is not None:
            return builtin, scorer
        plugin = PLUGIN_SCORERS.get(scorer.type)
        if plugin is None:
            known = [*builtin_scorers().keys(), *PLUGIN_SCORERS.keys()]
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

    def check(self, chk: m.CheckModel, path: Path) -> CheckNode:
        node = CheckNode(
            chk.id,
            chk.title,
            chk.title_en,
            chk.type,
            self.location(path),
            chk.severity,
            tolerance=chk.tolerance,
            source=chk.source.model_dump(exclude_none=True) if chk.source else None,
        )
        exprs: list[CompiledExpression] = []
        if chk.type == "equal":
            if chk.left is None or chk.right is None:
                self.problem(path, "an equal check needs 'left' and 'right'")
            else:
                node.left = self.compile(chk.left, (*path, "left"))
                node.right = self.compile(chk.right, (*path, "right"))
                exprs += [node.left, node.right]
                node.unit = self._unit_of(chk.left) or self._unit_of(chk.right)
        elif chk.type == "assert":
            if chk.expr is None:
                self.problem(path, "an assert check needs 'expr'")
            else:
                node.expr = self.compile(chk.expr, (*path, "expr"))
                exprs.append(node.expr)
        else:
            if chk.when is None or chk.require is None:
                self.problem(path, "an explain_if check needs 'when' and 'require'")
            else:
                node.when = self.compile(chk.when, (*path, "when"))
                exprs.append(node.when)
                if chk.require not in self.model.inputs:
                    self.problem(
                        (*path, "require"),
                        f"unknown input {chk.require!r}",
                        did_you_mean(chk.require, self.model.inputs),
                    )
                node.require = chk.require
        if chk.type != "explain_if" and chk.when is not None:
            node.when = self.compile(chk.when, (*path, "when"))  # a precondition
            exprs.append(node.when)
        node.reads = tuple(
            sorted(
                {n for e in exprs for n in e.names} | ({node.require} if node.require else set())
            )
        )
        node.missing_aware = any(e.functions & _MISSING_AWARE for e in exprs)
        node.messages = self.messages(chk.messages, (*path, "messages"))
        self.rules.append(
            RuleInfo(
                id=chk.id,
                kind="check",
                title=chk.title,
                title_en=chk.title_en,
                parent=None,
                level=None,
                weight=None,
                unit=node.unit,
                default_severity=chk.severity,
                description=chk.description,
                source=node.source,
                location=node.location,
            )
        )
        return node

    def _unit_of(self, text: str) -> str | None:
        t = text.strip()
        if t in self.model.metrics:
            return self.model.metrics[t].unit
        if t in self.model.inputs:
            i = self.model.inputs[t]
            return "%" if i.type == "percent" else i.unit
        return None

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
        compiled.resolve()
        return compiled


class _Broken:
    """Stands in for an expression that failed to compile, so compiling can go on."""

    names: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()
    kind: Kind = "any"

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, scope: Mapping[str, Any]) -> Any:  # pragma: no cover - never evaluated
        raise AssertionError("broken expression evaluated")


def compile_model(
    model: m.RuleSetModel, doc: Document, functions: FunctionRegistry | None = None
) -> Compiled:
    """Resolve a structurally valid model; raises RuleSetError listing every problem."""
    if functions is None:
        from .plugins import default_functions

        functions = default_functions()
    return _Compiler(model, doc, functions).run()
