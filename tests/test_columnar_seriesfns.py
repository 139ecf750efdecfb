"""The other functions of a series on the columnar path (#18): ``year(s, y)``,
``count_within``, ``count_below``, ``count_above``, ``min(s)`` and ``max(s)`` — of series
inputs and of computed series (``ratio_series``, ``last``) — each equal to the per-record path
row by row with no row sent there: blanks inside, empty and blank series, years as text,
values exactly on the bounds (ties), negative bounds, figures past float64's digits."""

from __future__ import annotations

from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from columnar_grid import SETTINGS  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from test_columnar_series import _row, _same  # noqa: E402

FUNCTIONS = """\
perfscore: 1
id: series_functions
title: 年度序列函数
version: "1"
settings: {zero_division: {zd}, missing: {missing}, places: 2}
inputs:
  budget: {type: series, of: money, unit: 万元}
  actual: {type: series, of: money, unit: 万元}
  share: {type: series, of: percent}
  staff: {type: series, of: integer}
metrics:
  r: {expr: "ratio_series(actual, budget)"}
  y23: {expr: "year(actual, 2023)"}
  yr: {expr: "year(r, 2022)"}
  ylast: {expr: "year(last(budget, 2), 2024)"}
  within: {expr: "count_within(last(r, 3), 0.95, 1.05)"}
  below: {expr: "count_below(actual, 100)"}
  above: {expr: "count_above(budget, -5)"}
  shares: {expr: "count_within(share, 0.9, 0.95)"}
  hi: {expr: max(r)}
  lo: {expr: min(actual)}
  most: {expr: max(staff)}
indicators:
  - {id: y1, title: 当年, weight: 10, value: y23, scorer: {type: threshold, op: ">=", target: 100}}
  - id: y2
    title: 上年比
    weight: 10
    value: yr
    scorer:
      type: bands
      bands:
        - {range: "[0.95, 1.05]", points: 10}
        - {range: "[0.9, 0.95)", points: 5}
        - {range: "(1.05, 1.1]", points: 5}
      otherwise: 0
  - {id: y3, title: 末年, weight: 5, value: ylast, scorer: {type: threshold, op: ">", target: 0}}
  - {id: c1, title: 区间, weight: 15, value: within, scorer: {type: threshold, op: ">=", target: 2}}
  - {id: c2, title: 低于, weight: 10, value: below, scorer: {type: threshold, op: "<=", target: 1}}
  - {id: c3, title: 高于, weight: 10, value: above, scorer: {type: threshold, op: ">=", target: 3}}
  - {id: c4, title: 份额, weight: 5, value: shares, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: m1, title: 最高, weight: 15, value: hi, scorer: {type: proportional, target: 1.05}}
  - {id: m2, title: 最低, weight: 10, value: lo, scorer: {type: threshold, op: ">=", target: 95}}
  - {id: m3, title: 人数, weight: 10, value: most, scorer: {type: threshold, op: ">=", target: 10}}
grades:
  bands:
    - {id: A, min: 60}
    - {id: B, min: 0}
"""

_NAMES = ("budget", "actual", "share", "staff")


def _rules(zd: str = "zero", missing: str = "not_applicable") -> str:
    return FUNCTIONS.replace("{zd}", zd).replace("{missing}", missing)


@pytest.mark.parametrize(("zd", "missing", "arithmetic"), SETTINGS[:3])
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_row(_NAMES), min_size=1, max_size=30))
@example(
    rows=[
        {  # every bound met exactly: 0.95 and 1.05 in, 100 not below, 95 % inside
            "budget": {2022: 100.0, 2023: 100.0, 2024: 100.0},
            "actual": {2022: 95.0, "2023": 105.0, 2024: 100.0},
            "share": {2022: "95%", 2023: 0.9},
            "staff": {2023: 10, 2024: 10},
        },
        {"budget": {}, "actual": None, "share": {2023: None}, "staff": {}},
        {"budget": {2021: 0.0, 2022: 100.0}, "actual": {2021: 5.0}, "share": {}, "staff": None},
    ]
)
def test_series_functions_equal_per_record(
    zd: str, missing: str, arithmetic: str, rows: list[dict[str, Any]]
) -> None:
    cs = ColumnarScorer(
        perfscore.load_ruleset_text(_rules(zd, missing), source="f.yaml"), arithmetic=arithmetic
    )
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_ties_blanks_and_empty_series() -> None:
    """The ends of count_within are inside, count_below/above strict; a year listed without a
    value and a year not listed give no value, and an empty series (``{}``) is no series: the
    missing policy, 不适用 (session 16; an error before); a series past float64's digits is
    compared exactly."""
    from decimal import Decimal

    cs = ColumnarScorer(perfscore.load_ruleset_text(_rules(), source="f.yaml"))
    big = Decimal("123456789012345.67")
    rows = [
        {
            "budget": {2022: 100, 2023: 100},
            "actual": {2022: 95, 2023: 105},
            "share": {2023: 95},
            "staff": {2023: 3},
        },
        {"budget": {2022: 100}, "actual": {2022: 100, 2023: None}, "share": {}, "staff": {}},
        {"budget": {2023: big}, "actual": {2022: big, 2023: big}, "share": {}, "staff": {2023: 12}},
    ]
    res = _same(cs, rows)
    assert res.outcomes("c1")[:1] == ["pass"]  # 0.95 and 1.05 both inside
    assert res.outcomes("y1") == ["pass", "not_applicable", "pass"]
    assert res.outcomes("m3") == ["fail", "not_applicable", "pass"]


@pytest.mark.parametrize(
    ("metric", "reason"),
    [
        ('"year(actual, 2023.5)"', "whole number"),
        ('"year(actual, staff)"', "whole number"),
        ('"mean(actual) if True else actual"', "if-else"),  # a series chosen
    ],
)
def test_what_stays_per_record_says_why(metric: str, reason: str) -> None:
    text = _rules().replace('"year(actual, 2023)"', metric, 1)
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="f.yaml"))
    assert not cs.supported
    assert reason in (cs.reason or ""), cs.reason


@pytest.mark.parametrize(
    "metric",
    [
        '"year(actual, 2023) * 2"',  # a series function inside arithmetic
        '"count_within(actual, 0, 10 * 2)"',  # a bound computed
        '"count_below(actual, budget)"',  # a series as a bound: the per-record error
        '"max(actual, budget)"',  # several series: the per-record error
    ],
)
def test_what_was_per_record_is_columnar_now(metric: str) -> None:
    text = _rules().replace('"year(actual, 2023)"', metric, 1)
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="f.yaml"))
    assert cs.supported, cs.reason
    rows = [
        {"budget": {2023: 100}, "actual": {2023: 95}, "share": {}, "staff": {2023: 3}},
        {"budget": {2023: 100}, "actual": {2022: 5}, "share": None, "staff": {}},
    ]
    _same(cs, rows)


YEAR_READ_BESIDE = """\
perfscore: 1
id: year_beside
title: 年份旁读
version: "1"
settings: {missing: not_applicable}
inputs:
  s: {type: series, of: money}
  x: {type: money}
metrics:
  v: {expr: "year(s, 2023)"}
  w: {expr: "v + x"}
indicators:
  - {id: a, title: A, weight: 50, value: w, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: b, title: B, weight: 50, value: v, scorer: {type: threshold, op: ">=", target: 1}}
"""


def test_a_year_read_by_another_metric_is_columnar() -> None:
    """``v + x`` with no value for 2023 and x blank: the per-record path says x is missing
    (not applicable), not v's lack of a value — the columns keep v's rows without a value
    apart from its failures (Chunk.nulls); v without a value computed with, or read by a leaf
    alone, is missing data too (the missing policy: not applicable; an error until session 16)."""
    rs = perfscore.load_ruleset_text(YEAR_READ_BESIDE, source="y.yaml")
    cs = ColumnarScorer(rs)
    assert cs.supported, cs.reason
    rows = [{"s": {2022: 1}, "x": None}, {"s": {2022: 1}, "x": 1}, {"s": {2023: 2}, "x": 1}]
    res = _same(cs, rows)
    assert res.outcomes("a") == ["not_applicable", "not_applicable", "pass"]
    assert res.outcomes("b") == ["not_applicable", "not_applicable", "pass"]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 40).flatmap(
        lambda n: st.integers(0, 9).flatmap(
            lambda w: st.lists(st.booleans(), min_size=n * w, max_size=n * w).map(
                lambda cells: np.array(cells, bool).reshape(n, w)
            )
        )
    )
)
def test_year_axis_reductions_equal_numpys(m: Any) -> None:
    """any_year / count_years / latest_year (by year columns) = numpy's reductions along the
    year axis, for no years, one year, rows with none."""
    from perfscore.columnar.seriesfns import any_year, count_years, latest_year

    n, w = m.shape
    assert any_year(m).tolist() == m.any(axis=1).tolist()
    assert count_years(m).tolist() == m.sum(axis=1).tolist()
    want = [max((j for j in range(w) if m[i, j]), default=-1) for i in range(n)]
    assert latest_year(m).tolist() == want


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=12),
    st.fractions(max_denominator=10**4).filter(lambda f: abs(f) < 10**9),
    st.sampled_from([1, 100, 10**4, 3]),
    st.sampled_from(["count_within", "count_below", "count_above"]),
)
def test_counts_against_a_bound_at_one_scale_are_exact(
    nums: list[int], bound: Any, den: int, fname: str
) -> None:
    """A series at one scale compared with a bound written out, or one per row, by each
    row's integer edge (ceil / floor of bound × scale): the Fraction comparison, ties
    included (the bound is also tried exactly on a value and half a unit either side)."""
    from fractions import Fraction

    from perfscore.columnar.rational import Q
    from perfscore.columnar.series import SeriesCol
    from perfscore.columnar.seriesfns import count_where

    n = len(nums)
    num = np.array(nums, np.int64).reshape(n, 1)
    s = SeriesCol(np.ones((n, 1), bool), np.ones((n, 1), bool), num, den)
    values = [Fraction(x, den) for x in nums]
    half = Fraction(1, 2 * den)  # (bound × scale half an integer from a value: ceil ≠ floor)
    for b in (Fraction(bound), values[0], values[0] + half, values[0] - half):
        bounds = [b, b + 1] if fname == "count_within" else [b]
        per_row = [Q(np.full(n, x.numerator), np.full(n, x.denominator), n) for x in bounds]
        if fname == "count_within":
            want = [int(bounds[0] <= v <= bounds[1]) for v in values]
        elif fname == "count_below":
            want = [int(v < b) for v in values]
        else:
            want = [int(v > b) for v in values]
        for given_bounds in (bounds, per_row):
            got = count_where(s, fname, given_bounds)  # type: ignore[arg-type]
            assert np.asarray(got.n).tolist() == want, (b, given_bounds)
