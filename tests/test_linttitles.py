"""rev14's still-silent slips (session 13): those a rule set's own text contradicts are warned by
``perfscore validate`` (perfscore.linttitles, perfscore.lintscale) at file:line:col in both
languages; their corrected forms, and plausible rule sets meaning what they say, are not."""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

import pytest

import perfscore
from perfscore.cli import main
from perfscore.lint import ruleset_warnings
from perfscore.linttitles import title_warnings

ROOT = Path(__file__).resolve().parents[1]

#: A 市级 专项资金 project set written right: each test below breaks one thing in it.
SET = """\
perfscore: 1
id: city_fund
title: 市级专项资金项目
version: "1"
subject_type: project
inputs:
  spent: {type: money, unit: 万元, title: 实际支出数}
  budget: {type: money, unit: 万元, title: 年度预算数}
  eco: {type: percent, title: 生态环境指标达标率}
  sites_done: {type: integer, title: 实际建设点}
  sites_planned: {type: integer, title: 计划建设点}
  cost_actual: {type: money, unit: 万元, title: 实际成本}
  cost_plan: {type: money, unit: 万元, title: 计划成本}
  exec_hist: {type: series, of: percent, title: 近三年预算执行率}
  staff: {type: percent, title: 在职人员控制率}
metrics:
  exec_rate: {title: 预算执行率, expr: spent / budget, unit: "%"}
  site_rate: {title: 建设点完成率, expr: sites_done / sites_planned, unit: "%"}
  unit_cost_actual: {title: 实际单位成本, expr: cost_actual / sites_done, unit: 万元}
  unit_cost_plan: {title: 计划单位成本, expr: cost_plan / sites_planned, unit: 万元}
indicators:
  - id: p_exec
    title: 预算执行率（≥95% 满分，每低 1 个百分点扣 0.5 分，不足 1 个百分点按 1 个百分点计）
    weight: 20
    value: exec_rate
    scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 0.5, count: started}
  - id: e_eco
    title: 生态环境指标达标率（≥95% 得满分）
    weight: 20
    value: eco
    scorer: {type: threshold, op: ">=", target: 0.95}
  - id: o_unit_cost
    title: 单位成本控制
    weight: 20
    value: unit_cost_actual
    scorer: {type: proportional, target: unit_cost_plan, direction: lower}
  - id: o_sites
    title: 建设点完成率（不低于上年执行率）
    weight: 20
    value: site_rate
    scorer: {type: threshold, op: ">=", target: "year(exec_hist, 2023)"}
  - id: s_staff
    title: 在职人员控制率（每超过 1% 扣 0.5 分）
    weight: 20
    value: staff
    scorer: {type: deduct, start: 1, direction: above, per: 0.01, points: 0.5, count: exact}
"""


def _warnings(text: str, lang: str = "en") -> list[str]:
    return [w.render(lang) for w in ruleset_warnings(perfscore.load_ruleset_text(text))]


def test_the_set_written_right_has_no_warning() -> None:
    assert _warnings(SET) == []


SLIPS = [
    (  # value and target swapped on a unit cost
        "value: unit_cost_actual\n    scorer: {type: proportional, target: unit_cost_plan,",
        "value: unit_cost_plan\n    scorer: {type: proportional, target: unit_cost_actual,",
        "scores unit_cost_plan (计划单位成本) against unit_cost_actual (实际单位成本): the planned "
        "and the actual figure are swapped",
        "计划数与实际数写反了",
    ),
    (  # op ">" where the title says ≥
        'op: ">=", target: 0.95}',
        'op: ">", target: 0.95}',
        "says \"≥95%\" but its scorer has op: '>': a value of exactly 0.95",
        "标题写的是“≥95%”，而评分条件是 op: '>'",
    ),
    (  # a deduct whose direction is the opposite of its title
        "direction: below, per: 0.01, points: 0.5, count: started}",
        "direction: above, per: 0.01, points: 0.5, count: started}",
        'deducts for "每低" but the deduct has direction: above',
        "按“每低”扣分，而 deduct 写的是 direction: above",
    ),
    (  # a year's figure of a percent series times 100 as a rate's target
        'target: "year(exec_hist, 2023)"}',
        'target: "year(exec_hist, 2023) * 100"}',
        "the value site_rate is a ratio (95% is 0.95) but the target year(exec_hist, 2023) * 100 "
        "is in percentage points",
        "取值 site_rate 是比率",
    ),
]


@pytest.mark.parametrize(("right", "wrong", "en", "zh"), SLIPS)
def test_each_slip_is_warned_in_both_languages(right: str, wrong: str, en: str, zh: str) -> None:
    assert right in SET
    text = SET.replace(right, wrong)
    got = _warnings(text)
    assert len(got) == 1 and en in got[0], got
    assert zh in _warnings(text, "zh")[0]


@pytest.mark.parametrize(("right", "wrong", "en", "zh"), SLIPS)
def test_validate_says_each_at_its_file_line_col(
    tmp_path: Path, right: str, wrong: str, en: str, zh: str
) -> None:
    path = tmp_path / "fund.yaml"
    text = SET.replace(right, wrong)
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    assert main(["validate", str(path)], stdout=out, stderr=io.StringIO()) == 0
    first = wrong.split("\n")[0]
    line = next(i for i, x in enumerate(text.splitlines(), 1) if first in x)
    said = out.getvalue()
    assert f"{path}:{line}:" in said and en in said, said


#: Rule sets meaning what they say, each close to a slip: none is warned.
PLAUSIBLE = [
    # a strict bound the title says so (高于 / 超过 / >), and ≥ said as 以上
    (
        "title: 生态环境指标达标率（≥95% 得满分）",
        "title: 生态环境指标达标率（高于95%得满分）",
        'op: ">=", target: 0.95}',
        'op: ">", target: 0.95}',
    ),
    (
        "title: 生态环境指标达标率（≥95% 得满分）",
        "title: 生态环境指标达标率（95%以上得满分）",
        None,
        None,
    ),
    (
        "title: 生态环境指标达标率（≥95% 得满分）",
        "title: 生态环境指标达标率（达到95%得满分）",
        None,
        None,
    ),
    # a title with two bounds: the one not at the target says nothing of the op
    (
        "title: 生态环境指标达标率（≥95% 得满分）",
        "title: 生态环境指标达标率（>90% 得基本分，≥95% 得满分）",
        None,
        None,
    ),
    # ≥ at another number than the target: no contradiction to read
    (
        "title: 生态环境指标达标率（≥95% 得满分）",
        "title: 生态环境指标达标率（≥90% 合格）",
        'op: ">=", target: 0.95}',
        'op: ">", target: 0.95}',
    ),
    # a cap said 不超过, scored <=
    (
        "title: 生态环境指标达标率（≥95% 得满分）",
        "title: 超标排放率（不超过5%）",
        'op: ">=", target: 0.95}',
        'op: "<=", target: 0.05}',
    ),
    # a deduct whose title speaks of both sides, or of none
    (
        "title: 在职人员控制率（每超过 1% 扣 0.5 分）",
        "title: 在职人员控制率（每超过 1% 扣 0.5 分，每低 1% 不扣分）",
        None,
        None,
    ),
    ("title: 在职人员控制率（每超过 1% 扣 0.5 分）", "title: 在职人员控制率", None, None),
    # the actual against the plan (the right way), and a plan against another plan
    (
        'value: site_rate\n    scorer: {type: threshold, op: ">=", target: "year(exec_hist, 2023)"}',
        'value: sites_done\n    scorer: {type: threshold, op: ">=", target: sites_planned}',
        None,
        None,
    ),
    (
        "value: unit_cost_actual\n    scorer: {type: proportional, target: unit_cost_plan,",
        "value: unit_cost_plan\n    scorer: {type: proportional, target: cost_plan,",
        None,
        None,
    ),
]


@pytest.mark.parametrize(("a", "b", "c", "d"), PLAUSIBLE)
def test_plausible_sets_meaning_what_they_say_are_not_warned(
    a: str, b: str, c: str | None, d: str | None
) -> None:
    assert a in SET
    text = SET.replace(a, b)
    if c is not None and d is not None:
        assert c in text
        text = text.replace(c, d)
    rs = perfscore.load_ruleset_text(text)
    assert [w.render("en") for w in title_warnings(rs.compiled)] == []
    assert not [w for w in _warnings(text) if "percentage points" in w]


def _test_sets() -> list[tuple[str, str]]:
    """The rule sets written into the tests (string constants that are rule sets and load)."""
    found = []
    for p in sorted((ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = node.value
            if text.lstrip().startswith("perfscore:") and "indicators" in text:
                found.append((f"{p.name}:{node.lineno}", text))
    return found


def test_no_rule_set_the_project_or_its_tests_carry_gets_a_title_warning() -> None:
    """Every rule set of rules/, examples/, benchmarks/, docs/ and the tests (this module's
    slips aside): none warned by linttitles, none gets the series' percentage-point target."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_lintslips import _every_rule_set  # (what test_lintslips loads)

    loaded = 0
    for where, text in [*_every_rule_set(), *_test_sets()]:
        if where.startswith("test_linttitles.py") or "id: fund_slips" in text:
            continue  # (these slips, and the docs' example of their warnings)
        try:
            rs = perfscore.load_ruleset_text(text, source=where)
        except Exception:  # (a template the test fills in, a set refused on purpose)
            continue
        loaded += 1
        assert [w.render("en") for w in title_warnings(rs.compiled)] == [], where
        if "year(" in text or "last(" in text or "mean(" in text:
            said = [w.render("en") for w in ruleset_warnings(rs)]
            assert not [w for w in said if "percentage points (95% is 95)" in w], where
    assert loaded >= 120
