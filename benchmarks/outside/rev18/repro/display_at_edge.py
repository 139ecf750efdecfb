"""rev18 finding: a value one cent off a line is shown rounded ONTO the line, beside the line and
the opposite verdict — "50%（标准 ≥ 50%），未达标", "5%（标准 (5%, 10%]）" (a band that excludes 5%),
"95%（标准 ≥ 95%），未达标". The points and outcomes are right; the words contradict them.
(Session 17 fixed the same for `equal` checks: as many decimals as tell the figures apart.)
Run: python repro/display_at_edge.py
"""
import perfscore

RULES = """
perfscore: 1
id: edge_words
title: 边界值的文字
version: "1"
inputs:
  budget: {type: money, unit: 万元, title: 全年预算数}
  h1: {type: money, unit: 万元, title: 上半年执行数}
  carry: {type: money, unit: 万元, title: 结转结余}
metrics:
  h1_rate: {title: 上半年执行进度, expr: h1 / budget, unit: "%"}
  carry_rate: {title: 结转结余率, expr: carry / budget, unit: "%"}
indicators:
  - {id: h1, title: 上半年执行进度, weight: 50, value: h1_rate, scorer: {type: threshold, op: ">=", target: 0.5}}
  - id: carry
    title: 结转结余率
    weight: 50
    value: carry_rate
    scorer: {type: bands, bands: [{range: "[0, 5%]", points: 50}, {range: "(5%, 10%]", points: 30}, {range: "> 10%", points: 0}]}
"""
rs = perfscore.load_ruleset_text(RULES)
res = rs.evaluate_subject({"id": "d", "values": {"budget": "4000", "h1": "1999.99", "carry": "200.01"}})
for rid in ("h1", "carry"):
    f = res.finding(rid)
    print(f.outcome, f.points, "|", f.message, "|", f.message_en)
