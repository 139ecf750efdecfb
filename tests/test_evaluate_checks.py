"""evaluate/checks.py: a check's finding with the words its check keeps (``CheckWords``: the
messages of an assertion held or not, an explanation needed or given, a reason — said once)
is the finding made with nothing kept, for every kind of check and outcome: pass, fail, not
applicable (a condition that does not hold, a blank, a zero division), error; a rule set's own
message template filled in."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate.checks import CheckWords, check
from perfscore.evaluate.state import SubjectRun
from perfscore.subjects import read_subject
from test_evaluate_findcode import finding_slots

RULES = """
perfscore: 1
id: checks
title: 校验
version: 1
settings: {zero_division: not_applicable}
inputs:
  budget: {type: money, unit: 万元}
  spent: {type: money, unit: 万元}
  basic: {type: money, unit: 万元}
  project: {type: money, unit: 万元}
  note: {type: text}
  level: {type: text, choices: [city, county]}
metrics:
  rate: {expr: spent / budget, unit: "%"}
indicators:
  - {id: r, title: 执行率, weight: 10, value: rate, scorer: {type: threshold, op: '>=', target: 0.95}}
checks:
  - {id: adds, title: 合计, type: equal, left: basic + project, right: spent, tolerance: 0.01}
  - id: adds_city
    title: 市级合计
    type: equal
    when: "level == 'city'"
    left: basic + project
    right: spent
    messages: {fail: {zh: "{title}：{left} ≠ {right}（差 {difference}，{subject}）"}}
  - {id: within, title: 不超预算, type: assert, expr: spent <= budget * 1.1}
  - {id: low, title: 执行率低, type: assert, expr: rate >= 0.5, severity: warning}
  - id: said
    title: 低执行须说明
    type: explain_if
    when: rate < 0.9
    require: note
    messages: {fail: {en: "{title}: no reason ({reason})"}}
"""
RS = perfscore.load_ruleset_text(RULES)
EV = RS.evaluator
#: one check's kept words for every example (as the evaluator keeps them)
KEPT = {ch.id: CheckWords(ch) for ch in RS.compiled.checks}


def _money() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["0", "100", "95", "60", "40", "", "x"]),
        st.decimals(min_value=0, max_value=200, places=2).map(str),
    )


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, kind in (
        ("budget", _money()), ("spent", _money()), ("basic", _money()), ("project", _money()),
        ("note", st.sampled_from(["已说明", "", "  "])),
        ("level", st.sampled_from(["city", "county", "town"])),
    ):  # fmt: skip
        if draw(st.integers(0, 7)):
            values[name] = draw(kind)
    if draw(st.booleans()) and "basic" in values and "spent" in values:
        values["project"] = "0"
        values["basic"] = values["spent"]  # adds up exactly
    return {"id": "d1", "name": "部门一", "values": values}


@settings(max_examples=400, deadline=None)
@given(record=records())
def test_a_check_with_its_words_kept_is_the_check_made_anew(record: dict[str, Any]) -> None:
    data = read_subject(record, RS.compiled.inputs, index=0, subject_type="department")
    scope, failures = EV._scan(data)
    run = SubjectRun(data.subject, scope, failures, {})
    c = RS.compiled
    for ch in c.checks:
        fp = EV._fingerprint(ch.id, run)
        kept = check(ch, run, fp, EV.titles, c.units, EV.places, KEPT[ch.id])
        anew = check(ch, run, fp, EV.titles, c.units, EV.places)
        assert finding_slots(kept) == finding_slots(anew)


def test_every_outcome_is_reached() -> None:
    """(Not vacuous: each check passes, fails and is not applicable or an error somewhere.)"""
    seen: dict[str, set[str]] = {ch.id: set() for ch in RS.compiled.checks}
    for values in (
        {"budget": "100", "spent": "95", "basic": "90", "project": "5", "level": "city"},
        {"budget": "100", "spent": "40", "basic": "1", "project": "5", "level": "city"},
        {"budget": "0", "spent": "40", "basic": "40", "project": "0", "level": "county"},
        {"budget": "100", "spent": "200", "basic": "x", "project": "5", "note": "已说明"},
    ):
        result = RS.evaluate_subject({"id": "d1", "values": values})
        for f in result.findings:
            if f.kind == "check":
                seen[f.rule_id].add(f.outcome)
    assert all({"pass", "fail"} <= s or len(s) >= 2 for s in seen.values()), seen
    assert set().union(*seen.values()) >= {"pass", "fail", "not_applicable", "error"}, seen


def test_a_reason_is_kept_by_both_its_texts() -> None:
    """Two reasons the same in English but not in Chinese keep their own messages."""
    from perfscore.evaluate.state import Failure

    data = read_subject(
        {"id": "d1", "values": {}}, RS.compiled.inputs, index=0, subject_type="department"
    )
    scope, _ = EV._scan(data)
    ch = next(c for c in RS.compiled.checks if c.id == "within")
    words = CheckWords(ch)
    said = []
    for zh in ("甲", "乙", "甲"):
        failures = {"spent": Failure("error", "bad", zh, ("spent",))}
        run = SubjectRun(data.subject, scope, failures, {})
        f = check(ch, run, "fp", EV.titles, RS.compiled.units, EV.places, words)
        said.append((f.message, f.message_en))
    assert said[0] != said[1] and said[0] == said[2] and said[0][1] == said[1][1]


EQUAL_RULES = """
perfscore: 1
id: equal_words
title: 一致性校验
version: 1
inputs:
  basic: {type: money, unit: 万元}
  project: {type: money, unit: 万元}
  spent: {type: money, unit: 万元}
  budget: {type: money, unit: 万元}
  reported: {type: percent}
metrics:
  rate: {expr: spent / budget, unit: "%"}
indicators:
  - {id: r, title: 执行率, weight: 10, value: rate, scorer: {type: threshold, op: '>=', target: 0.95}}
checks:
  - {id: adds, title: 合计, type: equal, left: basic + project, right: spent, tolerance: 0.005}
  - {id: agrees, title: 报告执行率, type: equal, left: reported, right: "round(rate, 4)"}
  - {id: near, title: 合计, type: equal, left: basic + project, right: spent, tolerance: 0.01}
  - id: agrees_near
    title: 报告执行率
    type: equal
    left: reported
    right: "round(rate, 4)"
    tolerance: 0.001
"""


def _said(values: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    rs = perfscore.load_ruleset_text(EQUAL_RULES)
    report = rs.evaluate({"id": "d", "values": values})
    return {
        f.rule_id: (f.outcome, f.message, f.message_en)
        for f in report.findings
        if f.kind == "check"
    }


def test_a_failed_equality_shows_figures_that_tell_its_sides_apart() -> None:
    """A failed ``equal`` check shows as many decimals as it takes for its two sides to
    differ, its tolerance to be exact and its difference to stand above it — at the rule set's
    two places rev16 read "88.77% ≠ 88.77%（相差 0%，容差 0%）" and a tolerance of 0.005 万元
    as "0.01万元"; a failure plain at two places reads as before."""
    got = _said({"basic": 60, "project": "40.01", "spent": 100})
    assert got["adds"][0] == "fail"
    assert got["adds"][1] == "合计：100.01万元 ≠ 100万元（相差 0.01万元，容差 0.005万元）"
    assert "tolerance 0.005万元" in got["adds"][2]
    got = _said({"basic": 60, "project": "40.006", "spent": 100})
    assert got["adds"][1] == "合计：100.006万元 ≠ 100万元（相差 0.006万元，容差 0.005万元）"
    got = _said({"basic": 60, "project": "40.005", "spent": 100})
    assert got["adds"][0] == "pass"
    got = _said({"basic": 700, "project": 50, "spent": 800})
    assert got["adds"][1] == "合计：750万元 ≠ 800万元（相差 50万元，容差 0.005万元）"
    got = _said({"spent": 2, "budget": 3, "reported": "66.666%"})
    assert got["agrees"][1] == "报告执行率：66.666% ≠ 66.67%（相差 0.004%，容差 0%）"
    # beyond ten decimals: every digit the figures have
    got = _said({"spent": "532.59", "budget": 600, "reported": "88.77000000000001"})
    assert got["agrees"][0] == "fail"
    assert got["agrees"][1] == (
        "报告执行率：88.77000000000001% ≠ 88.77%（相差 0.00000000000001%，容差 0%）"
    )


@given(
    left=st.decimals(min_value=-1000, max_value=1000, places=6, allow_nan=False),
    right=st.decimals(min_value=-1000, max_value=1000, places=6, allow_nan=False),
)
@settings(max_examples=60, deadline=None)
def test_a_failed_equality_never_shows_equal_figures(left: Any, right: Any) -> None:
    """Whatever the figures, a failed equality's message never shows its two sides alike,
    nor a difference no larger than its tolerance."""
    got = _said({"basic": str(left), "project": 0, "spent": str(right)})["adds"]
    if got[0] != "fail":
        assert abs(left - right) <= Decimal("0.005")
        return
    assert abs(left - right) > Decimal("0.005")
    sides, rest = got[1].split("（相差 ")
    lt, rt = sides.split("：", 1)[1].split(" ≠ ")
    difference, tolerance = rest.rstrip("）").split("，容差 ")
    assert lt != rt and tolerance == "0.005万元"
    assert Decimal(difference.removesuffix("万元")) > Decimal("0.005")


def test_a_pass_within_its_tolerance_shows_its_difference() -> None:
    """A pass whose sides differ (within the tolerance) says "≈" with the figures that tell
    them apart, the difference and the tolerance — rev16 read "100.01万元 = 100万元，一致" for
    100.005 against 100 (session 16); "=" is kept for sides exactly equal, in both languages."""
    got = _said({"basic": 60, "project": "40.005", "spent": 100})
    assert got["near"] == (
        "pass",
        "合计：100.005万元 ≈ 100万元（相差 0.005万元，容差 0.01万元），一致",
        "near: 100.005万元 ≈ 100万元 (differs by 0.005万元, tolerance 0.01万元), consistent",
    )
    # the tolerance itself: at 2 places the difference shows as the tolerance, and does
    assert got["adds"][:2] == (
        "pass",
        "合计：100.005万元 ≈ 100万元（相差 0.005万元，容差 0.005万元），一致",
    )
    got = _said({"basic": 60, "project": "39.991", "spent": 100})
    assert got["near"][1] == "合计：99.991万元 ≈ 100万元（相差 0.009万元，容差 0.01万元），一致"
    got = _said({"basic": "60.004", "project": "40.004", "spent": "100.003"})
    assert got["near"][1] == (
        "合计：100.008万元 ≈ 100.003万元（相差 0.005万元，容差 0.01万元），一致"
    )
    # exactly equal sides: "=" at the rule set's places, as before
    got = _said({"basic": "60.0", "project": "40.005", "spent": "100.0050"})
    assert got["near"][1] == "合计：100.01万元 = 100.01万元，一致"
    assert got["near"][2] == "near: 100.01万元 = 100.01万元, consistent"
    got = _said({"spent": 2, "budget": 3, "reported": "66.6%"})
    assert got["agrees_near"][1] == ("报告执行率：66.6% ≈ 66.67%（相差 0.07%，容差 0.1%），一致")
    got = _said({"spent": 2, "budget": 3, "reported": "66.67%"})
    assert got["agrees_near"][1] == "报告执行率：66.67% = 66.67%，一致"


@given(
    left=st.decimals(min_value=-1000, max_value=1000, places=6, allow_nan=False),
    gap=st.decimals(min_value=-1, max_value=1, places=7, allow_nan=False),
)
@settings(max_examples=80, deadline=None)
def test_a_pass_shows_equal_figures_only_when_they_are_equal(left: Any, gap: Any) -> None:
    """Whatever the figures, a pass says "=" only of sides exactly equal; otherwise "≈" with
    sides shown apart and a difference above 0 and at most the tolerance."""
    right = left + gap
    got = _said({"basic": str(left), "project": 0, "spent": str(right)})["near"]
    if got[0] != "pass":
        assert abs(gap) > Decimal("0.01")
        return
    assert abs(gap) <= Decimal("0.01")
    body = got[1].split("：", 1)[1]
    if gap == 0:
        assert " = " in body and " ≈ " not in body
        return
    sides, rest = body.split("（相差 ")
    lt, rt = sides.split(" ≈ ")
    assert lt != rt
    difference, tolerance = rest.removesuffix("），一致").split("，容差 ")
    assert tolerance == "0.01万元"
    assert 0 < Decimal(difference.removesuffix("万元")) <= Decimal("0.01")


def test_rule_language_shows_the_words_a_pass_gets() -> None:
    """rule-language.md §10 quotes these messages as the engine writes them."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "rule-language.md").read_text("utf-8")
    near = _said({"basic": 60, "project": "40.005", "spent": 100})["near"]
    rate = _said({"spent": 2, "budget": 3, "reported": "66.6%"})["agrees_near"]
    same = _said({"basic": "3000", "project": "415.62", "spent": "3415.62"})["near"]
    for said in (near[1], near[2], rate[1], same[1]):
        assert f"`{said.split('：', 1)[-1].removeprefix('near: ')}`" in doc, said
