"""Exact columnar decisions (#18): ties, band edges, steps and half-way points decided in
vectorised integer arithmetic — equal to the per-record path and to :class:`fractions.Fraction`,
with no row sent to the per-record path for being on an edge."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.columnar.rational import LIMIT, Q, from_floats, q_const  # noqa: E402

# -- the rational columns ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False, width=64),
            st.floats(min_value=-1e9, max_value=1e9).map(lambda x: round(x, 2)),
            st.decimals(min_value=-(10**6), max_value=10**6, places=4).map(float),
            st.integers(min_value=-(2**60), max_value=2**60).map(float),
        ),
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
@example([0.1 + 0.2, 1e-320, 4.35, 1e22, 123456789012.34], False)
@example([95.0, 99.99, 0.5], True)
def test_cells_read_as_the_per_record_reader_reads_them(xs: list[float], percent: bool) -> None:
    q = from_floats(np.array(xs), percent=percent)
    want = [Fraction(Decimal(repr(x))) / (100 if percent else 1) for x in xs]
    assert q.fractions() == want
    assert q.bad is None


def test_missing_cells_are_bad() -> None:
    q = from_floats(np.array([1.5, math.nan, math.inf]))
    assert q.bad is not None and q.bad.tolist() == [False, True, True]


@pytest.mark.parametrize("percent", [False, True])
def test_a_column_of_cents_is_read_at_one_scale(percent: bool) -> None:
    """Every cell at 2 decimals or fewer (blanks beside them): one scale, 10**2, for all —
    the values each cell's shortest decimal gives; one cell needing 13 decimals among many
    sends the column cell by cell, with the same values."""
    xs = [95.0, 84.99, 0.1, -3.5, math.nan, 1e13, 0.0] * 20
    q = from_floats(np.array(xs), percent=percent)
    assert q.d == 100 * (100 if percent else 1) and q.n.dtype == np.int64
    assert q.bad is not None and q.bad.tolist() == [math.isnan(x) for x in xs]
    ok = [Fraction(Decimal(repr(x))) / (100 if percent else 1) for x in xs if not math.isnan(x)]
    assert [f for f, x in zip(q.fractions(), xs, strict=True) if not math.isnan(x)] == ok
    odd = [*xs, 0.1 + 0.2]
    q = from_floats(np.array(odd), percent=percent)
    got = [f for f, x in zip(q.fractions(), odd, strict=True) if not math.isnan(x)]
    assert got == [*ok, Fraction(Decimal(repr(0.1 + 0.2))) / (100 if percent else 1)]


def _q(values: list[Fraction]) -> Q:
    """Rationals with an array denominator, built from Fractions (object arrays when big)."""
    n = np.array([v.numerator for v in values], dtype=object)
    d = np.array([v.denominator for v in values], dtype=object)
    if max(abs(int(x)) for x in n) < LIMIT and max(int(x) for x in d) < LIMIT:
        n, d = n.astype(np.int64), d.astype(np.int64)
    return Q(n, d, len(values))


_frac = st.one_of(
    st.fractions(max_denominator=10**4).filter(lambda f: abs(f) < 10**6),
    st.decimals(min_value=-(10**6), max_value=10**6, places=2).map(Fraction),
    st.integers(min_value=-(10**18), max_value=10**18).map(Fraction),  # int64 overflow
    st.sampled_from([Fraction(0), Fraction(1), Fraction(19, 20), Fraction(1, 2)]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_frac, _frac), min_size=1, max_size=12))
def test_rational_arithmetic_and_rounding_equal_fractions(pairs: list[tuple[Any, Any]]) -> None:
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    a, b = _q(xs), _q(ys)
    assert (a + b).fractions() == [x + y for x, y in pairs]
    assert (a - b).fractions() == [x - y for x, y in pairs]
    assert (a * b).fractions() == [x * y for x, y in pairs]
    quotient = a / b
    assert quotient.fractions() == [x / y if y else 0 for x, y in pairs]
    if any(y == 0 for y in ys):
        assert quotient.bad is not None
        assert quotient.bad.tolist() == [y == 0 for y in ys]
    assert a.cmp(b).tolist() == [(x > y) - (x < y) for x, y in pairs]
    assert a.minimum(b).fractions() == [min(x, y) for x, y in pairs]
    assert abs(a - b).fractions() == [abs(x - y) for x, y in pairs]
    for places in (0, 2, 4):
        got = [int(v) for v in np.asarray(a.round_scaled(places)).tolist()]
        assert got == [_half_up_scaled(x, places) for x in xs]
    assert a.floor().fractions() == [Fraction(math.floor(x)) for x in xs]
    assert a.ceil().fractions() == [Fraction(math.ceil(x)) for x in xs]


def _half_up_scaled(x: Fraction, places: int) -> int:
    """Half-up (away from zero on a half) of ``x × 10**places``, from Fraction alone."""
    s = abs(x) * 10**places
    whole = math.floor(s)
    if s - whole >= Fraction(1, 2):
        whole += 1
    return whole if x >= 0 else -whole


def test_int64_overflow_switches_to_python_integers() -> None:
    a = q_const(Fraction(3 * 10**17), 2) * Q(np.array([10**9, 7], np.int64), 1, 2)
    assert a.fractions() == [Fraction(3 * 10**26), Fraction(21 * 10**17)]
    assert (a / a).fractions() == [Fraction(1), Fraction(1)]


# -- columnar against the per-record path and Fraction, on edge-heavy data --------------------

RULES = """\
perfscore: 1
id: edges
title: 边界数据
version: "1"
settings: {places: 2, zero_division: not_applicable}
inputs:
  budget: {type: money, unit: 万元, min: 0}
  spent: {type: money, unit: 万元, min: 0}
  plan: {type: number, min: 0}
  done: {type: number, min: 0}
  rate: {type: percent}
metrics:
  exec: {expr: spent / budget, unit: "%"}
  completion: {expr: done / plan}
  over: {expr: (spent - budget) / budget}
indicators:
  - id: money
    title: 资金
    weight: 40
    children:
      - {id: t95, title: 执行率≥95%, weight: 5, value: exec, scorer: {type: threshold, op: ">=", target: 0.95}}
      - {id: t100, title: 执行率=100%, weight: 5, value: exec, scorer: {type: threshold, op: "==", target: 1, points_otherwise: 1}}
      - {id: tle, title: 不超预算, weight: 5, value: spent, scorer: {type: threshold, op: "<=", target: 100}}
      - {id: prop, title: 执行率得分, weight: 3, value: exec, scorer: {type: proportional, target: 0.95}}
      - {id: low, title: 成本控制, weight: 3, value: exec, scorer: {type: proportional, target: 0.9, direction: lower}}
      - {id: eq, title: 偏差, weight: 4, value: exec, scorer: {type: proportional, target: 1, direction: equal}}
      - {id: ded, title: 每低1个百分点扣0.5分, weight: 5, value: exec, scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 0.5, count: started}}
      - {id: ded2, title: 超支扣分, weight: 5, value: over, scorer: {type: deduct, start: 0, direction: above, per: 0.05, points: 1, count: completed}}
      - id: band
        title: 执行率档次
        weight: 5
        value: exec
        scorer:
          type: bands
          bands:
            - {range: "== 1", points: 5}
            - {range: "[0.9, 1)", points: 4}
            - {range: "(1, 1.1]", points: 3}
            - {range: "[0.6, 0.9)", points: 2}
          otherwise: 0
  - id: output
    title: 产出
    weight: 30
    children:
      - {id: comp, title: 完成率, weight: 7, value: completion, scorer: {type: proportional, target: 1}}
      - {id: form, title: 公式, weight: 3, scorer: {type: formula, expr: "3 * plan / done"}}
      - {id: pct, title: 满意度, weight: 10, value: rate, scorer: {type: threshold, op: ">=", target: 0.9}}
      - {id: pband, title: 满意度档次, weight: 10, value: rate, scorer: {type: bands, bands: [{range: ">= 0.95", points: 10}, {range: "[0.8, 0.95)", points: 6}, {range: "< 0.8", points: 0}]}}
checks:
  - {id: sum, title: 合计, type: equal, left: spent + budget, right: budget + spent, tolerance: 0}
grades:
  bands:
    - {id: A, min: 60}
    - {id: B, min: 0}
"""


@pytest.fixture(scope="module")
def edges() -> ColumnarScorer:
    cs = ColumnarScorer(perfscore.load_ruleset_text(RULES, source="edges.yaml"))
    assert cs.supported, cs.reason
    return cs


_money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**9), places=2)


@st.composite
def _rows(draw: st.DrawFn) -> dict[str, float]:
    budget = draw(st.one_of(_money, st.sampled_from([Decimal(100), Decimal("13.51")])))
    share = draw(
        st.one_of(
            st.sampled_from(["1", "0.95", "0.9", "0.6", "1.1", "1.05", "0.945", "0.955"]),
            st.decimals(min_value=0, max_value=Decimal("1.3"), places=4).map(str),
        )
    )
    spent = (budget * Decimal(share)).quantize(Decimal("0.01"))
    plan = draw(st.sampled_from([Decimal(14), Decimal(3), Decimal(7), Decimal("13.51")]))
    done = draw(st.one_of(st.just(plan), st.sampled_from([Decimal(14), Decimal(2), Decimal(4)])))
    rate = draw(st.sampled_from(["95", "90", "80", "89.99", "100", "0"]))
    return {
        "budget": float(budget),
        "spent": float(spent),
        "plan": float(plan),
        "done": float(done),
        "rate": float(rate),
    }


def _same(cs: ColumnarScorer, rows: list[dict[str, float]]) -> Any:
    cols = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    res = cs.score(cols)
    for i, rec in enumerate(rows):
        want = cs.rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            assert res.points_decimal(sc.rule_id)[i] == sc.points, (i, sc, rec)
            assert res.outcomes(sc.rule_id)[i] == sc.outcome, (i, sc, rec)
        assert res.outcomes("sum")[i] == "pass"
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade
    return res


def _oracle(rec: dict[str, float]) -> dict[str, Decimal]:
    """A few indicators computed with Fraction from the decimal texts, by hand."""
    f = {k: Fraction(Decimal(repr(v))) for k, v in rec.items()}
    ex = f["spent"] / f["budget"]
    comp = f["done"] / f["plan"]
    w3 = Fraction(3)
    low = w3 if ex <= Fraction(9, 10) else w3 * Fraction(9, 10) / ex
    ded_units = math.ceil((Fraction(95, 100) - ex) / Fraction(1, 100))
    ded = (
        Fraction(5) if ex >= Fraction(95, 100) else max(Fraction(0), 5 - ded_units * Fraction(1, 2))
    )
    form = min(w3, max(Fraction(0), 3 * f["plan"] / f["done"]))
    band = (
        5
        if ex == 1
        else 4
        if Fraction(9, 10) <= ex < 1
        else 3
        if 1 < ex <= Fraction(11, 10)
        else 2
        if Fraction(6, 10) <= ex < Fraction(9, 10)
        else 0
    )
    out = {
        "t95": Decimal(5 if ex >= Fraction(95, 100) else 0),
        "t100": Decimal(5 if ex == 1 else 1),
        "low": low,
        "ded": ded,
        "form": form,
        "comp": Fraction(7) * min(Fraction(1), comp),
        "band": Fraction(band),
    }
    return {k: Decimal(_half_up_scaled(Fraction(v), 2)).scaleb(-2) for k, v in out.items()}


@settings(max_examples=80, deadline=None)
@given(st.lists(_rows(), min_size=1, max_size=40))
@example([{"budget": 13.51, "spent": 14.0, "plan": 13.51, "done": 14.0, "rate": 95.0}])
def test_edge_heavy_rows_equal_per_record_and_fraction_without_fallback(
    edges: ColumnarScorer, rows: list[dict[str, float]]
) -> None:
    res = _same(edges, rows)
    assert not res.fallback.any()  # ties, edges, steps and halves all decided in place
    for i, rec in enumerate(rows):
        for rid, want in _oracle(rec).items():
            assert res.points_decimal(rid)[i] == want, (rid, rec)


def test_spent_equals_budget_at_scale(edges: ColumnarScorer) -> None:
    """A batch where most departments spend exactly their budget: nothing falls back."""
    rng = np.random.default_rng(7)
    n = 20_000
    budget = np.round(rng.uniform(1, 1e6, n), 2)
    share = rng.choice([1.0, 1.0, 1.0, 0.95, 0.9, 0.6, 1.1], n)
    spent = np.round(budget * share, 2)
    cols = {
        "budget": budget,
        "spent": spent,
        "plan": np.full(n, 14.0),
        "done": rng.choice([14.0, 7.0, 13.0], n),
        "rate": rng.choice([95.0, 90.0, 80.0], n),
    }
    res = edges.score(cols)
    assert int(res.fallback.sum()) == 0
    sample = [{k: float(v[i]) for k, v in cols.items()} for i in range(0, n, 97)]
    _same(edges, sample)


def test_half_cent_case_from_the_issue() -> None:
    """计划成本 13.51, 实际成本 14: weight 3 × 13.51 / 14 = 2.895 → 2.90, in place."""
    text = RULES.replace("id: edges", "id: edges2")
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="e.yaml"))
    rec = {"budget": 14.0, "spent": 14.0, "plan": 13.51, "done": 14.0, "rate": 95.0}
    res = _same(cs, [rec])
    assert not res.fallback.any()
    assert res.points_decimal("form")[0] == Decimal("2.90")


def test_a_recurring_quotient_multiplied_back_is_decided_by_its_rational_value() -> None:
    """``x / 3 * 3`` with x = 1 is exactly 1: the columnar path says ``>= 1`` is met, and so
    does the per-record path (1/3 is inexact inside the expression: it is evaluated exactly)."""
    text = """\
perfscore: 1
id: recurring
title: r
version: "1"
inputs: {x: {type: number}}
metrics: {back: {expr: x / 3 * 3}}
indicators:
  - {id: t, title: T, weight: 1, value: back, scorer: {type: threshold, op: ">=", target: 1}}
"""
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="r.yaml"))
    res = cs.score({"x": np.array([1.0, 2.0, 0.5])})
    assert res.outcomes("t") == ["pass", "pass", "fail"]
    assert not res.fallback.any()
    per_record = [cs.rs.evaluate_subject({"x": x}).scores[0].outcome for x in (1.0, 2.0, 0.5)]
    assert per_record == ["pass", "pass", "fail"]


# -- blanks and zero denominators: scored in place, as each policy says ----------------------

_POLICIES = [
    "{places: 2, zero_division: not_applicable, missing: not_applicable}",
    "{places: 2, zero_division: zero, missing: zero, not_applicable_weight: zero}",
    "{places: 2, zero_division: error, missing: full}",
    "{places: 2, zero_division: not_applicable, missing: error}",
]


@st.composite
def _dirty_rows(draw: st.DrawFn) -> dict[str, float]:
    row = draw(_rows())
    for name in list(row):
        pick = draw(st.integers(0, 9))
        if pick == 0:
            row[name] = math.nan  # a blank cell
        elif pick == 1:
            row[name] = 0.0  # a zero (a zero budget: a zero denominator)
    return row


@pytest.mark.parametrize("policy", _POLICIES)
@settings(max_examples=40, deadline=None)
@given(rows=st.lists(_dirty_rows(), min_size=1, max_size=30))
def test_blanks_and_zero_denominators_follow_the_policies_without_fallback(
    policy: str, rows: list[dict[str, float]]
) -> None:
    text = RULES.replace(
        "settings: {places: 2, zero_division: not_applicable}", f"settings: {policy}"
    )
    # a default fills a blank; a required input's blank is an error
    text = text.replace("plan: {type: number, min: 0}", "plan: {type: number, min: 0, default: 14}")
    text = text.replace("rate: {type: percent}", "rate: {type: percent, required: true}")
    text += "  min_coverage: 0.7\n"
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="p.yaml"))
    assert cs.supported, cs.reason
    cols = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    res = cs.score(cols)
    for i, rec in enumerate(rows):
        want = cs.rs.evaluate_subject(
            {k: (None if math.isnan(v) else v) for k, v in rec.items()}, index=i
        )
        for sc in want.scores:
            assert res.points_decimal(sc.rule_id)[i] == sc.points, (i, sc, rec)
            assert res.outcomes(sc.rule_id)[i] == sc.outcome, (i, sc, rec)
        for f in want.findings:
            if f.kind == "check":
                assert res.outcomes(f.rule_id)[i] == f.outcome, (i, f.rule_id, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)
    assert not res.fallback.any()


# -- conditions, conditionals, round(), assert / explain_if checks, tiers and checklists ------

CONSTRUCTS = """\
perfscore: 1
id: constructs
title: 条件与核对
version: "1"
settings: {places: 2, zero_division: not_applicable, missing: not_applicable}
inputs:
  budget: {type: money, min: 0}
  spent: {type: money, min: 0}
  reported: {type: percent}
  builds: {type: boolean}
  area: {type: number, min: 0, default: 0}
  why: {type: text}
  verdict: {type: text, choices: [met, partly, not_met]}
  share: {type: number, min: 0, max: 1}
  open_a: {type: boolean}
  open_b: {type: boolean}
metrics:
  exec: {expr: spent / budget}
  area_rate: {expr: "area / budget if builds else 0"}
  rounded: {expr: 'round(spent / budget, 3)'}
indicators:
  - id: g
    title: G
    weight: 30
    children:
      - {id: r, title: R, weight: 10, value: rounded, scorer: {type: threshold, op: ">=", target: 0.95}}
      - {id: a, title: A, weight: 5, value: area_rate, scorer: {type: proportional, target: 1, direction: lower}}
      - id: t
        title: T
        weight: 10
        scorer:
          type: tier
          tier: verdict
          ratio: share
          tiers:
            - {id: met, range: "[0.8, 1]"}
            - {id: partly, range: "[0.6, 0.8)", default: 0.7}
            - {id: not_met, range: "[0, 0.6)", default: 0.3}
      - id: c
        title: C
        weight: 5
        scorer:
          type: checklist
          items:
            - {id: a, points: 2.5, when: open_a}
            - {id: b, points: 2.5, when: open_b}
  - id: g2
    title: 目标值取自数据
    weight: 15
    children:
      - {id: ph, title: PH, weight: 5, value: spent, scorer: {type: proportional, target: budget}}
      - {id: pl, title: PL, weight: 5, value: spent, scorer: {type: proportional, target: area, direction: lower}}
      - {id: pe, title: PE, weight: 2, value: spent, scorer: {type: proportional, target: area, direction: equal}}
      - {id: th, title: TH, weight: 3, value: spent, scorer: {type: threshold, op: ">=", target: budget * 0.95}}
checks:
  - {id: agrees, title: 一致, type: equal, left: reported, right: 'round(exec, 3)', tolerance: 0}
  - {id: sane, title: 合理, type: assert, expr: "not builds or (area > 0 and budget > 0)"}
  - {id: explained, title: 说明, type: explain_if, when: exec < 0.9, require: why}
  - {id: only_when, title: 条件, type: equal, left: spent, right: budget, tolerance: 0.5, when: exec >= 1}
  - {id: pairs, title: 成对, type: assert, expr: is_missing(spent) == is_missing(reported)}
grades:
  bands:
    - {id: A, min: 20}
    - {id: B, min: 0}
"""


@st.composite
def _construct_rows(draw: st.DrawFn) -> dict[str, Any]:
    budget = draw(st.sampled_from([0.0, 100.0, 13.51, 2000.0, math.nan]))
    share = draw(st.sampled_from([1.0, 0.95, 0.9495, 0.9505, 0.8, 0.0, 1.2345]))
    spent = math.nan if math.isnan(budget) else round(budget * share, 2)
    return {
        "budget": budget,
        "spent": spent,
        "reported": draw(st.sampled_from([95.0, 100.0, 94.9, 80.0, math.nan])),
        "builds": draw(st.sampled_from([True, False, None, "是", "否"])),
        "area": draw(st.sampled_from([0.0, 50.0, 100.0, 13.51, math.nan])),
        "why": draw(st.sampled_from(["资金拨付滞后", "", "  ", None])),
        "verdict": draw(st.sampled_from(["met", "partly", "not_met", "达成", None])),
        "share": draw(st.sampled_from([math.nan, math.nan, 0.85, 0.7, 0.65, 0.9, 0.6])),
        "open_a": draw(st.sampled_from([True, False, None])),
        "open_b": draw(st.sampled_from([True, False])),
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(_construct_rows(), min_size=1, max_size=30))
def test_conditions_checks_tiers_and_checklists_equal_per_record(
    rows: list[dict[str, Any]],
) -> None:
    cs = ColumnarScorer(perfscore.load_ruleset_text(CONSTRUCTS, source="c.yaml"))
    assert cs.supported, cs.reason
    cols: dict[str, Any] = {}
    for k in rows[0]:
        cells = [r[k] for r in rows]
        if any(isinstance(c, (str, bool)) or c is None for c in cells):
            cols[k] = np.array(cells, dtype=object)
        else:
            cols[k] = np.array(cells, dtype=np.float64)
    res = cs.score(cols)
    for i, rec in enumerate(rows):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        want = cs.rs.evaluate_subject(clean, index=i)
        for sc in want.scores:
            assert res.points_decimal(sc.rule_id)[i] == sc.points, (i, sc, rec)
            assert res.outcomes(sc.rule_id)[i] == sc.outcome, (i, sc, rec)
        for f in want.findings:
            if f.kind == "check":
                assert res.outcomes(f.rule_id)[i] == f.outcome, (i, f.rule_id, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)
    assert not res.fallback.any()


def test_a_checks_only_rule_set_runs_columnar() -> None:
    text = """\
perfscore: 1
id: checks_only
title: 只有核对
version: "1"
inputs: {a: {type: money}, b: {type: money}, why: {type: text}}
checks:
  - {id: sum, title: S, type: equal, left: a, right: b, tolerance: 0.01}
  - {id: pos, title: P, type: assert, expr: a >= 0 and b >= 0}
  - {id: why, title: W, type: explain_if, when: a > b, require: why}
"""
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="k.yaml"))
    assert cs.supported, cs.reason
    rows = [(1.0, 1.005, "x"), (2.0, 1.0, None), (-1.0, -1.0, ""), (math.nan, 3.0, "y")]
    cols = {
        "a": np.array([r[0] for r in rows]),
        "b": np.array([r[1] for r in rows]),
        "why": np.array([r[2] for r in rows], dtype=object),
    }
    res = cs.score(cols)
    assert not res.fallback.any() and not res.has_total.any()
    for i, (a, b, why) in enumerate(rows):
        rec = {"a": None if math.isnan(a) else a, "b": b, "why": why}
        want = cs.rs.evaluate_subject(rec, index=i)
        for f in want.findings:
            assert res.outcomes(f.rule_id)[i] == f.outcome, (i, f.rule_id)


def _deep_rules(depth: int, fanout: int) -> str:
    """A weighted tree ``depth`` levels deep with uneven weights (4.5, 3, 2.5 …), one input per
    leaf, blanks not applicable, a minimum coverage for the grade."""
    lines = [
        "perfscore: 1",
        "id: deep",
        "title: 深层指标树",
        'version: "1"',
        "settings: {places: 2, missing: not_applicable}",
        "inputs:",
    ]
    body: list[str] = []
    count = 0

    def node(level: int, indent: str, weight: str) -> None:
        nonlocal count
        count += 1
        me = f"n{count}"
        if level == depth:
            lines.append(f"  x{count}: {{type: percent}}")
            body.append(f"{indent}- {{id: {me}, title: {me}, weight: {weight}, value: x{count},"
                        " scorer: {type: proportional, target: 0.95}}")  # fmt: skip
            return
        weights = ["4.5", "3", "2.5", "1.75"][:fanout]
        total = sum(Decimal(w) for w in weights)
        body.append(f"{indent}- id: {me}")
        body.append(f"{indent}  title: {me}")
        body.append(f"{indent}  weight: {total if level == 0 else weight}")
        body.append(f"{indent}  normalise: true")
        body.append(f"{indent}  children:")
        for w in weights:
            node(level + 1, indent + "    ", w)

    node(0, "  ", "0")
    return (
        "\n".join(
            [
                *lines,
                "indicators:",
                *body,
                "grades:",
                "  min_coverage: 0.6",
                "  bands:",
                "    - {id: A, min: 6}",
                "    - {id: B, min: 0}",
            ]
        )
        + "\n"
    )


def test_deep_uneven_trees_with_blanks_and_min_coverage() -> None:
    """Coverage is an integer over a constant denominator per group, reduced by what the
    coefficients share (a 5-level tree of uneven weights stays far inside int64)."""
    rs = perfscore.load_ruleset_text(_deep_rules(4, 3), source="deep.yaml")
    cs = ColumnarScorer(rs)
    assert cs.supported, cs.reason
    rng = np.random.default_rng(3)
    n = 300
    names = list(rs.compiled.inputs)
    cols = {}
    for k in names:
        x = rng.choice([100.0, 95.0, 90.0, 47.5, 0.0], n)
        x[rng.random(n) < 0.3] = math.nan
        cols[k] = x
    res = cs.score(cols)
    assert not res.fallback.any()
    for i in range(n):
        rec = {k: (None if math.isnan(v[i]) else float(v[i])) for k, v in cols.items()}
        want = rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            assert res.points_decimal(sc.rule_id)[i] == sc.points, (i, sc)
            assert res.outcomes(sc.rule_id)[i] == sc.outcome, (i, sc)
        assert res.totals_decimal()[i] == want.total, i
        assert res.grades()[i] == want.grade, i


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-(10**30), 10**30), min_size=1, max_size=20),
    st.sampled_from([1, 7, 10**4, 3 * 10**12, 2**58 + 1, 2**60]),
    st.integers(0, 28),
)
def test_rounding_numerators_past_int64_over_one_denominator(
    ns: list[int], d: int, places: int
) -> None:
    """Numerators past int64 (Python integers) over a denominator below 2**59 are rounded by
    long division in int64 (the whole part once in Python integers), as Fraction rounds;
    a denominator past 2**59 the way before — the same digits."""
    arr = np.array(ns, dtype=object)
    small = max(abs(x) for x in ns) < LIMIT  # (and as int64: a result past int64 from those)
    for num in (arr, np.array(ns, np.int64)) if small else (arr,):
        for den in (d, np.full(len(ns), d, dtype=object if d >= LIMIT else np.int64)):
            got = Q(num, den, len(ns)).round_scaled(places)
            assert [int(v) for v in np.asarray(got).tolist()] == [
                _half_up_scaled(Fraction(x, d), places) for x in ns
            ]


@pytest.mark.parametrize("places", [15, 16, 18, 19, 20, 28])
def test_rounding_to_many_places_past_int64(places: int) -> None:
    """``round(180.01 / 200, 20)``: 0.90005 × 10**20 is past int64 — a Python integer, not
    a wrapped int64 (the columnar path scored 0 there before)."""
    got = Q(np.array([18001, -18001, 0], np.int64), 20000, 3).round_scaled(places)
    want = [_half_up_scaled(Fraction(x, 20000), places) for x in (18001, -18001, 0)]
    assert [int(v) for v in np.asarray(got).tolist()] == want
    assert want[0] == 90005 * 10 ** (places - 5)


def test_values_near_ten_to_the_ninety_are_flagged_exactly() -> None:
    """The decimal context's edge (10**90 and 10**-90) decided by floats away from it and by
    Python integers near it (a factor of 4 either side): the rows flagged are exactly those
    the integers flag."""
    from perfscore.columnar.seriesexpr import _far, _tame

    huge = 10**90
    ns = [huge, huge - 1, huge + 1, 3 * huge, huge // 3, 1, 0, -huge, 5, 10**200, 7]
    ds = [1, 1, 1, 1, 1, huge, 3, 1, 5 * huge + 1, 10**100, 7 * huge]
    flagged: list[Any] = []

    class Ctx:
        def flag(self, rows: Any) -> None:
            flagged.append(rows.tolist())

    _tame(Ctx(), Q(np.array(ns, dtype=object), np.array(ds, dtype=object), len(ns)))
    assert flagged == [[_far(a, b) for a, b in zip(ns, ds, strict=True)]]
    assert flagged[0][:4] == [True, False, True, True] and flagged[0][5:7] == [True, False]


@pytest.mark.parametrize("at", [0, 1, 513, 999])
def test_a_long_column_is_read_at_the_least_scale_the_sample_may_miss(at: int) -> None:
    """A long column starts its search at the scale a sample of ~64 cells needs; a cell the
    sample misses that needs more decimals (4 here) raises the scale for all, as each cell's
    own reading does."""
    xs = np.round(np.linspace(-500.0, 500.0, 1000), 2)
    xs[at] = 12.3456
    q = from_floats(xs)
    assert q.d == 10**4
    assert q.fractions() == [Fraction(Decimal(repr(float(x)))) for x in xs]
