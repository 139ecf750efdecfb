"""The hand-review patterns on printed 指标值 / 实际完成值 (perfscore.recheck.targets): cost
indicators written "≥", targets that cannot be assessed, "no complaints" as satisfaction —
on texts generated the way forms print them (full/half-width, ＞＝, 不低于, spaces, units)."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.recheck.targets import TargetWords, complaints_only, direction, judge, unassessable

ROOT = Path(__file__).resolve().parent.parent
PROJECT = perfscore.load_ruleset(ROOT / "rules" / "cn-project-10.yaml")
REVIEW_RULES = perfscore.load_ruleset(ROOT / "rules" / "cn-review.yaml")
WORDS = TargetWords()

_FULL = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})

FLOOR = ["≥", ">=", "＞＝", "≧", "⩾", "=>", "不低于", "不少于", "不小于", "大于等于", "至少"]
CEILING = ["≤", "<=", "＜＝", "≦", "⩽", "=<", "不高于", "不超过", "不多于", "小于等于", "控制在"]
UNITS = ["", "元", "元/人", "万元", "%", "％", "元/平方米", " 元"]


def _digits(n: str, full: bool) -> str:
    return n.translate(_FULL) if full else n


@st.composite
def printed(draw: st.DrawFn, words: list[str]) -> str:
    """A target as forms print it: a comparator word or symbol, a number (ASCII or full-width
    digits, maybe decimals), spaces or none, a unit."""
    word = draw(st.sampled_from(words))
    number = draw(st.sampled_from(["95", "120", "1.5", "0", "3000", "99.9"]))
    full = draw(st.booleans())
    gap = draw(st.sampled_from(["", " ", "　"]))
    unit = draw(st.sampled_from(UNITS))
    return f"{word}{gap}{_digits(number, full)}{unit}"


@st.composite
def suffixed(draw: st.DrawFn, words: list[str]) -> str:
    number = draw(st.sampled_from(["95", "120", "1.5"]))
    unit = draw(st.sampled_from(UNITS))
    return f"{_digits(number, draw(st.booleans()))}{unit}{draw(st.sampled_from(words))}"


@settings(max_examples=200, deadline=None)
@given(st.one_of(printed(FLOOR), suffixed(["以上", "及以上"])))
def test_floors_read_as_floors(text: str) -> None:
    assert direction(text) == ">=", text


@settings(max_examples=200, deadline=None)
@given(st.one_of(printed(CEILING), suffixed(["以内", "以下", "及以下"])))
def test_ceilings_read_as_ceilings(text: str) -> None:
    assert direction(text) == "<=", text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("95%", None),  # a bare value states no comparison
        ("＝100%", "="),
        ("大于90%", ">"),
        ("低于 5 天", "<"),
        ("不低于", None),  # a comparator without a number
        ("≥95%，效益明显", ">="),
    ],
)
def test_direction_examples(text: str, expected: str | None) -> None:
    assert direction(text) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(printed(FLOOR), suffixed(["以上"])),
    st.sampled_from(["单位成本", "人均培训费用", "维修单价（元/平方米）", "运行支出", "工程造价"]),
)
def test_a_cost_indicator_with_a_floor_is_flagged(text: str, name: str) -> None:
    found = judge({"x": text}, {}, {"x": name}, WORDS)
    assert [c[0] for c in found.cost_ge] == ["x"], (text, name)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(printed(CEILING), suffixed(["以内"])), st.sampled_from(["单位成本", "人均培训费用"])
)
def test_a_cost_indicator_with_a_ceiling_is_not(text: str, name: str) -> None:
    assert judge({"x": text}, {}, {"x": name}, WORDS).cost_ge == ()


def test_a_floor_on_an_indicator_that_is_no_cost_is_fine() -> None:
    assert judge({"x": "≥500人次"}, {}, {"x": "培训人次"}, WORDS).cost_ge == ()


VAGUE = ["效益明显", "效果显著", "社会效益明显", "有所提升", "群众生活水平进一步提高", "有效改善"]


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(printed(FLOOR), st.just("")),
    st.sampled_from(VAGUE),
    st.sampled_from(["，", ",", "；", ";", "、", " ，"]),
)
def test_a_vague_clause_without_a_number_cannot_be_assessed(
    measured: str, vague: str, sep: str
) -> None:
    text = f"{measured}{sep}{vague}" if measured else vague
    assert unassessable(text, WORDS), text
    found = judge({"b": text}, {}, {"b": "社会效益"}, WORDS)
    assert [u[0] for u in found.unassessable] == ["b"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("群众生活改善", ""),  # no number, no assessable word: nothing measurable
        ("≥95%", None),
        ("100%", None),
        ("合格", None),
        ("是", None),
        ("按时完成", None),
        ("提高10%以上", None),  # the vague-looking word has its number
        ("服务质量明显提高 ≥ 5 %", None),  # the same clause holds the number
        ("百分之九十五以上", None),
        ("效果显著", "显著"),
        ("≥95%，社会效益明显", "明显"),
    ],
)
def test_unassessable_examples(text: str, why: str | None) -> None:
    assert unassessable(text, WORDS) == why


@pytest.mark.parametrize(
    ("actual", "flagged"),
    [
        ("无投诉", True),
        ("未收到投诉", True),
        ("未收到群众投诉", True),
        ("零投诉", True),
        ("全年无信访举报", True),
        ("９６％", False),
        ("96%，无投诉", False),  # a measured rate beside it
        ("满意度调查 93.5%", False),
        ("较满意", False),
    ],
)
def test_no_complaints_is_not_a_satisfaction_rate(actual: str, flagged: bool) -> None:
    assert bool(complaints_only(actual, WORDS)) == flagged
    found = judge({}, {"s": actual}, {"s": "服务对象满意度"}, WORDS)
    assert bool(found.complaints) == flagged
    # the same words on an indicator that is not about satisfaction are not this pattern
    assert judge({}, {"s": actual}, {"s": "安全事故"}, WORDS).complaints == ()


def test_full_width_text_folds_to_the_same_verdict() -> None:
    for text in ("≥95%，效益明显", "≥120元", "无投诉"):
        wide = unicodedata.normalize("NFKC", text).translate(_FULL)
        assert direction(wide) == direction(text)
        assert unassessable(wide, WORDS) == unassessable(text, WORDS)
        assert bool(complaints_only(wide, WORDS)) == bool(complaints_only(text, WORDS))


# --- in the review: rows with severity, overridable words -------------------------------------


def _record(**declared: Any) -> dict[str, Any]:
    values = {
        "budget_adjusted": 100,
        "executed": 100,
        "output_ge_1_actual": 90,
        "output_ge_1_target": 100,
        "output_le_1_name": "人均培训成本",
        "satisfaction": 95,
        "satisfaction_target": 90,
    }
    return {"id": "p", "values": values, "declared": declared}


def _rows(rv: perfscore.Review) -> dict[str, Any]:
    return {it.rule_id: it for it in rv.items["p"]}


def test_the_three_patterns_are_review_rows_with_their_levels() -> None:
    rec = _record(
        targets={
            "output_le_1": "不低于120元/人",
            "benefit_q_1": "≥95%，效益明显",
            "output_ge_1": "≥100",
        },
        actuals={"satisfaction_score": "未收到投诉"},
    )
    rows = _rows(perfscore.review(PROJECT, [rec], rules=REVIEW_RULES))
    cost, vague, sat = (
        rows["cost_target_direction"],
        rows["target_assessable"],
        rows["satisfaction_measured"],
    )
    assert (cost.level, cost.dimension, cost.outcome) == ("P1", "pattern", "fail")
    assert "人均培训成本（output_le_1）：不低于120元/人" in cost.facts  # the slot's own name
    assert vague.level == "P1" and "benefit_q_1" in vague.facts and "output_ge_1" not in vague.facts
    assert sat.level == "P2" and "未收到投诉" in sat.facts and "no complaints" in sat.facts_en
    report = perfscore.review(PROJECT, [rec], rules=REVIEW_RULES).report
    f = report["p"].finding("cost_target_direction")
    assert f.kind == "review" and f.severity == "warning"


def test_honest_texts_pass_and_no_texts_is_not_applicable() -> None:
    rec = _record(
        targets={"output_le_1": "≤120元/人", "output_ge_1": "≥100", "satisfaction_score": "≥90%"},
        actuals={"output_ge_1": "90", "satisfaction_score": "95%"},
    )
    rows = _rows(perfscore.review(PROJECT, [rec], rules=REVIEW_RULES))
    for rid in ("cost_target_direction", "target_assessable", "satisfaction_measured"):
        assert rows[rid].level == "pass" and rows[rid].outcome == "pass", rid
    bare = _rows(
        perfscore.review(PROJECT, [_record(points={"output_ge_1": 7.2})], rules=REVIEW_RULES)
    )
    for rid in ("cost_target_direction", "target_assessable", "satisfaction_measured"):
        assert bare[rid].outcome == "not_applicable", rid


def test_the_forms_name_wins_and_words_come_from_the_review_rules(tmp_path: Path) -> None:
    rec = _record(targets={"output_ge_1": "≥3万元"}, names={"output_ge_1": "场地租金"})
    assert (
        _rows(perfscore.review(PROJECT, [rec], rules=REVIEW_RULES))["cost_target_direction"].level
        == "pass"
    )
    overlay = tmp_path / "mine.yaml"
    overlay.write_text(
        f"extends: {ROOT / 'rules' / 'cn-review.yaml'}\nid: mine\ninputs:\n"
        "  review_cost_words: {default: 租金}\n"
        "checks:\n  set:\n    cost_target_direction: {severity: error}\n",
        encoding="utf-8",
    )
    rows = _rows(perfscore.review(PROJECT, [rec], rules=perfscore.load_ruleset(overlay)))
    assert rows["cost_target_direction"].level == "P0"
    assert "场地租金（output_ge_1）" in rows["cost_target_direction"].facts


def test_declared_texts_are_read_and_bad_ones_named() -> None:
    from perfscore.declared import read_declared

    d = read_declared(
        {"targets": {"a": " ≥95% ", "b": 90, "c": None}, "actuals": {"a": ["x"]}, "names": 3}
    )
    assert d.targets == {"a": "≥95%", "b": "90"}
    assert {p.field for p in d.problems} == {"declared.actuals.a", "declared.names"}


def test_spreadsheet_columns_carry_the_texts(tmp_path: Path) -> None:
    from perfscore.ingest import load_columns

    path = tmp_path / "forms.csv"
    path.write_text(
        "项目编码,全年预算数,全年执行数,单位成本指标值,单位成本得分,满意度完成情况\n"
        "p,100,100,≥120元,6,无投诉\n",
        encoding="utf-8",
    )
    (tmp_path / "map.yaml").write_text(
        "columns:\n"
        "  单位成本指标值: declared.targets.output_le_1\n"
        "  单位成本得分: declared.points.output_le_1\n"
        "  满意度完成情况: declared.actuals.satisfaction_score\n",
        encoding="utf-8",
    )
    columns = load_columns(tmp_path / "map.yaml")
    (record,) = perfscore.load_subjects(path, PROJECT, columns=columns).records
    assert record["declared"] == {
        "targets": {"output_le_1": "≥120元"},
        "points": {"output_le_1": "6"},
        "actuals": {"satisfaction_score": "无投诉"},
    }
    # the review maps a spreadsheet's columns itself (as `perfscore review RULES forms.csv`)
    batch = perfscore.load_subjects(path, columns=columns)
    rows = _rows(perfscore.review(PROJECT, batch, rules=REVIEW_RULES))
    assert rows["cost_target_direction"].level == "P1"
    assert rows["satisfaction_measured"].level == "P2"


def test_a_forms_indicator_rows_feed_the_patterns_through_extract() -> None:
    from perfscore.extract import subjects_from_reports

    cases = ROOT / "tests" / "extract_cases"
    (record,) = subjects_from_reports(
        [cases / "08-project-cell-per-line.txt"], cases / "bureau-project.yaml"
    )
    assert record["declared"]["actuals"]["satisfaction_score"] == "无投诉"
    rows = {it.rule_id: it for it in perfscore.review(PROJECT, [record]).items[record["id"]]}
    assert (
        rows["satisfaction_measured"].level == "P2"
        and "居民满意度" in rows["satisfaction_measured"].facts
    )  # the form's own name
    assert rows["target_assessable"].level == "P1" and "明显改善" in rows["target_assessable"].facts
    assert rows["cost_target_direction"].level == "pass"  # 户均改造成本 ≤3万元
    assert rows["claim_output_ge_1"].cause == "above_weight"  # the form's 20 against the slot's 8
