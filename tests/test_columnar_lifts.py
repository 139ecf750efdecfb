"""What a leaf's scorer computes, lifted out to run by columns (#18, columnar/lifts.py): a
tier's ratio computed from inputs (``ratio: score / 100``, ``got / total`` with zero
denominators, a metric), a tier named by an expression over text and yes/no inputs (the
rule-language §7.7 recipe for a form's 达成/部分达成), and ``clamp()`` in a formula (bounds
written out, and read per row) — each equal to the per-record path row by row, over data
written the way reviewers and departments write it: blanks, 0, exactly on a tier's edge (80,
60), scores past 100 and negative money (refused cells), a word outside the choices, spent
exactly the budget, the 13.51/14 half-cent.  Only rows with a refused cell (and ``clamp`` with
lo > hi: the per-record error) may go to the per-record path."""

from __future__ import annotations

from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from columnar_grid import SETTINGS, object_columns  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.subjects import read_subject  # noqa: E402

_TIERS = """\
      tiers:
        - {id: achieved, title: 达成, range: "[0.8, 1]"}
        - {id: partial, title: 部分达成, range: "[0.6, 0.8)", default: 0.7}
        - {id: not_achieved, title: 未达成, range: "[0, 0.6)", default: 0.3}
"""

LIFTS = (
    """\
perfscore: 1
id: lifted
title: 算出来的比例与等次
version: "1"
settings: {zero_division: {zd}, missing: {missing}, places: 2}
inputs:
  verdict: {type: text, title: 评审等次, choices: [达成, 部分达成, 未达成]}
  tier: {type: text, title: 等次, choices: [achieved, partial, not_achieved]}
  ok: {type: boolean, title: 有佐证}
  score: {type: number, title: 评审得分, min: 0, max: 100}
  got: {type: money, unit: 万元, min: 0}
  total: {type: money, unit: 万元, min: 0}
  rate: {type: percent, title: 执行率}
  lo: {type: number}
  hi: {type: number}
metrics:
  share: {expr: got / total}
  hist: {expr: "round(rate * 100, 2)"}
indicators:
  - id: t_score
    title: 绩效目标合理性（评审得分 / 100）
    weight: 5
    scorer:
      type: tier
      tier: tier
      ratio: score / 100
"""
    + _TIERS
    + """\
  - id: t_share
    title: 比例是两数之比
    weight: 5
    scorer:
      type: tier
      tier: tier
      ratio: got / total
"""
    + _TIERS
    + """\
  - id: t_metric
    title: 比例是计算指标
    weight: 5
    scorer:
      type: tier
      tier: tier
      ratio: share
"""
    + _TIERS
    + """\
  - id: t_sum
    title: 比例是算式
    weight: 5
    scorer:
      type: tier
      tier: tier
      ratio: (score + got) / 200
"""
    + _TIERS
    + """\
  - id: t_words
    title: 评审等次按表格原文
    weight: 10
    scorer:
      type: tier
      tier: "'achieved' if verdict == '达成' else 'partial' if verdict == '部分达成' else 'not_achieved'"
"""
    + _TIERS
    + """\
  - id: t_sub
    title: 原文里含“部分”
    weight: 10
    scorer:
      type: tier
      tier: "'partial' if '部分' in verdict else 'achieved' if verdict == '达成' else 'not_achieved'"
"""
    + _TIERS
    + """\
  - id: t_both
    title: 原文与佐证
    weight: 10
    scorer:
      type: tier
      tier: "'achieved' if verdict == '达成' and ok else 'partial' if verdict != '未达成' else 'nope'"
      ratio: score / 100
"""
    + _TIERS
    + """\
  - {id: c_const, title: 近年执行率, weight: 3, scorer: {type: formula, expr: "clamp((hist - 85) * 0.3, 0, 3)"}}
  - {id: c_rows, title: 按行的界, weight: 10, scorer: {type: formula, expr: "clamp(got / total * 10, lo, hi)"}}
  - {id: c_half, title: 界在半分上, weight: 10, scorer: {type: formula, expr: "clamp(got / 10 - 1, 0.5, 2.345)"}}
grades:
  bands:
    - {id: A, min: 30}
    - {id: B, min: 0}
"""
)

_SCORE = st.sampled_from(
    [None, None, 85, 80, 80.0, 79.99, 60, 59.5, 0, 100, 70, 95.5, 150, -1]  # 150, -1: refused
)
_MONEY = st.sampled_from([None, 0, 0.0, 100.0, 95.0, 13.51, 14.0, 250.5, 1000, -0.01])  # -0.01
_RATE = st.sampled_from([None, 95, 85, 90.5, 100, 120, 85.01, 0.5])  # 0.5: an ambiguous percent
_BOUND = st.sampled_from([None, 0, 3, 5, 10, 10.0, 2.5])


@st.composite
def _row(draw: st.DrawFn) -> dict[str, Any]:
    row = {
        "verdict": draw(st.sampled_from(["达成", "部分达成", "未达成", None, "基本达成"])),
        "tier": draw(st.sampled_from(["achieved", "partial", "not_achieved", None])),
        "ok": draw(st.sampled_from([True, False, None])),
        "score": draw(_SCORE),
        "got": draw(_MONEY),
        "total": draw(_MONEY),
        "rate": draw(_RATE),
        "lo": draw(_BOUND),
        "hi": draw(_BOUND),
    }
    if draw(st.booleans()):  # spent exactly the budget
        row["got"] = row["total"]
    return row


_EDGES = [
    {"verdict": "达成", "tier": "achieved", "ok": True, "score": 80, "got": 14.0, "total": 14.0,
     "rate": 95, "lo": 0, "hi": 10},
    {"verdict": "部分达成", "tier": "partial", "ok": False, "score": 80, "got": 13.51,
     "total": 14.0, "rate": 85, "lo": 3, "hi": 3},
    {"verdict": "未达成", "tier": "partial", "ok": None, "score": None, "got": 0,
     "total": 0, "rate": None, "lo": None, "hi": 5},
    {"verdict": None, "tier": "not_achieved", "ok": True, "score": 59.5, "got": 100.0,
     "total": 250.5, "rate": 120, "lo": 5, "hi": 2.5},
]  # fmt: skip


def _refused(cs: ColumnarScorer, rec: dict[str, Any], i: int) -> bool:
    got = read_subject(rec, cs.rs.compiled.inputs, index=i, subject_type="department")
    return bool(got.field_errors)


def same_but_refused(cs: ColumnarScorer, rows: list[dict[str, Any]], allowed: Any) -> Any:
    """Every row equal to the per-record path; rows sent there only where ``allowed``."""
    res = cs.score(object_columns(rows))
    for i, rec in enumerate(rows):
        want = cs.rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            got = (res.points_decimal(sc.rule_id)[i], res.outcomes(sc.rule_id)[i])
            assert got == (sc.points, sc.outcome), (i, sc, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)
        if res.fallback[i]:
            assert _refused(cs, rec, i) or allowed(rec), (i, rec)
    return res


def _lo_above_hi(rec: dict[str, Any]) -> bool:
    lo, hi = rec["lo"], rec["hi"]
    return lo is not None and hi is not None and lo > hi


@pytest.mark.parametrize(("zd", "missing", "arithmetic"), SETTINGS)
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_row(), min_size=1, max_size=30))
@example(rows=_EDGES)
def test_lifted_expressions_equal_per_record(
    zd: str, missing: str, arithmetic: str, rows: list[dict[str, Any]]
) -> None:
    text = LIFTS.replace("{zd}", zd).replace("{missing}", missing)
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="l.yaml"), arithmetic=arithmetic)
    assert cs.supported, cs.reason
    same_but_refused(cs, rows, _lo_above_hi)


def test_the_edges_decide_as_written() -> None:
    """80 is achieved's bottom edge (a share of 0.8 inside), partial with 80 is outside its
    range (an error), a blank score gives the tier's default (partial 0.7 × 5), 59.5 is
    not_achieved's 0.595 (2.975 rounds half up); 部分达成 reads as partial."""
    text = LIFTS.replace("{zd}", "zero").replace("{missing}", "not_applicable")
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="e.yaml"))
    res = same_but_refused(cs, _EDGES, _lo_above_hi)
    assert res.outcomes("t_score") == ["fail", "error", "fail", "fail"]  # (pass_at: all of it)
    points = res.points_decimal("t_score")
    assert [str(points[i]) for i in (0, 2, 3)] == ["4.00", "3.50", "2.98"]
    assert res.outcomes("t_words")[:3] == ["pass", "fail", "fail"]
    assert not res.fallback[:3].any() and res.fallback[3]  # lo 5 > hi 2.5: clamp's error
    assert res.outcomes("c_rows")[3] == "error"


def test_a_ratio_with_coalesce_stays_per_record_and_says_why() -> None:
    text = LIFTS.replace("{zd}", "zero").replace("{missing}", "error")
    text = text.replace("ratio: score / 100", "ratio: coalesce(score, 0) / 100", 1)
    reason = ColumnarScorer(perfscore.load_ruleset_text(text, source="c.yaml")).reason
    assert reason is not None and "is_missing/coalesce" in reason, reason
    assert "评分指标 t_score" in getattr(reason, "zh", ""), reason
