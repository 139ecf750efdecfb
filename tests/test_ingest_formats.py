"""The same department scores the same whatever the file it comes in: a record written as JSON,
YAML, JSON Lines, CSV (UTF-8 and GBK) and ``.xlsx`` gives the same findings — by the per-record
path and by columns (where the CLI routes tables) — blanks, units, percentages and words
included (docs/data.md, "One reading for every format")."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.colbatch import ColumnBatch
from perfscore.columnar import ColumnarScorer
from perfscore.ingest import open_data, read_sources

RS = perfscore.load_ruleset_text(
    'perfscore: 1\nid: formats\ntitle: t\nversion: "1"\n'
    "inputs:\n"
    "  budget: {type: money, unit: 万元, title: 预算数, required: true, min: 0}\n"
    "  executed: {type: money, unit: 万元, title: 执行数, min: 0}\n"
    "  rate: {type: percent, title: 满意度}\n"
    "  share: {type: number, title: 占比}\n"
    "  staff: {type: integer, title: 人数, min: 0}\n"
    "  ok: {type: boolean, title: 是否公开}\n"
    "  tier: {type: text, title: 等次, choices: [achieved, partial]}\n"
    "metrics: {exec_rate: {expr: executed / budget, unit: '%'}}\n"
    "indicators:\n"
    "  - {id: i_exec, title: 执行率, weight: 30, value: exec_rate, scorer: {type: threshold, op: '>=', target: 0.95}}\n"
    "  - {id: i_rate, title: 满意度, weight: 20, value: rate, scorer: {type: threshold, op: '>=', target: 0.9}}\n"
    "  - {id: i_share, title: 占比, weight: 10, value: share, scorer: {type: threshold, op: '<=', target: 0.2}}\n"
    "  - {id: i_staff, title: 人数, weight: 10, value: staff, scorer: {type: threshold, op: '<=', target: 40}}\n"
    "checks:\n"
    "  - {id: c_rate, title: 比率, type: assert, expr: rate <= 1}\n"
    "  - {id: c_ok, title: 公开, type: assert, expr: ok}\n"
    "  - {id: c_tier, title: 等次, type: assert, expr: \"tier == 'achieved'\"}\n"
)
TITLES = {name: spec.title or name for name, spec in RS.compiled.inputs.items()}

# What departments write in a cell, each a text; a plain number may also be a number (JSON,
# YAML, a numeric cell), a percentage an Excel cell formatted as %.
BLANKS = st.sampled_from(["", " ", "\u3000", "-", "--", "—", "——", "–", "/", "／", "－"])
JUNK = st.sampled_from(["无", "待核实", "abc", "12,34,5", "3435.02美元", "N/A"])
AMOUNT = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False)


def _amount() -> st.SearchStrategy[str]:
    return st.one_of(
        AMOUNT.map(str),
        AMOUNT.map(lambda d: f"{d:,}"),
        AMOUNT.map(lambda d: f"{d}万元"),
        AMOUNT.map(lambda d: f"{d * 10000:f}元"),
        AMOUNT.map(
            lambda d: str(d).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
        ),
    )


PERCENT = st.one_of(
    st.sampled_from(["0.98", "1", "0.5", "0", "98", "100", "0.5%", "１％", "0.98 %"]),
    st.integers(0, 120).map(str),
    st.integers(0, 120).map(lambda n: f"{n}%"),
)
CELL: dict[str, st.SearchStrategy[str]] = {
    "budget": st.one_of(_amount(), BLANKS, JUNK, st.just("0")),
    "executed": st.one_of(_amount(), BLANKS, JUNK),
    "rate": st.one_of(PERCENT, BLANKS, JUNK),
    "share": st.one_of(st.sampled_from(["0.15", "15%", "0.2", "20 %", "1"]), BLANKS, JUNK),
    "staff": st.one_of(st.integers(0, 60).map(str), st.sampled_from(["4.5", "４０"]), BLANKS, JUNK),
    "ok": st.one_of(st.sampled_from(["是", "否", "√", "×", "yes", "No", "true"]), BLANKS, JUNK),
    "tier": st.one_of(st.sampled_from(["achieved", "partial", " achieved", "achievd"]), BLANKS),
}
RECORD = st.fixed_dictionaries(CELL)
_PLAIN = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_PERCENT = re.compile(r"^([0-9]+(\.[0-9]+)?)%$")
# where a value was read, at the start of a problem: "line 3, column 预算数: ", "Sheet1!C3: "
_WHERE = re.compile(
    r"(line \d+(, (column|key) [^:：]+)?|Sheet1?![A-Z]+\d+|第 \d+ 行(「[^」]+」列)?)[:：] ?"
)


def _typed(text: str) -> Any:
    """The value a program writing JSON/YAML would give: a number for a plain number."""
    return Decimal(text) if _PLAIN.match(text) else text


def _write(kind: str, rows: list[dict[str, str]], path: Path, typed: bool) -> Path:
    ids = [f"d{i:02d}" for i in range(len(rows))]
    if kind in ("json", "yaml", "jsonl"):
        recs = [
            {"id": sid, "values": {k: (_typed(v) if typed else v) for k, v in row.items()}}
            for sid, row in zip(ids, rows, strict=True)
        ]
        if kind == "json":
            path.write_text(json.dumps(recs, ensure_ascii=False, default=float), "utf-8")
        elif kind == "jsonl":
            lines = [json.dumps(r, ensure_ascii=False, default=float) for r in recs]
            path.write_text("\n".join(lines) + "\n", "utf-8")
        else:
            plain = json.loads(json.dumps(recs, default=str if not typed else float))
            path.write_text(yaml.safe_dump(plain, allow_unicode=True), "utf-8")
        return path
    header = ["部门编码", *(TITLES[k] for k in CELL)]
    body = [[sid, *(row[k] for k in CELL)] for sid, row in zip(ids, rows, strict=True)]
    if kind in ("csv", "csv-gbk"):
        enc = "gbk" if kind == "csv-gbk" else "utf-8"
        with path.open("w", encoding=enc, newline="") as fh:
            csv.writer(fh).writerows([header, *body])
        return path
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for r, cells in enumerate(body, start=2):
        for c, text in enumerate(cells, start=1):
            cell = ws.cell(r, c)
            m = _PERCENT.match(text)
            if typed and _PLAIN.match(text) and c > 1:
                cell.value = float(text) if "." in text else int(text)
            elif typed and m:  # Excel's own way: the ratio, formatted as a percentage
                cell.value = float(Decimal(m.group(1)) / 100)
                cell.number_format = "0.00%"
            else:
                cell.value = text
                cell.data_type = "s"
    wb.save(path)
    return path


def _finding_key(f: Any) -> tuple[Any, ...]:
    where = _WHERE.sub
    texts = (where("", f.reason or ""), where("", f.message), where("", f.message_en or ""))
    return (f.rule_id, f.outcome, f.points, f.fields, *texts)


def _scored(path: Path) -> tuple[list[Any], list[Any]]:
    """Per subject: (id, total, grade, findings) — by record, and by columns."""
    notes: list[Any] = []
    records = list(read_sources(RS, open_data(path), notes))
    report = RS.evaluate(records)
    per_record = [
        (s.subject.id, s.total, s.grade, [_finding_key(f) for f in s.findings])
        for s in report.subjects
    ]
    batch = ColumnBatch(RS, ColumnarScorer(RS), records, range(len(records)))
    columns = [(r.subject.id, r.total, r.grade) for r in batch.lazy()]
    return per_record, columns


KINDS = ["json", "yaml", "jsonl", "csv", "csv-gbk", "xlsx"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(RECORD, min_size=1, max_size=6), typed=st.booleans())
def test_a_department_scores_the_same_in_every_format(
    tmp_path: Path, rows: list[dict[str, str]], typed: bool
) -> None:
    seen: dict[str, tuple[list[Any], list[Any]]] = {}
    for kind in KINDS:
        suffix = {"csv-gbk": "csv"}.get(kind, kind)
        path = _write(kind, rows, tmp_path / f"{kind}-{typed}.{suffix}", typed)
        seen[kind] = _scored(path)
    first, (want, _) = KINDS[0], seen[KINDS[0]]
    for kind, (per_record, columns) in seen.items():
        assert per_record == want, (kind, first, rows)
        assert columns == [s[:3] for s in want], (kind, "columns", rows)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("field", "text", "outcome", "problem"),
    [
        ("rate", "0.98", "error", "0.98 is ambiguous for a percentage"),
        ("rate", "-", "not_applicable", None),
        ("rate", "0.5%", "fail", None),
        ("rate", "98", "pass", None),
        ("budget", "", "error", "required value is missing"),
        ("budget", "—", "error", "required value is missing"),
        ("executed", "／", "not_applicable", None),
        ("executed", "95000000元", "pass", None),
        ("executed", "无", "error", "expected a number, got text '无'"),
        ("share", "15%", "pass", None),
        ("ok", "√", "pass", None),
        ("ok", "×", "fail", None),
        ("tier", " achieved ", "pass", None),
        ("tier", "-", "not_applicable", None),
    ],
)
def test_each_reading_is_the_same_in_every_format(
    tmp_path: Path, kind: str, field: str, text: str, outcome: str, problem: str | None
) -> None:
    row = {"budget": "10000", "executed": "9600", "rate": "95%", "share": "0.1", "staff": "30",
           "ok": "是", "tier": "achieved"}  # fmt: skip
    row[field] = text
    rule = {"budget": "i_exec", "executed": "i_exec", "ok": "c_ok", "tier": "c_tier"}.get(
        field, f"i_{field}"
    )
    suffix = {"csv-gbk": "csv"}.get(kind, kind)
    for typed in (False, True):
        (per_record, columns) = _scored(_write(kind, [row], tmp_path / f"t{typed}.{suffix}", typed))
        findings = {k[0]: k for k in per_record[0][3]}
        assert findings[rule][1] == outcome, (kind, typed, findings[rule])
        if problem is not None:
            assert problem in findings[rule][4], findings[rule]
            assert field in findings[rule][3]
        assert columns[0] == per_record[0][:3]


def test_a_series_of_percentages_is_read_alike_by_columns_and_by_record() -> None:
    """A year's bare 0.5 in a percent series is as ambiguous as a single cell's, by columns
    (the float figures are checked in bulk) as by record."""
    from test_columnar_series import POINTS

    rs = perfscore.load_ruleset_text(POINTS)
    records = [
        {"id": "a", "values": {"share": {2022: 0.5, 2023: 98.0}}},
        {"id": "b", "values": {"share": {2022: "0.5%", 2023: 98.0}}},
        {"id": "c", "values": {"share": {2022: "-", 2023: 98.0}}},
    ]
    subjects = rs.evaluate(records).subjects
    by_record = [r.finding("av").outcome for r in subjects]
    assert by_record == ["error", "fail", "error"]
    assert "is ambiguous for a percentage" in (subjects[0].finding("av").reason or "")
    assert "no value for 2022" in (subjects[2].finding("av").reason or "")  # "-": a blank year
    batch = ColumnBatch(rs, ColumnarScorer(rs), records, range(3))
    codes = batch.result.outcome["av"].tolist()
    assert [("pass", "fail", "not_applicable", "error")[c] for c in codes] == by_record
    assert not batch.result.fallback[0]  # decided by the columns, not sent to the reader
