"""Aggregation's reasons (why a group or the total has no score) come from words.py in both
languages; the run's language picks one; nothing Chinese is left with an English reason."""

from __future__ import annotations

from decimal import Decimal

import perfscore
from perfscore import words
from perfscore.aggregate import AggregateSpec, NodeScore, lookup, mean, weighted_sum
from perfscore.letters import LetterScale

ZERO, ONE = Decimal(0), Decimal(1)
SPEC = AggregateSpec("g", Decimal(10), "redistribute", None, None)


def _child(rule_id: str, outcome: str, points: str | None = "5") -> NodeScore:
    pts = Decimal(points) if points is not None and outcome in ("pass", "fail") else None
    return NodeScore(rule_id, Decimal(5), pts, None, outcome, ONE if pts is not None else ZERO)


def test_a_group_blocked_by_a_child_says_which_in_both_languages() -> None:
    for aggregate in (weighted_sum, mean):
        ns = aggregate(SPEC, [_child("a", "pass"), _child("b", "error"), _child("c", "error")])
        assert ns.outcome == "error"
        assert ns.reason == "depends on b, c, which could not be scored"
        assert ns.reason_zh == "依赖的 b, c 无法评分"
        assert ns.reason_in("en") == ns.reason and ns.reason_in("zh") == ns.reason_zh
        assert ns.reason_in("fr") == ns.reason_zh  # a language perfscore does not speak: zh


def test_nothing_applicable_and_no_lookup_row_in_both_languages() -> None:
    ns = weighted_sum(SPEC, [_child("a", "not_applicable"), _child("b", "not_applicable")])
    assert ns.outcome == "not_applicable"
    assert (ns.reason_in("en"), ns.reason_in("zh")) == (
        "no child indicator applies",
        "没有适用的下级指标",
    )
    letters = LetterScale(letters=["A", "B"])
    spec = AggregateSpec("m2", None, "redistribute", letters, {("A", "A"): "A"})
    kids = [NodeScore(i, None, None, "B", "pass", ONE) for i in ("x", "y")]
    ns = lookup(spec, kids)
    assert (ns.outcome, ns.reason_in("en"), ns.reason_in("zh")) == (
        "error",
        "the lookup table has no row for B B",
        "查表中没有 B B 这一行",
    )
    assert ns.reason == words.say(words.AGGREGATE, "en", "no_row", key="B B")


def test_a_plugin_reason_given_only_in_english_is_shown_as_given() -> None:
    ns = NodeScore("g", None, None, None, "error", ZERO, reason="harmonic mean of nothing")
    assert ns.reason_in("zh") == ns.reason_in("en") == "harmonic mean of nothing"


RULES = """perfscore: 1
id: agg
title: 汇总原因
version: "1"
letters: {letters: [A, B]}
inputs: {a: {type: number}, g1: {type: text}, g2: {type: text}}
indicators:
  - id: money
    title: 资金
    weight: 10
    children:
      - {id: x, title: X, weight: 10, value: a, scorer: {type: proportional, target: 1}}
"""

LOOKUP = """perfscore: 1
id: agg2
title: 查表
version: "1"
letters: {letters: [A, B]}
inputs: {g1: {type: text}, g2: {type: text}}
indicators:
  - id: m2
    title: 综合
    aggregate: lookup
    table:
      - {grades: [A, A], result: A}
    children:
      - {id: e1, title: E1, scorer: {type: grade, grade: g1}}
      - {id: e2, title: E2, scorer: {type: grade, grade: g2}}
"""


def test_the_total_s_reason_is_chinese_in_chinese_and_english_in_english() -> None:
    rs = perfscore.load_ruleset_text(RULES)
    result = rs.evaluate({"id": "d", "values": {"a": "abc"}}).subjects[0]
    assert result.total is None
    assert result.grade_reason == (
        "total cannot be computed: depends on money, which could not be scored"
    )
    assert result.grade_reason_zh == "无法计算总分：依赖的 money 无法评分"


def test_a_lookup_group_s_finding_speaks_one_language_each() -> None:
    rs = perfscore.load_ruleset_text(LOOKUP)
    result = rs.evaluate({"id": "d", "values": {"g1": "B", "g2": "B"}}).subjects[0]
    finding = result.finding("m2")
    assert finding.outcome == "error"
    assert finding.message == "综合：无法评分（汇总无法得出结果：查表中没有 B B 这一行）"
    assert finding.message_en == "m2: cannot be scored (the lookup table has no row for B B)"
    assert finding.reason == "the lookup table has no row for B B"
