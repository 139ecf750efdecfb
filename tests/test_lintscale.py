"""Warnings about rates on the wrong scale: a percent input's bound written as a ratio, a check
comparing a ratio with percentage points, and a reported rate compared exactly with a quotient."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import perfscore
from perfscore.cli import main
from perfscore.lint import ruleset_warnings

RATES = """\
perfscore: 1
id: rates
title: 某局部门整体
version: "1"
inputs:
  budget: {type: money, min: 0}
  executed: {type: money, min: 0}
  reported_rate: {type: percent, title: 报告所列执行率}
  staff_sat: {type: percent, title: 教职工满意度, min: 0, max: 100}
  outturn: {type: series, of: percent, title: 历年执行率, max: 200}
  count: {type: number, min: 0, max: 1}
metrics:
  exec_rate: {title: 预算执行率, expr: executed / budget, unit: "%"}
  exec_points: {expr: exec_rate * 100}
indicators:
  - {id: execution, title: 预算执行率, weight: 100, value: exec_rate,
     scorer: {type: threshold, op: ">=", target: 0.95}}
checks:
  - id: reported_rate_agrees
    title: 报告执行率与计算一致
    type: equal
    left: reported_rate
    right: round(exec_rate, 4)
"""


def _warnings(text: str) -> list[str]:
    return [w.render("en") for w in ruleset_warnings(perfscore.load_ruleset_text(text))]


def test_a_clean_set_has_no_warning() -> None:
    assert _warnings(RATES) == []  # max: 1 on a plain number is a bound of 1, not a rate


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("min: 0, max: 100}", "min: 0, max: 1}"),
        ("min: 0, max: 100}", "min: 0.5, max: 100}"),
        ("of: percent, title: 历年执行率, max: 200", "of: percent, title: 历年执行率, max: 1"),
    ],
)
def test_a_percent_input_bound_written_as_a_ratio_is_a_warning(old: str, new: str) -> None:
    [w] = _warnings(RATES.replace(old, new))
    setting = "min" if "0.5" in new else "max"
    number = "0.5" if "0.5" in new else "1"
    assert f"› {setting}: warning: " in w and "is a percent input" in w
    assert f"{setting}: {number} means {number}%" in w
    assert f"write {setting}: {json(number)}" in w
    zh = ruleset_warnings(perfscore.load_ruleset_text(RATES.replace(old, new)))[0].render("zh")
    assert f"即 {number}%，数据超出即被拒" in zh


def json(number: str) -> str:
    return {"1": "100", "0.5": "50"}[number]


@pytest.mark.parametrize(
    "right",
    ["round(exec_rate * 100, 2)", "exec_points", "100 * exec_rate", "round(exec_points, 2)"],
)
def test_a_ratio_compared_with_percentage_points_is_a_warning(right: str) -> None:
    text = RATES.replace("right: round(exec_rate, 4)", f"right: {right}")
    [w] = _warnings(text)
    assert w.startswith("<string>:23:12: checks › [0] › right: warning: reported_rate is a ratio")
    assert f"but {right} is in percentage points (95% is 95)" in w
    # both on the points scale, or both ratios: nothing to say
    both = text.replace("left: reported_rate", "left: reported_rate * 100")
    assert _warnings(both) == []
    back = text.replace(f"right: {right}", f"right: round({right} / 100, 4)")
    assert _warnings(back) == []


def test_an_assert_comparing_a_ratio_with_points_is_a_warning() -> None:
    text = RATES.replace(
        "    left: reported_rate\n    right: round(exec_rate, 4)\n",
        "    expr: reported_rate <= round(exec_rate * 100, 2)\n",
    ).replace("type: equal", "type: assert")
    [w] = _warnings(text)
    assert "checks › [0] › expr: warning: reported_rate is a ratio" in w


def test_a_reported_rate_compared_exactly_with_a_quotient_is_a_warning(tmp_path: Path) -> None:
    text = RATES.replace("right: round(exec_rate, 4)", "right: exec_rate")
    [w] = _warnings(text)
    assert w.startswith("<string>:23:12: checks › [0] › right: warning: 报告所列执行率")
    assert "(reported_rate) is a reported rate" in w and "such as round(exec_rate, 4)" in w
    # the computed side on the left, or the division written out, is the same slip
    flipped = text.replace("left: reported_rate", "left: executed / budget")
    flipped = flipped.replace("right: exec_rate", "right: reported_rate")
    assert len(_warnings(flipped)) == 1
    # a tolerance, a round() or a rate that is not computed by a division: nothing to say
    tolerant = text.replace("right: exec_rate", "right: exec_rate\n    tolerance: 0.0001")
    assert _warnings(tolerant) == []
    assert _warnings(text.replace("right: exec_rate", "right: round(exec_rate, 4)")) == []
    other = text.replace("right: exec_rate", "right: staff_sat")
    assert _warnings(other) == []
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    assert main(["--lang", "zh", "validate", str(path)], stdout=out, stderr=io.StringIO()) == 0
    assert "警告：报告所列执行率（reported_rate）是报表填报的比率" in out.getvalue()


def test_bundled_rule_sets_have_no_scale_warning() -> None:
    root = Path(__file__).resolve().parent.parent / "rules"
    for path in sorted(root.glob("*.yaml")):
        if not path.name.endswith(".tests.yaml"):
            assert ruleset_warnings(perfscore.load_ruleset(path)) == [], path.name
