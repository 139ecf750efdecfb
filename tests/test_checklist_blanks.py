"""A checklist's blank items decided one by one (rule-language §7.6): the answered items count as
written and each blank one follows the indicator's ``missing`` policy (``not_applicable`` with
``not_applicable_weight`` redistribute / zero, ``zero``, ``full``, ``error``); every item blank,
the whole checklist follows it.  The same on every path: the evaluator's findings, points only,
and the columnar path (no row sent to the per-record path)."""

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
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.subjects import read_subject  # noqa: E402
from test_columnar_when import _columns  # noqa: E402

RULES = """\
perfscore: 1
id: blanks
title: 清单空白项
version: "1"
settings: {places: 2, missing: MISSING, not_applicable_weight: NAW}
inputs:
  rules_made: {type: boolean, title: 制定管理制度}
  published: {type: boolean, title: 按规定公开}
  level: {type: text, title: 层级, choices: [county, city]}
  spent: {type: money, unit: 万元, title: 执行数}
  budget: {type: money, unit: 万元, title: 预算数}
  other: {type: number, title: 其他}
metrics:
  rate: {title: 执行率, expr: spent / budget, unit: "%"}
indicators:
  - id: manage
    title: 管理
    weight: 7
    scorer:
      type: checklist
      items:
        - {id: made, title: 制度, points: 2, when: rules_made}
        - {id: open, title: 公开, points: 1.5, when: published}
        - {id: city, title: 市级, points: 1, when: "level == 'city'"}
        - {id: rate_ok, title: 执行率, points: 2.5, when: rate >= 0.9}
  - {id: o, title: 其他, weight: 3, value: other, scorer: {type: threshold, op: ">=", target: 1}}
"""

POLICIES = [
    ("not_applicable", "redistribute"),
    ("not_applicable", "zero"),
    ("zero", "redistribute"),
    ("full", "redistribute"),
    ("error", "redistribute"),
]


def _rules(missing: str, naw: str) -> perfscore.RuleSet:
    text = RULES.replace("MISSING", missing).replace("NAW", naw)
    return perfscore.load_ruleset_text(text, source=f"{missing}-{naw}.yaml")


def _one(rs: perfscore.RuleSet, values: dict[str, Any]) -> Any:
    return rs.evaluate({"id": "d", "values": {**values, "other": 1}}).subjects[0].finding("manage")


@pytest.mark.parametrize(
    ("missing", "naw", "outcome", "points"),
    [
        # 制度 是 (2), 公开 blank (1.5), 市级 county (0 of 1), 执行率 blank (2.5): answered 2 of 3
        ("not_applicable", "redistribute", "fail", "4.67"),  # 7 × 2 / 3
        ("not_applicable", "zero", "fail", "2.00"),
        ("zero", "redistribute", "fail", "2.00"),
        ("full", "redistribute", "fail", "6.00"),  # 2 + 1.5 + 2.5
        ("error", "redistribute", "error", None),
    ],
)
def test_each_blank_item_follows_the_missing_policy(
    missing: str, naw: str, outcome: str, points: str | None
) -> None:
    f = _one(_rules(missing, naw), {"rules_made": True, "level": "county"})
    assert f.outcome == outcome
    assert (None if f.points is None else str(f.points)) == points
    if outcome == "error":  # the blank items named, the answered one not
        assert "no data for 'published'" in f.reason and "no data for 'spent'" in f.reason
        assert "rules_made" not in f.reason
    else:
        assert f.reason is None  # scored from data
        text = f.explanation.en
        assert "(blank: open 1.5, rate_ok 2.5;" in text


@pytest.mark.parametrize(("missing", "naw"), POLICIES)
def test_every_item_blank_is_the_policy_for_the_whole_checklist(missing: str, naw: str) -> None:
    f = _one(_rules(missing, naw), {})
    want = {"not_applicable": "not_applicable", "zero": "fail", "full": "pass", "error": "error"}
    assert f.outcome == want[missing]
    assert "no data for 'rules_made'" in f.reason and "no data for 'level'" in f.reason


def test_every_answered_item_met_with_the_rest_blank_is_full_marks_when_redistributed() -> None:
    f = _one(_rules("not_applicable", "redistribute"), {"rules_made": True, "published": True})
    assert (f.outcome, f.points) == ("pass", Decimal(7))
    # a field that is wrong is an error, not a blank
    rs = _rules("not_applicable", "redistribute")
    bad = rs.evaluate({"id": "d", "values": {"rules_made": True, "level": "town"}}).subjects[0]
    assert bad.finding("manage").outcome == "error"


def test_a_blank_in_the_data_scores_as_a_no_only_under_missing_zero() -> None:
    """The §7.6 promise: with ``missing: zero`` a blank is a 否; with the default it is 不适用."""
    for missing, naw in POLICIES[:4]:
        rs = _rules(missing, naw)
        given = {"rules_made": True, "published": False, "level": "city", "spent": 80}
        blank = _one(rs, {k: v for k, v in given.items() if k != "published"})
        no = _one(rs, given)
        if missing == "zero" or naw == "zero":
            assert blank.points == no.points, missing
        else:
            assert blank.points > no.points, missing


@st.composite
def _rows(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "rules_made": draw(st.sampled_from([True, False, None])),
        "published": draw(st.sampled_from([True, False, None])),
        "level": draw(st.sampled_from(["county", "city", None])),
        "spent": draw(st.sampled_from([90.0, 89.99, 0.0, math.nan])),
        "budget": draw(st.sampled_from([100.0, 0.0, math.nan])),
        "other": draw(st.sampled_from([1.0, 0.0, math.nan])),
    }


def _paths_agree(rs: perfscore.RuleSet, rows: list[dict[str, Any]]) -> None:
    cs = ColumnarScorer(rs)
    assert cs.supported, cs.reason
    res = cs.score(_columns(rows))
    assert not res.fallback.any()  # none sent to the per-record path
    for i, rec in enumerate(rows):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        record = {"id": f"r{i}", "values": {k: v for k, v in clean.items() if v is not None}}
        want = rs.evaluate_subject(record, index=i)
        for sc in want.scores:
            got = (res.points_decimal(sc.rule_id)[i], res.outcomes(sc.rule_id)[i])
            assert got == (sc.points, sc.outcome), (i, sc.rule_id, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        data = read_subject(record, rs.compiled.inputs, index=i, subject_type="department")
        points, total = rs.evaluator.points(data)  # the points-only path
        assert (points["manage"], total) == (want.score("manage").points, want.total), (i, rec)


@pytest.mark.parametrize(("missing", "naw"), POLICIES)
@settings(max_examples=40, deadline=None)
@given(rows=st.lists(_rows(), min_size=1, max_size=30))
@example(
    rows=[
        {"rules_made": True, "published": None, "level": "county", "spent": math.nan,
         "budget": 100.0, "other": 1.0},
        {"rules_made": None, "published": None, "level": None, "spent": math.nan,
         "budget": math.nan, "other": 1.0},
        {"rules_made": False, "published": True, "level": None, "spent": 90.0,
         "budget": 0.0, "other": 1.0},
    ]
)  # fmt: skip
def test_columnar_and_points_only_decide_blank_items_as_the_evaluator(
    missing: str, naw: str, rows: list[dict[str, Any]]
) -> None:
    _paths_agree(_rules(missing, naw), rows)


def test_the_explanation_names_the_blank_items_and_how_they_counted() -> None:
    """What rule-language §7.6 quotes: the blank item, its points and the rule, in both
    languages."""
    doc = Path(__file__).resolve().parents[1] / "docs" / "rule-language.md"
    text = doc.read_text("utf-8")
    start = text.index("### 7.6 `checklist`")
    rules = text[
        text.index("```yaml rules\n", start) + 14 : text.index(
            "```", text.index("```yaml rules\n", start) + 14
        )
    ]
    rs = perfscore.load_ruleset_text(rules)
    values = {"disclosed_budget": "是", "disclosed_final_accounts": "否"}
    f = rs.evaluate({"id": "d", "values": values}).subjects[0].finding("disclosure")
    quoted = "未填：按规定公开绩效信息 1 分，不适用，按已填各项分值折算到权重 5 分"
    assert quoted in f.explanation.zh and quoted in text
    assert "(blank: performance 1; not applicable: the answered items scaled to the weight 5; " in (
        f.explanation.en
    )
    assert f.points == Decimal("2.50")
