"""实得 (points earned on data) of a checklist with blank items is exact under every missing
policy: the answered items' points met (``IndicatorScore.earned``, handed to the standing by
the scorer), not the checklist's points × the answered share — which under ``zero``/``full``
(and ``not_applicable_weight: zero``) was only an approximation, and under the default
redistribution off by the points' rounding (rule-language §7.6, ``perfscore.standing``).
Checked against a ``Fraction`` oracle over random checklists, answers, blanks and policies, on
the record path, the columnar path (``rs.evaluate(frame)``) and with ``texts=True``; the
points-only path's points are the same."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.standing import score_text, standing, standings
from perfscore.subjects import read_subject

DOC = Path(__file__).resolve().parents[1] / "docs" / "rule-language.md"

POLICIES = [
    ("not_applicable", "redistribute"),
    ("not_applicable", "zero"),
    ("zero", "redistribute"),
    ("full", "redistribute"),
    ("error", "redistribute"),
]


def _rules(points: list[Decimal], weights: tuple[int, int, int], missing: str, naw: str) -> str:
    g, d, e = weights
    c = sum(points, Decimal(0))
    items = "\n".join(
        f"            - {{id: i{k}, title: 项{k}, points: {p}, when: q{k}}}"
        for k, p in enumerate(points)
    )
    inputs = "\n".join(f"  q{k}: {{type: boolean, title: 问{k}}}" for k in range(len(points)))
    return f"""\
perfscore: 1
id: earned
title: 实得
version: "1"
settings: {{places: 2, missing: {missing}, not_applicable_weight: {naw}}}
inputs:
{inputs}
  a: {{type: number, title: 甲}}
  b: {{type: number, title: 乙}}
indicators:
  - id: g
    title: 组
    weight: {g}
    normalise: true
    children:
      - id: cl
        title: 清单
        weight: {c}
        scorer:
          type: checklist
          items:
{items}
      - {{id: t2, title: 二, weight: {d}, value: a, scorer: {{type: threshold, op: ">=", target: 1}}}}
  - {{id: t1, title: 一, weight: {e}, value: b, scorer: {{type: threshold, op: ">=", target: 1}}}}
"""


def _oracle(
    points: list[Decimal],
    weights: tuple[int, int, int],
    missing: str,
    row: dict[str, Any],
    top: Fraction,
) -> tuple[Fraction, Fraction]:
    """(实得, 可评) exactly: each leaf scored from data weighs its share of the maximum in the
    rule set's own weights; a checklist with blank items stands on its answered items — their
    points in 可评, the points of those met in 实得."""
    g, d, e = (Fraction(w) for w in weights)
    c = sum((Fraction(p) for p in points), Fraction(0))
    share = {"cl": top * g / (g + e) * c / (c + d), "t2": top * g / (g + e) * d / (c + d)}
    share["t1"] = top * e / (g + e)
    earned = scorable = Fraction(0)
    answers = [row[f"q{k}"] for k in range(len(points))]
    answered = [k for k, v in enumerate(answers) if v is not None]
    if answered and (len(answered) == len(points) or missing != "error"):
        base = sum((Fraction(points[k]) for k in answered), Fraction(0))
        met = sum((Fraction(points[k]) for k in answered if answers[k]), Fraction(0))
        scorable += share["cl"] * base / c
        earned += share["cl"] * met / c
    for leaf, name in (("t2", "a"), ("t1", "b")):
        if row[name] is not None:
            scorable += share[leaf]
            earned += share[leaf] * (1 if row[name] >= 1 else 0)
    return earned, scorable


def _eight(x: Fraction) -> Decimal:
    """``x`` to 8 places, as the standing gives it (half-even, trailing zeros dropped)."""
    return (Decimal(round(x * 10**8)).scaleb(-8)).normalize() + 0


ITEM_POINTS = st.one_of(st.integers(1, 2000), st.integers(1, 10**7)).map(
    lambda n: Decimal(n).scaleb(-2)
)
ROW = st.fixed_dictionaries(
    {
        **{f"q{k}": st.sampled_from([True, False, None]) for k in range(6)},
        "a": st.sampled_from([1, 0, None]),
        "b": st.sampled_from([1, 0, None]),
    }
)


def _check(
    points: list[Decimal],
    weights: tuple[int, int, int],
    policy: tuple[str, str],
    rows: list[dict[str, Any]],
) -> None:
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import ColumnarScorer

    missing, naw = policy
    rs = perfscore.load_ruleset_text(_rules(points, weights, missing, naw), source="earned.yaml")
    names = [f"q{k}" for k in range(len(points))] + ["a", "b"]
    records = [
        {"id": f"r{i}", "values": {n: row[n] for n in names if row[n] is not None}}
        for i, row in enumerate(rows)
    ]
    by_record = rs.evaluate(records)
    frame = pd.DataFrame({"id": [r["id"] for r in records],
                          **{n: pd.Series([row[n] for row in rows], dtype=object) for n in names}})  # fmt: skip
    assert ColumnarScorer(rs).supported
    by_columns = rs.evaluate(frame)  # by columns: each result built when read (colbatch)
    texts = [rs.evaluate_subject(r, index=i, texts=True) for i, r in enumerate(records)]
    for i, (row, st_rec, st_col) in enumerate(
        zip(rows, standings(by_record), standings(by_columns), strict=True)
    ):
        st_txt = standing(texts[i], by_record.rules)
        top = Fraction(st_rec.max)
        earned, scorable = _oracle(points, weights, missing, row, top)
        if not st_rec.scorable:  # nothing scored from data
            assert scorable == 0, (i, row)
            continue
        assert (st_rec.earned, st_rec.scorable) == (_eight(earned), _eight(scorable)), (i, row)
        assert st_rec.earned <= st_rec.scorable
        for other in (st_col, st_txt):
            assert (other.earned, other.scorable, other.coverage) == (
                st_rec.earned,
                st_rec.scorable,
                st_rec.coverage,
            ), (i, row)
            assert score_text(other) == score_text(st_rec)
        data = read_subject(records[i], rs.compiled.inputs, index=i, subject_type="department")
        pts, total = rs.evaluator.points(data)  # the points-only path: the same points
        result = by_record.subjects[i]
        assert total == result.total and all(pts[s.rule_id] == s.points for s in result.scores)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    points=st.lists(ITEM_POINTS, min_size=1, max_size=6),
    weights=st.tuples(st.integers(1, 90), st.integers(1, 60), st.integers(1, 90)),
    policy=st.sampled_from(POLICIES),
    rows=st.lists(ROW, min_size=1, max_size=8),
)
@example(  # 5 × 2/3 rounds to 3.33 points, × 3/5 answered gave 1.998 where 2 were met
    points=[Decimal(2), Decimal(1), Decimal(2)],
    weights=(100, 1, 1),
    policy=("not_applicable", "redistribute"),
    rows=[{"q0": True, "q1": False, "q2": None, "a": None, "b": None}],
)
@example(  # zero: 10 of the answered 15 met is 10 earned (the old rule: 10 × 15/20 = 7.5)
    points=[Decimal(10), Decimal(5), Decimal(5)],
    weights=(20, 80, 1),
    policy=("zero", "redistribute"),
    rows=[{"q0": True, "q1": False, "q2": None, "a": 1, "b": None}],
)
@example(  # 199.99 of 200 answered: the coverage rounds to 1.0000, the standing must not
    points=[Decimal("199.99"), Decimal("0.01")],
    weights=(100, 1, 1),
    policy=("zero", "redistribute"),
    rows=[{"q0": True, "q1": None, "a": None, "b": None}],
)
def test_earned_is_the_answered_items_points_met_on_every_path(
    points: list[Decimal], weights: tuple[int, int, int], policy: tuple[str, str], rows: Any
) -> None:
    _check(points, weights, policy, rows)


def _doc_block(rules_id: str) -> str:
    text = DOC.read_text("utf-8")
    at = text.index(f"id: {rules_id}")
    start = text.rindex("```yaml rules\n", 0, at) + len("```yaml rules\n")
    return text[start : text.index("```", start)]


def test_the_docs_zero_example_says_the_points_earned() -> None:
    """rule-language §7.6's ``missing: zero`` example: 公开预算 met, 公开决算 not, 公开绩效
    blank — 10 of the answered 15 points met: 实得 90 / 可评 95 (it was 87.5: 10 × 15/20)."""
    rs = perfscore.load_ruleset_text(_doc_block("checklist_coverage_zero"))
    values = {
        "disclosed_budget": "是",
        "disclosed_final_accounts": "否",
        "staff_actual": 20,
        "staff_authorised": 20,
    }
    report = rs.evaluate({"id": "d", "values": values})
    (st_,) = standings(report)
    assert (st_.earned, st_.scorable, st_.coverage) == (Decimal(90), Decimal(95), Decimal("0.95"))
    assert score_text(st_) == "90 / 100（实得 90 / 可评 95 / 满分 100，数据覆盖 95%）"
    assert score_text(st_, "en").startswith("90 / 100 (earned 90 / scorable 95 / max 100")
    text = DOC.read_text("utf-8")
    assert "90 / 100（实得 90 / 可评 95 / 满分 100，数据覆盖 95%）" in text
