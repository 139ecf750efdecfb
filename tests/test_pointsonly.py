"""The points-only path (perfscore.evaluate.pointsonly) gives exactly the full evaluator's
scores and total — for clean records (the fast plan) and for records with blanks, bad values
and zero denominators (the plan with the evaluator's own pieces where something failed),
without building a single finding."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate import pointsonly
from perfscore.subjects import SubjectData, read_subject
from perfscore.testing import bad_cases, subjects
from test_properties import SOURCES, loads, ruleset

#: Every policy the points path must mirror: missing → not_applicable / zero / full / error,
#: zero division → not_applicable / zero / error, not-applicable weight redistributed or zero,
#: a normalised group (children's weights ≠ its own), three levels, five scorer kinds.
MESSY = """perfscore: 1
id: messy
title: 混合
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
  c: {type: integer, min: 0}
  d: {type: integer, min: 0}
  s: {type: number}
  e: {type: money, unit: 万元}
metrics:
  r: {expr: 'a / b', unit: '%'}
  q: {expr: 'c / d', unit: '%', zero_division: zero}
  z: {expr: 'e / b', zero_division: error}
indicators:
  - id: g1
    title: 一级1
    weight: 60
    children:
      - id: g11
        title: 二级
        weight: 30
        not_applicable_weight: zero
        children:
          - {id: t, title: T, weight: 10, value: r, scorer: {type: threshold, op: '>=', target: 0.95}}
          - {id: p, title: P, weight: 10, value: r, missing: zero, scorer: {type: proportional, target: 1}}
          - {id: dd, title: D, weight: 10, value: q, missing: full, scorer: {type: deduct, start: 1, direction: below, per: 0.01, points: 0.5, count: started}}
      - id: g12
        title: 二级
        weight: 30
        normalise: true
        children:
          - {id: bd, title: B, weight: 7, value: s, scorer: {type: bands, bands: [{range: '[90, 100]', points: 7}, {range: '[80, 90)', points: 5}, {range: '[0, 80)', points: 0}]}}
          - {id: f, title: F, weight: 8, missing: error, scorer: {type: formula, expr: 'min(8, 8 * a / b)'}}
  - id: g2
    title: 一级2
    weight: 40
    children:
      - {id: ze, title: Z, weight: 20, value: z, scorer: {type: threshold, op: '<=', target: 1}}
      - {id: pc, title: C, weight: 20, value: q, scorer: {type: proportional, target: 1, direction: higher}}
"""


def _value() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.sampled_from(["", "abc", "0", "0.00", "100", "95", "80", "90", "-1", "1e30"]),
        st.integers(min_value=0, max_value=500).map(str),
        st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False).map(str),
    )


@st.composite
def messy_records(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("a", "b", "c", "d", "s", "e"):
        if draw(st.integers(0, 9)) == 0:
            continue  # the key absent altogether
        values[name] = draw(_value())
    if draw(st.booleans()) and "a" in values:
        values["b"] = values["a"]  # spent exactly the budget
    return {"id": "dept", "values": values}


def _data(rs: perfscore.RuleSet, record: Any) -> SubjectData:
    return read_subject(record, rs.compiled.inputs, index=0, subject_type=rs.model.subject_type)


def _full(rs: perfscore.RuleSet, data: SubjectData) -> tuple[dict[str, Any], Decimal | None]:
    result = rs.evaluator.subject(data)
    return {s.rule_id: s.points for s in result.scores}, result.total


def _no_full(data: SubjectData) -> Any:
    raise AssertionError("the points path fell back to the full evaluator")


MESSY_RS = perfscore.load_ruleset_text(MESSY)


@settings(max_examples=300, deadline=None)
@given(messy_records())
def test_messy_records_score_as_the_full_evaluator_without_it(record: dict[str, Any]) -> None:
    rs = MESSY_RS
    data = _data(rs, record)
    plan = rs.evaluator._plan
    assert plan is not None  # the rule set is one the plan mirrors
    got = pointsonly.points(plan, data, _no_full)
    assert got == _full(rs, data)
    assert list(got[0]) == [s.rule_id for s in rs.evaluator.subject(data).scores]  # pre-order


def test_each_policy_is_reached() -> None:
    """The messy rule set's blanks and zeros reach every policy (not a vacuous property)."""
    rs = MESSY_RS
    data = _data(
        rs, {"id": "x", "values": {"a": "5", "b": "0", "c": "3", "d": "0", "s": None, "e": "1"}}
    )
    points, total = pointsonly.points(rs.evaluator._plan, data, _no_full)
    outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
    assert outcomes["t"] == "not_applicable" and points["t"] is None  # 0 budget: n/a
    assert outcomes["dd"] == "fail" and points["dd"] == Decimal("0.00")  # zero division: zero
    assert outcomes["bd"] == "not_applicable" and outcomes["f"] == "not_applicable"
    assert outcomes["ze"] == "error" and total is None  # zero_division: error blocks the total
    assert (points, total) == _full(rs, data)
    data = _data(rs, {"id": "y", "values": {"b": "10", "c": "3", "d": "4", "s": "85", "e": "1"}})
    points, total = pointsonly.points(rs.evaluator._plan, data, _no_full)
    outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
    assert outcomes["f"] == "error" and outcomes["g12"] == "error"  # missing: error
    assert outcomes["p"] == "fail" and points["p"] == 0  # missing: zero
    assert points["bd"] == Decimal("5.00") and outcomes["g1"] == "error" and total is None
    assert (points, total) == _full(rs, data)


PLANNED = [i for i in SOURCES if loads(i)]


@pytest.mark.parametrize("ident", PLANNED)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_rule_set_points_equal_full_on_clean_and_hostile_records(
    ident: str, data: st.DataObject
) -> None:
    rs = ruleset(ident)
    if data.draw(st.booleans()):
        record = data.draw(subjects(rs))
    else:
        record = data.draw(bad_cases(rs)).record
    subject = _data(rs, record)
    assert rs.evaluator.points(subject) == _full(rs, subject)
