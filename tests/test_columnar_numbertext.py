"""Numbers written as text in a frame's column (a pandas ``object`` or ``str`` column — what
``pd.read_csv(path, dtype=str)`` gives —, an Arrow or polars text column) are read by columns
with the CSV reader's rules (``columnar/frames.py``'s ``number_text``), not row by row: every
row scores as the per-record path scores its cells — blanks written as text, thousands
separators, 万元, ``95%``, refused cells, exponents, 16 digits and more — and a column of
plain number text sends no row to the per-record path."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.columnar import OUTCOMES, ColumnarScorer
from perfscore.columnar import run as colrun

RULES = """\
perfscore: 1
id: numtext
title: 数字写成文本
version: "1"
settings: {zero_division: not_applicable, missing: not_applicable, places: 2}
inputs:
  budget: {type: money, unit: 万元, min: 0}
  spent: {type: money, unit: 万元, min: 0}
  done: {type: integer, min: 0}
  plan: {type: integer, min: 0}
  sat: {type: percent, min: 0, max: 100}
  share: {type: number}
metrics:
  rate: {expr: spent / budget, unit: "%"}
  tasks: {expr: done / plan, unit: "%"}
indicators:
  - {id: r95, title: 执行率, weight: 30, value: rate, scorer: {type: threshold, op: ">=", target: 0.95}}
  - {id: rp, title: 执行率比例, weight: 20, value: rate, scorer: {type: proportional, target: 1}}
  - {id: tk, title: 完成率, weight: 20, value: tasks, scorer: {type: proportional, target: 1}}
  - {id: st, title: 满意度, weight: 20, value: sat, scorer: {type: threshold, op: ">=", target: 0.9}}
  - {id: sh, title: 占比, weight: 10, value: share, scorer: {type: threshold, op: ">=", target: 0.5}}
grades:
  bands:
    - {id: A, min: 90}
    - {id: B, min: 0}
"""
RS = perfscore.load_ruleset_text(RULES, source="numtext.yaml")
NAMES = ("budget", "spent", "done", "plan", "sat", "share")

_PLAIN = st.sampled_from(
    ["100", "95", "100.00", "95.50", "0", "0.00", "1234.56", "-5", "+3", ".5", "5.", "007",
     "250.5", "13.51", "14", "90", "85.5", "0.5", "1", "2", "120"]
)  # fmt: skip
_ODD = st.sampled_from(
    ["", "-", "—", "/", " 95 ", "1,234.56", "12万元", "34350200元", "95%", "0.98%", "待核实",
     "１００", "1e2", "1e-400", "nan", "inf", "2.5", "9999999999999999", "0.30000000000000004"]
)  # fmt: skip


@st.composite
def _frames(draw: st.DrawFn) -> tuple[str, dict[str, list[Any]]]:
    n = draw(st.integers(1, 60))
    odd = draw(st.booleans())
    cell = st.none() | _PLAIN | (_ODD if odd else _PLAIN)
    if draw(st.booleans()):  # numbers beside text in an object column
        cell = cell | st.sampled_from([100.0, 95, 0.5, 13.51])
        kind = "objects"
    else:
        kind = draw(st.sampled_from(["objects", "str", "arrow", "large"]))
    cols = {name: draw(st.lists(cell, min_size=n, max_size=n)) for name in NAMES}
    return kind, cols


def _data(kind: str, cols: dict[str, list[Any]]) -> Any:
    if kind == "objects":
        return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})
    if kind == "str":
        return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})
    typ = pa.string() if kind == "arrow" else pa.large_string()
    return pa.table({k: pa.array(v, typ) for k, v in cols.items()})


def _same(res: Any, cols: dict[str, list[Any]]) -> None:
    n = len(cols[NAMES[0]])
    for i in range(n):
        want = RS.evaluate_subject({k: v[i] for k, v in cols.items()}, index=i)
        for sc in want.scores:
            got = (res.points_decimal(sc.rule_id)[i], OUTCOMES[res.outcome[sc.rule_id][i]])
            assert got == (sc.points, sc.outcome), (
                i,
                sc.rule_id,
                {k: v[i] for k, v in cols.items()},
            )
        assert res.totals_decimal()[i] == want.total, i
        assert res.grades()[i] == want.grade, i


@settings(max_examples=60, deadline=None)
@given(frame=_frames(), chunk=st.sampled_from([7, 16, 1 << 16]))
def test_number_text_scores_as_the_per_record_path(
    frame: tuple[str, dict[str, list[Any]]], chunk: int
) -> None:
    kind, cols = frame
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(colrun, "CHUNK", chunk)
        mp.setattr(colrun, "PROBE", min(chunk, 5))
        res = ColumnarScorer(RS).score(_data(kind, cols))
    _same(res, cols)


def test_plain_number_text_goes_by_columns() -> None:
    """As the same numbers in float columns: per record only where a float goes there too (a
    fraction in an integer input, a percent over its maximum or in (0, 1])."""
    cells = ["100", "95.5", None, "1234.56", "0", "+3", ".5", "120", "-0", "007"]
    cols = {name: cells for name in NAMES}
    floats = pd.DataFrame({k: [None if c is None else float(c) for c in cells] for k in NAMES})
    want = ColumnarScorer(RS).score(floats.astype(float)).fallback
    assert want.tolist() == [False, True, False, True, False, False, True, True, False, False]
    for kind in ("objects", "str", "arrow", "large"):
        res = ColumnarScorer(RS).score(_data(kind, cols))
        assert res.fallback.tolist() == want.tolist(), kind
        _same(res, cols)
