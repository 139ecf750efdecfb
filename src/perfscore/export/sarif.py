"""SARIF 2.1.0 for GitHub code scanning and SARIF viewers.

Findings are about data, not code, so every result points at the committed *rule* in the rule
YAML (line/column, and the JSON pointer as a logical location).  By default only failures
become results: GitHub shows every result as an alert, whatever its ``kind``.  Findings whose
outcome is ``error`` are not judgements about a subject; they are tool-execution notifications
(level ``error``, which marks the run as incomplete, as the findings document's ``complete``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .._version import __version__
from ..findings import Finding, Notification, Report, RuleInfo, RuleLocation, dumps
from ..numbers import json_number
from ..standing import Standing, standings
from ..words import SARIF
from ._registry import EXPORTERS, ExportOptions

__all__ = ["SARIF_SCHEMA", "report_to_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_KIND = {"pass": "pass", "fail": "fail", "not_applicable": "notApplicable"}


def _uri(path: str) -> str:
    """A relative URI reference for a path as given (``\\`` → ``/``, unsafe characters escaped)."""
    return quote(path.replace("\\", "/"), safe="/:@!$&'()*+,;=-._~")


def _text(s: str) -> str:
    return s if s.strip() else "—"  # GitHub rejects empty strings


def _location(loc: RuleLocation, rule: RuleInfo | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(loc.uri), "index": 0}}
    if loc.line is not None:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column is not None:
            region["startColumn"] = loc.column
        region["endLine"] = loc.line  # no endColumn: the region runs to the end of the line
        physical["region"] = region
    out: dict[str, Any] = {"physicalLocation": physical}
    if loc.pointer:
        logical: dict[str, Any] = {"fullyQualifiedName": loc.pointer, "kind": "object"}
        if rule is not None:
            logical["name"] = rule.id
        out["logicalLocations"] = [logical]
    return out


def _subject(f: Finding) -> dict[str, Any]:
    d = {"type": f.subject.type, "id": f.subject.id}
    if f.subject.name:
        d["name"] = f.subject.name
    return d


def _rule(r: RuleInfo) -> dict[str, Any]:
    title = r.title + (f" · {r.title_en}" if r.title_en else "")
    full = r.description or title
    help_lines = [SARIF["zh"]["rule"].format(title=r.title, id=r.id)]
    if r.weight is not None:
        help_lines.append(
            f"{SARIF['zh']['weight']} {SARIF['en']['weight']}: {json_number(r.weight)}"
        )
    if r.description:
        help_lines.append(r.description)
    if r.source:
        for key in ("document", "section", "note"):
            if r.source.get(key):
                help_lines.append(f"{key}: {r.source[key]}")
        if r.source.get("evidence"):
            help_lines.append(f"evidence: {r.source['evidence']}")
    props: dict[str, Any] = {"perfscore/kind": r.kind}
    for key, value in (("parent", r.parent), ("weight", r.weight), ("unit", r.unit)):
        if value is not None:
            props[f"perfscore/{key}"] = value
    props["perfscore/location"] = r.location.to_dict()
    props["tags"] = ["perfscore", r.kind]
    return {
        "id": r.id,
        "name": r.id,
        "shortDescription": {"text": _text(r.title)[:1024]},
        "fullDescription": {"text": _text(full)[:1024]},
        "help": {"text": "\n".join(help_lines)},
        "defaultConfiguration": {"level": r.default_severity},
        "properties": props,
    }


def _measurement(f: Finding) -> dict[str, Any]:
    props: dict[str, Any] = {"perfscore/subject": _subject(f), "perfscore/outcome": f.outcome}
    for key, value in (
        ("value", f.value),
        ("unit", f.unit),
        ("display", f.display),
        ("threshold", dict(f.threshold) if f.threshold else None),
        ("points", f.points),
        ("weight", f.weight),
        ("grade", f.grade),
        ("reason", f.reason),
    ):
        if value is not None:
            props[f"perfscore/{key}"] = value
    if f.fields:
        props["perfscore/fields"] = list(f.fields)
    if f.message_en:
        props["perfscore/messageEn"] = f.message_en
    return props


def _notification(n: Notification) -> dict[str, Any]:
    d: dict[str, Any] = {
        "level": n.level,
        "message": {"text": _text(n.message)},
        "descriptor": {"id": n.code},
    }
    if n.subject:
        d["properties"] = {"perfscore/subject": {"id": n.subject}}
    return d


def _standing(st: Standing) -> dict[str, Any]:
    """A subject's total beside the weight behind it, and whether rankings take it."""
    s = st.result
    d: dict[str, Any] = {"id": s.subject.id, "total": s.total, "earned": st.earned}
    d.update(scorable=st.scorable, max=s.max, coverage=s.coverage, grade=s.grade)
    d["ranked"] = st.ranked
    if not st.ranked:
        d.update(notRankedReason=st.reason, notRankedReasonEn=st.reason_en)
    return {k: v for k, v in d.items() if v is not None}


@EXPORTERS.register(
    "sarif", extensions=(".sarif", ".sarif.json"), description="SARIF 2.1.0 (code scanning)"
)
def report_to_sarif(report: Report, options: ExportOptions) -> bytes:
    listed = [r for r in report.rules if r.kind != "group"]
    index = {r.id: i for i, r in enumerate(listed)}
    by_id = {r.id: r for r in report.rules}
    results: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = [_notification(n) for n in report.notifications]
    for s in report.subjects:
        for f in s.findings:
            rule = by_id.get(f.rule_id)
            if f.outcome == "error":
                note = {
                    "level": "error",
                    "message": {"text": _text(f.message)},
                    "descriptor": {"id": "evaluation-error"},
                    "locations": [_location(f.location, rule)],
                    "properties": _measurement(f),
                }
                if f.rule_id in index:
                    note["associatedRule"] = {"id": f.rule_id, "index": index[f.rule_id]}
                notes.append(note)
                continue
            if f.outcome != "fail" and not options.sarif_all and not f.waiver:
                continue  # failures only by default; waived findings always (as suppressed)
            result: dict[str, Any] = {"ruleId": f.rule_id}
            if f.rule_id in index:
                result["ruleIndex"] = index[f.rule_id]
            result["kind"] = _KIND[f.outcome]
            result["level"] = f.severity if f.outcome == "fail" else "none"
            result["message"] = {"text": _text(f.message)}
            result["locations"] = [_location(f.location, rule)]
            digest = f.fingerprint.removeprefix("sha256:")
            result["partialFingerprints"] = {
                "perfscore/v1": f.fingerprint,
                "primaryLocationLineHash": digest,
            }
            result["properties"] = _measurement(f)
            if f.waiver:
                w = f.waiver
                result["suppressions"] = [
                    {
                        "kind": "external",
                        "status": "accepted",
                        "justification": _text(str(w.get("reason", ""))),
                        "properties": {k: v for k, v in w.items() if k != "reason"},
                    }
                ]
            results.append(result)
        for n in s.notifications:
            notes.append(_notification(n))
    rs = report.ruleset
    artifacts: list[dict[str, Any]] = [
        {
            "location": {"uri": _uri(str(rs.get("uri", "")) or "rules")},
            "roles": ["analysisTarget"],
            "hashes": {"sha-256": str(rs.get("sha256", ""))},
        }
    ]
    for i in report.inputs:
        artifacts.append(
            {
                "location": {"uri": _uri(i["uri"])},
                "roles": ["analysisTarget"],
                "hashes": {"sha-256": i["sha256"]},
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "perfscore",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(r) for r in listed],
            }
        },
        "automationDetails": {"id": f"perfscore/{rs.get('id')}/{report.run_id()}"},
        "invocations": [
            {
                "executionSuccessful": report.complete,
                "toolExecutionNotifications": notes,
            }
        ],
        "artifacts": artifacts,
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "perfscore/ruleset": dict(rs),
            "perfscore/runId": report.run_id(),
            "perfscore/sarifAll": options.sarif_all,
            "perfscore/subjects": [_standing(st) for st in standings(report)],
        },
    }
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return dumps(doc).encode("utf-8")
