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

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..declared import Declared
from ..errors import PerfscoreError, did_you_mean
from ..findings import Finding, Report, RuleInfo, RuleLocation, SubjectResult, fingerprint
from ..ruleset import RuleSet, SubjectBatch, load_ruleset, load_ruleset_text
from ..subjects import read_subject
from .context import _Context, _pct
from .levels import LEVELS
from .result import SEVERITY_OF_LEVEL, Review, ReviewItem, Thresholds, deviation
from .rows import CAUSES, _review_subject
from .rows import _classify as _classify  # the tests' boundary cases call it here
from .targets import TargetWords

__all__ = [
    "LEVELS",
    "Review",
    "ReviewItem",
    "Thresholds",
    "default_review_rules",
    "deviation",
    "review",
]


#: Indicator ids taken as "budget execution" when the caller does not name one.
EXECUTION_IDS = ("execution", "execution_rate", "execution_rate_score", "budget_execution_rate")
BUDGET_FIELDS = ("budget_adjusted", "budget")
EXECUTED_FIELDS = ("executed",)

_CLAIM_SOURCE = {
    "document": "偏离度 = (自评 − 复核) / 自评（会计师事务所 2025 年自评复核底稿）",
    "evidence": "RECALLED",
    "note": "as digested in shared/reference/review-and-history.md; levels ASSUMED",
}


def default_review_rules() -> Path:
    """The bundled review rule set, ``rules/cn-review.yaml``."""
    here = Path(__file__).resolve()
    for root in (here.parents[1] / "rules", here.parents[3] / "rules", Path.cwd() / "rules"):
        path = root / "cn-review.yaml"
        if path.is_file():
            return path
    raise PerfscoreError("the bundled review rule set rules/cn-review.yaml was not found")


# --- the engine --------------------------------------------------------------------------------


def _chosen(
    given: str | None, known: Collection[str], candidates: Sequence[str], refused: str
) -> str | None:
    """``given`` when it is one of ``known`` (else an error: ``refused`` and a did-you-mean),
    or the first of ``candidates`` that is."""
    if given is None:
        return next((c for c in candidates if c in known), None)
    if given not in known:
        hint = did_you_mean(given, known)
        raise PerfscoreError(refused + (f" (did you mean {hint!r}?)" if hint else ""))
    return given


def _execution_id(rs: RuleSet, execution: str | None) -> str | None:
    ids = {r.id for r in rs.rules if r.kind == "indicator"}
    return _chosen(
        execution, ids, EXECUTION_IDS, f"execution indicator {execution!r} is not in {rs.id}"
    )


def _field(rs: RuleSet, given: str | None, candidates: Sequence[str], what: str) -> str | None:
    refused = f"{what} field {given!r} is not an input of {rs.id}"
    return _chosen(given, rs.compiled.inputs, candidates, refused)


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
