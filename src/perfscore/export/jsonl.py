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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Any

from .._version import __version__
from ..findings import (
    FORMAT_VERSION,
    BatchTotals,
    Notification,
    Report,
    RuleInfo,
    SubjectResult,
    dumps,
    finding_record,
    notification_record,
    rule_record,
    subject_record,
)
from ..findings.jsontext import SpooledItems, write_document
from ..spans import Piece, write_piece
from ..standing import Standing, measure
from ..words import DEFAULT_LANG
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
    """Write records as subjects are scored; keeps only counters, never the results.

    With ``header=False`` the ``run`` line is not written: a worker of ``--jobs`` encodes its
    shard's subject lines this way, and the parent's writer takes them with :meth:`pieces`."""

    def __init__(
        self,
        out: IO[bytes],
        ruleset: Mapping[str, Any],
        rules: Sequence[RuleInfo],
        inputs: Sequence[Mapping[str, str]] = (),
        *,
        waivers: Mapping[str, str] | None = None,
        header: bool = True,
        lean: bool = False,
        lang: str = DEFAULT_LANG,
    ) -> None:
        self._out = out
        self._lean = lean
        self._lang = lang  # the language of a subject's grade_reason
        self.run_id = stream_run_id(str(ruleset.get("sha256", "")), inputs)
        self.totals = BatchTotals(keep=False)  # counters only: a stream of any length
        self._complete = True  # no error notification of the run's own
        self._rules = rules
        self._standing: Callable[[SubjectResult], Standing] | None = None
        if header:
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

    def subject(self, s: SubjectResult, st: Standing | None = None) -> None:
        """Write ``s``'s lines (``st``: its standing, when the caller has it already)."""
        if st is None:
            if self._standing is None:
                self._standing = measure(self._rules)
            st = self._standing(s)
        self.totals.add(s, st)
        if self._lean:
            self._write("subject", lean_subject(subject_record(s, st, self._lang)))
            for f in s.findings:
                self._write("finding", lean_finding(finding_record(f)))
        else:
            self._write("subject", subject_record(s, st, self._lang))
            for f in s.findings:
                self._write("finding", finding_record(f))
        for n in s.notifications:
            self._write("notification", notification_record(n))

    def pieces(self, data: Iterable[Piece], totals: BatchTotals) -> None:
        """Copy subject lines a ``header=False`` writer wrote, with that writer's totals."""
        for chunk in data:
            write_piece(self._out, chunk)
        self.totals.merge(totals)

    def notification(self, n: Notification) -> None:
        if n.level == "error":
            self._complete = False
        self._write("notification", notification_record(n))

    def finish(self) -> dict[str, Any]:
        """Write the summary line (same fields as the document's ``summary``) and return it
        (its ``not_ranked``: the first 100 of them; the line lists every one, written from
        the temporary file that holds them past 100)."""
        summary = self.totals.stream_summary(self._complete and self.totals.complete)
        spool = self.totals.not_ranked
        if isinstance(spool, SpooledItems) and spool.spilled:
            head = {"record": "summary", "format_version": FORMAT_VERSION, "run_id": self.run_id}
            write_document(
                self._out, {**head, **summary}, {"not_ranked": spool.pieces()}, indent=None
            )
            spool.close()
        else:
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
    lang: str = DEFAULT_LANG,
) -> dict[str, Any]:
    """The one JSON Lines loop: the run record, each subject's lines as soon as ``results``
    yields it (so a generator streams a batch in bounded memory), ``notifications``, then the
    summary, which is returned (``lang``: the language of each subject's ``grade_reason``)."""
    writer = JsonlWriter(out, ruleset, rules, inputs, waivers=waivers, lean=lean, lang=lang)
    for s in results:
        writer.subject(s)
    for n in notifications:
        writer.notification(n)
    return writer.finish()


class JsonlShards:
    """JSON Lines in pieces: a shard's subject, finding and notification lines."""

    sections = 1

    def encode(
        self, head: Report, shard: Sequence[Standing], options: ExportOptions
    ) -> tuple[bytes, ...]:
        buf = io.BytesIO()
        writer = JsonlWriter(
            buf,
            head.ruleset,
            head.rules,
            head.inputs,
            waivers=head.waivers,
            header=False,
            lean=options.lean,
            lang=options.lang,
        )
        for st in shard:
            writer.subject(st.result, st)
        return (buf.getvalue(),)

    def assemble(
        self,
        head: Report,
        totals: BatchTotals,
        sections: Sequence[Iterable[Piece]],
        options: ExportOptions,
        out: IO[bytes],
    ) -> None:
        writer = JsonlWriter(
            out,
            head.ruleset,
            head.rules,
            head.inputs,
            waivers=head.waivers,
            lean=options.lean,
            lang=options.lang,
        )
        writer.pieces(sections[0], totals)
        for n in head.notifications:
            writer.notification(n)
        writer.finish()


@EXPORTERS.register(
    "jsonl",
    extensions=(".jsonl",),
    description="JSON Lines: run, findings, summary",
    shards=JsonlShards(),
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
        lang=options.lang,
    )
    return buf.getvalue()
