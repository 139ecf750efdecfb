"""`perfscore test`: rule-set test cases in YAML, diffs on failure, coverage of outcomes and bands."""

from __future__ import annotations

from pathlib import Path

import pytest

import perfscore
from perfscore.ruletest import case_file_for, run_tests

ROOT = Path(__file__).resolve().parent.parent


def test_bundled_rule_set_tests_pass() -> None:
    suite = run_tests(ROOT / "rules" / "cn-dept-overall.yaml")
    assert suite.passed, suite.render()
    assert len(suite.cases) >= 9
    scored, total = suite.coverage.ratio()
    assert scored == total  # every indicator and check is scored by some case


def test_failures_show_expected_and_actual_and_coverage_gaps(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text(
        'perfscore: 1\nid: r\ntitle: t\nversion: "1"\ninputs: {a: {type: percent}}\n'
        "indicators:\n  - id: x\n    title: X\n    weight: 5\n    value: a\n    scorer:\n      type: bands\n"
        "      bands:\n        - {range: '[0, 10%]', points: 5}\n        - {range: '(10%, 20%]', points: 3}\n"
        "        - {range: '> 20%', points: 0}\n",
        encoding="utf-8",
    )
    case_file_for(rules).write_text(
        "cases:\n"
        "  - {name: low, data: {a: 5}, expect: {total: 5, rules: {x: {outcome: pass, points: 5}}}}\n"
        "  - {name: mid, data: {a: 15}, expect: {total: 4, rules: {x: {points: 4}, y: {outcome: pass}}}}\n",
        encoding="utf-8",
    )
    suite = run_tests(rules)
    assert not suite.passed
    text = suite.render()
    assert "2 case(s), 1 passed, 1 failed" in text
    assert "FAIL mid" in text
    assert "  total: expected 4, got 3" in text
    assert "  x.points: expected 4, got 3" in text
    assert "  y: expected a rule of this rule set, got no such rule" in text
    assert "not covered: x: no case lands in > 20%" in text


def test_a_malformed_test_file_is_refused(tmp_path: Path) -> None:
    rules = ROOT / "rules" / "cn-dept-overall.yaml"
    bad = tmp_path / "t.yaml"
    bad.write_text("cases: 5\n", encoding="utf-8")
    with pytest.raises(perfscore.DataError, match="cases"):
        run_tests(rules, bad)


@pytest.mark.parametrize(
    "tests_file", sorted((ROOT / "rules").glob("*.tests.yaml")), ids=lambda p: p.name
)
def test_every_bundled_rule_set_test_file_passes(tests_file: Path) -> None:
    rules = tests_file.with_name(tests_file.name.replace(".tests.yaml", ".yaml"))
    suite = run_tests(rules, tests_file)
    assert suite.passed, suite.render()
