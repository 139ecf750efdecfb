"""The points path's generated walks (perfscore.evaluate.pointscode): a leaf that checks its own
reads — a value read only where its ``when`` holds, a scorer's optional read — keeps its group
(and the subject) on the clean walk when that is all that failed, decides the leaf where it
stands when its condition holds, and gives the full evaluator's points either way."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate import pointsonly
from test_pointsonly import _data, _full, _no_full, _value

#: Values read only under a condition (on an input, on a text, on a metric's denominator), a
#: tier's optional ratio, a metric divided by zero, a formula that divides, in a weighted sum,
#: a mean and a weakest link (a not-applicable child redistributed, or counted as zero).
GUARDED = """perfscore: 1
id: guarded_points
title: 条件填报
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
  v: {type: percent}
  t: {type: number}
  n: {type: integer, min: 0}
  done: {type: integer, min: 0}
  ratio: {type: number}
  flag: {type: boolean}
  level: {type: text, choices: [city, county]}
  tier: {type: text, choices: [achieved, partial, not_achieved]}
metrics:
  r: {expr: 'a / b', unit: '%'}
  fixed: {expr: 'done / n', unit: '%'}
indicators:
  - id: g1
    title: 加权
    weight: 40
    children:
      - {id: l1, title: L1, weight: 10, when: flag, value: v, scorer: {type: threshold, op: '>=', target: 0.9}}
      - {id: l2, title: L2, weight: 10, value: r, scorer: {type: proportional, target: 1}}
      - id: l3
        title: L3
        weight: 10
        scorer:
          type: tier
          tier: tier
          ratio: ratio
          tiers:
            - {id: achieved, range: "[0.8, 1]"}
            - {id: partial, range: "[0.6, 0.8)", default: 0.7}
            - {id: not_achieved, range: "[0, 0.6)", default: 0.3}
      - {id: l4, title: L4, weight: 10, when: "n > 0", value: fixed, scorer: {type: threshold, op: '==', target: 1, points_otherwise: 4}}
  - id: g2
    title: 均值
    weight: 30
    aggregate: mean
    children:
      - {id: m1, title: M1, weight: 3, when: "level == 'city'", value: t, scorer: {type: deduct, start: 1, direction: above, per: 0.05, points: 1, count: started}}
      - {id: m2, title: M2, weight: 2, value: b, scorer: {type: threshold, op: '>', target: 0}}
      - {id: m3, title: M3, weight: 2, scorer: {type: formula, expr: 'min(2, 2 * a / b)'}}
  - id: g3
    title: 短板
    weight: 30
    aggregate: weakest_link
    not_applicable_weight: zero
    children:
      - {id: w1, title: W1, weight: 5, when: flag, value: v, scorer: {type: bands, bands: [{range: '[0, 0.9)', points: 2}, {range: '[0.9, 1]', points: 5}, {range: '> 1', points: 1}]}}
      - {id: w2, title: W2, weight: 5, value: r, scorer: {type: threshold, op: '>=', target: 0.95}}
"""
GUARDED_RS = perfscore.load_ruleset_text(GUARDED)
#: a record where every value is there and every condition holds
FULL = {
    "a": "95",
    "b": "100",
    "v": "92",
    "t": "1.07",
    "n": "4",
    "done": "3",
    "ratio": "0.7",
    "flag": True,
    "level": "city",
    "tier": "partial",
}


@st.composite
def guarded_records(draw: st.DrawFn) -> dict[str, Any]:
    """Departments as they fill such a form: mostly the conditional fields left blank where
    the condition does not hold (and sometimes where it does), bad values now and then."""
    values: dict[str, Any] = {}
    for name in ("a", "b", "ratio", "n", "done"):
        if draw(st.integers(0, 7)):
            values[name] = draw(_value())
    for name, options in (
        ("flag", [True, False, "x"]),
        ("level", ["city", "county", "x"]),
        ("tier", ["achieved", "partial", "not_achieved", "x"]),
    ):
        if draw(st.integers(0, 7)):
            values[name] = draw(st.sampled_from(options))
    for name, holds in (("v", values.get("flag") is True), ("t", values.get("level") == "city")):
        if holds or not draw(st.integers(0, 4)):  # blank where it does not apply, mostly
            values[name] = draw(_value())
    if draw(st.booleans()) and "n" in values:
        values["done"] = values["n"]
    return {"id": "dept", "values": values}


def test_the_plan_checks_what_a_leaf_reads_under_its_condition() -> None:
    plan = GUARDED_RS.evaluator._plan
    assert plan is not None
    leaves = {pn.node.id: pn for g in plan.tree for pn in g.children}
    assert leaves["l1"].strict == {"flag"} and leaves["l1"].checked == {"v"}
    assert leaves["l3"].strict == {"tier"} and leaves["l3"].checked == {"ratio"}
    assert leaves["l4"].strict == {"n"} and leaves["l4"].checked == {"fixed"}
    assert leaves["l2"].strict == {"r"} and not leaves["l2"].checked
    assert "v" not in plan.names and "ratio" not in plan.names and "r" in plan.names


@settings(max_examples=500, deadline=None)
@given(guarded_records())
def test_guarded_rule_set_points_equal_the_full_evaluator(record: dict[str, Any]) -> None:
    rs = GUARDED_RS
    data = _data(rs, record)
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert got == _full(rs, data)


def _only(plan: Any, **calls: Any) -> Any:
    """The plan with the given steps replaced (to see which of them a record takes)."""
    return dataclasses.replace(plan, **calls)


def _refuse(*args: Any) -> Any:
    raise AssertionError("this record should not take that way")


@pytest.mark.parametrize(
    ("blank", "extra", "want"),
    [
        # blank where the condition does not hold: not applicable, on the clean walk
        (("v",), {"flag": False}, {"l1": None, "w1": None}),
        (("t",), {"level": "county"}, {"m1": None}),
        # a denominator of 0 where the condition does not hold: the metric fails, unread
        ((), {"n": "0", "done": "0"}, {"l4": None}),
        # the optional ratio left blank: the tier's default (0.7 of 10), the fast form's
        (("ratio",), {}, {"l3": "7.00"}),
    ],
)
def test_a_blank_the_leaf_checks_itself_keeps_the_clean_walk(
    blank: tuple[str, ...], extra: dict[str, Any], want: dict[str, Any], monkeypatch: Any
) -> None:
    rs = GUARDED_RS
    values = {k: v for k, v in {**FULL, **extra}.items() if k not in blank}
    data = _data(rs, {"id": "x", "values": values})
    plan = _only(rs.evaluator._plan, top_failing=_refuse)
    monkeypatch.setattr(pointsonly, "leaf", _refuse)  # nor the evaluator's leaf
    monkeypatch.setattr(pointsonly, "_results", _refuse)  # nor node by node
    got = pointsonly.points(plan, data, _no_full)
    assert {k: (None if got[0][k] is None else str(got[0][k])) for k in want} == want
    monkeypatch.undo()
    assert got == _full(rs, data)


@pytest.mark.parametrize(
    ("blank", "extra", "want"),
    [
        # blank, or not a number, where the condition holds: decided where it stands
        (("v",), {}, {"l1": "not_applicable", "w1": "not_applicable"}),
        ((), {"v": "abc"}, {"l1": "error", "g1": "error", "w1": "error", "g3": "error"}),
        (("t",), {}, {"m1": "not_applicable"}),
        ((), {"ratio": "abc"}, {"l3": "error", "g1": "error"}),
    ],
)
def test_a_blank_under_a_condition_that_holds_is_decided_where_it_stands(
    blank: tuple[str, ...], extra: dict[str, Any], want: dict[str, str], monkeypatch: Any
) -> None:
    rs = GUARDED_RS
    values = {k: v for k, v in {**FULL, **extra}.items() if k not in blank}
    data = _data(rs, {"id": "x", "values": values})
    outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
    assert {k: outcomes[k] for k in want} == want
    plan = _only(rs.evaluator._plan, top_failing=_refuse)
    monkeypatch.setattr(pointsonly, "_results", _refuse)  # no subject-wide fallback
    assert pointsonly.points(plan, data, _no_full) == _full(rs, data)


@pytest.mark.parametrize(
    ("extra", "alone", "want"),
    [
        # a ratio outside its tier's range: the tier's form gives up, the evaluator says error
        ({"tier": "achieved"}, ["l3"], {"l3": "error", "g1": "error"}),
        # a formula dividing by a zero budget: not applicable (the rule set's zero_division)
        ({"b": "0"}, ["m3"], {"m3": "not_applicable", "l2": "not_applicable"}),
    ],
)
def test_a_leaf_whose_code_raises_for_the_subject_is_decided_alone(
    extra: dict[str, Any], alone: list[str], want: dict[str, str], monkeypatch: Any
) -> None:
    """A leaf computing something that may raise for a reason of the subject's (a tier's
    ratio, a formula) is decided by the evaluator's leaf alone where it does: no node is
    decided again, and the record equals the full evaluator's (pre-order too)."""
    rs = GUARDED_RS
    data = _data(rs, {"id": "x", "values": {**FULL, **extra}})
    outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
    assert {k: outcomes[k] for k in want} == want
    seen: list[str] = []
    leaf = pointsonly.leaf

    def spy(c: Any, places: int, node: Any, *args: Any) -> Any:
        seen.append(node.id)
        return leaf(c, places, node, *args)

    monkeypatch.setattr(pointsonly, "leaf", spy)
    monkeypatch.setattr(pointsonly, "_results", _refuse)  # no node decided again
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert seen == alone
    monkeypatch.undo()
    assert got == _full(rs, data)
    assert list(got[0]) == [s.rule_id for s in rs.evaluator.subject(data).scores]  # pre-order


NAMED = """perfscore: 1
id: named_tier
title: 等次
version: "1"
settings: {places: 2}
inputs:
  a: {type: money, min: 0}
  b: {type: money, min: 0}
  grade: {type: text}
indicators:
  - id: g1
    title: G1
    weight: 50
    children:
      - {id: l1, title: L1, weight: 25, value: a, scorer: {type: threshold, op: '>=', target: 1}}
      - id: l2
        title: L2
        weight: 25
        scorer:
          type: tier
          tier: grade
          tiers:
            - {id: achieved, range: "[0.8, 1]"}
            - {id: partial, range: "[0.6, 0.8)", default: 0.7}
  - id: g2
    title: G2
    weight: 50
    children:
      - {id: l3, title: L3, weight: 50, value: b, scorer: {type: proportional, target: 3}}
"""


@pytest.mark.parametrize("aggregate", ["weighted_sum", "mean", "weakest_link"])
def test_a_leaf_whose_code_gives_up_is_decided_alone(monkeypatch: Any, aggregate: str) -> None:
    """A leaf that reads a name and gives up (a tier named that is not one of its tiers:
    the evaluator's error) is decided alone by the evaluator's leaf; its siblings and the
    rest of its top node keep what the walk gave them (nothing is decided node by node
    again: its group's arithmetic refuses the reason and weighs it by its general code),
    and the record equals the full evaluator's — under each aggregate."""
    text = NAMED.replace(
        "    weight: 50\n    children:",
        f"    weight: 50\n    aggregate: {aggregate}\n    children:",
        1,
    )
    rs = perfscore.load_ruleset_text(text)
    data = _data(rs, {"id": "x", "values": {"a": "2", "b": "1", "grade": "excellent"}})
    outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
    assert (outcomes["l2"], outcomes["g1"], outcomes["g2"]) == ("error", "error", "fail")
    again: list[list[str]] = []
    alone: list[str] = []
    results, leaf = pointsonly._results, pointsonly.leaf

    def spy(nodes: Any, *args: Any) -> Any:
        again.append([pn.node.id for pn in nodes])
        return results(nodes, *args)

    def spy_leaf(c: Any, places: int, node: Any, *args: Any) -> Any:
        alone.append(node.id)
        return leaf(c, places, node, *args)

    monkeypatch.setattr(pointsonly, "_results", spy)
    monkeypatch.setattr(pointsonly, "leaf", spy_leaf)
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert (again, alone) == ([], ["l2"])
    assert got == _full(rs, data)
    assert list(got[0]) == [s.rule_id for s in rs.evaluator.subject(data).scores]  # pre-order


#: Groups with a condition, whose fields a form leaves blank where it does not hold: under a
#: weighted sum, a mean, at the top, and one such group inside another.
SECTIONS = """perfscore: 1
id: sections_points
title: 分节填报
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  kind: {type: text, choices: [build, aid, other]}
  spent: {type: money, unit: 万元, min: 0}
  budget: {type: money, unit: 万元, min: 0}
  passed: {type: integer, min: 0}
  total: {type: integer, min: 0}
  accidents: {type: integer, min: 0}
  jobs: {type: integer, min: 0}
  aided: {type: integer, min: 0}
  big: {type: boolean}
  floors: {type: integer, min: 0}
metrics:
  rate: {expr: 'spent / budget', unit: '%'}
  pass_rate: {expr: 'passed / total', unit: '%'}
indicators:
  - id: g1
    title: 加权
    weight: 40
    children:
      - {id: k1, title: K1, weight: 20, value: rate, scorer: {type: proportional, target: 1}}
      - id: eng
        title: 工程
        weight: 20
        when: "kind == 'build'"
        children:
          - {id: e1, title: E1, weight: 10, value: pass_rate, scorer: {type: threshold, op: '>=', target: 1, points_otherwise: 2}}
          - {id: e2, title: E2, weight: 6, value: accidents, scorer: {type: threshold, op: '==', target: 0}}
          - id: tall
            title: 高层
            weight: 4
            when: big
            children:
              - {id: t1, title: T1, weight: 4, value: floors, scorer: {type: deduct, start: 10, direction: above, per: 5, points: 1, count: started}}
  - id: g2
    title: 均值
    weight: 30
    aggregate: mean
    children:
      - {id: m1, title: M1, weight: 3, value: rate, scorer: {type: deduct, start: 1, direction: below, per: 0.01, points: 0.5, count: exact}}
      - id: aid
        title: 补助
        weight: 3
        when: "kind == 'aid'"
        children:
          - {id: a1, title: A1, weight: 3, scorer: {type: formula, expr: 'min(3, 3 * jobs / aided)'}}
  - id: g3
    title: 补助（顶层）
    weight: 30
    when: "kind == 'aid'"
    children:
      - {id: n1, title: N1, weight: 30, value: aided, scorer: {type: threshold, op: '>', target: 0}}
"""
SECTIONS_RS = perfscore.load_ruleset_text(SECTIONS)
BUILD = {"kind": "build", "spent": "90", "budget": "100", "passed": "3", "total": "4"}
BUILD |= {"accidents": "0", "big": True, "floors": "17"}


@st.composite
def section_records(draw: st.DrawFn) -> dict[str, Any]:
    """Projects as they fill such a form: a section's fields mostly blank where its condition
    does not hold (and sometimes where it does), bad values now and then."""
    values: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        values["kind"] = draw(st.sampled_from(["build", "aid", "other", "x"]))
    if draw(st.integers(0, 5)):
        values["big"] = draw(st.sampled_from([True, False, "x"]))
    for name in ("spent", "budget"):
        if draw(st.integers(0, 7)):
            values[name] = draw(_value())
    sections = {
        "build": ("passed", "total", "accidents"),
        "aid": ("jobs", "aided"),
    }
    for kind, names in sections.items():
        for name in names:
            if values.get("kind") == kind or not draw(st.integers(0, 4)):
                values[name] = draw(_value())
    if values.get("big") is True or not draw(st.integers(0, 4)):
        values["floors"] = draw(_value())
    return {"id": "p", "values": values}


def test_a_group_with_a_condition_checks_what_it_reads_below() -> None:
    plan = SECTIONS_RS.evaluator._plan
    assert plan is not None
    nodes = {pn.node.id: pn for pn in _pre_order(plan.tree)}
    assert nodes["eng"].strict == {"kind"}
    assert nodes["eng"].checked == {"pass_rate", "accidents", "big"}
    assert nodes["tall"].strict == {"big"} and nodes["tall"].checked == {"floors"}
    assert nodes["aid"].strict == {"kind"} and nodes["aid"].checked == {"jobs", "aided"}
    assert nodes["g1"].strict == {"rate", "kind"}
    assert plan.names == {"rate", "kind"}


def _pre_order(nodes: Any) -> Any:
    for pn in nodes:
        yield pn
        yield from _pre_order(pn.children)


@settings(max_examples=500, deadline=None)
@given(section_records())
def test_sections_rule_set_points_equal_the_full_evaluator(record: dict[str, Any]) -> None:
    rs = SECTIONS_RS
    data = _data(rs, record)
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert got == _full(rs, data)
    assert list(got[0]) == [s.rule_id for s in rs.evaluator.subject(data).scores]  # pre-order


@pytest.mark.parametrize(
    ("values", "want"),
    [
        # a section left blank where its condition does not hold: on the clean walk
        ({"kind": "other", "spent": "90", "budget": "100"}, {"eng": None, "aid": None}),
        ({**BUILD, "big": False, "floors": None}, {"eng": "10.00", "tall": None}),
        ({"kind": "aid", "spent": "1", "budget": "1", "jobs": "2", "aided": "3"}, {"a1": "2.00"}),
    ],
)
def test_a_section_blank_where_it_does_not_apply_keeps_the_clean_walk(
    values: dict[str, Any], want: dict[str, Any], monkeypatch: Any
) -> None:
    rs = SECTIONS_RS
    data = _data(rs, {"id": "x", "values": {k: v for k, v in values.items() if v is not None}})
    plan = _only(rs.evaluator._plan, top_failing=_refuse)
    monkeypatch.setattr(pointsonly, "leaf", _refuse)
    monkeypatch.setattr(pointsonly, "_results", _refuse)
    got = pointsonly.points(plan, data, _no_full)
    assert {k: (None if got[0][k] is None else str(got[0][k])) for k in want} == want
    monkeypatch.undo()
    assert got == _full(rs, data)


@pytest.mark.parametrize(
    ("values", "want"),
    [
        # blank where the section applies: decided where it stands, the rest kept clean
        ({**BUILD, "accidents": None}, {"e2": "not_applicable", "eng": "fail"}),
        ({**BUILD, "total": "0"}, {"e1": "not_applicable"}),
        ({**BUILD, "floors": None}, {"t1": "not_applicable", "tall": "not_applicable"}),
        ({**BUILD, "floors": "x"}, {"t1": "error", "eng": "error", "g1": "error"}),
    ],
)
def test_a_blank_in_a_section_that_applies_is_decided_in_the_section(
    values: dict[str, Any], want: dict[str, str], monkeypatch: Any
) -> None:
    rs = SECTIONS_RS
    data = _data(rs, {"id": "x", "values": {k: v for k, v in values.items() if v is not None}})
    outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
    assert {k: outcomes[k] for k in want} == want
    plan = _only(rs.evaluator._plan, top_failing=_refuse)
    monkeypatch.setattr(pointsonly, "_results", _refuse)
    assert pointsonly.points(plan, data, _no_full) == _full(rs, data)
