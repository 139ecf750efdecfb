"""``perfscore validate`` on an expression that chains many operations: the engine reads such
a chain flat and scores it; the lints read by recursion, so up to about a thousand operations
they still look for slips, and beyond that they say they could not (found by rev17: a
2,817-character ``+ 0`` chain crashed ``validate`` with a RecursionError)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import perfscore
from perfscore.cli import main
from perfscore.lint import ruleset_warnings
from perfscore.words import LINT


def _rules(terms: int, spent_unit: str = "万元") -> str:
    chain = "executed / budget" + " + 0" * terms
    return f"""\
perfscore: 1
id: long_sum
title: 长加法链
version: "1"
inputs:
  budget: {{type: money, unit: 万元, title: 全年预算数}}
  executed: {{type: money, unit: {spent_unit}, title: 执行数}}
  reported_rate: {{type: percent, title: 报告所列预算执行率}}
metrics:
  exec_rate: {{title: 预算执行率, expr: "{chain}", unit: "%"}}
indicators:
  - {{id: e, title: 预算执行率, weight: 50, value: exec_rate, scorer: {{type: threshold, op: ">=", target: 0.95}}}}
  - {{id: f, title: 直接, weight: 50, value: "{chain}", when: "{chain} > 0", scorer: {{type: proportional, target: 1}}}}
grades:
  min_coverage: 0.6
  bands:
    - {{id: ok, min: 60}}
    - {{id: bad, min: 0}}
checks:
  - {{id: c_rate, title: 报告所列预算执行率一致, type: equal, left: reported_rate, right: "round(exec_rate, 4)"}}
  - {{id: c2, title: 直接, type: assert, expr: "{chain} <= 1.2"}}
"""


def _deep_warning(lang: str) -> str:
    return LINT[lang]["too_deep"]


@pytest.mark.parametrize("terms", [700, 2000])
def test_a_long_chain_loads_scores_and_validates(tmp_path: Path, terms: int) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(_rules(terms), encoding="utf-8")
    rs = perfscore.load_ruleset(path)
    result = rs.evaluate_subject({"values": {"budget": 100, "executed": 96, "reported_rate": 96}})
    assert [f.outcome for f in result.findings] == ["pass", "fail", "pass", "pass"]
    out, err = io.StringIO(), io.StringIO()
    code = main(["--lang", "en", "validate", str(path)], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    said = out.getvalue() + err.getvalue()
    assert "RecursionError" not in said
    # up to about a thousand operations the lints read the chain; beyond, they say they could not
    assert (_deep_warning("en") in said) is (terms > 1000)


def test_a_slip_in_a_long_chain_is_still_found_below_the_depth() -> None:
    """The lints read a 700-term chain: a unit slip inside it is still said, at each place."""
    assert ruleset_warnings(perfscore.load_ruleset_text(_rules(700))) == []
    warnings = ruleset_warnings(perfscore.load_ruleset_text(_rules(700, spent_unit="元")))
    assert [(p.line, "10000" in p.message) for p in warnings] == [
        (10, True),
        (13, True),
        (21, True),
    ]


def test_the_deep_warning_is_said_once() -> None:
    warnings = [p.message for p in ruleset_warnings(perfscore.load_ruleset_text(_rules(2000)))]
    said = [w for w in warnings if _deep_warning("zh") in w or _deep_warning("en") in w]
    assert len(said) == 1
