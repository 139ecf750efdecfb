"""The points-only path on rule sets outside the plain weighted-sum families: conditions on
leaves and on groups, mean and weakest-link groups, checklists and tiers, a metric divided and
multiplied back — the same points as the full evaluator, on clean and messy records, without
falling back to it."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.errors import PerfscoreError
from perfscore.evaluate import pointsonly
from perfscore.evaluate.pointsonly import value_reader
from perfscore.numbers import NotExact, round_places
from perfscore.scorers import Fallback
from test_pointsonly import _data, _form_ruleset, _full, _no_full, _number, _value

MIXED = """perfscore: 1
id: mixed_points
title: 混合
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
  c: {type: number}
  d: {type: number}
  s: {type: number}
  share: {type: number}
  flag1: {type: boolean}
  flag2: {type: boolean}
  level: {type: text, choices: [city, county]}
  tier: {type: text, choices: [achieved, partial, not_achieved]}
metrics:
  r: {expr: 'a / b', unit: '%'}
  back: {expr: 'a / b / 3 * 3'}
indicators:
  - id: g1
    title: 均值
    weight: 30
    aggregate: mean
    children:
      - {id: t, title: T, weight: 10, value: r, scorer: {type: threshold, op: '>=', target: 0.95}}
      - {id: e, title: E, weight: 6, when: "level == 'city'", value: r, scorer: {type: proportional, target: 1, direction: equal}}
      - {id: k, title: K, weight: 4, value: back, scorer: {type: threshold, op: '>=', target: 1}}
  - id: g2
    title: 短板
    weight: 30
    aggregate: weakest_link
    not_applicable_weight: zero
    children:
      - {id: l, title: L, weight: 5, value: c, scorer: {type: proportional, target: d, direction: lower}}
      - {id: x, title: X, weight: 5, when: flag2, value: r, scorer: {type: deduct, start: 1, direction: below, per: 0.01, points: 0.5, count: exact}}
      - id: ck
        title: 清单
        weight: 5
        scorer:
          type: checklist
          items:
            - {id: i1, points: 2, when: flag1}
            - {id: i2, points: 1.5, when: flag2}
            - {id: i3, points: 1.5, when: 'r >= 0.95'}
  - id: g3
    title: 条件组
    weight: 40
    normalise: true
    when: "level == 'city'"
    children:
      - id: tr
        title: 等次
        weight: 10
        scorer:
          type: tier
          tier: tier
          ratio: share
          tiers:
            - {id: achieved, range: "[0.8, 1]"}
            - {id: partial, range: "[0.6, 0.8)", default: 0.7}
            - {id: not_achieved, range: "[0, 0.6)", default: 0.3}
      - id: g31
        title: 全条件
        weight: 10
        children:
          - {id: w1, title: W1, weight: 5, when: flag1, value: s, scorer: {type: proportional, target: 90}}
          - {id: w2, title: W2, weight: 5, when: 's > 50', value: r, scorer: {type: bands, bands: [{range: '[0, 0.9)', points: 2}, {range: '[0.9, 1]', points: 5}, {range: '> 1', points: 1}]}}
"""
MIXED_RS = perfscore.load_ruleset_text(MIXED)


@st.composite
def mixed_records(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("a", "b", "c", "d", "s", "share"):
        if draw(st.integers(0, 7)):
            values[name] = draw(_value())
    choices: list[tuple[str, list[Any]]] = [
        ("flag1", [True, False, "x"]),
        ("flag2", [True, False]),
        ("level", ["city", "county", "x"]),
        ("tier", ["achieved", "partial", "not_achieved", "x"]),
    ]
    for name, options in choices:
        if draw(st.integers(0, 7)):
            values[name] = draw(st.sampled_from(options))
    if draw(st.booleans()) and "share" in values:
        values["share"] = draw(st.sampled_from(["0.6", "0.7", "0.8", "0.75", "1", "0.3", "0"]))
    if draw(st.booleans()) and "a" in values:
        values["b"] = values["a"]  # spent exactly the budget
    return {"id": "dept", "values": values}


def test_the_plan_takes_the_mixed_rule_set() -> None:
    assert MIXED_RS.evaluator._plan is not None


@settings(max_examples=400, deadline=None)
@given(mixed_records())
def test_mixed_rule_set_points_equal_the_full_evaluator(record: dict[str, Any]) -> None:
    rs = MIXED_RS
    data = _data(rs, record)
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert got == _full(rs, data)
    assert list(got[0]) == [s.rule_id for s in rs.evaluator.subject(data).scores]  # pre-order


def test_mixed_rule_set_reaches_each_case() -> None:
    """Conditions that hold and do not, on leaves and on a group; a group with nothing that
    applies; an error under a condition; the mean and the lowest share over a child that does
    not apply (its weight redistributed, or counted as zero)."""
    rs = MIXED_RS
    plan = rs.evaluator._plan
    base = {"a": "95", "b": "100", "c": "12", "d": "10", "s": "85", "share": "0.75"}
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        (
            {"flag1": True, "flag2": True, "level": "city", "tier": "partial"},
            {"e": "fail", "x": "fail", "g3": "fail", "tr": "fail"},
        ),
        (
            {"flag1": False, "flag2": False, "level": "county", "tier": "partial"},
            {"e": "not_applicable", "x": "not_applicable", "g3": "not_applicable"},
        ),
        (
            {"flag1": False, "flag2": True, "level": "city", "tier": "partial", "s": "40"},
            {"w1": "not_applicable", "w2": "not_applicable", "g31": "not_applicable"},
        ),
        (
            {"flag1": True, "flag2": True, "level": "city", "tier": "achieved"},
            {"tr": "error", "g3": "error"},  # 0.75 is outside achieved's [0.8, 1]
        ),
        (
            {"flag1": True, "flag2": True, "level": "x", "tier": "partial"},
            {"g3": "error", "e": "error"},  # a condition that cannot be decided
        ),
    ]
    for extra, want in cases:
        data = _data(rs, {"id": "x", "values": {**base, **extra}})
        outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
        assert {k: outcomes[k] for k in want} == want
        assert pointsonly.points(plan, data, _no_full) == _full(rs, data)


# --- the fast points forms: a target per subject (proportional, threshold), equal, checklist, tier

#: (scorer YAML, what the indicator reads), on the form rule set of test_pointsonly (inputs v, a,
#: b; weight 8): targets read per subject, ``equal`` at 1, 3 and 0, checklists of two and three
#: items whose conditions sit on edges
POINTS_FORMS = [
    (
        "{type: bands, bands: [{range: '= 0', points: 8}, {range: '(0, 0.05]', points: 6},"
        " {range: '(0.05, 0.1]', points: 4}, {range: '> 0.1', points: 0}]}",
        "v",
    ),
    (
        "{type: bands, bands: [{range: '[0, 0.9)', points: 2}, {range: '[0.9, 1]', points: 8},"
        " {range: '(1, 3)', points: 5}], otherwise: 1}",
        "v",
    ),
    ("{type: bands, bands: [{range: '[-1, 1)', points: 3}, {range: '>= 1', points: 8}]}", "v"),
    ("{type: bands, bands: [{range: '<= 0', points: 0}, {range: '> 0', points: 8}]}", "v"),
    ("{type: proportional, target: a}", "v"),
    ("{type: threshold, op: '<=', target: a}", "v"),
    ("{type: threshold, op: '==', target: a, points_otherwise: 3}", "v"),
    ("{type: threshold, op: '>', target: a / b, points_met: 6, points_otherwise: 2.5}", "v"),
    ("{type: proportional, target: a, direction: lower}", "v"),
    ("{type: proportional, target: a, direction: equal}", "v"),
    ("{type: proportional, target: 1, direction: equal}", "v"),
    ("{type: proportional, target: 3, direction: equal}", "v"),
    ("{type: proportional, target: -0.3, direction: equal}", "v"),
    ("{type: proportional, target: 0, direction: equal}", "v"),
    (
        "{type: checklist, items: [{id: i, points: 3, when: 'v > 0'}, {id: j, points: 5, when: b}]}",
        None,
    ),
    (
        "{type: checklist, items: [{id: i, points: 2, when: 'v >= 0.95'}, {id: j, points: 2.5,"
        " when: 'a >= b'}, {id: k, points: 3.5, when: 'v == a'}]}",
        None,
    ),
]
POINTS_FORM_RS = {i: _form_ruleset(*f) for i, f in enumerate(POINTS_FORMS)}


@pytest.mark.parametrize("i", range(len(POINTS_FORMS)), ids=[f[0][:40] for f in POINTS_FORMS])
@settings(max_examples=200, deadline=None)
@given(v=_number(), a=_number(), b=_number())
def test_each_new_points_form_equals_its_scorer(i: int, v: Decimal, a: Decimal, b: Decimal) -> None:
    """The form gives its scorer's own points rounded (the exact rational's, half up) — the
    same Decimal, digits included — or gives up (the evaluator then decides exactly)."""
    rs = POINTS_FORM_RS[i]
    node = rs.compiled.indicators[0]
    assert node.scorer is not None and node.weight is not None
    form = node.scorer.points_form(value_reader(node), node.weight, 2)  # type: ignore[attr-defined]
    assert form is not None
    for scope in ({"v": v, "a": a, "b": b}, {"v": v, "a": v, "b": a}, {"v": a, "a": v, "b": a}):
        try:
            fast = form(scope)
        except (Fallback, PerfscoreError, NotExact):
            continue
        value = node.value(scope) if node.value is not None else None
        scored = node.scorer.score(value, scope, node.weight)
        want = round_places(scored.points, 2)
        assert (fast, str(fast)) == (want, str(want))


TIER = """perfscore: 1
id: tier_form
title: 等次
version: "1"
inputs:
  tier: {type: text, choices: [achieved, partial, not_achieved]}
  share: {type: number}
indicators:
  - id: x
    title: X
    weight: 7
    scorer:
      type: tier
      tier: tier
      ratio: RATIO
      tiers:
        - {id: achieved, range: "[0.8, 1]"}
        - {id: partial, range: "[0.6, 0.8)", default: 0.7}
        - {id: not_achieved, range: "[0, 0.6)", default: 0.3}
"""


@pytest.mark.parametrize("ratio", ["share", None])
@settings(max_examples=200, deadline=None)
@given(
    tier=st.sampled_from(["achieved", "partial", "not_achieved", "other", None, Decimal(1)]),
    share=st.one_of(
        st.none(),
        st.sampled_from([Decimal(x) for x in ("0", "0.6", "0.8", "1", "0.59999", "0.805", "2")]),
        st.decimals(min_value=0, max_value=1, places=3),
        st.fractions(min_value=0, max_value=1, max_denominator=97).map(
            lambda f: Decimal(f.numerator) / Decimal(f.denominator)
        ),
    ),
)
@example(tier="partial", share=Decimal("0.6607142857142857142857142857"))  # 7 × it = 4.62499…9
def test_the_tier_points_form_equals_its_scorer(ratio: str | None, tier: Any, share: Any) -> None:
    text = TIER.replace("RATIO", ratio) if ratio else TIER.replace("      ratio: RATIO\n", "")
    rs = _tier_rs(text)
    node = rs.compiled.indicators[0]
    assert node.scorer is not None and node.weight is not None
    form = node.scorer.points_form(None, node.weight, 2)  # type: ignore[attr-defined]
    scope = {"tier": tier, "share": share}
    try:
        fast = form(scope)
    except Fallback:
        with pytest.raises(PerfscoreError):  # gave up: only where the scorer says it is an error
            node.scorer.score(None, scope, node.weight)
        return
    except NotExact:  # weight × share within 28 digits of a half: the evaluator decides exactly
        assert isinstance(share, Decimal)
        half_up = math.floor(Fraction(node.weight) * Fraction(share) * 100 + Fraction(1, 2))
        got = rs.evaluate_subject(scope).scores[0].points
        assert (got, str(got)) == (Decimal(half_up) / 100, str(Decimal(half_up) / 100))
        return
    want = round_places(node.scorer.score(None, scope, node.weight).points, 2)
    assert (fast, str(fast)) == (want, str(want))


_TIERS: dict[str, perfscore.RuleSet] = {}


def _tier_rs(text: str) -> perfscore.RuleSet:
    if text not in _TIERS:
        _TIERS[text] = perfscore.load_ruleset_text(text)
    return _TIERS[text]


#: Groups with exactly one child that may not apply (written out on their own): its weight
#: redistributed or kept, a group scaled to a weight other than its children's.
ONE_WHEN = """perfscore: 1
id: one_when
title: 单条件
version: "1"
settings: {places: 2, missing: not_applicable}
inputs:
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
  s: {type: number}
  level: {type: text, choices: [city, county]}
metrics:
  r: {expr: 'a / b'}
indicators:
  - id: g1
    title: 再分配
    weight: 50
    normalise: true
    children:
      - {id: t, title: T, weight: 7, value: r, scorer: {type: threshold, op: '>=', target: 0.95}}
      - {id: w, title: W, weight: 10, when: "level == 'city'", value: s, scorer: {type: proportional, target: 90}}
      - {id: d, title: D, weight: 3, value: r, scorer: {type: deduct, start: 1, direction: below, per: 0.01, points: 0.5, count: exact}}
  - id: g2
    title: 保留
    weight: 50
    not_applicable_weight: zero
    children:
      - {id: u, title: U, weight: 20, when: 's > 50', value: r, scorer: {type: proportional, target: 1}}
      - {id: v, title: V, weight: 30, value: s, scorer: {type: threshold, op: '>=', target: 60}}
"""
ONE_WHEN_RS = perfscore.load_ruleset_text(ONE_WHEN)


@settings(max_examples=300, deadline=None)
@given(
    a=st.sampled_from(["95", "100", "0", "13.51", "1000"]),
    b=st.sampled_from(["100", "14", "3", "1000"]),
    s=st.sampled_from(["40", "50", "50.01", "90", "85.5", None]),
    level=st.sampled_from(["city", "county", "x", None]),
)
def test_groups_with_one_child_that_may_not_apply(
    a: str, b: str, s: str | None, level: str | None
) -> None:
    values = {k: v for k, v in (("a", a), ("b", b), ("s", s), ("level", level)) if v is not None}
    data = _data(ONE_WHEN_RS, {"id": "x", "values": values})
    plan = ONE_WHEN_RS.evaluator._plan
    assert pointsonly.points(plan, data, _no_full) == _full(ONE_WHEN_RS, data)
