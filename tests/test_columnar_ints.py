"""Exact integer columns (perfscore.columnar.intcols): short-decimal cells held as integers,
expressions as exact rationals, every scorer's integer step — equal to the per-record path and
to the float-with-guard path, whatever the arithmetic chosen."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.columnar import intcols as ic  # noqa: E402
from perfscore.columnar import run as colrun  # noqa: E402
from test_columnar_exact import CONSTRUCTS, _construct_rows  # noqa: E402

RULES = """
perfscore: 1
id: ints
title: integer columns
version: "1"
settings: {places: 2, zero_division: not_applicable}
inputs:
  a: {type: money, min: 0}
  b: {type: money, min: 0}
  c: {type: number}
  p: {type: percent}
  k: {type: integer, min: 0, max: 100000}
metrics:
  r: {expr: a / b}
  s: {expr: (a - b) / (b + 1)}
  q: {expr: c * 3 / (k + 0.5) - p}
indicators:
  - id: g1
    title: G1
    weight: 30
    children:
      - {id: t1, title: T1, weight: 6, value: r, scorer: {type: threshold, op: ">=", target: 0.95}}
      - {id: t2, title: T2, weight: 6, value: c, scorer: {type: threshold, op: "<", target: 0, points_otherwise: 3}}
      - {id: t3, title: T3, weight: 6, value: p, scorer: {type: threshold, op: "==", target: 0.5}}
      - {id: t4, title: T4, weight: 6, value: s, scorer: {type: threshold, op: "!=", target: -0.25}}
      - {id: t5, title: T5, weight: 6, value: a, scorer: {type: threshold, op: ">", target: b}}
  - id: g2
    title: G2
    weight: 40
    children:
      - {id: p1, title: P1, weight: 5, value: r, scorer: {type: proportional, target: 0.9, direction: higher}}
      - {id: p2, title: P2, weight: 3, value: p, scorer: {type: proportional, target: 0.3, direction: lower}}
      - {id: p3, title: P3, weight: 3, value: c, scorer: {type: proportional, target: 2, direction: equal}}
      - {id: p4, title: P4, weight: 3, value: q, scorer: {type: proportional, target: -1.5, direction: equal}}
      - {id: p5, title: P5, weight: 2, value: c, scorer: {type: proportional, target: 0, direction: lower}}
      - {id: p6, title: P6, weight: 2, value: s, scorer: {type: proportional, target: -1, direction: higher}}
      - {id: p7, title: P7, weight: 2, value: c, scorer: {type: proportional, target: 0, direction: equal}}
      - {id: d1, title: D1, weight: 5, value: s, scorer: {type: deduct, start: 0, direction: above, per: 0.01, points: 0.5, count: exact}}
      - {id: d2, title: D2, weight: 5, value: r, scorer: {type: deduct, start: 0.95, direction: below, per: 0.05, points: 1.5, count: started}}
      - {id: d3, title: D3, weight: 5, value: k, scorer: {type: deduct, start: 10, direction: above, per: 3, points: 1, count: completed, floor: 1}}
      - {id: d4, title: D4, weight: 5, value: q, scorer: {type: deduct, start: 0.5, direction: below, per: 0.3, points: 0.7, count: exact, floor: 0.25}}
  - id: g3
    title: G3
    weight: 30
    normalise: true
    children:
      - id: b1
        title: B1
        weight: 9
        value: r
        scorer:
          type: bands
          bands:
            - {range: "[0, 0.5)", points: 1}
            - {range: "[0.5, 0.9]", points: 5}
            - {range: "(0.9, 1.2]", points: 9}
      - id: b2
        title: B2
        weight: 4
        value: c
        scorer:
          type: bands
          bands:
            - {range: "< 1", points: 1}
            - {range: "[1, 1]", points: 4}
            - {range: "> 1", points: 2}
          otherwise: 0
      - {id: f1, title: F1, weight: 7, scorer: {type: formula, expr: "min(7, max(a, c) / (b + 3) * 7)"}}
      - {id: f2, title: F2, weight: 5, scorer: {type: formula, expr: "abs(c) * 0.25 - p + round(r, 1)"}}
      - {id: f3, title: F3, weight: 5, scorer: {type: formula, expr: "-c / 4 + round(c / 3, 2)"}}
grades:
  bands:
    - {id: A, min: 90}
    - {id: B, min: 60}
    - {id: C, min: 0}
"""

_TIES = [0, 0.5, 0.9, 0.95, 1, 1.2, 2, 3, 10, 100, 0.01, 0.3, 0.005, 0.045, -0.25, -1.5, 1.5]
_short = st.one_of(
    st.sampled_from(_TIES),
    st.floats(min_value=-5, max_value=1e4, allow_nan=False).map(lambda x: round(x, 2)),
    st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).map(lambda x: round(x, 4)),
    st.integers(min_value=-5, max_value=2000).map(float),
    st.just(math.nan),
)


def _ruleset() -> Any:
    return perfscore.load_ruleset_text(RULES, source="ints.yaml")


@pytest.fixture(scope="module")
def scorers() -> dict[str, ColumnarScorer]:
    rs = _ruleset()
    out = {m: ColumnarScorer(rs, arithmetic=m) for m in ("int", "float", "auto")}
    assert out["int"].supported, out["int"].reason
    return out


def _table(res: Any) -> list[Any]:
    return [
        [(r, res.points_decimal(r), res.outcomes(r)) for r in res.rule_ids],
        res.totals_decimal(),
        res.grades(),
        res.fallback.tolist(),
    ]


def _assert_per_record(cs: ColumnarScorer, cols: dict[str, Any]) -> None:
    res = cs.score(cols)
    n = len(next(iter(cols.values())))
    for i in range(n):
        rec = {k: (None if math.isnan(v[i]) else float(v[i])) for k, v in cols.items()}
        want = cs.rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            assert res.points_decimal(sc.rule_id)[i] == sc.points, (i, sc, rec)
            assert res.outcomes(sc.rule_id)[i] == sc.outcome, (i, sc, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)


def _int_steps(cs: ColumnarScorer) -> dict[str, int]:
    """Wrap every leaf's integer step with a call counter (a fresh scorer's plan)."""
    calls: dict[str, int] = {}
    assert cs.plan is not None
    stack: list[Any] = list(cs.plan.tree)
    while stack:
        node = stack.pop()
        if hasattr(node, "kids"):
            stack.extend(node.kids)
            continue
        step = node.form.int_run
        assert step is not None, node.rule_id  # every scorer here has an integer step

        def counted(*args: Any, _step: Any = step, _rid: str = node.rule_id) -> Any:
            calls[_rid] = calls.get(_rid, 0) + 1
            return _step(*args)

        object.__setattr__(node.form, "int_run", counted)
    return calls


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(*([_short] * 5)), min_size=1, max_size=40))
def test_short_decimals_in_integers_equal_float_and_per_record(
    scorers: dict[str, ColumnarScorer], rows: list
) -> None:
    cols = {
        name: np.array([r[j] for r in rows], dtype=np.float64) for j, name in enumerate("abcpk")
    }
    cols["k"] = np.where(np.isnan(cols["k"]), np.nan, np.abs(np.round(cols["k"])))
    cols["a"], cols["b"] = np.abs(cols["a"]), np.abs(cols["b"])
    tables = {m: _table(cs.score(cols)) for m, cs in scorers.items()}
    assert tables["int"] == tables["float"] == tables["auto"]
    _assert_per_record(scorers["int"], cols)


def test_the_integer_steps_really_run_and_agree_in_bulk() -> None:
    rng = np.random.default_rng(5)
    n = 6000
    b = rng.choice([10.0, 20.0, 40.0, 100.0, 0.0, 1234.56], n)
    a = np.round(b * rng.choice([0, 0.5, 0.9, 0.95, 1, 1.2, 0.333], n), 2)
    c = rng.choice(np.array([*_TIES, 2.5, 0.35, -3.0, math.nan]), n)
    p = rng.choice(np.array([0, 30.0, 50.0, 29.99, 100.0, math.nan]), n)
    k = rng.choice(np.array([0, 10.0, 13.0, 16.0, 17.0, 99.0, math.nan]), n)
    cols = {"a": a, "b": b, "c": c, "p": p, "k": k}
    cs = ColumnarScorer(_ruleset(), arithmetic="int")
    calls = _int_steps(cs)
    got = _table(cs.score(cols))
    chunks = math.ceil((n - colrun.PROBE) / colrun.CHUNK) + 1
    assert set(calls) == {leaf for leaf in cs.rule_ids if not leaf.startswith("g")}
    assert all(v == chunks for v in calls.values()), calls  # every chunk, every leaf
    assert got == _table(ColumnarScorer(_ruleset(), arithmetic="float").score(cols))
    assert not any(got[3])  # nothing left to the per-record path
    _assert_per_record(cs, {k: v[:400] for k, v in cols.items()})


def test_auto_learns_integers_where_ties_are_many() -> None:
    """A leaf whose float run had to decide many rows exactly runs in integers from the next
    chunk on; a leaf without ties stays in float64; the results do not depend on it."""
    rs = perfscore.load_ruleset_text(RULES, source="ints.yaml")
    n = colrun.PROBE + 5000
    rng = np.random.default_rng(9)
    b = rng.integers(5, 50, n) * 20.0
    cols = {
        "a": b * 0.95,  # exactly 95% of the budget: r is on the threshold and the start
        "b": b,
        "c": np.round(rng.uniform(3.1, 9.9, n), 3),  # never on a threshold or edge
        "p": np.full(n, 12.5),
        "k": np.full(n, 5.0),
    }
    auto = ColumnarScorer(rs, arithmetic="auto")
    calls = _int_steps(auto)
    got = _table(auto.score(cols))
    assert calls.get("t1") == 1 and calls.get("d2") == 1  # r = 0.95: ties, then integers
    assert "t2" not in calls and "p3" not in calls  # c: no ties, float64 throughout
    assert got == _table(ColumnarScorer(rs, arithmetic="float").score(cols))
    assert got == _table(ColumnarScorer(rs, arithmetic="int").score(cols))


def test_values_past_int64_bounds_take_the_float_path_exactly() -> None:
    """Money in the 10¹³ range with 2 decimals: products overflow int64, so those steps
    raise NoInt and the float path (with its exact rationals) decides — same results."""
    rs = _ruleset()
    rows = 300
    rng = np.random.default_rng(3)
    b = np.round(rng.uniform(1e12, 4e13, rows), 2)
    cols = {
        "a": np.where(rng.random(rows) < 0.5, b, np.round(b * 0.95, 2)),
        "b": b,
        "c": np.round(rng.uniform(-1e12, 1e12, rows), 1),
        "p": np.full(rows, 30.0),
        "k": np.full(rows, 99999.0),
    }
    got = _table(ColumnarScorer(rs, arithmetic="int").score(cols))
    assert got == _table(ColumnarScorer(rs, arithmetic="float").score(cols))
    _assert_per_record(ColumnarScorer(rs, arithmetic="int"), {k: v[:60] for k, v in cols.items()})


def test_arithmetic_must_be_known() -> None:
    with pytest.raises(ValueError, match="arithmetic"):
        ColumnarScorer(_ruleset(), arithmetic="decimal")


# -- the integer toolkit against fractions.Fraction ----------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(min_value=-(10**9), max_value=10**9).map(lambda i: i / 100),
            st.integers(min_value=-(10**6), max_value=10**6).map(lambda i: i / 10**5),
            st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
            st.sampled_from([0.0, -0.0, 0.1, 0.3, 1e-7, 123456.789, 4503599627.37]),
        ),
        min_size=1,
        max_size=30,
    ),
    st.booleans(),
)
def test_cells_read_as_the_per_record_reader_reads_them(xs: list[float], percent: bool) -> None:
    x = np.array(xs)
    got = ic.scaled_column(x, float(x.min()), float(x.max()), percent)
    want = [Fraction(Decimal(repr(v))) / (100 if percent else 1) for v in xs]
    short = all(
        (Decimal(repr(v)).as_tuple().exponent >= -ic.MAX_DECIMALS) and abs(v) < 2**40 for v in xs
    )
    if got is None:
        assert not short or max(abs(v) for v in xs) * 10**ic.MAX_DECIMALS >= 2**51
        return
    assert [Fraction(int(n), got.d) for n in got.n.tolist()] == want
    assert got.nmax >= int(np.abs(got.n).max()) and got.dmax >= got.d
    assert got.nonneg == bool((x >= 0).all())


_ints = st.integers(min_value=-(10**7), max_value=10**7)


def _col(ns: list[int], d: Any) -> ic.IntCol:
    n = np.array(ns, np.int64)
    dm = d if isinstance(d, int) else int(d.max())
    return ic.IntCol(n, d, int(np.abs(n).max()), dm, bool((n >= 0).all()))


def _fracs(x: ic.IntCol, size: int) -> list[Fraction]:
    ns = np.broadcast_to(np.asarray(x.n, dtype=object), (size,)).tolist()
    ds = np.broadcast_to(np.asarray(x.d, dtype=object), (size,)).tolist()
    return [Fraction(int(a), int(b)) for a, b in zip(ns, ds, strict=True)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(_ints, _ints, st.integers(1, 10**4)), min_size=1, max_size=20),
    st.sampled_from([1, 100, 10**4]),
    st.sampled_from([Decimal("0.95"), Decimal("-2.5"), Decimal(0), Decimal("1e-3"), Decimal(7)]),
)
def test_integer_arithmetic_equals_fractions(rows: list, scale: int, k: Decimal) -> None:
    size = len(rows)
    a = _col([r[0] for r in rows], scale)
    b = _col([r[1] for r in rows], np.array([r[2] for r in rows], np.int64))
    fa, fb, fk = _fracs(a, size), _fracs(b, size), Fraction(k)
    c = ic.const(k)
    zeros: list[Any] = []
    assert _fracs(ic.add(a, b, 1), size) == [x + y for x, y in zip(fa, fb, strict=True)]
    assert _fracs(ic.add(a, c, -1), size) == [x - fk for x in fa]
    assert _fracs(ic.mul(a, b), size) == [x * y for x, y in zip(fa, fb, strict=True)]
    assert _fracs(ic.mul(c, a), size) == [fk * x for x in fa]
    q = ic.div(b, a, size, zeros.append)
    zero = [x == 0 for x in fa]
    assert [f for f, z in zip(_fracs(q, size), zero, strict=True) if not z] == [
        y / x for x, y in zip(fa, fb, strict=True) if x != 0
    ]
    assert (zeros[0].tolist() if zeros else [False] * size) == zero
    if k != 0:
        assert _fracs(ic.div(a, c, size, zeros.append), size) == [x / fk for x in fa]
    for op, fn in (
        (">=", lambda x, y: x >= y),
        (">", lambda x, y: x > y),
        ("<=", lambda x, y: x <= y),
        ("<", lambda x, y: x < y),
        ("==", lambda x, y: x == y),
        ("!=", lambda x, y: x != y),
    ):
        assert ic.compare(a, op, c, size).tolist() == [fn(x, fk) for x in fa], op
        assert ic.compare(a, op, b, size).tolist() == [
            fn(x, y) for x, y in zip(fa, fb, strict=True)
        ], op
    assert _fracs(ic.absolute(ic.neg(b)), size) == [abs(y) for y in fb]
    assert _fracs(ic.round_places(b, 2), size) == [_half_up(y, 2) for y in fb]


def _half_up(x: Fraction, places: int) -> Fraction:
    """Half away from zero, as Decimal's ROUND_HALF_UP."""
    m = abs(x) * 10**places
    r = math.floor(m + Fraction(1, 2))
    return Fraction(r if x >= 0 else -r, 10**places)


def test_bounds_past_int64_raise_noint() -> None:
    big = ic.IntCol(np.array([1, 2], np.int64), 1, 3 * 10**9, 1, True)
    huge = ic.IntCol(np.array([1, 2], np.int64), 1, 2 * 10**9, 1, True)
    with pytest.raises(ic.NoInt):
        ic.mul(big, huge)  # 6·10¹⁸ ≥ 2⁶²: refused before multiplying
    with pytest.raises(ic.NoInt):
        ic.const(Decimal("1e30"))
    assert ic.fraction(Decimal("1e30")) is None
    assert ic.scaled_column(np.array([0.1234567]), 0.1234567, 0.1234567) is None  # 7 decimals
    assert ic.scaled_column(np.array([1e16]), 1e16, 1e16) is None


@settings(max_examples=40, deadline=None)
@given(st.lists(_construct_rows(), min_size=1, max_size=30))
def test_conditions_tiers_checklists_and_checks_the_same_in_integers(
    rows: list[dict[str, Any]],
) -> None:
    """The constructs rule set (conditions, per-row targets, tiers, checklists, every check)
    with every leaf that has an integer step run in integers: the same table as float64."""
    rs = perfscore.load_ruleset_text(CONSTRUCTS, source="c.yaml")
    cols: dict[str, Any] = {}
    for k in rows[0]:
        cells = [r[k] for r in rows]
        if any(isinstance(c, (str, bool)) or c is None for c in cells):
            cols[k] = np.array(cells, dtype=object)
        else:
            cols[k] = np.array(cells, dtype=np.float64)
    as_int = ColumnarScorer(rs, arithmetic="int").score(cols)
    as_float = ColumnarScorer(rs, arithmetic="float").score(cols)
    assert _table(as_int) == _table(as_float)
    assert {c: v.tolist() for c, v in as_int.checks.items()} == {
        c: v.tolist() for c, v in as_float.checks.items()
    }
    assert not as_int.fallback.any()
