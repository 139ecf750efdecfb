"""CSV: one row per subject × indicator/check, for spreadsheets and pandas.

UTF-8, RFC 4180 (CRLF line ends, quoted as needed).  Excel guesses a legacy code page for a
CSV file without a byte-order mark and garbles 中文, hence ``--bom``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, TextIO

from ..evidence import evidence
from ..findings import BatchTotals, Report, RuleInfo
from ..spans import Piece, write_piece
from ..standing import Standing, measure
from ..textsafe import csv_cell
from ._common import cell_text, explanation, message, number, rule_title
from ._registry import EXPORTERS, ExportOptions

__all__ = ["COLUMNS", "CsvShards", "report_to_csv"]

COLUMNS = (
    "subject_id",
    "subject_name",
    "rule_id",
    "title",
    "kind",
    "outcome",
    "severity",
    "value",
    "display",
    "points",
    "weight",
    "message",
    # the subject's standing, on each of its rows: the total never without the weight behind it
    "subject_total",
    "subject_earned",
    "subject_scorable",
    "subject_max",
    "subject_coverage",
    "subject_grade",
    "subject_ranked",
    # where the figures came from (report lines) and the rule's evidence mark when assumed
    "evidence",
    # the arithmetic behind the points or grade, one sentence (findings 1.1 explanation)
    "explanation",
)


def _rows(out: TextIO, rules: Mapping[str, RuleInfo], shard: Iterable[Standing], lang: str) -> None:
    w = csv.writer(out, lineterminator="\r\n")
    for st in shard:
        s = st.result
        standing = (
            number(s.total),
            number(st.earned),
            number(st.scorable),
            number(s.max),
            number(s.coverage),
            s.grade or "",
            "true" if st.ranked else "false",
        )
        for f in s.findings:
            w.writerow(
                csv_cell(cell)
                for cell in (
                    s.subject.id,
                    s.subject.name or "",
                    f.rule_id,
                    rule_title(rules.get(f.rule_id), lang, f.rule_id),
                    f.kind,
                    f.outcome,
                    f.severity,
                    cell_text(f.value),
                    f.display or "",
                    number(f.points),
                    number(f.weight),
                    message(f, lang),
                    *standing,
                    evidence(f, rules.get(f.rule_id), lang),
                    explanation(f, lang),
                )
            )


def _header(options: ExportOptions) -> str:
    buf = io.StringIO()
    if options.bom:
        buf.write("\ufeff")
    csv.writer(buf, lineterminator="\r\n").writerow(COLUMNS)
    return buf.getvalue()


class CsvShards:
    """CSV in pieces: a shard's rows."""

    sections = 1

    def encode(
        self, head: Report, shard: Sequence[Standing], options: ExportOptions
    ) -> tuple[bytes, ...]:
        buf = io.StringIO()
        _rows(buf, {r.id: r for r in head.rules}, shard, options.lang)
        return (buf.getvalue().encode("utf-8"),)

    def assemble(
        self,
        head: Report,
        totals: BatchTotals,
        sections: Sequence[Iterable[Piece]],
        options: ExportOptions,
        out: IO[bytes],
    ) -> None:
        out.write(_header(options).encode("utf-8"))
        for piece in sections[0]:
            write_piece(out, piece)


@EXPORTERS.register(
    "csv", extensions=(".csv",), description="one row per subject × rule", shards=CsvShards()
)
def report_to_csv(report: Report, options: ExportOptions) -> bytes:
    buf = io.StringIO()
    buf.write(_header(options))
    of = measure(report.rules)
    _rows(buf, {r.id: r for r in report.rules}, (of(s) for s in report.subjects), options.lang)
    return buf.getvalue().encode("utf-8")
