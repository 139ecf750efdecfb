"""Numeric pyarrow columns into ``ColumnarScorer`` are read a span of rows at a time from their
own buffers (:mod:`perfscore.columnar.arrownums`), not converted whole: every span reads the
floats ``to_numpy(zero_copy_only=False)`` gave (nulls NaN, integers cast as numpy casts them),
whatever the chunks, their offsets and the spans; and a table scores exactly as the same
columns given as numpy arrays do, and as the per-record path does."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.columnar import ColumnarScorer
from perfscore.columnar import run as colrun
from perfscore.columnar.arrownums import ArrowNumbers, arrow_numbers
from perfscore.columnar.frames import plain_cell

TYPES = [pa.float64(), pa.float32(), pa.int64(), pa.int32(), pa.int16(), pa.int8(),
         pa.uint64(), pa.uint32(), pa.uint8()]  # fmt: skip
ODD = [0.0, -0.0, 1.0, 0.5, 1e-300, 5e-324, -5e-324, 1e15, 1e15 + 1, 2.0**53 + 1, 1e300,
       float("inf"), float("-inf"), float("nan"), 12345.678, -0.01]  # fmt: skip
BIG = [0, 1, -1, 2**53 + 1, 2**63 - 1, -(2**63), 2**62 + 3, 10**15, 10**15 + 1]


def _cells(rng: random.Random, typ: Any, n: int) -> list[Any]:
    out: list[Any] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.15:
            out.append(None)
        elif pa.types.is_floating(typ):
            out.append(rng.choice(ODD) if r < 0.4 else rng.uniform(-1e6, 1e6))
        else:
            info = np.iinfo(typ.to_pandas_dtype())
            if r < 0.4 and typ == pa.int64():
                out.append(rng.choice(BIG))
            else:
                out.append(rng.randint(int(info.min), int(info.max)))
    return out


def _chunked(rng: random.Random, cells: list[Any], typ: Any) -> Any:
    """``cells`` as a ChunkedArray of random chunks (some empty, some slices of a longer
    array: offsets that are not whole bytes of the validity bitmap)."""
    chunks = []
    at = 0
    while at < len(cells) or not chunks:
        size = rng.choice([0, 1, 3, 8, 13, 64, 100])
        part = cells[at : at + size]
        pad = rng.choice([0, 0, 1, 5, 9])
        if pad:  # a slice of a longer array
            full = pa.array([None] * pad + part + [7] * pad, type=typ)
            chunks.append(full.slice(pad, len(part)))
        else:
            chunks.append(pa.array(part, type=typ))
        at += size
    return pa.chunked_array(chunks, type=typ)


def _old(col: Any) -> Any:
    """What the scorer read before: the whole column by Arrow, then as float64."""
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def _same_floats(a: Any, b: Any) -> None:
    assert a.dtype == np.float64 and a.shape == b.shape
    assert np.array_equal(a.view(np.int64), b.view(np.int64))  # bit for bit: -0.0, NaN


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), typ=st.sampled_from(TYPES), n=st.integers(0, 400))
def test_every_span_reads_what_the_whole_conversion_read(seed: int, typ: Any, n: int) -> None:
    rng = random.Random(seed)
    cells = _cells(rng, typ, n)
    col = _chunked(rng, cells, typ)
    got = arrow_numbers(col)
    assert got is not None and len(got) == n
    want = _old(col)
    _same_floats(np.asarray(got), want)
    for _ in range(20):
        lo = rng.randint(0, n)
        hi = rng.randint(lo, n + 3)
        _same_floats(got[lo:hi], want[lo:hi])
    one = arrow_numbers(col.combine_chunks())  # a plain Array too
    assert one is not None
    _same_floats(one[0:n], want)
    vague = got.percent_vague()
    old = (want > 0) & (want <= 1)
    assert (np.zeros(n, bool) if vague is None else vague).tolist() == old.tolist()
    assert (vague is None) == (not old.any())


def test_a_span_in_one_chunk_without_nulls_is_a_view_of_the_buffer() -> None:
    col = pa.chunked_array([pa.array([1.5, 2.5, 3.5]), pa.array([4.0, None])])
    got = arrow_numbers(col)
    assert isinstance(got, ArrowNumbers)
    view = got[0:3]
    assert not view.flags.writeable  # Arrow's memory: nothing may write into it
    assert view.tolist() == [1.5, 2.5, 3.5]
    both = got[2:5]
    assert both.flags.writeable and both.tolist()[:2] == [3.5, 4.0] and np.isnan(both[2])


@pytest.mark.parametrize(
    "col",
    [
        pa.array([True, None]),
        pa.array(["1", "2"]),
        pa.array(np.array([1, 2], np.float16)),
        pa.array([Decimal("1.5")], pa.decimal128(5, 2)),
        pa.array([1, 2], pa.int64()).dictionary_encode(),
        np.array([1.0, 2.0]),
        [1.0, 2.0],
    ],
    ids=["bool", "text", "half", "decimal", "dictionary", "numpy", "list"],
)
def test_other_columns_are_left_to_the_whole_conversion(col: Any) -> None:
    assert arrow_numbers(col) is None


RULES = """\
perfscore: 1
id: arrownums
title: 按块读取的数值列
version: "1"
settings: {zero_division: not_applicable}
inputs:
  budget: {type: money, unit: 万元, title: 预算数, required: true}
  executed: {type: money, unit: 万元, title: 执行数, required: true}
  sat: {type: percent, title: 满意度}
  staff: {type: integer, title: 在编人数, min: 0}
  done: {type: integer, title: 完成数}
metrics:
  rate: {expr: executed / budget, unit: "%"}
  per: {expr: done / staff}
indicators:
  - {id: e, title: 执行率, weight: 30, value: rate, scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 2, count: exact}}
  - {id: t, title: 执行率达标, weight: 20, value: rate, scorer: {type: threshold, op: ">=", target: 0.9}}
  - {id: s, title: 满意度, weight: 20, value: sat, scorer: {type: proportional, target: 0.9}}
  - {id: p, title: 人均完成, weight: 30, value: per, scorer: {type: threshold, op: ">=", target: 2}}
grades:
  min_coverage: 0.6
  bands:
    - {id: A, min: 90}
    - {id: B, min: 0}
"""
CS = ColumnarScorer(perfscore.load_ruleset_text(RULES))


def _table(n: int, seed: int) -> tuple[Any, dict[str, list[Any]]]:
    rng = random.Random(seed)
    budget = [rng.choice([None, 0.0, 100.0, 1e16, rng.uniform(1, 1e6)]) for _ in range(n)]
    executed = [
        None if b is None or rng.random() < 0.05 else round(b * rng.choice([0.95, 1, 0.9, 0.5]), 2)
        for b in budget
    ]
    sat = [rng.choice([None, 95.5, 88.0, 0.9, 1.0, 100.0, float("nan")]) for _ in range(n)]
    staff = [rng.choice([None, 0, 3, 10, -1, 2**53 + 1]) for _ in range(n)]
    done = [rng.choice([None, 0, 6, 20, 7]) for _ in range(n)]
    rows = {"budget": budget, "executed": executed, "sat": sat, "staff": staff, "done": done}
    types = {"budget": pa.float64(), "executed": pa.float64(), "sat": pa.float32(),
             "staff": pa.int64(), "done": pa.int32()}  # fmt: skip
    cols = {k: _chunked(rng, v, types[k]) for k, v in rows.items()}
    return pa.table(cols), rows


def _result(res: Any) -> list[Any]:
    out = [res.total.tolist(), res.has_total.tolist(), res.grade.tolist(), res.fallback.tolist()]
    for r in CS.rule_ids:
        out += [res.points[r].tolist(), res.outcome[r].tolist(), res.has_points[r].tolist()]
    return out


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(1, 300), chunk=st.integers(5, 70))
def test_a_table_scores_as_its_numpy_columns_and_as_each_record(
    seed: int, n: int, chunk: int
) -> None:
    table, rows = _table(n, seed)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(colrun, "CHUNK", chunk)  # scorer spans crossing Arrow's chunks
        mp.setattr(colrun, "PROBE", max(1, chunk // 3))
        got = CS.score(table)
        old = CS.score({k: _old(table.column(k)) for k in table.column_names})
        assert _result(got) == _result(old)
    cells = {k: [plain_cell(x) for x in table.column(k).to_pylist()] for k in rows}
    for i in range(0, n, max(1, n // 40)):  # the cells as the table holds them (NaN: blank)
        want = CS.rs.evaluate_subject({k: v[i] for k, v in cells.items()}, index=i)
        for sc in want.scores:
            assert got.points_decimal(sc.rule_id)[i] == sc.points, (i, sc.rule_id)
            assert got.outcomes(sc.rule_id)[i] == sc.outcome, (i, sc.rule_id)
        assert got.totals_decimal()[i] == want.total, i
        assert got.grades()[i] == want.grade, i
