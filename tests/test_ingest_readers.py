"""ingest/readers: where a header ends — a second header line is never scored as a department,
even when the rule set recognises none of its cells (generated workbooks, openpyxl)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import perfscore
from perfscore import load_subjects

ROOT = Path(__file__).resolve().parent.parent

# (group title over it, column header); 基本信息 columns are merged down over both lines
COLS = [
    ("基本信息", "部门编码"),
    ("基本信息", "部门名称"),
    ("预算执行情况", "全年预算数（万元）"),
    ("预算执行情况", "执行数(元)"),
    ("人员", "在职人员数（人）"),
    ("人员", "编制数（人）"),
]
ROWS = [
    ["BM001", "财政局", 100, 950000, 8, 10],
    ["BM002", "教育局", 200, 1990000, 12, 12],
]


def _two_line_header_book(path: Path) -> Path:
    """Two title rows, a header line merged across (groups) and down (基本信息), a second line."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2023年度部门整体支出绩效自评汇总表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLS))
    ws.append(["填报单位：某区财政局", None, None, None, "金额单位：见各列"])
    line3: list[object] = []
    line4: list[object] = []
    for i, (group, header) in enumerate(COLS):
        if group == "基本信息":
            line3.append(header)
            line4.append(None)
        else:
            line3.append(group if COLS[i - 1][0] != group else None)
            line4.append(header)
    ws.append(line3)
    ws.append(line4)
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:D3")
    ws.merge_cells("E3:F3")
    for row in ROWS:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("rules", ["cn-dept-sichuan-dazhou", "cn-dept-overall"])
def test_a_second_header_line_is_not_a_department(rules: str, tmp_path: Path) -> None:
    """cn-dept-sichuan-dazhou knows none of the second line's headers (only 部门编码/部门名称
    above): that line was scored as a department 'row-4'."""
    rs = perfscore.load_ruleset(ROOT / "rules" / f"{rules}.yaml")
    path = _two_line_header_book(tmp_path / "book.xlsx")
    batch = load_subjects(path, rs)
    assert [r.get("id") for r in batch.records] == ["BM001", "BM002"]
    report = rs.evaluate(batch)
    assert [s.subject.id for s in report.subjects] == ["BM001", "BM002"]
    unmapped = " ".join(n.message for n in report.notifications if n.code == "unmapped-column")
    if rules == "cn-dept-sichuan-dazhou":  # not silent: the headers it does not know are named
        assert "全年预算数（万元）" in unmapped and "编制数（人）" in unmapped
    else:
        assert "全年预算数" not in unmapped


def test_the_second_line_s_headers_are_the_columns(tmp_path: Path) -> None:
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    batch = load_subjects(_two_line_header_book(tmp_path / "book.xlsx"), rs)
    values = batch.records[0]["values"]
    assert (values["budget"], values["executed"], values["staff_actual"]) == (100, 95, 8)


def test_a_unit_line_under_the_header_is_part_of_it(tmp_path: Path) -> None:
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["部门整体支出绩效自评表"])
    ws.append(["部门名称", "全年预算数", "执行数"])
    ws.append([None, "万元", "元"])
    ws.append(["财政局", 100, 950000])
    wb.save(tmp_path / "units.xlsx")
    batch = load_subjects(tmp_path / "units.xlsx", rs)
    assert [r.get("name") for r in batch.records] == ["财政局"]
    assert batch.records[0]["values"]["executed"] == 95  # 元 → 万元


def test_a_department_written_in_text_only_under_the_header_is_still_scored(
    tmp_path: Path,
) -> None:
    """Its id/name sit in a column the rule set knows: never taken for a header line."""
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["部门名称", "全年预算数（万元）", "执行数（万元）"])
    ws.append(["财政局", "待核实", "待核实"])
    ws.append(["教育局", 100, 95])
    wb.save(tmp_path / "text.xlsx")
    report = rs.evaluate(load_subjects(tmp_path / "text.xlsx", rs))
    assert [s.subject.id for s in report.subjects] == ["财政局", "教育局"]


LEVEL_RULES = """\
perfscore: 1
id: unit_level
title: 单位层级列的值恰是表头词
version: "1"
inputs:
  unit_level: {type: text, title: 单位层级, choices: [主管部门, 二级单位, 部门名称]}
  budget:     {type: money, unit: 万元, title: 全年预算数, required: true}
  executed:   {type: money, unit: 万元, title: 全年执行数, required: true}
indicators:
  - {id: rate, title: 预算执行率, weight: 100, value: executed / budget,
     scorer: {type: threshold, op: ">=", target: 0.95}}
"""


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("word", ["主管部门", "部门名称"])
@pytest.mark.parametrize("first", [True, False])
def test_a_row_whose_text_is_a_header_word_is_a_department(
    tmp_path: Path, suffix: str, word: str, first: bool
) -> None:
    """A 单位层级 written 主管部门 (a metadata word) in the first row under the header: that row
    was taken for a second header line in a CSV (all its cells are text), the department lost
    and every other one an error (rev13's repro)."""
    rs = perfscore.load_ruleset_text(LEVEL_RULES)
    head = ["部门编码", "单位名称", "主管部门", "单位层级", "全年预算数", "全年执行数"]
    rows = [
        ["D01", "省教育厅", "", word, "100", "95"],
        ["D01-1", "省教育厅直属一校", "D01", "二级单位", "50", "50"],
        ["D02", "省卫健委", "", word, "80", "70"],
    ]
    if not first:
        rows[0], rows[1] = rows[1], rows[0]
    path = tmp_path / f"d{suffix}"
    if suffix == ".csv":
        text = "\n".join(",".join(r) for r in [head, *rows]) + "\n"
        path.write_bytes(text.encode("gbk"))
    else:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(head)
        for r in rows:
            ws.append([int(c) if c.isdigit() else c for c in r])
        wb.save(path)
    report = rs.evaluate(load_subjects(path, rs))
    assert [s.subject.id for s in report.subjects] == [r[0] for r in rows]
    assert [s.total for s in report.subjects] == [
        100 if int(r[5]) >= 0.95 * int(r[4]) else 0 for r in rows
    ]
    assert not [n for n in report.notifications if n.severity == "error"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_text_only_row_with_a_header_word_and_an_id_is_a_department(
    tmp_path: Path, suffix: str
) -> None:
    """No number in it at all (amounts 待核实), 主管部门 as its 单位层级: its id under 部门编码
    still makes it a department, not a second header line."""
    rs = perfscore.load_ruleset_text(LEVEL_RULES)
    rows = [
        ["部门编码", "单位名称", "单位层级", "全年预算数", "全年执行数"],
        ["D01", "省教育厅", "主管部门", "待核实", "待核实"],
        ["D02", "省卫健委", "主管部门", "80", "78"],
    ]
    path = tmp_path / f"d{suffix}"
    if suffix == ".csv":
        path.write_bytes(("\n".join(",".join(r) for r in rows) + "\n").encode("gbk"))
    else:
        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append([int(c) if c.isdigit() else c for c in r])
        wb.save(path)
    report = rs.evaluate(load_subjects(path, rs))
    d01, d02 = report.subjects
    assert (d01.subject.id, d01.findings[0].outcome) == ("D01", "error")
    assert (d02.subject.id, d02.total) == ("D02", 100)


@pytest.mark.parametrize("kind", ["csv", "frame"])
def test_a_cells_place_is_said_as_in_full_whatever_its_column_is_called(kind: str) -> None:
    """Sheet.ref makes a column's words once and puts each row's number in: the same English
    and Chinese as the words made in full, for headers with braces, the marker it uses, none."""
    from perfscore.ingest.readers import Sheet
    from perfscore.words import DATA, said

    headers = ["预算数", "a{b}c {row}", "x\x00row\x00y"]
    sheet = Sheet("s", "f.csv", kind, headers, iter(()))
    key = "cell_line" if kind == "csv" else "cell_row"
    for col, header in enumerate([*headers, "#4"]):
        for row in (2, 12, 100000):
            want = said(DATA, key, row=row, column=header)
            got = sheet.ref(row, col)
            assert (str.__str__(got), got.zh) == (str.__str__(want), want.zh)
