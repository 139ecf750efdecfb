"""The methodology guard every analysis shares: results side by side must have been scored with
one rule set (id, version, file hash) — or be re-scored from their stored inputs with one
(``rescore=``)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..findings import SubjectResult
from ..ruleset import RuleSet, load_ruleset
from ._model import Method, MethodologyError, StoredFinding, StoredSubject, StoreError, _json, _load

if TYPE_CHECKING:
    from ._store import Store


Rescore = RuleSet | str | os.PathLike[str] | None


def _ruleset(rescore: Rescore) -> RuleSet | None:
    if rescore is None or isinstance(rescore, RuleSet):
        return rescore
    return load_ruleset(rescore)


def _method(rs: RuleSet) -> Method:
    return Method(rs.id, rs.version, rs.sha256)


def _made_with(method: Method | None, rescored: bool) -> dict[str, Any]:
    """What every analysis document says about how it was made: the one rule set its results
    were scored with, whether they were re-scored for it, and this perfscore's version."""
    return {
        "ruleset": method.to_dict() if method else None,
        "rescored": rescored,
        "perfscore": __version__,
    }


def _rescored(store: Store, rows: Sequence[StoredSubject], rs: RuleSet) -> list[StoredSubject]:
    """Score the stored input records again with ``rs`` (one method for every row)."""
    records = store.records(rows)
    missing = [r for r, rec in zip(rows, records, strict=True) if rec is None]
    if missing:
        listed = ", ".join(
            f"{r.subject.key} {r.subject.period if r.subject.period is not None else '—'} "
            f"(run {r.run})"
            for r in missing[:5]
        )
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise StoreError(
            f"cannot re-score: no stored inputs for {listed}{more}. Runs recorded with "
            "`perfscore score --store`, or added with their data files, keep their inputs"
        )
    method = _method(rs)
    out = []
    for row, rec in zip(rows, records, strict=True):
        assert rec is not None
        result = rs.evaluate_subject(rec, index=row.index)
        out.append(_from_result(row, result, method))
    return out


def _from_result(row: StoredSubject, r: SubjectResult, method: Method) -> StoredSubject:
    findings = tuple(
        StoredFinding(
            rule_id=f.rule_id,
            kind=f.kind,
            outcome=f.outcome,
            severity=f.severity,
            fingerprint=f.fingerprint,
            points=f.points,
            weight=f.weight,
            grade=f.grade,
            value=None if f.value is None else _load(_json(f.value)),
            display=f.display,
            message=f.message,
            reason=f.reason,
        )
        for f in r.findings
    )
    return replace(
        row,
        method=method,
        total=r.total,
        max=r.max,
        grade=r.grade,
        grade_label=r.grade_label,
        grade_reason=r.grade_reason,
        grade_reason_zh=r.grade_reason_zh if r.grade_reason_zh != r.grade_reason else None,
        coverage=r.coverage,
        complete=r.complete,
        points={s.rule_id: s.points for s in r.scores},
        rescored=True,
        findings=findings,
    )


def _one_method(rows: Sequence[StoredSubject], what: str) -> Method | None:
    methods = sorted({r.method for r in rows})
    if len(methods) > 1:
        raise MethodologyError(methods, what)
    return methods[0] if methods else None


def _rules(store: Store, rows: Sequence[StoredSubject], rs: RuleSet | None) -> list[dict[str, Any]]:
    if rs is not None:
        return [
            {"id": r.id, "kind": r.kind, "title": r.title, "weight": r.weight, "level": r.level}
            for r in rs.rules
        ]
    if not rows:
        return []
    latest = max(r.run for r in rows)
    return [
        {k: x.get(k) for k in ("id", "kind", "title", "weight", "level")}
        for x in store.rules(latest)
    ]


def _tree_order(rules: Sequence[Mapping[str, Any]], points: Sequence[str]) -> list[str]:
    """Indicator ids in the order scores list them (parents first), then any others."""
    known = {str(r["id"]) for r in rules if r.get("kind") != "check"}
    seen = [p for p in points if p in known]
    return seen + sorted(known - set(seen))
