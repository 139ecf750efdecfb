"""``year(s, y)`` of a year the series has no figure for — listed blank, or not listed — is a
missing value, and a rule computing with it follows the missing-data policy (``missing:``),
as one reading a blank input does: 不适用 by default (its weight redistributed), ``zero``,
``full``, or ``error`` when the rule set says so; a check is 不适用.  Until session 16 it was an
``error`` and the subject lost its total (rev15: 695 of its 10,000 generated projects' totals
and grades); ``coalesce`` and ``when: not is_missing(...)`` still choose otherwise.  The same
per record, on the points path and by columns; ``mean``, ``series_bands`` and ``min``/``max``
of no figures keep their own errors (docs/rule-language.md §5's table)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cli_runner import columnar_bytes_agree, run
from perfscore import load_ruleset_text
from perfscore.subjects import read_subject
from series_rules import RULES as SERIES_RULES

RULES = """\
perfscore: 1
id: year_missing
title: 历年成本（某年未填）
version: "1"
settings: {missing: POLICY}
inputs:
  cost: {type: series, of: money, unit: 万元, title: 历年每公里养护成本}
  rate: {type: percent, title: 预算执行率}
metrics:
  growth: {title: 每公里成本增长率, expr: "(year(cost, 2024) - year(cost, 2023)) / year(cost, 2023)", unit: "%"}
  y23: {title: 2023年成本, expr: "year(cost, 2023)"}
indicators:
  - {id: growth, title: 成本增长率, weight: 10, value: growth, scorer: {type: threshold, op: "<=", target: 0}}
  - {id: direct, title: 2023年成本, weight: 10, value: "year(cost, 2023)", scorer: {type: threshold, op: ">=", target: 1}}
  - {id: via_metric, title: 2023年成本（指标）, weight: 10, value: y23, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: formula, title: 不增长, weight: 10, scorer: {type: formula, expr: "10 if year(cost, 2024) <= year(cost, 2023) else 0"}}
  - {id: when, title: 有成本时的执行率, weight: 10, when: "year(cost, 2023) > 0", value: rate, scorer: {type: threshold, op: ">=", target: 0.9}}
  - {id: target, title: 执行率对标, weight: 10, value: rate, scorer: {type: threshold, op: ">=", target: "year(cost, 2023) / 100"}}
  - {id: zero_if_blank, title: 缺年按零, weight: 10, value: "coalesce(year(cost, 2023), 0) + 1", scorer: {type: threshold, op: ">=", target: 1}}
  - {id: only_if_given, title: 有数才评, weight: 10, when: "not is_missing(year(cost, 2023))", value: y23, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: rate, title: 预算执行率, weight: 20, value: rate, scorer: {type: threshold, op: ">=", target: 0.95}}
checks:
  - {id: rising, title: 成本不降, type: assert, expr: "year(cost, 2024) >= year(cost, 2023)"}
  - {id: same, title: 两年相同, type: equal, left: "year(cost, 2023)", right: "year(cost, 2024)"}
"""

#: the leaves that compute with year(cost, 2023)
READERS = ("growth", "direct", "via_metric", "formula", "when", "target")
#: rev15's three records: a year listed blank, a year not listed, blank text
GAPS = [{2022: 50, 2023: None, 2024: 51}, {2022: 50, 2024: 51}, {"2023": "", "2024": 51}]
POLICY = {
    "not_applicable": ("not_applicable", None),
    "zero": ("fail", Decimal(0)),
    "full": ("pass", Decimal(10)),
    "error": ("error", None),
}


def _rules(policy: str) -> Any:
    return load_ruleset_text(RULES.replace("POLICY", policy), source=f"{policy}.yaml")


@pytest.mark.parametrize("cells", GAPS, ids=repr)
@pytest.mark.parametrize("policy", list(POLICY))
def test_a_year_without_a_figure_follows_the_missing_policy(policy: str, cells: Any) -> None:
    rs = _rules(policy)
    report = rs.evaluate({"id": "d1", "values": {"cost": cells, "rate": 96}})
    got = {f.rule_id: f for f in report.findings}
    outcome, points = POLICY[policy]
    for rid in READERS:
        assert got[rid].outcome == outcome, rid
        if points is not None:
            assert got[rid].points == points, rid
    assert got["zero_if_blank"].outcome == "pass"  # coalesce: counted as 0, as written
    assert got["only_if_given"].outcome == "not_applicable"  # the when says so, whatever policy
    assert got["rate"].outcome == "pass"
    assert got["rising"].outcome == "not_applicable"  # a check reading missing data
    assert got["same"].outcome == "not_applicable"
    if policy == "not_applicable":
        assert str(report.total) == "100.00"  # rev15: 50/50 redistributed, a total of 100
    elif policy == "error":
        assert report.total is None
    else:
        assert report.total is not None
    reason = got["growth"].message_en or ""
    assert "missing" in reason


@pytest.mark.parametrize("policy", list(POLICY))
def test_the_points_path_gives_the_findings_points(policy: str) -> None:
    rs = _rules(policy)
    for cells in [*GAPS, {2022: 50, 2023: 49, 2024: 51}]:
        record = {"id": "d1", "values": {"cost": cells, "rate": 96}}
        data = read_subject(record, rs.inputs, index=0, subject_type="project")
        points, total = rs.evaluator.points(data)
        full = rs.evaluator.subject(data)
        assert total == full.total
        by_id = {f.rule_id: f.points for f in full.findings if f.kind != "check"}
        assert {k: v for k, v in points.items() if k in by_id} == by_id


def test_a_year_with_a_figure_is_unchanged() -> None:
    rs = _rules("not_applicable")
    report = rs.evaluate({"id": "d1", "values": {"cost": {2023: 50, 2024: 51}, "rate": 96}})
    got = {f.rule_id: f.outcome for f in report.findings}
    assert got["growth"] == "fail" and got["direct"] == "pass" and got["when"] == "pass"
    assert got["rising"] == "pass" and got["same"] == "fail"


SHAPES = """\
perfscore: 1
id: shapes
title: 序列函数与空年
version: "1"
inputs:
  s: {type: series, of: money, unit: 万元, title: 历年支出}
indicators:
  - {id: mean, title: 均值, weight: 10, value: "mean(last(s, 3))", scorer: {type: threshold, op: ">=", target: 1}}
  - {id: bands, title: 分档, weight: 10, value: s, scorer: {type: series_bands, last: 3, at_least: 2, bands: [{range: ">= 1", points: 10}], otherwise: 0}}
  - {id: biggest, title: 最大, weight: 10, value: "max(last(s, 1))", scorer: {type: threshold, op: ">=", target: 1}}
  - {id: total, title: 合计, weight: 10, value: "sum(s)", scorer: {type: threshold, op: ">=", target: 1}}
  - {id: years, title: 年数, weight: 10, value: "count(s)", scorer: {type: threshold, op: ">=", target: 2}}
"""


def test_the_functions_of_a_whole_series_keep_their_own_rule() -> None:
    """docs/rule-language.md §5's table: mean over a blank year, series_bands with too few
    years and max of no figures are errors (a 3-year mean must not average 2); sum and count
    skip the blank year."""
    rs = load_ruleset_text(SHAPES, source="shapes.yaml")
    report = rs.evaluate({"id": "x", "values": {"s": {2022: 5, 2023: 6, 2024: None}}})
    got = {f.rule_id: f.outcome for f in report.findings}
    assert got == {
        "mean": "error",
        "bands": "error",
        "biggest": "error",
        "total": "pass",
        "years": "pass",
    }


def _series_records() -> list[dict[str, Any]]:
    """Departments for tests/series_rules.py: years blank, years not listed, full series."""
    return [
        {"id": "a", "paid": {2022: 100, 2023: None}, "outturn": {2021: 96, 2022: 97, 2023: 99},
         "budget": 100},
        {"id": "b", "paid": {2022: 100}, "outturn": {2021: 96, 2022: 97}, "budget": 100},
        {"id": "c", "paid": {2021: 5, 2023: 110}, "outturn": {2021: 96, 2022: None, 2023: 99},
         "budget": 100},
        {"id": "d", "paid": {2022: 100, 2023: 120}, "outturn": {2021: 96, 2022: 97, 2023: 99},
         "budget": 100},
        {"id": "e", "paid": {2022: 0, 2023: 5}, "outturn": {2023: 80}, "budget": 100},
    ]  # fmt: skip


@pytest.mark.parametrize("policy", list(POLICY))
def test_by_columns_as_per_record(policy: str, tmp_path: Path) -> None:
    """The generated-series rule set (year() in a growth metric, a leaf's value and a
    formula): ColumnarScorer on mapping cells and on year columns gives the records' outcomes,
    points and totals under each policy, the rule set staying on the columns."""
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import ColumnarScorer

    rs = load_ruleset_text(
        SERIES_RULES.replace("missing: not_applicable", f"missing: {policy}"), source="s.yaml"
    )
    records = _series_records()
    report = rs.evaluate(records)
    want = {(f.subject.id, f.rule_id): (f.outcome, f.points) for f in report.findings}
    ids = [r["id"] for r in records]
    grow = [want[(i, "grow")][0] for i in ids]
    assert grow[:3] == [POLICY[policy][0]] * 3  # a year(paid, ...) without a figure
    maps = pd.DataFrame(records)
    cols: dict[str, list[Any]] = {"id": ids, "budget": [r["budget"] for r in records]}
    for name, years in (
        ("项目支出数", (2021, 2022, 2023)),
        ("近三年预算执行率", (2021, 2022, 2023)),
    ):
        key = "paid" if name == "项目支出数" else "outturn"
        for y in years:
            cols[f"{y}年{name}"] = [r[key].get(y) for r in records]
    years_frame = pd.DataFrame(cols)
    for frame in (maps, years_frame):
        cs = ColumnarScorer(rs)
        assert cs.supported, cs.reason
        result = cs.score(frame)
        assert result.totals_decimal() == [s.total for s in report.subjects]
        for rid in ("grow", "latest", "hist", "share", "rising"):
            got = list(zip(result.outcomes(rid), result.points_decimal(rid), strict=True))
            assert got == [want[(i, rid)] for i in ids], rid


def test_the_command_writes_the_same_bytes_by_columns(tmp_path: Path) -> None:
    """JSON Lines and a GBK CSV (one column a year) through ``perfscore score``: the same
    Parquet findings with and without ``--no-columnar``; the growth rows 不适用 with a total."""
    rules = tmp_path / "r.yaml"
    rules.write_text(SERIES_RULES, encoding="utf-8")
    records = _series_records()
    (tmp_path / "d.jsonl").write_text(
        "".join(
            json.dumps(
                {**r, **{k: {str(y): v for y, v in r[k].items()} for k in ("paid", "outturn")}}
            )
            + "\n"
            for r in records
        ),
        encoding="utf-8",
    )
    headers = ["部门编码", "年度预算数"]
    headers += [f"{y}年项目支出数" for y in (2021, 2022, 2023)]
    headers += [f"{y}年近三年预算执行率" for y in (2021, 2022, 2023)]
    with (tmp_path / "d.csv").open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for r in records:
            row = [r["id"], r["budget"]]
            row += ["" if r["paid"].get(y) is None else r["paid"][y] for y in (2021, 2022, 2023)]
            row += [
                "" if r["outturn"].get(y) is None else r["outturn"][y] for y in (2021, 2022, 2023)
            ]
            w.writerow(row)
    for name in ("d.jsonl", "d.csv"):
        columnar_bytes_agree(rules, tmp_path / name, tmp_path)
        _, text, _ = run("score", str(rules), str(tmp_path / name), "--format", "jsonl")
        lines = [json.loads(x) for x in text.splitlines()]
        grow = {
            x["subject"]["id"]: x["outcome"]
            for x in lines
            if x.get("record") == "finding" and x.get("rule_id") == "grow"
        }
        assert grow == {"a": "not_applicable", "b": "not_applicable", "c": "not_applicable",
                        "d": "pass", "e": "not_applicable"}, name  # fmt: skip
        totals = {x["subject"]["id"]: x["total"] for x in lines if x.get("record") == "subject"}
        assert totals["a"] is not None, name
