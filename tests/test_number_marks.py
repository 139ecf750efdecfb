"""A superscript, subscript, circled or bracketed digit is a mark, not a digit: ``'5²'`` (a
footnote or an exponent) in 满意度 was read as 52 %, ``'10³'`` as 103 (rev16, session 16:
NFKC makes each mark a plain digit).  Such a cell is now refused as text, as ``'5 m'`` is;
the mark in a unit (``12 m³`` into an input whose unit is m³) still reads, and digits of a
script (full-width ``１２``, Arabic-Indic ``١٢``) still read.  The same on the record path,
the compiled readers, by columns and from every format."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli_runner import columnar_bytes_agree
from perfscore import load_ruleset_text, load_subjects
from perfscore.rawvalue import read_number

RULES = """\
perfscore: 1
id: marks
title: 数字中的上标
version: "1"
inputs:
  satisfaction: {type: percent, title: 满意度}
  area: {type: number, unit: m³, title: 库容}
  staff: {type: integer, title: 在职人数}
  paid: {type: series, of: money, unit: 万元, title: 历年支出数}
indicators:
  - {id: s, title: 满意度, weight: 25, value: satisfaction, scorer: {type: threshold, op: ">=", target: 0.5}}
  - {id: a, title: 库容, weight: 25, value: area, scorer: {type: threshold, op: ">=", target: 10}}
  - {id: n, title: 人数, weight: 25, value: staff, scorer: {type: threshold, op: ">=", target: 10}}
  - {id: g, title: 支出增长, weight: 25, value: "year(paid, 2023) - year(paid, 2022)", scorer: {type: threshold, op: ">=", target: 0}}
"""

#: marks NFKC makes plain digits: superscripts, subscripts, circled, parenthesised, with a stop
MARKS = "⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉①②⑨⑴⑵⒈⒉"
REFUSED = ["5²", "10³", "²5", "-²5", "5 ²", "①0", "1⑵", "9⒈5", "₂", "3,4⁵6", "5²m³", "95%²"]
READ = [("12 m³", "12"), ("12m³", "12"), ("１２", "12"), ("١٢", "12"), ("12", "12")]


@pytest.mark.parametrize("cell", REFUSED)
def test_a_mark_digit_in_a_number_is_refused(cell: str) -> None:
    with pytest.raises(ValueError, match="expected a number"):
        read_number(cell, "m³", percent=True)


@pytest.mark.parametrize(("cell", "value"), READ)
def test_a_mark_in_a_unit_and_digits_of_a_script_read(cell: str, value: str) -> None:
    assert read_number(cell, "m³")[0] == Decimal(value)


@given(
    digits=st.text("0123456789", min_size=1, max_size=6),
    mark=st.sampled_from(MARKS),
    at=st.integers(0, 6),
)
def test_a_mark_anywhere_among_the_digits_is_refused(digits: str, mark: str, at: int) -> None:
    """Wherever a mark stands among (or before, or right after) a number's digits, the cell
    is refused — never read as the digits NFKC would make of it."""
    cell = digits[:at] + mark + digits[at:]
    with pytest.raises(ValueError):
        read_number(cell, None)


def _records() -> list[dict[str, Any]]:
    cells = [*(c for c, _ in READ), *REFUSED]
    return [
        {
            "id": f"d{i}",
            "satisfaction": c.replace("m³", "").strip() or "95",
            "area": c,
            "staff": c.replace("m³", "").strip(),
            "paid": {"2022": "1000", "2023": c.replace("m³", "").strip()},
        }
        for i, c in enumerate(cells)
    ]


def _seen(report: Any) -> list[Any]:
    return [
        (r.subject.id, r.total, [(f.rule_id, f.outcome, f.points) for f in r.findings])
        for r in report.subjects
    ]


def test_every_reader_refuses_a_mark_alike(tmp_path: Path) -> None:
    """The records' results from JSON Lines, a UTF-8 CSV (the series one column a year), a
    pandas frame and, by columns, ColumnarScorer; the command writes the same bytes with and
    without ``--no-columnar``; every refused cell is an ``error`` for its indicator."""
    rs = load_ruleset_text(RULES, source="marks.yaml")
    records = _records()
    report = rs.evaluate(records)
    want = _seen(report)
    outcomes = {(f.subject.id, f.rule_id): f.outcome for f in report.findings}
    for i in range(len(READ)):
        assert outcomes[(f"d{i}", "a")] == "pass" and outcomes[(f"d{i}", "s")] != "error"
    for i in range(len(READ), len(records)):
        assert outcomes[(f"d{i}", "a")] == "error" and outcomes[(f"d{i}", "n")] == "error"
        assert outcomes[(f"d{i}", "g")] == "error", records[i]
    (tmp_path / "d.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    headers = ["部门编码", "满意度", "库容", "在职人数", "2022年历年支出数", "2023年历年支出数"]
    rows = [
        [r["id"], r["satisfaction"], r["area"], r["staff"], r["paid"]["2022"], r["paid"]["2023"]]
        for r in records
    ]
    with (tmp_path / "d.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
    assert _seen(rs.evaluate(load_subjects(tmp_path / "d.jsonl", rs))) == want
    assert _seen(rs.evaluate(load_subjects(tmp_path / "d.csv", rs))) == want
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import ColumnarScorer

    frame = pd.DataFrame(rows, columns=headers)
    assert _seen(rs.evaluate(frame)) == want
    result = ColumnarScorer(rs).score(frame)
    assert result.totals_decimal() == [s.total for s in report.subjects]
    for rid in ("s", "a", "n", "g"):
        assert list(result.outcomes(rid)) == [outcomes[(r["id"], rid)] for r in records]
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES, encoding="utf-8")
    for name in ("d.jsonl", "d.csv"):
        columnar_bytes_agree(rules, tmp_path / name, tmp_path, codes=(0, 3))
