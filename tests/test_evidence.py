"""Evidence in every people's format: the report line each figure came from (extract or
--template) and the rule set's evidence mark when the rule is not from a document seen first
hand (RECALLED, ASSUMED, ...)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import perfscore
from perfscore.export import export
from perfscore.extract import subjects_from_reports
from perfscore.terminal import render_report

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "examples" / "reports" / "sample-dept-2023.txt"


@pytest.fixture(scope="module")
def report() -> perfscore.Report:
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    return rs.evaluate(list(subjects_from_reports([str(REPORT)], "cn-dept-self-eval")))


def test_the_failing_indicator_carries_its_report_line(report: perfscore.Report) -> None:
    f = report.subjects[0].finding("key_tasks")
    assert f.outcome == "fail"
    lines = [loc["line"] for loc in f.data_locations if loc.get("role") == "report"]
    assert lines and all(isinstance(n, int) for n in lines)


@pytest.mark.parametrize("fmt", ["table", "md", "html", "csv", "xlsx"])
def test_every_human_format_shows_line_and_mark(report: perfscore.Report, fmt: str) -> None:
    f = report.subjects[0].finding("key_tasks")
    line = next(loc["line"] for loc in f.data_locations if loc.get("role") == "report")
    if fmt == "table":
        out = io.StringIO()
        render_report(report, out, width=400)
        text = out.getvalue()
    elif fmt == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        wb = openpyxl.load_workbook(io.BytesIO(export(report, "xlsx")))
        text = "\n".join(str(c) for ws in wb.worksheets for row in ws.values for c in row)
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(export(report, "csv").decode("utf-8"))))
        text = next(r["evidence"] for r in rows if r["rule_id"] == "key_tasks")
    else:
        text = export(report, fmt).decode("utf-8")
    assert f"第 {line} 行" in text, fmt
    assert "依据 RECALLED" in text, fmt  # the rule set's mark for this indicator
