"""rawvalue: the data limit for a figure lands where docs/data.md puts it ("beyond 10¹⁵")."""

from __future__ import annotations

import datetime
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from perfscore.rawvalue import describe, to_number


@pytest.mark.parametrize(
    "raw",
    ["1e15", "-1e15", "1000000000000000", Decimal("999999999999999.99"), 10**15, 1e15],
)
def test_a_figure_of_at_most_10_to_the_15_is_read(raw: object) -> None:
    assert abs(to_number(raw, None, False)) <= Decimal("1e15")


@pytest.mark.parametrize(
    "raw",
    [
        "1000000000000000.01",
        "-1000000000000000.01",
        Decimal("1.000000000000000000000000001e15"),
        10**15 + 1,
        "9.99e15",
        Decimal("1e16"),
        1.0000000000000002e15,
    ],
)
def test_a_figure_beyond_10_to_the_15_is_refused_and_the_message_says_so(raw: object) -> None:
    with pytest.raises(ValueError) as got:
        to_number(raw, None, False)
    message = str(got.value)
    assert "1e15" in message, message


def test_the_examples_docs_data_gives_for_the_limit_behave_as_it_says() -> None:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "data.md").read_text(encoding="utf-8")
    assert "`1e15` is read, `1000000000000000.01` is refused" in text
    assert to_number("1e15", None, False) == Decimal("1e15")
    with pytest.raises(ValueError, match="the limit is 1e15"):
        to_number("1000000000000000.01", None, False)


def test_both_readers_put_the_boundary_on_the_same_side() -> None:
    """Per record and columnar: 10¹⁵ is scored, the next float above it is a field error."""
    import numpy as np

    import perfscore
    from perfscore.columnar import ColumnarScorer

    rs = perfscore.load_ruleset_text(
        'perfscore: 1\nid: mini\ntitle: t\nversion: "1"\n'
        "inputs: {amount: {type: money, unit: 万元}}\n"
        "indicators:\n"
        "  - {id: a, title: A, weight: 5, value: amount,"
        " scorer: {type: threshold, op: '>=', target: 1}}\n"
    )
    above = float(np.nextafter(1e15, 2e15))
    want = {1e15: "pass", -1e15: "fail", above: "error", 9.99e15: "error", -above: "error"}
    report = rs.evaluate([{"amount": v} for v in want])
    assert [s.findings[0].outcome for s in report.subjects] == list(want.values())
    got = ColumnarScorer(rs).score({"amount": np.array(list(want), dtype=np.float64)})
    assert list(got.outcomes("a")) == list(want.values())


def test_a_figure_nearer_zero_than_10_to_the_minus_400_is_refused_not_a_hang(
    tmp_path: Path,
) -> None:
    """``1e-1000000`` (9 characters) in a money cell kept an exact quotient with a 10^1000000
    denominator: a batch hung on one cell (seen by rev15, session 15; quadratic in the
    exponent). Now it is a field error on every reading — text, a JSON/Decimal number (the
    compiled readers' fast form), a CSV by columns and by records — and the rest is scored;
    10^-400 itself, 0 written with any exponent and every binary float (down to 5e-324) are read."""
    import perfscore

    rules = (
        'perfscore: 1\nid: tiny\ntitle: t\nversion: "1"\n'
        "inputs: {budget: {type: money}, initial: {type: money}, executed: {type: money}}\n"
        "indicators:\n"
        "  - {id: adjust, title: 调整率, weight: 50, value: 'abs(budget - initial) / initial',"
        " scorer: {type: threshold, op: '<=', target: 0.1}}\n"
        "  - {id: spent, title: 支出, weight: 50, value: executed,"
        " scorer: {type: threshold, op: '>=', target: 1}}\n"
    )
    rs = perfscore.load_ruleset_text(rules)
    # by the command first, in a process of its own: a hang fails here after 120 s
    csv = tmp_path / "d.csv"
    csv.write_text("id,budget,initial,executed\n" + "".join(
        f"r{i},100,{raw},95\n" for i, raw in enumerate(["1e-1000000", "1e-400", "90", "0"])),
        encoding="utf-8")  # fmt: skip
    (tmp_path / "tiny.yaml").write_text(rules, encoding="utf-8")
    outs = []
    for extra in ([], ["--no-columnar"]):
        out = tmp_path / f"f{len(extra)}.jsonl"
        done = subprocess.run(
            [sys.executable, "-m", "perfscore", "score", str(tmp_path / "tiny.yaml"), str(csv),
             "-o", str(out), *extra],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert out.exists(), done.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].count(b"too small") >= 1
    refused = ["1e-1000000", Decimal("1e-1000000"), "1e-401", Decimal("-1.5e-401")]
    read = ["1e-400", Decimal("1e-400"), "0e-1000000", Decimal("0e-1000000"), 5e-324, 0.0]
    rows = [{"id": f"r{i}", "budget": 100, "initial": raw, "executed": 95}
            for i, raw in enumerate(refused + read)]  # fmt: skip
    report = rs.evaluate(rows)
    got = [{f.rule_id: f for f in s.findings} for s in report.subjects]
    for row in got[: len(refused)]:
        assert row["adjust"].outcome == "error"
        assert "too small" in (row["adjust"].reason or "")
        assert "过小" in row["adjust"].message
        assert row["spent"].outcome == "pass"  # everything else still scored
    for row in got[len(refused) :]:
        assert "too small" not in (row["adjust"].reason or "")
        assert row["spent"].outcome == "pass"
    with pytest.raises(ValueError, match="too small"):
        to_number("1e-401", None, False)
    assert to_number("1e-400", None, False) == Decimal("1e-400")


@pytest.mark.parametrize(
    ("raw", "en", "zh"),
    [
        (datetime.datetime(2024, 3, 1), "a date 2024-03-01", "日期 2024-03-01"),
        (datetime.datetime(2024, 3, 1, 8, 30), "a date 2024-03-01 08:30:00", "日期 2024-03-01 08:30:00"),
        (datetime.date(2024, 3, 1), "a date 2024-03-01", "日期 2024-03-01"),
        (datetime.time(8, 30), "a time 08:30:00", "时刻 08:30:00"),
        (Decimal("3.5"), "3.5", "3.5"),
        (b"x", "a value of type bytes", "bytes 类型的值"),
    ],
)  # fmt: skip
def test_a_value_is_described_in_words_never_a_python_repr(raw: object, en: str, zh: str) -> None:
    assert (describe(raw), describe(raw, "zh")) == (en, zh)


def test_a_date_in_a_number_cell_of_a_workbook_is_said_as_a_date(tmp_path: Path) -> None:
    import io
    import json

    import openpyxl

    from perfscore.cli import main

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["部门", "全年预算数", "执行数"])
    ws.append(["甲", datetime.date(2024, 3, 1), 90])
    data, out = tmp_path / "d.xlsx", tmp_path / "o.jsonl"
    wb.save(data)
    rules = Path(__file__).resolve().parent.parent / "rules" / "cn-dept-overall.yaml"
    main(
        ["score", str(rules), str(data), "-o", str(out)], stdout=io.StringIO(), stderr=io.StringIO()
    )
    [f] = [
        r
        for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())
        if r.get("record") == "finding" and r["rule_id"] == "execution_rate_score"
    ]
    assert "expected a number, got a date 2024-03-01" in f["reason"]
    assert "datetime" not in f["reason"] and "datetime" not in f["message"]
    assert "应为数字，实为 日期 2024-03-01" in f["message"]
