"""Conditions over series on the columnar path (#18, columnar/seriescond.py): comparisons of
``year()``s under ``and`` (连续增长 as a bureau writes it), ``or``/``not``, chains, ``if …
else`` in a formula, a metric and a ``when``, ``==`` of two years without a value, a text
input tested beside series, ``year(s, y)`` metrics read by a formula and a ``when`` — each
equal to the per-record path row by row with no row sent there, over multi-year data written
the way departments write it (blank years, zeros, 万元 text, negative growth, values exactly
on a bound, empty and blank series): Python's order decides which part's failure counts."""

from __future__ import annotations

from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from columnar_grid import SETTINGS  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from test_columnar_series import _same  # noqa: E402
from test_columnar_seriesexpr import _EDGES, _head, _row  # noqa: E402

CONDS = (
    _head("series_conditions", "年度序列的条件")
    + """\
  kind: {type: text, choices: [中学, 小学, 机关]}
metrics:
  y23: {expr: "year(actual, 2023)"}
  y22: {expr: "year(actual, 2022)"}
  pick: {expr: "mean(actual) / x if x > 0 else sum(budget)"}
indicators:
  - id: growth
    title: 近三年连续增长
    weight: 2
    scorer: {type: formula, expr: "2 if year(actual, 2023) > year(actual, 2022) and year(actual, 2022) > year(actual, 2021) else 0"}
  - id: either
    title: 或
    weight: 10
    scorer: {type: formula, expr: "3 if not mean(last(actual, 2)) > x or 1 < year(staff, 2023) < year(staff, 2022) else 1"}
  - id: chain
    title: 连比（后一环只在前一环成立时算）
    weight: 10
    scorer: {type: formula, expr: "2 if 0 < x < mean(actual) / t else 1"}
  - id: same
    title: 两年相同（都无值也算）
    weight: 10
    scorer: {type: formula, expr: "1 if year(actual, 2023) == year(budget, 2023) else 0.5"}
  - id: nested
    title: 嵌套
    weight: 10
    scorer: {type: formula, expr: "(sum(actual) / t if t != 0 else 4) if count(budget) >= 2 else clamp(year(budget, 2024) / 10, 0, 10)"}
  - id: nulls
    title: 读 year 指标
    weight: 10
    when: "kind != '机关'"
    scorer: {type: formula, expr: "5 if y23 > y22 or kind == '中学' and year(staff, 2024) else 1"}
  - {id: chosen, title: 条件取值指标, weight: 10, value: pick, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: w_and, title: 且, weight: 10, when: "x > 0 and count(budget) >= 3", value: x, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: w_truth, title: 当年有值, weight: 10, when: "year(actual, 2023)", value: t, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: w_year, title: 读 year 指标的条件, weight: 10, when: "y23 > 0 or t == 1", value: x, scorer: {type: threshold, op: ">=", target: 100}}
  - {id: w_if, title: 条件里的 if, weight: 10, when: "(mean(actual) > 90) if kind == '中学' else not count(staff) < 2", value: t, scorer: {type: threshold, op: ">=", target: 1}}
grades:
  bands:
    - {id: A, min: 60}
    - {id: B, min: 0}
"""
)

_KIND = st.sampled_from(["中学", "小学", "机关", None])


@st.composite
def _rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = draw(st.lists(_row(), min_size=1, max_size=30))
    return [{**r, "kind": draw(_KIND)} for r in rows]


_GROWING = [  # 连续增长 exactly, flat (not growth), a year missing in the middle, empty
    {**_EDGES[0], "actual": {2021: 90.0, 2022: 95.0, 2023: 100.0}, "kind": "中学"},
    {**_EDGES[0], "actual": {2021: 100.0, 2022: 100.0, 2023: 100.0}, "kind": "小学"},
    {**_EDGES[0], "actual": {2021: 90.0, 2023: 100.0}, "kind": "机关"},
    {**_EDGES[1], "actual": {}, "kind": None},
    {**_EDGES[2], "kind": "中学"},
]


@pytest.mark.parametrize(("zd", "missing", "arithmetic"), SETTINGS)
@settings(max_examples=60, deadline=None)
@given(rows=_rows())
@example(rows=_GROWING)
def test_conditions_over_series_equal_per_record(
    zd: str, missing: str, arithmetic: str, rows: list[dict[str, Any]]
) -> None:
    text = CONDS.replace("{zd}", zd).replace("{missing}", missing)
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="c.yaml"), arithmetic=arithmetic)
    assert cs.supported, cs.reason
    _same(cs, rows)  # (asserts that no row was sent to the per-record path)


def test_growth_as_a_bureau_writes_it() -> None:
    """连续增长: 2 points for three rising years; a missing middle year ordered (``None >
    x``) is missing data, the missing policy (an error until session 16), a flat year no
    growth; what short-circuits does not fail."""
    text = CONDS.replace("{zd}", "zero").replace("{missing}", "not_applicable")
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="g.yaml"))
    res = _same(cs, _GROWING)
    assert res.outcomes("growth")[:3] == ["pass", "fail", "not_applicable"]
    assert [str(p) for p in res.points_decimal("growth")[:2]] == ["2.00", "0.00"]
    # row 3's ``{}`` holds no figure: no series, the missing policy (not applicable)
    assert res.outcomes("same")[3] == "not_applicable"
    assert [str(p) for p in res.points_decimal("same")[4:]] == ["0.50"]


def test_a_series_chosen_by_if_else_stays_per_record_and_says_why() -> None:
    text = CONDS.replace("{zd}", "zero").replace("{missing}", "error")
    text = text.replace(
        '"mean(actual) / x if x > 0 else sum(budget)"', '"actual if x > 0 else budget"'
    ).replace(  # a series is scored by series_bands (a threshold on one is refused at load)
        'value: pick, scorer: {type: threshold, op: ">=", target: 1}}',
        "value: pick, scorer: {type: series_bands, last: 2, at_least: 1, "
        'bands: [{range: "[1, 1000]", points: 10}], otherwise: 0}}',
    )
    reason = ColumnarScorer(perfscore.load_ruleset_text(text, source="s.yaml")).reason
    assert reason is not None and "if-else" in reason, reason
    assert "条件取值" in getattr(reason, "zh", ""), reason
