"""The evaluator's fast pieces equal the general ones they stand for: each scorer's outcome
form against its own ``score`` (perfscore.scorers ``outcome_form``), a leaf scored through its
form and a group of fully scored children added up in place against the evaluator without
them (perfscore.evaluate), a leaf's finding from its copied constants against
``indicator_finding``, and the result built without its dataclass ``__init__``."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import fields
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore import aggregate
from perfscore.errors import PerfscoreError
from perfscore.evaluate import Evaluator
from perfscore.evaluate.leaves import scored_form
from perfscore.evaluate.pointsonly import value_reader
from perfscore.evaluate.records import indicator_finding
from perfscore.evaluate.state import Outcome
from perfscore.exact import exact_quotient
from perfscore.findings import SubjectResult
from perfscore.numbers import NotExact, round_places
from perfscore.scorers import Fallback
from perfscore.waivers import Waiver
from test_evaluate_findcode import finding_slots
from test_pointsonly import FORM_RS, FORMS, MESSY, _data, _form_ruleset, _number, messy_records
from test_pointsonly_mixed import POINTS_FORMS, TIER, _tier_rs


@pytest.mark.parametrize("i", range(len(FORMS)), ids=[f[0][:40] for f in FORMS])
@settings(max_examples=150, deadline=None)
@given(v=_number(), a=_number(), b=_number())
def test_each_outcome_form_says_what_its_scorer_says(
    i: int, v: Decimal, a: Decimal, b: Decimal
) -> None:
    """The value read, the points rounded, met, the threshold and the detail — the same
    Decimals, sign and digits included — or it gives up (the evaluator then decides)."""
    node = FORM_RS[i].compiled.indicators[0]
    assert node.scorer is not None and node.weight is not None
    form = node.scorer.outcome_form(value_reader(node), node.weight, 2)  # type: ignore[attr-defined]
    if form is None:  # (proportional ``equal``: always the general way)
        assert "equal" in FORMS[i][0]
        return
    _says_what_score_says(node, form, {"v": v, "a": a, "b": b})


MESSY_RS = perfscore.load_ruleset_text(MESSY)
#: the same rule set, ``pass_at`` below full marks (the form's ``met`` does not decide there)
PASS_AT_RS = perfscore.load_ruleset_text(
    MESSY.replace(
        "{type: threshold, op: '>=', target: 0.95}",
        "{type: proportional, target: 0.95, pass_at: 0.8}",
    ).replace("{type: formula, expr:", "{type: formula, pass_at: 0.5, expr:")
)


def _general(rs: perfscore.RuleSet) -> Evaluator:
    """An evaluator without the fast pieces: no outcome forms, no groups added up in place,
    the tree walked node by node (not written out: perfscore.evaluate.findcode)."""
    ev = Evaluator(rs.compiled, rs.id)
    made = ev._leaf_consts_of

    def without_form(node: Any) -> Any:
        got = made(node)
        got = (*got[:4], None, *got[5:])  # (its form: none)
        ev._leaf_consts[node.id] = got
        return got

    ev._leaf_consts_of = without_form  # type: ignore[method-assign]
    ev._group_results = {}  # (no group's results shared: the aggregator itself each time)
    ev._walk[False] = (lambda run, scores, findings: [ev._node(n, run, scores, findings)
                                                    for n in ev.c.indicators])  # fmt: skip
    return ev


GENERAL = {id(rs): _general(rs) for rs in (MESSY_RS, PASS_AT_RS)}


@contextlib.contextmanager
def _weighted_sum() -> Iterator[None]:
    """No group added up in place: the aggregator itself for every group and the total."""
    with (
        mock.patch("perfscore.evaluate._scored_in_full", return_value=None),
        mock.patch("perfscore.evaluate._scored_in_part", return_value=None),
        mock.patch("perfscore.evaluate._shares_in_place", return_value=None),
    ):
        yield


@pytest.mark.parametrize("rs", [MESSY_RS, PASS_AT_RS], ids=["messy", "pass_at"])
@settings(max_examples=300, deadline=None)
@given(record=messy_records(), waived=st.booleans())
@example(  # 80% of the budget spent: 8.42 of 10 points, a pass at pass_at 0.8, a fail at 95%
    record={"id": "dept", "values": {"a": "80", "b": "100", "c": "3", "d": "4", "s": "91"}},
    waived=False,
)
def test_the_fast_pieces_give_the_general_result(
    rs: perfscore.RuleSet, record: dict[str, Any], waived: bool
) -> None:
    """Every finding (its words, fingerprint and explanation included), score, total and
    grade as the evaluator gives them without its fast pieces, blanks and zeros included."""
    data = _data(rs, record)
    waivers = None
    if waived:  # one leaf waived (the general way), one met (full marks)
        waivers = {
            "t": Waiver(
                subject="dept", rule="t", reason="免评", approved_by="局长",
                expires=dt.date(2030, 1, 1), effect="exclude",
            ),
            "bd": Waiver(
                subject="dept", rule="bd", reason="已整改", approved_by="局长",
                expires=dt.date(2030, 1, 1), effect="met",
            ),
        }  # fmt: skip
    fast = Evaluator(rs.compiled, rs.id).subject(data, waivers)
    with _weighted_sum():
        general = GENERAL[id(rs)].subject(data, waivers)
    assert [list(finding_slots(f)) for f in fast.findings] == [
        list(finding_slots(f)) for f in general.findings
    ]
    assert fast == general
    texts = [  # (equal Decimals may be written differently: 1 and 1.0000)
        (str(r.total), str(r.coverage), [(str(x.points), str(x.coverage)) for x in r.scores])
        for r in (fast, general)
    ]
    assert texts[0] == texts[1]
    assert [f.explanation for f in fast.findings] == [f.explanation for f in general.findings]


def test_the_fast_pieces_are_taken() -> None:
    """(Not vacuous: a clean record takes every leaf's form and adds every group up in place.)"""
    ev = Evaluator(MESSY_RS.compiled, MESSY_RS.id)
    values = {"a": "96", "b": "100", "c": "3", "d": "4", "s": "91", "e": "1"}
    result = ev.subject(_data(MESSY_RS, {"id": "x", "values": values}))
    assert all(c[4] is not None for c in ev._leaf_consts.values())  # (each its form)
    assert all(shared for shared in ev._group_results.values())
    assert result == _general(MESSY_RS).subject(_data(MESSY_RS, {"id": "x", "values": values}))


@settings(max_examples=200, deadline=None)
@given(record=messy_records())
def test_a_leaf_finding_is_what_indicator_finding_makes(record: dict[str, Any]) -> None:
    """The same keys in the same order, the same values (the words made from them)."""
    rs = MESSY_RS
    ev = rs.evaluator
    result = ev.subject(_data(rs, record))
    leaves = {}
    stack = list(rs.compiled.indicators)
    while stack:
        n = stack.pop()
        stack.extend(n.children)
        if not n.children:
            leaves[n.id] = n
    for f in result.findings:
        d = finding_slots(f)
        if f.rule_id not in leaves or d.get("_run") is None:
            continue
        o = Outcome(f.outcome, f.points, f.grade, f.value, f.threshold, d.get("_why"))
        o.detail = d.get("_detail")
        made = indicator_finding(
            leaves[f.rule_id], o, d["_run"], None, rs.compiled.units, 2, None, ev._texts
        )
        assert finding_slots(made) == d


@settings(max_examples=400, deadline=None)
@given(
    weight=st.one_of(st.none(), st.sampled_from([Decimal(x) for x in ("0", "10", "7.5", "30")])),
    kids=st.lists(
        st.tuples(
            st.sampled_from([None] + [Decimal(x) for x in ("0", "2", "2.5", "5", "10")]),
            st.sampled_from(["pass", "fail", "not_applicable", "error"]),
            st.one_of(st.none(), st.decimals(min_value=0, max_value=10, places=2)),
            st.sampled_from([Decimal(1), Decimal("0.5"), Decimal("1.0")]),
        ),
        max_size=6,
    ),
)
def test_children_scored_in_full_add_up_as_weighted_sum(
    weight: Decimal | None, kids: list[tuple[Any, str, Any, Decimal]]
) -> None:
    from perfscore.aggregate import ONE, AggregateSpec, NodeScore, weighted_sum
    from perfscore.evaluate import _scored_in_full

    children = [
        NodeScore(f"c{j}", w, p, None, o, ONE if cov == 1 and str(cov) == "1" else cov)
        for j, (w, o, p, cov) in enumerate(kids)
    ]
    got = _scored_in_full(children, weight)
    ns = weighted_sum(AggregateSpec("g", weight, "redistribute", None, None), children)
    if got is None:  # (not all scored, a coverage not all, or no weight: weighted_sum decides)
        assert (
            not children
            or any(c.outcome not in ("pass", "fail") or c.coverage is not ONE for c in children)
            or not any(c.weight for c in children)
        )
        return
    assert (got[0], str(got[0])) == (ns.points, str(ns.points))
    assert ("pass" if got[1] else "fail") == ns.outcome and ns.coverage is ONE


#: children's coverages (the same objects in every example), and the coverages kept per
#: children's weights (as per group)
_COVERAGES = {
    "one": aggregate.ONE,
    "zero": aggregate.ZERO,
    "0.5": Decimal("0.5"),
    "1.0": Decimal("1.0"),
    "third": exact_quotient(Decimal(1), Decimal(3)),
}
_KEPT: collections.defaultdict[Any, Any] = collections.defaultdict(dict)


@settings(max_examples=400, deadline=None)
@given(
    weight=st.one_of(st.none(), st.sampled_from([Decimal(x) for x in ("0", "10", "7.5", "30")])),
    redistribute=st.booleans(),
    kids=st.lists(
        st.tuples(
            st.sampled_from([None] + [Decimal(x) for x in ("0", "2", "2.5", "5", "10")]),
            st.sampled_from(["pass", "fail", "not_applicable", "not_applicable", "error"]),
            st.one_of(st.none(), st.decimals(min_value=0, max_value=10, places=2)),
            st.sampled_from(["one", "zero", "0.5", "1.0", "third"]),
        ),
        max_size=6,
    ),
)
def test_children_scored_or_not_applicable_add_up_as_weighted_sum(
    weight: Decimal | None, redistribute: bool, kids: list[tuple[Any, str, Any, str]]
) -> None:
    """The points (the same Decimal), the outcome, the coverage exactly and rounded — the
    coverage kept across examples (the same coverage objects, other weights and outcomes)."""
    from perfscore.aggregate import AggregateSpec, NodeScore, weighted_sum
    from perfscore.evaluate.groups import scored_in_part
    from perfscore.numbers import round_once

    children = [
        NodeScore(f"c{j}", w, p, None, o, _COVERAGES[cov]) for j, (w, o, p, cov) in enumerate(kids)
    ]
    policy = "redistribute" if redistribute else "zero"
    ns = weighted_sum(AggregateSpec("g", weight, policy, None, None), children)
    kept = _KEPT[tuple(c.weight for c in children)]  # (a group's children's weights are fixed)
    for _ in range(2):
        got = scored_in_part(children, weight, redistribute, kept)
        if got is None:  # (an error, nothing scored or no weight: weighted_sum decides)
            assert (
                any(c.outcome not in ("pass", "fail", "not_applicable") for c in children)
                or all(c.outcome == "not_applicable" for c in children)
                or not any(c.weight for c in children)
            )
            return
        assert (got[0], str(got[0])) == (ns.points, str(ns.points))
        assert ("pass" if got[1] else "fail") == ns.outcome
        assert got[2] == ns.coverage and type(got[2]) is type(ns.coverage)
        rounded = round_once(ns.coverage, 4)
        assert (got[3], str(got[3])) == (rounded, str(rounded))


def test_a_result_has_its_dataclass_fields() -> None:
    result = MESSY_RS.evaluator.subject(
        _data(MESSY_RS, {"id": "x", "values": {"a": "5", "b": "0", "s": "85"}})
    )
    assert list(vars(result)) == [f.name for f in fields(SubjectResult)]
    assert SubjectResult(**{f.name: getattr(result, f.name) for f in fields(SubjectResult)}) == (
        result
    )


#: what the families do not have: tier and checklist scorers (no form of their own: their
#: ``score`` through leaves.scored_form), a proportional scorer whose target is read and one
#: ``equal``, a leaf ``when`` on a text (not applicable where it does not hold), a formula
#: that rounds, mean and weakest-link groups
WHEN_RS = perfscore.load_ruleset_text(
    """perfscore: 1
id: kinds
title: 其他
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
  c: {type: money, unit: 万元, min: 0}
  t: {type: text, choices: [achieved, partial, not_achieved]}
  x: {type: boolean}
  y: {type: boolean}
  lv: {type: text, choices: [city, county]}
metrics:
  r: {expr: 'a / b', unit: '%'}
indicators:
  - id: g1
    title: 一级
    weight: 43
    children:
      - id: tier
        title: 等次
        weight: 10
        scorer:
          type: tier
          tier: t
          pass_at: 0.8
          tiers:
            - {id: achieved, range: "[0.8, 1]"}
            - {id: partial, range: "[0.6, 0.8)", default: 0.7}
            - {id: not_achieved, range: "[0, 0.6)", default: 0.3}
      - id: list
        title: 清单
        weight: 5
        scorer:
          type: checklist
          items:
            - {id: i1, points: 2, when: x}
            - {id: i2, points: 2, when: y}
            - {id: i3, points: 1, when: r >= 0.95}
      - {id: cost, title: 成本, weight: 10, value: c, scorer: {type: proportional, target: a, direction: lower}}
      - {id: dev, title: 偏差, weight: 10, value: r, scorer: {type: proportional, target: 1, direction: equal}}
      - {id: city, title: 市级, weight: 5, when: "lv == 'city'", value: r, scorer: {type: threshold, op: '>=', target: 0.9}}
      - {id: rounded, title: 取整, weight: 3, scorer: {type: formula, expr: 'round(3 * r, 0)'}}
  - id: g2
    title: 平均
    weight: 20
    aggregate: mean
    children:
      - {id: m1, title: M1, weight: 4, value: r, scorer: {type: proportional, target: 0.95}}
      - {id: m2, title: M2, weight: 4, when: "lv == 'county'", value: r, scorer: {type: threshold, op: '==', target: 1}}
  - id: g3
    title: 最弱
    weight: 20
    aggregate: weakest_link
    children:
      - {id: w1, title: W1, weight: 2, value: r, scorer: {type: threshold, op: '<=', target: 1}}
      - {id: w2, title: W2, weight: 2, value: c, scorer: {type: proportional, target: b}}
"""
)
GENERAL[id(WHEN_RS)] = _general(WHEN_RS)


@st.composite
def kinds_records(draw: st.DrawFn) -> dict[str, Any]:
    """Blanks, zeros, exact budgets and every text and yes/no (and some that are neither)."""
    money = st.one_of(
        st.sampled_from(["0", "100", "95", "13.51", "14", "", "x"]),
        st.decimals(min_value=0, max_value=1000, places=2).map(str),
    )
    values: dict[str, Any] = {}
    for name, kind in (
        ("a", money), ("b", money), ("c", money),
        ("t", st.sampled_from(["achieved", "partial", "not_achieved", "", "other"])),
        ("x", st.sampled_from(["是", "否", "true", "", "maybe"])),
        ("y", st.sampled_from(["是", "否"])),
        ("lv", st.sampled_from(["city", "county", "", "town"])),
    ):  # fmt: skip
        if draw(st.integers(0, 9)):
            values[name] = draw(kind)
    if draw(st.booleans()) and "a" in values:
        values["b"] = values["a"]  # spent exactly the budget
    return {"id": "dept", "values": values}


@settings(max_examples=400, deadline=None)
@given(record=kinds_records())
@example(record={"id": "dept", "values": {"a": "95", "b": "100", "c": "14", "t": "partial",
                                          "x": "是", "y": "否", "lv": "city"}})  # fmt: skip
@example(record={"id": "dept", "values": {"a": "13.51", "b": "13.51", "c": "14",
                                          "t": "achieved", "x": "否", "y": "是", "lv": "county"}})  # fmt: skip
def test_scorers_without_a_form_and_conditions_give_the_general_result(
    record: dict[str, Any],
) -> None:
    """Tier, checklist, a read target, ``equal``, a leaf's ``when``: through their ``score``
    (and the condition decided in place) as through leaves.leaf — every finding, its words,
    fingerprint and explanation, score, total and grade."""
    data = _data(WHEN_RS, record)
    fast = Evaluator(WHEN_RS.compiled, WHEN_RS.id).subject(data)
    with _weighted_sum():
        general = GENERAL[id(WHEN_RS)].subject(data)
    assert [list(finding_slots(f)) for f in fast.findings] == [
        list(finding_slots(f)) for f in general.findings
    ]
    assert fast == general
    assert [(str(s.points), str(s.coverage)) for s in fast.scores] == [
        (str(s.points), str(s.coverage)) for s in general.scores
    ]
    assert [f.explanation for f in fast.findings] == [f.explanation for f in general.findings]
    assert [finding_slots(f) for f in fast.findings] == [finding_slots(f) for f in general.findings]


def test_scorers_without_a_form_take_their_score_in_place() -> None:
    """(Not vacuous: every leaf has a form — its own or its score's — and a leaf whose
    condition does not hold is decided without leaves.leaf.)"""
    ev = Evaluator(WHEN_RS.compiled, WHEN_RS.id)
    values = {
        "a": "96",
        "b": "100",
        "c": "14",
        "t": "partial",
        "x": "是",
        "y": "否",
        "lv": "county",
    }
    with mock.patch("perfscore.evaluate.leaf", side_effect=AssertionError("leaf() asked")):
        result = ev.subject(_data(WHEN_RS, {"id": "x", "values": values}))
    assert all(c[4] is not None for c in ev._leaf_consts.values())  # (each its form)
    assert result.finding("city").outcome == "not_applicable"
    assert result.finding("m2").outcome == "fail"
    assert result.finding("tier").points == Decimal("7.00")


# --- the outcome forms of checklist and tier, and the general form of a scorer without one ----


#: the forms of test_pointsonly_mixed, and targets of -0 (score clamps -0 / v to 0)
OUTCOME_FORMS = [
    *POINTS_FORMS,
    ("{type: proportional, target: -0, direction: lower}", "v"),
    ("{type: proportional, target: -0, direction: equal}", "v"),
    ("{type: proportional, target: -0}", "v"),
]
OUTCOME_FORM_RS = {i: _form_ruleset(*f) for i, f in enumerate(OUTCOME_FORMS)}


@pytest.mark.parametrize("i", range(len(OUTCOME_FORMS)), ids=[f[0][:40] for f in OUTCOME_FORMS])
@settings(max_examples=150, deadline=None)
@given(v=_number(), a=_number(), b=_number())
@example(v=Decimal(5), a=Decimal(0), b=Decimal(0))
def test_checklist_and_general_outcome_forms_say_what_the_scorer_says(
    i: int, v: Decimal, a: Decimal, b: Decimal
) -> None:
    """A checklist's form (the combination of items held looked up) and the general form
    over ``score`` (a proportional target read per subject, ``equal``): the value, the points
    rounded, met, the threshold and the detail as ``score`` says them — or they give up."""
    node = OUTCOME_FORM_RS[i].compiled.indicators[0]
    assert node.scorer is not None and node.weight is not None
    form = node.scorer.outcome_form(value_reader(node), node.weight, 2)  # type: ignore[attr-defined]
    if form is None:  # no form of its own: the evaluator's over its score
        assert "checklist" not in OUTCOME_FORMS[i][0]
        form = scored_form(node.scorer, value_reader(node), node.weight, 2)
    for scope in ({"v": v, "a": a, "b": b}, {"v": v, "a": v, "b": a}, {"v": a, "a": v, "b": a}):
        _says_what_score_says(node, form, scope)


@pytest.mark.parametrize("ratio", ["share", None])
@settings(max_examples=150, deadline=None)
@given(
    tier=st.sampled_from(["achieved", "partial", "not_achieved", "other", None, Decimal(1)]),
    share=st.one_of(
        st.none(), st.sampled_from([Decimal(x) for x in ("0", "0.6", "0.8", "0.805", "2")])
    ),
)
def test_the_tier_outcome_form_says_what_the_scorer_says(
    ratio: str | None, tier: Any, share: Any
) -> None:
    """Without a ratio its own form (the tier named looked up), with one the general form."""
    text = TIER.replace("RATIO", ratio) if ratio else TIER.replace("      ratio: RATIO\n", "")
    node = _tier_rs(text).compiled.indicators[0]
    assert node.scorer is not None and node.weight is not None
    form = node.scorer.outcome_form(None, node.weight, 2)  # type: ignore[attr-defined]
    assert (form is None) == (ratio is not None)
    if form is None:
        form = scored_form(node.scorer, None, node.weight, 2)
    _says_what_score_says(node, form, {"tier": tier, "share": share})


def _says_what_score_says(node: Any, form: Any, scope: dict[str, Any]) -> None:
    try:
        value, points, met, threshold, detail = form(scope)
    except (Fallback, PerfscoreError, NotExact):  # (the evaluator's leaf() decides)
        return
    expected = node.value(scope) if node.value is not None else None
    scored = node.scorer.score(expected, scope, node.weight)
    full = round_places(scored.points, 2, scored.slack)
    assert (value, str(value)) == (expected, str(expected))
    assert (points, str(points)) == (full, str(full))
    assert met == scored.met and threshold == scored.threshold and detail == scored.detail


@settings(max_examples=400, deadline=None)
@given(
    weight=st.one_of(st.none(), st.sampled_from([Decimal(x) for x in ("0", "10", "7.5", "30")])),
    redistribute=st.booleans(),
    lowest=st.booleans(),
    kids=st.lists(
        st.tuples(
            st.sampled_from([None] + [Decimal(x) for x in ("0", "2", "2.5", "3", "10")]),
            st.sampled_from(["pass", "fail", "not_applicable", "not_applicable", "error"]),
            st.one_of(st.none(), st.decimals(min_value=0, max_value=10, places=2)),
            st.sampled_from(["one", "zero", "0.5", "1.0", "third"]),
            st.sampled_from([None, None, None, "A"]),
        ),
        max_size=6,
    ),
)
def test_children_scored_or_not_applicable_average_as_mean_and_weakest_link(
    weight: Decimal | None,
    redistribute: bool,
    lowest: bool,
    kids: list[tuple[Any, str, Any, str, Any]],
) -> None:
    """The points (exactly: rounded, the same Decimal), the outcome, the coverage exactly and
    rounded — of a mean or a weakest link of points — as the aggregator gives them."""
    from perfscore.aggregate import AggregateSpec, NodeScore, mean, weakest_link
    from perfscore.evaluate.groups import shares_in_place
    from perfscore.numbers import round_once

    children = [
        NodeScore(f"c{j}", w, p, g, o, _COVERAGES[cov]) for j, (w, o, p, cov, g) in enumerate(kids)
    ]
    policy = "redistribute" if redistribute else "zero"
    aggregate = weakest_link if lowest else mean
    ns = aggregate(AggregateSpec("g", weight, policy, None, None), children)
    kept = _KEPT[("shares", *(c.weight for c in children))]
    for _ in range(2):
        got = shares_in_place(children, weight, redistribute, lowest, kept)
        if got is None:  # (an error, a letter, nothing scored or no weight: it decides)
            assert (
                any(c.outcome not in ("pass", "fail", "not_applicable") for c in children)
                or any(c.grade is not None for c in children)
                or all(c.outcome == "not_applicable" for c in children)
                or not any(c.weight for c in children)
            )
            return
        assert ns.points is not None
        want = round_once(ns.points, 2)
        assert (round_once(got[0], 2), str(round_once(got[0], 2))) == (want, str(want))
        assert ("pass" if got[1] else "fail") == ns.outcome
        assert got[2] == ns.coverage and type(got[2]) is type(ns.coverage)
        rounded = round_once(ns.coverage, 4)
        assert (got[3], str(got[3])) == (rounded, str(rounded))


#: one evaluator for every example: its shared results (by text and by the very points
#: object) carried from one subject to the next
SHARED = Evaluator(WHEN_RS.compiled, WHEN_RS.id)


@settings(max_examples=150, deadline=None)
@given(records=st.lists(kinds_records(), min_size=1, max_size=6))
def test_results_shared_across_subjects_are_the_results_made_anew(
    records: list[dict[str, Any]],
) -> None:
    """Subject after subject through one evaluator, as through a new one each time: every
    finding, score (its points and coverage as written), total and grade."""
    for record in records:
        data = _data(WHEN_RS, record)
        shared = SHARED.subject(data)
        anew = Evaluator(WHEN_RS.compiled, WHEN_RS.id).subject(data)
        assert [list(finding_slots(f)) for f in shared.findings] == [
            list(finding_slots(f)) for f in anew.findings
        ]
        assert shared == anew
        assert [(str(s.points), str(s.coverage), s.outcome) for s in shared.scores] == [
            (str(s.points), str(s.coverage), s.outcome) for s in anew.scores
        ]


def test_mean_and_weakest_link_results_are_kept_per_their_children() -> None:
    """(Not vacuous: a mean or weakest-link group whose children are the very results met
    before gives the result kept, the same objects; other children, a result made anew.)"""
    ev = Evaluator(WHEN_RS.compiled, WHEN_RS.id)
    values = {"a": "96", "b": "100", "c": "14", "t": "achieved", "x": "是", "y": "是"}
    first = ev.subject(_data(WHEN_RS, {"id": "x", "values": {**values, "lv": "city"}}))
    again = ev.subject(_data(WHEN_RS, {"id": "y", "values": {**values, "lv": "city"}}))
    other = ev.subject(_data(WHEN_RS, {"id": "z", "values": {**values, "lv": "county"}}))
    for gid in ("g2", "g3"):
        assert ev._group_results[gid]
        assert again.score(gid) is first.score(gid)
    assert other.score("g2") is not first.score("g2") and other.score("g2") != first.score("g2")
    assert other.score("g3") is first.score("g3")  # (its children: the same results)


def test_constant_points_are_found_by_their_object() -> None:
    """(Not vacuous: a form's full marks come back as the object the shared results hold.)"""
    ev = Evaluator(WHEN_RS.compiled, WHEN_RS.id)
    values = {"a": "96", "b": "100", "c": "14", "t": "achieved", "x": "是", "y": "是"}
    for _ in range(3):
        ev.subject(_data(WHEN_RS, {"id": "x", "values": {**values, "lv": "city"}}))
    assert ev._leaf_consts["tier"][2]["pass"] and ev._leaf_consts["city"][2]["pass"]
