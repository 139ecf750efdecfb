"""Leaves written into the points path's walk (perfscore.evaluate.leafcode): a threshold, an
exact and a counted deduction, a proportional score above and below its target, on exact
values and on rates that are rounded — the full evaluator's points and the exact
:class:`fractions.Fraction` points rounded half up, the written code taken (not the form)
wherever the value is exact and the points are not near a half."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate import pointsonly
from perfscore.exact import full, unsure_pair
from test_pointsonly import _data, _full, _no_full

LEAVES = """perfscore: 1
id: leaves
title: 叶子
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money, unit: 万元}
  b: {type: money, unit: 万元}
  v: {type: number}
  level: {type: text, choices: [achieved, partial, not_achieved]}
metrics:
  rate: {expr: 'a / b', unit: '%'}
indicators:
  - id: g
    title: 叶子
    weight: 59
    children:
      - {id: th1, title: T1, weight: 5, value: rate, scorer: {type: threshold, op: '>=', target: 0.95}}
      - {id: th2, title: T2, weight: 5, value: v, scorer: {type: threshold, op: '<', target: 1, points_otherwise: 2}}
      - {id: th3, title: T3, weight: 5, value: rate, scorer: {type: threshold, op: '==', target: 1, points_met: 4, points_otherwise: 1.5}}
      - {id: de1, title: D1, weight: 5, value: rate, scorer: {type: deduct, start: 1, direction: below, per: 0.01, points: 0.5, count: exact}}
      - {id: de2, title: D2, weight: 5, value: v, scorer: {type: deduct, start: 1, direction: above, per: 0.04, points: 0.7, count: exact, floor: 1}}
      - {id: ds1, title: S1, weight: 3, value: rate, scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 1, count: started, floor: 0.5}}
      - {id: dc1, title: C1, weight: 5, value: v, scorer: {type: deduct, start: 1, direction: above, per: 0.05, points: 0.25, count: completed}}
      - {id: pr1, title: P1, weight: 3, value: rate, scorer: {type: proportional, target: 0.9}}
      - {id: pr2, title: P2, weight: 7, value: v, scorer: {type: proportional, target: 2, direction: lower}}
      - {id: pr3, title: P3, weight: 2, value: v * 3, scorer: {type: proportional, target: 1.7}}
      - {id: pr4, title: P4, weight: 3, value: rate, scorer: {type: proportional, target: 1, direction: lower}}
      - {id: pr5, title: P5, weight: 3, value: a, scorer: {type: proportional, target: b, direction: lower}}
      - {id: pr6, title: P6, weight: 2, value: a, scorer: {type: proportional, target: b}}
      - {id: pr7, title: P7, weight: 2, value: rate, scorer: {type: proportional, target: 0.8}}
      - id: ti1
        title: I1
        weight: 4
        scorer:
          type: tier
          tier: level
          tiers:
            - {id: achieved, range: "[0.8, 1]"}
            - {id: partial, range: "[0.6, 0.8)", default: 0.7}
            - {id: not_achieved, range: "[0, 0.6)", default: 0.3}
  - {id: top, title: Top, weight: 41, value: rate, scorer: {type: deduct, start: 1, direction: above, per: 0.1, points: 3, count: started}}
"""
WRITTEN = (
    *("th1", "th2", "th3", "de1", "de2", "ds1", "dc1"),
    *("pr1", "pr2", "pr3", "pr4", "pr5", "pr6", "pr7", "ti1", "top"),
)
F = Fraction
TIERS = {"achieved": F(4), "partial": F("2.8"), "not_achieved": F("1.2")}


def _half_up(x: Fraction, places: int = 2) -> Decimal:
    scaled = abs(x) * 10**places
    whole = scaled.numerator // scaled.denominator
    if (scaled - whole) * 2 >= 1:
        whole += 1
    return Decimal(whole if x >= 0 else -whole).scaleb(-places)


def _deduct(
    v: Fraction, s: str, above: bool, per: str, pts: str, count: str, w: int, floor: str = "0"
) -> Fraction:
    beyond = v - F(s) if above else F(s) - v
    if beyond <= 0:
        return F(w)
    units = beyond / F(per)
    if count == "started":
        units = F(math.ceil(units))
    elif count == "completed":
        units = F(math.floor(units))
    return min(F(w), max(F(floor), w - units * F(pts)))


def _proportional(v: Fraction, t: str | Fraction, higher: bool, w: int) -> Fraction:
    tt = F(t)
    if (v >= tt) if higher else (v <= tt):
        return F(w)
    if v <= 0 or tt <= 0:
        return F(0)
    return w * (v / tt if higher else tt / v)


def _oracle(
    a: Decimal | None, b: Decimal | None, v: Decimal | None, level: str | None = None
) -> dict[str, Decimal | None]:
    """Each written leaf's points, exactly (None: not applicable: a blank, a zero budget)."""
    rate = None if a is None or b is None or b == 0 else F(a) / F(b)
    x = None if v is None else F(v)
    got: dict[str, Fraction | None] = dict.fromkeys(WRITTEN)
    if a is not None and b is not None:
        got["pr5"] = _proportional(F(a), F(b), False, 3)
        got["pr6"] = _proportional(F(a), F(b), True, 2)
    got["ti1"] = None if level is None else TIERS[level]
    if rate is not None:
        got["th1"] = F(5) if rate >= F("0.95") else F(0)
        got["th3"] = F(4) if rate == 1 else F("1.5")
        got["de1"] = _deduct(rate, "1", False, "0.01", "0.5", "exact", 5)
        got["ds1"] = _deduct(rate, "0.95", False, "0.01", "1", "started", 3, "0.5")
        got["pr1"] = _proportional(rate, "0.9", True, 3)
        got["pr4"] = _proportional(rate, "1", False, 3)
        got["pr7"] = _proportional(rate, "0.8", True, 2)
        got["top"] = _deduct(rate, "1", True, "0.1", "3", "started", 41)
    if x is not None:
        got["th2"] = F(5) if x < 1 else F(2)
        got["de2"] = _deduct(x, "1", True, "0.04", "0.7", "exact", 5, "1")
        got["dc1"] = _deduct(x, "1", True, "0.05", "0.25", "completed", 5)
        got["pr2"] = _proportional(x, "2", False, 7)
        got["pr3"] = _proportional(3 * x, "1.7", True, 2)
    return {k: None if p is None else _half_up(p) for k, p in got.items()}


def _counted(text: str) -> tuple[Any, list[str]]:
    """The rule set built with every leaf's form counting its calls (the written code calls
    it only where it cannot decide)."""
    calls: list[str] = []
    scored = pointsonly._scored

    def counting(node: Any, sc: Any, w: Any, places: int) -> Any:
        form = scored(node, sc, w, places)

        def spy(scope: Any) -> Any:
            calls.append(node.id)
            return form(scope)

        return spy

    pointsonly._scored = counting  # type: ignore[assignment]
    try:
        rs = perfscore.load_ruleset_text(text)
    finally:
        pointsonly._scored = scored  # type: ignore[assignment]
    return rs, calls


@pytest.fixture(scope="module")
def spied() -> Any:
    return _counted(LEAVES)


_money = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=-50, max_value=50, places=2),  # (a refund, a cut)
    st.integers(min_value=0, max_value=300).map(Decimal),
)
_number = st.one_of(
    st.none(),
    st.decimals(min_value=-2, max_value=5, places=4),
    st.sampled_from([Decimal(x) for x in ("1", "1.04", "1.05", "1.1", "2", "0.85", "0.5666666")]),
)


@settings(max_examples=1500, deadline=None)
@given(a=_money, b=_money, v=_number, level=st.sampled_from([None, *TIERS]))
@example(a=Decimal("13.51"), b=Decimal("14"), v=None, level="partial")
@example(
    a=Decimal("14"), b=Decimal("13.51"), v=None, level="partial"
)  # 3 × 13.51 / 14 = 2.895 by a rounded rate
@example(
    a=Decimal("4"), b=Decimal("0.46"), v=None, level="partial"
)  # 3 / (4 / 0.46) = 0.3449…9 at 28 digits
@example(a=Decimal("2"), b=Decimal("3"), v=Decimal("1.2857"), level="partial")
@example(a=Decimal("1897"), b=Decimal("2000"), v=Decimal("0.85"), level="partial")
@example(a=Decimal("11"), b=Decimal("9"), v=Decimal("1.0350"), level="partial")
def test_written_leaves_give_the_full_evaluators_and_the_exact_points(
    spied: Any, a: Decimal | None, b: Decimal | None, v: Decimal | None, level: str | None
) -> None:
    rs, _ = spied
    values = {
        k: str(x) for k, x in (("a", a), ("b", b), ("v", v), ("level", level)) if x is not None
    }
    data = _data(rs, {"id": "x", "values": values})
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert got == _full(rs, data)
    want = _oracle(a, b, v, level)
    assert {k: got[0][k] for k in WRITTEN} == want


@settings(max_examples=500, deadline=None)
@given(
    a=st.integers(min_value=0, max_value=4000),
    b=st.sampled_from([1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 125, 1000]),
    v=st.decimals(min_value=-2, max_value=5, places=2),
)
def test_on_exact_values_the_written_code_decides_alone(
    spied: Any, a: int, b: int, v: Decimal
) -> None:
    """Budgets whose rates end (no rounding), values with two decimals: the points are exact
    and never a hair from a half — the forms are not called (only where the points land on
    a half of a cent's step do they decide)."""
    rs, calls = spied
    values = {"a": str(a), "b": str(b), "v": str(v), "level": "partial"}
    data = _data(rs, {"id": "x", "values": values})
    calls.clear()
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert got == _full(rs, data)
    near = {k for k, p in _unrounded(F(a), F(b), F(v)).items() if _near_half(p)}
    # (a form that refuses sends its group to be decided node by node: every form, from th1)
    walked = calls[: calls.index("th1")] if "th1" in calls else calls
    assert set(walked) <= near, calls


def _unrounded(a: Fraction, b: Fraction, x: Fraction) -> dict[str, Fraction]:
    rate = a / b
    return {
        "pr5": _proportional(a, b, False, 3),
        "pr6": _proportional(a, b, True, 2),
        "de1": _deduct(rate, "1", False, "0.01", "0.5", "exact", 5),
        "de2": _deduct(x, "1", True, "0.04", "0.7", "exact", 5, "1"),
        "pr1": _proportional(rate, "0.9", True, 3),
        "pr2": _proportional(x, "2", False, 7),
        "pr3": _proportional(3 * x, "1.7", True, 2),
        "pr4": _proportional(rate, "1", False, 3),
        "pr7": _proportional(rate, "0.8", True, 2),
    }


def _near_half(p: Fraction) -> bool:
    """Within a twentieth of a cent's step of a half (0.45 of a step or more from the
    nearest one): there the form decides."""
    scaled = p * 100
    return abs(scaled - math.floor(scaled + F(1, 2))) >= F(45, 100)


def test_a_rounded_rate_is_scored_by_the_written_code(spied: Any) -> None:
    """97 / 99 is a rounded rate: the written code scores it (its points far from a half),
    without the form."""
    rs, calls = spied
    values = {"a": "97", "b": "99", "v": "1.3", "level": "not_achieved"}
    data = _data(rs, {"id": "x", "values": values})
    assert full(rs.evaluator._plan.scan(data)[0]["rate"])
    calls.clear()
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert calls == []
    assert got == _full(rs, data)
    want = _oracle(Decimal(97), Decimal(99), Decimal("1.3"), "not_achieved")
    assert {k: got[0][k] for k in WRITTEN} == want
    assert got[0]["de1"] == Decimal("3.99")  # 5 − (1 − 97/99) × 50 = 3.9898…


#: proportional ``equal``, tiers with a ratio (a name, and one computed), formulas (clamped,
#: dividing, reading a value): written into the walk too
MORE = """perfscore: 1
id: more_leaves
title: 更多叶子
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money, unit: 万元}
  b: {type: money, unit: 万元}
  v: {type: number}
  hist: {type: number}
  ratio: {type: number}
  score: {type: number}
  level: {type: text, choices: [achieved, partial, not_achieved]}
metrics:
  rate: {expr: 'a / b', unit: '%'}
indicators:
  - id: g
    title: 更多
    weight: 100
    children:
      - {id: eq1, title: E1, weight: 4, value: rate, scorer: {type: proportional, target: 1, direction: equal}}
      - {id: eq2, title: E2, weight: 3, value: v, scorer: {type: proportional, target: 0.5, direction: equal}}
      - {id: eq3, title: E3, weight: 7, value: v, scorer: {type: proportional, target: -2, direction: equal}}
      - id: tr1
        title: R1
        weight: 5
        scorer:
          type: tier
          tier: level
          ratio: ratio
          tiers:
            - {id: achieved, range: "[0.8, 1]"}
            - {id: partial, range: "[0.6, 0.8)", default: 0.7}
            - {id: not_achieved, range: "[0, 0.6)", default: 0.3}
      - id: tr2
        title: R2
        weight: 6
        scorer:
          type: tier
          tier: level
          ratio: score / 300
          tiers:
            - {id: achieved, range: "(0.8, 1]"}
            - {id: partial, range: "(0.6, 0.8]", default: 0.7}
            - {id: not_achieved, range: "[0, 0.6]", default: 0.3}
      - {id: fo1, title: F1, weight: 3, scorer: {type: formula, expr: 'clamp((hist - 85) * 0.3, 0, 3)'}}
      - {id: fo2, title: F2, weight: 5, scorer: {type: formula, expr: '5 * a / b'}}
      - {id: fo3, title: F3, weight: 4, value: v, scorer: {type: formula, expr: 'v * 7 / 3'}}
      - {id: rest, title: Rest, weight: 63, value: v, scorer: {type: threshold, op: '>=', target: 0}}
"""
MORE_WRITTEN = ("eq1", "eq2", "eq3", "tr1", "tr2", "fo1", "fo2", "fo3")
DEFAULTS = {"achieved": F(1), "partial": F("0.7"), "not_achieved": F("0.3")}
#: each tier's range: (low, high, low included, high included)
RANGES1 = {
    "achieved": (F("0.8"), F(1), True, True),
    "partial": (F("0.6"), F("0.8"), True, False),
    "not_achieved": (F(0), F("0.6"), True, False),
}
RANGES2 = {
    "achieved": (F("0.8"), F(1), False, True),
    "partial": (F("0.6"), F("0.8"), False, True),
    "not_achieved": (F(0), F("0.6"), True, True),
}


def _equal(v: Fraction, t: Fraction, w: int) -> Fraction:
    if v == t:
        return F(w)
    return max(F(0), w * (1 - abs(v - t) / abs(t)))


def _tier(level: str | None, r: Fraction | None, w: int, ranges: Any) -> Fraction | str | None:
    """None: not applicable (no tier named); "error": a ratio outside the tier named."""
    if level is None:
        return None
    if r is None:
        return w * DEFAULTS[level]
    low, high, li, hi = ranges[level]
    inside = (low < r or (li and r == low)) and (r < high or (hi and r == high))
    return w * r if inside else "error"


def _more_oracle(values: dict[str, Decimal | None], level: str | None) -> dict[str, Any]:
    """Each leaf's points exactly, rounded half up (None: not applicable; "error")."""
    a, b, v, hist, ratio, score = (
        None if values[k] is None else F(values[k])  # type: ignore[arg-type]
        for k in ("a", "b", "v", "hist", "ratio", "score")
    )
    rate = None if a is None or b is None or b == 0 else a / b
    got: dict[str, Any] = dict.fromkeys(MORE_WRITTEN)
    if rate is not None:
        got["eq1"] = _equal(rate, F(1), 4)
        got["fo2"] = min(F(5), max(F(0), 5 * a / b))  # type: ignore[operator]
    if v is not None:
        got["eq2"] = _equal(v, F("0.5"), 3)
        got["eq3"] = _equal(v, F(-2), 7)
        got["fo3"] = min(F(4), max(F(0), v * 7 / 3))
    if hist is not None:
        got["fo1"] = min(F(3), max(F(0), min(F(3), max(F(0), (hist - 85) * F("0.3")))))
    got["tr1"] = _tier(level, ratio, 5, RANGES1)
    got["tr2"] = _tier(level, None if score is None else score / 300, 6, RANGES2)
    return {k: p if p is None or isinstance(p, str) else _half_up(p) for k, p in got.items()}


@pytest.fixture(scope="module")
def more() -> Any:
    """MORE built with every leaf's form counting its calls."""
    return _counted(MORE)


_ratio = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal("-0.1"), max_value=Decimal("1.2"), places=3),
    st.sampled_from([Decimal(x) for x in ("0.8", "0.6", "1", "0", "0.7", "0.85", "0.805")]),
)
_score = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=330, places=2),
    st.sampled_from([Decimal(x) for x in ("240", "180", "300", "241.5", "100", "0.15")]),
)
_hist = st.one_of(
    st.none(),
    st.decimals(min_value=80, max_value=100, places=2),
    st.sampled_from([Decimal(x) for x in ("85", "95", "90.05", "86.65", "94.95")]),
)


@settings(max_examples=1500, deadline=None)
@given(
    a=_money,
    b=_money,
    v=_number,
    hist=_hist,
    ratio=_ratio,
    score=_score,
    level=st.sampled_from([None, *DEFAULTS]),
)
@example(a=Decimal("2"), b=Decimal("3"), v=Decimal("0.215"), hist=Decimal("86.65"),
         ratio=Decimal("0.805"), score=Decimal("241.5"), level="achieved")  # fmt: skip
@example(a=Decimal("13.51"), b=Decimal("14"), v=Decimal("-2.5"), hist=None,
         ratio=Decimal("0.6"), score=Decimal("180"), level="partial")  # fmt: skip
@example(a=Decimal("1"), b=Decimal("0"), v=Decimal("1.5"), hist=Decimal("100"),
         ratio=Decimal("0.8"), score=Decimal("240"), level="partial")  # fmt: skip
def test_more_written_leaves_give_the_full_evaluators_and_the_exact_points(
    more: Any,
    a: Decimal | None,
    b: Decimal | None,
    v: Decimal | None,
    hist: Decimal | None,
    ratio: Decimal | None,
    score: Decimal | None,
    level: str | None,
) -> None:
    """Proportional ``equal``, tiers with a ratio and formulas written into the walk: the
    full evaluator's points (and its errors), and the exact ``Fraction`` points rounded
    half up."""
    rs, _ = more
    given_ = {"a": a, "b": b, "v": v, "hist": hist, "ratio": ratio, "score": score}
    values: dict[str, str] = {k: str(x) for k, x in given_.items() if x is not None}
    if level is not None:
        values["level"] = level
    data = _data(rs, {"id": "x", "values": values})
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert got == _full(rs, data)
    want = _more_oracle(given_, level)
    outcomes = {s.rule_id: s.outcome for s in rs.evaluator.subject(data).scores}
    for k in MORE_WRITTEN:
        if want[k] == "error":
            assert (got[0][k], outcomes[k]) == (None, "error"), k
        else:
            assert got[0][k] == want[k], k


@settings(max_examples=600, deadline=None)
@given(
    a=st.integers(min_value=0, max_value=4000),
    b=st.sampled_from([1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 125, 1000]),
    v=st.decimals(min_value=-3, max_value=5, places=2),
    hist=st.decimals(min_value=80, max_value=100, places=2),
    ratio=st.decimals(min_value=0, max_value=1, places=2),
    score=st.integers(min_value=0, max_value=300),
    level=st.sampled_from(list(DEFAULTS)),
)
def test_on_exact_values_the_more_written_leaves_decide_alone(
    more: Any,
    a: int,
    b: int,
    v: Decimal,
    hist: Decimal,
    ratio: Decimal,
    score: int,
    level: str,
) -> None:
    """Values that end (rates of round budgets, two decimals): the written code decides
    without the form, except where the points land within a twentieth of a step of a half."""
    rs, calls = more
    given_ = {"a": a, "b": b, "v": v, "hist": hist, "ratio": ratio, "score": score}
    values = {**{k: str(x) for k, x in given_.items()}, "level": level}
    data = _data(rs, {"id": "x", "values": values})
    calls.clear()
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert got == _full(rs, data)
    exact = _more_unrounded({k: F(x) for k, x in given_.items()}, level)
    near = {k for k, p in exact.items() if p is not None and _near_half(p)}
    assert set(calls) <= near, calls


def _more_unrounded(x: dict[str, Fraction], level: str) -> dict[str, Fraction | None]:
    rate = x["a"] / x["b"]
    tr1 = _tier(level, x["ratio"], 5, RANGES1)
    tr2 = _tier(level, x["score"] / 300, 6, RANGES2)
    return {
        "eq1": _equal(rate, F(1), 4),
        "eq2": _equal(x["v"], F("0.5"), 3),
        "eq3": _equal(x["v"], F(-2), 7),
        "fo1": min(F(3), max(F(0), (x["hist"] - 85) * F("0.3"))),
        "fo2": min(F(5), max(F(0), 5 * rate)),
        "fo3": min(F(4), max(F(0), x["v"] * 7 / 3)),
        "tr1": tr1 if isinstance(tr1, Fraction) else None,
        "tr2": tr2 if isinstance(tr2, Fraction) else None,
    }


def test_every_more_leaf_is_written() -> None:
    """The leaves above are written into the walk: none calls its form as a step."""
    from perfscore.evaluate import leafcode

    rs = perfscore.load_ruleset_text(MORE)

    def leaves(pns: Any) -> Any:
        for pn in pns:
            yield from ([pn] if pn.step[2] else leaves(pn.children))

    values: dict[str, Any] = {}
    count = iter(range(10**6))
    for pn in leaves(rs.evaluator._plan.tree):
        lines = leafcode.leaf_lines(lambda x: f"_x{next(count)}", lambda: "t", pn, "t", 2)
        values[pn.node.id] = lines is not None
    assert all(values[k] for k in MORE_WRITTEN), values


#: a threshold and proportional scores (above, below, equal) against a target read per
#: subject: two rates that are both rounded, and two amounts that are exact
PAIRS = """perfscore: 1
id: pairs
title: 两个比率
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs: {a: {type: money}, b: {type: money}, c: {type: money}, d: {type: money}}
metrics: {r1: {expr: 'a / b'}, r2: {expr: 'c / d'}}
indicators:
  - id: g1
    title: 对比
    weight: 40
    children:
      - {id: t1, title: T1, weight: 20, value: r1, scorer: {type: threshold, op: '<=', target: r2, points_otherwise: 5}}
      - {id: t2, title: T2, weight: 20, value: a, scorer: {type: threshold, op: '>', target: c}}
  - id: g2
    title: 按比例
    weight: 60
    children:
      - {id: q1, title: Q1, weight: 20, value: r1, scorer: {type: proportional, target: r2, direction: lower}}
      - {id: q2, title: Q2, weight: 20, value: r1, scorer: {type: proportional, target: r2}}
      - {id: q3, title: Q3, weight: 20, value: a, scorer: {type: proportional, target: c, direction: lower}}
  - id: g3
    title: 相符
    weight: 40
    children:
      - {id: e1, title: E1, weight: 20, value: r1, scorer: {type: proportional, target: r2, direction: equal}}
      - {id: e2, title: E2, weight: 20, value: a, scorer: {type: proportional, target: c, direction: equal}}
"""
PAIRS_WRITTEN = ("t1", "t2", "q1", "q2", "q3", "e1", "e2")


def _pairs_oracle(a: Fraction, b: Fraction, c: Fraction, d: Fraction) -> dict[str, Fraction]:
    r1, r2 = a / b, c / d
    return {
        "t1": F(20) if r1 <= r2 else F(5),
        "t2": F(20) if a > c else F(0),
        "q1": _proportional(r1, r2, False, 20),
        "q2": _proportional(r1, r2, True, 20),
        "q3": _proportional(a, c, False, 20),
        "e1": _equal(r1, r2, 20),
        "e2": _equal(a, c, 20),
    }


@pytest.fixture(scope="module")
def pairs() -> Any:
    return _counted(PAIRS)


D = Decimal
_amount = st.one_of(
    st.integers(min_value=1, max_value=400).map(Decimal),
    st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
)


@settings(max_examples=800, deadline=None)
@given(a=_amount, b=_amount, c=_amount, d=_amount, near=st.booleans(), cut=st.booleans())
@example(a=Decimal(1), b=Decimal(3), c=Decimal(2), d=Decimal(6), near=False, cut=False)
@example(a=Decimal(97), b=Decimal(99), c=Decimal(98), d=Decimal(100), near=False, cut=False)
@example(a=Decimal(9), b=Decimal(7), c=Decimal(8), d=Decimal(7), near=False, cut=True)
# two rates 1/(b·d) apart (a·d − b·c = 1) that round to the same 28 digits: ordered exactly
@example(a=D("792933655798331"), b=D("867014935841104"), c=D("214409793741526"),
         d=D("234441421681555"), near=False, cut=False)  # fmt: skip
@example(a=D("381069890760711"), b=D("576944865470575"), c=D("180412260364607"),
         d=D("273146553451166"), near=False, cut=False)  # fmt: skip
def test_a_target_read_per_subject_is_written_and_exact(
    pairs: Any, a: Decimal, b: Decimal, c: Decimal, d: Decimal, near: bool, cut: bool
) -> None:
    """Both values read per subject: the full evaluator's points and the exact ``Fraction``
    points rounded half up; no form called unless both are rounded and too close to be
    ordered, or the points land on a step or within a twentieth of a step of a half."""
    rs, calls = pairs
    if near:  # the second rate a hair from the first
        c, d = a * 1000 + 1, b * 1000
    if cut:  # values and targets below zero (cuts, refunds)
        a, c = -a, -c
    data = _data(
        rs, {"id": "x", "values": {k: str(x) for k, x in zip("abcd", (a, b, c, d), strict=True)}}
    )
    calls.clear()
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert got == _full(rs, data)
    exact = _pairs_oracle(F(a), F(b), F(c), F(d))
    assert {k: got[0][k] for k in PAIRS_WRITTEN} == {k: _half_up(p) for k, p in exact.items()}
    scope = rs.evaluator._plan.scan(data)[0]
    # (a form that refuses sends the group to be decided node by node: every form called;
    # points exactly on a step from a rounded rate are the form's too)
    computed = [exact[k] for k in ("q1", "q2", "q3", "e1", "e2") if 0 < exact[k] < 20]
    close = any(_near_half(p) or (p * 100).denominator == 1 for p in computed)
    if not unsure_pair(scope["r1"], scope["r2"]) and not close:
        assert calls == [], (calls, full(scope["r1"]), full(scope["r2"]))
