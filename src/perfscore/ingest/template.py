"""Blank data files to hand out: one column (or key) per input the rule set reads.

``perfscore template RULES -o 填报表.xlsx`` writes a workbook whose header row is what the
ingest reads back — the input's Chinese title, its unit in brackets and ``*`` for a required
input (``全年预算数（万元）*``) — with Excel data validation for inputs that take one of a few
values (tiers and choices as drop-down lists, booleans as 是/否) and for numbers (whole numbers
for integer inputs, the declared ``min``/``max``), a frozen header and a 说明 sheet describing
every column.  ``.csv`` gives the header row alone (UTF-8 with BOM, so Excel shows 中文), and
``.yaml`` a subject record with every input as a commented key.  A series input gets one
column a year with ``years`` (``--years 2022-2024``: ``2022年预算执行率（%）`` ...), which the
ingest reads back as the series.  Output is byte-identical for one rule set and years.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..export.xlsx import new_workbook, workbook_bytes
from ..subjects import InputSpec
from .seriescols import AROUND, element_spec

if TYPE_CHECKING:
    from ..ruleset import RuleSet

__all__ = ["TEMPLATE_FORMATS", "input_headers", "template_bytes", "template_headers"]

TEMPLATE_FORMATS = (".xlsx", ".csv", ".yaml", ".yml")
_META = (("部门编码", "id"), ("部门名称", "name"), ("主管部门", "parent"), ("年度", "year"))
_TYPE_ZH = {
    "number": "数值",
    "money": "金额",
    "percent": "百分比",
    "integer": "整数",
    "boolean": "是/否",
    "text": "文本",
    "series": "分年数值",
}


def _header(spec: InputSpec) -> str:
    title = spec.title or spec.name
    unit = spec.display_unit
    text = f"{title}（{unit}）" if unit else title
    return text + ("*" if spec.required else "")


def _columns(rs: RuleSet, years: Sequence[int]) -> list[tuple[str, InputSpec]]:
    """Each input's columns: one for a value, one a year for a series (``2023年预算执行率（%）``,
    read back by perfscore.ingest.seriescols); a series has none without ``years``."""
    out: list[tuple[str, InputSpec]] = []
    for spec in rs.inputs.values():
        if spec.type != "series":
            out.append((_header(spec), spec))
            continue
        title = spec.title or spec.name
        m = AROUND.match(unicodedata.normalize("NFKC", title).strip())
        base = m.group("b").strip() if m and m.group("b").strip() else title
        unit = spec.display_unit
        for year in years:
            text = f"{year}年{base}" + (f"（{unit}）" if unit else "")
            out.append((text + ("*" if spec.required else ""), spec))
    return out


def input_headers(rs: RuleSet, years: Sequence[int] = ()) -> list[str]:
    """The inputs' headers: one per input, and one a year of ``years`` per series input (none
    without ``years``)."""
    return [h for h, _ in _columns(rs, years)]


def template_headers(rs: RuleSet, years: Sequence[int] = ()) -> list[str]:
    """The header row: subject columns, then :func:`input_headers`."""
    return [h for h, _ in _META] + input_headers(rs, years)


def template_bytes(rs: RuleSet, suffix: str, years: Sequence[int] = ()) -> bytes:
    suffix = suffix.lower()
    if suffix == ".csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(template_headers(rs, years))
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if suffix in (".yaml", ".yml"):
        return _yaml(rs).encode("utf-8")
    if suffix == ".xlsx":
        return _xlsx(rs, years)
    raise ValueError(f"a template is .xlsx, .csv or .yaml, not {suffix!r}")


def _yaml(rs: RuleSet) -> str:
    lines = [
        f"# {rs.title} — 填报模板 (perfscore template {rs.id})",
        "# 每个部门一项；留空表示无数据（不适用），不要填 0 代替。",
        "subjects:",
        "  - id:            # 部门编码",
        "    name:          # 部门名称",
        "    values:",
    ]
    width = max((len(n) for n in rs.inputs), default=0)
    for name, spec in rs.inputs.items():
        lines.append(f"      {name + ':':<{width + 1}}   # {_describe(spec)}")
    return "\n".join(lines) + "\n"


def _describe(spec: InputSpec) -> str:
    parts = [spec.title or spec.name, _TYPE_ZH.get(spec.type, spec.type)]
    if spec.type == "series":
        parts.append("每年一列，列名如 2024年预算执行率；留空表示该年无数据")
    if spec.display_unit:
        parts.append(f"单位 {spec.display_unit}")
    if spec.type == "percent":
        parts.append("填 95 或 95% 表示 95%")
    if spec.choices:
        parts.append("可选 " + " / ".join(spec.choices))
    if spec.min is not None:
        parts.append(f"≥ {spec.min}")
    if spec.max is not None:
        parts.append(f"≤ {spec.max}")
    parts.append("必填" if spec.required else "选填")
    return "，".join(parts)


def _xlsx(rs: RuleSet, years: Sequence[int]) -> bytes:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb, ws = new_workbook("填报")
    columns = _columns(rs, years)
    headers = template_headers(rs, years)
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(1, col)
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever the title says
        cell.font = Font(bold=True, color="C00000" if text.endswith("*") else None)
        ws.column_dimensions[get_column_letter(col)].width = max(12, min(40, len(text) * 2 + 2))
    for k, (_, spec) in enumerate(columns, start=len(_META) + 1):
        letter = get_column_letter(k)
        ws.cell(1, k).comment = Comment(_describe(spec), "perfscore")
        dv = _validation(element_spec(spec) if spec.type == "series" else spec, DataValidation)
        if dv is not None:
            dv.add(f"{letter}2:{letter}10000")
            ws.add_data_validation(dv)
    ws.freeze_panes = "C2"
    about = wb.create_sheet("说明")
    about.append(["列名", "输入项", "类型", "单位", "必填", "可选值", "说明"])
    for cell in about[1]:
        cell.font = Font(bold=True)
    for header, spec in columns:
        about.append(
            [
                header,
                spec.name,
                _TYPE_ZH.get(spec.type, spec.type),
                spec.display_unit or "",
                "是" if spec.required else "否",
                " / ".join(spec.choices or ()),
                _describe(spec),
            ]
        )
    for row in about.iter_rows():
        for text_cell in row:
            text_cell.data_type = "s"
    for letter, width in zip("ABCDEFG", (34, 26, 8, 8, 6, 30, 60), strict=True):
        about.column_dimensions[letter].width = width
    return workbook_bytes(wb)


def _validation(spec: InputSpec, dv_class: Any) -> Any:
    if spec.choices:
        listed = ",".join(spec.choices)
        if len(listed) <= 250:  # Excel's limit for an inline list
            return dv_class(type="list", formula1=f'"{listed}"', allow_blank=True)
        return None
    if spec.type == "boolean":
        return dv_class(type="list", formula1='"是,否"', allow_blank=True)
    if spec.type in ("integer", "number", "money"):
        kind = "whole" if spec.type == "integer" else "decimal"
        low = spec.min if spec.min is not None else Decimal("-1e15")
        high = spec.max if spec.max is not None else Decimal("1e15")
        return dv_class(
            type=kind,
            operator="between",
            formula1=str(low),
            formula2=str(high),
            allow_blank=True,
            error=f"{spec.title or spec.name}：应为{_TYPE_ZH[spec.type]}",
            showErrorMessage=True,
        )
    return None
