"""Findings and the report: the contract other tools consume.

The findings document (``format: perfscore.findings``, ``format_version: 1.1``) is described by
the JSON Schema shipped in ``perfscore/schemas/findings-1.json``.  Within a major version fields
are only ever added; readers must ignore fields they do not know.  Output is deterministic:
no clocks, no random ids — the run id and fingerprints are hashes of what was scored.

The package: :mod:`.results` (the result types), :mod:`.jsontext` (deterministic JSON text),
:mod:`.document` (the findings document and the report).
"""

from __future__ import annotations

from .document import (
    FORMAT,
    FORMAT_VERSION,
    BatchTotals,
    Report,
    document,
    explanation_record,
    finding_record,
    notification_record,
    notification_text,
    ranked_summary,
    rule_record,
    rules_by_id,
    run_id,
    subject_record,
    subject_ref,
)
from .explained import Explained, Explanation
from .jsontext import (
    dumps,
    encode_items,
    write_document,
)
from .results import (
    OUTCOMES,
    SEVERITIES,
    Finding,
    IndicatorScore,
    Notification,
    RuleInfo,
    RuleLocation,
    SubjectResult,
    fingerprint,
    make_texts,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "OUTCOMES",
    "SEVERITIES",
    "BatchTotals",
    "Explained",
    "Explanation",
    "Finding",
    "IndicatorScore",
    "Notification",
    "Report",
    "RuleInfo",
    "RuleLocation",
    "SubjectResult",
    "document",
    "dumps",
    "encode_items",
    "explanation_record",
    "finding_record",
    "fingerprint",
    "make_texts",
    "notification_record",
    "notification_text",
    "ranked_summary",
    "rule_record",
    "rules_by_id",
    "run_id",
    "subject_record",
    "subject_ref",
    "write_document",
]
