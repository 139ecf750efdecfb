"""A checklist item whose ``when`` calls a bureau's own (plug-in) function (#18, session 14):
the call runs per row (columnar/rowcalls.py) and the rest of the rule set — the other items,
the other indicators — by columns; ``ColumnarScorer.per_row`` names the item; every row's
scores, blank items, coverage and grade equal the per-record path's, and the command writes
the per-record bytes."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from columnar_grid import object_columns  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.functions import Function, FunctionRegistry  # noqa: E402
from perfscore.plugins import default_functions  # noqa: E402

CALLS: list[Any] = []


def halved(x: Any) -> Any:
    """Half of x; 13 raises (a plug-in's own error); 17 gives None (the per-record path's)."""
    CALLS.append(x)
    if x == 13:
        raise ValueError("13 refused")
    if x == 17:
        return None
    return x / 2


def registry(pure: bool) -> FunctionRegistry:
    reg = default_functions()
    reg.add(Function("halved", halved, 1, 1, "number", "half of x", pure))
    return reg


RULES = """\
perfscore: 1
id: cl_plug
title: 清单项调用插件
version: "1"
settings: {missing: MISSING, places: 2}
inputs:
  budget: {type: money, unit: 万元, title: 预算数}
  spent: {type: money, unit: 万元, title: 执行数}
  open: {type: boolean, title: 按规定公开}
metrics:
  rate: {title: 执行率, expr: spent / budget, unit: "%"}
indicators:
  - {id: exec, title: 执行率, weight: 60, value: rate, scorer: {type: threshold, op: ">=", target: 0.9}}
  - id: cl
    title: 管理
    weight: 40
    scorer:
      type: checklist
      items:
        - {id: a, title: 按规定公开, points: 10, when: open}
        - {id: b, title: 执行数之半达标, points: 20, when: "halved(spent) >= 45"}
        - {id: c, title: 预算之半, points: 10, when: "halved(budget) > 40 and open"}
grades:
  min_coverage: 0.9
  bands: [{id: good, label: 良, min: 60}, {id: poor, label: 差, min: 0}]
"""

POLICIES = ["not_applicable", "zero", "full", "error"]


def _rules(missing: str, pure: bool) -> perfscore.RuleSet:
    text = RULES.replace("MISSING", missing)
    return perfscore.load_ruleset_text(text, source=f"{missing}.yaml", functions=registry(pure))


def test_the_item_runs_per_row_and_the_rest_by_columns() -> None:
    cs = ColumnarScorer(_rules("not_applicable", False))
    assert cs.supported, cs.reason
    note = cs.per_row
    assert note is not None
    assert "checklist item cl.b (halved())" in str(note) and "checklist item cl.c" in str(note)
    assert "清单项 cl.b（halved()）" in note.zh  # type: ignore[attr-defined]
    assert "indicator" not in str(note)  # (the checklist itself stays by columns)


def _same(cs: ColumnarScorer, rows: list[dict[str, Any]]) -> Any:
    res = cs.score(object_columns(rows))
    for i, rec in enumerate(rows):
        clean = {k: v for k, v in rec.items() if not (isinstance(v, float) and math.isnan(v))}
        want = cs.rs.evaluate_subject(clean, index=i)
        for sc in want.scores:
            got = (res.points_decimal(sc.rule_id)[i], res.outcomes(sc.rule_id)[i])
            assert got == (sc.points, sc.outcome), (i, sc, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)  # (the coverage a blank item leaves)
    return res


@st.composite
def _row(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "budget": draw(st.sampled_from([100.0, 80.0, 80.02, 0.0, None])),
        "spent": draw(st.sampled_from([90.0, 89.99, 95.0, 13.0, 17.0, 0.0, None])),
        "open": draw(st.sampled_from([True, False, None])),
    }


EDGES = [
    {"budget": 100.0, "spent": 90.0, "open": True},  # 90 / 2 = 45: on the line
    {"budget": 100.0, "spent": 89.99, "open": None},  # the item b not met, a blank
    {"budget": 100.0, "spent": None, "open": True},  # b blank (spent), c answered
    {"budget": 100.0, "spent": 13.0, "open": True},  # the plug-in raises: per record
    {"budget": 100.0, "spent": 17.0, "open": False},  # the plug-in gives None: per record
    {"budget": None, "spent": None, "open": None},  # every item blank
    {"budget": 0.0, "spent": 95.0, "open": False},  # a zero budget (exec's zero division)
]


@pytest.mark.parametrize("pure", [False, True])
@pytest.mark.parametrize("missing", POLICIES)
@settings(max_examples=30, deadline=None)
@given(rows=st.lists(_row(), min_size=1, max_size=25))
@example(rows=EDGES)
def test_every_row_equals_the_per_record_path(
    missing: str, pure: bool, rows: list[dict[str, Any]]
) -> None:
    cs = ColumnarScorer(_rules(missing, pure))
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_only_the_rows_the_plugin_leaves_open_go_per_record() -> None:
    res = _same(ColumnarScorer(_rules("not_applicable", False)), EDGES)
    assert res.fallback.tolist() == [False, False, False, True, True, False, False]


def test_called_in_the_rows_the_per_record_path_calls_it() -> None:
    """Not pure: once per row where what the call reads is there (spent blank: ``halved(spent)``
    not called, ``halved(budget)`` called)."""
    rows = [{"budget": 100.0, "spent": 90.0 + k % 3, "open": True} for k in range(40)]
    rows += [{"budget": 100.0, "spent": None, "open": True}] * 5
    cs = ColumnarScorer(_rules("not_applicable", False))
    del CALLS[:]
    cs.score(object_columns(rows))
    by_columns = sorted(CALLS)
    del CALLS[:]
    for i, r in enumerate(rows):
        cs.rs.evaluate_subject({k: v for k, v in r.items() if v is not None}, index=i)
    assert by_columns == sorted(CALLS)
    assert len(by_columns) == 40 + 45
    cs = ColumnarScorer(_rules("not_applicable", True))  # pure: once per distinct value
    del CALLS[:]
    cs.score(object_columns(rows))
    assert sorted(set(CALLS)) == sorted(CALLS) and len(CALLS) == 3 + 1


def test_the_command_writes_the_per_record_bytes(tmp_path: Path) -> None:
    """``perfscore score RULES DATA.csv -o f.jsonl`` (and Parquet) with the function
    installed: by columns, the same bytes and exit status as ``--no-columnar``."""
    pytest.importorskip("pyarrow")
    from cli_runner import run
    from perfscore.functions import DEFAULT_FUNCTIONS

    added = DEFAULT_FUNCTIONS.get("halved") is None
    if added:
        DEFAULT_FUNCTIONS.add(Function("halved", halved, 1, 1, "number", "half of x", False))
    try:
        rules = tmp_path / "r.yaml"
        rules.write_text(RULES.replace("MISSING", "not_applicable"), "utf-8")
        lines = ["id,budget,spent,open"]
        for i, r in enumerate([*EDGES, *EDGES]):
            cells = [r[k] for k in ("budget", "spent", "open")]
            lines.append(f"d{i}," + ",".join("" if v is None else str(v) for v in cells))
        data = tmp_path / "d.csv"
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cs = ColumnarScorer(perfscore.load_ruleset(rules))
        assert cs.supported and cs.per_row is not None, cs.reason
        for ext in ("jsonl", "parquet"):
            fast, slow = tmp_path / f"fast.{ext}", tmp_path / f"slow.{ext}"
            a = run("score", str(rules), str(data), "-o", str(fast))
            b = run("score", str(rules), str(data), "-o", str(slow), "--no-columnar")
            assert a[0] == b[0] and fast.read_bytes() == slow.read_bytes(), (ext, a, b)
    finally:
        if added:
            DEFAULT_FUNCTIONS.unregister("halved")
    assert Decimal(90) / 2 == 45  # (the line EDGES' first row sits on)
