"""The bundled framework rule sets (rules/*.yaml), pinned on their examples.

Every bundled rule set loads; each example scores exactly as its docs page says; the PEFA M2
conversion rows, the PI-2 variance worked example and PART's "Results Not Demonstrated"
override are reproduced.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import perfscore
from perfscore.catalog import CatalogEntry, bundled_rulesets, format_catalog, rule_files
from perfscore.functions import DEFAULT_FUNCTIONS
from perfscore.values import Series

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples"
D = Decimal

# rule set → its example subjects
EXAMPLE_OF = {
    "omb-part.yaml": "part-programs-illustrative.yaml",
    "cn-project-10.yaml": "project-elderly-meals-2023.yaml",
    "cn-dept-hunan.yaml": "hunan-dept-illustrative-2022.yaml",
    "cn-dept-sichuan-dazhou.yaml": "dazhou-dept-illustrative-2023.yaml",
    "pefa-2016-pillar1.yaml": "pefa-illustrative-country.yaml",
    "pefa-2016-pillar1-grades.yaml": "pefa-illustrative-grades.yaml",
}


@functools.cache
def _load(rules: str) -> perfscore.RuleSet:
    return perfscore.load_ruleset(RULES / rules)


def _score(rules: str, data: str | dict[str, Any]) -> list[perfscore.SubjectResult]:
    rs = _load(rules)
    if isinstance(data, str):
        return list(rs.evaluate(perfscore.load_subjects(EXAMPLES / data)).subjects)
    return list(rs.evaluate({"id": "case", "values": data}).subjects)


def _one(rules: str, data: str | dict[str, Any]) -> perfscore.SubjectResult:
    (result,) = _score(rules, data)
    return result


def _get(result: perfscore.SubjectResult, rule_id: str) -> Any:
    found = [f for f in result.findings if f.rule_id == rule_id]
    if found:
        return found[0]
    return next(s for s in result.scores if s.rule_id == rule_id)


def _points(result: perfscore.SubjectResult, rule_id: str) -> Decimal | None:
    score = next((s for s in result.scores if s.rule_id == rule_id), None)
    return score.points if score is not None else _get(result, rule_id).points


# --- every bundled rule set loads -----------------------------------------------------------


@pytest.mark.parametrize("path", rule_files(RULES), ids=lambda p: p.name)
def test_every_bundled_ruleset_loads(path: Path) -> None:
    rs = perfscore.load_ruleset(path)  # what `perfscore validate` does
    assert rs.id and rs.title and rs.version


@pytest.mark.parametrize(("rules", "data"), sorted(EXAMPLE_OF.items()))
def test_examples_score_completely(rules: str, data: str) -> None:
    for result in _score(rules, data):
        assert result.complete, [f.message for f in result.findings if f.outcome == "error"]


@pytest.mark.parametrize("rules", sorted(EXAMPLE_OF))
def test_every_indicator_has_provenance(rules: str) -> None:
    rs = perfscore.load_ruleset(RULES / rules)
    for info in rs.rules:
        if info.kind != "check":
            assert info.source and info.source.get("evidence"), f"{rules}: {info.id}"


# --- catalog --------------------------------------------------------------------------------


def test_catalog_lists_every_bundled_ruleset() -> None:
    entries = bundled_rulesets(RULES)
    assert [e.path for e in entries] == rule_files(RULES)
    assert all(e.ok for e in entries)
    part = next(e for e in entries if e.id == "omb_part")
    assert (part.version, part.evidence) == ("2008.1", "SEEN")
    assert part.document is not None and "PART" in part.document
    text = format_catalog(entries)
    assert "omb_part" in text and "cn_project_10" in text
    assert text.splitlines()[-1] == f"{len(entries)} rule set(s), 0 not loading"


def test_catalog_lists_a_broken_file_with_its_error(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(
        (RULES / "omb-part.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "bad.yaml").write_text("perfscore: 1\nid: bad\n", encoding="utf-8")
    entries = bundled_rulesets(tmp_path)
    assert [e.path.name for e in entries] == ["bad.yaml", "good.yaml"]
    assert not entries[0].ok and entries[0].error
    assert entries[1].ok and entries[1].id == "omb_part"
    text = format_catalog(entries)
    assert "(does not load)" in text and text.endswith("2 rule set(s), 1 not loading")


def test_catalog_entry_is_plain_data() -> None:
    entry = CatalogEntry(path=Path("x.yaml"), id="x", title="标题", version="1")
    assert entry.ok and "标题" in format_catalog([entry])


# --- functions for per-year fiscal series ---------------------------------------------------


def _series(**years: str | None) -> Series:
    return Series(tuple((int(y[1:]), None if v is None else D(v)) for y, v in years.items()))


def test_pefa_variance_worked_example_is_11_92_percent() -> None:
    # B = (50, 30, 20), A = (55, 25, 24): k = 1.04, Σ|A − kB| = 12.4, 12.4 / 104 = 11.92%
    fn = DEFAULT_FUNCTIONS.get("composition_variance")
    assert fn is not None
    pairs = [(50, 55), (30, 25), (20, 24)]
    args = [_series(y2023=str(v)) for pair in pairs for v in pair]
    (variance,) = fn.fn(*args).values()
    assert round(variance, 4) == D("0.1192")
    assert variance == D("12.4") / D(104)


def test_composition_variance_years_and_gaps() -> None:
    fn = DEFAULT_FUNCTIONS.get("composition_variance")
    assert fn is not None
    b1, a1 = _series(y2022="10", y2023="10"), _series(y2022="10", y2023=None)
    b2, a2 = _series(y2022="10", y2023="10"), _series(y2022="10", y2023="12")
    assert fn.fn(b1, a1, b2, a2).points == ((2022, D(0)), (2023, None))
    with pytest.raises(perfscore.EvaluationError):
        fn.fn(b1, a1, b2)
    with pytest.raises(perfscore.ZeroDenominatorError):
        fn.fn(_series(y2023="0"), _series(y2023="5"))


def test_ratio_series() -> None:
    fn = DEFAULT_FUNCTIONS.get("ratio_series")
    assert fn is not None
    out = fn.fn(_series(y2021="104", y2022="90", y2023=None), _series(y2021="100", y2022="100"))
    assert out.points == ((2021, D("1.04")), (2022, D("0.9")), (2023, None))
    with pytest.raises(perfscore.ZeroDenominatorError):
        fn.fn(_series(y2021="1"), _series(y2021="0"))


# --- OMB PART -------------------------------------------------------------------------------


def test_part_example_program_a_is_adequate() -> None:
    a, _ = _score("omb-part.yaml", "part-programs-illustrative.yaml")
    assert [_points(a, f"section_{i}") for i in (1, 2, 3, 4)] == [D(16), D("7.5"), D("16.6"), D(29)]
    assert (a.total, a.grade) == (D("69.1"), "adequate")


def test_part_example_program_b_results_not_demonstrated_overrides_the_band() -> None:
    _, b = _score("omb-part.yaml", "part-programs-illustrative.yaml")
    assert b.total == D(87)  # would be Effective
    assert b.grade == "results_not_demonstrated"
    assert _get(b, "results_demonstrable").outcome == "fail"


SECTIONS = {
    "purpose_design": 100,
    "strategic_planning": 100,
    "program_management": 100,
    "results_accountability": 70,
}


@pytest.mark.parametrize(
    ("section_4", "measures", "baseline", "total", "grade"),
    [
        (70, True, True, "85", "effective"),
        (69.98, True, True, "84.99", "moderately_effective"),
        (40, True, True, "70", "moderately_effective"),
        (0, True, True, "50", "adequate"),
        (70, False, True, "85", "results_not_demonstrated"),
        (70, True, False, "85", "results_not_demonstrated"),
    ],
)
def test_part_bands_and_rnd(
    section_4: float, measures: bool, baseline: bool, total: str, grade: str
) -> None:
    data = dict(SECTIONS, results_accountability=section_4)
    data.update(has_performance_measures=measures, has_baseline_data=baseline)
    result = _one("omb-part.yaml", data)
    assert (result.total, result.grade) == (D(total), grade)


def test_part_ineffective_and_missing_section_is_an_error() -> None:
    low = dict.fromkeys(SECTIONS, 40)
    result = _one(
        "omb-part.yaml", {**low, "has_performance_measures": True, "has_baseline_data": True}
    )
    assert (result.total, result.grade) == (D(40), "ineffective")
    partial = {"purpose_design": 90, "has_performance_measures": True, "has_baseline_data": True}
    result = _one("omb-part.yaml", partial)
    assert result.total is None and not result.complete


# --- 财预〔2020〕10号 project self-evaluation -------------------------------------------------


@pytest.fixture(scope="module")
def project() -> perfscore.SubjectResult:
    return _one("cn-project-10.yaml", "project-elderly-meals-2023.yaml")


def test_project_example_total_and_grade(project: perfscore.SubjectResult) -> None:
    assert (project.total, project.grade) == (D("92.63"), "excellent")
    assert _points(project, "execution") == D("8.8")  # 422.4 / 480 = 88% → 10 × 0.88
    assert _points(project, "outputs") == D("47.61")  # 39.99 of the 42 points used, × 50 / 42
    assert _points(project, "benefits") == D("26.22")  # 19.23 of 22, × 30 / 22
    assert _points(project, "satisfaction_score") == D(10)


def test_project_quantitative_slots_are_direction_aware(project: perfscore.SubjectResult) -> None:
    assert _points(project, "output_ge_1") == D(8)  # 1260 ≥ 1200: met → full
    assert _points(project, "output_ge_2") == D("6.88")  # 8 × 43000 / 50000
    assert _points(project, "output_le_1") == D("5.71")  # ≤ 8 but 8.4: 6 × 8 / 8.4
    assert _points(project, "output_eq_1") == D(6)  # = 8 exactly
    assert _get(project, "output_ge_4").outcome == "not_applicable"  # unused slot
    msg = _get(project, "output_ge_2").message
    assert msg == "助餐服务人次（人次）：完成值 43000，未达到 ≥ 50000，得 6.88/8 分"


def test_project_qualitative_tiers(project: perfscore.SubjectResult) -> None:
    assert _points(project, "output_q_1") == D("5.4")  # achieved at 90%
    assert _points(project, "benefit_q_1") == D("4.9")  # partial, default 70%
    assert _points(project, "benefit_q_2") == D(7)  # achieved, top of the tier


def test_project_low_execution_needs_a_reason() -> None:
    base = {
        "budget_adjusted": 100,
        "executed": 89.99,
        "satisfaction": 95,
        "satisfaction_target": 90,
    }
    result = _one("cn-project-10.yaml", base)
    assert _get(result, "low_execution_explained").outcome == "fail"
    result = _one("cn-project-10.yaml", {**base, "low_execution_reason": "项目延期"})
    assert _get(result, "low_execution_explained").outcome == "pass"
    result = _one("cn-project-10.yaml", {**base, "executed": 90})
    assert _get(result, "low_execution_explained").outcome == "pass"


def test_project_slot_with_actual_but_no_target_is_flagged() -> None:
    result = _one(
        "cn-project-10.yaml", {"budget_adjusted": 100, "executed": 100, "output_ge_1_actual": 5}
    )
    assert _get(result, "slots_complete").outcome == "fail"
    assert _get(result, "output_ge_1").outcome == "not_applicable"


@pytest.mark.parametrize(
    ("satisfaction", "grade"), [(90, "excellent"), (0, "good"), (None, "excellent")]
)
def test_project_grade_bands(satisfaction: int | None, grade: str) -> None:
    data: dict[str, Any] = {"budget_adjusted": 100, "executed": 80}
    for slot in ("ge_1", "ge_2", "ge_3", "ge_4", "le_1", "eq_1"):
        data.update({f"output_{slot}_actual": 1, f"output_{slot}_target": 1})
    data["output_q_1_tier"] = "achieved"
    if satisfaction is not None:
        data.update(satisfaction=satisfaction, satisfaction_target=90)
    result = _one("cn-project-10.yaml", data)
    # execution 8 + outputs 50 + (benefits not applicable → redistributed) + satisfaction
    assert result.coverage >= Decimal("0.6")
    assert result.grade == grade


@pytest.mark.parametrize("satisfaction", [90, None])
def test_a_project_with_little_data_gets_no_grade(satisfaction: int | None) -> None:
    """Data for 28% (18%) of the weight used to give 优 on a redistributed 96.67 / 100."""
    data: dict[str, Any] = {"budget_adjusted": 100, "executed": 80}
    data.update(output_ge_1_actual=1, output_ge_1_target=1)
    if satisfaction is not None:
        data.update(satisfaction=satisfaction, satisfaction_target=90)
    result = _one("cn-project-10.yaml", data)
    assert result.total is not None and result.total > 90
    assert result.grade is None
    assert result.coverage == (Decimal("0.28") if satisfaction else Decimal("0.18"))
    assert "评级至少需要 60%" in (result.grade_reason_zh or "")


# --- 湖南 附件1 -------------------------------------------------------------------------------


def _weights(rules: str) -> dict[str, Decimal | None]:
    return {r.id: r.weight for r in perfscore.load_ruleset(RULES / rules).rules}


def test_hunan_published_weights_and_placeholders_sum_to_100() -> None:
    w = _weights("cn-dept-hunan.yaml")
    assert (w["inputs"], w["process"], w["outputs_effects_placeholder"]) == (13, 61, 26)
    assert (w["staffing_control"], w["three_public_change_rate"]) == (5, 8)
    assert w["budget_execution"] == 20 and w["management_placeholder"] == 41
    rs = perfscore.load_ruleset(RULES / "cn-dept-hunan.yaml")
    placeholders = {r.id for r in rs.rules if r.source and r.source["evidence"] == "PLACEHOLDER"}
    assert placeholders == {
        "building_investment_control",
        "management_placeholder",
        "outputs_effects_placeholder",
    }
    assert all("占位" in r.title for r in rs.rules if r.id in placeholders)


def test_hunan_example() -> None:
    result = _one("cn-dept-hunan.yaml", "hunan-dept-illustrative-2022.yaml")
    assert (result.total, result.grade) == (D(89), "good")
    assert _points(result, "budget_completion") == D(3)  # 94.55%: one whole 5% step → −2
    assert _points(result, "budget_control") == D(4)  # 8% ∈ (0, 10%]
    assert _points(result, "building_area_control") == D(5)  # no such project → full marks
    assert _get(result, "building_area_control").outcome == "pass"


HUNAN_BASE: dict[str, Any] = {"has_new_buildings": False}


@pytest.mark.parametrize(
    ("values", "rule_id", "points"),
    [
        ({"staff_actual": 1025, "staff_authorised": 1000}, "staffing_control", "3.75"),
        ({"staff_actual": 1000, "staff_authorised": 1000}, "staffing_control", "5"),
        ({"staff_actual": 1200, "staff_authorised": 1000}, "staffing_control", "0"),
        (
            {"three_public_budget_current": 105, "three_public_budget_previous": 100},
            "three_public_change_rate",
            "4",
        ),
        (
            {"three_public_budget_current": 90, "three_public_budget_previous": 100},
            "three_public_change_rate",
            "8",
        ),
        (
            {
                "carryover_previous": 0,
                "initial_budget": 100,
                "supplementary_budget": 0,
                "year_end_balance": 5,
            },
            "budget_completion",
            "3",
        ),
        (
            {
                "carryover_previous": 0,
                "initial_budget": 100,
                "supplementary_budget": 0,
                "year_end_balance": 11,
            },
            "budget_completion",
            "1",
        ),
        (
            {
                "carryover_previous": 0,
                "initial_budget": 100,
                "supplementary_budget": 0,
                "year_end_balance": 0,
            },
            "budget_completion",
            "5",
        ),
        ({"initial_budget": 100, "supplementary_budget": 0}, "budget_control", "5"),
        ({"initial_budget": 100, "supplementary_budget": 10}, "budget_control", "4"),
        ({"initial_budget": 100, "supplementary_budget": "10.01"}, "budget_control", "3"),
        ({"initial_budget": 100, "supplementary_budget": 31}, "budget_control", "0"),
        (
            {
                "has_new_buildings": True,
                "building_area_actual": 1060,
                "building_area_approved": 1000,
                "building_investment_approved": 1,
            },
            "building_area_control",
            "3",
        ),
    ],
)
def test_hunan_published_deduction_rules(values: dict[str, Any], rule_id: str, points: str) -> None:
    result = _one("cn-dept-hunan.yaml", {**HUNAN_BASE, **values})
    assert _points(result, rule_id) == D(points)


def test_hunan_without_placeholder_scores_gets_no_grade() -> None:
    data = dict(HUNAN_BASE, staff_actual=48, staff_authorised=50)
    result = _one("cn-dept-hunan.yaml", data)
    assert _get(result, "management_placeholder").outcome == "not_applicable"
    assert result.grade is None  # too little of the weight scored from data


def test_hunan_building_department_must_give_the_approved_figures() -> None:
    result = _one("cn-dept-hunan.yaml", {"has_new_buildings": True, "building_area_actual": 10})
    assert _get(result, "building_data_given").outcome == "fail"
    assert _get(result, "building_area_control").outcome == "error"


# --- 四川 达州 -------------------------------------------------------------------------------


def test_dazhou_weights_as_published() -> None:
    w = _weights("cn-dept-sichuan-dazhou.yaml")
    assert (w["decision"], w["management"], w["performance"]) == (25, 30, 45)
    assert [w[k] for k in ("targets", "budgeting")] == [15, 10]
    second = ("allocation_timing", "midterm_review", "monitoring", "nontax_revenue", "assets",
              "internal_control", "disclosure", "evaluation")  # fmt: skip
    assert [w[k] for k in second] == [2, 2, 5, 2, 6, 2, 6, 5]
    assert [w[k] for k in ("effectiveness", "sustainability", "satisfaction")] == [20, 15, 10]
    satisfaction = ("partner_satisfaction", "client_satisfaction", "public_satisfaction")
    assert [w[k] for k in satisfaction] == [3, 3, 4]
    assert [w[k] for k in ("execution_monitoring", "target_monitoring")] == [2, 3]
    assert [w[k] for k in ("evaluation_done", "evaluation_use")] == [2, 3]


def test_dazhou_example() -> None:
    result = _one("cn-dept-sichuan-dazhou.yaml", "dazhou-dept-illustrative-2023.yaml")
    assert (result.total, result.grade) == (D("88.16"), "good")
    assert _points(result, "decision") == D(22)
    assert _points(result, "management") == D("26.1")
    assert _points(result, "performance") == D("40.06")
    assert _points(result, "midterm_review_done") == D("0.6")  # not achieved: 30% of 2
    assert _points(result, "public_satisfaction") == D("3.78")  # 4 × 85 / 90
    placeholder = _get(result, "effectiveness_placeholder")
    assert placeholder.points == D("17.6")


# --- PEFA 2016 Pillar I ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pefa() -> perfscore.SubjectResult:
    return _one("pefa-2016-pillar1.yaml", "pefa-illustrative-country.yaml")


def test_pefa_example_dimension_and_indicator_grades(pefa: perfscore.SubjectResult) -> None:
    grades = {k: _get(pefa, k).grade for k in
              ("pi1", "pi2_1", "pi2_2", "pi2_3", "pi2", "pi3_1", "pi3_2", "pi3")}  # fmt: skip
    assert grades == {
        "pi1": "A",  # 103%, 91.43%, 101.82%: two of three in [95%, 105%]
        "pi2_1": "A",
        "pi2_2": "B",  # 3.35%, 8.62%, 9.16%: only one year below 5%, all below 10%
        "pi2_3": "A",  # mean of 2%, 2.38%, 2.73% = 2.37% < 3%
        "pi2": "B+",  # M1: lowest B, '+' because others are higher
        "pi3_1": "D",  # 88.89%, 89.47%, 101%: one year in any band
        "pi3_2": "C",
        "pi3": "D+",  # M2: D C → D+
    }
    assert pefa.total is None  # letters only, no points


def _slots(prefix: str, n: int, rows: list[tuple[list[int], list[int]]]) -> dict[str, Any]:
    """Category slots from [(budgets per year, actuals per year)], zero-filling unused slots."""
    years = range(2021, 2021 + len(rows[0][0]))
    out: dict[str, Any] = {}
    for k in range(n):
        b, a = rows[k] if k < len(rows) else ([0] * len(years), [0] * len(years))
        out[f"{prefix}{k + 1}_budget"] = dict(zip(years, b, strict=True))
        out[f"{prefix}{k + 1}_actual"] = dict(zip(years, a, strict=True))
    return out


def _pefa_data(**overrides: Any) -> dict[str, Any]:
    flat = [([100, 100, 100], [100, 100, 100])]
    data: dict[str, Any] = {
        "budget_total": {2021: 100, 2022: 100, 2023: 100},
        "outturn_total": {2021: 100, 2022: 100, 2023: 100},
        "contingency_actual": {2021: 0, 2022: 0, 2023: 0},
        "revenue_budget": {2021: 100, 2022: 100, 2023: 100},
        "revenue_actual": {2021: 100, 2022: 100, 2023: 100},
        **_slots("fn", 5, flat),
        **_slots("ec", 5, flat),
        **_slots("rv", 4, flat),
    }
    data.update(overrides)
    return data


def test_pefa_variance_worked_example_through_the_rule_set() -> None:
    # 2023 is the reference's worked example (B 50/30/20, A 55/25/24 → 11.92%); the zero-filled
    # slots 4 and 5 change nothing. 2021 and 2022 have no variance.
    worked = [
        ([50, 50, 50], [50, 50, 55]),
        ([30, 30, 30], [30, 30, 25]),
        ([20, 20, 20], [20, 20, 24]),
    ]
    result = _one("pefa-2016-pillar1.yaml", _pefa_data(**_slots("fn", 5, worked)))
    f = _get(result, "pi2_1")
    assert round(f.value.get(2023), 4) == D("0.1192")
    assert f.value.get(2021) == 0
    assert f.grade == "A"  # two of three years below 5%
    worse = [
        ([50, 50, 50], [55, 55, 55]),
        ([30, 30, 30], [25, 25, 25]),
        ([20, 20, 20], [24, 24, 24]),
    ]
    result = _one("pefa-2016-pillar1.yaml", _pefa_data(**_slots("fn", 5, worse)))
    assert _get(result, "pi2_1").grade == "C"  # 11.92% every year: below 15%, not 10%
    assert _get(result, "pi2").grade == "C+"  # M1: C, A, A


@pytest.mark.parametrize(
    ("outturn", "grade"),
    [
        ((95, 105, 50), "A"),  # "between 95% and 105%" read as inclusive
        ((94.99, 105.01, 100), "B"),
        ((85, 115, 200), "C"),
        ((84.99, 115.01, 100), "D"),
    ],
)
def test_pefa_pi1_bands(outturn: tuple[float, ...], grade: str) -> None:
    data = _pefa_data(outturn_total=dict(zip((2021, 2022, 2023), outturn, strict=True)))
    assert _get(_one("pefa-2016-pillar1.yaml", data), "pi1").grade == grade


@pytest.mark.parametrize(
    ("contingency", "grade"),
    [
        ((2, 3, 4), "B"),
        ((2, 2, 4.99), "A"),
        ((6, 6, 6), "B"),
        ((6, 6, 6.03), "C"),
        ((10, 10, 10), "D"),
    ],
)
def test_pefa_2_3_three_year_mean(contingency: tuple[float, ...], grade: str) -> None:
    data = _pefa_data(contingency_actual=dict(zip((2021, 2022, 2023), contingency, strict=True)))
    assert _get(_one("pefa-2016-pillar1.yaml", data), "pi2_3").grade == grade


def test_pefa_forgotten_category_slot_is_an_error() -> None:
    data = _pefa_data()
    del data["fn3_actual"]
    result = _one("pefa-2016-pillar1.yaml", data)
    assert _get(result, "pi2_1").outcome == "error"
    assert _get(result, "pi2").outcome == "error"
    assert _get(result, "pi1").grade == "A"  # the rest is still scored


def test_pefa_grades_example() -> None:
    result = _one("pefa-2016-pillar1-grades.yaml", "pefa-illustrative-grades.yaml")
    assert _get(result, "pi1_score").grade == "A"
    assert _get(result, "pi2_3").grade == "D"  # D* is read as D
    assert _get(result, "pi2").grade == "D+"  # M1: A, B, D → D+
    assert _get(result, "pi3").grade == "D+"  # M2: D, C → D+


def test_pefa_grades_na_dimension_is_dropped() -> None:
    result = _one("pefa-2016-pillar1-grades.yaml", {"d2_1": "B", "d2_2": "NA", "d2_3": "A",
                                                     "d3_1": "NA", "d3_2": "C"})  # fmt: skip
    assert _get(result, "pi2_2").outcome == "not_applicable"
    assert _get(result, "pi2").grade == "B+"
    assert _get(result, "pi3").grade == "C"  # one dimension left: its own grade


_VALUE = {"A": 4, "B": 3, "C": 2, "D": 1}
_HALF = {D(4): "A", D("3.5"): "B+", D(3): "B", D("2.5"): "C+", D(2): "C", D("1.5"): "D+", D(1): "D"}


def _two_regime(grades: list[str]) -> str:
    """The COMPUTED pattern of the reference: round the mean up to a half-grade (below 2: first
    subtract 0.25)."""
    mean = D(sum(_VALUE[g] for g in grades)) / len(grades)
    x = mean if mean >= 2 else mean - D("0.25")
    return _HALF[max(D(1), (x * 2).to_integral_value(rounding="ROUND_CEILING") / 2)]


def _m2_rows() -> list[tuple[list[str], str]]:
    rs = perfscore.load_ruleset(RULES / "pefa-2016-m1-m2.yaml")
    (m2,) = [i for i in rs.model.indicators if i.id == "m2"]
    assert m2.table is not None
    return [(list(row.grades), row.result) for row in m2.table]


def test_pefa_m2_table_is_complete_and_matches_the_pattern() -> None:
    rows = _m2_rows()
    counts = {n: sum(1 for g, _ in rows if len(g) == n) for n in (1, 2, 3, 4)}
    assert counts == {1: 4, 2: 10, 3: 20, 4: 35}  # every multiset of A–D
    for grades, result in rows:
        if len(grades) > 1:
            assert _two_regime(grades) == result, grades


@pytest.mark.parametrize(
    ("dims", "m2", "m1"),
    [
        (["D", "C"], "D+", "D+"),
        (["C", "C", "A"], "B", "C+"),
        (["D", "D", "B"], "D+", "D+"),
        (["D", "D", "D", "C"], "D", "D+"),
        (["C", "C", "C", "B"], "C+", "C+"),
        (["B", "A", "A"], "A", "B+"),
        (["A", "A"], "A", "A"),
        (["D*", "C"], "D+", "D+"),
        (["A", "NA", "C"], "B", "C+"),
        (["B", "A", "D", "C"], "C+", "D+"),
    ],
)
def test_pefa_m1_m2_calculator(dims: list[str], m2: str, m1: str) -> None:
    data = {f"dim{k + 1}": g for k, g in enumerate(dims)}
    result = _one("pefa-2016-m1-m2.yaml", data)
    assert (_get(result, "m2").grade, _get(result, "m1").grade) == (m2, m1)


def test_pefa_years_with_a_gap_are_not_the_last_three() -> None:
    """{2019, 2021, 2023} used to count as "the last 3 years" and PI-2.3's 3-year mean averaged
    two; now both are error findings naming the missing 2022."""
    rs = perfscore.load_ruleset(RULES / "pefa-2016-pillar1.yaml")
    years = {2019: 100, 2021: 100, 2023: 100}
    values = {"budget_total": years, "outturn_total": years}
    values["contingency_actual"] = {2019: 1, 2021: 2, 2023: 3}
    result = rs.evaluate({"id": "c", "values": values}).subjects[0]
    pi1, pi2_3 = result.finding("pi1"), result.finding("pi2_3")
    assert pi1.outcome == "error" and "2021, 2022, 2023" in (pi1.reason or "")
    assert pi2_3.outcome == "error" and "no value for 2022" in (pi2_3.reason or "")
    assert not result.complete
