"""Every scorer module: its docstring example loads and scores as it says; every executor
(full findings, points only, the property-testing kit) goes through the scorer's own module."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import pytest

import perfscore
from perfscore.evaluate import pointsonly
from perfscore.scorers import builtin_scorers
from perfscore.subjects import read_subject
from scorer_examples import scorer_example


def _modules() -> list[Any]:
    return [importlib.import_module(k.build.__module__) for k in builtin_scorers().values()]


def test_every_builtin_scorer_has_its_own_module() -> None:
    mods = _modules()
    assert len({m.__name__ for m in mods}) == len(builtin_scorers())
    for name, kind in builtin_scorers().items():
        mod = importlib.import_module(kind.build.__module__)
        assert mod.KIND is kind and kind.name == name
        assert kind.doc == mod.__doc__


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_docstring_example_loads_and_scores(module: Any) -> None:
    text, cases = scorer_example(module)
    rs = perfscore.load_ruleset_text(text, source=f"{module.__name__}.yaml")
    (leaf,) = [r.id for r in rs.rules if r.kind == "indicator"]
    for i, case in enumerate(cases):
        record = {"id": f"s{i}", "values": case["values"]}
        result = rs.evaluate_subject(record, strict=True)
        score = next(s for s in result.scores if s.rule_id == leaf)
        if "points" in case:
            assert score.points == Decimal(str(case["points"])), (case, score)
            # the points-only executor takes the scorer's fast form: the same points
            d = read_subject(record, rs.compiled.inputs, index=i, subject_type="department")
            assert rs.evaluator.points(d)[0][leaf] == score.points
        if "grade" in case:
            assert score.grade == case["grade"], (case, score)


COLUMN_FORMS = ("threshold", "proportional", "deduct", "bands", "formula")


@pytest.mark.parametrize("name", COLUMN_FORMS)
def test_column_form_scores_the_docstring_example_like_the_record_path(name: str) -> None:
    """The columnar executor asks the scorer's module for its column form: same points."""
    np = pytest.importorskip("numpy")
    from perfscore.columnar import ColumnarScorer

    module = importlib.import_module(builtin_scorers()[name].build.__module__)
    text, cases = scorer_example(module)
    rs = perfscore.load_ruleset_text(text, source=f"{name}.yaml")
    cs = ColumnarScorer(rs)
    assert cs.supported, cs.reason

    def number(x: Any) -> float:  # percent inputs are columns of percentage points
        return float(str(x).rstrip("%"))

    names = sorted(rs.compiled.inputs)
    cols = {n: np.array([number(c["values"][n]) for c in cases]) for n in names}
    res = cs.score(cols)
    (leaf,) = [r.id for r in rs.rules if r.kind == "indicator"]
    assert res.points_decimal(leaf) == [Decimal(str(c["points"])) for c in cases]
    # rows the column form could not decide (exact ties at 0) took the per-record path; the
    # others were scored by the column form itself
    assert not res.fallback.all()


_PROPORTIONAL_ZERO = """perfscore: 1
id: proportional_zero
title: 比例得分的零
version: "1"
settings: {zero_division: not_applicable}
inputs:
  v: {type: number}
  t: {type: number}
indicators:
  - {id: eq, title: 相等, weight: 4, value: v, scorer: {type: proportional, target: t, direction: equal}}
  - {id: eq0, title: 等于零, weight: 4, value: v, scorer: {type: proportional, target: 0, direction: equal}}
  - {id: hi, title: 越高越好, weight: 4, value: v, scorer: {type: proportional, target: t}}
  - {id: lo, title: 越低越好, weight: 4, value: v, scorer: {type: proportional, target: t, direction: lower}}
"""


@pytest.mark.parametrize(
    ("v", "t", "want"),
    [
        ("0", "0", {"eq": "4.00", "eq0": "4.00", "hi": "4.00", "lo": "4.00"}),
        ("1", "0", {"eq": "0.00", "eq0": "0.00", "hi": "4.00", "lo": "0.00"}),
        ("-1", "0", {"eq": "0.00", "eq0": "0.00", "hi": "0.00", "lo": "4.00"}),
        ("-1", "-2", {"eq": "2.00", "eq0": "0.00", "hi": "4.00", "lo": "0.00"}),
    ],
)
def test_a_proportional_ratio_with_nothing_to_divide_by_is_the_scorers_rule(
    v: str, t: str, want: dict[str, str]
) -> None:
    """docs/rule-language.md §7.2: a target of 0 (or a value ≤ 0) is decided by the scorer's
    own rule — never the rule set's ``zero_division`` — the same per record and points only."""
    rs = perfscore.load_ruleset_text(_PROPORTIONAL_ZERO, source="z.yaml")
    res = rs.evaluate_subject({"v": v, "t": t})
    got = {s.rule_id: str(s.points) for s in res.scores}
    assert got == want
    assert {s.rule_id: s.outcome for s in res.scores if s.points == 0} == {
        r: "fail" for r, p in want.items() if p == "0.00"
    }
    assert str(res.total) == str(sum(Decimal(p) for p in want.values()))
    data = read_subject(
        {"v": v, "t": t}, rs.compiled.inputs, index=0, subject_type=rs.model.subject_type
    )
    by_rule, total = rs.evaluator.points(data)
    assert {r: str(by_rule[r]) for r in want} == want and total == res.total
    np = pytest.importorskip("numpy")
    from perfscore.columnar import ColumnarScorer

    cs = ColumnarScorer(rs)
    col = cs.score({"v": np.array([float(v)]), "t": np.array([float(t)])})
    assert cs.supported and not col.fallback.any()
    assert {r: str(col.points_decimal(r)[0]) for r in want} == want


_TIERS = (
    '[{id: achieved, range: "[0.8, 1]"}, {id: partial, range: "[0.6, 0.8)", default: 0.7},'
    ' {id: not_achieved, range: "[0, 0.6)", default: 0.3}]'
)
TIER_RS = perfscore.load_ruleset_text(
    'perfscore: 1\nid: tiers\ntitle: t\nversion: "1"\n'
    "inputs:\n"
    "  verdict: {type: text, choices: [achieved, partial, not_achieved]}\n"
    "  score: {type: number, title: 评审得分}\n"
    "  share: {type: number, title: 得分比例}\n"
    "indicators:\n"
    f"  - {{id: computed, title: 计算, weight: 10, scorer: {{type: tier, tier: verdict, ratio: score / 100, tiers: {_TIERS}}}}}\n"
    f"  - {{id: bare, title: 直接, weight: 10, scorer: {{type: tier, tier: verdict, ratio: share, tiers: {_TIERS}}}}}\n"
    f'  - {{id: aware, title: 兜底, weight: 10, scorer: {{type: tier, tier: verdict, ratio: "coalesce(score, 65) / 100", tiers: {_TIERS}}}}}\n'
)


def _data_of(rs: perfscore.RuleSet, values: dict[str, Any]) -> Any:
    return read_subject({"id": "d", "values": values}, rs.inputs, index=0, subject_type="x")


def _tiered(values: dict[str, Any]) -> Any:
    return TIER_RS.evaluate({"id": "d", "values": values}).subjects[0]


def test_a_tier_ratio_computed_from_a_blank_is_the_tier_default_as_a_bare_one_is() -> None:
    # docs/rule-language.md §7.7: without a ratio the tier's default is used; a reviewer who
    # left 评审得分 blank gave none, whether the rule divides it by 100 or reads it as it is
    for blank in (None, "", "-"):
        r = _tiered({"verdict": "partial", "score": blank, "share": blank})
        assert r.finding("computed").points == r.finding("bare").points == Decimal("7.00")
        assert r.finding("computed").outcome == r.finding("bare").outcome == "fail"
        assert r.finding("aware").points == Decimal("6.50")  # coalesce decides for itself
    plan = TIER_RS.evaluator._plan
    assert plan is not None

    def no_full(data: Any) -> Any:
        raise AssertionError("the points path fell back to the full evaluator")

    # the points-only path says the same, itself
    points, _ = pointsonly.points(plan, _data_of(TIER_RS, {"verdict": "partial"}), no_full)
    assert points["computed"] == points["bare"] == Decimal("7.00")
    r = _tiered({"verdict": "partial", "score": 65, "share": "0.65"})
    assert r.finding("computed").points == r.finding("bare").points == Decimal("6.50")


def test_a_tier_ratio_outside_its_tier_blames_the_ratio_inputs_too() -> None:
    r = _tiered({"verdict": "partial", "score": 90, "share": "0.9"})
    assert r.finding("computed").outcome == r.finding("bare").outcome == "error"
    assert r.finding("computed").fields == ("score", "verdict")
    assert r.finding("bare").fields == ("share", "verdict")
