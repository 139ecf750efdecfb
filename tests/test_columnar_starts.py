"""A ``deduct`` whose start is read per row (``start: line`` with ``line: 0.9 if f else
0.95``, an outside reviewer's shape) on the columnar path (#18): the value on the start, on a
step and on a half decided exactly, every ``count`` and direction — equal to the per-record
path row by row, no row sent there, in every arithmetic."""

from __future__ import annotations

import math
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from test_columnar_when import _columns  # noqa: E402

STARTS = """\
perfscore: 1
id: deduct_starts
title: 起扣点按行
version: "1"
settings: {zero_division: zero, missing: not_applicable, places: 2}
inputs:
  a: {type: number}
  b: {type: number}
  p: {type: percent}
  f: {type: boolean}
  s: {type: number}
metrics:
  r: {expr: a / b}
  line: {expr: "0.9 if f else 0.95"}
indicators:
  - {id: ex, title: 精确, weight: 30, value: r, scorer: {type: deduct, start: line, direction: below, per: 0.03, points: 1, count: exact}}
  - {id: st, title: 起算, weight: 30, value: p, scorer: {type: deduct, start: line, direction: below, per: 0.01, points: 1.5, count: started, floor: 2}}
  - {id: co, title: 满算, weight: 20, value: r, scorer: {type: deduct, start: s, direction: above, per: 0.05, points: 3, count: completed}}
  - {id: ra, title: 比较, weight: 20, value: a, scorer: {type: deduct, start: b * 0.95, direction: below, per: 1, points: 0.25, count: exact}}
grades:
  bands:
    - {id: A, min: 60}
    - {id: B, min: 0}
"""


@st.composite
def _rows(draw: st.DrawFn) -> dict[str, Any]:
    b = draw(st.sampled_from([100.0, 3.0, 0.0, 13.51, 14.0, math.nan]))
    share = draw(st.sampled_from([1.0, 0.95, 0.9, 0.92, 0.87, 0.8, 1.1, 1.05, 0.5, 1 / 3]))
    return {
        "a": draw(st.sampled_from([round(b * share, 2), b * share, 95.0, math.nan])),
        "b": b,
        "p": draw(st.sampled_from([95.0, 90.0, 89.5, 88.0, 100.0, 70.0, math.nan])),
        "f": draw(st.sampled_from([True, False, None])),
        "s": draw(st.sampled_from([1.0, 0.95, 1.05, 0.9, math.nan])),
    }


@pytest.mark.parametrize("arithmetic", ["auto", "int", "float"])
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_rows(), min_size=1, max_size=40))
@example(
    rows=[
        {"a": 95.0, "b": 100.0, "p": 95.0, "f": False, "s": 0.95},  # on the start
        {"a": 87.0, "b": 100.0, "p": 89.0, "f": True, "s": 1.0},  # on a step
        {"a": 13.51, "b": 14.0, "p": 88.0, "f": None, "s": 0.9},
    ]
)
def test_per_row_starts_equal_per_record(arithmetic: str, rows: list[dict[str, Any]]) -> None:
    cs = ColumnarScorer(perfscore.load_ruleset_text(STARTS, source="s.yaml"), arithmetic=arithmetic)
    assert cs.supported, cs.reason
    res = cs.score(_columns(rows))
    for i, rec in enumerate(rows):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        want = cs.rs.evaluate_subject(clean, index=i)
        for sc in want.scores:
            got = (res.points_decimal(sc.rule_id)[i], res.outcomes(sc.rule_id)[i])
            assert got == (sc.points, sc.outcome), (i, sc, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
    assert not res.fallback.any()
