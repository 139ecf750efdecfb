"""Every finding explains its arithmetic: inputs, formulas with the values put in, the standard,
the scorer's steps and the result — and one sentence per language whose numbers recompute to
the points the engine gave (perfscore.explain, each scorer module's ``explain``)."""

from __future__ import annotations

import functools
import importlib
import json
import math
import pickle
import re
import textwrap
from decimal import Decimal
from importlib import resources
from typing import Any

import hypothesis.strategies as st
import jsonschema
import pytest
from hypothesis import example, given, settings

import perfscore
from perfscore.numbers import round_places
from perfscore.scorers import builtin_scorers
from scorer_examples import scorer_example

HEADER = 'perfscore: 1\nid: ex\ntitle: 示例\nversion: "1"\n'

EXECUTION = HEADER + textwrap.dedent(
    """\
    inputs:
      budget: {type: money, unit: 万元, title: 预算数}
      executed: {type: money, unit: 万元, title: 执行数}
    metrics:
      rate: {title: 预算执行率, expr: executed / budget, unit: "%"}
    indicators:
      - id: execution
        title: 预算执行率
        weight: 10
        value: rate
        scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 0.5, count: exact}
    """
)


def _finding(rs: perfscore.RuleSet, values: dict[str, Any], rule: str) -> Any:
    result = rs.evaluate_subject({"id": "s", "values": values}, strict=True)
    return result.finding(rule)


def test_the_auditors_sentence_for_a_deduction() -> None:
    """The issue's example, word for word: the figures read, the division, the gap below the
    standard, the deduction per point × points, the result out of the weight."""
    rs = perfscore.load_ruleset_text(EXECUTION)
    f = _finding(rs, {"budget": 1000, "executed": 873.5}, "execution")
    assert f.points == Decimal("6.18")
    assert f.explanation.zh == (
        "执行数 873.5万元 ÷ 预算数 1000万元 = 87.35%；87.35% 低于 95% 7.65 个百分点，"
        "每 1 个百分点扣 0.5 分，扣 7.65 × 0.5 = 3.825 分，10 − 3.825 = 6.175，得 6.18 / 10 分"
    )
    assert f.explanation.en == (
        "executed 873.5万元 ÷ budget 1000万元 = 87.35%; 87.35% is below 95% by 7.65 percentage "
        "points; 0.5 off per 1 percentage point: 7.65 × 0.5 = 3.825 off, 10 − 3.825 = 6.175, "
        "6.18 / 10 points"
    )
    e = f.explanation.data
    assert [i["name"] for i in e.inputs] == ["budget", "executed"]
    assert e.inputs[1] == {"name": "executed", "title": "执行数", "value": Decimal("873.5"),
                           "unit": "万元"}  # fmt: skip
    assert e.formulas[0]["expr"] == "executed / budget"
    assert e.formulas[0]["value"] == Decimal("0.8735")
    assert e.standard == {"start": Decimal("0.95"), "direction": "below", "per": Decimal("0.01"),
                          "points": Decimal("0.5"), "count": "exact", "floor": Decimal(0)}  # fmt: skip
    assert [(s["step"], s["value"]) for s in e.steps] == [
        ("beyond", Decimal("0.0765")),
        ("units", Decimal("7.65")),
        ("deduction", Decimal("3.825")),
        ("raw", Decimal("6.175")),
        ("points", Decimal("6.18")),
    ]
    assert e.result == {"points": Decimal("6.18"), "weight": Decimal(10)}


def test_exactly_on_the_standard_nothing_is_taken_off() -> None:
    rs = perfscore.load_ruleset_text(EXECUTION)
    f = _finding(rs, {"budget": 1000, "executed": 950}, "execution")
    assert f.points == 10
    assert f.explanation.zh.endswith("95% 未低于 95%，不扣分，得 10 / 10 分")


@pytest.mark.parametrize("name", list(builtin_scorers().keys()))
def test_every_scorer_explains_every_docstring_case(name: str) -> None:
    """Every scorer kind, through its own module's docstring example."""
    module = importlib.import_module(builtin_scorers()[name].build.__module__)
    text, cases = scorer_example(module)
    rs = perfscore.load_ruleset_text(text, source=f"{name}.yaml")
    (leaf,) = [r.id for r in rs.rules if r.kind == "indicator"]
    for case in cases:
        f = _finding(rs, case["values"], leaf)
        e = f.explanation
        assert e is not None, (name, case)
        assert e.data.scorer == name
        assert e.data.steps[-1]["step"] in ("points", "grade")
        if f.grade is not None:
            assert e.data.steps[-1]["value"] == f.grade
            assert e.zh.endswith(f"评级 {f.grade}") and e.en.endswith(f"grade {f.grade}")
        else:
            assert e.data.steps[-1]["value"] == f.points
            pts, w = _plain(f.points), _plain(f.weight)
            assert e.zh.endswith(f"得 {pts} / {w} 分"), e.zh
            assert e.en.endswith(f"{pts} / {w} points"), e.en
        # one language per sentence: no Chinese in the English one beyond the rule set's
        # own units and titles, no English words in the Chinese one
        assert not re.search(r"[A-Za-z]{3,}", _without_ids(e.zh, rs, text)), e.zh


def _plain(x: Decimal) -> str:
    text = format(x, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _without_ids(sentence: str, rs: perfscore.RuleSet, rules_text: str) -> str:
    """The sentence without the rule set's ids (ASCII by design: item and tier ids)."""
    words = set(rs.compiled.inputs) | set(re.findall(r"\bid: (\w+)", rules_text))
    return re.sub("|".join(sorted(map(re.escape, words), key=len, reverse=True)), "", sentence)


def test_explanations_are_built_only_when_read_and_survive_pickling() -> None:
    rs = perfscore.load_ruleset_text(EXECUTION)
    f = _finding(rs, {"budget": 1000, "executed": 873.5}, "execution")
    assert f.explanation._data is None  # scoring did not build it
    g = pickle.loads(pickle.dumps(f))
    assert g.explanation.zh == f.explanation.zh and g == f


def test_no_explanation_where_the_scorer_did_not_decide() -> None:
    """Missing data, errors and not-applicable findings say why in their reason instead."""
    rs = perfscore.load_ruleset_text(EXECUTION)
    result = rs.evaluate_subject({"id": "s", "values": {"budget": 0, "executed": 1}})
    assert result.finding("execution").outcome in ("error", "not_applicable")
    assert result.finding("execution").explanation is None


def _schema() -> dict[str, Any]:
    text = resources.files("perfscore").joinpath("schemas/findings-1.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def test_findings_document_carries_explanations_and_stays_schema_valid() -> None:
    rs = perfscore.load_ruleset("rules/cn-dept-overall.yaml")
    doc = json.loads(
        rs.evaluate(perfscore.load_subjects("examples/liwan-npc-office-2023.yaml")).to_json(),
        parse_float=Decimal,
    )
    jsonschema.Draft202012Validator(_schema()).validate(doc)
    explained = [f for f in doc["findings"] if "explanation" in f]
    assert explained and all(f["outcome"] in ("pass", "fail") for f in explained)
    for f in explained:
        assert f["explanation"]["result"].get("points") == f["measurement"].get("points")
    # a 1.0 document (no explanations) stays valid
    for f in doc["findings"]:
        f.pop("explanation", None)
    jsonschema.Draft202012Validator(_schema()).validate(doc)


def test_report_lines_reach_the_inputs_of_an_explanation() -> None:
    rs = perfscore.load_ruleset_text(EXECUTION)
    record = {
        "id": "s",
        "values": {"budget": 1000, "executed": 873.5},
        "provenance": {"executed": {"line": 12, "column": 3}, "budget": {"line": 11}},
        "source": {"document": "报告.txt"},
    }
    report = rs.evaluate([record])
    doc = json.loads(report.to_json())
    (f,) = [x for x in doc["findings"] if x["rule_id"] == "execution"]
    sources = {i["name"]: i.get("source") for i in f["explanation"]["inputs"]}
    assert sources == {
        "budget": {"uri": "报告.txt", "line": 11},
        "executed": {"uri": "报告.txt", "line": 12, "column": 3},
    }


# -- the sentence recomputes: hypothesis properties over generated edge cases -----------------

_NUM = r"(≈?-?[0-9.]+)"
_DEDUCT = re.compile(
    rf"扣 {_NUM} × {_NUM} = {_NUM} 分，{_NUM} − {_NUM} = {_NUM}(?:，不低于 {_NUM} 分)?，"
    rf"得 {_NUM} / {_NUM} 分$"
)
_GAP = re.compile(rf"(?:高于|低于) {_NUM}% {_NUM} 个百分点，每 {_NUM} 个百分点扣")


@functools.cache
def _deduct_rules(
    direction: str, count: str, per: str, step: str, floor: str, weight: str, places: int
) -> perfscore.RuleSet:
    text = HEADER + textwrap.dedent(
        f"""\
        settings: {{places: {places}}}
        inputs: {{rate: {{type: percent, title: 比率}}}}
        indicators:
          - id: d
            title: 扣分
            weight: {weight}
            value: rate
            scorer: {{type: deduct, start: 0.9, direction: {direction}, per: {per},
                      points: {step}, count: {count}, floor: {floor}}}
        """
    )
    return perfscore.load_ruleset_text(text)


def _d(text: str) -> Decimal:
    assert not text.startswith("≈"), text  # generated values are exact decimals
    return Decimal(text)


@settings(max_examples=300, deadline=None)
@given(
    direction=st.sampled_from(["above", "below"]),
    count=st.sampled_from(["exact", "started", "completed"]),
    per=st.sampled_from(["0.01", "0.05", "0.001", "0.025"]),
    step=st.sampled_from(["0.5", "0.8", "1", "0.25", "0.125"]),
    floor=st.sampled_from(["0", "2"]),
    weight=st.sampled_from(["10", "5", "8"]),
    places=st.sampled_from([1, 2, 3]),
    rate=st.one_of(
        st.decimals(min_value=0, max_value=2, places=4),
        st.integers(-40, 40).map(lambda k: Decimal("0.9") + Decimal(k) * Decimal("0.0025")),
    ),
)
@example("below", "exact", "0.01", "0.5", "0", "10", 2, Decimal("0.8735"))
@example("above", "started", "0.01", "0.5", "0", "10", 2, Decimal("0.9"))
@example("above", "completed", "0.05", "1", "2", "5", 2, Decimal("1.9999"))
def test_deduction_sentence_recomputes_to_the_points(
    direction: str,
    count: str,
    per: str,
    step: str,
    floor: str,
    weight: str,
    places: int,
    rate: Decimal,
) -> None:
    rs = _deduct_rules(direction, count, per, step, floor, weight, places)
    f = _finding(rs, {"rate": f"{rate}%"}, "d")  # (a bare 0.5 would be ambiguous)
    zh = f.explanation.zh
    w = Decimal(weight)
    m = _DEDUCT.search(zh)
    if m is None:  # on the good side of the standard: full marks, said so
        assert "不扣分" in zh and f.points == w, zh
        v = f.value  # as the data reader took it (a percent given as 1.9999 is 1.9999%)
        beyond = v - Decimal("0.9") if direction == "above" else Decimal("0.9") - v
        assert beyond <= 0
        return
    units, each, off, w_said, off_again, raw, floor_said, pts, w_out = m.groups()
    assert _d(units) * _d(each) == _d(off) and off == off_again
    assert _d(w_said) - _d(off) == _d(raw) and _d(w_said) == w == _d(w_out)
    assert _d(each) == Decimal(step)
    kept = max(Decimal(floor), min(w, _d(raw)))
    if floor_said is not None:
        assert _d(floor_said) == Decimal(floor) and _d(raw) < Decimal(floor)
    assert round_places(kept, places) == _d(pts) == f.points
    # the steps come from the gap the sentence states: gap ÷ per, counted as declared
    g = _GAP.search(zh)
    assert g is not None, zh
    start, gap, per_pp = (_d(x) for x in g.groups())
    assert start == 90 and per_pp == Decimal(per) * 100
    exact = gap / per_pp
    expected = {"exact": exact, "started": math.ceil(exact), "completed": math.floor(exact)}
    assert _d(units) == expected[count]


_PRO = re.compile(rf"按比例 {_NUM} × {_NUM}% ÷ {_NUM}% = {_NUM}，得 {_NUM} / {_NUM} 分$")


@functools.cache
def _proportional_rules(direction: str, target: str) -> perfscore.RuleSet:
    text = HEADER + textwrap.dedent(
        f"""\
        inputs: {{rate: {{type: percent, title: 完成率}}}}
        indicators:
          - id: p
            title: 完成率
            weight: 20
            value: rate
            scorer: {{type: proportional, target: {target}, direction: {direction}}}
        """
    )
    return perfscore.load_ruleset_text(text)


@settings(max_examples=200, deadline=None)
@given(
    direction=st.sampled_from(["higher", "lower"]),
    target=st.sampled_from(["0.8", "1", "0.95"]),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=2, places=4),
)
def test_pro_rata_sentence_recomputes_to_the_points(
    direction: str, target: str, rate: Decimal
) -> None:
    f = _finding(_proportional_rules(direction, target), {"rate": f"{rate}%"}, "p")
    zh = f.explanation.zh
    m = _PRO.search(zh)
    if m is None:
        assert "达到目标" in zh and f.points == 20, zh
        return
    w, a, b, raw, pts, w_out = m.groups()
    top, bottom = (a, b)
    if raw.startswith("≈"):  # a long quotient: shown to 10 decimals, marked
        exact = Decimal(w) * (Decimal(top) / Decimal(bottom))
        assert abs(exact - Decimal(raw[1:])) <= Decimal("1e-10")
    else:
        assert Decimal(w) * Decimal(top) / Decimal(bottom) == Decimal(raw)
    assert round_places(Decimal(raw.lstrip("≈")), 2) == Decimal(pts) == f.points
    assert Decimal(w_out) == 20


def test_formulas_are_written_out_in_the_runs_language() -> None:
    """Conditions read 若 … 则 … 否则 …, 且, 或, 非 in Chinese; operators as written by hand;
    parentheses only where the order needs them."""
    text = HEADER + textwrap.dedent(
        """\
        inputs:
          area: {type: number, unit: 平方米, title: 实际面积}
          approved: {type: number, unit: 平方米, title: 批准面积}
          built: {type: boolean, title: 有新建项目}
        metrics:
          share: {title: 面积控制率, expr: "area / approved if built and not approved == 0 else 0",
                  unit: "%"}
        indicators:
          - {id: s, title: 面积控制率, weight: 5, value: share,
             scorer: {type: threshold, op: "<=", target: 1}}
        """
    )
    rs = perfscore.load_ruleset_text(text)
    f = _finding(rs, {"area": 90, "approved": 100, "built": True}, "s")
    assert f.explanation.zh.startswith(
        "若 有新建项目 是 且 非 批准面积 100平方米 = 0 则 实际面积 90平方米 ÷ 批准面积 100平方米 否则 0 = 90%；"
    ), f.explanation.zh
    assert f.explanation.en.startswith(
        "area 90平方米 ÷ approved 100平方米 if built yes and not approved 100平方米 = 0 else 0"
    ), f.explanation.en


_TIER = re.compile(rf"比例 {_NUM}（[^）]*），{_NUM} × {_NUM} = {_NUM}，得 {_NUM} / {_NUM} 分$")


@functools.cache
def _tier_rules(weight: str) -> perfscore.RuleSet:
    text = HEADER + textwrap.dedent(
        f"""\
        inputs:
          verdict: {{type: text, choices: [met, partly, not_met]}}
          share: {{type: number}}
        indicators:
          - id: t
            title: 满意度
            weight: {weight}
            scorer:
              type: tier
              tier: verdict
              ratio: share
              tiers:
                - {{id: met, range: "[0.8, 1]"}}
                - {{id: partly, range: "[0.6, 0.8)", default: 0.7}}
                - {{id: not_met, range: "[0, 0.6)", default: 0}}
        """
    )
    return perfscore.load_ruleset_text(text)


@settings(max_examples=150, deadline=None)
@given(
    weight=st.sampled_from(["10", "4", "7.5", "3"]),
    verdict=st.sampled_from(["met", "partly", "not_met"]),
    share=st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=3)),
)
def test_tier_sentence_recomputes_to_the_points(
    weight: str, verdict: str, share: Decimal | None
) -> None:
    values: dict[str, Any] = {"verdict": verdict}
    if share is not None:
        values["share"] = share
    result = _tier_rules(weight).evaluate_subject({"id": "s", "values": values})
    f = result.finding("t")
    if f.outcome == "error":  # a ratio outside the named tier: said, no arithmetic
        assert f.explanation is None and "不在等次" in f.message
        return
    m = _TIER.search(f.explanation.zh)
    assert m is not None, f.explanation.zh
    ratio, w, ratio_again, raw, pts, w_out = (Decimal(x) for x in m.groups())
    assert ratio == ratio_again and w == Decimal(weight) == w_out
    assert w * ratio == raw and round_places(raw, 2) == pts == f.points
    if share is not None:
        assert ratio == share and "（评审给定）" in f.explanation.zh
