"""A rule set that does not load is said in Chinese in a ``--lang zh`` run: each slip a bureau
makes, broken one way at a time, gives problems whose words are Chinese (ids and names kept as
written), and the same problems in English otherwise."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import perfscore
from perfscore.cli import main
from perfscore.loadwords import load_zh

GOOD = """\
perfscore: 1
id: dept
title: 某部门整体支出绩效评价
version: "1"
inputs:
  budget: {type: money, unit: 万元, title: 预算数, required: true, min: 0}
  executed: {type: money, unit: 万元, title: 执行数, required: true, min: 0}
  sat: {type: percent, title: 满意度}
  level: {type: text, title: 级次, choices: [省级, 市级]}
metrics:
  rate: {title: 执行率, expr: executed / budget, unit: "%"}
indicators:
  - id: process
    title: 过程
    weight: 60
    children:
      - {id: execution, title: 执行率, weight: 30, value: rate, scorer: {type: threshold, op: ">=", target: 0.95}}
      - {id: bands, title: 分档, weight: 30, value: rate, scorer: {type: bands, bands: [{range: ">= 0.9", points: 30}, {range: "< 0.9", points: 10}]}}
  - {id: satisfaction, title: 满意度, weight: 40, value: sat, scorer: {type: proportional, target: 0.9}}
checks:
  - {id: adds_up, title: 合计, type: equal, left: executed, right: budget, tolerance: 0.01}
grades:
  min_coverage: 0.6
  bands:
    - {id: excellent, label: 优, min: 90}
    - {id: poor, label: 差, min: 0}
"""

SLIPS = [
    ("weight: 40, value: sat", "wieght: 40, value: sat"),  # a misspelt key
    ('version: "1"\n', ""),  # a missing key
    ("{type: percent, title: 满意度}", "{type: percnet, title: 满意度}"),
    ("min: 0}\n  executed", "min: x}\n  executed"),
    ("expr: executed / budget", "expr: executed / budgte"),
    ("value: sat,", "value: sat + level,"),
    (
        "weight: 30, value: rate, scorer: {type: threshold",
        "weight: 20, value: rate, scorer: {type: threshold",
    ),
    ('{range: "< 0.9", points: 10}', '{range: "< 0.5", points: 10}'),
    ("points: 30}, {range", "points: 31}, {range"),
    ("id: satisfaction,", "id: execution,"),
    ("{id: poor, label: 差, min: 0}", "{id: poor, label: 差, min: 95}"),
    ("min_coverage: 0.6", "min_coverage: 60"),
    ('op: ">="', 'op: "=>"'),
    ("id: adds_up,", "id: 合计,"),
    ("type: equal, left: executed, right: budget", "type: equal, left: executed"),
    ("value: sat,", "value: sat, when: \"level == '县级'\","),
    ("value: sat,", "value: sat, when: level = '省级',"),
    ("perfscore: 1", "perfscore: 2"),
    ("  - {id: satisfaction", "\t- {id: satisfaction"),
    ("title: 合计,", "title: 合计: 基本,"),
    ("{id: excellent, label: 优, min: 90}", "{id: excellent, label: 优, min: 900}"),
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _problems(text: str) -> list[perfscore.errors.Problem]:
    with pytest.raises(perfscore.RuleSetError) as e:
        perfscore.load_ruleset_text(text)
    return list(e.value.problems)


def test_the_good_set_loads() -> None:
    perfscore.load_ruleset_text(GOOD)


@pytest.mark.parametrize(("old", "new"), SLIPS)
def test_every_slip_is_said_in_chinese(old: str, new: str) -> None:
    assert old in GOOD
    for p in _problems(GOOD.replace(old, new, 1)):
        zh, en = p.render("zh"), p.render("en")
        said = zh.split(": ", 1)[-1] if p.path else zh
        assert CJK.search(said.replace("满意度", "").replace("合计", "").replace("优", "")), zh
        assert " (did you mean" not in zh and "did you mean" not in zh
        assert en == str(p) and (" (did you mean" in en) == bool(p.suggestion)
        assert p.path == () or all(isinstance(k, int) or k.isascii() for k in p.path)


def test_a_zh_validate_prints_them_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(GOOD.replace("weight: 40, value: sat", "wieght: 40, value: sat"), "utf-8")
    out = io.StringIO()
    assert main(["--lang", "zh", "validate", str(path)], stdout=out, stderr=io.StringIO()) == 2
    assert "未知的键 'wieght'（是否想写 'weight'？）" in out.getvalue()
    en = io.StringIO()
    main(["--lang", "en", "validate", str(path)], stdout=en, stderr=io.StringIO())
    assert "unknown key 'wieght' (did you mean 'weight'?)" in en.getvalue()
    err = io.StringIO()  # score: the same words on standard error
    data = tmp_path / "d.csv"
    data.write_text("id,预算数,执行数\na,100,95\n", encoding="utf-8")
    main(["--lang", "zh", "score", str(path), str(data)], stdout=io.StringIO(), stderr=err)
    assert "未知的键 'wieght'" in err.getvalue()


def test_an_unknown_message_stays_as_it_is() -> None:
    assert load_zh("something nobody wrote") is None
    assert load_zh("unknown name 'budgte'") == "未知的名称 'budgte'"


def test_a_misspelt_weight_gives_one_problem_not_a_wrong_total_too() -> None:
    # the indicator set aside counts 0 towards the weights: the declared total is not said to
    # be off because of it
    declared = GOOD.replace('version: "1"\n', 'version: "1"\nsettings: {total: 100}\n')
    [p] = _problems(declared.replace("weight: 40, value: sat", "wieght: 40, value: sat"))
    assert p.path[-1] == "wieght"


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("input should be a valid dictionary or instance of TierConfig", "应为映射（键: 值）"),
        ("input should be a valid dictionary", "应为映射（键: 值）"),
        ("input should be a valid string", "应为文字"),
        ("input should be less than or equal to 1", "应不大于 1"),
        ("unknown aggregator 'avg'", "未知的汇总方式 'avg'"),
        ("item id 'a' is used twice", "条目 id 'a' 用了两次"),
        ("cannot order text", "不能比较文字的大小"),
        ("cannot negate a list", "不能对列表取负"),
    ],
)
def test_each_row_of_a_family_is_said(english: str, chinese: str) -> None:
    """The tables written once per family (one pattern, several words): each word said, the
    particular before the general ("dictionary or instance of X" was shadowed by "dictionary"
    and kept " or instance of X" in English)."""
    from perfscore.loadwords import load_zh

    assert load_zh(english) == chinese
