"""The findings walk written out per rule set (perfscore.evaluate.findcode) gives what the
evaluator's walk node by node gives: every finding (its fields in their order, its words,
fingerprint and explanation), every score, the total and the grade — on records with blanks,
refused cells, zeros, values on thresholds and band edges, waivers."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate import Evaluator
from perfscore.evaluate.findcode import findings_walk
from perfscore.findings import Finding, SubjectResult, results
from perfscore.subjects import read_subject
from perfscore.waivers import Waiver

RULES = """perfscore: 1
id: walk
title: 写出
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
  c: {type: integer, min: 0}
  d: {type: integer, min: 0}
  s: {type: number}
  t: {type: text, choices: [achieved, partial, not_achieved]}
  x: {type: boolean}
  lv: {type: text, choices: [city, county]}
metrics:
  r: {expr: 'a / b', unit: '%'}
  q: {expr: 'c / d', unit: '%', zero_division: zero}
indicators:
  - id: g1
    title: 一级
    weight: 50
    children:
      - id: g11
        title: 二级
        weight: 20
        normalise: true
        children:
          - {id: t1, title: 执行率, weight: 10, value: r, scorer: {type: threshold, op: '>=', target: 0.95}}
          - {id: p1, title: 比例, weight: 10, value: r, missing: zero, scorer: {type: proportional, target: 1}}
          - {id: d1, title: 扣分, weight: 10, value: q, missing: full, scorer: {type: deduct, start: 1, direction: below, per: 0.01, points: 0.5, count: started}}
      - id: g12
        title: 市级
        weight: 30
        when: "lv == 'city'"
        children:
          - {id: b1, title: 满意度, weight: 15, value: s, scorer: {type: bands, bands: [{range: '[90, 100]', points: 15}, {range: '[80, 90)', points: 10}, {range: '[0, 80)', points: 0}]}}
          - {id: f1, title: 公式, weight: 15, missing: error, scorer: {type: formula, expr: 'min(15, 15 * a / b)'}}
  - id: g2
    title: 平均
    weight: 30
    aggregate: mean
    children:
      - {id: m1, title: 条件, weight: 10, when: x, value: r, scorer: {type: threshold, op: '>=', target: 0.9}}
      - {id: m2, title: 完成, weight: 10, value: q, scorer: {type: proportional, target: 1}}
  - id: g3
    title: 其他
    weight: 20
    children:
      - id: tier
        title: 等次
        weight: 10
        scorer:
          type: tier
          tier: t
          tiers:
            - {id: achieved, range: "[0.8, 1]"}
            - {id: partial, range: "[0.6, 0.8)", default: 0.7}
            - {id: not_achieved, range: "[0, 0.6)", default: 0.3}
      - id: list
        title: 清单
        weight: 5
        when: "lv == 'county'"
        scorer:
          type: checklist
          items:
            - {id: i1, points: 3, when: x}
            - {id: i2, points: 2, when: r >= 0.95}
      - {id: e1, title: 等于, weight: 5, value: r, scorer: {type: threshold, op: '==', target: 1}}
grades:
  bands:
    - {id: good, label: 良, min: 80}
    - {id: poor, label: 差, min: 0}
"""
RS = perfscore.load_ruleset_text(RULES, source="walk.yaml")


def _interpreted(rs: perfscore.RuleSet) -> Evaluator:
    """An evaluator that walks the tree node by node (``Evaluator._node``), not written out."""
    ev = Evaluator(rs.compiled, rs.id)
    ev._walk[False] = (lambda run, scores, findings: [ev._node(n, run, scores, findings)
                                                    for n in ev.c.indicators])  # fmt: skip
    return ev


GENERAL = _interpreted(RS)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """Blanks, refused cells, zeros, exact budgets, values on 95%, 100% and the band edges."""
    money = st.one_of(
        st.sampled_from(["0", "100", "95", "94.99", "13.51", "14", "", "x", "-1"]),
        st.decimals(min_value=0, max_value=1000, places=2).map(str),
    )
    count = st.one_of(st.sampled_from(["0", "3", "4", "", "2.5"]), st.integers(0, 50).map(str))
    score = st.one_of(
        st.sampled_from(["80", "90", "79.99", "89.995", "100", "", "优"]),
        st.decimals(min_value=0, max_value=100, places=2).map(str),
    )
    values: dict[str, Any] = {}
    for name, kind in (
        ("a", money), ("b", money), ("c", count), ("d", count), ("s", score),
        ("t", st.sampled_from(["achieved", "partial", "not_achieved", "", "other"])),
        ("x", st.sampled_from(["是", "否", "", "maybe"])),
        ("lv", st.sampled_from(["city", "county", "", "town"])),
    ):  # fmt: skip
        if draw(st.integers(0, 9)):
            values[name] = draw(kind)
    if draw(st.booleans()) and "a" in values:
        values["b"] = values["a"]  # spent exactly the budget
    return {"id": "dept", "values": values}


def _waivers(which: int) -> dict[str, Waiver] | None:
    if not which:
        return None
    effect, rule = (("exclude", "t1"), ("met", "m2"), ("met", "tier"))[which - 1]
    until = dt.date(2030, 1, 1)
    waiver = Waiver(
        subject="dept", rule=rule, reason="免评", approved_by="局长", expires=until, effect=effect
    )
    return {rule: waiver}


#: the fields made when first read (each a property over a private slot: ``_message`` …)
LAZY_FIELDS = ("message", "message_en", "display", "reason", "fingerprint", "explanation")
#: a finding's slots: its fields, then what its words are made from (not part of it)
SLOTS = tuple(
    name for c in reversed(Finding.__mro__) for name in getattr(c, "__slots__", ())
    if name != "__weakref__"
)  # fmt: skip


def finding_slots(f: Finding) -> dict[str, Any]:
    """Every slot of ``f`` that is set (what ``vars()`` showed of a finding before it had
    slots), read without making a lazy field (``object.__getattribute__`` of its private
    slot, not its property): a lazy field's under its field's name (``message`` for
    ``_message``), the explanation only once it is made."""
    out = {}
    for name in SLOTS:
        with contextlib.suppress(AttributeError):
            value = object.__getattribute__(f, name)
            if name[1:] in LAZY_FIELDS:
                if value is results.UNMADE or value is results.LATER:
                    continue
                name = name[1:]
            out[name] = value
    return out


def _same(fast: SubjectResult, general: SubjectResult) -> None:
    assert [list(finding_slots(f)) for f in fast.findings] == [
        list(finding_slots(f)) for f in general.findings
    ]
    assert fast == general  # (every field, the words read)
    assert [finding_slots(f) for f in fast.findings] == [finding_slots(f) for f in general.findings]
    assert [f.explanation for f in fast.findings] == [f.explanation for f in general.findings]
    texts = [  # (equal Decimals may be written differently: 1 and 1.0000)
        (str(r.total), str(r.coverage), [(str(x.points), str(x.coverage)) for x in r.scores])
        for r in (fast, general)
    ]
    assert texts[0] == texts[1]
    assert [vars(x) for x in fast.scores] == [vars(x) for x in general.scores]
    assert [list(vars(x)) for x in fast.scores] == [list(vars(x)) for x in general.scores]


#: every leaf scored: 95% exactly, on plan, a band's edge
SCORED = {"a": "95", "b": "100", "c": "4", "d": "4", "s": "90", "t": "partial", "x": "是"}


@settings(max_examples=400, deadline=None)
@given(record=records(), waived=st.integers(0, 3))
@example(record={"id": "dept", "values": {**SCORED, "lv": "city"}}, waived=0)
@example(  # blanks and a refused cell under every kind of leaf
    record={"id": "dept", "values": {"a": "x", "c": "3", "d": "0", "s": "", "lv": "county"}},
    waived=2,
)
def test_the_written_walk_gives_the_walk_node_by_node(record: dict[str, Any], waived: int) -> None:
    data = read_subject(record, RS.compiled.inputs, index=0, subject_type=RS.model.subject_type)
    fast = Evaluator(RS.compiled, RS.id).subject(data, _waivers(waived))
    _same(fast, GENERAL.subject(data, _waivers(waived)))


@settings(max_examples=100, deadline=None)
@given(batch=st.lists(records(), min_size=2, max_size=8))
def test_results_kept_across_subjects_are_the_results_made_anew(
    batch: list[dict[str, Any]],
) -> None:
    """One evaluator for the whole batch (its kept results found again), each subject as a
    fresh evaluator walking node by node scores it."""
    ev = Evaluator(RS.compiled, RS.id)
    for i, record in enumerate(batch):
        data = read_subject(record, RS.compiled.inputs, index=i, subject_type="department")
        _same(ev.subject(data), _interpreted(RS).subject(data))


def _data(values: dict[str, str], i: int = 0) -> Any:
    return read_subject({"id": f"d{i}", "values": values}, RS.compiled.inputs, index=i,
                        subject_type="department")  # fmt: skip


def _counted(ev: Evaluator) -> tuple[Any, list[str]]:
    """The evaluator's walk written out, with the node-by-node calls it makes counted."""
    asked: list[str] = []

    def node(n: Any, *args: Any) -> Any:
        asked.append(n.id)
        return ev._node(n, *args)

    c = ev.c.indicators
    return findings_walk(c, ev._consts, ev._kept, node, ev._group, ev.places), asked


def test_the_walk_decides_its_leaves_itself() -> None:
    """(Not vacuous: scored leaves, leaves whose reads failed and leaves whose condition does
    not hold are decided in the written walk; a group with a condition is the evaluator's.)"""
    ev = Evaluator(RS.compiled, RS.id)
    walk, asked = _counted(ev)
    ev._walk[False] = walk
    values = {"a": "95", "b": "100", "c": "3", "d": "4", "s": "85", "t": "partial", "x": "否"}
    clean = ev.subject(_data({**values, "lv": "county"}))
    assert asked == ["g12"]
    assert clean.finding("m1").outcome == "not_applicable"  # (its condition, in the walk)
    assert clean.finding("t1").outcome == "pass" and clean.finding("p1").points == Decimal("9.50")
    asked.clear()
    blanks = _data({"b": "0", "c": "3", "d": "0"}, 1)
    failing = ev.subject(blanks)
    assert asked == ["g12"]
    outcomes = {f.rule_id: (f.outcome, f.points) for f in failing.findings}
    assert outcomes["t1"] == ("not_applicable", None)  # a zero budget
    assert outcomes["p1"] == ("fail", Decimal(0))  # a missing a: zero
    assert outcomes["d1"] == ("fail", Decimal("0.00"))  # zero division: zero
    assert outcomes["m1"] == ("not_applicable", None)  # x blank: its condition cannot hold
    assert outcomes["tier"] == ("not_applicable", None)  # t blank
    _same(failing, GENERAL.subject(blanks))


def test_a_weighted_sum_scored_in_full_is_added_up_in_the_walk() -> None:
    """(Not vacuous: g11 and g3's children all scored — the sum written out, its results kept
    and found again for the next subject with the same children's results.)"""
    ev = Evaluator(RS.compiled, RS.id)
    values = {"a": "96", "b": "100", "c": "4", "d": "4", "s": "95", "t": "achieved", "x": "是",
              "lv": "county"}  # fmt: skip
    data = _data(values)
    with_group = ev._group
    seen: list[str] = []

    def group(node: Any, *args: Any) -> Any:
        seen.append(node.id)
        return with_group(node, *args)

    c = ev.c.indicators
    ev._walk[False] = findings_walk(c, ev._consts, ev._kept, ev._node, group, ev.places)
    first = ev.subject(data)
    assert "g11" not in seen and "g3" not in seen  # (in full: in the walk)
    assert first.score("g11").points == Decimal("19.73")  # (10 + 9.6 + 10) × 20 / 30
    seen.clear()
    again = ev.subject(data)
    assert seen == [] and again.score("g2") is first.score("g2")  # kept, found by identity
    _same(again, GENERAL.subject(data))


#: weighted sums whose children may be not applicable: handing their weight on (g1, the
#: default) or keeping it (g2, g1s: ``zero``), a child group covered in part (g1s, g21 under
#: g1 and g2), weights that do not add up (g2: normalise), weights with decimals; a weakest
#: link (g3) and a mean (g4, keeping the weight; g41 covered in part under it) likewise
PART = """perfscore: 1
id: part
title: 部分
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
  c: {type: integer, min: 0}
  d: {type: integer, min: 0}
  s: {type: number}
  x: {type: boolean}
metrics:
  r: {expr: 'a / b', unit: '%'}
  q: {expr: 'c / d', unit: '%'}
indicators:
  - id: g1
    title: 一级
    weight: 60
    children:
      - {id: a1, title: 执行率, weight: 12.5, value: r, scorer: {type: threshold, op: '>=', target: 0.95}}
      - {id: a2, title: 完成率, weight: 17.5, value: q, scorer: {type: proportional, target: 1}}
      - id: g1s
        title: 二级
        weight: 30
        not_applicable_weight: zero
        children:
          - {id: b1, title: 满意度, weight: 20, value: s, scorer: {type: bands, bands: [{range: '[90, 100]', points: 20}, {range: '[0, 90)', points: 5}]}}
          - {id: b2, title: 条件, weight: 10, when: x, value: r, scorer: {type: threshold, op: '>=', target: 0.9}}
  - id: g2
    title: 其他
    weight: 20
    normalise: true
    not_applicable_weight: zero
    children:
      - {id: c1, title: 条件, weight: 10, when: x, value: q, scorer: {type: threshold, op: '>=', target: 1}}
      - {id: c2, title: 公式, weight: 15, scorer: {type: formula, expr: 'min(15, 15 * a / b)'}}
      - id: g21
        title: 三级
        weight: 7
        children:
          - {id: e1, title: 扣分, weight: 4, value: q, scorer: {type: deduct, start: 1, direction: below, per: 0.1, points: 1, count: started}}
          - {id: e2, title: 等于, weight: 3, value: r, scorer: {type: threshold, op: '==', target: 1}}
  - id: g3
    title: 最弱
    weight: 10
    aggregate: weakest_link
    children:
      - {id: h1, title: 执行率, weight: 5, value: r, scorer: {type: proportional, target: 1}}
      - {id: h2, title: 条件, weight: 5, when: x, value: q, scorer: {type: proportional, target: 1}}
  - id: g4
    title: 平均
    weight: 10
    aggregate: mean
    normalise: true
    not_applicable_weight: zero
    children:
      - {id: j1, title: 满意度, weight: 4, value: s, scorer: {type: bands, bands: [{range: '[90, 100]', points: 4}, {range: '[0, 90)', points: 1}]}}
      - {id: j2, title: 条件, weight: 6, when: x, value: q, scorer: {type: threshold, op: '>=', target: 0.5}}
      - id: g41
        title: 四级
        weight: 3
        not_applicable_weight: zero
        children:
          - {id: k1, title: 公式, weight: 2, scorer: {type: formula, expr: 'min(2, 2 * c / d)'}}
          - {id: k2, title: 条件, weight: 1, when: x, value: r, scorer: {type: threshold, op: '>=', target: 0.5}}
"""
PART_RS = perfscore.load_ruleset_text(PART, source="part.yaml")


@st.composite
def part_records(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {}
    money = st.sampled_from(["0", "100", "95", "13.5", "", "x"])
    count = st.sampled_from(["0", "3", "4", "10", ""])
    for name, kind in (("a", money), ("b", money), ("c", count), ("d", count),
                       ("s", st.sampled_from(["95", "90", "12.5", "", "优"])),
                       ("x", st.sampled_from(["是", "否", ""]))):  # fmt: skip
        if draw(st.integers(0, 5)):
            values[name] = draw(kind)
    return {"id": "dept", "values": values}


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(part_records(), min_size=1, max_size=6))
def test_weighted_sums_scored_in_part_are_added_up_as_the_walk_node_by_node_does(
    batch: list[dict[str, Any]],
) -> None:
    """One evaluator for the batch (its kept results and coverages found again) against a
    fresh evaluator walking node by node per subject."""
    ev = Evaluator(PART_RS.compiled, PART_RS.id)
    for i, record in enumerate(batch):
        data = read_subject(record, PART_RS.compiled.inputs, index=i, subject_type="department")
        _same(ev.subject(data), _interpreted(PART_RS).subject(data))


def test_a_weighted_sum_scored_in_part_is_added_up_in_the_walk() -> None:
    """(Not vacuous: b2, c1, h2, j2, k2 not applicable — g1s keeps their weight and is covered
    in part, g1 and g2 have a child covered in part, g2's weights do not add up, a weakest
    link and a mean with a child covered in part — all in the walk, not the evaluator's
    ``_group``; nothing applicable under g1s and g3: ``_group``'s.)"""
    ev = Evaluator(PART_RS.compiled, PART_RS.id)
    with_group = ev._group
    seen: list[str] = []

    def group(node: Any, *args: Any) -> Any:
        seen.append(node.id)
        return with_group(node, *args)

    c = ev.c.indicators
    ev._walk[False] = findings_walk(c, ev._consts, ev._kept, ev._node, group, ev.places,
                                    ev._parts_of)  # fmt: skip
    values = {"a": "95", "b": "100", "c": "3", "d": "4", "s": "95", "x": "否"}
    data = read_subject({"id": "d", "values": values}, PART_RS.compiled.inputs, index=0,
                        subject_type="department")  # fmt: skip
    got = ev.subject(data)
    assert seen == []
    assert got.score("g1s").points == Decimal(20) and got.score("g1s").coverage == Decimal("0.6667")
    assert got.score("g2").outcome == "fail"
    assert got.score("g3").points == Decimal("9.50")  # (h1's share, h2 not applicable)
    assert got.score("g4").points == Decimal("5.00")  # (shares 1, 0 and g41's 0.5: a mean)
    _same(got, _interpreted(PART_RS).subject(data))
    none = {"id": "e", "values": {"a": "", "s": "", "x": "否", "c": "3", "d": "4"}}
    data = read_subject(none, PART_RS.compiled.inputs, index=1, subject_type="department")
    got = ev.subject(data)
    assert seen == ["g1s", "g3"]  # (nothing under them applies: the aggregator says so)
    _same(got, _interpreted(PART_RS).subject(data))
