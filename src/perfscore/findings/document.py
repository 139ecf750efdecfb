"""Findings, the document: the findings document of a run (``format: perfscore.findings``,
``format_version: 1.1``) — its run id, the :class:`BatchTotals` that add up shard by shard,
the :class:`Report` of a run, and each rule, subject, finding and notification as the
document writes it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..errors import PerfscoreError
from ..subjects import Subject
from ..words import DEFAULT_LANG, NOTICE, Bilingual, in_language, language
from .explained import Explained
from .jsontext import SpooledItems, dumps
from .results import (
    OUTCOMES,
    SEVERITIES,
    Finding,
    Notification,
    RuleInfo,
    SubjectResult,
)

if TYPE_CHECKING:
    from ..standing import Standing

FORMAT = "perfscore.findings"
FORMAT_VERSION = "1.1"


def run_id(ruleset_sha256: str, inputs: Iterable[Mapping[str, str]], ids: Iterable[str]) -> str:
    """The findings document's run id: the rule set's and inputs' hashes, then every subject id
    in input order."""
    h = hashlib.sha256()
    h.update(ruleset_sha256.encode())
    for i in inputs:
        h.update(i.get("sha256", "").encode())
    for sid in ids:
        h.update(sid.encode("utf-8"))
    return h.hexdigest()[:32]


class BatchTotals:
    """What a batch's documents say about all of its subjects — counts by outcome and
    severity, whether it is complete, which subjects may be ranked, the subjects' own
    notifications — as counters that add up shard by shard.

    The findings document, the JSON Lines summary line and ``perfscore score --jobs N`` read
    these figures from one ``BatchTotals``; with ``--jobs`` each worker fills one for its shard
    and the parent :meth:`merge`\\ s them in input order."""

    def __init__(self, *, keep: bool = True) -> None:
        #: ``keep=False`` (a stream): only counters; the subjects, the ids of those without a
        #: total and the subjects' notifications are not kept, and the subjects not ranked are
        #: kept on disk past the first 100 (:class:`SpooledItems`), so memory does not grow
        #: with the batch
        self.keep = keep
        self.count = 0
        self.subjects: list[Subject] = []
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.severity = dict.fromkeys(SEVERITIES, 0)
        #: failed findings by severity, ``error`` findings counted as severity ``error``
        #: (what ``--fail-on`` reads)
        self.failed = dict.fromkeys(SEVERITIES, 0)
        self.complete = True
        self.ranked = 0
        #: the summary's records
        self.not_ranked: list[dict[str, Any]] | SpooledItems = [] if keep else SpooledItems()
        self.first: tuple[Decimal | None, Decimal, str | None, str | None] | None = None
        self.notifications: list[Notification] = []  # the subjects' own, in order
        self.without_total: list[str] = []  # ids of subjects with no total

    def add(self, s: SubjectResult, st: Standing) -> None:
        if self.first is None:
            self.first = (s.total, s.max, s.grade, s.grade_label)
        self.count += 1
        if self.keep:
            self.subjects.append(s.subject)
        counts, severity, failed = self.counts, self.severity, self.failed
        for f in s.findings:
            counts[f.outcome] += 1
            if f.severity in severity:
                severity[f.severity] += 1
            if f.outcome == "error":
                self.complete = False
                failed["error"] += 1
            elif f.outcome == "fail" and f.severity in failed:
                failed[f.severity] += 1
        for n in s.notifications:
            if n.level == "error":
                self.complete = False
        if self.keep:
            self.notifications += s.notifications
        if st.ranked:
            self.ranked += 1
        else:
            self.not_ranked.append(
                {"subject": s.subject.id, "reason": st.reason, "reason_en": st.reason_en}
            )
        if s.total is None and self.keep:
            self.without_total.append(s.subject.id)

    def merge(self, other: BatchTotals) -> None:
        """Add ``other``'s counts, as if its subjects came after these."""
        if self.first is None:
            self.first = other.first
        self.count += other.count
        if self.keep:
            self.subjects += other.subjects
            self.without_total += other.without_total
        for mine, theirs in (
            (self.counts, other.counts),
            (self.severity, other.severity),
            (self.failed, other.failed),
        ):
            for k, n in theirs.items():
                mine[k] += n
        self.complete = self.complete and other.complete
        self.ranked += other.ranked
        if isinstance(other.not_ranked, SpooledItems):
            if other.not_ranked.spilled:
                raise ValueError("a streamed batch's totals cannot be merged into another")
            self.not_ranked.extend(other.not_ranked.items)
        else:
            self.not_ranked.extend(other.not_ranked)
        if self.keep:
            self.notifications += other.notifications

    @property
    def evaluated(self) -> int:
        return sum(self.counts.values())

    def run_id(self, ruleset_sha256: str, inputs: Sequence[Mapping[str, str]]) -> str:
        return run_id(ruleset_sha256, inputs, (s.id for s in self.subjects))

    def summary(self) -> dict[str, Any]:
        """The findings document's ``summary``."""
        out: dict[str, Any] = {
            "subjects": self.count,
            "evaluated": self.evaluated,
            **self.counts,
            "by_severity": dict(self.severity),
        }
        if self.count == 1 and self.first is not None:
            total, top, grade, label = self.first
            out.update(total=total, max=top, grade=grade, grade_label=label)
        nr = self.not_ranked
        out.update(
            ranked=self.ranked, not_ranked=list(nr.items if isinstance(nr, SpooledItems) else nr)
        )
        return out

    def stream_summary(self, complete: bool) -> dict[str, Any]:
        """The JSON Lines ``summary`` record's fields (``complete`` first; a stream's
        ``not_ranked`` holds only the first 100 of them when there are more: its
        :class:`SpooledItems` writes them all)."""
        return {"complete": complete, **self.summary()}


def document(
    head: Report,
    totals: BatchTotals,
    notifications: Sequence[Notification],
    *,
    subjects: list[Any],
    findings: list[Any],
) -> dict[str, Any]:
    """The findings document of ``head``'s run (its rule set, rules, inputs and waivers) with
    ``totals`` over its subjects, the run's own ``notifications`` (the subjects' follow them)
    and the given ``subjects`` and ``findings`` lists."""
    complete = totals.complete and not any(n.level == "error" for n in notifications)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool": {"name": "perfscore", "version": __version__},
        "run": {
            "id": totals.run_id(str(head.ruleset.get("sha256", "")), head.inputs),
            "complete": complete,
            "ruleset": dict(head.ruleset),
            "inputs": [dict(i) for i in head.inputs],
            **({"waivers": dict(head.waivers)} if head.waivers else {}),
        },
        "rules": [rule_record(r) for r in head.rules],
        "subjects": subjects,
        "findings": findings,
        "notifications": [notification_record(n) for n in (*notifications, *totals.notifications)],
        "summary": totals.summary(),
    }


@dataclass(frozen=True)
class Report:
    """The result of scoring subjects against one rule set.

    For a single subject ``report.total``, ``report.grade`` and ``report.findings`` read
    directly; for a batch use ``report.subjects``.
    """

    ruleset: Mapping[str, Any]
    rules: tuple[RuleInfo, ...]
    subjects: tuple[SubjectResult, ...]
    inputs: tuple[Mapping[str, str], ...] = ()
    notifications: tuple[Notification, ...] = field(default=())
    waivers: Mapping[str, str] | None = None

    def _single(self) -> SubjectResult:
        if len(self.subjects) != 1:
            raise PerfscoreError(
                f"this report has {len(self.subjects)} subjects; use report.subjects[i]"
            )
        return self.subjects[0]

    @property
    def total(self) -> Decimal | None:
        return self._single().total

    @property
    def grade(self) -> str | None:
        return self._single().grade

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.subjects for f in s.findings)

    @property
    def complete(self) -> bool:
        return all(s.complete for s in self.subjects) and not any(
            n.level == "error" for n in self.notifications
        )

    def __getitem__(self, subject_id: str) -> SubjectResult:
        for s in self.subjects:
            if s.subject.id == subject_id:
                return s
        raise KeyError(subject_id)

    # --- the findings document ---------------------------------------------------------------

    def run_id(self) -> str:
        return run_id(
            str(self.ruleset.get("sha256", "")), self.inputs, (s.subject.id for s in self.subjects)
        )

    def to_dict(self, *, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        """The findings document as plain data (Decimals kept exact); ``lang``: the language
        of each subject's ``grade_reason`` (``zh`` adds ``grade_reason_en``)."""
        from ..standing import measure  # standing builds on this package

        of = measure(self.rules)
        totals = BatchTotals()
        standings = []
        for s in self.subjects:
            st = of(s)
            standings.append(st)
            totals.add(s, st)
        return document(
            self,
            totals,
            self.notifications,
            subjects=[subject_record(st.result, st, lang) for st in standings],
            findings=[finding_record(f) for f in self.findings],
        )

    def to_json(self, *, indent: int | None = 2, lang: str = DEFAULT_LANG) -> str:
        return dumps(self.to_dict(lang=lang), indent=indent)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def rule_record(r: RuleInfo) -> dict[str, Any]:
    """A rule as the findings document (and each JSON Lines ``run`` record) writes it."""
    return _drop_none(
        {
            "id": r.id,
            "kind": r.kind,
            "title": r.title,
            "title_en": r.title_en,
            "parent": r.parent,
            "level": r.level,
            "weight": r.weight,
            "unit": r.unit,
            "default_severity": r.default_severity,
            "description": r.description,
            "source": dict(r.source) if r.source else None,
            "location": r.location.to_dict(),
        }
    )


def subject_ref(s: Subject) -> dict[str, Any]:
    """A subject as written in the document: ``key`` only when it differs from ``id`` (readers
    default it to ``id``), ``period`` and ``parent`` only when known (format 1.1)."""
    return _drop_none(
        {
            "type": s.type,
            "id": s.id,
            "key": s.key if s.key != s.id else None,
            "name": s.name,
            "period": s.period,
            "parent": s.parent,
        }
    )


def ranked_summary(standings: Sequence[Standing]) -> dict[str, Any]:
    """How many subjects may be ranked, and which may not, with why (findings 1.1)."""
    return {
        "ranked": sum(1 for st in standings if st.ranked),
        "not_ranked": [
            {"subject": st.result.subject.id, "reason": st.reason, "reason_en": st.reason_en}
            for st in standings
            if not st.ranked
        ],
    }


def subject_record(
    s: SubjectResult, st: Standing | None = None, lang: str = DEFAULT_LANG
) -> dict[str, Any]:
    """A subject's total, grade and scores (and its standing) as the document writes them;
    ``grade_reason`` in the run's language ``lang`` (a Chinese run also writes the English one,
    ``grade_reason_en``, as a finding writes ``message_en``)."""
    reason: dict[str, Any] = {"grade_reason": s.grade_reason}
    if language(lang) == "zh" and s.grade_reason is not None and s.grade_reason_zh:
        reason = {"grade_reason": s.grade_reason_zh, "grade_reason_en": s.grade_reason}
    extra: dict[str, Any] = {}
    if st is not None:  # findings 1.1: the weight behind the total, and whether it is ranked
        extra = _drop_none({"earned": st.earned, "scorable": st.scorable})
        extra["ranked"] = st.ranked
        if not st.ranked:
            extra.update(not_ranked_reason=st.reason, not_ranked_reason_en=st.reason_en)
    return {
        "subject": subject_ref(s.subject),
        "total": s.total,
        "max": s.max,
        "grade": s.grade,
        "grade_label": s.grade_label,
        **reason,
        "coverage": s.coverage,
        **extra,
        "complete": s.complete,
        "scores": [
            _drop_none(
                {
                    "rule_id": x.rule_id,
                    "outcome": x.outcome,
                    "points": x.points,
                    "weight": x.weight,
                    "grade": x.grade,
                    "coverage": x.coverage,
                }
            )
            for x in s.scores
        ],
    }


def finding_record(f: Finding) -> dict[str, Any]:
    """A finding as the findings document (and a JSON Lines ``finding`` record) writes it."""
    measurement = _drop_none(
        {
            "value": f.value,
            "unit": f.unit,
            "display": f.display,
            "threshold": dict(f.threshold) if f.threshold else None,
            "points": f.points,
            "weight": f.weight,
            "grade": f.grade,
        }
    )
    d: dict[str, Any] = {
        "fingerprint": f.fingerprint,
        "rule_id": f.rule_id,
        "kind": f.kind,
        "subject": subject_ref(f.subject),
        "outcome": f.outcome,
        "severity": f.severity,
        "message": f.message,
    }
    if f.message_en:
        d["message_en"] = f.message_en
    if f.reason:
        d["reason"] = f.reason
    if f.fields:
        d["fields"] = list(f.fields)
    if f.waiver:
        d["waiver"] = dict(f.waiver)
    if f.review:
        d["review"] = dict(f.review)
    if f.explanation is not None:
        d["explanation"] = explanation_record(f.explanation.data, f.data_locations)
    d["measurement"] = measurement
    d["locations"] = [
        {"role": "rule", **f.location.to_dict()},
        *(dict(x) for x in f.data_locations),
    ]
    return d


def explanation_record(
    e: Explained, data_locations: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """A finding's explanation as the document writes it; each input read carries the report
    line it came from (``source``) when the finding has one."""
    where = {
        str(loc.get("pointer", "")).removeprefix("/values/"): loc
        for loc in data_locations
        if loc.get("role") == "report"
    }
    inputs = []
    for i in e.inputs:
        rec = _drop_none(dict(i))
        loc = where.get(str(i.get("name")))
        if loc is not None:
            rec["source"] = _drop_none(
                {"uri": loc.get("uri"), "line": loc.get("line"), "column": loc.get("column")}
            )
        inputs.append(rec)
    return _drop_none(
        {
            "scorer": e.scorer,
            "inputs": inputs,
            "formulas": [_drop_none(dict(x)) for x in e.formulas],
            "standard": dict(e.standard) if e.standard is not None else None,
            "steps": [dict(s) for s in e.steps],
            "result": dict(e.result),
            "zh": e.zh,
            "en": e.en,
        }
    )


def notification_record(n: Notification) -> dict[str, Any]:
    """A notification as the findings document writes it (``message_zh`` when the message
    has a Chinese version: findings 1.1, optional)."""
    zh = n.message.zh if isinstance(n.message, Bilingual) else None
    return _drop_none(
        {
            "level": n.level,
            "code": n.code,
            "message": str.__str__(n.message),
            "message_zh": zh,
            "subject": n.subject,
        }
    )


def notification_text(n: Notification, lang: str) -> str:
    """``错误：…`` / ``error: …`` — a notification for people, in one language."""
    w = NOTICE[language(lang)]
    return w["line"].format(level=w.get(n.level, n.level), message=in_language(n.message, lang))


def rules_by_id(rules: Sequence[RuleInfo]) -> dict[str, RuleInfo]:
    return {r.id: r for r in rules}
