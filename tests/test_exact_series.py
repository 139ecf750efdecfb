"""A metric computed from a series of quotients (``ratio_series``) and then selected or averaged
(``last``, ``year``, ``coalesce``, ``mean``) is exact on the per-record path: rounded once, half
up, from the exact rational — as the columnar path gives it.  Before session 16 each year's
quotient was cut to 28 digits and the cut values added up: with 576.86 / 600 and 576.88 / 600
``round(mean(last(r, 2)) * 100, 2)`` gave 96.14 where the exact 96.145 rounds to 96.15 (found
by serarith comparing the two paths)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.subjects import read_subject
from perfscore.values import Series

RULES = """\
perfscore: 1
id: exact_series
title: 历年执行率
version: "1"
settings: {zero_division: not_applicable, missing: not_applicable, places: 6}
inputs:
  budget: {type: series, of: money, unit: 万元}
  actual: {type: series, of: money, unit: 万元}
metrics:
  r: {expr: "ratio_series(actual, budget)"}
  m: {expr: "round(mean(last(r, 2)) * 100, 2)"}
  y: {expr: "round(year(r, 2024) * 100, 2)"}
  c: {expr: "round(coalesce(year(r, 2023), 0) * 100, 2)"}
  s: {expr: "round(sum(last(r, 2)) * 50, 2)"}
indicators:
  - {id: i_m, title: 两年平均, weight: 10, value: m, scorer: {type: threshold, op: ">=", target: 96.15}}
  - {id: i_y, title: 本年, weight: 10, value: y, scorer: {type: threshold, op: ">=", target: 96.15}}
  - {id: i_c, title: 上年, weight: 10, value: c, scorer: {type: threshold, op: ">=", target: 96.15}}
  - {id: i_s, title: 两年合计, weight: 10, value: s, scorer: {type: threshold, op: ">=", target: 96.15}}
"""
RS = perfscore.load_ruleset_text(RULES, source="exact_series.yaml")


def _half_up(x: Fraction, places: int) -> Decimal:
    scaled = abs(x) * 10**places
    n = int(scaled + Fraction(1, 2))
    return Decimal(n if x >= 0 else -n).scaleb(-places)


def _values(budget: Decimal, a1: Decimal, a2: Decimal) -> dict[str, Decimal]:
    """Each metric's value per record; the points path (``rs.evaluator.points``) scores them
    as the findings do."""
    record = {"id": "d", "values": {"budget": {2023: budget, 2024: budget},
                                    "actual": {2023: a1, 2024: a2}}}  # fmt: skip
    result = RS.evaluate_subject(record)
    data = read_subject(record, RS.inputs, index=0, subject_type="department")
    assert RS.evaluator.points(data)[0] == {s.rule_id: s.points for s in result.scores}
    return {f.rule_id: f.value for f in result.findings}


def _oracle(budget: Decimal, a1: Decimal, a2: Decimal) -> dict[str, Decimal]:
    r1, r2 = Fraction(a1) / Fraction(budget), Fraction(a2) / Fraction(budget)
    return {
        "i_m": _half_up((r1 + r2) / 2 * 100, 2),
        "i_y": _half_up(r2 * 100, 2),
        "i_c": _half_up(r1 * 100, 2),
        "i_s": _half_up((r1 + r2) * 50, 2),
    }


def test_the_mean_of_two_yearly_quotients_on_a_half_rounds_up() -> None:
    got = _values(Decimal("600"), Decimal("576.86"), Decimal("576.88"))
    assert got["i_m"] == Decimal("96.15") == got["i_s"]
    assert got == _oracle(Decimal("600"), Decimal("576.86"), Decimal("576.88"))


@st.composite
def halves(draw: Any) -> tuple[Decimal, Decimal, Decimal]:
    """A budget of 300·t 万元 (a factor 3: the quotients never end) and two years' spending
    whose mean quotient × 100 lies exactly on a half at two places."""
    t = draw(st.integers(1, 4000))
    j = draw(st.integers(8000, 12000))  # 80 % .. 120 %
    total = 3 * t * (2 * j + 1)  # cents: a1 + a2 = 2 · budget · (2j+1) / 20000
    a1 = draw(st.integers(0, total))
    return Decimal(300 * t), Decimal(a1).scaleb(-2), Decimal(total - a1).scaleb(-2)


@settings(max_examples=150, deadline=None)
@given(case=halves())
def test_constructed_halves_round_as_the_exact_rational(case: Any) -> None:
    budget, a1, a2 = case
    assert _values(budget, a1, a2) == _oracle(budget, a1, a2)


@settings(max_examples=150, deadline=None)
@given(
    budget=st.decimals(min_value="0.01", max_value="1e9", places=2),
    a1=st.decimals(min_value=0, max_value="1e9", places=2),
    a2=st.decimals(min_value=0, max_value="1e9", places=2),
)
def test_any_figures_round_as_the_exact_rational(budget: Decimal, a1: Decimal, a2: Decimal) -> None:
    assert _values(budget, a1, a2) == _oracle(budget, a1, a2)


def test_a_plain_series_is_read_as_given() -> None:
    """(the values the exact path selects from an input series are the inputs themselves)"""
    s = Series(((2023, Decimal("1.005")), (2024, None)))
    assert s.last(2).points == ((2023, Decimal("1.005")), (2024, None))
