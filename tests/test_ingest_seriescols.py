"""A series input read from a table's year columns (``perfscore.ingest.seriescols``): the
headers a bureau's spreadsheet uses for 近三年 figures map onto the series input, and a row
scores exactly as the JSON record ``{outturn: {2022: ..., 2023: ...}}`` with the same cells
does — through the record reader, the column reader (CSV and Parquet) and a workbook, with
blanks, percent text, refused cells and years left out."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfscore import load_ruleset_text, load_subjects
from perfscore.cli import main
from perfscore.ingest.columns import map_columns
from perfscore.ingest.seriescols import split_year
from perfscore.subjects import CellProblem

RULES = """\
perfscore: 1
id: series_table
title: 近三年预算执行率
version: "1"
inputs:
  outturn: {type: series, of: percent, title: 预算执行率（历年）, aliases: [执行率]}
  spent: {type: money, unit: 万元, title: 执行数}
  budget: {type: money, unit: 万元, title: 预算数}
indicators:
  - id: avg
    title: 近三年平均执行率
    weight: 10
    value: round(mean(last(outturn, 3)), 4)
    scorer: {type: threshold, op: ">=", target: 0.95, points_otherwise: 4}
  - id: latest
    title: 2023年执行率
    weight: 5
    value: year(outturn, 2023)
    scorer: {type: proportional, direction: higher, target: 1}
  - id: rate
    title: 本年执行率
    weight: 5
    value: spent / budget
    scorer: {type: threshold, op: ">=", target: 0.95}
"""


@pytest.fixture(scope="module")
def rs() -> Any:
    return load_ruleset_text(RULES, source="series_table.yaml")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2022年预算执行率", ("预算执行率", 2022)),
        ("2022年度预算执行率", ("预算执行率", 2022)),
        ("2022 预算执行率", ("预算执行率", 2022)),
        ("2022_预算执行率", ("预算执行率", 2022)),
        ("预算执行率2023", ("预算执行率", 2023)),
        ("预算执行率_2023", ("预算执行率", 2023)),
        ("预算执行率-2023年", ("预算执行率", 2023)),
        ("预算执行率（2024年）", ("预算执行率", 2024)),
        ("预算执行率(2024)", ("预算执行率", 2024)),
        ("预算执行率【２０２４年度】", ("预算执行率", 2024)),
        ("rate 2021", ("rate", 2021)),
        ("预算执行率", None),
        ("预算执行率(2024", None),  # a bracket left open
        ("2024", None),  # a year and nothing else
        ("预算执行率1850", None),  # not a fiscal year
        ("20240", None),
    ],
)
def test_a_year_is_split_off_either_end_of_a_header(
    header: str, expected: tuple[str, int] | None
) -> None:
    assert split_year(header) == expected


def test_year_columns_map_onto_the_series_input(rs: Any) -> None:
    headers = [
        "部门编码",
        "2021年预算执行率",  # the title without （历年）
        "执行率2022",  # an alias
        "outturn（2023年）",  # the id
        "2024年预算数",  # a year on a scalar input's title: not a series
        "预算数（万元）",
        "执行数",
    ]
    cmap = map_columns(headers, rs.inputs, aliases={"outturn": ["执行率"]})
    got = [(t.kind, t.name, t.year) if t is not None else None for t in cmap.targets]
    assert got == [
        ("meta", "id", None),
        ("series", "outturn", 2021),
        ("series", "outturn", 2022),
        ("series", "outturn", 2023),
        None,
        ("input", "budget", None),
        ("input", "spent", None),
    ]
    assert [h for _, h, _ in cmap.unmapped] == ["2024年预算数"]
    assert cmap.duplicates == []


def test_the_same_year_twice_is_a_duplicate_column(rs: Any) -> None:
    cmap = map_columns(["2022年预算执行率", "预算执行率2022", "2023年预算执行率"], rs.inputs)
    assert cmap.duplicates == [("outturn[2022]", [0, 1])]


def test_a_required_series_is_given_by_its_year_columns() -> None:
    rs = load_ruleset_text(
        RULES.replace("title: 预算执行率（历年）,", "title: 预算执行率（历年）, required: true,"),
        source="r.yaml",
    )
    assert map_columns(["2023年预算执行率"], rs.inputs).missing_required == []
    assert map_columns(["执行数"], rs.inputs).missing_required == ["outturn"]


def _csv(path: Path, headers: list[str], rows: list[list[str]], encoding: str = "gbk") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(["某区2024年部门预算执行情况表", "", ""])  # a title row
        w.writerow(headers)
        w.writerows(rows)
    return path


def _seen(report: Any) -> list[Any]:
    return [
        (
            r.subject.id,
            r.total,
            r.grade,
            [(f.rule_id, f.outcome, f.points, f.value) for f in r.findings],
        )
        for r in report.subjects
    ]


def test_a_row_scores_as_the_json_record_with_the_same_cells(rs: Any, tmp_path: Path) -> None:
    headers = ["部门编码", "2021年预算执行率", "2022年预算执行率", "预算执行率（2023年）", "执行数"]
    rows = [
        ["d1", "96", "104%", "80", "10"],
        ["d2", "", "-", "—", "5"],  # every year blank: no series
        ["d3", "100", "0.99", "101", "1"],  # 0.99: 99 % or 0.99 %? refused
        ["d4", "100", "/", "100", "2"],  # a year blank
        ["d5", "95", "95.00", "95", "3"],
    ]
    report = rs.evaluate(load_subjects(_csv(tmp_path / "d.csv", headers, rows), rs))
    records = [
        {"id": "d1", "outturn": {2021: "96", 2022: "104%", 2023: "80"}, "spent": "10"},
        {"id": "d2", "spent": "5"},
        {"id": "d3", "outturn": {2021: "100", 2022: "0.99", 2023: "101"}, "spent": "1"},
        {"id": "d4", "outturn": {2021: "100", 2022: None, 2023: "100"}, "spent": "2"},
        {"id": "d5", "outturn": {2021: "95", 2022: "95.00", 2023: "95"}, "spent": "3"},
    ]
    assert _seen(report) == _seen(rs.evaluate(records))
    d1, d2, d3, d4, d5 = report.subjects
    assert d1.findings[0].outcome == "fail" and d1.findings[0].points == 4  # 93.33 %
    assert d2.findings[0].outcome == "not_applicable"
    assert d3.findings[0].outcome == "error"
    message = d3.findings[0].message_en or ""
    assert "2022" in message and "2022年预算执行率" in message  # the year and its column
    assert d4.findings[0].outcome == "error"  # mean of three years, one without a value
    assert d5.findings[0].outcome == "pass" and d5.findings[1].points == Decimal("4.75")


MONEY_RULES = """\
perfscore: 1
id: money_series
title: 历年支出
version: "1"
inputs:
  paid: {type: series, of: money, unit: 万元, title: 支出数}
indicators:
  - id: growth
    title: 支出增长
    weight: 5
    value: year(paid, 2023) / year(paid, 2022)
    scorer: {type: threshold, op: "<=", target: 1.1}
"""


def test_a_money_series_takes_its_headers_unit(tmp_path: Path) -> None:
    rs = load_ruleset_text(MONEY_RULES, source="m.yaml")
    headers = ["编号", "2022年支出数（元）", "2023年支出数（万元）"]
    path = _csv(tmp_path / "m.csv", headers, [["a", "1,000,000", "110"], ["b", "1000000", "111"]])
    a, b = rs.evaluate(load_subjects(path, rs)).subjects
    assert a.findings[0].value == Decimal("1.1") and a.findings[0].outcome == "pass"
    assert b.findings[0].outcome == "fail"


def _cell(value: Decimal | None, style: int) -> str:
    if value is None:
        return ["", "-", "—", "/"][style % 4]
    text = f"{value}"
    return text + "%" if style % 3 == 0 else text


YEAR_CELLS = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=150, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("95"), Decimal("100"), Decimal("0.5"), Decimal("1")]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    years=st.lists(st.sampled_from([2020, 2021, 2022, 2023]), min_size=1, max_size=4, unique=True),
    rows=st.lists(
        st.tuples(st.lists(YEAR_CELLS, min_size=4, max_size=4), st.integers(0, 11)),
        min_size=1,
        max_size=12,
    ),
    bad=st.booleans(),
)
def test_every_reader_gives_the_json_records_results(
    rs: Any, tmp_path: Path, years: list[int], rows: list[Any], bad: bool
) -> None:
    headers = ["编号", *(f"{y}年预算执行率" for y in years), "执行数", "预算数"]
    table, records = [], []
    for i, (cells, style) in enumerate(rows):
        texts = [_cell(v, style + k) for k, v in zip(range(len(years)), cells, strict=False)]
        if bad and i == 0:
            texts[0] = "约九成"  # text a reader refuses
        table.append([f"d{i}", *texts, "95", "100"])
        series = dict(zip(years, texts, strict=True))
        record: dict[str, Any] = {"id": f"d{i}", "spent": "95", "budget": "100"}
        if not all(t in ("", "-", "—", "/") for t in texts):
            record["outturn"] = {
                y: (None if t in ("", "-", "—", "/") else t) for y, t in series.items()
            }
        records.append(record)
    want = _seen(rs.evaluate(records))
    path = _csv(tmp_path / "d.csv", headers, table, encoding="utf-8-sig")
    assert _seen(rs.evaluate(load_subjects(path, rs))) == want
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    cols = list(zip(*table, strict=True))
    pq.write_table(
        pa.table({h: [c or None for c in col] for h, col in zip(headers, cols, strict=True)}),
        tmp_path / "d.parquet",
    )
    assert _seen(rs.evaluate(load_subjects(tmp_path / "d.parquet", rs))) == want


def test_the_column_reader_reads_year_columns_and_writes_the_record_readers_bytes(
    rs: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyarrow")
    from perfscore.ingest import arrowcols

    calls: list[str] = []
    real = arrowcols._Reader._series

    def spy(self: Any, batch: Any, rows: Any, name: str, years: Any) -> Any:
        calls.append(name)
        return real(self, batch, rows, name, years)

    monkeypatch.setattr(arrowcols._Reader, "_series", spy)
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES, encoding="utf-8")
    headers = [
        "部门编码",
        "2021年预算执行率",
        "2022年预算执行率",
        "2023年预算执行率",
        "执行数",
        "预算数",
    ]
    rows = [[f"d{i}", "96", f"{90 + i % 20}%", "", str(90 + i % 11), "100"] for i in range(300)]
    rows[7][2] = "0.98"  # refused: ambiguous
    data = _csv(tmp_path / "d.csv", headers, rows)
    out = {}
    for flag in ([], ["--no-columnar"]):
        target = tmp_path / f"f{len(flag)}.parquet"
        main(["score", str(rules), str(data), "-o", str(target), "--no-summary", *flag])
        out[len(flag)] = target.read_bytes()
    capsys.readouterr()
    assert calls and set(calls) == {"outturn"}
    assert out[0] == out[1]
    # a money series whose columns are in 元 and 万元: the header's unit applied by columns too
    calls.clear()
    rules.write_text(MONEY_RULES, encoding="utf-8")
    headers = ["编号", "2022年支出数（元）", "2023年支出数（万元）"]
    rows = [[f"m{i}", f"{1_000_000 + i * 1000:,}", str(100 + i % 15)] for i in range(300)]
    data = _csv(tmp_path / "m.csv", headers, rows)
    for flag in ([], ["--no-columnar"]):
        target = tmp_path / f"m{len(flag)}.parquet"
        main(["score", str(rules), str(data), "-o", str(target), "--no-summary", *flag])
        out[len(flag)] = target.read_bytes()
    capsys.readouterr()
    assert calls == ["paid"]
    assert out[0] == out[1]
    import pyarrow.parquet as pq

    outcomes = set(pq.read_table(tmp_path / "m0.parquet").column("outcome").to_pylist())
    assert {"pass", "fail"} <= outcomes


def test_a_refused_year_cell_is_the_series_error() -> None:
    from perfscore.ingest.seriescols import series_value

    assert series_value([(2022, None), (2023, None)]) is None
    assert series_value([(2022, Decimal(1)), (2023, None)]) == {2022: Decimal(1), 2023: None}
    problem = series_value([(2022, Decimal(1)), (2023, CellProblem("坏"))])
    assert isinstance(problem, CellProblem) and "2023" in str(problem.message)


def test_a_workbook_with_year_columns(rs: Any, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某区部门整体支出绩效自评表"])
    ws.append(["单位：万元"])
    ws.append(["部门编码", "2022年预算执行率", "2023年预算执行率", "执行数", "预算数"])
    ws.append(["d1", 0.96, 1.02, 96, 100])
    ws.append(["d2", 96, "102%", 96, 100])
    for row in (4, 5):
        ws.cell(row, 2).number_format = "0.00%" if row == 4 else "General"
        ws.cell(row, 3).number_format = "0.00%" if row == 4 else "General"
    wb.save(tmp_path / "d.xlsx")
    report = rs.evaluate(load_subjects(tmp_path / "d.xlsx", rs))
    d1, d2 = report.subjects
    assert json.dumps([str(f.value) for f in d1.findings]) == json.dumps(
        [str(f.value) for f in d2.findings]
    )
    assert d1.findings[1].value == Decimal("1.02")


def test_docs_series_columns_example_reads_as_the_prose_says(tmp_path: Path) -> None:
    import re

    text = (Path(__file__).resolve().parent.parent / "docs" / "data.md").read_text("utf-8")
    blocks = [
        (m.group(1).strip(), m.group(2))
        for m in re.finditer(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", text, re.S | re.M)
    ]
    i = next(k for k, (info, _) in enumerate(blocks) if info == "csv series-data")
    rules = next(t for info, t in reversed(blocks[:i]) if info == "yaml rules")
    rs = load_ruleset_text(rules)
    path = tmp_path / "series.csv"
    path.write_bytes(blocks[i][1].encode("gbk"))
    by_id = {r.subject.id: r for r in rs.evaluate(load_subjects(path, rs)).subjects}
    d01, d02, d03, d04 = (by_id[k].findings[0] for k in ("d01", "d02", "d03", "d04"))
    assert d01.value == Decimal("0.9817") and d01.points == 10 and d01.outcome == "pass"
    assert d02.outcome == "error" and "2023" in (d02.message_en or "")
    assert d03.outcome == "not_applicable"
    assert d04.outcome == "error"
    assert "ambiguous" in (d04.message_en or "") and "2023" in (d04.message_en or "")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_template_with_years_reads_back_as_the_series(
    rs: Any, tmp_path: Path, suffix: str
) -> None:
    from perfscore.ingest.template import template_bytes, template_headers

    headers = template_headers(rs, (2022, 2023, 2024))
    assert headers[4:7] == [
        "2022年预算执行率（%）",
        "2023年预算执行率（%）",
        "2024年预算执行率（%）",
    ]
    assert "预算执行率（历年）" not in headers and template_headers(rs)[4:] == [
        "执行数（万元）",
        "预算数（万元）",
    ]
    path = tmp_path / f"t{suffix}"
    path.write_bytes(template_bytes(rs, suffix, (2022, 2023, 2024)))
    row = ["d1", "甲", "", "2024", "96", "98", "101", "95", "100"]
    if suffix == ".csv":
        text = path.read_text("utf-8-sig").rstrip("\r\n") + "\r\n" + ",".join(row) + "\r\n"
        path.write_text(text, encoding="utf-8-sig")
    else:
        import openpyxl

        wb = openpyxl.load_workbook(path)
        wb["填报"].append(row)
        wb.save(path)
    (d1,) = rs.evaluate(load_subjects(path, rs)).subjects
    assert [f.value for f in d1.findings] == [Decimal("0.9833"), Decimal("0.98"), Decimal("0.95")]


def test_template_years_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES, encoding="utf-8")
    out = tmp_path / "t.csv"
    assert main(["--lang", "en", "template", str(rules), "-o", str(out)]) == 0
    said = capsys.readouterr()
    assert "2 input column(s)" in said.out and "add --years" in said.err
    assert main(["template", str(rules), "-o", str(out), "--years", "2023,2024"]) == 0
    said = capsys.readouterr()
    assert "4 input column(s)" in said.out and said.err == ""
    assert "2024年预算执行率（%）" in out.read_text("utf-8-sig")
    for bad in ("2024-20x", "1800-1801", "2023,2023", "2000-2099"):
        with pytest.raises(SystemExit):
            main(["template", str(rules), "-o", str(out), "--years", bad])
        assert "--years" in capsys.readouterr().err


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    years=st.lists(st.sampled_from([2020, 2021, 2022, 2023]), min_size=1, max_size=4, unique=True),
    rows=st.lists(
        st.tuples(st.lists(YEAR_CELLS, min_size=4, max_size=4), st.integers(0, 11)),
        min_size=1,
        max_size=12,
    ),
    bad=st.booleans(),
)
def test_frames_scored_by_columns_read_the_year_columns(
    rs: Any, years: list[int], rows: list[Any], bad: bool
) -> None:
    """rev14 (session 13): ``score_frame`` / ``ColumnarScorer`` / the Dask and Spark recipes
    took a series given one column a year as missing (不适用, weight redistributed) where
    ``rs.evaluate(frame)`` and the command read it; now every way gives the JSON records'
    points, outcomes and totals — pandas, pyarrow and a mapping of columns."""
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    from perfscore.columnar import ColumnarScorer, score_frame

    headers = ["id", *(f"{y}年预算执行率" for y in years), "spent", "budget"]
    table, records = [], []
    for i, (cells, style) in enumerate(rows):
        texts = [_cell(v, style + k) for k, v in zip(range(len(years)), cells, strict=False)]
        if bad and i == 0:
            texts[0] = "约九成"
        table.append([f"d{i}", *texts, "95", "100"])
        record: dict[str, Any] = {"id": f"d{i}", "spent": "95", "budget": "100"}
        if not all(t in ("", "-", "—", "/") for t in texts):
            record["outturn"] = {
                y: (None if t in ("", "-", "—", "/") else t)
                for y, t in zip(years, texts, strict=True)
            }
        records.append(record)
    report = rs.evaluate(records)
    want_points = {
        (f.subject.id, f.rule_id): (f.outcome, f.points)
        for f in report.findings
        if f.kind != "check"
    }
    want_totals = [s.total for s in report.subjects]
    cols = {
        h: [c or None for c in col]
        for h, col in zip(headers, zip(*table, strict=True), strict=True)
    }
    for data in (pd.DataFrame(cols), pa.table(cols), cols):
        result = ColumnarScorer(rs).score(data)
        assert result.totals_decimal() == want_totals
        for rid in ("avg", "latest", "rate"):
            got = list(zip(result.outcomes(rid), result.points_decimal(rid), strict=True))
            assert got == [want_points[(f"d{i}", rid)] for i in range(len(rows))]
    frame = score_frame(rs, pd.DataFrame(cols))
    assert [o for o in frame["latest.outcome"]] == [
        want_points[(f"d{i}", "latest")][0] for i in range(len(rows))
    ]
