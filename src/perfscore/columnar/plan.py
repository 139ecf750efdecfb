"""Plans: what a rule set prepared for columns is made of (dataclasses) — each leaf's column
form (:class:`ColumnForm`, asked of its scorer's module through :class:`ColumnBuild`), the
indicator tree's leaves and groups, ``when`` conditions, checks, metrics and the whole
:class:`Plan`.  :mod:`~perfscore.columnar.planner` builds them."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from ..aggregate import AggregateSpec, lookup, mean, weakest_link
from ..words import Bilingual
from . import bounds, intcols
from .bounds import Bounded, Chunk, Unsupported
from .expression import ColumnCond, ColumnExpr
from .intcols import IntCol
from .reasons import no

__all__ = [
    "GENERIC",
    "NUMERIC",
    "AggPlan",
    "CheckPlan",
    "ColumnBuild",
    "ColumnForm",
    "GroupPlan",
    "LeafPlan",
    "MetricPlan",
    "Plan",
    "WhenPlan",
]

NUMERIC = ("number", "money", "percent", "integer")

#: A leaf's column step: ``(chunk, value, failed, use_met) -> (points, met, decided)`` —
#: points as scaled integers (int64, or whole numbers in float64); ``met`` (or None) for a
#: pass judged by the scorer; ``decided``: the step already wrote the fail mask ``failed``.
ColumnRun = Callable[[Chunk, Bounded | None, Any, bool], tuple[Any, Any, bool]]
#: The same step over exact integer columns (:class:`~perfscore.columnar.intcols.IntCol`),
#: raising :class:`~perfscore.columnar.intcols.NoInt` where a bound does not fit int64.
IntRun = Callable[[Chunk, IntCol | None, Any, bool], tuple[Any, Any, bool]]
#: A letter scorer's step: ``chunk -> letter codes`` (int8 into the scale's grades best
#: first, −1 where the value is not a grade: the per-record error)
GradeRun = Callable[[Chunk], Any]

#: aggregators other than ``weighted_sum`` the columnar path runs: each a function of its
#: children's points, letters and outcomes only (not of their coverage)
GENERIC = (mean, weakest_link, lookup)


@dataclass(frozen=True)
class ColumnForm:
    """A scorer's column form: its step, whether it reads the indicator's value, and whether
    its ``met`` decides pass/fail (else the points against ``pass_at`` do)."""

    run: ColumnRun
    needs_value: bool = True
    uses_met: bool = True
    int_run: IntRun | None = None
    grade: GradeRun | None = None  # a letter scorer: its letters (then ``run`` gives no points)
    #: a scorer that may score on part of its weight's data (a checklist with blank items):
    #: its coverage numerators, per row, over this (the run sets ``Chunk.covered``); 1: none
    cov_den: int = 1


@dataclass(frozen=True)
class ColumnBuild:
    """What a scorer's ``column_form(weight, places, build)`` may use: numpy, the bounds
    toolkit (:mod:`perfscore.columnar.bounds`), column expressions, and :meth:`form`."""

    places: int
    kinds: Mapping[str, str]
    #: the indicator's value as written (None: it has none)
    value: str | None = None
    #: the letter grades of the rule set's scale, best first (empty: no scale)
    letters: tuple[str, ...] = ()
    #: the leaf's scorer expressions run as metrics (text as written → metric; lifts.py)
    lifted: Mapping[str, str] = field(default_factory=dict)
    #: the leaf's scorer expressions by text (compiled: a derived text column runs them)
    compiled: Mapping[str, Any] = field(default_factory=dict)
    #: derived text columns found so far (name → :class:`~perfscore.columnar.lifts.Derived`)
    derived: dict[str, Any] = field(default_factory=dict)
    #: plug-in functions not declared pure (a derived text column may call no such one)
    impure: frozenset[str] = frozenset()
    #: a condition's text → what it runs as by columns (a checklist item's plug-in calls
    #: split out, run per row: :mod:`~perfscore.columnar.rowcalls`)
    conditions: Callable[[str], str] = str.strip
    np: Any = np
    bounds: types.ModuleType = bounds
    ints: types.ModuleType = intcols
    Unsupported: type[Exception] = Unsupported

    @staticmethod
    def merge(mask: Any, a: Any, b: Any, size: int) -> Any:
        """Rationals for ``size`` rows: ``a``'s where ``mask``, ``b``'s elsewhere."""
        from .calls import merge

        return merge(mask, a, b, size)

    @staticmethod
    def no(key: str, **fields: object) -> Exception:
        """:class:`Unsupported` saying reason ``key`` of
        :data:`~perfscore.columnar.reasons.REASONS` in both languages."""
        return no(key, **fields)

    def expression(self, text: str) -> ColumnExpr:
        return ColumnExpr(self.lifted.get(text.strip(), text), self.kinds)

    def category(self, text: str) -> str:
        """The text/yes-no input an expression names, or the derived text column of an
        expression over such inputs (``'achieved' if verdict == '达成' else …``)."""
        name = text.strip()
        if self.kinds.get(name) not in ("text", "boolean"):
            from .derived import derive  # (kept out of this module's imports: it is light)

            return derive(name, self.compiled, self.kinds, self.derived, self.impure)
        return name

    def condition(self, text: str) -> ColumnCond:
        """A yes/no expression (comparisons decided exactly on ties, ``and``/``or``/``not``,
        yes/no and text inputs) as ``cond(chunk) -> bool array``."""
        return ColumnCond(self.conditions(text), self.kinds)

    def series(self, text: str | None) -> str:
        """The series input or metric an expression names (only a bare name is mirrored)."""
        name = (text or "").strip()
        if self.kinds.get(name) != "series":
            raise no("not_series", text=repr(text))
        return name

    @staticmethod
    def series_tools() -> types.ModuleType:
        """What a series scorer's column form uses (:mod:`~perfscore.columnar.seriesfns`)."""
        from . import seriesfns

        return seriesfns

    def number_input(self, text: str) -> str:
        """The numeric input or metric an expression names, or the metric an expression
        was lifted to (:mod:`~perfscore.columnar.lifts`)."""
        name = self.lifted.get(text.strip(), text.strip())
        if self.kinds.get(name) not in ("number", "metric"):
            raise Unsupported(Bilingual(f"{text!r} is not a number", f"{text!r} 不是数值"))
        return name

    def form(
        self,
        run: ColumnRun,
        *,
        needs_value: bool = True,
        uses_met: bool = True,
        int_run: IntRun | None = None,
        grade: GradeRun | None = None,
        cov_den: int = 1,
    ) -> ColumnForm:
        return ColumnForm(run, needs_value, uses_met, int_run, grade, cov_den)


@dataclass(frozen=True)
class WhenPlan:
    """An indicator's or group's ``when``: the condition, the names it reads (their failures
    decide first), whether it may see blanks (``is_missing``/``coalesce``), and the node's
    missing-data policy (what a blank it reads makes of the node)."""

    cond: ColumnCond
    names: tuple[str, ...]
    aware: bool
    missing: str
    #: metrics computed from series for it: where one failed, the condition raised (an error)
    raises: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeafPlan:
    rule_id: str
    value: ColumnExpr | None
    form: ColumnForm
    pass_at: int  # scaled points at or above which the outcome is pass
    use_met: bool
    reads: tuple[str, ...] = ()  # inputs and metrics whose failure decides the indicator
    missing: str = "not_applicable"  # what a missing value means (the indicator's policy)
    zero_division: str = "error"  # what a zero denominator means
    full: int = 0  # the weight, scaled (points under ``missing: full``)
    weight: Decimal = Decimal(0)
    optional: tuple[str, ...] = ()  # read when present (a blank is no failure)
    when: WhenPlan | None = None
    declared: Decimal | None = None  # the weight as written (None: a letter indicator)
    passes: Any = None  # a letter indicator: per letter code (−1 last), does it pass
    #: metrics a scorer's expressions run as (a tier's ratio): their own failures (a zero
    #: denominator) come after what the leaf reads, a blank in them is no failure
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupPlan:
    rule_id: str
    kids: tuple[LeafPlan | GroupPlan | AggPlan, ...]
    weight: Decimal
    base: Decimal  # the children's weights, summed
    redistribute: bool = True  # not-applicable children's weight goes to the others
    scaled: tuple[int, tuple[int, ...]] = (0, ())  # weight and children's weights × 10**e
    cov_den: int = 1  # coverage is an integer over this denominator
    cov_coef: tuple[int, ...] = ()  # coverage numerator = Σ coef · child's numerator
    when: WhenPlan | None = None


@dataclass(frozen=True)
class AggPlan:
    """A group with another aggregator (``mean``, ``weakest_link``, ``lookup``): run once per
    distinct combination of its children's results in a chunk, by the aggregator itself."""

    rule_id: str
    kids: tuple[LeafPlan | GroupPlan | AggPlan, ...]
    spec: AggregateSpec
    aggregate: Callable[..., Any]
    declared: tuple[Decimal | None, ...]  # the children's weights as written
    when: WhenPlan | None = None
    weights_zero: bool = True  # the children's weights add up to 0 (or none is given)
    cov_den: int = 1  # coverage as for a weighted sum (see GroupPlan)
    cov_coef: tuple[int, ...] = ()
    #: ``mean``/``weakest_link`` on points, in integers: (D, per child W·D / its weight — None
    #: for a child without weight —, whether a not-applicable child's weight is handed on);
    #: None: run by the aggregator itself per distinct combination
    ints: tuple[int, tuple[int | None, ...], bool] | None = None


@dataclass(frozen=True)
class CheckPlan:
    rule_id: str
    left: ColumnExpr | None
    right: ColumnExpr | None
    tolerance: Bounded | None
    reads: tuple[str, ...] = ()
    kind: str = "equal"  # equal | assert | explain_if
    cond: ColumnCond | None = None  # assert: the expression that must hold
    when: ColumnCond | None = None  # when the check applies (explain_if: when it triggers)
    require: str | None = None  # explain_if: the text or yes/no input that explains
    missing_aware: bool = False  # is_missing(): a blank does not block the check


@dataclass(frozen=True)
class MetricPlan:
    name: str
    expr: ColumnExpr | None  # None: a metric over series (``series``)
    names: tuple[str, ...]
    zero_division: str
    series: Any = None  # a :class:`~perfscore.columnar.seriesfns.SeriesExpr`


@dataclass
class Plan:
    metrics: list[tuple[str, ColumnExpr]]
    tree: list[LeafPlan | GroupPlan | AggPlan]
    checks: list[CheckPlan]
    read: list[str]  # the numeric inputs anything reads
    bands_min: list[int]  # grade band minima, scaled
    min_cov_ok: bool
    kinds: dict[str, str] = field(default_factory=dict)
    metric_exprs: dict[str, ColumnExpr] = field(default_factory=dict)
    metric_plans: list[MetricPlan] = field(default_factory=list)
    root: GroupPlan | None = None  # the total: the top level as a group of the root's weight
    min_cov4: int | None = None  # min_coverage × 10**4, rounded up (None: no minimum)
    defaults: dict[str, float] = field(default_factory=dict)  # a blank cell's value, as a cell
    categorical: list[str] = field(default_factory=list)  # text and yes/no inputs read
    #: grade overrides in order: (condition, index into grade_ids, names it reads, is_missing)
    overrides: list[tuple[ColumnCond, int, tuple[str, ...], bool]] = field(default_factory=list)
    #: input → the leaves that read it (directly or through metrics)
    users: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: letter grades, best first (a rule set with a ``letters`` scale), else empty
    letter_ids: tuple[str, ...] = ()
    #: False when no top-level indicator yields points: no total, no grade
    has_total: bool = True
    #: the series inputs anything reads, and how many years ``last(…, n)`` and
    #: ``series_bands`` may reach before a series' first one
    series: list[str] = field(default_factory=list)
    series_pad: int = 0
    #: text values computed from text and yes/no inputs (:class:`~.lifts.Derived`)
    derived: list[Any] = field(default_factory=list)
    #: what runs per row, calling a plug-in function (:mod:`~.rowexpr`), said in both
    #: languages; None: nothing
    per_row: Any = None
