"""Exact rounding decisions (#18): whatever the path, rounded points equal the exact rational
result rounded half-up (四舍五入), checked against :class:`fractions.Fraction`.

The per-record path computes at 28 significant digits; a metric that is a quotient and is then
divided again (3 × 计划成本 / (实际成本 / 1)) can land a hair below an exact half.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.numbers import NotExact, round_places

PLACES = 2

RULES = """\
perfscore: 1
id: exact
title: 精确舍入
version: 1
inputs:
  plan: {type: number}
  cost: {type: number}
  n: {type: number}
metrics:
  unit_cost: {expr: cost / n, title: 单位实际成本}
  unit_plan: {expr: plan / n, title: 单位计划成本}
  cost_ratio: {expr: cost / plan, title: 实际成本与计划成本之比}
indicators:
  - id: ratio
    title: 成本控制（实际/计划，低于 1）
    weight: 3
    value: cost_ratio
    scorer: {type: proportional, target: 1, direction: lower}
  - id: lower
    title: 成本控制（低于目标）
    weight: 3
    value: unit_cost
    scorer: {type: proportional, target: 13.51, direction: lower}
  - id: higher
    title: 完成率（高于目标）
    weight: 3
    value: unit_plan
    scorer: {type: proportional, target: 14, direction: higher}
  - id: formula
    title: 公式
    weight: 7
    scorer: {type: formula, expr: "3 * plan / (cost / n) / n"}
"""


def _half_up(x: Fraction, places: int = PLACES) -> Decimal:
    """Fraction → half-up (away from zero) at ``places``, computed with integers only."""
    scaled = abs(x) * 10**places
    whole = scaled.numerator // scaled.denominator
    if (scaled - whole) * 2 >= 1:
        whole += 1
    return Decimal(whole if x >= 0 else -whole).scaleb(-places)


def _expected(plan: Fraction, cost: Fraction, n: Fraction) -> dict[str, Decimal]:
    w = Fraction(3)
    uc, up = cost / n, plan / n
    target_l, target_h = Fraction("13.51"), Fraction(14)
    lower = w if uc <= target_l else (Fraction(0) if uc <= 0 else w * target_l / uc)
    higher = w if up >= target_h else (Fraction(0) if up <= 0 else w * up / target_h)
    cr = cost / plan
    ratio = w if cr <= 1 else w / cr
    f = 3 * plan / (cost / n) / n
    formula = min(Fraction(7), max(Fraction(0), f))
    return {
        "ratio": _half_up(ratio),
        "lower": _half_up(min(w, lower)),
        "higher": _half_up(min(w, higher)),
        "formula": _half_up(formula),
    }


@pytest.fixture(scope="module")
def rs() -> perfscore.RuleSet:
    return perfscore.load_ruleset_text(RULES, source="exact.yaml")


def _points(rs: perfscore.RuleSet, values: dict[str, Decimal]) -> dict[str, Decimal | None]:
    result = rs.evaluate_subject({"id": "s", **{k: str(v) for k, v in values.items()}})
    return {sc.rule_id: sc.points for sc in result.scores}


def test_issue_18_half_cent_rounds_up(rs: perfscore.RuleSet) -> None:
    # 计划成本 13.51, 实际成本 14: the metric 14 / 13.51 carries 28 digits, and the points
    # 3 × 1 / (14 / 13.51) = 3 × 13.51 / 14 = 2.895 exactly → 四舍五入 2.90 (not 2.89)
    got = _points(rs, {"plan": Decimal("13.51"), "cost": Decimal("14"), "n": Decimal("1")})
    assert got["ratio"] == Decimal("2.90"), got
    # the unrounded value really is a hair below the half at 28 digits: rounding it is not
    # decided at 28 digits (NotExact), the caller re-derives the points exactly
    from perfscore.functions import DECIMAL_CONTEXT as C

    raw = C.multiply(Decimal(3), C.divide(Decimal(1), C.divide(Decimal(14), Decimal("13.51"))))
    assert raw < Decimal("2.895")
    with pytest.raises(NotExact):
        round_places(raw, 2)


def test_near_half_guard_leaves_exact_values_alone() -> None:
    # a value with fewer than 28 digits is what it says, even a hair below the half
    assert round_places(Decimal("2.894999999999999999"), 2) == Decimal("2.89")
    assert round_places(Decimal("2.8950000000000000000000001"), 2) == Decimal("2.90")
    assert round_places(Decimal("2.895"), 2) == Decimal("2.90")
    assert round_places(Decimal("-2.895"), 2) == Decimal("-2.90")
    # a full 28-digit value (maybe a rounded result) within its error of a half, on either
    # side: not decided at 28 digits
    for text in (
        "2.895000000000000000000000001",
        "2.894999999999999999999999999",
        "-2.8949999999999999999999999999",
    ):
        with pytest.raises(NotExact):
            round_places(Decimal(text), 2)
    # far from the half: untouched
    assert round_places(Decimal("2.894499999999999999999999999"), 2) == Decimal("2.89")
    assert round_places(Decimal("2.895499999999999999999999999"), 2) == Decimal("2.90")
    # an exact rational rounds exactly
    assert round_places(Fraction(2895, 1000), 2) == Decimal("2.90")
    assert round_places(Fraction(-2895, 1000), 2) == Decimal("-2.90")
    assert round_places(Fraction(1, 3), 2) == Decimal("0.33")


_money = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2, allow_nan=False
)
_count = st.integers(min_value=1, max_value=999).map(Decimal)


@settings(max_examples=300, deadline=None)
@given(plan=_money, cost=_money, n=_count)
@example(plan=Decimal("13.51"), cost=Decimal("42"), n=Decimal("3"))
@example(plan=Decimal("13.51"), cost=Decimal("14"), n=Decimal("1"))
@example(plan=Decimal("40.53"), cost=Decimal("14"), n=Decimal("3"))
def test_points_equal_fraction_exact_half_up(
    rs: perfscore.RuleSet, plan: Decimal, cost: Decimal, n: Decimal
) -> None:
    got = _points(rs, {"plan": plan, "cost": cost, "n": n})
    assert got == _expected(Fraction(plan), Fraction(cost), Fraction(n))


@settings(max_examples=300, deadline=None)
@given(
    w=st.integers(min_value=1, max_value=100),
    a=_money,
    b=_money,
    c=st.integers(min_value=1, max_value=99),
)
@example(w=3, a=Decimal("13.51"), b=Decimal("14"), c=3)
def test_round_places_of_a_divided_metric_is_exact(w: int, a: Decimal, b: Decimal, c: int) -> None:
    # w × a / (b·c / c): the metric b·c/c is exact, (b/c)·… is not — both divided again
    from perfscore.functions import DECIMAL_CONTEXT as C

    metric = C.divide(C.multiply(b, Decimal(c)), Decimal(c))
    inexact_metric = C.divide(b, Decimal(c))
    for value, exact in (
        (C.divide(C.multiply(Decimal(w), a), metric), Fraction(w) * Fraction(a) / Fraction(b)),
        (
            C.multiply(Decimal(w), C.divide(a, inexact_metric)),
            Fraction(w) * Fraction(a) / (Fraction(b) / c),
        ),
        (
            C.divide(C.multiply(Decimal(w), inexact_metric), a),
            Fraction(w) * Fraction(b) / c / Fraction(a),
        ),
    ):
        for places in (0, 1, 2, 4):
            try:  # the exact answer, or NotExact (then the callers re-derive it): never wrong
                got = round_places(value, places)
            except NotExact:
                continue
            assert got == _half_up(exact, places), (value, exact)


def test_columnar_agrees_on_the_half(rs: perfscore.RuleSet) -> None:
    from perfscore.columnar import ColumnarScorer

    cs = ColumnarScorer(rs)
    cols = {
        "plan": np.array([13.51, 40.53, 13.51, 20.0]),
        "cost": np.array([14.0, 42.0, 42.0, 7.0]),
        "n": np.array([1.0, 3.0, 3.0, 2.0]),
    }
    res = cs.score(cols)
    for i in range(4):
        rec = {"id": f"s{i}", **{k: float(v[i]) for k, v in cols.items()}}
        want = rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            assert res.points_decimal(sc.rule_id)[i] == sc.points, (i, sc)
    assert res.points_decimal("ratio")[0] == Decimal("2.90")


_C28 = __import__("decimal").Context(prec=28)


@st.composite
def _near_halves(draw: st.DrawFn) -> tuple[Decimal, int]:
    """A value at 28 digits (or fewer) a little off a half of a step — or anywhere."""
    places = draw(st.integers(0, 6))
    if draw(st.booleans()):
        whole = draw(st.integers(-(10**6), 10**6))
        half = Decimal(2 * whole + 1).scaleb(-places - 1)
        off = Decimal(draw(st.integers(-(10**6), 10**6))).scaleb(draw(st.integers(-40, -2)))
        x = _C28.add(half, off)
    else:
        x = Decimal(draw(st.integers(-(10**28) + 1, 10**28 - 1))).scaleb(
            draw(st.integers(-34, -22))
        )
    return x, places


@settings(max_examples=3000, deadline=None)
@given(_near_halves())
def test_round_places_decides_as_every_value_within_its_window(case: tuple[Decimal, int]) -> None:
    """What ``round_places`` gives without :class:`NotExact` is the half-up rounding of the
    value — and, for a full-length (maybe rounded) one, of every value within ``1e-25`` of
    itself: the exact value it may stand for rounds the same way."""
    x, places = case
    try:
        got = round_places(x, places)
    except NotExact:
        assert len(x.as_tuple().digits) >= 28  # only a maybe-rounded value is refused
        return
    exact = Fraction(x)
    assert got == _half_up(exact, places)
    if len(x.as_tuple().digits) >= 28:
        window = abs(exact) * Fraction(1, 10**25) + Fraction(1, 10**120)
        assert _half_up(exact - window, places) == got == _half_up(exact + window, places)
