"""JSON Lines: the findings document as one self-contained record per line, streamable.

Line 1 is ``{"record": "run", ...}`` (run metadata and every rule); then per subject a
``subject`` record (total, grade, scores), one ``finding`` record per rule and its
``notification`` records; the last line is the ``summary`` — its presence means the stream is
complete.  Every record carries ``format_version`` and ``run_id``.

The run id of a stream is ``sha256(rule-set sha256 + each input's sha256)`` (32 hex digits):
unlike the findings document's id it cannot include the subject ids, which are only known once
the whole batch has been read.  :func:`report_to_jsonl` uses the same id, so streaming a batch
and exporting its :class:`Report` give byte-identical output.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from .._version import __version__
from ..findings import (
    FORMAT_VERSION,
    Notification,
    Report,
    RuleInfo,
    SubjectResult,
    dumps,
    finding_record,
    notification_record,
    ranked_summary,
    rule_record,
    subject_record,
)
from ..standing import Standing, measure
from ._registry import EXPORTERS, ExportOptions
from .lean import lean_finding, lean_subject

__all__ = ["JsonlWriter", "report_to_jsonl", "stream_run_id", "write_jsonl"]

RECORD_FORMAT = "perfscore.findings.jsonl"


def stream_run_id(ruleset_sha256: str, inputs: Sequence[Mapping[str, str]]) -> str:
    """Run id from what is known before scoring starts: the rule set's and inputs' hashes."""
    h = hashlib.sha256()
    h.update(ruleset_sha256.encode())
    for i in inputs:
        h.update(i.get("sha256", "").encode())
    return h.hexdigest()[:32]


class JsonlWriter:
    """Write records as subjects are scored; keeps only counters, never the results."""

    def __init__(
        self,
        out: IO[bytes],
        ruleset: Mapping[str, Any],
        rules: Sequence[RuleInfo],
        inputs: Sequence[Mapping[str, str]] = (),
        *,
        waivers: Mapping[str, str] | None = None,
        lean: bool = False,
    ) -> None:
        self._out = out
        self._lean = lean
        self.run_id = stream_run_id(str(ruleset.get("sha256", "")), inputs)
        self._counts = {k: 0 for k in ("pass", "fail", "not_applicable", "error")}
        self._severity = {k: 0 for k in ("error", "warning", "note")}
        self._subjects = 0
        self._complete = True
        self._single: dict[str, Any] = {}
        self._standing = measure(rules)
        self._standings: list[Standing] = []  # only the subjects that are not ranked
        self._ranked = 0
        self._write(
            "run",
            {
                "format": RECORD_FORMAT,
                "tool": {"name": "perfscore", "version": __version__},
                "ruleset": dict(ruleset),
                "inputs": [dict(i) for i in inputs],
                **({"waivers": dict(waivers)} if waivers else {}),
                **({"lean": True} if lean else {}),
                "rules": [rule_record(r) for r in rules],
            },
        )

    def _write(self, record: str, body: Mapping[str, Any]) -> None:
        head = {"record": record, "format_version": FORMAT_VERSION, "run_id": self.run_id}
        self._out.write(dumps({**head, **body}, indent=None).encode("utf-8"))

    def subject(self, s: SubjectResult) -> None:
        self._subjects += 1
        if self._subjects == 1:
            self._single = {
                "total": s.total,
                "max": s.max,
                "grade": s.grade,
                "grade_label": s.grade_label,
            }
        st = self._standing(s)
        if st.ranked:
            self._ranked += 1
        else:
            self._standings.append(st)
        lean = self._lean
        rec = subject_record(s, st)
        self._write("subject", lean_subject(rec) if lean else rec)
        for f in s.findings:
            self._counts[f.outcome] += 1
            if f.severity in self._severity:
                self._severity[f.severity] += 1
            if f.outcome == "error":
                self._complete = False
            rec = finding_record(f)
            self._write("finding", lean_finding(rec) if lean else rec)
        for n in s.notifications:
            self.notification(n)

    def notification(self, n: Notification) -> None:
        if n.level == "error":
            self._complete = False
        self._write("notification", notification_record(n))

    def finish(self) -> dict[str, Any]:
        """Write the summary line (same fields as the document's ``summary``) and return it."""
        summary: dict[str, Any] = {
            "complete": self._complete,
            "subjects": self._subjects,
            "evaluated": sum(self._counts.values()),
            **self._counts,
            "by_severity": dict(self._severity),
        }
        if self._subjects == 1:
            summary.update(self._single)
        summary.update(ranked_summary(self._standings), ranked=self._ranked)
        self._write("summary", summary)
        return summary


def write_jsonl(
    out: IO[bytes],
    ruleset: Mapping[str, Any],
    rules: Sequence[RuleInfo],
    results: Iterable[SubjectResult],
    inputs: Sequence[Mapping[str, str]] = (),
    *,
    waivers: Mapping[str, str] | None = None,
    notifications: Iterable[Notification] = (),
    lean: bool = False,
) -> dict[str, Any]:
    """The one JSON Lines loop: the run record, each subject's lines as soon as ``results``
    yields it (so a generator streams a batch in bounded memory), ``notifications``, then the
    summary, which is returned."""
    writer = JsonlWriter(out, ruleset, rules, inputs, waivers=waivers, lean=lean)
    for s in results:
        writer.subject(s)
    for n in notifications:
        writer.notification(n)
    return writer.finish()


@EXPORTERS.register(
    "jsonl", extensions=(".jsonl",), description="JSON Lines: run, findings, summary"
)
def report_to_jsonl(report: Report, options: ExportOptions) -> bytes:
    buf = io.BytesIO()
    write_jsonl(
        buf,
        report.ruleset,
        report.rules,
        report.subjects,
        report.inputs,
        waivers=report.waivers,
        notifications=report.notifications,
        lean=options.lean,
    )
    return buf.getvalue()
