"""The points-only path (perfscore.evaluate.pointsonly) gives exactly the full evaluator's
scores and total — for clean records (the fast plan) and for records with blanks, bad values
and zero denominators (the plan with the evaluator's own pieces where something failed),
without building a single finding."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate import pointsonly
from perfscore.expr import rounded_once
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


#: A ``when`` on a leaf (a flag, a number's range, a rounded metric against a line): the plan
#: takes it (it used to send every subject of such a rule set to the full evaluator, 3x slower).
WHEN = """perfscore: 1
id: when_leaves
title: 条件
version: "1"
settings: {places: 2}
inputs:
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
  s: {type: number}
  flag: {type: boolean}
  level: {type: text, choices: [city, county]}
metrics:
  r: {expr: 'a / b', unit: '%'}
indicators:
  - id: g
    title: 组
    weight: 60
    children:
      - {id: t, title: T, weight: 20, when: "level == 'city'", value: r, scorer: {type: threshold, op: '>=', target: 0.95}}
      - {id: p, title: P, weight: 20, when: 'r >= 0.95', value: s, scorer: {type: proportional, target: 90}}
      - {id: d, title: D, weight: 20, value: r, scorer: {type: deduct, start: 1, direction: below, per: 0.01, points: 0.5, count: exact}}
  - {id: f, title: F, weight: 20, when: flag, value: s, missing: zero, scorer: {type: threshold, op: '>=', target: 80}}
  - {id: q, title: Q, weight: 20, when: 's > 50', value: r, scorer: {type: proportional, target: 1}}
"""
WHEN_RS = perfscore.load_ruleset_text(WHEN)


@st.composite
def when_records(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("a", "b", "s"):
        if draw(st.integers(0, 6)):
            values[name] = draw(_value())
    for name, choices in (("flag", [True, False, "是", "x"]), ("level", ["city", "county", "x"])):
        if draw(st.integers(0, 4)):
            values[name] = draw(st.sampled_from(choices))
    if draw(st.booleans()) and "a" in values:
        values["b"] = values["a"]
    return {"id": "dept", "values": values}


@settings(max_examples=300, deadline=None)
@given(when_records())
def test_a_leaf_s_condition_is_scored_by_the_plan(record: dict[str, Any]) -> None:
    rs = WHEN_RS
    assert rs.evaluator._plan is not None
    data = _data(rs, record)
    assert pointsonly.points(rs.evaluator._plan, data, _no_full) == _full(rs, data)


def test_a_leaf_s_condition_reaches_each_outcome() -> None:
    rs = WHEN_RS
    plan = rs.evaluator._plan
    assert plan is not None
    cases = [
        ({"a": "95", "b": "100", "s": "85", "flag": True, "level": "city"}, "pass"),
        ({"a": "95", "b": "100", "s": "60", "flag": False, "level": "county"}, "not_applicable"),
        ({"a": "94", "b": "100", "s": "40", "flag": "x", "level": "city"}, "error"),
    ]
    for values, f_outcome in cases:
        data = _data(rs, {"id": "x", "values": values})
        outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
        assert outcomes["f"] == f_outcome
        assert pointsonly.points(plan, data, _no_full) == _full(rs, data)


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


# --- each scorer's fast points form against its own score() -------------------------------------

#: (scorer YAML, what the indicator reads): every direction, count and clamp the fast forms
#: spell out by hand, targets at 0, negative and at round numbers
FORMS = [
    ("{type: proportional, target: 1}", "v"),
    ("{type: proportional, target: 0.95}", "v"),
    ("{type: proportional, target: 0}", "v"),
    ("{type: proportional, target: -2}", "v"),
    ("{type: proportional, target: 1, direction: lower}", "v"),
    ("{type: proportional, target: 0, direction: lower}", "v"),
    ("{type: proportional, target: -1, direction: lower}", "v"),
    ("{type: proportional, target: 3, direction: equal}", "v"),
    ("{type: formula, expr: 'min(8, 8 * a / b)'}", None),
    ("{type: formula, expr: '8 * a / b - 3'}", None),
    ("{type: formula, expr: 'a - b'}", None),
    ("{type: deduct, start: 0.95, direction: below, per: 0.01, points: 0.5, count: exact}", "v"),
    ("{type: deduct, start: 1, direction: above, per: 0.1, points: 3, count: started}", "v"),
    (
        "{type: deduct, start: 0, direction: below, per: 0.3, points: 2, count: completed,"
        " floor: 1}",
        "v",
    ),
    ("{type: threshold, op: '>=', target: 0.95}", "v"),
    ("{type: threshold, op: '==', target: 1, points_otherwise: 2}", "v"),
    (
        "{type: bands, bands: [{range: '>= 95', points: 8}, {range: '[90, 95)', points: 6.4},"
        " {range: '< 90', points: 0}]}",
        "v",
    ),
]


def _form_ruleset(scorer: str, value: str | None) -> perfscore.RuleSet:
    read = f"value: {value}, " if value else ""
    text = f"""perfscore: 1
id: form
title: 形式
version: "1"
inputs:
  v: {{type: number}}
  a: {{type: number}}
  b: {{type: number}}
indicators:
  - {{id: x, title: X, weight: 8, {read}scorer: {scorer}}}
"""
    return perfscore.load_ruleset_text(text)


FORM_RS = {i: _form_ruleset(*f) for i, f in enumerate(FORMS)}


def _number() -> st.SearchStrategy[Decimal]:
    return st.one_of(
        st.sampled_from(
            [Decimal(x) for x in ("0", "-0", "1", "0.95", "0.9499", "-2", "3", "0.3", "1.1")]
        ),
        st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False),
        st.fractions(min_value=-5, max_value=5, max_denominator=997).map(
            lambda f: Decimal(f.numerator) / Decimal(f.denominator)  # 28-digit quotients
        ),
    )


@pytest.mark.parametrize("i", range(len(FORMS)), ids=[f[0][:40] for f in FORMS])
@settings(max_examples=150, deadline=None)
@given(v=_number(), a=_number(), b=_number())
def test_each_fast_points_form_equals_its_scorer(
    i: int, v: Decimal, a: Decimal, b: Decimal
) -> None:
    """A fast form gives its scorer's own points, rounded — the same Decimal, sign and digits
    included — or gives up (Fallback / an evaluation error: the evaluator then decides)."""
    from perfscore.errors import PerfscoreError
    from perfscore.numbers import NotExact, round_places
    from perfscore.scorers import Fallback

    rs = FORM_RS[i]
    node = rs.compiled.indicators[0]
    scope = {"v": v, "a": a, "b": b}
    plan = rs.evaluator._plan
    assert plan is not None
    step = plan.tree[0].step[1]
    try:
        fast = step(scope)
    except (Fallback, PerfscoreError, NotExact):  # NotExact: decided exactly by the evaluator
        return
    assert node.scorer is not None and node.weight is not None
    value = node.value(scope) if node.value is not None else None
    full = round_places(node.scorer.score(value, scope, node.weight).points, 2)
    assert fast == full and str(fast) == str(full)


# --- the weighted sum: one definition, checked against the rule as written ------------------------


def _reference_weighted_sum(
    weight: Decimal | None, redistribute: bool, kids: list[tuple[Decimal, str, Decimal | None]]
) -> tuple[str, Decimal | None]:
    """The rule from docs (written here independently): an error child blocks the parent;
    all children not applicable makes it not applicable; else the scored children's points
    scaled to the parent's weight over the weight that counts (scored children, plus the
    unscored ones unless their weight is redistributed)."""
    if any(o == "error" for _, o, _ in kids):
        return "error", None
    if all(o == "not_applicable" for _, o, _ in kids):
        return "not_applicable", None
    got = sum((p or Decimal(0) for _, o, p in kids if o in ("pass", "fail")), Decimal(0))
    base = sum((w for w, o, _ in kids if o in ("pass", "fail") or not redistribute), Decimal(0))
    target = base if weight is None else weight
    if base == 0:
        return "scored", Decimal(0)
    # the exact quotient, rounded once to 28 digits (perfscore.exact)
    return "scored", rounded_once(Fraction(got) * Fraction(target) / Fraction(base))


@settings(max_examples=400, deadline=None)
@given(
    weight=st.one_of(st.none(), st.sampled_from([Decimal(x) for x in ("0", "10", "7.5", "30")])),
    redistribute=st.booleans(),
    kids=st.lists(
        st.tuples(
            st.sampled_from([Decimal(x) for x in ("0", "2", "2.5", "5", "10")]),
            st.sampled_from(["pass", "fail", "not_applicable", "error", "pending"]),
            st.one_of(st.none(), st.decimals(min_value=0, max_value=10, places=2)),
        ),
        max_size=6,
    ),
)
def test_weighted_sum_and_weigh_follow_the_rule(
    weight: Decimal | None, redistribute: bool, kids: list[tuple[Decimal, str, Decimal | None]]
) -> None:
    from perfscore.aggregate import AggregateSpec, NodeScore, weigh, weighted_sum

    spec = AggregateSpec("g", weight, "redistribute" if redistribute else "zero", None, None)
    children = [
        NodeScore(f"c{j}", w, p if o in ("pass", "fail") else None, None, o, Decimal(1))
        for j, (w, o, p) in enumerate(kids)
    ]
    kind, expected = _reference_weighted_sum(weight, redistribute, kids)
    ns = weighted_sum(spec, children)
    if kind == "scored":
        assert ns.outcome in ("pass", "fail") and ns.points == expected
    else:
        assert ns.outcome == kind and ns.points is None
    # the points path's form of the same call: points, or the outcome of a child that has none
    results = [(p or Decimal(0)) if o in ("pass", "fail") else o for _, o, p in kids]  # type: list[Decimal | str]
    weights = [w for w, _, _ in kids]
    got = weigh(weight, redistribute, weights, results, sum(weights, Decimal(0)))
    assert got == (expected if kind == "scored" else kind)


# --- the one scan: failures found once, their words written when read ----------------------------

CHAIN = """perfscore: 1
id: chain
title: 链
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
  c: {type: integer, min: 0}
metrics:
  r: {expr: 'a / b', zero_division: zero}
  r100: {expr: 'r * 100'}
  safe: {expr: 'coalesce(c, 0) + 1'}
  e: {expr: 'c / (a - b)', zero_division: error}
  ee: {expr: 'e + r100'}
indicators:
  - id: g
    title: 组
    weight: 40
    children:
      - {id: h, title: H, weight: 10, value: r100, scorer: {type: threshold, op: '>=', target: 95}}
      - {id: s, title: S, weight: 10, value: safe, scorer: {type: proportional, target: 5}}
      - {id: x, title: X, weight: 10, value: ee, missing: zero, scorer: {type: proportional, target: 3, direction: lower}}
      - {id: y, title: Y, weight: 10, value: e, scorer: {type: threshold, op: '<=', target: 1}}
"""
CHAIN_RS = perfscore.load_ruleset_text(CHAIN)


@st.composite
def chain_records(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("a", "b", "c"):
        if draw(st.integers(0, 5)) == 0:
            continue
        values[name] = draw(_value())
    if draw(st.booleans()) and "a" in values:
        values["b"] = values["a"]
    return {"id": "dept", "values": values}


@settings(max_examples=300, deadline=None)
@given(chain_records())
def test_metrics_reading_failed_metrics_score_as_the_full_evaluator(record: dict[str, Any]) -> None:
    """Failures passed on through metrics (a zero-division metric read by another, a
    missing-aware metric reading a blank, an error metric read with a failing one) decide
    points as the full evaluator decides them."""
    data = _data(CHAIN_RS, record)
    plan = CHAIN_RS.evaluator._plan
    assert plan is not None
    assert pointsonly.points(plan, data, _no_full) == _full(CHAIN_RS, data)


def test_the_scan_writes_a_failure_s_words_only_when_read() -> None:
    from perfscore.evaluate.state import EN, ZH

    ev = CHAIN_RS.evaluator
    data = _data(CHAIN_RS, {"id": "d", "values": {"a": "abc", "b": "5"}})
    scope, failures = ev._scan(data)
    assert {n: f.kind for n, f in failures.items()} == {
        "a": "error",
        "c": "missing",
        "r": "error",
        "r100": "error",
        "e": "error",
        "ee": "error",
    }
    assert scope["safe"] == Decimal(1)  # coalesce sees the blank: not blocked
    assert all(f._en is None and f._zh is None for f in failures.values())  # nothing written yet
    c = failures["c"]
    assert c.en == EN["field_missing"].format(name="c")
    assert c.zh == ZH["field_missing"].format(title="c", name="c")
    assert failures["r"] is failures["a"]  # blocked by the one failure it reads: the same
    ee = failures["ee"]  # two errors of one kind behind it (both a's): joined, in name order
    assert ee.en == EN["join"].join([failures["e"].en, failures["r100"].en])
    assert ee.fields == ("a",) and ee.kind == "error"
    # the findings say what the failures say
    result = ev.subject(data)
    by_id = {f.rule_id: f for f in result.findings}
    assert by_id["h"].reason == failures["a"].en and by_id["h"].fields == ("a",)
    data = _data(CHAIN_RS, {"id": "d", "values": {"a": "0", "b": "0", "c": "2"}})
    scope, failures = ev._scan(data)
    assert failures["r"].kind == "zero" and failures["e"].kind == "error"
    assert failures["r"].zh == ZH["metric_zero"].format(title="r", name="r")
    assert failures["r"] == failures["r"] and len({failures["r"], failures["r"]}) == 1


# --- series_bands: its points form against the full evaluator --------------------------------

SERIES_BANDS = """perfscore: 1
id: series_points
title: 近三年执行率
version: "1"
settings: {places: 2, missing: not_applicable}
inputs:
  h: {type: series, of: percent}
  k: {type: series, of: number}
indicators:
  - id: g
    title: G
    weight: 100
    children:
      - id: three
        title: 三年中至少两年 ≥ 95%
        weight: 40
        value: h
        scorer:
          type: series_bands
          last: 3
          at_least: 2
          bands: [{range: ">= 95%", points: 40}, {range: "[85%, 95%)", points: 25.5}]
          otherwise: 0
      - id: two
        title: 近两年至少一年在带内（无 otherwise）
        weight: 60
        value: k
        scorer:
          type: series_bands
          last: 2
          at_least: 1
          bands: [{range: "(0, 1]", points: 60}, {range: "(1, 2]", points: 33.333}]
"""
SERIES_RS = perfscore.load_ruleset_text(SERIES_BANDS)
_FIGURES = st.sampled_from(["95", "95%", "94.99", "85", "84.99", "100", "0", "1", "2", "2.5", "-"])


@st.composite
def series_records(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("h", "k"):
        years = draw(st.sets(st.integers(2019, 2024), max_size=5))
        values[name] = {y: draw(st.one_of(_FIGURES, st.none())) for y in years}
        if draw(st.integers(0, 9)) == 0:
            values[name] = draw(st.sampled_from(["95", {"x": 1}, {}]))
    return {"id": "p", "values": values}


@settings(max_examples=300, deadline=None)
@given(series_records())
def test_series_bands_points_equal_the_full_evaluator(record: dict[str, Any]) -> None:
    """A window with years missing (too few: the error), gaps inside it, band edges, no band
    and no ``otherwise`` (the error), a value that is no series: the points form gives what
    the evaluator gives, or gives up to it."""
    from perfscore.scorers import Fallback

    subject = _data(SERIES_RS, record)
    full = _full(SERIES_RS, subject)
    assert SERIES_RS.evaluator.points(subject) == full
    for node in SERIES_RS.compiled.leaves():  # the form itself: it answers where it can
        form = node.scorer.points_form(lambda s, n=node.reads[0]: s[n], node.weight, 2)
        if full[0][node.id] is None:
            with pytest.raises(Fallback):
                form(subject.values)
        else:
            assert form(subject.values) == full[0][node.id]


def test_series_bands_has_a_points_form_that_gives_up_on_too_few_years() -> None:
    from perfscore.scorers import Fallback

    node = next(n for n in SERIES_RS.compiled.leaves() if n.id == "three")
    form = node.scorer.points_form(lambda s: s["h"], node.weight, 2)
    assert form is not None
    full = _data(SERIES_RS, {"values": {"h": {2022: "96", 2023: "80", 2024: "95%"}}})
    assert form(full.values) == Decimal(40)
    short = _data(SERIES_RS, {"values": {"h": {2021: "96", 2022: "96", 2024: "95"}}})
    with pytest.raises(Fallback):  # 2023 missing from the last three: the evaluator's error
        form(short.values)
    assert SERIES_RS.evaluator.points(short)[0]["three"] is None
