"""The two formats that existed before the registry: the terminal table and the JSON document."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import IO

from ..findings import (
    BatchTotals,
    Report,
    document,
    dumps,
    encode_items,
    finding_record,
    subject_record,
    write_document,
)
from ..spans import Piece
from ..standing import Standing
from ..terminal import render_report
from ._registry import EXPORTERS, ExportOptions
from .lean import lean_document, lean_finding, lean_subject


@EXPORTERS.register("table", extensions=(".txt",), description="readable tables (default)")
def table(report: Report, options: ExportOptions) -> bytes:
    buf = io.StringIO()
    render_report(report, buf, lang=options.lang, width=120)
    return buf.getvalue().encode("utf-8")


class JsonShards:
    """The findings document in pieces: a shard's ``subjects`` items, and its ``findings``."""

    sections = 2

    def encode(
        self, head: Report, shard: Sequence[Standing], options: ExportOptions
    ) -> tuple[bytes, ...]:
        if options.lean:  # compact, without the rules' repetitions
            subjects = encode_items(
                (lean_subject(subject_record(st.result, st, options.lang)) for st in shard),
                indent=None,
            )
            findings = encode_items(
                (lean_finding(finding_record(f)) for st in shard for f in st.result.findings),
                indent=None,
            )
        else:
            subjects = encode_items(subject_record(st.result, st, options.lang) for st in shard)
            findings = encode_items(finding_record(f) for st in shard for f in st.result.findings)
        return subjects.encode("utf-8"), findings.encode("utf-8")

    def assemble(
        self,
        head: Report,
        totals: BatchTotals,
        sections: Sequence[Iterable[Piece]],
        options: ExportOptions,
        out: IO[bytes],
    ) -> None:
        doc = document(head, totals, head.notifications, subjects=[], findings=[])
        lists = {"subjects": sections[0], "findings": sections[1]}
        if options.lean:
            doc["run"]["lean"] = True
            write_document(out, doc, lists, indent=None)
        else:
            write_document(out, doc, lists)


@EXPORTERS.register(
    "json", extensions=(".json",), description="the findings document", shards=JsonShards()
)
def json_document(report: Report, options: ExportOptions) -> bytes:
    if options.lean:
        return dumps(lean_document(report.to_dict(lang=options.lang)), indent=None).encode("utf-8")
    return report.to_json(lang=options.lang).encode("utf-8")
