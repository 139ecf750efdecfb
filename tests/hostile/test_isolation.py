"""Class 6 of #19 (the data parts): one bad record or cell is an error for that unit only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from perfscore import DataError, load_ruleset_text, load_subjects

from ._harness import data_file

CASES = data_file("isolation.yaml")
RULES = """
perfscore: 1
id: iso
title: iso
version: "1"
inputs: {x: {type: number}, s: {type: series}, t: {type: text}}
indicators:
  - {id: a, title: a, weight: 10, value: x, scorer: {type: threshold, op: ">=", target: 3}}
"""


@pytest.mark.parametrize("case", CASES["files"], ids=[c["name"] for c in CASES["files"]])
def test_one_bad_record_is_an_error_for_that_record_only(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    path = tmp_path / "data.json"
    path.write_text(case["text"], encoding="utf-8")
    if case["bad"] == "file":
        with pytest.raises(DataError, match="duplicate key"):
            load_subjects(path)
        return
    rs = load_ruleset_text(RULES)
    report = rs.evaluate(load_subjects(path))
    for s in report.subjects:
        (finding,) = s.findings
        if s.subject.id in case["bad"]:
            assert finding.outcome == "error"
            assert "duplicate key" in finding.message and "data.json:" in finding.message
        else:
            assert finding.outcome in ("pass", "fail")
    assert {s.subject.id for s in report.subjects} >= set(case["bad"])


@pytest.mark.parametrize("case", CASES["frames"], ids=[c["name"] for c in CASES["frames"]])
def test_score_frame_gives_the_per_record_result(case: dict[str, Any]) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("numpy")
    from perfscore.columnar import score_frame

    rs = load_ruleset_text(RULES)
    columns = {k: v for k, v in case.items() if k != "name"}
    out = score_frame(rs, pd.DataFrame(columns))
    records = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    for i, record in enumerate(records):
        record = {k: (None if isinstance(v, float) and v != v else v) for k, v in record.items()}
        expected = rs.evaluate_subject(record, index=i)
        (score,) = expected.scores
        assert out["a.outcome"].iloc[i] == score.outcome, (i, record)
        assert out["a.points"].iloc[i] == score.points, (i, record)
