"""What compiling a rule set produces: the runtime nodes (metrics, indicators, checks, grade
bands) and :class:`Compiled`, which holds them all with the names resolved once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from .. import model as m
from .._yaml import Document
from ..aggregate import Aggregator
from ..errors import Problem
from ..expr import CompiledExpression
from ..findings import RuleInfo, RuleLocation
from ..functions import FunctionRegistry
from ..letters import LetterScale
from ..scorers import Scorer
from ..subjects import InputSpec

#: where a thing is in the rule set's document (keys and list indexes)
Path = tuple[str | int, ...]
ZERO = Decimal(0)
ONE = Decimal(1)
#: the functions that make an expression see a missing value instead of being blocked by it
MISSING_AWARE = frozenset({"is_missing", "coalesce"})
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
    #: the scorer's settings hold a number of 28 significant digits (the most a rule set may
    #: write): a once-rounded value can equal it, so a possibly rounded value is scored exactly
    long_numbers: bool = False

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @cached_property
    def names_read(self) -> frozenset[str]:
        """Every name the indicator reads, required or optional (``reads`` and
        ``optional_reads``, set by compile): a failure of any other name leaves it be."""
        return frozenset(self.reads + self.optional_reads)

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
    #: every metric's expression by name: what :class:`perfscore.exact.ExactScope` re-derives
    metric_exprs: dict[str, Any] = field(default_factory=dict)
    #: warnings found while compiling (a number as a condition): perfscore.lint says them
    cautions: list[Problem] = field(default_factory=list)

    def leaves(self) -> list[IndicatorNode]:
        """The indicators without children, in the rule set's order."""
        out: list[IndicatorNode] = []
        stack = list(reversed(self.indicators))
        while stack:
            n = stack.pop()
            if n.children:
                stack.extend(reversed(n.children))
            else:
                out.append(n)
        return out

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
        self.metric_exprs = {mt.name: mt.expr for mt in self.metrics if hasattr(mt.expr, "exact")}
