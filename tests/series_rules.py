"""The generated-series rule set the year-column and mapping-cell tests both score
(``tests/test_ingest_yearcols.py``, ``tests/test_columnar_mapcells.py``): two series (money
and percent), ``year``, ``mean(last(...))``, a ``series_bands`` and a ``when`` on ``count`` —
and :data:`VARIANTS` of it: bounds on ``paid`` (figures past them refused), or ``paid`` of
whole numbers (a fraction refused)."""

RULES = """\
perfscore: 1
id: series_gen
title: 逐年序列生成
version: "1"
settings:
  zero_division: not_applicable
  missing: not_applicable
  not_applicable_weight: redistribute
  places: 2
  total: 100
inputs:
  paid: {type: series, of: money, unit: 万元, title: 项目支出数（历年）}
  outturn: {type: series, of: percent, title: 近三年预算执行率}
  budget: {type: money, unit: 万元, title: 年度预算数}
metrics:
  growth: {title: 支出增长率, expr: "(year(paid, 2023) - year(paid, 2022)) / year(paid, 2022)", unit: "%"}
indicators:
  - id: grow
    title: 支出增长率
    weight: 20
    value: growth
    scorer: {type: threshold, op: ">=", target: 0.05, points_otherwise: 5}
  - id: latest
    title: 2023年执行率
    weight: 20
    value: year(outturn, 2023)
    scorer: {type: proportional, direction: higher, target: 1}
  - id: hist
    title: 执行率稳定
    weight: 20
    value: outturn
    scorer:
      type: series_bands
      last: 3
      at_least: 2
      bands:
        - {range: ">= 95%", points: 20}
        - {range: ">= 85%", points: 10}
      otherwise: 0
  - id: share
    title: 近两年平均支出占预算
    weight: 20
    when: count(paid) >= 2
    value: mean(last(paid, 2)) / budget
    scorer: {type: proportional, direction: higher, target: 1}
  - id: rising
    title: 逐年增长
    weight: 20
    scorer: {type: formula, expr: "20 if year(paid, 2022) < year(paid, 2023) else 0"}
"""

VARIANTS = {
    "plain": RULES,
    "bounded": RULES.replace("title: 项目支出数（历年）}", "title: 项目支出数（历年）, min: -5, max: 1000000}"),
    "whole": RULES.replace("of: money, unit: 万元, title: 项目支出数（历年）", "of: integer, title: 项目支出数（历年）"),
}  # fmt: skip
