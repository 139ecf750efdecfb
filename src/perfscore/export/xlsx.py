"""Excel workbook (needs the ``excel`` extra: ``pip install 'perfscore[excel]'``).

A summary sheet (graded subjects ranked by total, then the subjects without a grade, apart,
with the reason; every total beside what was earned out of what could be scored) and a detail
sheet per subject with the indicator tree.  Numbers are written as numbers (exact decimals),
so analysts can sum and sort.  The workbook's document properties are pinned so the same
report gives the same cells.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..errors import ExportError
from ..evidence import evidence
from ..findings import Finding, Report, RuleInfo, SubjectResult
from ..standing import rank
from ..textsafe import sheet_title, xlsx_cell
from ..words import EVIDENCE, LANGS, XLSX_DETAIL, XLSX_SHEET, XLSX_SUMMARY, language
from ._common import OUTCOME_LABELS, explanation, message, rule_title
from ._registry import EXPORTERS, ExportOptions

__all__ = ["new_workbook", "pin_workbook", "report_to_xlsx", "workbook_bytes"]

_EPOCH = datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def new_workbook(title: str) -> tuple[Any, Any]:
    """A new openpyxl workbook whose document properties hold no clock reading (creator
    perfscore, created and modified 2000-01-01), and its first sheet, titled ``title``: every
    workbook perfscore writes starts here (a report, the 复核问题清单, a blank data template)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.creator = "perfscore"
    wb.properties.created = _EPOCH
    wb.properties.modified = _EPOCH
    ws = wb.active
    assert ws is not None
    ws.title = title
    return wb, ws


def workbook_bytes(wb: Any) -> bytes:
    """``wb`` saved, with every clock reading fixed (:func:`pin_workbook`): the same content
    gives the same bytes."""
    buf = io.BytesIO()
    wb.save(buf)
    return pin_workbook(buf.getvalue())


def pin_workbook(data: bytes) -> bytes:
    """The same workbook with every clock reading fixed, so the same report gives the same
    bytes: openpyxl stamps the zip entries and ``dcterms:modified`` with the time of saving."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            pinned.compress_type = zipfile.ZIP_DEFLATED
            pinned.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", body)
            dst.writestr(pinned, body)
    return out.getvalue()


_HEAD: dict[str, dict[str, Any]] = {
    lang: {
        "summary": XLSX_SUMMARY[lang],
        "detail": XLSX_DETAIL[lang],
        "sheet": XLSX_SHEET[lang]["summary"],
    }
    for lang in LANGS
}


def _append(ws: Any, cells: list[Any]) -> None:
    """Append a row; text cells made safe (never a formula, nothing XML cannot carry),
    numbers stay numbers."""
    ws.append([xlsx_cell(c) if isinstance(c, str) else c for c in cells])


def _sheet_name(s: SubjectResult, used: set[str]) -> str:
    base = sheet_title(s.subject.id, "subject")
    name, n = base, 2
    while name.lower() in used:
        suffix = f"~{n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _num(x: Decimal | None) -> Any:
    return x  # openpyxl writes Decimal as a number; None leaves the cell empty


def _with_evidence(text: str, f: Finding, rule: RuleInfo | None, lang: str) -> str:
    """The message, then where its figures came from and the rule's evidence mark."""
    ev = evidence(f, rule, lang)
    return text + EVIDENCE[language(lang)]["paren"].format(text=ev) if ev else text


@EXPORTERS.register(
    "xlsx",
    extensions=(".xlsx",),
    description="Excel workbook (needs perfscore[excel])",
    binary=True,
    requires="openpyxl",
    extra="excel",
)
def report_to_xlsx(report: Report, options: ExportOptions) -> bytes:
    try:
        from openpyxl.styles import Alignment, Font
    except ImportError as e:  # pragma: no cover - checked by Format.check first
        raise ExportError("Excel output needs openpyxl: pip install 'perfscore[excel]'") from e
    lang = options.lang if options.lang in _HEAD else "zh"
    head = _HEAD[lang]
    labels = OUTCOME_LABELS[lang]
    bold = Font(bold=True)
    rules = {r.id: r for r in report.rules}

    wb, ws = new_workbook(head["sheet"])
    _append(ws, list(head["summary"]))
    for cell in ws[1]:
        cell.font = bold
    ranking = rank(report)
    listed = [*ranking.ranked, *((None, st) for st in ranking.unranked)]
    for n, st in listed:
        s = st.result
        _append(
            ws,
            [
                n,
                s.subject.id,
                s.subject.name or "",
                _num(s.total),
                _num(st.earned),
                _num(st.scorable),
                _num(s.max),
                _num(s.coverage),
                s.grade_label or s.grade or "",
                st.why(lang) or "",
            ],
        )
        ws.cell(ws.max_row, 8).number_format = "0.00%"
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJ", (6, 28, 40, 10, 10, 10, 10, 16, 10, 60), strict=True):
        ws.column_dimensions[col].width = width

    used = {head["sheet"].lower()}
    for s in report.subjects:
        d = wb.create_sheet(_sheet_name(s, used))
        _append(d, [s.subject.name or s.subject.id])
        d["A1"].font = Font(bold=True, size=13)
        _append(d, list(head["detail"]))
        for cell in d[2]:
            cell.font = bold
        findings = {f.rule_id: f for f in s.findings}
        for score in s.scores:
            rule = rules.get(score.rule_id)
            f = findings.get(score.rule_id)
            level = (rule.level or 1) if rule else 1
            _append(
                d,
                [
                    rule_title(rule, lang, score.rule_id),
                    score.rule_id,
                    rule.kind if rule else "",
                    _num(score.points),
                    _num(score.weight),
                    labels.get(score.outcome, score.outcome),
                    (f.display or "") if f else "",
                    _with_evidence(message(f, lang), f, rule, lang) if f else "",
                    explanation(f, lang),
                ],
            )
            row = d.max_row
            d.cell(row, 1).alignment = Alignment(indent=level - 1)
            if rule is not None and rule.kind == "group":
                d.cell(row, 1).font = bold
        for f in s.findings:
            if f.kind not in ("check", "review"):
                continue
            _append(
                d,
                [
                    rule_title(rules.get(f.rule_id), lang, f.rule_id),
                    f.rule_id,
                    "check",
                    None,
                    None,
                    labels.get(f.outcome, f.outcome),
                    f.display or "",
                    _with_evidence(message(f, lang), f, rules.get(f.rule_id), lang),
                    explanation(f, lang),
                ],
            )
        d.freeze_panes = "A3"
        for col, width in zip("ABCDEFGHI", (34, 26, 10, 8, 8, 8, 14, 80, 80), strict=True):
            d.column_dimensions[col].width = width
    return workbook_bytes(wb)
