"""The 复核问题清单 workbook (xlsx; needs the ``excel`` extra: ``pip install 'perfscore[excel]'``).

Sheets: 复核问题清单 (one row per issue, P0 first: 等级 · 复核维度 · 对象 · 位置 · 复核发现 ·
事实及判定 · 处理建议 · 核验依据; a subject with no issue gets one 通过 row), 汇总 (subjects,
mean |偏离度|, counts by level, the most-inflated indicators, one line per subject) and, when a
sample was drawn, 抽查样本 with its statement of coverage.

Deterministic bytes: the document properties are pinned and the zip entries are rewritten with
a fixed timestamp, so the same review gives the same file.  Cell text is made safe for Excel:
text starting with ``= + - @``, a tab or a carriage return gets a leading ``'`` (so it is never
read as a formula), and characters XML cannot hold are removed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import words
from ..errors import ExportError
from ..export.xlsx import new_workbook, workbook_bytes
from ..textsafe import xlsx_cell
from .levels import DIMENSIONS, LEVEL_LABELS, LEVELS

if TYPE_CHECKING:
    from .result import Review

__all__ = ["COLUMNS", "review_workbook", "safe_cell"]

COLUMNS = words.REVIEW_COLUMNS["zh"]


def safe_cell(value: Any) -> Any:
    """A value as it may be written to a cell: numbers as numbers, text defused."""
    if value is None or isinstance(value, (bool, int, Decimal)):
        return value
    return xlsx_cell(str(value))  # the one xlsx sanitiser (perfscore.textsafe)


def _subject_label(sid: str, name: str | None) -> str:
    return f"{name}（{sid}）" if name else sid


def review_workbook(rv: Review) -> bytes:
    """The workbook as bytes."""
    try:
        from openpyxl.styles import Alignment, Font, PatternFill
    except ImportError as e:
        raise ExportError(
            "the 复核问题清单 workbook needs openpyxl: pip install 'perfscore[excel]'"
        ) from e
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    fills = {
        "P0": PatternFill("solid", fgColor="F4B6B6"),
        "P1": PatternFill("solid", fgColor="FAD7A0"),
        "P2": PatternFill("solid", fgColor="FCF3CF"),
    }
    wb, ws = new_workbook("复核问题清单")
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = bold
    flagged: set[str] = set()
    for s, it in rv.issues():
        flagged.add(s.subject.id)
        ws.append(
            [
                safe_cell(v)
                for v in (
                    LEVEL_LABELS[it.level],
                    DIMENSIONS.get(it.dimension, it.dimension),
                    _subject_label(s.subject.id, s.subject.name),
                    it.location,
                    it.finding,
                    it.facts,
                    it.advice,
                    it.basis,
                )
            ]
        )
        ws.cell(ws.max_row, 1).fill = fills[it.level]
    for s in rv.report.subjects:
        if s.subject.id in flagged:
            continue
        n = sum(1 for it in rv.items.get(s.subject.id, ()) if it.outcome == "pass")
        ws.append(
            [
                safe_cell(v)
                for v in (
                    LEVEL_LABELS["pass"],
                    "—",
                    _subject_label(s.subject.id, s.subject.name),
                    "全部",
                    "复核通过",
                    f"{n} 项复核均通过",
                    "",
                    rv.ruleset.title,
                )
            ]
        )
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:H{max(ws.max_row, 1)}"
    for col, width in zip("ABCDEFGH", (6, 12, 30, 26, 30, 60, 40, 40), strict=True):
        ws.column_dimensions[col].width = width

    _summary_sheet(wb.create_sheet("汇总"), rv, bold)
    if rv.sample is not None:
        _sample_sheet(wb.create_sheet("抽查样本"), rv, bold, wrap)
    return workbook_bytes(wb)


def _summary_sheet(ws: Any, rv: Review, bold: Any) -> None:
    summary = rv.summary()
    counts = summary["by_level"]
    ws.append(["复核汇总"])
    from openpyxl.styles import Font

    ws["A1"].font = Font(bold=True, size=13)
    ws.append(
        ["评分规则集", safe_cell(f"{rv.ruleset.title}（{rv.ruleset.id} {rv.ruleset.version}）")]
    )
    ws.append(["复核规则集", safe_cell(f"{rv.rules.title}（{rv.rules.id} {rv.rules.version}）")])
    ws.append(["复核对象数", summary["subjects"]])
    ws.append(["填报了自评的对象", summary["declared"]])
    ws.append(["未填报自评的对象", summary["nothing_declared"]])
    ws.append(["自评得分平均 |偏离度|", summary["mean_abs_deviation"]])
    if summary["mean_abs_deviation"] is not None:
        ws.cell(ws.max_row, 2).number_format = "0.00%"
    ws.append(["计入平均的对象数", summary["deviations_counted"]])
    for level in LEVELS:
        ws.append([f"{LEVEL_LABELS[level]} 项数", counts[level]])
    ws.append(["不适用项数", counts.get("not_applicable", 0)])
    ws.append([])
    ws.append(["自评高估最多的指标", "指标", "高估对象数", "高估分数合计", "最大偏离度"])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for e in summary["most_inflated"]:
        ws.append(
            [
                safe_cell(e["title"]),
                e["indicator"],
                e["subjects"],
                e["excess"],
                e.get("max_deviation"),
            ]
        )
        ws.cell(ws.max_row, 5).number_format = "0.00%"
    ws.append([])
    ws.append(
        [
            "对象",
            "名称",
            "自评得分",
            "复核得分",
            "偏离度",
            "自评等级",
            "复核等级",
            "最严重等级",
            "P0",
            "P1",
            "P2",
        ]
    )
    for cell in ws[ws.max_row]:
        cell.font = bold
    for s in rv.report.subjects:
        items = rv.items.get(s.subject.id, ())
        declared = rv.declared.get(s.subject.id)
        total_row = next((it for it in items if it.rule_id == "claim__total"), None)
        worst = next((lv for lv in LEVELS if any(it.level == lv for it in items)), "pass")
        ws.append(
            [
                safe_cell(s.subject.id),
                safe_cell(s.subject.name or ""),
                declared.total if declared is not None else None,
                s.total,
                total_row.deviation if total_row is not None else None,
                safe_cell(declared.grade if declared is not None and declared.grade else ""),
                safe_cell(s.grade_label or s.grade or ""),
                LEVEL_LABELS[worst],
                *(sum(1 for it in items if it.level == lv) for lv in ("P0", "P1", "P2")),
            ]
        )
        ws.cell(ws.max_row, 5).number_format = "0.00%"
    for col, width in zip("ABCDEFGHIJK", (28, 36, 10, 10, 10, 10, 10, 10, 6, 6, 6), strict=True):
        ws.column_dimensions[col].width = width


def _sample_sheet(ws: Any, rv: Review, bold: Any, wrap: Any) -> None:
    sample = rv.sample
    ws.append(["序号", "对象", "名称", "最严重等级", "抽取理由"])
    for cell in ws[1]:
        cell.font = bold
    for e in sample.entries:
        ws.append(
            [
                e.rank,
                safe_cell(e.subject_id),
                safe_cell(e.name or ""),
                LEVEL_LABELS[e.worst],
                safe_cell("；".join(e.reasons)),
            ]
        )
    ws.append([])
    ws.append(["样本说明"])
    ws.cell(ws.max_row, 1).font = bold
    for line in sample.statement:
        ws.append([safe_cell(line)])
    for col, width in zip("ABCDE", (6, 28, 36, 10, 60), strict=True):
        ws.column_dimensions[col].width = width
