"""The evaluator's fast pieces equal the general ones they stand for: each scorer's outcome
form against its own ``score`` (perfscore.scorers ``outcome_form``), a leaf scored through its
form and a group of fully scored children added up in place against the evaluator without
them (perfscore.evaluate), a leaf's finding from its copied constants against
``indicator_finding``, and the result built without its dataclass ``__init__``."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.errors import PerfscoreError
from perfscore.evaluate import Evaluator
from perfscore.evaluate.pointsonly import value_reader
from perfscore.evaluate.records import indicator_finding
from perfscore.evaluate.state import Outcome
from perfscore.findings import SubjectResult
from perfscore.numbers import NotExact, round_places
from perfscore.scorers import Fallback
from perfscore.waivers import Waiver
from test_pointsonly import FORM_RS, FORMS, MESSY, _data, _number, messy_records


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
    scope = {"v": v, "a": a, "b": b}
    try:
        value, points, met, threshold, detail = form(scope)
    except (Fallback, PerfscoreError, NotExact):
        return
    expected = node.value(scope) if node.value is not None else None
    scored = node.scorer.score(expected, scope, node.weight)
    full = round_places(scored.points, 2, scored.slack)
    assert (value, str(value)) == (expected, str(expected))
    assert (points, str(points)) == (full, str(full))
    assert met == scored.met and threshold == scored.threshold and detail == scored.detail


MESSY_RS = perfscore.load_ruleset_text(MESSY)
#: the same rule set, ``pass_at`` below full marks (the form's ``met`` does not decide there)
PASS_AT_RS = perfscore.load_ruleset_text(
    MESSY.replace(
        "{type: threshold, op: '>=', target: 0.95}",
        "{type: proportional, target: 0.95, pass_at: 0.8}",
    ).replace("{type: formula, expr:", "{type: formula, pass_at: 0.5, expr:")
)


def _general(rs: perfscore.RuleSet) -> Evaluator:
    """An evaluator without the fast pieces: no outcome forms, no groups added up in place."""
    ev = Evaluator(rs.compiled, rs.id)
    made = ev._leaf_consts_of

    def without_form(node: Any) -> Any:
        got = made(node)
        got = (*got[:3], None, *got[4:])
        ev._leaf_consts[node.id] = got
        return got

    ev._leaf_consts_of = without_form  # type: ignore[method-assign]
    ev._group_results = {}  # (no group's results shared: the aggregator itself each time)
    return ev


GENERAL = {id(rs): _general(rs) for rs in (MESSY_RS, PASS_AT_RS)}


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
    with mock.patch("perfscore.evaluate._scored_in_full", return_value=None):  # weighted_sum
        general = GENERAL[id(rs)].subject(data, waivers)
    assert [list(vars(f)) for f in fast.findings] == [list(vars(f)) for f in general.findings]
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
    assert all(c[3] is not None for c in ev._leaf_consts.values())
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
        d = vars(f)
        if f.rule_id not in leaves or "_run" not in d:
            continue
        o = Outcome(f.outcome, f.points, f.grade, f.value, f.threshold, d.get("_why"))
        o.detail = d.get("_detail")
        made = indicator_finding(
            leaves[f.rule_id], o, d["_run"], None, rs.compiled.units, 2, None, ev._texts
        )
        assert list(vars(made)) == list(d) and vars(made) == d


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


def test_a_result_has_its_dataclass_fields() -> None:
    result = MESSY_RS.evaluator.subject(
        _data(MESSY_RS, {"id": "x", "values": {"a": "5", "b": "0", "s": "85"}})
    )
    assert list(vars(result)) == [f.name for f in fields(SubjectResult)]
    assert SubjectResult(**{f.name: getattr(result, f.name) for f in fields(SubjectResult)}) == (
        result
    )
