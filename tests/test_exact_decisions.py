"""Exact decisions (#18) on every path: the per-record path, the points-only path and the
columnar path decide each threshold, band edge, deduction step, proportional share, half-up
rounding, check and grade as the exact rational values do — checked against
:class:`fractions.Fraction`, on arbitrary decimals (tiny and huge magnitudes, many digits,
values on edges, divisions by metrics, subtractions that land near a half)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.exact import ONCE, ExactScope, Q
from perfscore.expr import compile_expression
from perfscore.functions import DECIMAL_CONTEXT
from perfscore.numbers import NotExact, round_places
from perfscore.subjects import read_subject

RULES = """
perfscore: 1
id: exact_decisions
title: 精确判定
version: "1"
settings: {places: 2, zero_division: not_applicable}
inputs:
  a: {type: number}
  b: {type: number}
  c: {type: number}
  d: {type: number}
metrics:
  r: {expr: a / b}
  s: {expr: c / r}
  h: {expr: c - d * 0.5}
indicators:
  - id: g1
    title: G1
    weight: 40
    children:
      - {id: t1, title: T1, weight: 10, value: r, scorer: {type: threshold, op: ">=", target: 0.95, points_otherwise: 2}}
      - {id: t2, title: T2, weight: 5, value: s, scorer: {type: threshold, op: "<", target: 1.5}}
      - id: b1
        title: B1
        weight: 9
        value: r
        scorer:
          type: bands
          otherwise: 0
          bands:
            - {range: "[0, 0.5)", points: 1}
            - {range: "[0.5, 0.9]", points: 5}
            - {range: "(0.9, 1.2]", points: 9}
      - {id: f1, title: F1, weight: 7, scorer: {type: formula, expr: "min(7, a / b * 7)"}}
      - {id: f2, title: F2, weight: 9, scorer: {type: formula, expr: "abs(c) * 0.25 - d"}}
  - id: g2
    title: G2
    weight: 60
    normalise: true
    children:
      - {id: p1, title: P1, weight: 3, value: r, scorer: {type: proportional, target: 0.95, direction: higher}}
      - {id: p2, title: P2, weight: 3, value: h, scorer: {type: proportional, target: 2, direction: lower}}
      - {id: p3, title: P3, weight: 7, value: r, scorer: {type: proportional, target: 1, direction: equal}}
      - {id: d1, title: D1, weight: 5, value: r, scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 0.5, count: exact}}
      - {id: d2, title: D2, weight: 6, value: r, scorer: {type: deduct, start: 0.95, direction: below, per: 0.05, points: 1.5, count: started}}
      - {id: d3, title: D3, weight: 4, value: h, scorer: {type: deduct, start: 1, direction: above, per: 0.3, points: 1, count: completed, floor: 1}}
checks:
  - {id: c1, title: C1, type: equal, left: a / b, right: c / d, tolerance: 0.01}
  - {id: c2, title: C2, type: assert, expr: "a / b * 3 >= 1.5"}
grades:
  bands:
    - {id: A, min: 80}
    - {id: B, min: 40}
    - {id: C, min: 0}
"""

W = {"t1": 10, "t2": 5, "b1": 9, "f1": 7, "f2": 9, "p1": 3, "p2": 3, "p3": 7, "d1": 5}
W.update({"d2": 6, "d3": 4})
F = Fraction


def half_up(x: Fraction, places: int = 2) -> Decimal:
    """Fraction → half-up (away from zero) at ``places``, with integers only."""
    scaled = abs(x) * 10**places
    whole = scaled.numerator // scaled.denominator
    if (scaled - whole) * 2 >= 1:
        whole += 1
    return Decimal(f"{whole if x >= 0 else -whole}E-{places}")  # exactly, however long


def expected(a: F, b: F, c: F, d: F) -> tuple[dict[str, Decimal | None], dict[str, bool]]:
    """Every leaf's points and both checks, computed from the exact values independently."""
    pts: dict[str, Fraction | None] = dict.fromkeys(W)
    r = None if b == 0 or _big(a / b) else a / b
    s = None if r is None or r == 0 or _big(c / r) else c / r
    h = c - d * F(1, 2)
    pts["f2"] = min(F(9), max(F(0), abs(c) * F(1, 4) - d))
    if r is not None:
        pts["t1"] = F(10) if r >= F(95, 100) else F(2)
        if 0 <= r < F(1, 2):
            pts["b1"] = F(1)
        elif F(1, 2) <= r <= F(9, 10):
            pts["b1"] = F(5)
        elif F(9, 10) < r <= F(12, 10):
            pts["b1"] = F(9)
        else:
            pts["b1"] = F(0)
        pts["f1"] = None if _big(r * 7) else min(F(7), max(F(0), min(F(7), r * 7)))
        t = F(95, 100)
        pts["p1"] = F(3) if r >= t else (F(0) if r <= 0 else 3 * min(F(1), r / t))
        pts["p3"] = F(7) if r == 1 else 7 * max(F(0), 1 - abs(r - 1))
        beyond = t - r
        pts["d1"] = F(5) if beyond <= 0 else min(F(5), max(F(0), 5 - beyond / F(1, 100) / 2))
        pts["d2"] = (
            F(6)
            if beyond <= 0
            else min(F(6), max(F(0), 6 - math.ceil(beyond / F(5, 100)) * F(3, 2)))
        )
    if s is not None:
        pts["t2"] = F(5) if s < F(3, 2) else F(0)
    pts["p2"] = F(3) if h <= 2 else (F(0) if h <= 0 else 3 * min(F(1), 2 / h))
    over = h - 1
    pts["d3"] = F(4) if over <= 0 else min(F(4), max(F(1), 4 - math.floor(over / F(3, 10))))
    points = {k: None if v is None else half_up(v) for k, v in pts.items()}
    checks = {}
    if r is not None and d != 0 and not _big(c / d):
        checks["c1"] = abs(r - c / d) <= F(1, 100)
    if r is not None and not _big(r * 3):
        checks["c2"] = r * 3 >= F(3, 2)
    return points, checks


def _big(x: Fraction) -> bool:
    """A result of 1e100 or more: an error ("number too large"), by the rule language."""
    return abs(x) >= 10**100


def expected_total(points: dict[str, Decimal | None]) -> Decimal | None:
    g1 = [points[k] for k in ("t1", "t2", "b1", "f1", "f2")]
    g2 = {k: points[k] for k in ("p1", "p2", "p3", "d1", "d2", "d3")}
    if any(p is None for p in points.values()):
        return None  # not applicable or an error somewhere: the totals' rules — skipped here
    got = sum((F(p) for p in g2.values() if p is not None), F(0))
    base = sum(F(W[k]) for k, p in g2.items() if p is not None)
    g2_points = F(0) if base == 0 else half_up(got * 60 / base)
    return half_up(sum(F(p) for p in g1 if p is not None) + F(g2_points))


def _digits(draw: Any) -> Decimal:
    sign = draw(st.sampled_from([1, -1]))
    coefficient = draw(st.integers(min_value=0, max_value=10**27 - 1))
    exponent = draw(st.integers(min_value=-60, max_value=-13))  # inputs stay below 1e15
    return Decimal(sign * coefficient).scaleb(exponent)


@st.composite
def decimals(draw: Any) -> Decimal:
    """Arbitrary decimals: edges and halves, money, many digits, tiny and huge."""
    kind = draw(st.integers(min_value=0, max_value=5))
    if kind == 0:
        return draw(
            st.sampled_from(
                [Decimal(x) for x in ("0", "1", "2", "3", "0.5", "0.95", "0.9", "1.2", "0.125",
                                      "0.01", "0.05", "19", "20", "14", "13.51", "-1", "1.5")]
            )
        )  # fmt: skip
    if kind == 1:
        return draw(st.decimals(min_value=-1000, max_value=10**6, places=2, allow_nan=False))
    if kind == 2:  # tiny next to a half: 0.125 ± 1e-46
        base = draw(
            st.sampled_from([Decimal("0.5"), Decimal("0.125"), Decimal("0.95"), Decimal(1)])
        )
        tiny = Decimal(draw(st.integers(min_value=1, max_value=10**6))).scaleb(
            -draw(st.integers(min_value=30, max_value=120))
        )
        return base + tiny if draw(st.booleans()) else base - tiny
    if kind == 3:
        return Decimal(draw(st.integers(min_value=1, max_value=10**6))).scaleb(
            -draw(st.integers(min_value=30, max_value=120))
        )
    if kind == 4:
        return Decimal(draw(st.integers(min_value=1, max_value=999))).scaleb(
            draw(st.integers(min_value=6, max_value=12))
        )
    return _digits(draw)


def _record(a: Decimal, b: Decimal, c: Decimal, d: Decimal) -> dict[str, Any]:
    return {"id": "s", "a": str(a), "b": str(b), "c": str(c), "d": str(d)}


@pytest.fixture(scope="module")
def rs() -> perfscore.RuleSet:
    return perfscore.load_ruleset_text(RULES, source="exact.yaml")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=decimals(), b=decimals(), c=decimals(), d=decimals())
@example(a=Decimal(19), b=Decimal(20), c=Decimal("0.5"), d=Decimal("1.6676664081630772E-46"))
@example(a=Decimal(1), b=Decimal(3), c=Decimal(1), d=Decimal("1E-226"))
@example(a=Decimal("0.95"), b=Decimal(1), c=Decimal("0.95"), d=Decimal("0.5"))
@example(a=Decimal("13.51"), b=Decimal(14), c=Decimal("1.4"), d=Decimal("-1.2"))
# 7 × (0.01 / 14) is 0.005 exactly: `equal`'s exact share of a rounded ratio sat just below it
@example(a=Decimal("0.01"), b=Decimal(14), c=Decimal(0), d=Decimal(0))
# 1e98 below the line is 1e100 steps of 0.01: their count overflowed the finding's 28-digit
# display context (decimal.Overflow, the batch aborted) where the points are simply the floor
@example(a=Decimal("-0.01"), b=Decimal("1E-100"), c=Decimal(0), d=Decimal(0))
# |−2e-30 − 0.01| is 0.01 + 2e-30, outside a tolerance of 0.01: abs() rounded it to 0.01
@example(
    a=Decimal("-1E-30"),
    b=Decimal("0.5000000000000000000000000000"),
    c=Decimal("0.01"),
    d=Decimal(1),
)
def test_every_decision_equals_the_exact_one(
    rs: perfscore.RuleSet, a: Decimal, b: Decimal, c: Decimal, d: Decimal
) -> None:
    want, checks = expected(F(a), F(b), F(c), F(d))
    result = rs.evaluate_subject(_record(a, b, c, d))
    got = {sc.rule_id: sc.points for sc in result.scores if sc.rule_id in W}
    assert got == want
    outcomes = {f.rule_id: f.outcome for f in result.findings if f.kind == "check"}
    for cid, ok in checks.items():
        assert outcomes[cid] == ("pass" if ok else "fail"), (cid, outcomes)
    total = expected_total(want)
    if total is not None:
        assert result.total == total
        grade = "A" if total >= 80 else "B" if total >= 40 else "C"
        assert result.grade == grade
    # the points-only path: the same points and total
    data = read_subject(_record(a, b, c, d), rs.compiled.inputs, index=0, subject_type="department")
    points, ptotal = rs.evaluator.points(data)
    assert {k: v for k, v in points.items() if k in W} == want
    assert ptotal == result.total


def test_x_over_3_times_3_is_exactly_1(rs: perfscore.RuleSet) -> None:
    expr = compile_expression("x / 3 * 3 >= 1", names={"x": "number"})
    assert expr({"x": Decimal(1)}) is True
    value = compile_expression("x / 3 * 3", names={"x": "number"})
    assert value({"x": Decimal(1)}) == 1


def test_the_tiny_value_next_to_a_half_rounds_down(rs: perfscore.RuleSet) -> None:
    rec = _record(Decimal(0), Decimal(1), Decimal("0.5"), Decimal("1.6676664081630772e-46"))
    got = {sc.rule_id: sc.points for sc in rs.evaluate_subject(rec).scores}
    assert got["f2"] == Decimal("0.12")  # 0.125 − 1.67e-46, not 0.13


# --- expressions: once-rounded results, exact decisions ------------------------------------

NAMES = {"a": "number", "b": "number", "c": "number", "d": "number"}
_OPS = ["+", "-", "*", "/"]


@st.composite
def expressions(draw: Any, depth: int = 3) -> str:
    if depth == 0 or draw(st.integers(min_value=0, max_value=3)) == 0:
        if draw(st.booleans()):
            return str(draw(st.sampled_from(["a", "b", "c", "d"])))
        return str(draw(st.sampled_from(["0.5", "3", "0.95", "1", "0.125", "7", "1.5"])))
    left = draw(expressions(depth - 1))
    right = draw(expressions(depth - 1))
    return f"({left} {draw(st.sampled_from(_OPS))} {right})"


def _exact(text: str, scope: dict[str, Decimal]) -> Fraction | None:
    """The exact value, by Python's own Fraction arithmetic (None: a zero denominator)."""
    source = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)", r"F('\1')", text)  # literals exactly
    try:
        values = {k: F(v) for k, v in scope.items()}
        return F(eval(source, {"__builtins__": {}, "F": F}, values))
    except ZeroDivisionError:
        return None


def _once(x: Fraction) -> Decimal:
    from perfscore.expr import rounded_once

    return rounded_once(x)  # type: ignore[no-any-return]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=expressions(),
    scope=st.fixed_dictionaries({k: decimals() for k in NAMES}),
    op=st.sampled_from([">=", "<", "=="]),
    edge=st.sampled_from(["0.95", "1", "0.5", "0", "2.895", "0.125"]),
    places=st.sampled_from([0, 2, 4]),
)
def test_expressions_round_once_and_decide_exactly(
    text: str, scope: dict[str, Decimal], op: str, edge: str, places: int
) -> None:
    exact = _exact(text, scope)
    try:
        value = compile_expression(text, names=NAMES)(scope)
    except perfscore.PerfscoreError as e:
        assert exact is None or abs(exact) >= 10**99 or "too large" in str(e), (text, e)
        return
    assert exact is not None
    if abs(exact) >= 10**99:
        return
    # the value is the exact one rounded once (ROUND_05UP): exact when it fits 28 digits
    assert value == _once(exact), (text, scope)
    assert abs(F(value) - exact) <= abs(exact) * F(1, 10**27) + F(1, 10**126)
    # a comparison with a rule set's number decides as the exact value does
    decided = compile_expression(f"{text} {op} {edge}", names=NAMES)(scope)
    truth = {">=": exact >= F(Decimal(edge)), "<": exact < F(Decimal(edge))}.get(
        op, exact == F(Decimal(edge))
    )
    assert decided is truth, (text, scope, op, edge)
    # rounding it half-up: the exact answer or NotExact (then the caller re-derives it)
    try:
        assert round_places(value, places) == half_up(exact, places)
    except NotExact:
        assert round_places(Q(exact), places) == half_up(exact, places)


def test_exact_view_re_derives_a_metric_exactly(rs: perfscore.RuleSet) -> None:
    record = _record(Decimal(1), Decimal(3), Decimal(1), Decimal(1))
    data = read_subject(record, rs.compiled.inputs, index=0, subject_type="department")
    from perfscore.evaluate.state import Scan

    scope, _ = Scan(rs.compiled, {n: n for n in rs.compiled.fields})(data)
    view = ExactScope(scope, rs.compiled.metric_exprs)
    assert view["r"] == F(1, 3)
    assert view["s"] == 3  # 1 / (1/3), with no rounding on the way
    assert scope["r"] == DECIMAL_CONTEXT.divide(Decimal(1), Decimal(3)) or scope["r"] != F(1, 3)


TIE_RULES = """
perfscore: 1
id: tie
title: 同比
version: "1"
inputs:
  a: {type: number}
  b: {type: number}
  c: {type: number}
  d: {type: number}
metrics:
  r: {expr: a / b}
  p: {expr: c / d}
indicators:
  - {id: t, title: T, weight: 3, value: r, scorer: {type: threshold, op: ">=", target: p}}
"""


@pytest.mark.parametrize("a,b", [("2", "3"), ("1", "3"), ("5", "7"), ("3", "7"), ("5", "12")])
def test_a_threshold_read_from_a_metric_shows_the_same_digits_on_either_path(
    a: str, b: str
) -> None:
    """This year's rate 2/3 against last year's 4/6: two rounded values side by side, decided
    exactly (equal: met) — the threshold it shows is the metric's value as the fast path gives
    it (0.6666…6, rounded once with ROUND_05UP), not the exact value's half-even 0.6666…7."""
    rs = perfscore.load_ruleset_text(TIE_RULES, source="tie.yaml")
    c, d = str(2 * int(a)), str(2 * int(b))
    tie = rs.evaluate_subject({"id": "s", "a": a, "b": b, "c": c, "d": d})
    fast = rs.evaluate_subject({"id": "s", "a": "1", "b": "1", "c": a, "d": b})  # r = 1 > p
    f, g = tie.findings[0], fast.findings[0]
    assert f.outcome == g.outcome == "pass"
    assert f.threshold == g.threshold
    assert f.threshold["value"] == ONCE.divide(Decimal(a), Decimal(b))


HALF_RULES = """
perfscore: 1
id: halves
title: 半分
version: "1"
settings: {places: 2, zero_division: not_applicable}
inputs:
  a: {type: number}
  b: {type: number}
  c: {type: number}
  d: {type: number}
metrics:
  r: {expr: a / b}
  p: {expr: c / d}
indicators:
  - id: g
    title: G
    weight: 18
    children:
      - {id: prop, title: P, weight: 3, value: r, scorer: {type: proportional, target: 1}}
      - {id: low, title: L, weight: 3, value: r, scorer: {type: proportional, target: 1, direction: lower}}
      - {id: ded, title: D, weight: 3, value: r, scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 0.3, count: exact}}
      - {id: back, title: B, weight: 3, scorer: {type: formula, expr: "min(3, 3 * r)"}}
      - {id: direct, title: X, weight: 3, scorer: {type: formula, expr: "min(3, 3 * a / b)"}}
      - {id: vs, title: V, weight: 3, value: r, scorer: {type: threshold, op: ">=", target: p}}
"""


def _halves_expected(a: F, b: F, c: F, d: F) -> dict[str, Decimal | None]:
    """Every leaf's points from the exact values (None: not applicable, or an error — a
    result of 1e100 or more)."""
    ids = ("prop", "low", "ded", "back", "direct", "vs")
    if b == 0 or _big(a / b):
        return dict.fromkeys(ids)
    r = a / b
    w = F(3)
    ded = w if r >= F(95, 100) else min(w, max(F(0), w - (F(95, 100) - r) / F(1, 100) * F(3, 10)))
    out: dict[str, Fraction | None] = {
        "prop": w if r >= 1 else (F(0) if r <= 0 else w * r),
        "low": w if r <= 1 else w / r,
        "ded": ded,
        "back": None if _big(w * r) else max(F(0), min(w, w * r)),  # (a formula: 0 to w)
        "direct": None if _big(w * a / b) else max(F(0), min(w, w * a / b)),
        "vs": None if d == 0 or _big(c / d) else (w if r >= c / d else F(0)),
    }
    return {k: None if v is None else half_up(v) for k, v in out.items()}


@st.composite
def halves(draw: Any) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """A rate that never ends whose points land exactly on a half (3 × r = x.xx5, 3 / r, the
    deduction), or a hair beside it, or an arbitrary one — a and b that rate times an arbitrary
    decimal; last year's rate c / d equal to it (other digits), or arbitrary."""
    k = draw(st.integers(min_value=1, max_value=2999).filter(lambda k: k % 3 != 0))
    half = F(10 * k + 5, 10000) if draw(st.booleans()) else F(10 * k + 5, 1000)
    rate = draw(
        st.sampled_from(
            [half / 3, 3 / half, (half - 3) / 30 + F(95, 100), half / 3 - F(1, 3 * 10**9)]
        )
    )
    if rate <= 0 or draw(st.integers(0, 9)) == 0:
        a, b = draw(decimals()), draw(decimals())
    else:
        scale = draw(st.sampled_from([Decimal(1), Decimal("0.01"), Decimal(7), Decimal(1000)]))
        a, b = Decimal(rate.numerator) * scale, Decimal(rate.denominator) * scale
        assume(max(abs(a), abs(b)) < 10**15)  # (inputs are numbers below 1e15)
    if draw(st.booleans()):
        m = Decimal(draw(st.integers(min_value=2, max_value=9)))
        c, d = a * m, b * m
    else:
        c, d = draw(decimals()), draw(decimals())
    return a, b, c, d


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=halves())
@example(x=(Decimal(107), Decimal(120), Decimal(214), Decimal(240)))  # 3 × 107 / 120 = 2.675
@example(x=(Decimal(1200), Decimal(1070), Decimal(1), Decimal(3)))  # 3 / (120 / 107)
def test_halves_behind_rates_that_never_end_round_as_the_exact_value_does(
    x: tuple[Decimal, Decimal, Decimal, Decimal],
) -> None:
    """Points exactly on a half behind a quotient that never ends (the rate rounded at 28
    digits: 3 × 0.8916…67 is not 2.675) — and a hair beside one — round as the exact value
    does on the points path and the findings path, each leaf decided alone (its neighbours'
    points as the fast path gives them), whichever path; a threshold read from an equal rate
    is met, and shows that rate as the fast path shows it."""
    a, b, c, d = x
    rs = _halves_rs()
    want = _halves_expected(F(a), F(b), F(c), F(d))
    record = _record(a, b, c, d)
    result = rs.evaluate_subject(record)
    got = {sc.rule_id: sc.points for sc in result.scores if sc.rule_id in want}
    assert got == want
    texts = rs.evaluator.subject(
        read_subject(record, rs.compiled.inputs, index=0, subject_type="department"), texts=True
    )
    assert [f.points for f in texts.findings] == [f.points for f in result.findings]
    data = read_subject(record, rs.compiled.inputs, index=0, subject_type="department")
    points, total = rs.evaluator.points(data)
    assert {k: v for k, v in points.items() if k in want} == want
    assert total == result.total
    vs = next(f for f in result.findings if f.rule_id == "vs")
    if vs.threshold is not None:
        assert vs.threshold["value"] == rs.evaluator._scan(data)[0]["p"]


_HALVES: list[perfscore.RuleSet] = []


def _halves_rs() -> perfscore.RuleSet:
    if not _HALVES:
        _HALVES.append(perfscore.load_ruleset_text(HALF_RULES, source="halves.yaml"))
    return _HALVES[0]
