"""rev13's slips that loaded silently, now warned by ``perfscore validate`` (perfscore.lintslips):
each slip is warned at its file:line:col in both languages, and its corrected form is not."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

import perfscore
from perfscore.cli import main
from perfscore.lint import ruleset_warnings
from perfscore.lintslips import slip_warnings

#: A 省级 部门整体 set written right: every test below breaks one thing in it.
SET = """\
perfscore: 1
id: prov_dept
title: 省级部门整体支出
version: "1"
settings: {total: 100}
inputs:
  satisfaction: {type: number, title: 满意度, min: 0, max: 1}
  spent: {type: money, unit: 万元, title: 执行数}
  budget: {type: money, unit: 万元, title: 预算数}
  last_rate: {type: percent, title: 上年预算执行率}
  basic: {type: money, unit: 万元, title: 基本支出}
  project: {type: money, unit: 万元, title: 项目支出}
  cost_actual: {type: money, unit: 万元, title: 实际成本}
  cost_planned: {type: money, unit: 万元, title: 计划成本}
  score100: {type: number, title: 评审得分, min: 0, max: 100}
metrics:
  exec_rate: {title: 预算执行率, expr: spent / budget, unit: "%"}
  basic_share: {title: 基本支出占比, expr: basic / spent, unit: "%"}
indicators:
  - {id: exec, title: 预算执行率, weight: 30, value: exec_rate,
     scorer: {type: threshold, op: ">=", target: last_rate}}
  - {id: cost, title: 成本控制, weight: 20, value: cost_actual,
     scorer: {type: proportional, target: cost_planned, direction: lower}}
  - id: sat
    title: 满意度
    weight: 20
    value: satisfaction
    scorer:
      type: bands
      bands:
        - {range: "[0.9, 1]", points: 20}
        - {range: "[0, 0.9)", points: 10}
  - {id: basic_ctl, title: 基本支出占比, weight: 10, value: basic_share,
     scorer: {type: threshold, op: "<=", target: 0.6}}
  - {id: review, title: 评审, weight: 20, value: score100,
     scorer: {type: proportional, target: 90}}
checks:
  - {id: nature, title: 基本支出 + 项目支出 = 执行数, type: equal, left: basic + project,
     right: spent}
  - {id: high_rate, title: 执行率合理, type: assert, expr: exec_rate <= 1.2}
grades:
  min_coverage: 0.6
  bands: [{id: good, min: 80}, {id: poor, min: 0}]
  overrides:
    - {when: satisfaction < 0.6, grade: poor, reason: 满意度过低}
"""


def _warnings(text: str, lang: str = "en") -> list[str]:
    return [w.render(lang) for w in ruleset_warnings(perfscore.load_ruleset_text(text))]


def test_the_set_written_right_has_no_warning() -> None:
    assert _warnings(SET) == []


@pytest.mark.parametrize(
    ("slip", "wrong", "said"),
    [
        (
            "when: satisfaction < 0.6",
            "when: satisfaction < 60",
            "6000%: the condition always holds",
        ),
        (
            "when: satisfaction < 0.6",
            "when: satisfaction >= 60",
            "6000%: the condition never holds",
        ),
        ("expr: exec_rate <= 1.2", "expr: exec_rate <= 120", "12000%: the condition always holds"),
        ("expr: exec_rate <= 1.2", "expr: 120 >= exec_rate", "12000%: the condition always holds"),
    ],
)
def test_a_rate_compared_on_the_percent_scale_in_a_condition(
    slip: str, wrong: str, said: str
) -> None:
    """rev13: ``satisfaction < 80`` in a grade override, on a 0–1 ratio: always true."""
    [w] = _warnings(SET.replace(slip, wrong))
    assert said in w
    number = "60" if "60" in wrong else "120"
    assert f"if {number}% is meant, write {'0.6' if number == '60' else '1.2'}" in w
    line = next(i for i, x in enumerate(SET.splitlines(), 1) if slip in x)
    column = SET.splitlines()[line - 1].index(slip) + len(slip.split(":")[0]) + 3
    assert w.startswith(f"<string>:{line}:{column}: ")


def test_band_edges_in_points_on_a_number_declared_as_a_rate() -> None:
    """``satisfaction: {type: number, max: 1}`` is a rate, as a percent input is: its bands
    written ``[90, 100]`` are on the wrong scale (as before only for percent inputs)."""
    wrong = SET.replace("[0.9, 1]", "[90, 100]").replace("[0, 0.9)", "[0, 90)")
    warned = _warnings(wrong)
    assert len(warned) == 2 and all("满意度 (satisfaction) is a rate" in w for w in warned)
    assert "if 90% is meant, write 0.9" in warned[1]
    # a number with no such declaration: nothing known, nothing said
    assert _warnings(wrong.replace("min: 0, max: 1}", "min: 0}")) == []


def test_a_rate_condition_is_said_in_chinese() -> None:
    [zh] = _warnings(SET.replace("satisfaction < 0.6", "satisfaction < 80"), "zh")
    assert (
        "警告：满意度（satisfaction）是比率（95% 记为 0.95），这里与 80 比较即与 8000% 比较" in zh
    )
    assert "条件总是成立；如指 80%，请写 0.8" in zh


def test_a_cost_scored_as_if_more_were_better() -> None:
    slip = SET.replace(
        "target: cost_planned, direction: lower}", "target: cost_planned, direction: higher}"
    )
    [w] = _warnings(slip)
    assert "成本控制 (cost) scores a cost, where less is better" in w
    assert "(direction: higher)" in w and w.startswith("<string>:")
    # direction left out means higher, as proportional's default
    assert len(_warnings(SET.replace(", direction: lower}", "}"))) == 1
    # a threshold "at least the planned cost" likewise
    th = SET.replace(
        "scorer: {type: proportional, target: cost_planned, direction: lower}",
        "scorer: {type: threshold, op: '>=', target: cost_planned}",
    )
    assert "op: '>='" in _warnings(th)[0]
    # a saving (节约额), a rate, or spending against its budget: more is better, not said
    saved = slip.replace("title: 实际成本", "title: 成本节约额").replace("成本控制", "节约")
    assert _warnings(saved) == []
    rate = slip.replace("value: cost_actual", "value: cost_actual / cost_planned").replace(
        "target: cost_planned", "target: 1"
    )
    assert _warnings(rate) == []
    spending = SET.replace(
        "{id: cost, title: 成本控制, weight: 20, value: cost_actual,\n"
        "     scorer: {type: proportional, target: cost_planned, direction: lower}}",
        "{id: cost, title: 支出进度, weight: 20, value: spent,\n"
        "     scorer: {type: proportional, target: budget}}",
    )
    assert "支出进度" in spending and _warnings(spending) == []


def test_a_floor_on_a_price_or_a_count_is_not_taken_for_a_cost() -> None:
    """A threshold ``>=`` is said only against a planned cost; 单价 alone does not make a
    proportional a cost (收购单价 toward 保护价: higher is better)."""
    price = SET.replace(
        "  cost_planned: {type: money, unit: 万元, title: 计划成本}\n",
        "  cost_planned: {type: money, unit: 万元, title: 计划成本}\n"
        "  price: {type: money, unit: 元, title: 收购单价}\n"
        "  floor_price: {type: money, unit: 元, title: 最低保护价}\n",
    )
    for scorer in (
        "{type: proportional, target: floor_price}",
        "{type: threshold, op: '>=', target: floor_price}",
        "{type: threshold, op: '>=', target: 2.5}",
    ):
        text = price.replace(
            "value: cost_actual,\n     scorer: {type: proportional, target: cost_planned, "
            "direction: lower}}",
            f"value: price,\n     scorer: {scorer}}}",
        ).replace("title: 成本控制", "title: 收购价格")
        assert "value: price" in text and _warnings(text) == [], scorer
    # a threshold on a cost title with a constant floor: not said (no planned cost named)
    floor = SET.replace(
        "scorer: {type: proportional, target: cost_planned, direction: lower}",
        "scorer: {type: threshold, op: '>=', target: 100}",
    )
    assert _warnings(floor) == []


def test_last_years_rate_times_100_as_a_target() -> None:
    [w] = _warnings(SET.replace("target: last_rate}", "target: last_rate * 100}"))
    assert "the value exec_rate is a ratio (95% is 0.95) but the target last_rate * 100 is in " in w
    [twice] = _warnings(SET.replace("target: last_rate}", "target: last_rate / 100}"))
    assert "divides a ratio by 100 again" in twice
    # a score out of 100 is no rate: nothing known of its scale, nothing said
    assert _warnings(SET.replace("target: 90}", "target: last_rate * 100}")) == []
    zh = _warnings(SET.replace("target: last_rate}", "target: last_rate * 100}"), "zh")[0]
    assert "目标 last_rate * 100 是百分点（95% 记为 95）：两者相差 100 倍" in zh


def test_a_weight_no_band_reaches() -> None:
    raised = SET.replace(
        "weight: 20\n    value: satisfaction", "weight: 25\n    value: satisfaction"
    )
    raised = raised.replace(
        "{id: review, title: 评审, weight: 20", "{id: review, title: 评审, weight: 15"
    )
    [w] = _warnings(raised)
    assert "满意度 (sat) has a weight of 25, but its best band gives 20 points" in w
    assert "full marks can never be given" in w
    # a band above the weight is refused at load already
    over = SET.replace("points: 10}", "points: 30}")
    with pytest.raises(perfscore.RuleSetError, match="30 points is outside"):
        perfscore.load_ruleset_text(over)
    # threshold points_met below the weight likewise
    met = SET.replace('op: "<=", target: 0.6}', 'op: "<=", target: 0.6, points_met: 8}')
    [pm] = _warnings(met)
    assert "meeting the target (points_met) gives 8 points" in pm


def test_a_rate_rounded_to_whole_percent_before_it_is_compared() -> None:
    [w] = _warnings(SET.replace("expr: exec_rate <= 1.2", "expr: round(exec_rate * 100) <= 120"))
    assert "round(exec_rate * 100) rounds the rate exec_rate to whole percent" in w
    value = SET.replace("value: exec_rate,", "value: 'round(exec_rate, 2)',")
    [v] = _warnings(value)
    assert "round(exec_rate, 2) rounds the rate exec_rate to whole percent" in v
    # at the report's precision: not said
    assert _warnings(SET.replace("value: exec_rate,", "value: 'round(exec_rate, 4)',")) == []


def test_a_share_written_upside_down() -> None:
    [w] = _warnings(SET.replace("expr: basic / spent", "expr: spent / basic"))
    assert "基本支出占比 is a share (part / whole), but it is written spent / basic" in w
    assert "write basic / spent" in w
    # the parts known from the titles alone (no check adding them up)
    no_check = SET.replace(
        "  - {id: nature, title: 基本支出 + 项目支出 = 执行数, type: equal, left: basic + project,\n"
        "     right: spent}\n",
        "",
    )
    assert len(_warnings(no_check.replace("expr: basic / spent", "expr: spent / basic"))) == 1
    # a ratio of two amounts with no part in it: not said
    assert _warnings(SET.replace("expr: basic / spent", "expr: budget / spent")) == []


def test_validate_prints_them_at_file_line_col_and_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "prov.yaml"
    path.write_text(SET.replace("satisfaction < 0.6", "satisfaction < 60"), encoding="utf-8")
    for lang, word in (("en", "warning: 满意度 (satisfaction) is a rate"), ("zh", "警告：满意度")):
        out = io.StringIO()
        assert main(["--lang", lang, "validate", str(path)], stdout=out, stderr=io.StringIO()) == 0
        line = next(i for i, x in enumerate(SET.splitlines(), 1) if "satisfaction < 0.6" in x)
        assert f"{path}:{line}:14: grades › overrides › [0] › when: " in out.getvalue()
        assert word in out.getvalue()


ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def _every_rule_set() -> list[tuple[str, str]]:
    """Every rule set the project carries, as (where, text): rules/, examples/, the docs'
    ``yaml rules`` blocks, benchmarks/ (the YAML files and the generated families)."""
    found = []
    for folder in ("rules", "examples", "benchmarks"):
        for p in sorted((ROOT / folder).rglob("*.yaml")):
            if "outside" in p.relative_to(ROOT).parts:  # outside reviewers' sets, kept as
                continue  # written (their own plug-ins): not sets the project carries
            text = p.read_text("utf-8")
            if p.name.endswith(".tests.yaml") or not re.search(r"^perfscore:", text, re.M):
                continue
            if "indicators" in text and "extends:" not in text:
                found.append((str(p.relative_to(ROOT)), text))
    for doc in sorted((ROOT / "docs").glob("*.md")):
        text = doc.read_text("utf-8")
        for m in FENCE.finditer(text):
            if m.group(1).strip() in ("yaml rules", "yaml rules-warned"):
                found.append((f"{doc.name}:{text.count(chr(10), 0, m.start()) + 1}", m.group(2)))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import families  # type: ignore[import-not-found]
    import gen  # type: ignore[import-not-found]

    for name in (*families.FAMILIES, *families.NAMED):
        found.append((f"families:{name}", families.ruleset_text(families.family(name))))
    found.append(("gen:30", gen.ruleset_text(30)))
    return found


def test_no_rule_set_the_project_carries_gets_one_of_these_warnings() -> None:
    """False positives cost a bureau more than a missed slip: none on any set we ship."""
    sets = _every_rule_set()
    assert len(sets) >= 40
    for where, text in sets:
        rs = perfscore.load_ruleset_text(text, source=where)
        assert list(slip_warnings(rs.compiled)) == [], where
    overlay = perfscore.load_ruleset(ROOT / "examples" / "overlay-district.yaml")
    assert list(slip_warnings(overlay.compiled)) == []
