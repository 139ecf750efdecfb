"""A percent column that holds ratios (0.9, 0.85, 1.05): its 1.x cells are refused with the
ambiguous ones, never read as 1.05 % without a word, and one notification names the column —
the same in every batch format, by columns and record by record (docs/data.md)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import perfscore
from perfscore.cli import main
from perfscore.ingest.ratiocols import Tally
from perfscore.ruleset import load_subjects

RULES = """\
perfscore: 1
id: ratios
title: 满意度
version: "1"
inputs:
  budget: {type: money, unit: 万元, title: 预算数, required: true}
  sat: {type: percent, title: 满意度}
indicators:
  - {id: b, title: 预算, weight: 60, value: budget, scorer: {type: threshold, op: ">", target: 0}}
  - {id: s, title: 满意度, weight: 40, value: sat, scorer: {type: proportional, target: 0.9}}
"""
RS = perfscore.load_ruleset_text(RULES)
RATIOS: list[Any] = [0.9, 1.05, 0.85, None, "105%", 0.95]  # a system that stores ratios


def _outcomes(report: Any) -> dict[str, tuple[str, str]]:
    return {
        r.subject.id: (r.finding("s").outcome, str(r.finding("s").message)) for r in report.subjects
    }


def _write(tmp: Path, kind: str, cells: list[Any]) -> Path:
    ids = [f"d{i}" for i in range(len(cells))]
    if kind == "csv":
        path = tmp / "d.csv"
        lines = ["id,预算数,满意度"] + [
            f"{i},100,{'' if c is None else c}" for i, c in zip(ids, cells, strict=True)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif kind == "xlsx":
        path = tmp / "d.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["id", "预算数", "满意度"])
        for i, c in zip(ids, cells, strict=True):
            ws.append([i, 100, c])
        wb.save(path)
    elif kind == "parquet":
        path = tmp / "d.parquet"
        sat = pa.array([None if c is None else str(c) for c in cells])
        if not any(isinstance(c, str) for c in cells):
            sat = pa.array(cells, pa.float64())
        pq.write_table(pa.table({"id": ids, "budget": [100.0] * len(ids), "sat": sat}), path)
    elif kind == "yaml":  # a document of records: read whole, by the library or the command
        path = tmp / "d.yaml"
        rows = [
            {"id": i, "values": {"budget": 100, "sat": c}} for i, c in zip(ids, cells, strict=True)
        ]
        path.write_text(json.dumps({"subjects": rows}, ensure_ascii=False), encoding="utf-8")
    else:  # JSON Lines: records with values, or flat lines keyed by the column's title
        path = tmp / "d.jsonl"
        rows = [
            {"id": i, "values": {"budget": 100, "sat": c}}
            if kind == "jsonl"
            else {"id": i, "预算数": 100, "满意度": c}
            for i, c in zip(ids, cells, strict=True)
        ]
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet", "jsonl", "jsonl-flat", "yaml"])
def test_a_ratio_column_refuses_its_cells_between_1_and_2_and_says_so_once(
    tmp_path: Path, kind: str
) -> None:
    cells = [c for c in RATIOS if not (kind == "parquet" and c == "105%")]
    report = RS.evaluate(load_subjects(_write(tmp_path, kind, cells), RS))
    got = _outcomes(report)
    assert got["d0"][0] == "error" and "0.9 作为百分数有歧义" in got["d0"][1]
    assert got["d1"][0] == "error" and "1.05 所在列存的是比率：是 105% 还是 1.05%？" in got["d1"][1]
    assert got["d3"][0] == "not_applicable"
    if kind != "parquet":
        assert got["d4"][0] == "pass"  # 105%: it says its scale
    [note] = [n for n in report.notifications if n.code == "ratio-column"]
    assert note.level == "error"
    assert "holds ratios, not percentage points: 3 of its cells are at most 1" in note.message
    assert "its 1 cell(s) between 1 and 2 (the first at " in note.message
    assert "列" in note.message.zh and "存的是比率，不是百分点" in note.message.zh  # type: ignore[attr-defined]


def test_the_cli_says_it_in_chinese_and_every_route_gives_the_same_bytes(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES, encoding="utf-8")
    for kind in ("csv", "parquet", "jsonl", "yaml"):
        data = _write(tmp_path, kind, [c for c in RATIOS if c != "105%"])
        outs = []
        for extra in ([], ["--no-columnar"], ["--jobs", "2"]):
            suffix = "parquet" if kind == "parquet" else "jsonl"  # Parquet: the column reader
            out = tmp_path / f"{kind}{len(extra)}.{suffix}"
            err = io.StringIO()
            main(
                ["--lang", "zh", "score", str(rules), str(data), "-o", str(out), *extra],
                stdout=io.StringIO(),
                stderr=err,
            )
            outs.append(out.read_bytes())
        assert outs[0] == outs[1] == outs[2], kind
        if kind == "parquet":  # lean rows: the outcome
            rows = pq.read_table(io.BytesIO(outs[0])).to_pylist()
            [d1] = [r for r in rows if (r["subject"], r["rule_id"]) == ("d1", "s")]
            assert d1["outcome"] == "error"
        else:
            assert "所在列存的是比率" in outs[0].decode("utf-8")


def test_a_dataframe_is_read_the_same() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "c"], "budget": [100.0] * 3, "sat": [0.9, 1.05, 0.8]})
    got = _outcomes(RS.evaluate(frame))
    assert [got[k][0] for k in "abc"] == ["error", "error", "error"]
    assert "1.05 所在列存的是比率" in got["b"][1]


@pytest.mark.parametrize(
    "cells",
    [
        ["96%", 91, 0.98],  # docs/data.md's CSV: one ambiguous cell among percentage points
        [95, 88, 1.5, 0.5, 100],  # percentage points; 1.5 is 1.5 %, 0.5 alone is ambiguous
        [0.9, 0.85, 0.95],  # all ratios, none between 1 and 2: each refused, as before
        ["90%", "1.05%", 0.5],  # said with %: read as written
    ],
)
def test_no_column_of_percentage_points_is_taken_for_ratios(
    tmp_path: Path, cells: list[Any]
) -> None:
    report = RS.evaluate(load_subjects(_write(tmp_path, "csv", cells), RS))
    assert not [n for n in report.notifications if n.code == "ratio-column"]
    got = _outcomes(report)
    for i, c in enumerate(cells):
        if isinstance(c, (int, float)) and 1 < c < 2:
            assert got[f"d{i}"][0] != "error" and "1.5%" in got[f"d{i}"][1]


def test_the_tally_decides_by_the_bare_numbers() -> None:
    t = Tally()
    for n, v in enumerate(["0.9", "1.05", "0.8", "95"]):
        t.add(Decimal(v), n)
    assert (t.ambiguous, t.between, t.points, t.first_between) == (2, 1, 1, 1)
    assert t.holds_ratios
    t.add(Decimal(90), 9)  # as many percentage points as ratios: not a ratio column
    assert not t.holds_ratios
    t.add(Decimal(0), 10)  # zero says nothing
    assert not t.holds_ratios and t.ambiguous == 2
