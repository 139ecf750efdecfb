"""A quotient of two years of a series (``year(r, 2024) / year(r, 2023)``) is decided exactly on
the per-record path, as ``a / b`` of two inputs always was.

Found in session 18 (col18's deep columnar benchmark): the exact view of a subject re-derived a
metric by running its *fast* code over the exact scope, where a series still held Decimals — the
code met no exact rational and gave the quotient rounded at 28 digits again.  With 133.25 / 150
(a rate that never ends) and weight 3, ``proportional`` gave 2.66 where 3 × 133.25 / 150 = 2.665
exactly rounds half up to 2.67 (the columnar path and a hand-written numpy gave 2.67); written
inline as the leaf's value the same quotient raised ``NotExact`` out of ``RuleSet.evaluate`` and
stopped the whole batch."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.functions import Function, FunctionRegistry
from perfscore.plugins import default_functions
from perfscore.subjects import read_subject

RULES = """\
perfscore: 1
id: year_quotients
title: 历年执行率
version: "1"
settings: {places: 2}
inputs:
  rev: {type: series, of: money, unit: 万元, min: 0}
  a: {type: money, unit: 万元, min: 0}
  b: {type: money, unit: 万元, min: 0}
metrics:
  x: {expr: 'a / b', unit: '%'}
  y: {expr: 'year(rev, 2024) / year(rev, 2023)', unit: '%'}
indicators:
  - {id: by_inputs, title: 两项之比, weight: 3, value: x, scorer: {type: proportional, target: 1}}
  - {id: by_years, title: 两年之比, weight: 3, value: y, scorer: {type: proportional, target: 1}}
  - id: inline
    title: 两年之比（直接写）
    weight: 3
    value: 'year(rev, 2024) / year(rev, 2023)'
    scorer: {type: proportional, target: 1}
  - id: lower
    title: 成本控制
    weight: 3
    value: 'year(rev, 2023)'
    scorer: {type: proportional, direction: lower, target: 'year(rev, 2024)'}
"""
RS = perfscore.load_ruleset_text(RULES, source="year_quotients.yaml")


def _half_up(x: Fraction, places: int = 2) -> Decimal:
    n = int(x * 10**places + Fraction(1, 2))
    return Decimal(n).scaleb(-places)


def _points(last: Decimal, this: Decimal) -> dict[str, Decimal | None]:
    """Every leaf's points by :meth:`RuleSet.evaluate_subject`, checked equal to the points
    path's (``evaluator.points``)."""
    record = {
        "id": "d",
        "values": {"rev": {2023: last, 2024: this}, "a": this, "b": last},
    }
    result = RS.evaluate_subject(record)
    data = read_subject(record, RS.inputs, index=0, subject_type="department")
    points = {s.rule_id: s.points for s in result.scores}
    assert RS.evaluator.points(data)[0] == points
    return points


def _expected(last: Decimal, this: Decimal) -> dict[str, Decimal]:
    r = Fraction(this) / Fraction(last)
    points = _half_up(3 * min(r, Fraction(1)))
    # ``lower``: last year's figure against this year's as the target, 3 × this / last above it
    return {"by_inputs": points, "by_years": points, "inline": points, "lower": points}


def test_three_times_a_rate_that_never_ends_on_a_half_rounds_up() -> None:
    got = _points(Decimal("150"), Decimal("133.25"))  # 3 × 0.888… = 2.665 exactly
    assert got["by_inputs"] == got["by_years"] == got["inline"] == Decimal("2.67")


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@settings(max_examples=300, deadline=None)
@given(money, money)
@example(Decimal("150"), Decimal("133.25"))
@example(Decimal("133.25"), Decimal("150"))
@example(Decimal("600"), Decimal("576.85"))
def test_any_two_years_round_as_the_exact_rational(last: Decimal, this: Decimal) -> None:
    got = _points(last, this)
    want = _expected(last, this)
    assert {k: got[k] for k in want} == want


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=999))
def test_constructed_halves_behind_thirds_round_up(k: int, d: int) -> None:
    """``this / last`` with ``last`` a multiple of 3 and 3 × this / last on x.xx5: the rate
    never ends, its triple is a half."""
    last = Decimal(3 * d)
    this = Decimal(2 * k - 1) * Decimal(d) / Decimal(200)  # 3 × this / last = (2k − 1) / 200
    if this > last or this.as_tuple().exponent < -2:  # type: ignore[operator]
        return
    got = _points(last, this)
    assert got["by_years"] == got["inline"] == _half_up(3 * Fraction(this) / Fraction(last))


def _thirds(x: Any) -> Any:
    """A bureau's plug-in that divides by 3 itself, rounding at 28 digits as Decimal does."""
    return x / 3


def _registry() -> FunctionRegistry:
    reg = default_functions()
    reg.add(Function("thirds", _thirds, 1, 1, "number", "x / 3", True))
    return reg


def test_a_plugins_rounded_value_on_a_half_is_an_error_of_its_leaf_not_of_the_batch() -> None:
    """A plug-in's own 28-digit result cannot be made exact: where its points lie too close to a
    half, that leaf is an error finding; the other leaves and the other subjects are scored."""
    rules = RULES.replace(
        "  - id: lower",
        "  - {id: plugged, title: 插件, weight: 3, value: 'thirds(a)',"
        " scorer: {type: proportional, target: 1}}\n  - id: lower",
    )
    rs = perfscore.load_ruleset_text(rules, source="plug.yaml", functions=_registry())
    subjects = [  # 0.875 / 3 = 0.291666…: rounded by the plug-in; 3 × it is next to 0.875
        {"id": "on_half", "values": {"rev": {2023: 150, 2024: 133.25}, "a": "0.875", "b": 1}},
        {"id": "plain", "values": {"rev": {2023: 100, 2024: 90}, "a": "0.3", "b": 1}},
    ]
    doc = rs.evaluate(subjects)
    on_half = {f.rule_id: f for f in doc["on_half"].findings}
    assert on_half["plugged"].outcome == "error"
    assert "too close to a half" in on_half["plugged"].message_en
    assert "半位" in on_half["plugged"].message
    assert on_half["by_years"].points == Decimal("2.67")
    assert {s.rule_id: s.points for s in doc["plain"].scores}["plugged"] == Decimal("0.3")
