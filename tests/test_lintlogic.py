"""Warnings about what conditions, units and explanations mean: a ``when`` that can never hold,
money in two units, a tier's ratio read from a value declared beyond 1, and an ``explain_if``
whose ``require`` is not an explanation (perfscore.lintlogic, said by ``perfscore validate``)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import perfscore
from perfscore.cli import main
from perfscore.lint import ruleset_warnings

SET = """\
perfscore: 1
id: logic
title: 某区项目支出
version: "1"
inputs:
  kind: {type: text, title: 项目类别, choices: [基建, 信息化, 民生补助]}
  area: {type: text, title: 所属片区}
  audited: {type: boolean, title: 已审计}
  has_rules: {type: boolean, title: 已制定管理制度}
  cost_planned: {type: money, unit: 万元, title: 计划成本}
  cost_actual: {type: money, unit: 万元, title: 实际成本}
  per_head: {type: money, unit: 元, title: 人均标准}
  paid_head: {type: money, unit: 元, title: 人均发放}
  share: {type: number, title: 得分比例, min: 0, max: 1}
  score100: {type: number, title: 评审得分（百分制）, min: 0, max: 100}
  verdict: {type: text, title: 评审等次, choices: [achieved, partial]}
  reason: {type: text, title: 原因说明}
  spent: {type: money, unit: 万元, title: 实际支出}
  budget: {type: money, unit: 万元, title: 预算数}
metrics:
  exec_rate: {title: 预算执行率, expr: spent / budget, unit: "%"}
indicators:
  - id: build
    title: 基建类
    weight: 40
    when: kind == '基建' or area == '城东'
    children:
      - {id: cost, title: 成本控制, weight: 20, when: "kind in ('基建', '信息化')",
         value: cost_actual, scorer: {type: proportional, target: cost_planned, direction: lower}}
      - {id: audit, title: 审计, weight: 20, when: "audited and not kind == '民生补助'",
         value: paid_head - per_head, scorer: {type: threshold, op: "<=", target: 0}}
  - id: target
    title: 绩效目标
    weight: 30
    scorer:
      type: tier
      tier: verdict
      ratio: share
      tiers:
        - {id: achieved, title: 达成, range: "[0.8, 1]"}
        - {id: partial, title: 部分达成, range: "[0, 0.8)", default: 0.5}
  - id: rules
    title: 制度
    weight: 30
    scorer: {type: checklist, items: [{id: r, title: 制度, points: 30, when: has_rules}]}
checks:
  - id: explained
    title: 执行率低于 90% 须说明原因
    type: explain_if
    when: exec_rate < 0.9
    require: reason
"""


def _warnings(text: str) -> list[str]:
    return [w.render("en") for w in ruleset_warnings(perfscore.load_ruleset_text(text))]


def test_a_clean_set_has_no_warning() -> None:
    # an or with another input, an in that overlaps its group's, a yes/no and a not: all can hold
    assert _warnings(SET) == []


@pytest.mark.parametrize(
    "when",
    [
        "kind == '基建' and kind == '信息化'",
        "kind in ('基建',) and kind != '基建'",
        "audited and not audited",
        "kind == '基建' and not (kind in ('基建', '民生补助'))",
        "area == '城东' and area == '城西'",
    ],
)
def test_a_when_that_holds_for_no_value_is_a_warning(when: str) -> None:
    text = SET.replace("when: \"kind in ('基建', '信息化')\"", f'when: "{when}"')
    [w] = _warnings(text)
    assert w.startswith("<string>:28:51: indicators › [0] › children › [0] › when: warning: ")
    assert f"成本控制 (cost) has when: {when}, which holds for no value" in w
    zh = ruleset_warnings(perfscore.load_ruleset_text(text))[0].render("zh")
    assert "警告：成本控制（cost）的 when: " in zh and "该指标从不评分" in zh


def test_a_when_contradicting_its_groups_is_a_warning_said_once() -> None:
    group = SET.replace("when: kind == '基建' or area == '城东'", "when: kind == '基建'")
    child = group.replace("when: \"kind in ('基建', '信息化')\"", "when: kind == '信息化'")
    [w] = _warnings(child)
    assert "成本控制 (cost) has when: kind == '信息化', which can never hold together" in w
    assert "its groups' (kind == '基建')" in w
    # the group's own when never holding is said at the group, not again at its children
    never = SET.replace(
        "when: kind == '基建' or area == '城东'", "when: kind == '基建' and kind == '民生补助'"
    )
    [w] = _warnings(never)
    assert "基建类 (build) has when:" in w and "[0] › when: warning" in w
    # with the group's or, another input keeps the child possible
    assert _warnings(group.replace("when: kind == '基建'", "when: kind == '基建' or audited")) == []


@pytest.mark.parametrize(
    "when",
    [
        "kind == '基建' and clamp(1, 0, 2) > 5",
        "kind != '基建' or kind == '基建'",
        "audited or not audited",
    ],
)
def test_what_cannot_be_decided_or_always_holds_is_not_warned(when: str) -> None:
    assert _warnings(SET.replace("when: \"kind in ('基建', '信息化')\"", f'when: "{when}"')) == []


def test_money_in_two_units_is_a_warning() -> None:
    text = SET.replace(
        "cost_planned: {type: money, unit: 万元", "cost_planned: {type: money, unit: 元"
    )
    [w] = _warnings(text)
    assert "› [0] › children › [0] › scorer › target: warning: cost_actual is in 万元 but" in w
    assert "cost_planned is in 元" in w and "declare both inputs in one unit" in w
    assert "off by a factor of 10000;" in w
    # inside one expression too, and through a metric (said at the metric only)
    text = SET.replace("paid_head: {type: money, unit: 元", "paid_head: {type: money, unit: 万元")
    [w] = _warnings(text)
    assert "› value: warning: paid_head is in 万元 but per_head is in 元" in w
    text = SET.replace("spent: {type: money, unit: 万元", "spent: {type: money, unit: 元")
    [w] = _warnings(text)
    assert (
        w.startswith("<string>:21:") and "metrics › exec_rate › expr: warning: spent is in 元" in w
    )
    zh = ruleset_warnings(perfscore.load_ruleset_text(text))[0].render("zh")
    assert "spent 以元计，budget 以万元计" in zh and "会相差 10000 倍" in zh
    # a unit only one side declares, or not a money unit, is not said
    assert _warnings(SET.replace("spent: {type: money, unit: 万元", "spent: {type: money")) == []


def test_a_tier_ratio_read_from_a_score_out_of_100_is_a_warning() -> None:
    text = SET.replace("ratio: share", "ratio: score100")
    [w] = _warnings(text)
    assert "› scorer › ratio: warning: a tier's ratio is a share" in w
    assert "评审得分（百分制） (score100) is declared up to 100" in w
    assert "write ratio: score100 / 100" in w
    assert _warnings(text.replace("ratio: score100", "ratio: score100 / 100")) == []
    percent = SET.replace("share: {type: number,", "share: {type: percent,")
    assert _warnings(percent.replace("max: 1}", "max: 100}")) == []
    assert len(_warnings(percent.replace("max: 1}", "max: 120}"))) == 1


@pytest.mark.parametrize(
    ("require", "said"),
    [
        ("spent", "is a number, which never counts"),
        ("kind", "is a text with fixed choices"),
        ("has_rules", "is read by the indicators (scored or tested)"),
        ("audited", "is read by the indicators (scored or tested)"),
    ],
)
def test_an_explain_if_requiring_what_is_not_an_explanation_is_a_warning(
    require: str, said: str
) -> None:
    [w] = _warnings(SET.replace("require: reason", f"require: {require}"))
    assert "checks › [0] › require: warning: an explain_if's require names" in w and said in w


def test_a_yes_no_saying_an_explanation_was_given_is_not_warned() -> None:
    text = SET.replace(
        "  reason: {type: text, title: 原因说明}",
        "  reason: {type: text, title: 原因说明}\n  explained: {type: boolean, title: 已说明原因}",
    )
    assert _warnings(text.replace("require: reason", "require: explained")) == []


def test_validate_prints_them_and_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(SET.replace("audited and not", "audited and not audited and not"), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["--lang", "en", "validate", str(path)], stdout=out, stderr=err) == 0
    assert "› when: warning: 审计 (audit) has when:" in out.getvalue() + err.getvalue()


BUNDLED = sorted((Path(__file__).resolve().parents[1] / "rules").glob("*.yaml"))


@pytest.mark.parametrize("path", [p for p in BUNDLED if not p.name.endswith(".tests.yaml")])
def test_no_bundled_rule_set_is_warned_about(path: Path) -> None:
    assert [w for w in _warnings(path.read_text("utf-8"))] == []
