"""What a review (复核) gives: its rows (:class:`ReviewItem`), the batch's :class:`Review`, the
review's own numbers (:class:`Thresholds`) and the 偏离度 (:func:`deviation`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from .. import words
from ..declared import Declared
from ..findings import Report, SubjectResult
from ..numbers import round_half_up
from ..ruleset import RuleSet
from .levels import DIMENSIONS, LEVELS

SEVERITY_OF_LEVEL = {"P0": "error", "P1": "warning", "P2": "note", "pass": "none"}


LEVEL_OF_SEVERITY = {"error": "P0", "warning": "P1", "note": "P2"}


#: Deviations are reported to this many decimals (half up); comparisons are exact.
DEVIATION_PLACES = 6


def deviation(declared: Decimal, recomputed: Decimal) -> Decimal | None:
    """偏离度 = (自评 − 复核) / 自评, rounded half up to 6 decimals; None when 自评 is 0."""
    if declared == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        return round_half_up((declared - recomputed) / declared, DEVIATION_PLACES)


@dataclass(frozen=True)
class Thresholds:
    """The review's own numbers, read from the review rule set's ``review_*`` input defaults."""

    tolerance: Decimal = Decimal("0.05")
    p0: Decimal = Decimal("0.2")
    p1: Decimal = Decimal("0.1")
    levels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, rules: RuleSet) -> Thresholds:
        inputs = rules.compiled.inputs

        def number(name: str, fallback: str) -> Decimal:
            spec = inputs.get(name)
            if spec is not None and isinstance(spec.default, Decimal):
                return spec.default
            return Decimal(fallback)

        levels: dict[str, str] = {}
        for cause, name, fallback in (
            ("above_weight", "review_level_above_weight", "P0"),
            ("claim_without_data", "review_level_no_data", "P1"),
            ("under_claimed", "review_level_under_claimed", "P2"),
            ("cannot_recompute", "review_level_cannot_recompute", "P1"),
            ("unknown_indicator", "review_level_unknown_indicator", "P1"),
            ("grade_misapplied", "review_level_grade", "P1"),
            ("grade_unknown", "review_level_grade", "P1"),
            ("form_error", "review_level_form", "P1"),
            ("group_parts", "review_level_group_parts", "P0"),
            ("nothing_declared", "review_level_nothing_declared", "P2"),
        ):
            spec = inputs.get(name)
            value = spec.default if spec is not None else None
            levels[cause] = value if isinstance(value, str) and value in LEVELS[:3] else fallback
        return cls(
            number("review_tolerance", "0.05"),
            number("review_p0", "0.2"),
            number("review_p1", "0.1"),
            levels,
        )

    def contradicted_level(self, declared: Decimal, recomputed: Decimal) -> str:
        """P0/P1/P2 for a claim above its recomputed points, compared exactly."""
        excess = declared - recomputed
        if excess >= self.p0 * declared:
            return "P0"
        if excess >= self.p1 * declared:
            return "P1"
        return "P2"


@dataclass(frozen=True)
class ReviewItem:
    """One row of the 复核问题清单 (and one finding)."""

    rule_id: str
    level: str  # P0 | P1 | P2 | pass
    outcome: str  # pass | fail | not_applicable | error
    dimension: str  # key of DIMENSIONS
    cause: str  # key of CAUSES, or "check"
    location: str  # 位置
    finding: str  # 复核发现
    facts: str  # 事实及判定
    advice: str  # 处理建议
    basis: str  # 核验依据
    indicator: str | None = None
    declared: Decimal | None = None
    recomputed: Decimal | None = None
    deviation: Decimal | None = None
    weight: Decimal | None = None
    fields: tuple[str, ...] = ()
    #: the row's 复核发现, 事实及判定 and 处理建议 in English (the fields above are Chinese)
    finding_en: str = ""
    facts_en: str = ""
    advice_en: str = ""

    def text(self, lang: str) -> tuple[str, str, str]:
        """(复核发现, 事实及判定, 处理建议) in ``lang`` (zh or en)."""
        if words.language(lang) == "en":
            return self.finding_en or self.finding, self.facts_en or self.facts, self.advice_en
        return self.finding, self.facts, self.advice

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "level": self.level,
            "dimension": DIMENSIONS.get(self.dimension, self.dimension),
            "cause": self.cause,
            "location": self.location,
            "facts": self.facts,
            "advice": self.advice,
            "basis": self.basis,
        }
        if self.facts_en:
            d["facts_en"] = self.facts_en
        for key in ("indicator", "declared", "recomputed", "deviation"):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        return d


@dataclass(frozen=True)
class Review:
    """The review of a batch: the findings report, the rows of the issue list, the facts."""

    report: Report
    items: Mapping[str, tuple[ReviewItem, ...]]  # subject id → rows, in order
    facts: Mapping[str, Mapping[str, Any]]  # subject id → the review rule set's inputs
    declared: Mapping[str, Declared | None]
    ruleset: RuleSet
    rules: RuleSet
    sample: Any = None  # a perfscore.recheck.sample.Sample when one was drawn

    def workbook(self) -> bytes:
        """The 复核问题清单 workbook (xlsx bytes; needs perfscore[excel])."""
        from .workbook import review_workbook

        return review_workbook(self)

    def rows(self) -> list[tuple[SubjectResult, ReviewItem]]:
        """Every row of every subject, in batch order."""
        seen: set[str] = set()
        out: list[tuple[SubjectResult, ReviewItem]] = []
        for s in self.report.subjects:
            if s.subject.id not in seen:  # a duplicate id's rows are all under its first result
                seen.add(s.subject.id)
                out.extend((s, it) for it in self.items.get(s.subject.id, ()))
        return out

    def issues(self) -> list[tuple[SubjectResult, ReviewItem]]:
        """Rows at P0/P1/P2, worst first (stable within a level: batch and rule order)."""
        rows = [(s, it) for s, it in self.rows() if it.level != "pass"]
        return sorted(rows, key=lambda r: LEVELS.index(r[1].level))

    def summary(self) -> dict[str, Any]:
        """Subjects, mean |偏离度| of the totals, counts by level, the most-inflated indicators."""
        counts = dict.fromkeys((*LEVELS, "not_applicable"), 0)
        for _, it in self.rows():
            na = it.outcome == "not_applicable" and it.level == "pass"
            counts["not_applicable" if na else it.level] += 1
        totals = [
            abs(it.deviation)
            for _, it in self.rows()
            if it.rule_id == "claim__total" and it.deviation is not None
        ]
        declared_any = sum(1 for d in self.declared.values() if d is not None and not d.empty)
        inflated: dict[str, dict[str, Any]] = {}
        for _, it in self.rows():
            if it.cause != "contradicted" or it.indicator is None:
                continue
            assert it.declared is not None and it.recomputed is not None
            e = inflated.setdefault(
                it.indicator,
                {
                    "indicator": it.indicator,
                    "title": it.location,
                    "subjects": 0,
                    "excess": Decimal(0),
                },
            )
            e["subjects"] += 1
            e["excess"] += it.declared - it.recomputed
            if it.deviation is not None:
                e["max_deviation"] = max(e.get("max_deviation", it.deviation), it.deviation)
        ranked = sorted(
            inflated.values(), key=lambda e: (-e["excess"], -e["subjects"], e["indicator"])
        )
        mean = None
        if totals:
            with localcontext() as ctx:
                ctx.prec = 60
                mean = round_half_up(sum(totals, Decimal(0)) / len(totals), DEVIATION_PLACES)
        return {
            "subjects": len(self.report.subjects),
            "declared": declared_any,
            "nothing_declared": len(self.report.subjects) - declared_any,
            "mean_abs_deviation": mean,
            "deviations_counted": len(totals),
            "by_level": counts,
            "most_inflated": ranked[:10],
        }
