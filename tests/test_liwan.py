"""The bundled example, pinned: the Liwan NPC office's 2023 report scored by cn-dept-overall."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

import perfscore
from perfscore.expr import rounded_once

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "cn-dept-overall.yaml"
DATA = ROOT / "examples" / "liwan-npc-office-2023.yaml"
REPORT_TXT = (
    ROOT.parent / "shared" / "reference" / "reports" / "liwan-npc-office-2023-self-evaluation.txt"
)


@pytest.fixture(scope="module")
def result() -> perfscore.SubjectResult:
    report = perfscore.load_ruleset(RULES).evaluate(perfscore.load_subjects(DATA))
    assert len(report.subjects) == 1
    return report.subjects[0]


def test_execution_rate_passes_the_95_percent_line(result: perfscore.SubjectResult) -> None:
    f = result.finding("execution_rate_score")
    assert f.outcome == "pass"
    assert f.points == Decimal(10) and f.weight == Decimal(10)
    assert f.display == "99.44%"
    # the exact quotient rounded once to 28 digits (ROUND_05UP: see perfscore.exact)
    assert f.value == rounded_once(Fraction("3415.62") / Fraction("3435.02"))
    assert f.threshold == {"op": ">=", "value": Decimal("0.95")}
    assert f.message == "预算执行率 99.44%，达到 95% 的标准，得 10/10 分"


def test_both_consistency_checks_pass(result: perfscore.SubjectResult) -> None:
    nature = result.finding("nature_adds_up")
    sources = result.finding("sources_add_up")
    assert (nature.outcome, sources.outcome) == ("pass", "pass")
    # 3137.52 + 278.1 is exactly 3415.62: no float noise
    assert nature.value == Decimal("3415.62")
    assert nature.threshold is not None and nature.threshold["value"] == Decimal("3415.62")


def test_reported_rate_agrees_at_one_decimal(result: perfscore.SubjectResult) -> None:
    f = result.finding("reported_rate_agrees")
    assert f.outcome == "pass"
    assert f.value == Decimal("0.994")


def test_missing_data_is_not_applicable_not_zero_nor_full(result: perfscore.SubjectResult) -> None:
    for rule_id in (
        "staffing_control",
        "three_public_change_rate",
        "budget_control",
        "public_funds_control",
        "disclosure",
        "targets_reasonable",
        "rules_sound",
        "benefits",
        "satisfaction_score",
    ):
        f = result.finding(rule_id)
        assert f.outcome == "not_applicable", rule_id
        assert f.points is None, rule_id
        assert f.fields, rule_id  # names the field that has no data
    assert result.finding("adjustment_explained").outcome == "not_applicable"
    assert result.finding("low_execution_explained").outcome == "pass"


def test_total_grade_and_coverage(result: perfscore.SubjectResult) -> None:
    # only 预算执行 (25) and 产出 (20)... of 100 have data: 执行率 10 + 重点工作 20 = 30% coverage
    assert result.coverage == Decimal("0.3")
    assert result.score("process").points == Decimal(40)
    assert result.score("outputs").points == Decimal(20)
    assert result.score("inputs").outcome == "not_applicable"
    assert result.total == Decimal(100)
    assert result.max == Decimal(100)
    # the rule set withholds a grade below 60% coverage rather than grading on 30% of the weight
    assert result.grade is None
    assert result.grade_reason_zh is not None and "30%" in result.grade_reason_zh
    assert result.complete


def test_example_figures_match_the_report_text() -> None:
    if not REPORT_TXT.exists():
        pytest.skip("../shared/ (the reference report) is not available here")
    text = REPORT_TXT.read_text(encoding="utf-8")
    values = perfscore.load_subjects(DATA).records[0]["values"]
    for key in (
        "budget",
        "executed",
        "basic_expenditure",
        "project_expenditure",
        "general_public_budget",
    ):
        assert str(values[key]) in text, key
    assert "99.4%" in text and values["reported_execution_rate"] == Decimal("99.4")


def test_json_is_byte_identical_across_runs() -> None:
    a = perfscore.load_ruleset(RULES).evaluate(perfscore.load_subjects(DATA)).to_json()
    b = perfscore.load_ruleset(RULES).evaluate(perfscore.load_subjects(DATA)).to_json()
    assert a == b
    doc = json.loads(a)
    assert doc["run"]["complete"] is True
    assert doc["summary"]["fail"] == 0
