"""What the store hands back: runs, stored subjects and findings, and the methodology they
were scored with.  Plain frozen dataclasses; numbers are exact ``Decimal``s."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import PerfscoreError
from ..findings import dumps
from ..subjects import Subject

__all__ = [
    "AddResult",
    "Method",
    "MethodologyError",
    "RunInfo",
    "StoreError",
    "StoredFinding",
    "StoredSubject",
]


class StoreError(PerfscoreError):
    """The store cannot do what was asked (unknown run, no inputs to re-score, bad URL...)."""


class MethodologyError(StoreError):
    """Scores from different rule sets (id, version or file hash) would be put side by side."""

    def __init__(self, methods: list[Method], what: str) -> None:
        self.methods = methods
        listed = "; ".join(str(m) for m in methods)
        super().__init__(
            f"{what} mixes {len(methods)} rule-set versions ({listed}): scores from different "
            "methods are not comparable. Re-score the stored inputs with one rule set "
            "(--rescore RULES), or pick one with --ruleset"
        )


@dataclass(frozen=True, order=True)
class Method:
    """The rule set a score was computed with: its id, version and file hash."""

    id: str
    version: str
    sha256: str

    def __str__(self) -> str:
        return f"{self.id} {self.version} (sha256 {self.sha256[:12]})"

    def matches(self, spec: str) -> bool:
        """``id``, ``id@version`` or a sha256 prefix (at least 6 hex digits)."""
        if "@" in spec:
            i, v = spec.split("@", 1)
            return self.id == i and self.version == v
        hexdigits = len(spec) >= 6 and all(c in "0123456789abcdef" for c in spec.lower())
        return (hexdigits and self.sha256.startswith(spec.lower())) or self.id == spec

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True)
class RunInfo:
    """One ingested findings document (runs are immutable)."""

    number: int
    content_sha256: str
    run_id: str
    method: Method
    tool_version: str
    format_version: str
    complete: bool
    subjects: int
    findings: int
    source: str | None
    ingested_at: str
    periods: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "content_sha256": self.content_sha256,
            "run_id": self.run_id,
            "ruleset": self.method.to_dict(),
            "tool_version": self.tool_version,
            "format_version": self.format_version,
            "complete": self.complete,
            "subjects": self.subjects,
            "findings": self.findings,
            "periods": list(self.periods),
            "source": self.source,
            "ingested_at": self.ingested_at,
        }


@dataclass(frozen=True)
class AddResult:
    """What ``Store.add`` did: ``added`` is False when the same content was already stored."""

    run: RunInfo
    added: bool
    inputs_stored: int = 0


@dataclass(frozen=True)
class StoredFinding:
    rule_id: str
    kind: str
    outcome: str
    severity: str
    fingerprint: str
    points: Decimal | None
    weight: Decimal | None
    grade: str | None
    value: Any
    display: str | None
    message: str
    reason: str | None

    @property
    def open(self) -> bool:
        """A judgement against the subject (outcome ``fail``)."""
        return self.outcome == "fail"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "outcome": self.outcome,
            "severity": self.severity,
            "fingerprint": self.fingerprint,
            "points": self.points,
            "weight": self.weight,
            "grade": self.grade,
            "value": self.value,
            "display": self.display,
            "message": self.message,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class StoredSubject:
    """One subject of one run as stored (or as re-scored from its stored inputs)."""

    run: int
    index: int
    subject: Subject
    method: Method
    total: Decimal | None
    max: Decimal | None
    grade: str | None
    grade_label: str | None
    grade_reason: str | None
    coverage: Decimal | None
    complete: bool
    #: points per group/indicator id, in tree order
    points: Mapping[str, Decimal | None]
    has_record: bool = False
    rescored: bool = False
    findings: tuple[StoredFinding, ...] = field(default=(), compare=False)
    #: ``grade_reason`` in Chinese, where the findings document gave one (schema 3)
    grade_reason_zh: str | None = None

    def to_dict(self) -> dict[str, Any]:
        s = self.subject
        return {
            "run": self.run,
            "key": s.key,
            "id": s.id,
            "name": s.name,
            "type": s.type,
            "period": s.period,
            "parent": s.parent,
            "ruleset": self.method.to_dict(),
            "rescored": self.rescored,
            "total": self.total,
            "max": self.max,
            "grade": self.grade,
            "grade_label": self.grade_label,
            "grade_reason": self.grade_reason,
            "coverage": self.coverage,
            "complete": self.complete,
            "points": dict(self.points),
        }


def _json(x: Any) -> str:
    """Compact, deterministic JSON text of a stored value (exact decimals)."""
    return dumps(x, indent=None)[:-1]


def _load(text: str) -> Any:
    """A stored JSON value back, decimals exact."""
    return json.loads(text, parse_float=Decimal)
