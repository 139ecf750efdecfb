"""A checklist item whose ``when`` compares a metric (``rate >= 0.95``, a quotient, a yes/no
and a comparison together, ``executed / budget / 3 * 3 >= 1``) on the columnar path (#18):
decided exactly on ties (spent = budget, 95 / 100 against 0.95), a division by zero inside
an item is the indicator's ``zero_division``, a blank the item reads is its missing-data
policy — every row equal to the per-record path, none sent there, in every arithmetic."""

from __future__ import annotations

import math
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from test_columnar_when import _columns, _same  # noqa: E402

CHECKLIST = """\
perfscore: 1
id: checklist_when
title: 清单条件
version: "1"
settings: {places: 2, zero_division: not_applicable, missing: not_applicable}
inputs:
  budget: {type: money, unit: 万元, min: 0}
  executed: {type: money, unit: 万元, min: 0}
  flag: {type: boolean}
  level: {type: text, choices: [county, city]}
metrics:
  rate: {expr: executed / budget}
  back: {expr: executed / budget / 3 * 3}
indicators:
  - id: chk
    title: 清单
    weight: 6
    scorer:
      type: checklist
      items:
        - {id: a, points: 1, when: flag}
        - {id: b, points: 1.5, when: rate >= 0.95}
        - {id: c, points: 1.5, when: "flag and rate > 0.5 or level == 'city'"}
        - {id: d, points: 2, when: back >= 1}
  - id: quot
    title: 直接相除
    weight: 4
    zero_division: zero
    scorer:
      type: checklist
      items:
        - {id: e, points: 2.5, when: executed / budget >= 0.95}
        - {id: f, points: 1.5, when: "not (executed > budget)"}
grades:
  bands:
    - {id: A, min: 6}
    - {id: B, min: 0}
"""


@st.composite
def _rows(draw: st.DrawFn) -> dict[str, Any]:
    budget = draw(st.sampled_from([0.0, 100.0, 13.51, 14.0, 2e14 / 3, 999999999999999.0]))
    share = draw(st.sampled_from([1.0, 0.95, 0.9500001, 0.5, 0.50001, 0.0, 1.2]))
    executed = min(round(budget * share, 2), 999999999999999.0)  # (the reader refuses 1e15)
    return {
        "budget": draw(st.sampled_from([budget, budget, math.nan])),
        "executed": draw(st.sampled_from([executed, executed, budget, 95.0, math.nan])),
        "flag": draw(st.sampled_from([True, False, None])),
        "level": draw(st.sampled_from(["county", "city", None])),
    }


@pytest.mark.parametrize("arithmetic", ["auto", "int", "float"])
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_rows(), min_size=1, max_size=40))
@example(
    rows=[
        {"budget": 100.0, "executed": 95.0, "flag": True, "level": "county"},
        {"budget": 0.0, "executed": 0.0, "flag": True, "level": "city"},
        {"budget": 13.51, "executed": 13.51, "flag": None, "level": "county"},
    ]
)
def test_checklist_items_comparing_metrics_equal_per_record(
    arithmetic: str, rows: list[dict[str, Any]]
) -> None:
    cs = ColumnarScorer(
        perfscore.load_ruleset_text(CHECKLIST, source="c.yaml"), arithmetic=arithmetic
    )
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_ties_zero_budgets_and_blanks() -> None:
    """95 of 100 meets ``rate >= 0.95`` exactly; ``x / 3 * 3 >= 1`` holds at spent = budget;
    a zero budget is not applicable through the metric, 0 points where the item divides
    itself (``zero_division: zero``); a blank yes/no two items read: those two items not
    applicable, the answered two (1.5 met of 3.5) scaled to the weight, 6 × 1.5 / 3.5."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(CHECKLIST, source="c.yaml"))
    rows = [
        {"budget": 100.0, "executed": 95.0, "flag": False, "level": "county"},
        {"budget": 13.51, "executed": 13.51, "flag": False, "level": "county"},
        {"budget": 0.0, "executed": 0.0, "flag": True, "level": "city"},
        {"budget": 100.0, "executed": 95.0, "flag": None, "level": "county"},
    ]
    res = _same(cs, rows)
    assert [str(p) for p in res.points_decimal("chk")[:2]] == ["1.50", "3.50"]
    assert res.outcomes("chk")[2:] == ["not_applicable", "fail"]
    assert str(res.points_decimal("chk")[3]) == "2.57"
    assert res.outcomes("quot")[2] == "fail" and str(res.points_decimal("quot")[2]) == "0.00"


def test_yes_no_and_text_cells_of_every_kind_read_as_the_reader_reads_them() -> None:
    """Text and yes/no columns are hashed in one pass where that cannot merge two kinds of
    cell: True next to 1 (equal to Python, not to the reader: 1 is no yes/no), NaN next to
    None, a list in a text cell — each read as the per-record reader reads it."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(CHECKLIST, source="c.yaml"))
    levels: list[Any] = ["city", "city", None, float("nan"), "county", ["city"], "城市", "city"]
    for flags in (
        [True, 1, None, False, 0, True, None, True],  # yes/no and numbers equal to them
        [True, 1, None, "是", False, 0.0, float("nan"), True],
    ):
        rows = [
            {"budget": 100.0, "executed": 95.0, "flag": f, "level": lv}
            for f, lv in zip(flags, levels, strict=True)
        ]
        cols = _columns(rows)
        for name, cells in (("flag", flags), ("level", levels)):
            cols[name] = np.empty(len(cells), object)
            cols[name][:] = cells
        res = cs.score(cols)
        for i, rec in enumerate(rows):
            clean = {
                k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()
            }
            want = cs.rs.evaluate_subject(clean, index=i)
            for sc in want.scores:
                got = (res.points_decimal(sc.rule_id)[i], res.outcomes(sc.rule_id)[i])
                assert got == (sc.points, sc.outcome), (i, sc, rec)
        assert res.outcomes("chk")[:2] == ["fail", "error"]  # True scored (a yes); 1 refused


def test_a_list_or_mapping_in_a_text_column_is_read_like_any_cell() -> None:
    """A cell holding a list or a mapping (a Parquet list column, a pandas object column)
    in a text or yes/no column is refused for that row as the per-record reader refuses it —
    it used to raise TypeError out of ColumnarScorer.score and lose the batch."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(CHECKLIST, source="c.yaml"))
    rows: list[dict[str, Any]] = [
        {"budget": 100.0, "executed": 95.0, "flag": True, "level": "county"},
        {"budget": 100.0, "executed": 95.0, "flag": True, "level": ["city"]},
        {"budget": 100.0, "executed": 95.0, "flag": {"y": 1}, "level": "city"},
        {"budget": 100.0, "executed": 100.0, "flag": False, "level": ["city"]},
    ]
    cols = _columns(rows)
    res = cs.score(cols)
    for i, rec in enumerate(rows):
        want = cs.rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            assert res.outcomes(sc.rule_id)[i] == sc.outcome, (i, sc)
            assert res.points_decimal(sc.rule_id)[i] == sc.points, (i, sc)
    assert res.outcomes("chk")[0] != "error" and res.outcomes("chk")[1] == "error"
