"""The columnar path gives exactly the per-record (Decimal) results: property-tested."""

from __future__ import annotations

import math
import sys
from decimal import Decimal
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import gen  # noqa: E402

RULES = """
perfscore: 1
id: col
title: columnar differential
version: "1"
settings: {places: 2, zero_division: not_applicable}
inputs:
  a: {type: money, min: 0}
  b: {type: money, min: 0}
  c: {type: number}
  p: {type: percent}
  k: {type: integer, min: 0, max: 1000}
metrics:
  r: {expr: a / b}
  s: {expr: (a - b) / (b + 1)}
indicators:
  - id: g1
    title: G1
    weight: 30
    children:
      - {id: t1, title: T1, weight: 10, value: r, scorer: {type: threshold, op: ">=", target: 0.95}}
      - {id: t2, title: T2, weight: 10, value: c, scorer: {type: threshold, op: "<", target: 0, points_otherwise: 3}}
      - {id: t3, title: T3, weight: 10, value: p, scorer: {type: threshold, op: "==", target: 0.5}}
  - id: g2
    title: G2
    weight: 40
    children:
      - {id: p1, title: P1, weight: 10, value: r, scorer: {type: proportional, target: 0.9, direction: higher}}
      - {id: p2, title: P2, weight: 7, value: p, scorer: {type: proportional, target: 0.3, direction: lower}}
      - {id: p3, title: P3, weight: 3, value: c, scorer: {type: proportional, target: 2, direction: equal}}
      - {id: d1, title: D1, weight: 10, value: s, scorer: {type: deduct, start: 0, direction: above, per: 0.01, points: 0.5, count: exact}}
      - {id: d2, title: D2, weight: 6, value: r, scorer: {type: deduct, start: 0.95, direction: below, per: 0.05, points: 1.5, count: started}}
      - {id: d3, title: D3, weight: 4, value: k, scorer: {type: deduct, start: 10, direction: above, per: 3, points: 1, count: completed, floor: 1}}
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
      - {id: f1, title: F1, weight: 7, scorer: {type: formula, expr: "min(7, max(a, c) / (b + 3) * 7)"}}
      - {id: f2, title: F2, weight: 5, scorer: {type: formula, expr: "abs(c) * 0.25 - p"}}
checks:
  - {id: c1, title: C1, type: equal, left: a + b, right: b + a + c, tolerance: 0.01}
grades:
  bands:
    - {id: A, min: 90}
    - {id: B, min: 60}
    - {id: C, min: 0}
"""


_TIES = [0, 0.5, 0.9, 0.95, 1, 1.2, 2, 3, 10, 100, 0.01, 0.3, 0.005, 0.045]
_num = st.one_of(
    st.sampled_from(_TIES),
    st.floats(min_value=-5, max_value=1e4, allow_nan=False).map(lambda x: round(x, 2)),
    # free floats, tiny ones too: every path decides exactly (0.125 − 1.67e-46 rounds down)
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.sampled_from([1.48e-226, 1.6676664081630772e-46, -3e-300, 5e-324, 0.125 - 1e-17]),
    st.integers(min_value=-5, max_value=2000).map(float),
    st.just(math.nan),
)


@pytest.fixture(scope="module")
def scorer() -> ColumnarScorer:
    cs = ColumnarScorer(perfscore.load_ruleset_text(RULES, source="col.yaml"))
    assert cs.supported, cs.reason
    return cs


def _assert_same(cs: ColumnarScorer, cols: dict[str, np.ndarray]) -> None:
    res = cs.score(cols)
    n = len(next(iter(cols.values())))
    for i in range(n):
        rec = {k: (None if math.isnan(v[i]) else float(v[i])) for k, v in cols.items()}
        want = cs.rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            assert res.points_decimal(sc.rule_id)[i] == sc.points, (i, sc, rec)
            assert res.outcomes(sc.rule_id)[i] == sc.outcome, (i, sc, rec)
        for f in want.findings:
            if f.kind == "check":
                assert res.outcomes(f.rule_id)[i] == f.outcome, (i, f.rule_id, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*([_num] * 5)), min_size=1, max_size=40))
def test_random_columns_equal_the_per_record_path(scorer: ColumnarScorer, rows: list) -> None:
    cols = {
        name: np.array([r[j] for r in rows], dtype=np.float64) for j, name in enumerate("abcpk")
    }
    _assert_same(scorer, cols)


def test_benchmark_rule_set_equal_and_mostly_fast() -> None:
    cs = ColumnarScorer(perfscore.load_ruleset_text(gen.ruleset_text(10), source="b.yaml"))
    assert cs.supported, cs.reason
    cols = gen.columns(10, 3000, seed=5)
    res = cs.score(cols)
    assert res.fallback.sum() < 30  # only rows within a hair of an edge or a half
    _assert_same(cs, {k: v[:400] for k, v in cols.items()})


def test_ties_are_decided_exactly_in_place(scorer: ColumnarScorer) -> None:
    # a/b lands exactly on 0.95 (not representable in binary): decided by exact integers,
    # without sending the row to the per-record path
    cols = {
        "a": np.array([95.0, 9.5, 0.0]),
        "b": np.array([100.0, 10.0, 1.0]),
        "c": np.array([2.0, 0.0, -1.0]),
        "p": np.array([50.0, 30.0, 0.0]),
        "k": np.array([13.0, 10.0, 0.0]),
    }
    res = scorer.score(cols)
    assert not res.fallback[:2].any()
    _assert_same(scorer, cols)


def test_unsupported_rule_set_is_scored_per_record() -> None:
    rs = perfscore.load_ruleset_text(  # coalesce() in a metric: not mirrored
        "perfscore: 1\nid: off\ntitle: off\nversion: '1'\n"
        "inputs: {budget: {type: money}, executed: {type: money}}\n"
        "metrics: {r: {expr: 'coalesce(executed, 0) / budget'}}\n"
        "indicators:\n  - {id: t1, title: T1, weight: 100, value: r,"
        " scorer: {type: threshold, op: '>=', target: 0.95}}\n",
        source="off.yaml",
    )
    cs = ColumnarScorer(rs)
    assert not cs.supported and cs.reason
    cols = {"budget": np.array([100.0, 200.0]), "executed": np.array([99.0, math.nan])}
    res = cs.score(cols)
    assert res.fallback.all()
    want = rs.evaluate([{"budget": 100.0, "executed": 99.0}, {"budget": 200.0, "executed": None}])
    assert res.totals_decimal() == [s.total for s in want.subjects]


TIER_RATIO = """
perfscore: 1
id: tier_ratio
title: 等次的比例是算式
version: "1"
inputs:
  tier: {type: text, choices: [achieved, partial]}
  score: {type: number}
indicators:
  - id: targets
    title: 绩效目标合理性
    weight: 10
    scorer:
      type: tier
      tier: tier
      ratio: score / 100
      tiers:
        - {id: achieved, range: "[0.8, 1]"}
        - {id: partial, range: "[0.6, 0.8)", default: 0.7}
"""


def test_a_tier_ratio_computed_runs_by_columns() -> None:
    # a reviewer's bureau rule set wrote ``ratio: score / 100``: since session 11 it runs as a
    # metric of its own (columnar/lifts.py), no row per record, the rows as per record
    rs = perfscore.load_ruleset_text(TIER_RATIO, source="tier_ratio.yaml")
    cs = ColumnarScorer(rs)
    assert cs.supported, cs.reason
    cols = {
        "tier": np.array(["achieved", "partial"], dtype=object),
        "score": np.array([85.0, math.nan]),
    }
    res = cs.score(cols)
    assert not res.fallback.any()
    want = rs.evaluate([{"tier": "achieved", "score": 85}, {"tier": "partial"}])
    # the blank score gives no ratio: the tier's default (docs/rule-language.md §7.7)
    want_totals = [s.total for s in want.subjects]
    assert res.totals_decimal() == want_totals == [Decimal("8.5"), Decimal("7.00")]


def test_dataframe_and_to_pandas(scorer: ColumnarScorer) -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {
            "a": [95.5, 10.0],
            "b": [100.0, 20.0],
            "c": [1.0, 2.0],
            "p": [20.0, 40.0],
            "k": [3.0, 50.0],
        }
    )
    out = scorer.score(df).to_pandas()
    assert list(out["total"]) == [
        scorer.rs.evaluate_subject(r, index=i).total for i, r in enumerate(df.to_dict("records"))
    ]
    assert isinstance(out["t1.points"][0], Decimal)


def test_dask_partitions_equal_single_process() -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    import dask

    from perfscore.columnar import FrameScorer, score_frame

    rs = perfscore.load_ruleset_text(gen.ruleset_text(5), source="b5.yaml")
    pdf = pd.DataFrame(gen.columns(5, 2000, seed=11))
    single = score_frame(rs, pdf)
    ddf = dd.from_pandas(pdf, npartitions=4)
    with dask.config.set(scheduler="processes", num_workers=2):
        out = ddf.map_partitions(FrameScorer(rs), meta=single.iloc[:0]).compute()
    assert out.sort_index().equals(single)


RULES_EDGES = """
perfscore: 1
id: col2
title: columnar differential, edges
version: "1"
settings: {places: 1, zero_division: not_applicable}
inputs:
  a: {type: money, min: 0}
  b: {type: money, min: 0}
  c: {type: number}
metrics:
  r: {expr: a / b}
indicators:
  - id: g1
    title: G1
    weight: 50
    children:
      - {id: t1, title: T1, weight: 5, value: r, scorer: {type: threshold, op: ">", target: 0.9}}
      - {id: t2, title: T2, weight: 5, value: c, scorer: {type: threshold, op: "<=", target: 0.3, points_met: 2}}
      - {id: t3, title: T3, weight: 5, value: c, scorer: {type: threshold, op: "!=", target: 1}}
      - {id: t4, title: T4, weight: 5, value: r, scorer: {type: threshold, op: ">=", target: 0.95, points_otherwise: 1, pass_at: 0.1}}
      - {id: p1, title: P1, weight: 10, value: r, scorer: {type: proportional, target: 0.9, direction: higher, pass_at: 0.6}}
      - {id: p2, title: P2, weight: 10, value: c, scorer: {type: proportional, target: -1, direction: higher}}
      - {id: d1, title: D1, weight: 10, value: r, scorer: {type: deduct, start: 1, direction: below, per: 0.1, points: 3, count: completed, pass_at: 0.5}}
  - id: g2
    title: G2
    weight: 50
    children:
      - id: b1
        title: B1
        weight: 10
        value: r
        scorer:
          type: bands
          bands:
            - {range: "[0.2, 0.5)", points: 2}
            - {range: "[0.5, 0.9]", points: 7}
            - {range: "(0.9, 1.1]", points: 10}
          otherwise: 1
      - id: b2
        title: B2
        weight: 10
        value: c
        scorer:
          type: bands
          bands:
            - {range: "< 0", points: 0}
            - {range: "[0, 0.25]", points: 4}
            - {range: "(0.25, 3)", points: 10}
      - id: b3
        title: B3
        weight: 10
        value: r
        scorer:
          type: bands
          pass_at: 0.5
          bands:
            - {range: ">= 0.95", points: 10}
            - {range: "< 0.95", points: 4}
      - {id: f1, title: F1, weight: 20, scorer: {type: formula, expr: "20 * r - c"}}
grades:
  bands:
    - {id: A, min: 85}
    - {id: B, min: 50}
    - {id: C, min: 0}
"""


@pytest.fixture(scope="module")
def edge_scorer() -> ColumnarScorer:
    cs = ColumnarScorer(perfscore.load_ruleset_text(RULES_EDGES, source="col2.yaml"))
    assert cs.supported, cs.reason
    return cs


_EDGES = [0, 0.2, 0.25, 0.3, 0.5, 0.6, 0.9, 0.95, 1, 1.1, 3, -1]
_enum = st.one_of(
    st.sampled_from(_EDGES),
    st.floats(min_value=-2, max_value=3, allow_nan=False).map(lambda x: round(x, 2)),
    st.floats(min_value=-2, max_value=3, allow_nan=False),
    st.sampled_from([1.48e-226, -1.48e-226, 1.6676664081630772e-46]),
    st.just(math.nan),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_enum, _enum, _enum), min_size=1, max_size=40))
# found by this test: a NaN row must not cancel a tie in the guard's popcount
@example(
    rows=[(0, math.nan, 0.3), (0, math.nan, math.nan), (math.nan, 0.0, math.nan), (0.95, 0.0, 0.2)]
)
def test_band_gaps_otherwise_pass_at_and_every_operator(
    edge_scorer: ColumnarScorer, rows: list
) -> None:
    # a = r·b with b from a small set, so ratios land on band edges and targets exactly
    cols = {
        "a": np.array([abs(r[0]) * (10.0 if i % 2 else 20.0) for i, r in enumerate(rows)]),
        "b": np.array([10.0 if i % 2 else 20.0 for i in range(len(rows))]),
        "c": np.array([r[2] for r in rows]),
    }
    cols["a"] = np.where(np.isnan(cols["a"]), np.nan, np.round(cols["a"], 2))
    _assert_same(edge_scorer, cols)


def test_many_rows_near_edges_agree_in_bulk(edge_scorer: ColumnarScorer) -> None:
    rng = np.random.default_rng(11)
    n = 3000
    b = rng.choice([10.0, 20.0, 40.0, 100.0], n)
    a = np.round(b * rng.choice(np.array(_EDGES[:-1]), n) + rng.choice([0, 0, 0.01, -0.01], n), 2)
    a = np.abs(a)
    c = rng.choice(np.array([*_EDGES, 0.35, 2.5, -0.5]), n)
    cols = {"a": a, "b": b, "c": c}
    res = edge_scorer.score(cols)
    assert 0 < int(res.fallback.sum()) < n  # ties are decided exactly, the rest in bulk
    _assert_same(edge_scorer, {k: v[:500] for k, v in cols.items()})


def test_pyarrow_and_polars_inputs_with_nulls_equal_the_per_record_path(
    scorer: ColumnarScorer,
) -> None:
    pa = pytest.importorskip("pyarrow")
    values = {
        "a": [95.0, None, 10.0, 3.5],
        "b": [100.0, 20.0, None, 7.0],
        "c": [2.0, 0.0, -1.0, None],
        "p": [50.0, 30.0, 0.0, 12.5],
        "k": [13, 10, None, 4],
    }
    as_numpy = {
        k: np.array([math.nan if x is None else float(x) for x in v]) for k, v in values.items()
    }
    want = scorer.score(as_numpy)
    _assert_same(scorer, as_numpy)
    table = pa.table({k: pa.array(v) for k, v in values.items()})  # k is int64 with a null
    frames = [table, table.to_batches()[0]]
    try:
        import polars as pl

        frames.append(pl.DataFrame(values))
    except ImportError:
        pass
    for frame in frames:
        got = scorer.score(frame)
        assert got.totals_decimal() == want.totals_decimal(), type(frame)
        for rid in want.rule_ids:
            assert got.points_decimal(rid) == want.points_decimal(rid), (type(frame), rid)
            assert got.outcomes(rid) == want.outcomes(rid), (type(frame), rid)


def test_a_missing_column_is_missing_in_every_row(scorer: ColumnarScorer) -> None:
    cols = {
        "a": np.array([95.0, 1.0]),
        "b": np.array([100.0, 2.0]),
        "c": np.array([1.0, 2.0]),
        "p": np.array([10.0, 20.0]),
    }  # no "k"
    res = scorer.score(cols)
    assert not res.fallback.any()  # missing values are scored in place (not applicable)
    with_nan = {**cols, "k": np.array([math.nan, math.nan])}
    _assert_same(scorer, with_nan)
    same = scorer.score(with_nan)
    assert res.totals_decimal() == same.totals_decimal()
    assert all(res.outcomes(r) == same.outcomes(r) for r in res.rule_ids)
    assert res.outcomes("d3") == ["not_applicable", "not_applicable"]


# --- cases found by an independent review (each differed from the per-record path) -----------

_EXTREME = """
perfscore: 1
id: extreme
title: extreme floats
version: "1"
settings: {places: 2, zero_division: not_applicable}
inputs:
  x: {type: number}
  y: {type: number}
  z: {type: number}
  executed: {type: money}
  budget: {type: money}
metrics:
  m: {expr: x / y * z}
  q: {expr: x / y / (x / y)}
  u: {expr: x * y / z / z}
  big: {expr: x * 1e18 * 1e18 * 1e18 * 1e18 * 1e18}
  over: {expr: executed - budget}
indicators:
  - {id: t1, title: T1, weight: 10, value: m, scorer: {type: threshold, op: ">=", target: 0}}
  - {id: t2, title: T2, weight: 10, value: q, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: t3, title: T3, weight: 10, value: u, scorer: {type: threshold, op: ">=", target: 0.5}}
  - {id: t4, title: T4, weight: 10, value: big, scorer: {type: threshold, op: ">=", target: 0.0000000001}}
  - {id: p1, title: P1, weight: 10, value: over, scorer: {type: proportional, target: 0.00999, direction: lower}}
"""


@pytest.mark.parametrize(
    "row",
    [
        {"x": 1e14, "y": 1e-300, "z": 0.0},  # inf/inf and inf·0 give NaN: must not be decided
        {"x": 1e-200, "y": 1e-200, "z": 1e-200},  # x·y underflows to 0 while the exact u is 1
        {"x": 1e-311, "y": 1.0, "z": 1.0},  # a subnormal input: its repr is not within u of it
        {"x": 1.0, "y": 1.0, "z": 1.0, "executed": 1234567.02, "budget": 1234567.0},  # cancellation
        {"x": 1.0, "y": 2.0, "z": 3.0, "executed": 100.01, "budget": 100.0},
    ],
)
def test_extreme_floats_and_cancellation_stay_exact(row: dict) -> None:
    cs = ColumnarScorer(perfscore.load_ruleset_text(_EXTREME, source="extreme.yaml"))
    assert cs.supported, cs.reason
    names = ("x", "y", "z", "executed", "budget")
    cols = {n: np.array([row.get(n, 1.0), 2.0, 0.5]) for n in names}
    _assert_same(cs, cols)


def test_frame_shapes_found_in_review(scorer: ColumnarScorer) -> None:
    pd = pytest.importorskip("pandas")
    base = {
        "a": [95.0, 1.0],
        "b": [100.0, 2.0],
        "c": [1.0, 2.0],
        "p": [10.0, 20.0],
        "k": [1.0, 2.0],
    }
    odd = pd.DataFrame({**base, "column_names": ["x", "y"]})  # not a pyarrow attribute here
    assert scorer.score(odd).totals_decimal() == scorer.score(pd.DataFrame(base)).totals_decimal()
    assert len(scorer.score({"unrelated": [1, 2, 3], "other": [4, 5, 6], "more": [7, 8, 9]})) == 3


def test_columnar_is_exact_where_a_tiny_value_meets_a_half(scorer: ColumnarScorer) -> None:
    # f2 = |c|·0.25 − p = 0.135 − 0.010000000000000002 = 0.12499…, so half-up to 2 places is
    # 0.12 (p is a percent: 1.0000000000000002 %, the float just above 1 — a bare value at
    # most 1 would be ambiguous)
    cols = {
        k: np.array([v])
        for k, v in {
            "a": math.nan,
            "b": math.nan,
            "c": 0.54,
            "p": 1.0000000000000002,
            "k": 0.0,
        }.items()
    }
    res = scorer.score(cols)
    assert res.points_decimal("f2")[0] == Decimal("0.12")
    assert int(res.fallback.sum()) == 0


def test_per_record_is_exact_where_a_tiny_value_meets_a_half(scorer: ColumnarScorer) -> None:
    rec = {"a": None, "b": None, "c": 0.54, "p": 1.0000000000000002, "k": 0}
    points = {s.rule_id: s.points for s in scorer.rs.evaluate_subject(rec).scores}
    assert points["f2"] == Decimal("0.12")
