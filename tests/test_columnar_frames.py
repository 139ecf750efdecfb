"""Exact decimals into ``ColumnarScorer`` — a pyarrow ``decimal128`` column (what a finance
database's Parquet holds) or a pandas column of ``Decimal`` — are scored by columns, with the
results of the per-record path; only decimals longer than a float holds go record by record."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.columnar import ColumnarScorer
from perfscore.columnar.frames import as_column

RULES = """\
perfscore: 1
id: dec
title: 金额为精确小数
version: "1"
settings: {zero_division: not_applicable}
inputs:
  budget: {type: money, unit: 万元, title: 预算数, required: true}
  executed: {type: money, unit: 万元, title: 执行数, required: true}
  sat: {type: percent, title: 满意度}
metrics:
  rate: {expr: executed / budget, unit: "%"}
indicators:
  - {id: e, title: 执行率, weight: 40, value: rate, scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 2, count: exact}}
  - {id: t, title: 执行率达标, weight: 30, value: rate, scorer: {type: threshold, op: ">=", target: 0.9}}
  - {id: s, title: 满意度, weight: 30, value: sat, scorer: {type: proportional, target: 0.9}}
grades:
  min_coverage: 0.6
  bands:
    - {id: A, min: 90}
    - {id: B, min: 0}
"""
CS = ColumnarScorer(perfscore.load_ruleset_text(RULES))
D = pa.decimal128(18, 2)


def _money(rng: random.Random) -> Decimal | None:
    kind = rng.random()
    if kind < 0.05:
        return None
    if kind < 0.1:
        return Decimal("0.00")
    if kind < 0.15:  # beyond 15 digits: the float would not be the decimal
        return Decimal("9876543210123.45")
    return Decimal(rng.randrange(1, 10**9)).scaleb(-2)


def _rows(n: int, seed: int) -> dict[str, list[Any]]:
    rng = random.Random(seed)
    budget = [_money(rng) for _ in range(n)]
    executed = [
        None
        if b is None
        else (b * Decimal(rng.choice(["0.95", "1", "0.9", "0.8999"]))).quantize(Decimal("0.01"))
        for b in budget
    ]
    sat = [rng.choice([Decimal("95.5"), Decimal("88"), None, Decimal("100")]) for _ in range(n)]
    return {"budget": budget, "executed": executed, "sat": sat}


def _same_as_records(res: Any, rows: dict[str, list[Any]]) -> None:
    n = len(rows["budget"])
    for i in range(n):
        want = CS.rs.evaluate_subject({k: v[i] for k, v in rows.items()}, index=i)
        for sc in want.scores:
            assert res.points_decimal(sc.rule_id)[i] == sc.points, (i, sc.rule_id)
            assert res.outcomes(sc.rule_id)[i] == sc.outcome, (i, sc.rule_id)
        assert res.totals_decimal()[i] == want.total, i
        assert res.grades()[i] == want.grade, i


def _long(rows: dict[str, list[Any]]) -> int:
    """Rows holding a decimal of more than 15 digits (they go record by record)."""
    return sum(
        any(isinstance(v, Decimal) and len(v.as_tuple().digits) > 15 for v in cells)
        for cells in zip(*rows.values(), strict=True)
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_a_decimal128_table_is_scored_by_columns_as_the_records_are(seed: int) -> None:
    rows = _rows(400, seed)
    table = pa.table({k: pa.array(v, D) for k, v in rows.items()})
    res = CS.score(table)
    assert int(res.fallback.sum()) == _long(rows) < 400 * 0.2
    _same_as_records(res, rows)
    # chunked, with offsets: batches of a sliced table
    sliced = pa.Table.from_batches(table.slice(7).to_batches(max_chunksize=33))
    again = CS.score(sliced)
    assert again.totals_decimal() == res.totals_decimal()[7:]


def test_a_thousand_plain_decimal_rows_go_none_per_record() -> None:
    n = 1000  # rev11's repro: 1,000 of 1,000 rows went record by record
    frame = {"budget": [Decimal("100.00")] * n, "executed": [Decimal("95.00")] * n}
    table = pa.table({k: pa.array(v, D) for k, v in frame.items()})
    assert int(CS.score(table).fallback.sum()) == 0
    assert int(CS.score(pd.DataFrame(frame)).fallback.sum()) == 0
    floats = CS.score({k: np.array([float(x) for x in v]) for k, v in frame.items()})
    assert CS.score(table).totals_decimal() == floats.totals_decimal()


def test_a_pandas_column_of_decimals_is_scored_by_columns_as_the_records_are() -> None:
    rows = _rows(300, 3)
    res = CS.score(pd.DataFrame(rows))
    assert int(res.fallback.sum()) == _long(rows)
    _same_as_records(res, rows)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.decimals(
                allow_nan=False,
                allow_infinity=False,
                places=2,
                min_value=-(10**16),
                max_value=10**16,
            ),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_each_decimal_becomes_the_float_whose_text_it_is(cells: list[Decimal | None]) -> None:
    arrow, objects = pa.array(cells, pa.decimal128(20, 2)), np.array(cells, dtype=object)
    for col in (arrow, objects):
        floats, bad = as_column(col)
        flags = [False] * len(cells) if bad is None else bad.tolist()
        for x, d, b in zip(floats.tolist(), cells, flags, strict=True):
            if d is None:
                assert np.isnan(x) and not b
            elif not b:
                assert Decimal(repr(x)) == d  # the float holds the decimal exactly
            else:
                assert np.isnan(x)  # left to the per-record path, which reads it
            # 15 digits always fit: of the unscaled integer in a decimal128(20, 2) column
            digits = len(str(abs(int(d.scaleb(2))))) if col is arrow and d is not None else None
            if d is not None and (digits or len(d.normalize().as_tuple().digits)) <= 15:
                assert not b


def test_a_decimal128_column_is_read_by_its_integers_not_cell_by_cell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from perfscore.columnar import frames

    def no_cells(col: Any) -> list[Any]:
        raise AssertionError("a decimal128 column read cell by cell")

    monkeypatch.setattr(frames, "cell_objects", no_cells)
    col = pa.array([Decimal("100.00"), None, Decimal("-0.01"), Decimal("12345678901234.56")], D)
    floats, bad = as_column(col)
    assert floats.tolist()[:3:2] == [100.0, -0.01] and np.isnan(floats[1])
    assert bad is not None and bad.tolist() == [False, False, False, True]  # 16 digits: per record
