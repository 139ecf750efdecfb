"""Acceptance (#13): a 300-department workbook generated the way departments fill it in — a
title row, Chinese headers with units, a 合计 row, ~10 % dirty rows (full-width digits, 万元
suffixes, blanks, zero budgets, text in number cells, duplicate ids), many departments spending
exactly their budget — scored from the CLI and from ``evaluate(df)``.

* every clean or merely untidy row (full-width digits, a 万元 suffix, a zero budget, a repeated
  id) gives exactly the findings of the same department written in YAML;
* every unreadable cell (a blank required value, text in a number cell) gives error findings
  naming the field and the cell (``Sheet1!E12``), and the rest of the row is still scored;
* nothing aborts, the 合计 row is not a department, the summary's counts are right.
"""

from __future__ import annotations

import io
import json
import random
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import perfscore
from perfscore.cli import main
from perfscore.ruleset import load_subjects

N = 300
HEADERS = [
    ("部门编码", "id", None),
    ("部门名称", "name", None),
    ("主管部门", "parent", None),
    ("全年预算数（万元）", "budget", "D"),
    ("执行数（万元）", "executed", "E"),
    ("年初预算数（万元）", "initial_budget", "F"),
    ("本年追加预算数（万元）", "supplementary_budget", "G"),
    ("在职人员数（人）", "staff_actual", "H"),
    ("编制数（人）", "staff_authorised", "I"),
    ("社会公众或服务对象满意度（%）", "satisfaction", "J"),
    ("自评得分", "declared_total", "K"),
    # 评审等次 columns, filled from the template's drop-down (achieved / partial / not_achieved):
    # with them most departments have the weight needed for a grade (min_coverage 0.6)
    ("绩效目标合理性（评审等次）", "targets_reasonable_tier", "L"),
    ("绩效指标明确性（评审等次）", "targets_clear_tier", "M"),
    ("管理制度健全性（评审等次）", "rules_sound_tier", "N"),
    ("资金使用合规性（评审等次）", "compliance_tier", "O"),
    ("履职效益（评审等次）", "benefit_tier", "P"),
]
TIERS = ("achieved", "partial", "not_achieved")
INPUTS = [key for _, key, col in HEADERS if col and key != "declared_total"]
LETTER = {key: col for _, key, col in HEADERS if col}
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _departments() -> list[dict[str, Any]]:
    """Clean figures per department (the truth), and how the row is dirtied (``kind``)."""
    rng = random.Random(13)
    out = []
    for i in range(N):
        budget = _money(rng, 80, 60_000)
        spent = (
            budget
            if rng.random() < 0.4
            else (budget * Decimal(rng.randint(60, 100)) / 100).quantize(Decimal("0.01"))
        )
        initial = (
            budget if rng.random() < 0.5 else (budget * Decimal("0.9")).quantize(Decimal("0.01"))
        )
        authorised = rng.randint(5, 400)
        dept = {
            "id": f"D{i + 1:04d}",
            "name": f"第{i + 1}局",
            "parent": f"主管{i % 7}",
            "budget": budget,
            "executed": spent,
            "initial_budget": initial,
            "supplementary_budget": budget - initial,  # often exactly zero
            "staff_actual": authorised - rng.randint(0, 5),
            "staff_authorised": authorised,
            "satisfaction": Decimal(rng.randint(850, 1000)) / 10,
            "declared_total": rng.randint(70, 100),
            "kind": "clean",
        }
        # most departments rate themselves 达成; a weaker one rates several tiers lower
        weak = rng.random() < 0.3
        for key in ("targets_reasonable_tier", "targets_clear_tier", "rules_sound_tier"):
            dept[key] = rng.choices(TIERS, (2, 3, 2) if weak else (8, 2, 0))[0]
        for key in ("compliance_tier", "benefit_tier"):
            dept[key] = rng.choices(TIERS, (1, 3, 3) if weak else (8, 2, 0))[0]
        if i % 10 == 9:  # ~10 % dirty rows, one of each kind in turn
            dept["kind"] = (
                "full_width",
                "wan_suffix",
                "blank_budget",
                "zero_budget",
                "text_cell",
                "dup_id",
            )[(i // 10) % 6]
        if dept["kind"] == "zero_budget":
            dept["budget"] = Decimal(0)
        if dept["kind"] == "dup_id":
            dept["id"] = f"D{i:04d}"  # the id of the row above
        out.append(dept)
    return out


def _cell(dept: dict[str, Any], key: str) -> Any:
    v = dept[key]
    kind = dept["kind"]
    if key == "budget" and kind == "full_width":
        return str(v).translate(FULL_WIDTH)
    if key == "executed" and kind == "wan_suffix":
        return f"{v}万元"
    if key == "budget" and kind == "blank_budget":
        return None
    if key == "executed" and kind == "text_cell":
        return "待核实"
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _workbook(path: Path, depts: list[dict[str, Any]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["2023年度部门整体支出绩效自评汇总表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append([h for h, _, _ in HEADERS])
    for d in depts:
        ws.append([_cell(d, key) for _, key, _ in HEADERS])
    ws.append(["合计", None, None, "=SUM(D3:D302)", "=SUM(E3:E302)"])
    wb.save(path)


def _yaml(path: Path, depts: list[dict[str, Any]]) -> None:
    lines = ["subjects:"]
    for d in depts:
        lines += [
            f"  - id: {d['id']}",
            f"    name: {d['name']}",
            f"    parent: {d['parent']}",
            "    values:",
        ]
        lines += [f"      {k}: {d[k]}" for k in INPUTS]
        lines += ["    declared:", f"      total: {d['declared_total']}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _comparable(s: perfscore.SubjectResult) -> list[tuple[Any, ...]]:
    return [
        (f.rule_id, f.outcome, f.severity, f.points, f.value, f.message, f.reason, f.fingerprint)
        for f in s.findings
    ]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("acceptance")
    depts = _departments()
    _workbook(folder / "部门自评汇总.xlsx", depts)
    _yaml(
        folder / "same.yaml", [d for d in depts if d["kind"] not in ("blank_budget", "text_cell")]
    )
    return {
        "folder": folder,
        "depts": depts,
        "rs": perfscore.load_ruleset("rules/cn-dept-overall.yaml"),
    }


def _check(report: perfscore.Report, batch: dict[str, Any], cells: bool) -> None:
    depts = batch["depts"]
    rs = batch["rs"]
    expected = rs.evaluate(load_subjects(batch["folder"] / "same.yaml"))
    assert len(report.subjects) == N  # every department, the 合计 row not among them
    yaml_rows = iter(expected.subjects)
    for row, (d, s) in enumerate(zip(depts, report.subjects, strict=True), start=3):
        assert s.subject.id == d["id"] and s.subject.name == d["name"]
        if d["kind"] in ("blank_budget", "text_cell"):
            field = "budget" if d["kind"] == "blank_budget" else "executed"
            errors = [f for f in s.findings if f.outcome == "error"]
            assert errors, d
            where = f"Sheet1!{LETTER[field]}{row}" if cells else f"row {row - 2}, column "
            for f in errors:
                assert f.fields == (field,) or field in f.fields
                assert f"field '{field}': {where}" in (f.reason or ""), f.reason
            # the rest of the row is still scored
            assert any(f.outcome in ("pass", "fail") for f in s.findings)
            continue
        same = next(yaml_rows)
        assert same.subject.id == d["id"]
        if cells:
            assert _comparable(s) == _comparable(same), d["kind"]
            assert s.total == same.total and s.grade == same.grade
        else:  # a DataFrame holds floats (1200.0): same outcomes and points, exactly
            assert [(f.rule_id, f.outcome, f.points) for f in s.findings] == [
                (f.rule_id, f.outcome, f.points) for f in same.findings
            ], d["kind"]
    codes = Counter(n.code for n in report.notifications)
    assert codes["duplicate-id"] == sum(d["kind"] == "dup_id" for d in depts)
    if cells:
        assert codes["total-row"] == 1
        dup = next(n for n in report.notifications if n.code == "duplicate-id")
        assert re.search(
            r"Sheet1!A\d+: subject id 'D\d+' was already used at Sheet1!A\d+", dup.message
        )


def test_workbook_from_the_cli(batch: dict[str, Any]) -> None:
    folder = batch["folder"]
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "score",
            "cn-dept-overall",
            str(folder / "部门自评汇总.xlsx"),
            "-o",
            str(folder / "out.json"),
            "--summary",
            "--lang",
            "en",
        ],
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    doc = json.loads((folder / "out.json").read_text(encoding="utf-8"))
    assert len(doc["subjects"]) == N
    # the same document in memory, to compare finding by finding
    report = batch["rs"].evaluate(load_subjects(folder / "部门自评汇总.xlsx"))
    _check(report, batch, cells=True)
    assert [s["subject"]["id"] for s in doc["subjects"]] == [s.subject.id for s in report.subjects]

    # the summary's counts are the report's
    text = err.getvalue()
    graded = sum(1 for s in report.subjects if s.grade is not None)
    assert f"{N} subject(s) scored: {graded} graded, {N - graded} ungraded" in text
    grades = Counter(s.grade_label or s.grade for s in report.subjects if s.grade is not None)
    # the grade counts are a real check: most departments are graded, in several grades
    assert graded >= N * 2 // 3 and len(grades) >= 3, grades
    line = next(x for x in text.splitlines() if "subject(s) scored" in x)
    shown = dict(re.findall(r"(\S+) (\d+)", line.partition(" — ")[2]))
    assert {label: int(n) for label, n in shown.items()} == dict(grades)
    with_errors = sum(1 for s in report.subjects if not s.complete)
    assert f"{with_errors} subject(s) with errors; by field:" in text
    blank = sum(d["kind"] == "blank_budget" for d in batch["depts"])
    texts = sum(d["kind"] == "text_cell" for d in batch["depts"])
    assert re.search(rf"\n  budget +{blank}   first at Sheet1!D\d+", text)
    assert re.search(rf"\n  executed +{texts}   first at Sheet1!E\d+", text)
    assert "note: total-row: Sheet1!A303: '合计' row is a total, not scored" in text
    summary = [x for x in text.splitlines() if not x.startswith("perfscore: ")]
    assert len(summary) <= 25  # one screen (the exit-status lines follow it)


def test_workbook_from_a_dataframe(batch: dict[str, Any]) -> None:
    df = pd.read_excel(batch["folder"] / "部门自评汇总.xlsx", header=1)  # the analyst's frame
    report = batch["rs"].evaluate(df)
    _check(report, batch, cells=False)
