"""Re-check (复核) what subjects declared against what their figures support.

For every subject the review

1. reads the subject's claims (``declared:``: points per indicator, 自评得分, 等级 — see
   :mod:`perfscore.declared`) and recomputes every indicator with the scoring rule set;
2. compares each claim with the recomputed points and classifies it (a *cause*): consistent,
   contradicted by the figures (declared above recomputed), under-claimed, claimed without
   data (the indicator is not applicable or its data missing), a claim above the indicator's
   weight (arithmetic on the form), data that cannot be recomputed, an indicator the rule set
   does not have, a grade outside the band of the declared total;
3. computes the facts the review rule set (``rules/cn-review.yaml``) reads — declared total and
   the sum of the declared parts, the weights on the form, execution vs performance points for
   the red warning, budget and executed for the yellow one — and scores them against it.

偏离度 (deviation) = (自评 − 复核) / 自评, on the declared and the recomputed points (the latter
rounded to the scoring rule set's ``places``, the number printed).  Positive: the subject
claims more than its figures support; negative: less.  It is reported rounded half-up
(四舍五入) to 6 decimals (0.0001%); the P0/P1 cut-offs are compared *exactly*, without
division: ``自评 − 复核 ≥ p0 × 自评``.  When 自评 = 0 the deviation is undefined (``None``) and
only the difference in points is reported.  A difference within ``review_tolerance`` points
(either way) is no deviation.

Everything becomes a :class:`~perfscore.findings.Finding` of kind ``review`` in an ordinary
:class:`~perfscore.findings.Report`, so every exporter writes it; ``finding.review`` carries
the 复核问题清单 columns (level P0/P1/P2/pass, 复核维度, 位置, 处理建议, 核验依据) and the
numbers (declared, recomputed, deviation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

from .. import words
from ..declared import Declared
from ..errors import PerfscoreError, did_you_mean
from ..findings import (
    Finding,
    IndicatorScore,
    Report,
    RuleInfo,
    RuleLocation,
    SubjectResult,
    fingerprint,
)
from ..numbers import json_number, round_half_up
from ..ruleset import RuleSet, SubjectBatch, load_ruleset, load_ruleset_text
from ..subjects import read_subject
from .levels import DIMENSIONS, LEVELS
from .targets import TargetWords, judge

__all__ = [
    "LEVELS",
    "Review",
    "ReviewItem",
    "Thresholds",
    "default_review_rules",
    "deviation",
    "review",
]

SEVERITY_OF_LEVEL = {"P0": "error", "P1": "warning", "P2": "note", "pass": "none"}
LEVEL_OF_SEVERITY = {"error": "P0", "warning": "P1", "note": "P2"}
#: Deviations are reported to this many decimals (half up); comparisons are exact.
DEVIATION_PLACES = 6

#: Indicator ids taken as "budget execution" when the caller does not name one.
EXECUTION_IDS = ("execution", "execution_rate", "execution_rate_score", "budget_execution_rate")
BUDGET_FIELDS = ("budget_adjusted", "budget")
EXECUTED_FIELDS = ("executed",)

# --- words (zh first; ids stay ASCII) ---------------------------------------------------------

CAUSES = words.REVIEW_CAUSE["zh"]
ADVICE = words.REVIEW_ADVICE["zh"]
#: (zh, en): every sentence of a row is made in both languages, from perfscore.words.
Pair = tuple[str, str]
CHECK_DIMENSIONS = {
    "red_inflation": "warning",
    "yellow_budget": "warning",
    "total_adds_up": "arithmetic",
    "weights_add_up": "arithmetic",
    "execution_score_follows": "arithmetic",
}
CHECK_LOCATIONS = words.REVIEW_CHECK_LOCATION["zh"]
CHECK_ADVICE = words.REVIEW_CHECK_ADVICE["zh"]


_CLAIM_SOURCE = {
    "document": "偏离度 = (自评 − 复核) / 自评（会计师事务所 2025 年自评复核底稿）",
    "evidence": "RECALLED",
    "note": "as digested in shared/reference/review-and-history.md; levels ASSUMED",
}


def _say(key: str, **fields: object) -> Pair:
    """The 事实及判定 phrase ``key`` (words.REVIEW_FACTS) in both languages; a field given as a
    (zh, en) pair is filled in per language."""
    zh, en = (
        words.REVIEW_FACTS[lang][key].format(
            **{k: (v[i] if isinstance(v, tuple) else v) for k, v in fields.items()}
        )
        for i, lang in enumerate(words.LANGS)
    )
    return zh, en


def _cause(key: str) -> Pair:
    return words.REVIEW_CAUSE["zh"][key], words.REVIEW_CAUSE["en"][key]


def _advice(key: str) -> Pair:
    table = words.REVIEW_ADVICE
    return table["zh"].get(key, ""), table["en"].get(key, "")


def _join(parts: Sequence[Pair], sep: str = "separator") -> Pair:
    s_zh, s_en = _say(sep)
    return s_zh.join(p[0] for p in parts), s_en.join(p[1] for p in parts)


def _num(x: Decimal | None) -> str:
    return "—" if x is None else json_number(x)


def _pct(x: Decimal | None) -> str:
    return "—" if x is None else f"{json_number(round_half_up(x * 100, 2))}%"


def deviation(declared: Decimal, recomputed: Decimal) -> Decimal | None:
    """偏离度 = (自评 − 复核) / 自评, rounded half up to 6 decimals; None when 自评 is 0."""
    if declared == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        return round_half_up((declared - recomputed) / declared, DEVIATION_PLACES)


# --- thresholds from the review rule set --------------------------------------------------------


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


def default_review_rules() -> Path:
    """The bundled review rule set, ``rules/cn-review.yaml``."""
    here = Path(__file__).resolve()
    for root in (here.parents[1] / "rules", here.parents[3] / "rules", Path.cwd() / "rules"):
        path = root / "cn-review.yaml"
        if path.is_file():
            return path
    raise PerfscoreError("the bundled review rule set rules/cn-review.yaml was not found")


# --- the result ---------------------------------------------------------------------------------


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


# --- the engine --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    rs: RuleSet
    rules: RuleSet
    thresholds: Thresholds
    fp_id: str
    infos: Mapping[str, RuleInfo]  # scoring rule set
    children: Mapping[str, tuple[str, ...]]
    execution: str | None
    budget_field: str | None
    executed_field: str | None
    review_location: RuleLocation
    check_infos: Mapping[str, RuleInfo]
    words: TargetWords = field(default_factory=TargetWords)


def _execution_id(rs: RuleSet, execution: str | None) -> str | None:
    ids = {r.id for r in rs.rules if r.kind == "indicator"}
    if execution is not None:
        if execution not in ids:
            hint = did_you_mean(execution, ids)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise PerfscoreError(f"execution indicator {execution!r} is not in {rs.id}{extra}")
        return execution
    for candidate in EXECUTION_IDS:
        if candidate in ids:
            return candidate
    return None


def _field(rs: RuleSet, given: str | None, candidates: Sequence[str], what: str) -> str | None:
    names = rs.compiled.inputs
    if given is not None:
        if given not in names:
            hint = did_you_mean(given, names)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise PerfscoreError(f"{what} field {given!r} is not an input of {rs.id}{extra}")
        return given
    return next((c for c in candidates if c in names), None)


def _raw_values(record: Any) -> Mapping[str, Any]:
    if not isinstance(record, Mapping):
        return {}
    values = record.get("values") if "values" in record else record
    return values if isinstance(values, Mapping) else {}


def _batch_records(ruleset: RuleSet, batch: SubjectBatch) -> tuple[Any, ...]:
    """A batch's records; a spreadsheet's (CSV, xlsx, ...) columns are mapped onto the scoring
    rule set's inputs now (``declared.*`` columns become each record's claims)."""
    if batch.records or not batch.sources:
        return batch.records
    from ..ingest import read_sources

    return tuple(read_sources(ruleset, batch.sources, []))


def _records(data: Any, ruleset: RuleSet) -> tuple[tuple[Any, ...], tuple[Mapping[str, str], ...]]:
    if isinstance(data, SubjectBatch):
        return _batch_records(ruleset, data), ({"uri": data.uri, "sha256": data.sha256},)
    if isinstance(data, Mapping):
        recs = data["subjects"] if isinstance(data.get("subjects"), list) else [data]
        return tuple(recs), ()
    if isinstance(data, (list, tuple)):
        batches = [d for d in data if isinstance(d, SubjectBatch)]
        if batches and len(batches) == len(data):
            return (
                tuple(r for b in batches for r in _batch_records(ruleset, b)),
                tuple({"uri": b.uri, "sha256": b.sha256} for b in batches),
            )
        return tuple(data), ()
    if data is None or isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
        return (data,), ()
    return tuple(data), ()


def review(
    ruleset: RuleSet,
    data: Any,
    *,
    rules: RuleSet | str | Path | None = None,
    execution: str | None = None,
    budget_field: str | None = None,
    executed_field: str | None = None,
    sample: int | None = None,
    sampled_before: Callable[[str], bool] | None = None,
) -> Review:
    """Re-check every subject's declared scores against ``ruleset``'s recomputation.

    ``data`` is what :meth:`RuleSet.evaluate` takes (a record, a list, ``{subjects: [...]}``, a
    :class:`SubjectBatch` or a list of them).  ``rules`` is the review rule set (default: the
    bundled ``rules/cn-review.yaml``).  ``execution`` names the budget-execution indicator (by
    default the first of ``execution``, ``execution_rate``, ``execution_rate_score``);
    ``budget_field`` / ``executed_field`` the inputs holding 预算数 / 执行数 (by default
    ``budget_adjusted`` or ``budget``, and ``executed``).  ``sample=N`` also draws the N
    subjects most worth re-checking (:mod:`perfscore.recheck.sample`); ``sampled_before(key)``
    tells it which subjects a results store has sampled already.
    """
    if rules is None:
        rules = load_ruleset_text(
            default_review_rules().read_text(encoding="utf-8"), source="rules/cn-review.yaml"
        )
    if not isinstance(rules, RuleSet):
        rules = load_ruleset(rules)
    infos = {r.id: r for r in ruleset.rules}
    children: dict[str, list[str]] = {}
    for r in ruleset.rules:
        if r.kind in ("group", "indicator") and r.parent is not None:
            children.setdefault(r.parent, []).append(r.id)
    check_infos = {r.id: r for r in rules.rules if r.kind == "check"}
    clash = sorted(i for i in check_infos if i.startswith("claim_"))
    if clash:
        raise PerfscoreError(
            f"review rule set {rules.id}: check ids starting with 'claim_' are reserved "
            f"({clash[0]})"
        )
    ctx = _Context(
        ruleset,
        rules,
        Thresholds.of(rules),
        f"{rules.id}/{ruleset.id}",
        infos,
        {k: tuple(v) for k, v in children.items()},
        _execution_id(ruleset, execution),
        _field(ruleset, budget_field, BUDGET_FIELDS, "budget"),
        _field(ruleset, executed_field, EXECUTED_FIELDS, "executed"),
        RuleLocation(rules.source, "", None, None),
        check_infos,
        TargetWords.of({k: spec.default for k, spec in rules.compiled.inputs.items()}),
    )
    records, inputs = _records(data, ruleset)
    reads = [
        read_subject(rec, ruleset.compiled.inputs, index=i, subject_type=ruleset.model.subject_type)
        for i, rec in enumerate(records)
    ]
    totals = [
        d.declared.total for d in reads if d.declared is not None and d.declared.total is not None
    ]
    batch_full = bool(totals) and len(totals) >= 2 and all(t >= ruleset.max_total for t in totals)
    results: list[SubjectResult] = []
    items: dict[str, tuple[ReviewItem, ...]] = {}
    facts: dict[str, Mapping[str, Any]] = {}
    declared: dict[str, Declared | None] = {}
    for i, (rec, sd) in enumerate(zip(records, reads, strict=True)):
        scored = ruleset.evaluate_subject(rec if isinstance(rec, Mapping) else {}, index=i)
        if not isinstance(rec, Mapping):
            scored = replace(scored, subject=sd.subject)
        rows, fact = _review_subject(ctx, rec, sd.declared, scored, batch_full, sd.values)
        sid = sd.subject.id
        # a duplicate id (reported by the duplicate-subject notification) keeps both rows
        items[sid] = items.get(sid, ()) + tuple(rows)
        facts.setdefault(sid, fact)
        declared.setdefault(sid, sd.declared)
        findings = tuple(_finding(ctx, scored, it) for it in rows)
        results.append(replace(scored, findings=findings))
    report = ruleset.report(
        results,
        inputs=inputs,
        provenance={"review": rules.provenance()},
        rules=_rule_infos(ctx),
    )
    out = Review(report, items, facts, declared, ruleset, rules)
    if sample is not None:
        from .sample import choose_sample

        drawn = choose_sample(out, sample, sampled_before=sampled_before)
        out = replace(out, sample=drawn, report=_mark_sample(ctx, report, drawn))
    return out


def _mark_sample(ctx: _Context, report: Report, drawn: Any) -> Report:
    """One ``review_sample`` finding per subject drawn, so a results store remembers it."""
    from .sample import SAMPLE_RULE

    entries = {e.subject_id: e for e in drawn.entries}
    subjects = []
    for s in report.subjects:
        e = entries.get(s.subject.id)
        if e is None:
            subjects.append(s)
            continue
        note = f"抽查样本第 {e.rank} 名：" + ("；".join(e.reasons) or "无问题")
        f = Finding(
            rule_id=SAMPLE_RULE,
            subject=s.subject,
            outcome="pass",
            severity="none",
            message=note,
            message_en=None,
            value=None,
            unit=None,
            display=None,
            threshold=None,
            points=None,
            weight=None,
            grade=None,
            reason=None,
            fields=(),
            fingerprint=fingerprint(ctx.fp_id, SAMPLE_RULE, s.subject),
            location=ctx.review_location,
            kind="review",
            review={"level": "pass", "dimension": "抽查", "cause": "sampled", "facts": note},
        )
        subjects.append(replace(s, findings=(*s.findings, f)))
    info = RuleInfo(
        SAMPLE_RULE,
        "review",
        "复核：抽查样本",
        "Review: drawn into the sample",
        None,
        None,
        None,
        None,
        "note",
        None,
        _CLAIM_SOURCE,
        ctx.review_location,
    )
    return replace(report, rules=(*report.rules, info), subjects=tuple(subjects))


def _rule_infos(ctx: _Context) -> tuple[RuleInfo, ...]:
    loc = ctx.review_location
    # the recomputed scores (SubjectResult.scores) refer to the scoring rule set's tree
    out: list[RuleInfo] = [r for r in ctx.rs.rules if r.kind in ("group", "indicator")]

    def fixed(rid: str, title: str, title_en: str, severity: str) -> RuleInfo:
        return RuleInfo(
            rid,
            "review",
            title,
            title_en,
            None,
            None,
            None,
            None,
            severity,
            None,
            _CLAIM_SOURCE,
            loc,
        )

    out.append(
        fixed("claim__form", "复核：自评数据可读取", "Review: the claims can be read", "warning")
    )
    out.append(
        fixed("claim__nothing", "复核：填报了自评", "Review: something was declared", "note")
    )
    out.append(fixed("claim__total", "复核：自评得分", "Review: declared total", "warning"))
    out.append(fixed("claim__grade", "复核：自评等级", "Review: declared grade", "warning"))
    for r in ctx.rs.rules:
        if r.kind not in ("group", "indicator"):
            continue
        out.append(
            RuleInfo(
                f"claim_{r.id}",
                "review",
                f"复核：{r.title}",
                f"Review: {r.title_en}" if r.title_en else None,
                None,
                None,
                r.weight,
                "分",
                "warning",
                None,
                r.source,
                r.location,
            )
        )
    for gid, kids in ctx.children.items():
        if kids and gid in ctx.infos:
            info = ctx.infos[gid]
            out.append(
                fixed(
                    f"claim__parts_{gid}",
                    f"复核：{info.title}自评得分等于其下各项之和",
                    f"Review: {info.title_en or gid} declared as the sum of its parts",
                    "error",
                )
            )
    out.append(
        fixed(
            "claim__unknown",
            "复核：自评表中规则集没有的指标",
            "Review: unknown indicators",
            "warning",
        )
    )
    for c in ctx.check_infos.values():
        out.append(replace(c, kind="review"))
    return tuple(out)


def _finding(ctx: _Context, scored: SubjectResult, it: ReviewItem) -> Finding:
    subject = scored.subject
    info = ctx.infos.get(it.indicator) if it.indicator else None
    loc = info.location if info is not None else ctx.review_location
    check = ctx.check_infos.get(it.rule_id)
    if check is not None:
        loc = check.location
    display = None
    if it.deviation is not None:
        display = f"偏离度 {_pct(it.deviation)}"
    return Finding(
        rule_id=it.rule_id,
        subject=subject,
        outcome=it.outcome,
        severity=SEVERITY_OF_LEVEL[it.level] if it.outcome != "not_applicable" else "none",
        message=f"{it.finding}：{it.facts}" if it.facts else it.finding,
        message_en=(
            (f"{it.finding_en}: {it.facts_en}" if it.facts_en else it.finding_en)
            if it.finding_en
            else None
        ),
        value=it.deviation,
        unit="%" if it.deviation is not None else None,
        display=display,
        threshold=None,
        points=it.declared,
        weight=it.weight,
        grade=None,
        reason=CAUSES.get(it.cause, it.cause),
        fields=it.fields,
        fingerprint=fingerprint(ctx.fp_id, it.rule_id, subject),
        location=loc,
        kind="review",
        review=it.to_dict(),
    )


# --- one subject -------------------------------------------------------------------------------


def _basis(ctx: _Context, rule_id: str | None) -> str:
    info = ctx.infos.get(rule_id) if rule_id else None
    doc = None
    if info is not None and info.source:
        doc = info.source.get("document")
    base = f"{ctx.rs.title}（{ctx.rs.id} {ctx.rs.version}）复核重算"
    return f"{base}；{doc}" if doc else base


def _top_most(claims: Mapping[str, Decimal], infos: Mapping[str, RuleInfo]) -> list[str]:
    """Known claimed ids with no claimed ancestor (ids the rule set lacks are left out: where
    they sit on the form is unknown; they are reported by ``claim__unknown``)."""
    out = []
    for cid in claims:
        if cid not in infos:
            continue
        parent = infos[cid].parent if cid in infos else None
        covered = False
        while parent is not None:
            if parent in claims:
                covered = True
                break
            parent = infos[parent].parent if parent in infos else None
        if not covered:
            out.append(cid)
    return out


def _item(
    rule_id: str,
    level: str,
    outcome: str,
    dimension: str,
    cause: str,
    location: str,
    finding: Pair,
    facts: Pair,
    advice: Pair,
    basis: str,
    **kw: Any,
) -> ReviewItem:
    """A row whose sentences are given in both languages."""
    return ReviewItem(
        rule_id,
        level,
        outcome,
        dimension,
        cause,
        location,
        finding[0],
        facts[0],
        advice[0],
        basis,
        finding_en=finding[1],
        facts_en=facts[1],
        advice_en=advice[1],
        **kw,
    )


def _review_subject(
    ctx: _Context,
    record: Any,
    declared: Declared | None,
    scored: SubjectResult,
    batch_full: bool,
    values: Mapping[str, Any],
) -> tuple[list[ReviewItem], dict[str, Any]]:
    rows: list[ReviewItem] = []
    th = ctx.thresholds
    if declared is not None and declared.problems:
        errors = [p for p in declared.problems if p.level == "error"]
        text = "；".join(f"{p.field}：{p.message}" for p in declared.problems)
        text_en = "; ".join(f"{p.field}: {p.message}" for p in declared.problems)
        rows.append(
            _item(
                "claim__form",
                th.levels["form_error"] if errors else "P2",
                "error" if errors else "fail",
                "form",
                "form_error",
                "、".join(p.field for p in declared.problems),
                _cause("form_error" if errors else "form_ignored"),
                (text, text_en),
                _advice("form_error"),
                "perfscore 自评数据格式（declared: total / grade / points / weights）",
                fields=tuple(p.field for p in declared.problems),
            )
        )
    nothing = declared is None or declared.empty
    if nothing:
        rows.append(
            _item(
                "claim__nothing",
                th.levels["nothing_declared"],
                "not_applicable",
                "form",
                "nothing_declared",
                "自评表",
                _cause("nothing_declared"),
                _say("nothing_declared"),
                _advice("nothing_declared"),
                "自评表",
            )
        )
    scores = {s.rule_id: s for s in scored.scores}
    claims: dict[str, Decimal] = dict(declared.points or {}) if declared is not None else {}
    if declared is not None and declared.total is not None:
        rows.append(_total_row(ctx, declared.total, scored))
    if declared is not None and declared.grade is not None:
        rows.append(_grade_row(ctx, declared, scored))
    known = [r.id for r in ctx.rs.rules if r.kind in ("group", "indicator") and r.id in claims]
    for rid in known:
        score = scores.get(rid)
        rows.append(_claim_row(ctx, rid, claims[rid], score, scored))
    rows.extend(_group_rows(ctx, claims))
    unknown = sorted(k for k in claims if k not in ctx.infos or ctx.infos[k].kind == "check")
    weights_unknown = (
        sorted(k for k in (declared.weights or {}) if k not in ctx.infos)
        if declared is not None
        else []
    )
    if unknown or weights_unknown:
        parts: list[Pair] = []
        ids = [r.id for r in ctx.rs.rules if r.kind in ("group", "indicator")]
        for k in unknown:
            hint = did_you_mean(k, ids)
            line = _say("unknown_points", id=k, d=_num(claims[k]))
            if hint:
                more = _say("unknown_hint", hint=hint)
                line = (line[0] + more[0], line[1] + more[1])
            parts.append(line)
        for k in weights_unknown:
            if k not in unknown and declared is not None:
                parts.append(_say("unknown_weight", id=k, w=_num((declared.weights or {})[k])))
        listed, tail = _join(parts), _say("unknown_tail", rs=ctx.rs.id)
        rows.append(
            _item(
                "claim__unknown",
                th.levels["unknown_indicator"],
                "fail",
                "form",
                "unknown_indicator",
                "、".join(dict.fromkeys(unknown + weights_unknown)),
                _cause("unknown_indicator"),
                (listed[0] + tail[0], listed[1] + tail[1]),
                _advice("unknown_indicator"),
                _basis(ctx, None),
                fields=tuple(f"declared.points.{k}" for k in unknown),
            )
        )
    fact = _facts(ctx, declared, scored, claims, batch_full, values, record)
    rows.extend(_check_rows(ctx, scored, fact))
    return rows, fact


def _group_rows(ctx: _Context, claims: Mapping[str, Decimal]) -> list[ReviewItem]:
    """A declared group (决策/过程/产出/效益) whose declared children are all there must be
    their sum: a form error otherwise.  Groups with a child left blank are not compared (the
    form may leave a part out); a group above its weight is the claim row's ``above_weight``."""
    rows = []
    for rid, kids in ctx.children.items():
        if rid not in claims or not kids or not all(k in claims for k in kids):
            continue
        parts = _sum(claims[k] for k in kids)
        d = claims[rid]
        if abs(d - parts) <= ctx.thresholds.tolerance:
            continue
        info = ctx.infos[rid]
        items = _join(
            [_say("part", title=ctx.infos[k].title, d=_num(claims[k])) for k in kids],
            "list_separator",
        )
        rows.append(
            _item(
                f"claim__parts_{rid}",
                ctx.thresholds.levels["group_parts"],
                "fail",
                "arithmetic",
                "group_parts",
                f"{info.title}（{rid}）",
                _cause("group_parts"),
                _say(
                    "group_parts",
                    group=info.title,
                    d=_num(d),
                    parts=_num(parts),
                    items=items,
                    diff=_num(d - parts),
                ),
                _advice("group_parts"),
                _basis(ctx, rid),
                indicator=rid,
                declared=d,
                weight=info.weight,
                fields=tuple(f"declared.points.{k}" for k in (rid, *kids)),
            )
        )
    return rows


def _classify(
    th: Thresholds, d: Decimal, score: IndicatorScore | None, weight: Decimal | None
) -> tuple[str, str, Decimal | None]:
    """(cause, level, recomputed points) of one claim."""
    r = score.points if score is not None else None
    if weight is not None and d > weight:
        return "above_weight", th.levels["above_weight"], r
    if score is None or score.outcome == "not_applicable":
        if d == 0:
            return "consistent", "pass", None
        return "claim_without_data", th.levels["claim_without_data"], None
    if score.outcome == "error" or r is None:
        return "cannot_recompute", th.levels["cannot_recompute"], None
    diff = d - r
    if abs(diff) <= th.tolerance:
        return "consistent", "pass", r
    if diff > 0:
        return "contradicted", th.contradicted_level(d, r), r
    return "under_claimed", th.levels["under_claimed"], r


def _facts_text(
    cause: str, d: Decimal, r: Decimal | None, weight: Decimal | None, why: Pair | None
) -> Pair:
    wn = _say("weight_note", w=_num(weight)) if weight is not None else ("", "")
    why = why if why and why[0] else _say("not_applicable")
    if cause == "above_weight":
        return _say("above_weight", d=_num(d), w=_num(weight))
    if cause == "claim_without_data":
        return _say("claim_without_data", d=_num(d), wn=wn, why=why)
    if cause == "cannot_recompute":
        return _say("cannot_recompute", d=_num(d), wn=wn, why=why)
    if r is None:  # a claim of 0 for an indicator that does not apply
        return _say("zero_not_applicable", d=_num(d), wn=wn, why=why)
    dev = deviation(d, r)
    dev_text = _say("deviation", p=_pct(dev)) if dev is not None else _say("deviation_undefined")
    return _say(
        "compared",
        d=_num(d),
        r=_num(r),
        wn=wn,
        diff=_num(d - r),
        dev=dev_text,
        verdict=_say(f"verdict_{cause}"),
    )


def _claim_row(
    ctx: _Context, rid: str, d: Decimal, score: IndicatorScore | None, scored: SubjectResult
) -> ReviewItem:
    info = ctx.infos[rid]
    cause, level, r = _classify(ctx.thresholds, d, score, info.weight)
    why: Pair | None = None
    fields: tuple[str, ...] = ()
    try:
        f = scored.finding(rid)
        why = (f.message, f.message_en or f.message)
        fields = f.fields
    except KeyError:
        pass
    if cause in ("claim_without_data", "cannot_recompute"):
        r = None
    outcome = {"consistent": "pass", "cannot_recompute": "error"}.get(cause, "fail")
    return _item(
        f"claim_{rid}",
        level,
        outcome,
        "arithmetic" if cause == "above_weight" else "claim",
        cause,
        f"{info.title}（{rid}）",
        _cause(cause),
        _facts_text(cause, d, r, info.weight, why),
        _advice(cause),
        _basis(ctx, rid),
        indicator=rid,
        declared=d,
        recomputed=r,
        deviation=deviation(d, r) if r is not None else None,
        weight=info.weight,
        fields=fields,
    )


def _total_row(ctx: _Context, d: Decimal, scored: SubjectResult) -> ReviewItem:
    r = scored.total
    pseudo = IndicatorScore(
        "total",
        r,
        scored.max,
        None,
        "error"
        if not scored.complete and r is None
        else ("not_applicable" if r is None else "pass"),
        scored.coverage,
    )
    cause, level, r = _classify(ctx.thresholds, d, pseudo, scored.max)
    if scored.grade_reason:
        why = (scored.grade_reason_zh or scored.grade_reason, scored.grade_reason)
    else:
        why = _say("total_data_error" if not scored.complete else "total_nothing_scored")
    if cause in ("claim_without_data", "cannot_recompute"):
        r = None
    outcome = {"consistent": "pass", "cannot_recompute": "error"}.get(cause, "fail")
    return _item(
        "claim__total",
        level,
        outcome,
        "arithmetic" if cause == "above_weight" else "claim",
        cause,
        "自评得分（总分）",
        _cause(cause),
        _facts_text(cause, d, r, scored.max, why),
        _advice(cause),
        _basis(ctx, None),
        declared=d,
        recomputed=r,
        deviation=deviation(d, r) if r is not None else None,
        weight=scored.max,
    )


def _band(ctx: _Context, total: Decimal) -> tuple[str, str] | None:
    for b in ctx.rs.compiled.grade_bands:
        if b.min <= total:
            return b.id, b.label or b.id
    return None


def _grade_row(ctx: _Context, declared: Declared, scored: SubjectResult) -> ReviewItem:
    g = declared.grade or ""
    bands = ctx.rs.compiled.grade_bands
    th = ctx.thresholds
    basis = f"{ctx.rs.title} 等级：" + "、".join(
        f"{b.label or b.id} ≥ {_num(b.min)}" for b in bands
    )
    recomputed = scored.grade_label or scored.grade
    rt = _say("grade_recomputed", g=recomputed) if recomputed else _say("grade_not_recomputed")
    match = next((b for b in bands if g in (b.label, b.id) or g.lower() == b.id.lower()), None)
    if not bands:
        return _item(
            "claim__grade",
            "pass",
            "not_applicable",
            "grade",
            "grade_consistent",
            "自评等级",
            _cause("grade_none"),
            _say("grade_no_bands", g=g, rs=ctx.rs.id),
            ("", ""),
            basis,
        )
    if match is None:
        names = _join([(b.label or b.id, b.label or b.id) for b in bands], "list_separator")
        return _item(
            "claim__grade",
            th.levels["grade_unknown"],
            "fail",
            "grade",
            "grade_unknown",
            "自评等级",
            _cause("grade_unknown"),
            _say("grade_unknown", g=repr(g), names=names, rt=rt),
            _advice("grade_unknown"),
            basis,
            fields=("declared.grade",),
        )
    if declared.total is None:
        return _item(
            "claim__grade",
            "pass",
            "not_applicable",
            "grade",
            "grade_consistent",
            "自评等级",
            _cause("grade_no_total"),
            _say("grade_only", g=g, rt=rt),
            ("", ""),
            basis,
        )
    band = _band(ctx, declared.total)
    label = match.label or match.id
    if band is not None and band[0] == match.id:
        return _item(
            "claim__grade",
            "pass",
            "pass",
            "grade",
            "grade_consistent",
            "自评等级",
            _cause("grade_consistent"),
            _say("grade_consistent", t=_num(declared.total), label=label, rt=rt),
            ("", ""),
            basis,
        )
    should = (band[1], band[1]) if band is not None else _say("no_grade")
    return _item(
        "claim__grade",
        th.levels["grade_misapplied"],
        "fail",
        "grade",
        "grade_misapplied",
        "自评等级",
        _cause("grade_misapplied"),
        _say("grade_misapplied", t=_num(declared.total), should=should, label=label, rt=rt),
        _advice("grade_misapplied"),
        basis,
        fields=("declared.grade",),
    )


def _max_completion(ctx: _Context, scored: SubjectResult) -> Decimal | None:
    best: Decimal | None = None
    for f in scored.findings:
        if f.kind != "indicator" or f.rule_id == ctx.execution or not f.threshold:
            continue
        target = f.threshold.get("value")
        if f.threshold.get("op") not in (">=", ">"):
            continue
        if isinstance(f.value, Decimal) and isinstance(target, Decimal) and target > 0:
            with localcontext() as c:
                c.prec = 40
                ratio = f.value / target
            best = ratio if best is None else max(best, ratio)
    return None if best is None else round_half_up(best, DEVIATION_PLACES)


def _sum(xs: Iterable[Decimal]) -> Decimal:
    return sum(xs, Decimal(0))


def _facts(
    ctx: _Context,
    declared: Declared | None,
    scored: SubjectResult,
    claims: Mapping[str, Decimal],
    batch_full: bool,
    values: Mapping[str, Any],
    record: Any,
) -> dict[str, Any]:
    fact: dict[str, Any] = {
        "max_total": scored.max,
        "recomputed_total": scored.total,
        "batch_full_marks": batch_full,
        "max_completion": _max_completion(ctx, scored),
    }
    if ctx.budget_field is not None:
        fact["budget"] = values.get(ctx.budget_field)
    if ctx.executed_field is not None:
        fact["executed"] = values.get(ctx.executed_field)
    full = 0
    if declared is not None and not declared.empty:
        fact["declared_total"] = declared.total
        top = _top_most(claims, ctx.infos)
        parts = _sum(claims[k] for k in top) if top else None
        fact["declared_parts"] = parts
        if declared.weights:
            wtop = _top_most(declared.weights, ctx.infos)
            fact["declared_weights"] = _sum(declared.weights[k] for k in wtop)
        ex = ctx.execution
        ex_info = ctx.infos.get(ex) if ex else None
        if ex is not None and ex_info is not None and ex_info.weight is not None:
            fact["execution_weight"] = ex_info.weight
            fact["performance_weight"] = scored.max - ex_info.weight
            if ex in claims:
                fact["execution_points"] = claims[ex]
                others = [k for k in top if k != ex and not _under(ctx, ex, k)]
                if others and parts is not None:
                    fact["performance_points"] = parts - claims[ex]
                elif declared.total is not None:
                    fact["performance_points"] = declared.total - claims[ex]
        for k, d in claims.items():
            info = ctx.infos.get(k)
            if info is None or info.kind != "indicator" or k == ex or info.weight is None:
                continue
            if d >= info.weight and info.weight > 0:
                full += 1
    fact["full_mark_claims"] = full
    raw = _raw_values(record)
    if declared is not None and (declared.targets or declared.actuals):
        fact.update(_printed_patterns(ctx, declared, raw))
    for name in ctx.rules.compiled.inputs:
        if name in fact or name.startswith("review_"):
            continue
        if name in raw:
            fact[name] = raw[name]
    return {k: v for k, v in fact.items() if v is not None}


def _indicator_name(ctx: _Context, rid: str, declared: Declared, raw: Mapping[str, Any]) -> str:
    """The indicator's name as a reviewer reads it: the form's (``declared.names``), the
    subject's ``<id>_name`` value (the 10号 slots), else the rule set's title."""
    printed = (declared.names or {}).get(rid)
    if printed:
        return printed
    own = raw.get(f"{rid}_name")
    if isinstance(own, str) and own.strip():
        return own.strip()
    info = ctx.infos.get(rid)
    return info.title if info is not None else rid


def _printed_patterns(ctx: _Context, declared: Declared, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The review rule set's facts about the printed 指标值 / 实际完成值 (the hand-review
    patterns of :mod:`perfscore.recheck.targets`): a count and a listing per pattern."""
    targets, actuals = declared.targets or {}, declared.actuals or {}
    names = {rid: _indicator_name(ctx, rid, declared, raw) for rid in {*targets, *actuals}}
    found = judge(targets, actuals, names, ctx.words)
    out: dict[str, Any] = {}
    for key, hits in (
        ("cost_targets_ge", found.cost_ge),
        ("unassessable_targets", found.unassessable),
        ("complaints_as_satisfaction", found.complaints),
    ):
        out[key] = len(hits)
        out[f"{key}_list"] = "；".join(f"{name}（{rid}）：{text}" for rid, name, text, _ in hits)
    return out


def _under(ctx: _Context, leaf: str, group: str) -> bool:
    """True when ``group`` is an ancestor of ``leaf``."""
    parent = ctx.infos[leaf].parent if leaf in ctx.infos else None
    while parent is not None:
        if parent == group:
            return True
        parent = ctx.infos[parent].parent if parent in ctx.infos else None
    return False


def _check_rows(ctx: _Context, scored: SubjectResult, fact: Mapping[str, Any]) -> list[ReviewItem]:
    record = {"id": scored.subject.id, "type": scored.subject.type, "values": dict(fact)}
    if scored.subject.name:
        record["name"] = scored.subject.name
    result = ctx.rules.evaluate_subject(record)
    rows = []
    for f in result.findings:
        if f.kind != "check":
            continue
        info = ctx.check_infos.get(f.rule_id)
        level = "pass" if f.outcome != "fail" else LEVEL_OF_SEVERITY.get(f.severity, "P2")
        if f.outcome == "error":
            level = ctx.thresholds.levels["cannot_recompute"]
        dimension = CHECK_DIMENSIONS.get(f.rule_id, "pattern")
        source = info.source if info is not None else None
        basis = str(source.get("document")) if source else ctx.rules.title
        title = info.title if info is not None else f.rule_id
        failed = f.outcome == "fail"
        title_en = (info.title_en if info is not None else None) or title
        message_en = f.message_en or f.message
        advice = (
            tuple(
                words.REVIEW_CHECK_ADVICE[lang].get(f.rule_id, words.REVIEW_ADVICE[lang]["check"])
                for lang in words.LANGS
            )
            if failed
            else ("", "")
        )
        rows.append(
            _item(
                f.rule_id,
                level,
                f.outcome,
                dimension,
                "check",
                CHECK_LOCATIONS.get(f.rule_id, title),
                (title, title_en) if failed else (f.message, message_en),
                (f.message, message_en) if failed else ("", ""),
                (advice[0], advice[1]),
                basis,
                fields=f.fields,
            )
        )
    return rows
