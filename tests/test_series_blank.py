"""A series holding no figure at all — ``{}``, or every year listed with ``null``, ``""``,
``"-"``, ``"—"``, ``"/"`` — is no series, on every path: the input's blank (its ``default``,
else missing data: the rule set's ``missing`` outcome, or "required value is missing"), as a
table row with every year blank always was.  rev15 (session 15) found the same department an
``error`` without a total as a JSON record and 不适用 with a total of 100 as a table row: 310 of
its 5,000 adversarial projects differed between its JSONL and its GBK CSV.  A series with some
years blank is unchanged (``mean`` over it is still an error naming the year)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from cli_runner import columnar_bytes_agree, run
from perfscore import load_ruleset_text, load_subjects
from perfscore.subjects import read_subject

RULES = """\
perfscore: 1
id: blank_series
title: 近三年预算执行率
version: "1"
inputs:
  outturn: {type: series, of: percent, title: 预算执行率（历年）}
  rate: {type: percent, title: 本年预算执行率}
indicators:
  - id: stable
    title: 近三年执行率稳定
    weight: 50
    value: outturn
    scorer: {type: series_bands, last: 3, at_least: 2, bands: [{range: "[95%, 105%]", points: 50}], otherwise: 0}
  - id: average
    title: 近三年平均执行率
    weight: 25
    value: round(mean(last(outturn, 3)), 4)
    scorer: {type: threshold, op: ">=", target: 0.95}
  - {id: rate_ok, title: 本年执行率, weight: 25, value: rate, scorer: {type: threshold, op: ">=", target: 0.95}}
"""

#: mappings holding no figure: each reads as an absent series
EMPTY = [
    {2022: None, 2023: "", 2024: "-"},
    {"2022": None, "2023": "—", "2024": "/"},
    {2024: "  "},
    {2023: None},
    {},
]


@pytest.fixture(scope="module")
def rs() -> Any:
    return load_ruleset_text(RULES, source="blank_series.yaml")


def _seen(report: Any) -> list[Any]:
    return [
        (
            r.subject.id,
            r.total,
            r.grade,
            [(f.rule_id, f.outcome, f.points, f.value, f.message_en) for f in r.findings],
        )
        for r in report.subjects
    ]


@pytest.mark.parametrize("cells", EMPTY, ids=repr)
def test_a_series_with_no_figure_is_an_absent_series(rs: Any, cells: dict[Any, Any]) -> None:
    got = rs.evaluate({"id": "d03", "values": {"outturn": cells, "rate": 96}})
    absent = rs.evaluate({"id": "d03", "values": {"rate": 96}})
    assert _seen(got) == _seen(absent)
    stable = next(f for f in got.findings if f.rule_id == "stable")
    assert stable.outcome == "not_applicable"  # the rule set's missing policy (default)
    assert str(got.total) == "100.00"  # 25 of 25 redistributed: no error, a total
    data = read_subject(
        {"id": "x", "values": {"outturn": cells}}, rs.inputs, index=0, subject_type="department"
    )
    assert data.values["outturn"] is None and not data.field_errors


def test_some_years_blank_stay_a_series(rs: Any) -> None:
    """Only a series with no figure at all is absent: one figure makes it a series, and the
    mean over three years with two blank is the error it was."""
    got = rs.evaluate({"id": "d", "values": {"outturn": {2022: None, 2023: "", 2024: 99}}})
    outcomes = {f.rule_id: f.outcome for f in got.findings}
    assert outcomes["stable"] == "error" and outcomes["average"] == "error"
    assert got.total is None


def test_the_missing_policy_and_required_apply_as_to_a_blank(rs: Any) -> None:
    for policy, outcome in (("zero", "fail"), ("full", "pass"), ("error", "error")):
        rules = RULES.replace('version: "1"\n', f'version: "1"\nsettings: {{missing: {policy}}}\n')
        strict = load_ruleset_text(rules, source="s.yaml")
        for cells in EMPTY:
            got = strict.evaluate({"id": "d", "values": {"outturn": cells, "rate": 96}})
            stable = next(f for f in got.findings if f.rule_id == "stable")
            assert stable.outcome == outcome
    required = load_ruleset_text(
        RULES.replace("title: 预算执行率（历年）}", "title: 预算执行率（历年）, required: true}"),
        source="r.yaml",
    )
    for cells in EMPTY:
        got = required.evaluate({"id": "d", "values": {"outturn": cells, "rate": 96}})
        absent = required.evaluate({"id": "d", "values": {"rate": 96}})
        assert _seen(got) == _seen(absent)
        assert "required" in (got.findings[0].message_en or "")


def test_a_refused_year_or_a_year_twice_is_still_an_error(rs: Any) -> None:
    """Blank everywhere else does not hide a refused cell or a year given twice."""
    for cells in ({2022: None, 2023: "约九成"}, {2022: None, "2022": ""}, {"abc": None}):
        data = read_subject(
            {"id": "x", "values": {"outturn": cells}}, rs.inputs, index=0, subject_type="department"
        )
        assert "outturn" in data.field_errors


def _records() -> list[dict[str, Any]]:
    """Departments as records: every EMPTY mapping, some years blank, full series."""
    out: list[dict[str, Any]] = []
    for i, cells in enumerate(EMPTY):
        out.append({"id": f"e{i}", "values": {"outturn": cells, "rate": 96}})
    out.append({"id": "s1", "values": {"outturn": {2022: 96, 2023: None, 2024: 99}, "rate": 90}})
    out.append({"id": "s2", "values": {"outturn": {2022: 96, 2023: 100, 2024: 99}, "rate": 96}})
    return out


def _table(records: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The records as a bureau's table: one column a year, blanks as the cells wrote them."""
    headers = [
        "部门编码",
        "2022年预算执行率",
        "2023年预算执行率",
        "2024年预算执行率",
        "本年预算执行率",
    ]
    rows = []
    for r in records:
        v = r["values"]["outturn"]
        cells = []
        for y in (2022, 2023, 2024):
            x = v.get(y, v.get(str(y)))
            cells.append("" if x is None else str(x))
        rows.append([r["id"], *cells, str(r["values"]["rate"])])
    return headers, rows


def _json_ready(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "values": {
                **r["values"],
                "outturn": {str(k): x for k, x in r["values"]["outturn"].items()},
            },
        }
        for r in records
    ]


def test_every_format_gives_the_records_results(rs: Any, tmp_path: Path) -> None:
    """JSON, JSON Lines, YAML, CSV (UTF-8 and GBK), a workbook and Parquet with year columns,
    a pandas frame of mapping cells: the same points, outcomes, messages and totals."""
    records = _records()
    want = _seen(rs.evaluate(records))
    assert [t[1] for t in want][:5] == [want[0][1]] * 5  # every empty mapping: one result
    docs = _json_ready(records)
    (tmp_path / "d.json").write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "d.jsonl").write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
    )
    headers, rows = _table(records)
    for enc in ("utf-8", "gbk"):
        with (tmp_path / f"d-{enc}.csv").open("w", encoding=enc, newline="") as fh:
            w = csv.writer(fh)
            w.writerow(headers)
            w.writerows(rows)
    paths = [tmp_path / n for n in ("d.json", "d.jsonl", "d-utf-8.csv", "d-gbk.csv")]
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    cols = {
        h: [c or None for c in col] for h, col in zip(headers, zip(*rows, strict=True), strict=True)
    }
    pq.write_table(pa.table(cols), tmp_path / "d.parquet")
    paths.append(tmp_path / "d.parquet")
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([c if c else None for c in row])
    wb.save(tmp_path / "d.xlsx")
    paths.append(tmp_path / "d.xlsx")
    for path in paths:
        assert _seen(rs.evaluate(load_subjects(path, rs))) == want, path.name
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "id": [r["id"] for r in records],
            "outturn": [r["values"]["outturn"] for r in records],
            "rate": [r["values"]["rate"] for r in records],
        }
    )
    assert _seen(rs.evaluate(frame)) == want


def test_by_columns_as_record_by_record(rs: Any, tmp_path: Path) -> None:
    """The columnar path: mapping cells (dicts, and the per-cell reader's text figures) and
    year columns give the records' outcomes and totals; the command writes the same bytes
    with and without ``--no-columnar`` from JSON Lines and from a GBK CSV."""
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import ColumnarScorer

    records = _records()
    report = rs.evaluate(records)
    want = {(f.subject.id, f.rule_id): (f.outcome, f.points) for f in report.findings}
    totals = [s.total for s in report.subjects]
    ids = [r["id"] for r in records]
    maps = pd.DataFrame(
        {
            "id": ids,
            "outturn": [r["values"]["outturn"] for r in records],
            "rate": [r["values"]["rate"] for r in records],
        }
    )
    headers, rows = _table(records)
    years = pd.DataFrame(
        {
            h: [c or None for c in col]
            for h, col in zip(headers, zip(*rows, strict=True), strict=True)
        }
    )
    for data in (maps, years):
        result = ColumnarScorer(rs).score(data)
        assert result.totals_decimal() == totals
        for rid in ("stable", "average", "rate_ok"):
            got = list(zip(result.outcomes(rid), result.points_decimal(rid), strict=True))
            assert got == [want[(i, rid)] for i in ids]
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES, encoding="utf-8")
    (tmp_path / "d.jsonl").write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in _json_ready(records)),
        encoding="utf-8",
    )
    with (tmp_path / "d.csv").open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
    for name in ("d.jsonl", "d.csv"):
        columnar_bytes_agree(rules, tmp_path / name, tmp_path)
        _, text, _ = run(
            "score", str(rules), str(tmp_path / name), "--format", "jsonl", "--no-summary"
        )
        subjects = [json.loads(line) for line in text.splitlines()]
        totals_cli = [s["total"] for s in subjects if s.get("record") == "subject"]
        assert totals_cli[:5] == [100] * 5, name  # every empty mapping: a total, 不适用 left out
