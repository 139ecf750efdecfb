"""A weighted sum's weighing in the points walk (perfscore.evaluate.weighcode): where several
children may not apply and none is an error, the walk weighs the others itself — the weight
redistributed or counted as zero, every child conditional, at the top — and gives the full
evaluator's points; an error is the weigher's."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate import pointsonly, weighcode
from test_pointsonly import _data, _full, _no_full

#: Weighted sums with several children that may not apply: the weight redistributed, counted
#: as zero, every child conditional, at the top; a formula that may divide by zero (an error).
SKIPS = """perfscore: 1
id: skips
title: 多个不适用
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: error}
inputs: {x: {type: number}, y: {type: number}, f1: {type: boolean}, f2: {type: boolean}}
indicators:
  - id: gr
    title: GR
    weight: 30
    children:
      - {id: c1, title: C1, weight: 10, when: f1, value: x, scorer: {type: threshold, op: '>=', target: 1}}
      - {id: c2, title: C2, weight: 7, when: f2, value: y, scorer: {type: proportional, target: 3}}
      - {id: c3, title: C3, weight: 5, value: y, scorer: {type: threshold, op: '>', target: 0}}
      - {id: c4, title: C4, weight: 8, scorer: {type: formula, expr: '8 * x / y'}}
  - id: gz
    title: GZ
    weight: 20
    not_applicable_weight: zero
    children:
      - {id: d1, title: D1, weight: 5, when: f1, value: y, scorer: {type: threshold, op: '<', target: 2}}
      - {id: d2, title: D2, weight: 5, when: f2, value: x, scorer: {type: proportional, target: 2}}
      - {id: d3, title: D3, weight: 10, value: x, scorer: {type: threshold, op: '>', target: 0}}
  - id: ga
    title: GA
    weight: 25
    normalise: true
    children:
      - {id: e1, title: E1, weight: 3, when: f2, value: x, scorer: {type: threshold, op: '>=', target: 1}}
      - {id: e2, title: E2, weight: 4, when: f1 and not f2, value: y, scorer: {type: proportional, target: 4}}
"""
_flag = st.one_of(st.none(), st.booleans())
_num = st.one_of(st.none(), st.sampled_from(["0", "1", "2.5", "3", "-1", "0.7"]))


@pytest.fixture(scope="module")
def skips() -> Any:
    """SKIPS built with each group's weigher counting its calls."""
    calls: list[int] = []
    made = weighcode.weigher

    def counting(*args: Any) -> Any:
        weighed = made(*args)

        def spy(results: Any) -> Any:
            calls.append(1)
            return weighed(results)

        return spy

    weighcode.weigher = counting  # type: ignore[assignment]
    try:
        return perfscore.load_ruleset_text(SKIPS), calls
    finally:
        weighcode.weigher = made  # type: ignore[assignment]


@settings(max_examples=400, deadline=None)
@given(x=_num, y=_num, f1=_flag, f2=_flag)
def test_children_that_do_not_apply_are_weighed_in_the_walk(
    skips: Any, x: str | None, y: str | None, f1: bool | None, f2: bool | None
) -> None:
    """Several children that may not apply: where none is an error, the walk weighs the
    others itself (no weigher called) — the full evaluator's points, pre-order; an error
    (8 × x / 0) is the weigher's."""
    rs, calls = skips
    given_ = {"x": x, "y": y, "f1": f1, "f2": f2}
    data = _data(rs, {"id": "s", "values": {k: v for k, v in given_.items() if v is not None}})
    calls.clear()
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert got == _full(rs, data)
    assert list(got[0]) == [s.rule_id for s in rs.evaluator.subject(data).scores]
    outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
    if "error" not in outcomes.values():
        assert calls == [], outcomes
