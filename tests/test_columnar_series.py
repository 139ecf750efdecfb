"""Series inputs (figures per year) on the columnar path (#18): ``ratio_series``,
``composition_variance``, ``last``, ``mean``, ``sum``, ``count`` and ``series_bands`` (letters
and points), each equal to the per-record path row by row with no row sent there — on empty
series, blanks inside, series of different lengths, years written as text, figures past
float64's digits (Python integers), 万元 and "95%" text, refused figures, zero budgets and
values exactly on a band's edge."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from columnar_grid import object_columns  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402

LETTERS = """\
perfscore: 1
id: series_letters
title: 年度序列（等级）
version: "1"
letters: {letters: [A, B, C, D], plus: true}
settings: {zero_division: not_applicable, missing: error, places: 2}
inputs:
  budget: {type: series, of: money, unit: 万元}
  actual: {type: series, of: money, unit: 万元}
  b1: {type: series, of: money}
  a1: {type: series, of: money}
  b2: {type: series, of: money}
  a2: {type: series, of: money}
metrics:
  outturn: {expr: "ratio_series(actual, budget)"}
  variance: {expr: "composition_variance(b1, a1, b2, a2)"}
  recent: {expr: "mean(last(ratio_series(actual, budget), 3))"}
indicators:
  - id: pi1
    title: 总额
    value: outturn
    scorer:
      type: series_bands
      last: 3
      at_least: 2
      bands:
        - {range: "[95%, 105%]", grade: A}
        - {range: "[90%, 110%]", grade: B}
      otherwise: D
  - id: pi2
    title: 结构
    aggregate: weakest_link
    children:
      - id: pi2_1
        title: 差异
        value: variance
        scorer:
          type: series_bands
          last: 2
          at_least: 1
          bands:
            - {range: "< 5%", grade: A}
            - {range: "[5%, 10%)", grade: B}
      - id: pi2_2
        title: 近三年
        value: recent
        scorer:
          type: bands
          bands:
            - {range: "< 0.95", grade: C}
            - {range: "[0.95, 1.05]", grade: A}
            - {range: "> 1.05", grade: B}
"""

POINTS = """\
perfscore: 1
id: series_points
title: 年度序列（得分）
version: "1"
settings: {zero_division: zero, missing: not_applicable, places: 2}
inputs:
  budget: {type: series, of: money, unit: 万元, min: 0}
  actual: {type: series, of: money, unit: 万元}
  share: {type: series, of: percent}
  staff: {type: series, of: integer, min: 0}
metrics:
  outturn: {expr: "ratio_series(actual, budget)"}
  spent: {expr: sum(actual)}
  years: {expr: count(staff)}
  avg: {expr: mean(share)}
indicators:
  - id: ok
    title: 执行
    weight: 40
    value: outturn
    scorer:
      type: series_bands
      last: 2
      at_least: 2
      bands:
        - {range: "[0.95, 1.05]", points: 40}
        - {range: "[0.9, 1.1]", points: 25.5}
      otherwise: 0
  - {id: tot, title: 合计, weight: 20, value: spent, scorer: {type: threshold, op: ">=", target: 1000}}
  - {id: cnt, title: 年数, weight: 10, value: years, scorer: {type: threshold, op: ">=", target: 3}}
  - {id: av, title: 平均, weight: 30, value: avg, scorer: {type: proportional, target: 0.95}}
grades:
  bands:
    - {id: A, min: 60}
    - {id: B, min: 0}
"""

_FIGURE = st.sampled_from(
    [
        100.0, 100.0, 95.0, 105.0, 90.0, 110.0, 13.51, 14.0, 0.0, 0, 1000, 250.5, 97.5,
        None,  # a blank year inside
        Decimal("123456789012345.67"),  # more digits than a float holds
        Decimal("100.000000000000000000001"),
        "1,234.50万元", "95", "95%", "大约", float("nan"), 10**16, -5.0, 2.5,
    ]
)  # fmt: skip
_YEARS = st.sampled_from([2019, 2020, 2021, 2022, 2023, 2024])


@st.composite
def _cell(draw: st.DrawFn) -> Any:
    """A series as written: none, empty, or years (numbers or text) to figures."""
    kind = draw(st.sampled_from(["series", "series", "series", "blank", "empty"]))
    if kind == "blank":
        return None
    if kind == "empty":
        return {}
    years = draw(st.lists(_YEARS, min_size=1, max_size=5, unique=True))
    cell: dict[Any, Any] = {}
    for y in years:
        key = draw(st.sampled_from([y, y, str(y)]))
        cell[key] = draw(_FIGURE)
    return cell


@st.composite
def _row(draw: st.DrawFn, names: tuple[str, ...]) -> dict[str, Any]:
    """One subject; budget and actual often share figures year by year (on a band edge)."""
    row = {name: draw(_cell()) for name in names}
    budget = row.get("budget")
    if isinstance(budget, dict) and draw(st.booleans()):
        share = draw(st.sampled_from([1, Decimal("0.95"), Decimal("1.05"), Decimal("0.9")]))
        row["actual"] = {
            k: (None if v is None else v * share)
            if isinstance(v, (int, Decimal))
            else (round(v * float(share), 2) if isinstance(v, float) else v)
            for k, v in budget.items()
        }
    return row


def _same(cs: ColumnarScorer, rows: list[dict[str, Any]]) -> Any:
    res = cs.score(object_columns(rows))
    for i, rec in enumerate(rows):
        want = cs.rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            got = (
                res.points_decimal(sc.rule_id)[i],
                res.outcomes(sc.rule_id)[i],
                res.letter_grades(sc.rule_id)[i],
            )
            assert got == (sc.points, sc.outcome, sc.grade), (i, sc, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)
    assert not res.fallback.any()
    return res


_LETTER_NAMES = ("budget", "actual", "b1", "a1", "b2", "a2")
_POINT_NAMES = ("budget", "actual", "share", "staff")


@settings(max_examples=80, deadline=None)
@given(st.lists(_row(_LETTER_NAMES), min_size=1, max_size=30))
@example(
    [  # every year on the 95 % edge; a composition variance of exactly 5 %
        {
            "budget": {2021: 100.0, 2022: 100.0, 2023: 100.0},
            "actual": {2021: 95.0, "2022": 95.0, 2023: 105.0},
            "b1": {2022: 50.0, 2023: 50.0},
            "a1": {2022: 52.5, 2023: 55.0},
            "b2": {2022: 50.0, 2023: 50.0},
            "a2": {2022: 47.5, 2023: 45.0},
        }
    ]
)
def test_series_letters_equal_per_record(rows: list[dict[str, Any]]) -> None:
    cs = ColumnarScorer(perfscore.load_ruleset_text(LETTERS, source="l.yaml"))
    assert cs.supported, cs.reason
    _same(cs, rows)


@pytest.mark.parametrize("arithmetic", ["auto", "int", "float"])
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_row(_POINT_NAMES), min_size=1, max_size=30))
def test_series_points_equal_per_record(arithmetic: str, rows: list[dict[str, Any]]) -> None:
    rs = perfscore.load_ruleset_text(POINTS, source="p.yaml")
    cs = ColumnarScorer(rs, arithmetic=arithmetic)
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_edges_zero_budgets_and_big_figures() -> None:
    """Exactly 95 % and exactly 5 % land in the band above; a zero budget in any year is the
    metric's zero denominator (not applicable here); a figure past float64's digits is
    decided in Python integers; fewer years than ``last`` is an error."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(LETTERS, source="l.yaml"))
    big = Decimal("123456789012345.67")
    base = {  # variance 2022: (2.5 + 2.5) / 100 = 5 % exactly (band B); 2023: 10 % (none)
        "b1": {2022: 50.0, 2023: 50.0},
        "a1": {2022: 52.5, 2023: 55.0},
        "b2": {2022: 50.0, 2023: 50.0},
        "a2": {2022: 47.5, 2023: 45.0},
    }
    rows = [
        {"budget": {2021: 100, 2022: 100, 2023: 100}, "actual": {2021: 95, 2022: 95, 2023: 80}},
        {"budget": {2021: 100, 2022: 0, 2023: 100}, "actual": {2021: 95, 2022: 95, 2023: 80}},
        {"budget": {2021: big, 2022: big, 2023: big}, "actual": {2021: big, 2022: big, 2023: 1}},
        {"budget": {2022: 100, 2023: 100}, "actual": {2022: 100, 2023: 100}},
    ]
    res = _same(cs, [{**base, **r} for r in rows])
    assert res.letter_grades("pi1") == ["A", None, "A", None]
    assert res.outcomes("pi1")[1:] == ["not_applicable", "pass", "error"]
    assert res.letter_grades("pi2_1") == ["B"] * 4


def test_years_too_far_apart_for_one_axis_go_to_the_per_record_path() -> None:
    """A row whose years span more than one chunk's year axis holds (a typo: 1023 for 2023)
    is the per-record path's; the other rows stay columnar."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(POINTS, source="p.yaml"))
    good = {"budget": {2022: 100, 2023: 100}, "actual": {2022: 95, 2023: 100}}
    far = {"budget": {1023: 100, 2023: 100}, "actual": {1023: 95, 2023: 100}}
    rows = [{**r, "share": {2023: 95}, "staff": {2023: 3}} for r in (good, far, good)]
    cols = {k: np.empty(3, object) for k in rows[0]}
    for k in cols:
        cols[k][:] = [r[k] for r in rows]
    res = cs.score(cols)
    assert res.fallback.tolist() == [False, True, False]
    for i, rec in enumerate(rows):
        want = cs.rs.evaluate_subject(rec, index=i)
        assert res.totals_decimal()[i] == want.total
