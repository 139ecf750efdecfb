"""A checklist scored with blank items counts in the coverage only the answered items' points
(rule-language §7.6, "Coverage of a partly blank checklist"): the leaf, its groups, the
subject's coverage and a grade's ``min_coverage``, the explanation, every exporter, the run
summary — the same on the record path, the points-only path and the columnar path, against a
``Fraction`` oracle."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from perfscore.colbatch import ColumnBatch  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.numbers import round_once  # noqa: E402
from perfscore.subjects import read_subject  # noqa: E402
from perfscore.summary import RunSummary  # noqa: E402
from test_columnar_when import _columns  # noqa: E402

DOC = Path(__file__).resolve().parents[1] / "docs" / "rule-language.md"

RULES = """\
perfscore: 1
id: cover
title: 清单空白项的数据覆盖
version: "1"
settings: {places: 2, missing: MISSING, not_applicable_weight: NAW}
inputs:
  made: {type: boolean, title: 制定管理制度}
  published: {type: boolean, title: 按规定公开}
  level: {type: text, title: 层级, choices: [county, city]}
  other: {type: number, title: 其他}
  extra: {type: number, title: 附加}
indicators:
  - id: part
    title: 管理与产出
    weight: 60
    AGGREGATE
    children:
      - id: manage
        title: 管理
        weight: 42
        scorer:
          type: checklist
          items:
            - {id: made, title: 制度, points: 12, when: made}
            - {id: open, title: 公开, points: 9, when: published}
            - {id: city, title: 市级, points: 21, when: "level == 'city'"}
      - {id: o, title: 其他, weight: 18, value: other, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: x, title: 附加, weight: 40, value: extra, scorer: {type: threshold, op: ">=", target: 1}}
grades:
  min_coverage: MIN
  bands: [{id: good, label: 良, min: 60}, {id: poor, label: 差, min: 0}]
"""

ITEMS = (("made", Fraction(12)), ("published", Fraction(9)), ("level", Fraction(21)))

POLICIES = [
    ("not_applicable", "redistribute"),
    ("not_applicable", "zero"),
    ("zero", "redistribute"),
    ("full", "redistribute"),
    ("error", "redistribute"),
]


def _rules(
    missing: str = "not_applicable", naw: str = "redistribute", mean: bool = False, low: str = "0.9"
) -> perfscore.RuleSet:
    text = (
        RULES.replace("MISSING", missing)
        .replace("NAW", naw)
        .replace("MIN", low)
        .replace("AGGREGATE", "aggregate: mean" if mean else "")
    )
    return perfscore.load_ruleset_text(text, source=f"{missing}-{naw}-{mean}-{low}.yaml")


def _oracle(rec: dict[str, Any], missing: str, naw: str, mean: bool) -> Fraction:
    """The subject's coverage, from first principles: each leaf's share of its weight that
    stood on data, weighed up the tree (a mean group as a weighted sum: weights × coverages
    over their total, as the engine's coverage does for every aggregator)."""

    def given(k: str) -> bool:
        v = rec.get(k)
        return v is not None and not (isinstance(v, float) and math.isnan(v))

    answered = sum((p for k, p in ITEMS if given(k)), Fraction(0))
    if answered == 0 or (missing == "error" and answered != 42):
        manage = Fraction(0)  # the policy decided the whole checklist, or an error: no data
    else:
        manage = answered / 42
    other = Fraction(1 if given("other") else 0)  # a blank: not from data whatever the policy
    extra = Fraction(1 if given("extra") else 0)
    part = (42 * manage + 18 * other) / 60  # (an error group still weighs its children)
    _ = (naw, mean)  # (neither changes what stood on data)
    return (60 * part + 40 * extra) / 100


@pytest.mark.parametrize(("missing", "naw"), POLICIES)
def test_a_partly_blank_checklist_covers_only_its_answered_items(missing: str, naw: str) -> None:
    """制度 是 (12), 公开 blank (9), 市级 county (0 of 21): 33 of 42 answered."""
    rs = _rules(missing, naw)
    s = rs.evaluate(
        {"id": "d", "values": {"made": True, "level": "county", "other": 1, "extra": 1}}
    )
    sub = s.subjects[0]
    manage = sub.score("manage")
    if missing == "error":  # an error covers nothing: (0 + 18) / 60 of the group
        assert manage.outcome == "error" and manage.coverage == 0
        assert sub.coverage == Decimal("0.58") and sub.total is None
        return
    assert manage.coverage == Decimal("0.7857")  # 33 / 42, rounded to 4 places
    assert sub.score("part").coverage == Decimal("0.85")  # (33 + 18) / 60
    assert sub.coverage == Decimal("0.91")  # (60 × 0.85 + 40) / 100
    assert sub.grade is not None  # 91% ≥ 90%
    low = _rules(missing, naw, low="0.92").evaluate(
        {"id": "d", "values": {"made": True, "level": "county", "other": 1, "extra": 1}}
    )
    assert low.subjects[0].grade is None and "91%" in (low.subjects[0].grade_reason_zh or "")


def test_nothing_blank_covers_everything() -> None:
    rs = _rules()
    values = {"made": True, "published": False, "level": "county", "other": 1, "extra": 1}
    sub = rs.evaluate({"id": "d", "values": values}).subjects[0]
    assert sub.score("manage").coverage == 1 and sub.coverage == 1


def test_the_explanation_says_what_the_coverage_counts() -> None:
    rs = _rules()
    values = {"made": True, "level": "county", "other": 1, "extra": 1}
    f = rs.evaluate({"id": "d", "values": values}).subjects[0].finding("manage")
    assert "数据覆盖只计已填各项 33 / 42 分" in f.explanation.zh
    assert "coverage counts only the answered items, 33 of 42 points" in f.explanation.en


def _doc_rules() -> perfscore.RuleSet:
    text = DOC.read_text("utf-8")
    at = text.index("id: checklist_coverage")
    start = text.rindex("```yaml rules\n", 0, at) + len("```yaml rules\n")
    return perfscore.load_ruleset_text(text[start : text.index("```", start)])


DOC_VALUES = {"disclosed_final_accounts": "是", "staff_actual": 20, "staff_authorised": 20}


def test_the_worked_example_of_the_docs_on_every_path() -> None:
    """rule-language §7.6: one answered item of 5 points out of 20: coverage 85%, no grade —
    by record, by columns, and in the run summary the columns give."""
    rs = _doc_rules()
    sub = rs.evaluate({"id": "d", "values": DOC_VALUES}).subjects[0]
    assert (sub.total, sub.coverage, sub.grade) == (Decimal("100.00"), Decimal("0.85"), None)
    for policy in ("zero", "full"):  # the same coverage: a blank counted by a policy is no data
        text = DOC.read_text("utf-8")
        at = text.index("id: checklist_coverage")
        start = text.rindex("```yaml rules\n", 0, at) + len("```yaml rules\n")
        body = text[start : text.index("```", start)].replace(
            "    weight: 20\n", f"    weight: 20\n    missing: {policy}\n", 1
        )
        other = perfscore.load_ruleset_text(body)
        assert other.evaluate({"id": "d", "values": DOC_VALUES}).subjects[0].coverage == Decimal(
            "0.85"
        )
    records = [
        {"id": "a", "values": DOC_VALUES},
        {"id": "b", "values": {**DOC_VALUES, "disclosed_budget": "是"}},
        {
            "id": "c",
            "values": {**DOC_VALUES, "disclosed_budget": "是", "disclosed_performance": "否"},
        },
    ]
    batch = ColumnBatch(rs, ColumnarScorer(rs), records, range(len(records)))
    assert [r.grade for r in batch.lazy()] == [None, "excellent", "excellent"]
    assert batch.result.covered_in_part is not None
    assert batch.result.covered_in_part.tolist() == [True, True, False]
    by_columns, by_records = RunSummary(rs.rules), RunSummary(rs.rules)
    batch.summarise(by_columns)
    for r in rs.evaluate(records).subjects:
        by_records.add(r)
    assert by_columns.as_dict() == by_records.as_dict()
    assert by_records.coverage_min == Decimal("0.85")


def test_every_output_says_the_same_coverage(tmp_path: Path) -> None:
    """The table, JSON, CSV, Markdown, HTML, JUnit, SARIF and Excel of the docs' example."""
    text = DOC.read_text("utf-8")
    at = text.index("id: checklist_coverage")
    start = text.rindex("```yaml rules\n", 0, at) + len("```yaml rules\n")
    rules = tmp_path / "rules.yaml"
    rules.write_text(text[start : text.index("```", start)], "utf-8")
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"id": "d", **DOC_VALUES}, ensure_ascii=False) + "\n", "utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "perfscore", "score", str(rules), str(data), "--output-dir"]
    formats = ["json", "csv", "md", "html", "junit", "sarif", "xlsx", "table"]
    args = [a for f in formats for a in ("--format", f)]
    done = subprocess.run([*cmd, str(out), *args], capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    files = {p.suffix: p for p in out.iterdir()}
    doc = json.loads(files[".json"].read_text("utf-8"))
    subject = doc["subjects"][0]
    assert subject["coverage"] == 0.85 and subject["grade"] is None
    assert {s["rule_id"]: s["coverage"] for s in subject["scores"]}["disclosure"] == 0.25
    rows = list(csv.DictReader(io.StringIO(files[".csv"].read_text("utf-8-sig"))))
    assert {r["subject_coverage"] for r in rows} == {"0.85"}
    assert "数据覆盖只计已填各项 5 / 20 分" in rows[0]["explanation"]
    for suffix in (".md", ".html"):
        assert "85%" in files[suffix].read_text("utf-8"), suffix
    # the report's weight behind the total: the answered 5 of the checklist's 20 and the 80
    assert "100 / 100（实得 85 / 可评 85 / 满分 100，数据覆盖 85%）" in files[".txt"].read_text(
        "utf-8"
    )
    junit = next(p for p in out.iterdir() if p.name.endswith(".xml")).read_text("utf-8")
    assert 'name="coverage" value="0.85"' in junit
    sarif = json.loads(next(p for p in out.iterdir() if "sarif" in p.name).read_text("utf-8"))
    assert '"coverage": 0.85' in json.dumps(sarif)
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(files[".xlsx"], read_only=True)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert 0.85 in cells or Decimal("0.85") in cells or "85%" in cells


@st.composite
def _rows(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "made": draw(st.sampled_from([True, False, None])),
        "published": draw(st.sampled_from([True, False, None])),
        "level": draw(st.sampled_from(["county", "city", None])),
        "other": draw(st.sampled_from([1.0, 0.0, math.nan])),
        "extra": draw(st.sampled_from([1.0, 0.0, math.nan])),
    }


def _agree(
    rs: perfscore.RuleSet, rows: list[dict[str, Any]], missing: str, naw: str, mean: bool
) -> None:
    cs = ColumnarScorer(rs)
    assert cs.supported, cs.reason
    res = cs.score(_columns(rows))
    assert not res.fallback.any()
    records = []
    for i, rec in enumerate(rows):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        record = {"id": f"r{i}", "values": {k: v for k, v in clean.items() if v is not None}}
        records.append(record)
        want = rs.evaluate_subject(record, index=i)
        assert want.coverage == round_once(_oracle(rec, missing, naw, mean), 4), (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)  # the columns' coverage, as min_coverage
        assert res.totals_decimal()[i] == want.total, (i, rec)
        data = read_subject(record, rs.compiled.inputs, index=i, subject_type="department")
        points, total = rs.evaluator.points(data)  # the points-only path
        assert total == want.total and all(points[s.rule_id] == s.points for s in want.scores)
    batch = ColumnBatch(rs, cs, records, range(len(records)))
    by_columns, by_records = RunSummary(rs.rules), RunSummary(rs.rules)
    batch.summarise(by_columns)
    for r in rs.evaluate(records).subjects:
        by_records.add(r)
    assert by_columns.as_dict() == by_records.as_dict()


@pytest.mark.parametrize(("missing", "naw"), POLICIES)
@pytest.mark.parametrize("mean", [False, True])
@settings(max_examples=30, deadline=None)
@given(rows=st.lists(_rows(), min_size=1, max_size=25), low=st.sampled_from(["0.5", "0.9", "1"]))
@example(
    rows=[{"made": True, "published": None, "level": "county", "other": 1.0, "extra": 1.0}],
    low="0.9",
)
def test_record_points_only_and_columnar_agree_on_coverage(
    missing: str, naw: str, mean: bool, rows: list[dict[str, Any]], low: str
) -> None:
    _agree(_rules(missing, naw, mean, low), rows, missing, naw, mean)
