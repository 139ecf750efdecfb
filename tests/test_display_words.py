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
