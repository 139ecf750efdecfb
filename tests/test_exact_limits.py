"""Exact decisions (#18), the limits the first round left open — each against an independent
:class:`fractions.Fraction` computation, with the case that failed before as an ``@example``:

* coverage (the share of the weight scored from data) is a quotient of quotients: 1/3 of a
  group, weighed again by its parent, was rounded twice at 28 digits and 9.375 % showed as
  9.37 % (a grade withheld under ``min_coverage: 0.0938``);
* weights and points were added up at 28 digits in the caller's thread context: weights
  10¹⁸ and 10⁻¹⁸ lost the small one (0.005 − 5e-39 rounded up to 0.01), and a caller's
  ``decimal.getcontext().prec = 4`` changed a total;
* ``composition_variance`` (PEFA PI-2) rounded k = Σactual / Σbudget: a variance of exactly
  5 % came out 4.99…98 % and took the A band of ``< 5 %``;
* a scorer setting of exactly 28 significant digits (the most a rule set may write) can
  *equal* a once-rounded value: 10000000000 / 3 rounds to 3333333333.333333333333333333, so a
  threshold ``> 3333333333.333333333333333333`` was not met.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.cli import main
from perfscore.exact import has_long_number
from perfscore.expr import compile_expression
from perfscore.functions import DEFAULT_FUNCTIONS, Function
from perfscore.subjects import read_subject
from perfscore.values import Series

F = Fraction
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def half_up(x: Fraction, places: int) -> Decimal:
    """Fraction → half-up (away from zero) at ``places``, with integers only."""
    scaled = abs(x) * 10**places
    whole = scaled.numerator // scaled.denominator
    if (scaled - whole) * 2 >= 1:
        whole += 1
    return Decimal(f"{whole if x >= 0 else -whole}E-{places}")


def _points_path(rs: perfscore.RuleSet, record: dict[str, Any]) -> tuple[Any, Any]:
    data = read_subject(record, rs.compiled.inputs, index=0, subject_type="department")
    return rs.evaluator.points(data)


# --- coverage ---------------------------------------------------------------------------------

COVERAGE = """
perfscore: 1
id: coverage
title: 覆盖
version: "1"
settings: {{places: 2}}
inputs:
  x1: {{type: number}}
  x2: {{type: number}}
  x3: {{type: number}}
  y: {{type: number}}
indicators:
  - id: g
    title: G
    weight: {wg}
    normalise: true
    children:
      - {{id: a1, title: A1, weight: {w1}, value: x1, scorer: {{type: threshold, op: ">=", target: 0}}}}
      - {{id: a2, title: A2, weight: {w2}, value: x2, scorer: {{type: threshold, op: ">=", target: 0}}}}
      - {{id: a3, title: A3, weight: {w3}, value: x3, scorer: {{type: threshold, op: ">=", target: 0}}}}
  - {{id: l, title: L, weight: {wl}, value: y, scorer: {{type: threshold, op: ">=", target: 0}}}}
grades:
  min_coverage: {minimum}
  bands:
    - {{id: A, min: 0}}
"""

weights = st.one_of(
    st.integers(min_value=1, max_value=60).map(Decimal),
    st.decimals(min_value=Decimal("0.01"), max_value=100, places=2),
)


@SETTINGS
@given(
    wg=weights,
    w=st.tuples(weights, weights, weights),
    wl=weights,
    scored=st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()),
    minimum=st.decimals(min_value=0, max_value=1, places=4),
)
# 18 × (1/3) / 64 = 9.375 %: the group's 0.333…3 weighed again came out 9.37499…9 %
@example(
    wg=Decimal(18),
    w=(Decimal(6), Decimal(6), Decimal(6)),
    wl=Decimal(46),
    scored=(True, False, False, False),
    minimum=Decimal("0.0938"),
)
def test_coverage_is_the_exact_share_rounded_once(
    wg: Decimal,
    w: tuple[Decimal, Decimal, Decimal],
    wl: Decimal,
    scored: tuple[bool, bool, bool, bool],
    minimum: Decimal,
) -> None:
    text = COVERAGE.format(wg=wg, w1=w[0], w2=w[1], w3=w[2], wl=wl, minimum=minimum)
    rs = perfscore.load_ruleset_text(text, source="coverage.yaml")
    record = {"id": "s"}
    for name, on in zip(("x1", "x2", "x3", "y"), scored, strict=True):
        if on:
            record[name] = "1"
    result = rs.evaluate_subject(record)
    group = sum((F(wi) for wi, on in zip(w, scored, strict=False) if on), F(0)) / sum(map(F, w))
    whole = (F(wg) * group + (F(wl) if scored[3] else 0)) / (F(wg) + F(wl))
    cov = {sc.rule_id: sc.coverage for sc in result.scores}
    assert cov["g"] == half_up(group, 4)
    assert result.coverage == half_up(whole, 4)
    if result.total is not None:  # the grade is withheld exactly when coverage is below
        assert (result.grade is None) == (half_up(whole, 4) < minimum)


# --- weights and points added up exactly, in any thread context ------------------------------

SPAN = """
perfscore: 1
id: span
title: 跨度
version: "1"
settings: {{places: {places}}}
inputs:
  a: {{type: number}}
  b: {{type: number}}
indicators:
  - id: g
    title: G
    weight: 100
    normalise: true
    children:
      - {{id: x, title: X, weight: {wx}, scorer: {{type: formula, expr: "a"}}}}
      - {{id: y, title: Y, weight: {wy}, scorer: {{type: formula, expr: "b"}}}}
  - {{id: z, title: Z, weight: 3, scorer: {{type: formula, expr: "b"}}}}
"""


def _span_weight() -> st.SearchStrategy[Decimal]:
    return st.builds(
        lambda c, e: Decimal(c).scaleb(e),
        st.integers(min_value=1, max_value=999),
        st.integers(min_value=-18, max_value=16),
    )


@SETTINGS
@given(
    wx=_span_weight(),
    wy=_span_weight(),
    a=st.decimals(min_value=0, max_value=10**14, places=2),
    b=st.decimals(min_value=0, max_value=10, places=2),
    places=st.sampled_from([0, 2, 4]),
)
# 100 × 5e13 / (1e18 + 1e-18) = 0.005 − 5e-39: the sum of the weights at 28 digits dropped the
# 1e-18 and the group scored 0.01
@example(wx=Decimal("1E18"), wy=Decimal("1E-18"), a=Decimal(5 * 10**13), b=Decimal(0), places=2)
def test_weights_and_points_add_up_exactly(
    wx: Decimal, wy: Decimal, a: Decimal, b: Decimal, places: int
) -> None:
    text = SPAN.format(wx=wx, wy=wy, places=places)
    rs = perfscore.load_ruleset_text(text, source="span.yaml")
    record = {"id": "s", "a": str(a), "b": str(b)}
    px = half_up(min(F(wx), F(a)), places)
    py = half_up(min(F(wy), F(b)), places)
    pz = half_up(min(F(3), F(b)), places)
    pg = half_up((F(px) + F(py)) * 100 / (F(wx) + F(wy)), places)
    want = {"g": pg, "x": px, "y": py, "z": pz}
    total = half_up(F(pg) + F(pz), places)
    result = rs.evaluate_subject(record)
    assert {sc.rule_id: sc.points for sc in result.scores} == want
    assert result.total == total
    points, ptotal = _points_path(rs, record)
    assert points == want
    assert ptotal == total


def test_the_callers_decimal_context_changes_nothing() -> None:
    text = SPAN.format(wx="12345.678", wy="3", places=2)
    rs = perfscore.load_ruleset_text(text, source="span.yaml")
    record = {"id": "s", "a": "12345.67", "b": "1.5"}
    want = rs.evaluate_subject(record)
    want_points = _points_path(rs, record)
    for ctx in (decimal.Context(prec=4), decimal.Context(prec=6, rounding=decimal.ROUND_DOWN)):
        with decimal.localcontext(ctx):
            got = rs.evaluate_subject(record)
            assert (got.total, got.scores) == (want.total, want.scores)
            assert _points_path(rs, record) == want_points


# --- composition_variance -----------------------------------------------------------------

money = st.one_of(
    st.integers(min_value=1, max_value=60).map(Decimal),
    st.decimals(min_value=Decimal("0.01"), max_value=10**6, places=2),
)


def _variance(budgets: list[Fraction], actuals: list[Fraction]) -> Fraction:
    k = sum(actuals, F(0)) / sum(budgets, F(0))
    return sum((abs(a - b * k) for b, a in zip(budgets, actuals, strict=True)), F(0)) / sum(
        actuals, F(0)
    )


VARIANCE = """
perfscore: 1
id: variance
title: 支出结构
version: "1"
settings: {places: 2}
letters: {letters: [A, B, C, D]}
inputs:
  b1: {type: series, of: money}
  a1: {type: series, of: money}
  b2: {type: series, of: money}
  a2: {type: series, of: money}
metrics:
  v: {expr: "composition_variance(b1, a1, b2, a2)"}
indicators:
  - id: pi2
    title: PI-2
    value: v
    scorer:
      type: series_bands
      last: 1
      at_least: 1
      bands:
        - {range: "[0, 5%)", grade: A}
        - {range: "[5%, 10%)", grade: B}
        - {range: "[10%, 15%)", grade: C}
      otherwise: D
"""


@SETTINGS
@given(b=st.tuples(money, money), a=st.tuples(money, money))
# budgets 3 and 9, actuals 9 and 31: exactly 5 %, computed 4.999…98 % (grade A, not B)
@example(b=(Decimal(3), Decimal(9)), a=(Decimal(9), Decimal(31)))
@example(b=(Decimal(3), Decimal(9)), a=(Decimal(11), Decimal(29)))
@example(b=(Decimal(3), Decimal(12)), a=(Decimal(2), Decimal(14)))
def test_composition_variance_decides_exactly(
    b: tuple[Decimal, Decimal], a: tuple[Decimal, Decimal]
) -> None:
    exact = _variance([F(b[0]), F(b[1])], [F(a[0]), F(a[1])])
    rs = perfscore.load_ruleset_text(VARIANCE, source="variance.yaml")
    record = {"id": "s", "b1": {"2024": str(b[0])}, "a1": {"2024": str(a[0])}}
    record |= {"b2": {"2024": str(b[1])}, "a2": {"2024": str(a[1])}}
    grade = next(sc.grade for sc in rs.evaluate_subject(record).scores if sc.rule_id == "pi2")
    want = "A" if exact < F(5, 100) else "B" if exact < F(1, 10) else "C"
    assert grade == (want if exact < F(15, 100) else "D")
    names = {n: "series" for n in ("b1", "a1", "b2", "a2")}
    expr = compile_expression("composition_variance(b1, a1, b2, a2)", names=names)

    def one(x: Decimal) -> Series:
        return Series(((2024, x),))

    got = expr({"b1": one(b[0]), "a1": one(a[0]), "b2": one(b[1]), "a2": one(a[1])})
    value = got.points[0][1]
    assert abs(F(value) - exact) <= exact * F(1, 10**27)  # rounded once, at 28 digits
    for edge in (F(5, 100), F(10, 100), F(15, 100)):
        assert (F(value) < edge) == (exact < edge)
        assert (F(value) == edge) == (exact == edge)


# --- a scorer setting of 28 significant digits ----------------------------------------------

LONG = """
perfscore: 1
id: long
title: 长数
version: "1"
settings: {{places: 2}}
inputs:
  a: {{type: number}}
  b: {{type: number}}
metrics:
  r: {{expr: a / b}}
indicators:
  - {{id: t, title: T, weight: 10, value: r, scorer: {{type: threshold, op: ">", target: {edge}}}}}
  - {{id: e, title: E, weight: 10, value: r, scorer: {{type: threshold, op: "==", target: {edge}}}}}
  - id: n
    title: N
    weight: 10
    value: r
    scorer: {{type: bands, otherwise: 0, bands: [{{range: "({edge}, 10000000001]", points: 10}}]}}
  - {{id: d, title: D, weight: 10, value: r, scorer: {{type: deduct, start: {edge}, direction: above, per: 1, points: 1, count: started}}}}
"""


@SETTINGS
@given(
    a=st.integers(min_value=1, max_value=10**10),
    b=st.integers(min_value=1, max_value=10**4),
    nudge=st.sampled_from([-1, 0, 1]),
)
# 10000000000 / 3 rounds (ROUND_05UP, 28 digits) to the edge 3333333333.333333333333333333
@example(a=10**10, b=3, nudge=0)
def test_a_28_digit_setting_is_decided_exactly(a: int, b: int, nudge: int) -> None:
    exact = F(a, b)
    # the edge: the exact ratio cut to 28 significant digits, moved by one unit of the last
    ctx = decimal.Context(prec=28, rounding=decimal.ROUND_DOWN)
    cut = ctx.divide(Decimal(a), Decimal(b))
    edge = cut + nudge * Decimal(1).scaleb(cut.adjusted() - 27)
    if len(edge.normalize().as_tuple().digits) != 28 or -edge.as_tuple().exponent > 18:
        return  # not a 28-digit number a rule set may write
    rs = perfscore.load_ruleset_text(LONG.format(edge=edge), source="long.yaml")
    record = {"id": "s", "a": str(a), "b": str(b)}
    e = F(edge)
    over = exact - e
    steps = 0 if over <= 0 else -(-over.numerator // over.denominator)
    want = {
        "t": Decimal("10.00") if exact > e else Decimal("0.00"),
        "e": Decimal("10.00") if exact == e else Decimal("0.00"),
        "n": Decimal("10.00") if e < exact <= 10000000001 else Decimal("0.00"),
        "d": half_up(max(F(0), 10 - F(steps)), 2),
    }
    result = rs.evaluate_subject(record)
    assert {sc.rule_id: sc.points for sc in result.scores} == want
    points, _ = _points_path(rs, record)
    assert points == want


def test_only_28_digit_settings_are_long() -> None:
    assert has_long_number({"target": Decimal("3333333333.333333333333333333")})
    assert has_long_number({"bands": [{"range": "(0.1234567890123456789012345678, 1]"}]})
    assert not has_long_number({"target": Decimal("3333333333.33333333333333333")})  # 27
    assert not has_long_number({"target": Decimal("0.95"), "range": "[95%, 105%]"})
    assert not has_long_number({"target": Decimal("1000000000000000000.000000000")})  # zeros


# --- plugin functions -----------------------------------------------------------------------


def test_a_plugin_function_is_called_with_what_the_fast_path_gives() -> None:
    """A plugin's arithmetic is its own; the engine calls it with exact decimals, a quotient that
    is no finite decimal rounded once (it raised "1/3 is not a finite decimal" before), and
    decides exactly on what it returns."""
    functions = DEFAULT_FUNCTIONS.copy()
    functions.add(Function("twice", lambda x: x * 2, 1, 1, "number", "2 × x"))
    names: dict[str, Any] = {"a": "number"}

    def run(text: str) -> Any:
        return compile_expression(text, names=names, functions=functions)({"a": Decimal(1)})

    assert abs(F(run("twice(a / 3)")) - F(2, 3)) < F(1, 10**27)
    assert run("twice(a / 4) * 3 >= 1.5") is True  # 0.25 is exact: so is the decision
    assert run("twice(a / 8) * 4") == 1


def test_the_columnar_path_agrees_on_these_cases() -> None:
    """The columnar path decides in integers and rationals: it was right on both cases, so the
    per-record path and it disagreed before (grade withheld / met)."""
    np = pytest.importorskip("numpy")
    from perfscore.columnar import ColumnarScorer

    text = COVERAGE.format(wg=18, w1=6, w2=6, w3=6, wl=46, minimum="0.0938")
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="coverage.yaml"))
    assert cs.supported, cs.reason
    nan = np.array([np.nan])
    res = cs.score({"x1": np.array([1.0]), "x2": nan, "x3": nan, "y": nan})
    assert res.grades()[0] == cs.rs.evaluate_subject({"id": "s", "x1": "1"}).grade == "A"
    text = LONG.format(edge="3333333333.333333333333333333")
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="long.yaml"))
    assert cs.supported, cs.reason
    res = cs.score({"a": np.array([1e10]), "b": np.array([3.0])})
    want = cs.rs.evaluate_subject({"id": "s", "a": "10000000000", "b": "3"})
    for sc in want.scores:
        assert res.points_decimal(sc.rule_id)[0] == sc.points
        assert not res.fallback[0]


def test_a_step_count_past_1e100_is_shown_not_raised(tmp_path: Path) -> None:
    """A ratio over a tiny denominator (a budget typed as 1e-100) is 1e98 below a deduction's
    line: 1e100 steps.  The points are the floor; the steps' count is shown — it used to raise
    ``decimal.Overflow`` out of ``perfscore score`` and abort every other row of the file."""
    rules = tmp_path / "r.yaml"
    rules.write_text(
        'perfscore: 1\nid: tiny\ntitle: tiny\nversion: "1"\n'
        "inputs: {a: {type: number}, b: {type: number}}\n"
        "metrics: {r: {expr: a / b}}\n"
        "indicators:\n"
        "  - {id: d1, title: D1, weight: 5, value: r, scorer: {type: deduct, start: 0.95,"
        " direction: below, per: 0.01, points: 0.5, count: exact}}\n",
        encoding="utf-8",
    )
    data = tmp_path / "d.csv"
    data.write_text("id,a,b\nx,-0.01,1e-100\nz,1,2\n", encoding="utf-8")
    report = perfscore.load_ruleset(rules).evaluate(perfscore.load_subjects(data))
    x, z = report.subjects
    assert x.finding("d1").points == 0 and x.finding("d1").outcome == "fail"
    assert "0 / 5 points" in x.finding("d1").explanation.en and x.finding("d1").message
    out = tmp_path / "f.jsonl"
    assert main(["score", str(rules), str(data), "-o", str(out), "--no-summary"]) == 0
    assert out.read_text(encoding="utf-8").count('"record":"subject"') == 2
    assert z.finding("d1").points == 0
