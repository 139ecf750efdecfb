"""An explanation written ``无``, ``暂无``, ``略``, ``N/A`` does not satisfy ``explain_if …
require:`` (rev12): one list of placeholder words, read the same by record and by columns."""

from __future__ import annotations

from typing import Any

import pytest

import perfscore
from perfscore.placeholders import PLACEHOLDER_TEXTS, explains

RULES = """\
perfscore: 1
id: explained
title: 执行率说明
version: "1"
inputs:
  budget: {type: money, unit: 万元, min: 0}
  spent: {type: money, unit: 万元, min: 0}
  reason: {type: text, title: 执行率低于 90% 的原因说明}
  given: {type: boolean, title: 已说明原因}
metrics:
  rate: {title: 预算执行率, expr: spent / budget, unit: "%"}
indicators:
  - {id: execution, title: 预算执行率, weight: 100, value: rate,
     scorer: {type: proportional, target: 1}}
checks:
  - {id: low_explained, title: 执行率低于 90% 须说明原因, type: explain_if,
     when: rate < 0.9, require: reason, severity: warning}
  - {id: low_flagged, title: 执行率低于 90% 须勾选已说明, type: explain_if,
     when: rate < 0.9, require: given, severity: warning}
"""

PLACEHOLDERS = ["无", "没有", "暂无", "无说明", "略", "N/A", "n/a", "-", "/", "无。", " 无 ", "（无）",
                "ＮＡ", "None", "暂 无", "待补充", "...", ""]  # fmt: skip
REASONS = [
    "项目延期至次年实施",
    "无法按期开工，资金结转",
    "因疫情暂缓",
    "略有延误，已整改",
    "none of the above",
]


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_a_placeholder_word_is_not_an_explanation(text: str) -> None:
    assert not explains(text)
    rs = perfscore.load_ruleset_text(RULES)
    res = rs.evaluate_subject({"id": "p", "values": {"budget": 100, "spent": 80, "reason": text}})
    f = res.finding("low_explained")
    assert (f.outcome, f.severity) == ("fail", "warning")


@pytest.mark.parametrize("text", REASONS)
def test_a_real_reason_is_an_explanation_even_with_a_placeholder_inside(text: str) -> None:
    assert explains(text)
    rs = perfscore.load_ruleset_text(RULES)
    res = rs.evaluate_subject({"id": "p", "values": {"budget": 100, "spent": 80, "reason": text}})
    assert res.finding("low_explained").outcome == "pass"


def test_yes_explains_and_no_does_not() -> None:
    assert explains(True) and not explains(False) and not explains(None)
    assert not explains(0) and "无" in PLACEHOLDER_TEXTS and "/" in PLACEHOLDER_TEXTS
    rs = perfscore.load_ruleset_text(RULES)
    for given, outcome in ((True, "pass"), (False, "fail"), ("是", "pass"), ("否", "fail")):
        res = rs.evaluate_subject(
            {"id": "p", "values": {"budget": 100, "spent": 80, "given": given}}
        )
        assert res.finding("low_flagged").outcome == outcome


def test_the_columnar_path_reads_the_same_list() -> None:
    np = pytest.importorskip("numpy")
    from perfscore.columnar import ColumnarScorer

    rs = perfscore.load_ruleset_text(RULES)
    texts: list[Any] = [*PLACEHOLDERS, *REASONS, None]
    rows = [{"budget": 100.0, "spent": 80.0, "reason": t, "given": True} for t in texts]
    rows.append({"budget": 100.0, "spent": 95.0, "reason": "无", "given": False})
    cols = {
        "budget": np.array([r["budget"] for r in rows]),
        "spent": np.array([r["spent"] for r in rows]),
        "reason": np.array([r["reason"] for r in rows], dtype=object),
        "given": np.array([r["given"] for r in rows], dtype=object),
    }
    res = ColumnarScorer(rs).score(cols)
    assert not res.fallback.any()
    got = list(res.outcomes("low_explained"))
    want = [
        rs.evaluate_subject(r, index=i).finding("low_explained").outcome for i, r in enumerate(rows)
    ]
    assert got == want
    assert got == ["fail"] * len(PLACEHOLDERS) + ["pass"] * len(REASONS) + ["fail", "pass"]
