"""A space between a number's digits is read only as a thousands separator — groups of exactly
three digits after a first group of one to three, the rule commas follow (``3 435.02``, also
with a no-break U+00A0, narrow no-break U+202F or thin U+2009 space) — and refused anywhere
else among the digits: ``'9 5'`` in 满意度 was read as 95 % (rev15, session 15), as ``'1 2 3'``
was 123.  A refused cell is an ``error`` for that field with a zh/en message quoting it; the
same on the record path, the compiled readers' fast form, by columns and from every format."""

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
from perfscore.fieldread import field_reader
from perfscore.rawvalue import read_number
from perfscore.subjects import InputSpec, normalise_value, read_cell, read_subject

RULES = """\
perfscore: 1
id: spaces
title: 数字中的空格
version: "1"
inputs:
  budget: {type: money, unit: 万元, title: 全年预算数}
  satisfaction: {type: percent, title: 满意度}
  staff: {type: integer, title: 在职人数}
  paid: {type: series, of: money, unit: 万元, title: 历年支出数}
indicators:
  - {id: s, title: 满意度, weight: 25, value: satisfaction, scorer: {type: threshold, op: ">=", target: 0.9}}
  - {id: b, title: 预算, weight: 25, value: budget, scorer: {type: threshold, op: ">=", target: 1000}}
  - {id: n, title: 人数, weight: 25, value: staff, scorer: {type: threshold, op: ">=", target: 10}}
  - {id: g, title: 支出增长, weight: 25, value: "year(paid, 2023) - year(paid, 2022)", scorer: {type: threshold, op: ">=", target: 0}}
"""

READ = [
    ("3 435.02", "3435.02"),
    ("3\u00a0435.02", "3435.02"),  # no-break space
    ("3\u202f435.02", "3435.02"),  # narrow no-break space
    ("3\u2009435.02", "3435.02"),  # thin space
    ("12 345 678", "12345678"),
    ("1 000.", "1000"),
    (" 1 000 ", "1000"),  # spaces around: trimmed
    ("1 000万元", "1000"),
    ("3435.02 万元", "3435.02"),  # before the unit
    ("- 5", "-5"),  # after the sign
    ("+ 1 000", "1000"),
    ("1,000", "1000"),
    ("١ ٢٣٤", "1234"),  # Arabic-Indic digits grouped by a space
]

REFUSED = [
    "9 5",
    " 1 0 ",
    "1 2 3",
    "1234 567",  # a first group of four
    "12 34",  # a group of two
    "1 000 00",
    "1 0000",
    "1,000 000",  # two kinds of separator
    "1 000,000",
    "3 435. 02",
    "3435 .02",
    "12 345.678 9",  # spaces among the decimals
    "1e 5",
    "1 000e3",
    "9\u00a05",
    "9\u20095%",
]


@pytest.mark.parametrize(("cell", "value"), READ)
def test_a_thousands_space_is_read(cell: str, value: str) -> None:
    assert read_number(cell, "万元")[0] == Decimal(value)
    got = normalise_value(InputSpec("x", "money", unit="万元"), cell)
    assert got == Decimal(value)


@pytest.mark.parametrize("cell", REFUSED)
def test_any_other_space_among_the_digits_is_refused(cell: str) -> None:
    for spec in (
        InputSpec("x", "money", unit="万元"),
        InputSpec("x", "percent"),
        InputSpec("x", "number"),
        InputSpec("x", "integer"),
    ):
        with pytest.raises(ValueError) as e:
            normalise_value(spec, cell)
        message = e.value.args[0]
        assert repr(cell) in str(message)  # the cell, quoted
        assert "thousands" in message and "千位分隔" in message.zh
        reader = field_reader(spec, normalise_value, read_cell)  # the compiled fast form
        with pytest.raises(ValueError) as e2:
            reader(cell)
        assert e2.value.args[0] == message


GROUPS = st.lists(st.text("0123456789", min_size=1, max_size=5), min_size=1, max_size=4)


@given(
    groups=GROUPS,
    space=st.sampled_from([" ", "\u00a0", "\u202f", "\u2009"]),
    frac=st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=3).map(".{}".format)),
    sign=st.sampled_from(["", "-", "+"]),
)
def test_spaces_and_commas_follow_one_rule(
    groups: list[str], space: str, frac: str, sign: str
) -> None:
    """The same digits grouped by commas and by spaces are read alike, or both refused."""
    spec = InputSpec("x", "number")
    got = []
    for sep in (",", space):
        try:
            got.append(normalise_value(spec, sign + sep.join(groups) + frac))
        except ValueError:
            got.append(None)
    assert got[0] == got[1]
    if len(groups) > 1:
        grouped = 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
        assert (got[1] is not None) == grouped


def _records() -> list[dict[str, Any]]:
    cells = [*(c for c, _ in READ if "万元" not in c), *REFUSED]
    out = []
    for i, c in enumerate(cells):
        pct = c if "," not in c else "95"
        out.append(
            {
                "id": f"d{i}",
                "budget": c,
                "satisfaction": pct,
                "staff": c.replace(".", "") if i % 2 else "12",
                "paid": {"2022": "1 000", "2023": c},
            }
        )
    return out


def _seen(report: Any) -> list[Any]:
    """Per subject its total and per finding outcome, points and whether the message says a
    space was refused (the messages say where the cell was: a line, a column, a key)."""
    return [
        (
            r.subject.id,
            r.total,
            [
                (f.rule_id, f.outcome, f.points, "thousands" in (f.message_en or ""))
                for f in r.findings
            ],
        )
        for r in report.subjects
    ]


def test_every_reader_reads_a_space_alike(tmp_path: Path) -> None:
    """The records' results from JSON Lines, a CSV (UTF-8 and GBK; the series one column a
    year), a pandas frame and, by columns, ColumnarScorer; the command writes the same bytes
    with and without ``--no-columnar``."""
    rs = load_ruleset_text(RULES, source="spaces.yaml")
    records = _records()
    report = rs.evaluate(records)
    want = _seen(report)
    outcomes = {(f.subject.id, f.rule_id): f.outcome for f in report.findings}
    n_read = len([c for c, _ in READ if "万元" not in c])
    assert all(outcomes[(f"d{i}", "b")] != "error" for i in range(n_read))
    assert all(outcomes[(f"d{i}", "b")] == "error" for i in range(n_read, len(records)))
    assert all(outcomes[(f"d{i}", "g")] == "error" for i in range(n_read, len(records)))
    (tmp_path / "d.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    headers = [
        "部门编码",
        "全年预算数",
        "满意度",
        "在职人数",
        "2022年历年支出数",
        "2023年历年支出数",
    ]
    rows = [
        [r["id"], r["budget"], r["satisfaction"], r["staff"], r["paid"]["2022"], r["paid"]["2023"]]
        for r in records
    ]
    for enc in ("utf-8", "gbk"):
        try:
            with (tmp_path / f"d-{enc}.csv").open("w", encoding=enc, newline="") as fh:
                w = csv.writer(fh)
                w.writerow(headers)
                w.writerows(rows)
        except UnicodeEncodeError:  # (GBK has no thin or narrow space: those rows in UTF-8)
            keep = [r for r in rows if all(c.encode("gbk", "ignore").decode("gbk") == c for c in r)]
            with (tmp_path / f"d-{enc}.csv").open("w", encoding=enc, newline="") as fh:
                w = csv.writer(fh)
                w.writerow(headers)
                w.writerows(keep)
    assert _seen(rs.evaluate(load_subjects(tmp_path / "d.jsonl", rs))) == want
    assert _seen(rs.evaluate(load_subjects(tmp_path / "d-utf-8.csv", rs))) == want
    gbk = _seen(rs.evaluate(load_subjects(tmp_path / "d-gbk.csv", rs)))
    assert gbk == [w for w in want if w[0] in {g[0] for g in gbk}] and len(gbk) > 20
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import ColumnarScorer

    frame = pd.DataFrame(rows, columns=headers)
    assert _seen(rs.evaluate(frame)) == want
    result = ColumnarScorer(rs).score(frame)
    assert result.totals_decimal() == [s.total for s in report.subjects]
    for rid in ("s", "b", "n", "g"):
        assert list(result.outcomes(rid)) == [outcomes[(r["id"], rid)] for r in records]
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES, encoding="utf-8")
    for name in ("d.jsonl", "d-utf-8.csv", "d-gbk.csv"):
        columnar_bytes_agree(rules, tmp_path / name, tmp_path, codes=(0, 3))


def test_a_refused_cell_is_named_with_its_place() -> None:
    rs = load_ruleset_text(RULES, source="spaces.yaml")
    data = read_subject(
        {"id": "x", "values": {"satisfaction": "9 5"}, "cells": {"satisfaction": "Sheet1!C2"}},
        rs.inputs,
        index=0,
        subject_type="department",
    )
    message = data.field_errors["satisfaction"]
    assert "Sheet1!C2" in message and "Sheet1!C2" in message.zh and "'9 5'" in message


def test_the_docs_examples_read_as_the_docs_say() -> None:
    """docs/data.md's paragraph on spaces: each example it gives is read or refused as it says."""
    text = (Path(__file__).parent.parent / "docs" / "data.md").read_text(encoding="utf-8")
    para = text[text.index("A space between a number's digits") :]
    para = para[: para.index("\n\n")]
    for cell in ("3 435.02", "12 345 678"):
        assert f'`"{cell}"`' in para
        assert read_number(cell, None)[0] == Decimal(cell.replace(" ", ""))
    for cell in ("9 5", "1 2 3", "1234 567", "3 435. 02", "1,000 000"):
        assert f'`"{cell}"`' in para
        with pytest.raises(ValueError):
            read_number(cell, None)
    for cell, unit, value in (("- 5", None, "-5"), ("3435.02 万元", "万元", "3435.02")):
        assert f'`"{cell}"`' in para
        assert read_number(cell, unit)[0] == Decimal(value)
    assert read_number("99.4 %", None, percent=True)[0] == Decimal("99.4")
    with pytest.raises(ValueError) as e:
        normalise_value(InputSpec("x", "percent"), "9 5")
    en, zh = e.value.args[0], e.value.args[0].zh
    assert en in " ".join(para.split()) and zh.startswith(
        "文字 '9 5'：数字中间的空格只能用作千位分隔"
    )
    assert "数字中间的空格只能用作千位分隔" in para
