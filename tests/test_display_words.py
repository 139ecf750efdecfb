"""What a reader sees of figures: a series of percents shown in percent year by year (not as
ratios beside a band in percent), in every output; rule-language §7.5 quotes it."""

from __future__ import annotations

import re
from pathlib import Path

import perfscore
from perfscore._yaml import load_yaml_text
from perfscore.export import export

DOCS = Path(__file__).resolve().parent.parent / "docs"

SERIES = """
perfscore: 1
id: series_shown
title: 历年执行率
version: 1
inputs:
  hist: {type: series, of: percent, title: 预算执行率（历年）}
  spend: {type: series, of: money, unit: 万元}
indicators:
  - id: h
    title: 稳定性
    weight: 5
    value: hist
    scorer:
      type: series_bands
      last: 3
      at_least: 2
      bands: [{range: "[95%, 105%]", points: 5}]
      otherwise: 0
  - id: s
    title: 支出
    weight: 5
    value: spend
    scorer:
      type: series_bands
      last: 3
      at_least: 2
      bands: [{range: "[0, 1000]", points: 5}]
      otherwise: 0
"""


def test_a_percent_series_is_shown_in_percent() -> None:
    """rev16 read "2022: 0.96; 2023: 1; 2024: 1（标准 [95%, 105%]）" where 2024 was 99.5 %."""
    rs = perfscore.load_ruleset_text(SERIES)
    values = {"hist": {"2022": "96%", "2023": 100, "2024": "99.5"}, "spend": {"2023": 1, "2024": 2}}
    report = rs.evaluate({"id": "a", "values": values})
    f = {f.rule_id: f for f in report.findings}
    assert f["h"].display == "2022: 96%; 2023: 100%; 2024: 99.5%"
    assert f["h"].unit == "%"
    assert f["h"].message.startswith(
        "稳定性 2022: 96%; 2023: 100%; 2024: 99.5%（标准 [95%, 105%]）"
    )
    assert f["h"].message_en.startswith("h: 2022: 96%; 2023: 100%; 2024: 99.5% (standard")
    assert f["s"].display == "2023: 1万元; 2024: 2万元"  # a money series: as before
    for fmt in ("csv", "md", "table", "jsonl"):
        text = export(report, fmt).decode("utf-8")
        assert "2022: 0.96" not in text
    assert "2022: 96%; 2023: 100%; 2024: 99.5%" in export(report, "table").decode("utf-8")


def test_rule_language_shows_a_percent_series_as_the_engine_does() -> None:
    doc = (DOCS / "rule-language.md").read_text(encoding="utf-8")
    section = doc[doc.index("### 7.5 `series_bands`") : doc.index("### 7.6")]
    rules = re.search(r"```yaml rules\n(.*?)```", section, re.DOTALL)
    data = re.search(r"```yaml data\n(.*?)```", section, re.DOTALL)
    assert rules is not None and data is not None
    rs = perfscore.load_ruleset_text(rules.group(1))
    record = load_yaml_text(data.group(1), source="rule-language.md §7.5").data
    finding = next(f for f in rs.evaluate(record).findings)
    assert f"`{finding.display}`" in section
    assert finding.display == "2021: 96%; 2022: 104%; 2023: 80%"


BANDS = """
perfscore: 1
id: bands_shown
title: 档次
version: 1
inputs:
  rate: {type: percent, title: 建档率, min: 0, max: 100}
  growth: {type: percent, title: 增长率}
  amount: {type: money, unit: 万元, min: 0, max: 1000}
  count: {type: integer, min: 0}
indicators:
  - id: r
    title: 建档率
    weight: 50
    value: rate
    scorer:
      type: bands
      bands:
        - {range: ">=90%", points: 50}
        - {range: "[80%,90%)", points: 30}
        - {range: "< 80%", points: 0}
  - id: g
    title: 增长率
    weight: 30
    value: growth
    scorer:
      type: bands
      bands: [{range: "<= 5%", points: 30}, {range: "> 5%", points: 0}]
  - id: a
    title: 金额
    weight: 10
    value: amount
    scorer: {type: threshold, op: ">=", target: 1}
  - id: c
    title: 件数
    weight: 10
    value: count
    scorer: {type: threshold, op: ">=", target: 1}
"""


def test_a_band_is_shown_as_a_bureau_writes_it() -> None:
    """rev16 read "（标准 >= 90%）" where other scorers print "≥": a band's range is shown
    with ≥ / ≤ and a space after a comma in every text, and kept as written in the data."""
    rs = perfscore.load_ruleset_text(BANDS)
    report = rs.evaluate(
        {"id": "a", "values": {"rate": "85%", "growth": "3%", "amount": 5, "count": 2}}
    )
    f = {f.rule_id: f for f in report.findings}
    assert f["r"].message == "建档率 85%（标准 [80%, 90%)），未达标，得 30/50 分"
    assert f["g"].message == "增长率 3%（标准 ≤ 5%），达标，得 30/30 分"
    assert f["g"].message_en == "g: 3% (standard ≤ 5%), met, 30/30 points"
    assert f["g"].explanation is not None
    assert "在区间 ≤ 5% 内" in f["g"].explanation.text("zh")
    assert "is in ≤ 5%" in f["g"].explanation.text("en")
    assert f["g"].threshold == {"name": "<= 5%", "range": "<= 5%"}  # data: as the rule says
    report = rs.evaluate(
        {"id": "b", "values": {"rate": "95%", "growth": "8%", "amount": 0, "count": 0}}
    )
    f = {f.rule_id: f for f in report.findings}
    assert f["r"].message.startswith("建档率 95%（标准 ≥ 90%）")
    html = export(report, "html").decode("utf-8")
    assert "标准 &gt; 5%" in html and "&gt; 5% &gt; 5%" not in html  # once, not name + range
    assert "标准 ≥ 1万元 ·" in html and "标准 ≥ 1 ·" in html  # the list of findings to look at
    assert "&gt;= " not in html


def test_a_figure_in_a_message_is_written_in_plain_digits() -> None:
    """rev16 saw "1E+3" in error messages: a cell's figure is written as a bureau writes it."""
    rs = perfscore.load_ruleset_text(BANDS)
    report = rs.evaluate(
        {"id": "a", "values": {"rate": "1e3", "growth": 1, "amount": "1.5E+3", "count": "-1e15"}}
    )
    f = {f.rule_id: f for f in report.findings}
    assert f["r"].outcome == f["a"].outcome == f["c"].outcome == "error"
    assert "1000 高于上限 100" in f["r"].message and "1E+3" not in f["r"].message
    assert f["r"].reason == "field 'rate': 1000 is above the maximum 100"
    assert "1500 高于上限 1000" in f["a"].message
    assert f["c"].reason == "field 'count': -1000000000000000 is below the minimum 0"


def test_a_wrong_unit_names_what_is_expected_in_each_language() -> None:
    """ "此项应为a plain number" / "where 无单位的数 is expected": the two languages were
    swapped."""
    rs = perfscore.load_ruleset_text(BANDS)
    report = rs.evaluate({"id": "a", "values": {"count": "3万元", "rate": 1, "growth": 1}})
    c = next(f for f in report.findings if f.rule_id == "c")
    assert "此项应为无单位的数" in c.message
    assert c.reason is not None and "where a plain number is expected" in c.reason


def test_the_docs_quote_ranges_and_figures_as_the_engine_writes_them() -> None:
    rs = perfscore.load_ruleset_text(BANDS)
    f = {
        f.rule_id: f
        for f in rs.evaluate(
            {"id": "a", "values": {"rate": "95%", "growth": "3%", "amount": 5, "count": 2}}
        ).findings
    }
    rules = (DOCS / "rule-language.md").read_text(encoding="utf-8")
    standard = f["r"].message.split(" ", 1)[1].split("，")[0].removeprefix("95%")
    assert standard == "（标准 ≥ 90%）" and f"`{standard}`" in rules
    explained = f["g"].explanation
    assert explained is not None and "3% 在区间 ≤ 5% 内" in explained.text("zh")
    assert "`3% 在区间 ≤ 5% 内`" in rules
    assert '`{"name": "<= 5%", "range": "<= 5%"}`' in rules
    data = (DOCS / "data.md").read_text(encoding="utf-8")
    wrong = rs.evaluate({"id": "a", "values": {"rate": "1e3", "growth": 1}}).findings[0]
    assert "1000 高于上限 100" in wrong.message and "`1000 高于上限 100`" in data
    assert wrong.reason is not None and "1000 is above the maximum 100" in wrong.reason
    assert "`1000 is above the maximum 100`" in data


def test_a_unit_that_begins_with_a_digit_is_set_apart() -> None:
    """rev16's 孕产妇死亡率 in 1/10万 read "01/10万" for 0 — taken for 1 per 100,000."""
    rs = perfscore.load_ruleset_text("""
perfscore: 1
id: per_100k
title: 比率
version: 1
inputs:
  deaths: {type: integer, unit: 人}
  births: {type: integer, unit: 人}
  cost: {type: money, unit: 元/人}
  volume: {type: number, unit: m³/万元}
metrics:
  mmr: {expr: deaths * 100000 / births, unit: 1/10万}
indicators:
  - {id: m, title: 孕产妇死亡率, weight: 50, value: mmr, scorer: {type: threshold, op: "<=", target: 10}}
  - {id: c, title: 人均成本, weight: 25, value: cost, scorer: {type: threshold, op: "<=", target: 89}}
  - {id: v, title: 用水, weight: 25, value: volume, scorer: {type: threshold, op: "<=", target: 9}}
""")
    report = rs.evaluate(
        {"id": "a", "values": {"deaths": 0, "births": 12701, "cost": 85.89, "volume": 5}}
    )
    f = {f.rule_id: f for f in report.findings}
    assert f["m"].display == "0 1/10万"
    assert f["m"].message == "孕产妇死亡率 0 1/10万（标准 ≤ 10 1/10万），达标，得 50/50 分"
    assert f["m"].explanation is not None
    assert "= 0 1/10万；0 1/10万 ≤ 10 1/10万" in f["m"].explanation.text("zh")
    assert f["c"].display == "85.89元/人"  # begins in Chinese: right after the figure
    assert f["v"].display == "5 m³/万元"
    rules = (DOCS / "rule-language.md").read_text(encoding="utf-8")
    assert "`0 1/10万`" in rules and "`85.89元/人`" in rules
