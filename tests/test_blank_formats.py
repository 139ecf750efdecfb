"""One answer for a blank, whatever the format (session 16): the same departments written as
JSON records, JSON Lines, a CSV with one column a year and a pandas frame of ``{year: figure}``
mapping cells — and that frame by columns — give the same outcomes, points and totals, with
blank years (``null``, ``""``, ``-``, ``—``, ``/``), series with every year blank, numbers
grouped by commas or spaces (ordinary, no-break, thin), stray spaces between digits, and
``year(s, y)`` of a year without a figure generated."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from perfscore import load_ruleset_text, load_subjects

RULES = """\
perfscore: 1
id: blank_formats
title: 空白与格式
version: "1"
settings: {missing: not_applicable, not_applicable_weight: redistribute, zero_division: not_applicable}
inputs:
  paid: {type: series, of: money, unit: 万元, title: 历年支出数}
  budget: {type: money, unit: 万元, title: 年度预算数}
metrics:
  growth: {title: 支出增长率, expr: "(year(paid, 2023) - year(paid, 2022)) / year(paid, 2022)", unit: "%"}
indicators:
  - {id: grow, title: 支出增长率, weight: 20, value: growth, scorer: {type: threshold, op: ">=", target: 0.05, points_otherwise: 5}}
  - {id: latest, title: 2023年支出, weight: 20, value: "year(paid, 2023)", scorer: {type: threshold, op: ">=", target: 100}}
  - id: steady
    title: 支出稳定
    weight: 20
    value: paid
    scorer: {type: series_bands, last: 3, at_least: 2, bands: [{range: ">= 100", points: 20}], otherwise: 0}
  - {id: share, title: 近两年平均支出占预算, weight: 20, value: "mean(last(paid, 2)) / budget", scorer: {type: proportional, direction: higher, target: 1}}
  - {id: size, title: 预算规模, weight: 20, value: budget, scorer: {type: threshold, op: ">=", target: 1000}}
"""
YEARS = (2021, 2022, 2023)
BLANKS = [None, "", "-", "—", "/", " "]
SPACES = [" ", "\u00a0", "\u2009", "\u202f"]


@st.composite
def _figure(draw: Any) -> str | None:
    """A cell: a blank, or a number written plainly, grouped by commas or spaces, or with a
    space a thousands separator cannot explain."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(BLANKS))  # type: ignore[no-any-return]
    whole = draw(st.integers(0, 9_999_999))
    frac = draw(st.sampled_from(["", ".5", ".25", ".05"]))
    style = draw(st.integers(0, 4))
    if style == 0:
        return f"{whole}{frac}"
    if style == 1:
        return f"{whole:,}{frac}"
    if style in (2, 3):
        return f"{whole:,}".replace(",", draw(st.sampled_from(SPACES))) + frac
    text = str(whole)  # a space inside the digits, not grouping thousands (or by chance it does)
    at = draw(st.integers(1, max(1, len(text) - 1)))
    return text[:at] + " " + text[at:] + frac


DEPARTMENT = st.tuples(st.lists(_figure(), min_size=3, max_size=3), _figure())


def _seen(report: Any) -> list[Any]:
    return [
        (r.subject.id, r.total, [(f.rule_id, f.outcome, f.points) for f in r.findings])
        for r in report.subjects
    ]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(departments=st.lists(DEPARTMENT, min_size=1, max_size=8))
@example(  # every kind at least once: a series all blank, grouped by commas, by a no-break
    # space, by a thin space, a stray space, a year without a figure read by year()
    departments=[
        ([None, "", "—"], "1,234.5"),
        (["1\u00a0000", "1,100", "1\u2009210.5"], "12 345"),
        (["100", None, "105"], "9 5"),
        (["/", "100", "-"], "1000"),
    ]
)
def test_every_format_scores_a_department_alike(
    tmp_path_factory: pytest.TempPathFactory, departments: list[Any]
) -> None:
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import ColumnarScorer

    rs = load_ruleset_text(RULES, source="blank_formats.yaml")
    tmp = tmp_path_factory.mktemp("formats")
    ids = [f"d{i}" for i in range(len(departments))]
    records = [
        {"id": i, "values": {"paid": dict(zip(YEARS, cells, strict=True)), "budget": budget}}
        for i, (cells, budget) in zip(ids, departments, strict=True)
    ]
    want = _seen(rs.evaluate(records))
    docs = [
        {"id": r["id"], "values": {"paid": {str(y): v for y, v in r["values"]["paid"].items()},
                                   "budget": r["values"]["budget"]}}
        for r in records
    ]  # fmt: skip
    (tmp / "d.json").write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    (tmp / "d.jsonl").write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
    )
    with (tmp / "d.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["部门编码", *(f"{y}年历年支出数" for y in YEARS), "年度预算数"])
        for i, (cells, budget) in zip(ids, departments, strict=True):
            w.writerow(
                [i, *("" if c is None else c for c in cells), "" if budget is None else budget]
            )
    for name in ("d.json", "d.jsonl", "d.csv"):
        assert _seen(rs.evaluate(load_subjects(tmp / name, rs))) == want, name
    frame = pd.DataFrame(
        {
            "id": ids,
            "paid": [r["values"]["paid"] for r in records],
            "budget": [r["values"]["budget"] for r in records],
        }
    )
    assert _seen(rs.evaluate(frame)) == want
    result = ColumnarScorer(rs).score(frame)
    assert result.totals_decimal() == [t for _, t, _ in want]
    by_rule = {(i, rid): (o, p) for i, _, fs in want for rid, o, p in fs}
    for rid in ("grow", "latest", "steady", "share", "size"):
        got = list(zip(result.outcomes(rid), result.points_decimal(rid), strict=True))
        assert got == [by_rule[(i, rid)] for i in ids], rid
