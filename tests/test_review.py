"""The review (复核): declared vs recomputed points, 偏离度, causes, levels, warnings, workbook."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import perfscore
import review_batch
from cli_runner import run as _run
from perfscore.cli import main as cli_main
from perfscore.export import EXPORTERS, ExportOptions
from perfscore.numbers import round_half_up
from perfscore.recheck import Review, deviation
from perfscore.recheck.workbook import COLUMNS, safe_cell

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
BATCH = ROOT / "examples" / "review-batch-2023.yaml"
D = Decimal
BUILTIN_FORMATS = ("table", "json", "jsonl", "csv", "sarif", "junit", "xlsx", "md", "html")
PROJECT = perfscore.load_ruleset(RULES / "cn-project-10.yaml")
REVIEW_RULES = perfscore.load_ruleset(RULES / "cn-review.yaml")


def _review(data: Any, **kw: Any) -> Review:
    return perfscore.review(PROJECT, data, rules=kw.pop("rules", REVIEW_RULES), **kw)


def _row(rv: Review, sid: str, rule_id: str) -> Any:
    return next(it for it in rv.items[sid] if it.rule_id == rule_id)


def _project(**extra: Any) -> dict[str, Any]:
    values = {
        "budget_adjusted": 100,
        "executed": 100,
        "output_ge_1_actual": 90,
        "output_ge_1_target": 100,
        "output_ge_2_actual": 100,
        "output_ge_2_target": 100,
        "satisfaction": 95,
        "satisfaction_target": 90,
    }
    values.update(extra)
    return {"id": "p", "name": "项目", "values": values}


def _honest(record: dict[str, Any], *, leaves_only: bool = False) -> dict[str, Any]:
    result = PROJECT.evaluate_subject(record)
    infos = {r.id: r for r in PROJECT.rules}
    points = {
        s.rule_id: s.points
        for s in result.scores
        if s.points is not None and (not leaves_only or infos[s.rule_id].kind == "indicator")
    }
    return {"points": points}


# --- the generated batch -------------------------------------------------------------------


def test_example_batch_is_the_generators_output() -> None:
    assert BATCH.read_text(encoding="utf-8") == review_batch.dump(review_batch.generate())


@pytest.fixture(scope="module")
def batch() -> Review:
    return _review(perfscore.load_subjects(BATCH), sample=4)


def test_honest_projects_pass_every_claim(batch: Review) -> None:
    records = review_batch.generate()
    honest = [r["id"] for r in records if r.get("declared") and _kind(r) == "honest"]
    assert honest
    for sid in honest:
        rows = [it for it in batch.items[sid] if it.rule_id.startswith("claim_")]
        assert rows and all(it.level == "pass" for it in rows), [it.facts for it in rows]


def _kind(record: dict[str, Any]) -> str:
    i = int(record["id"].split("-")[1]) - 1
    return review_batch.KINDS[i % len(review_batch.KINDS)]


def test_each_kind_is_found_for_what_it_is(batch: Review) -> None:
    by_kind: dict[str, set[str]] = {}
    for r in review_batch.generate():
        rows = batch.items[r["id"]]
        found = {
            it.cause if it.cause != "check" else it.rule_id for it in rows if it.level != "pass"
        }
        by_kind.setdefault(_kind(r), set()).update(found)
    assert "contradicted" in by_kind["inflated"]
    assert {"total_adds_up", "weights_add_up", "grade_misapplied"} <= by_kind["arithmetic"]
    assert {"red_inflation", "full_marks_unfinished", "yellow_budget"} <= by_kind["red"]
    assert {"claim_without_data", "unknown_indicator"} <= by_kind["no_data"]
    assert by_kind["nothing"] == {"nothing_declared"}
    assert by_kind["honest"] <= {"yellow_budget", "overachievement_unexplained"}


def test_nothing_declared_is_not_zero(batch: Review) -> None:
    sid = next(r["id"] for r in review_batch.generate() if "declared" not in r)
    rows = {it.rule_id: it for it in batch.items[sid]}
    assert rows["claim__nothing"].outcome == "not_applicable"
    assert not any(k.startswith("claim_") and k != "claim__nothing" for k in rows)
    assert all(it.deviation is None for it in rows.values())
    assert batch.report[sid].total is not None  # the recomputation is still there


def test_summary_counts_and_most_inflated(batch: Review) -> None:
    summary = batch.summary()
    assert summary["subjects"] == 12 and summary["nothing_declared"] == 2
    assert sum(summary["by_level"].values()) == len(batch.rows())
    assert summary["by_level"]["P0"] == sum(1 for _, it in batch.issues() if it.level == "P0")
    top = summary["most_inflated"]
    assert top and [e["excess"] for e in top] == sorted((e["excess"] for e in top), reverse=True)
    totals = [
        abs(it.deviation)
        for _, it in batch.rows()
        if it.rule_id == "claim__total" and it.deviation is not None
    ]
    expected = round_half_up(sum(totals, D(0)) / len(totals), 6)
    assert summary["mean_abs_deviation"] == expected


# --- deviation: exact, signed, rounded, undefined at 0 -----------------------------------------


def test_deviation_sign_rounding_and_zero() -> None:
    assert deviation(D(10), D(8)) == D("0.2")
    assert deviation(D(8), D(10)) == D("-0.25")
    assert deviation(D(3), D(2)) == D("0.333333")  # half up to 6 places
    assert deviation(D("0.000003"), D("0.000001")) == D("0.666667")
    assert deviation(D(0), D(5)) is None


@pytest.mark.parametrize(
    ("declared", "recomputed", "level"),
    [
        ("10", "8", "P0"),  # exactly 20% → P0 (lower bound included)
        ("10", "8.01", "P1"),  # 19.9%
        ("10", "9", "P1"),  # exactly 10%
        ("10", "9.01", "P2"),
        ("10", "9.95", "pass"),  # within 0.05 points
        ("10", "9.94", "P2"),
    ],
)
def test_levels_at_their_boundaries(declared: str, recomputed: str, level: str) -> None:
    from perfscore.findings import IndicatorScore
    from perfscore.recheck.engine import Thresholds, _classify

    th = Thresholds.of(REVIEW_RULES)
    score = IndicatorScore("x", D(recomputed), D(10), None, "pass", D(1))
    assert _classify(th, D(declared), score, D(10))[1] == level


@pytest.mark.parametrize(
    ("declared", "recomputed", "cause"),
    [
        ("0.01", "0.06", "consistent"),  # exactly the tolerance (0.05) below
        # 0.05 + 1e-30 below: d − r rounded in the 28-digit context was exactly 0.05 ('pass')
        ("0.009999999999999999999999999999", "0.06", "under_claimed"),
        ("0.060000000000000000000000000001", "0.01", "contradicted"),
    ],
)
def test_a_claim_a_hair_beyond_the_tolerance_is_not_consistent(
    declared: str, recomputed: str, cause: str
) -> None:
    from perfscore.findings import IndicatorScore
    from perfscore.recheck.engine import Thresholds, _classify

    th = Thresholds.of(REVIEW_RULES)
    assert th.tolerance == D("0.05")
    score = IndicatorScore("x", D(recomputed), D(10), None, "pass", D(1))
    assert _classify(th, D(declared), score, D(10))[0] == cause


def test_zero_claim_against_points_is_under_claimed_without_deviation() -> None:
    rec = _project()
    rec["declared"] = {"points": {"output_ge_2": 0}}
    row = _row(_review([rec]), "p", "claim_output_ge_2")
    assert row.cause == "under_claimed" and row.deviation is None and "偏离度无定义" in row.facts


# --- the properties ------------------------------------------------------------------------

values = st.fixed_dictionaries(
    {
        "budget_adjusted": st.integers(1, 5000),
        "output_ge_1_target": st.integers(1, 2000),
        "output_ge_2_target": st.integers(1, 2000),
        "satisfaction_target": st.integers(50, 100),
    },
    optional={
        "benefit_ge_1_target": st.integers(1, 100),
    },
).flatmap(
    lambda v: st.fixed_dictionaries(
        {
            **{k: st.just(x) for k, x in v.items()},
            "executed": st.integers(0, v["budget_adjusted"]),
            "output_ge_1_actual": st.integers(0, 2 * v["output_ge_1_target"]),
            "output_ge_2_actual": st.integers(0, 2 * v["output_ge_2_target"]),
            "satisfaction": st.integers(0, 100),
            **({"benefit_ge_1_actual": st.integers(0, 200)} if "benefit_ge_1_target" in v else {}),
        }
    )
)


def _deviation_findings(rv: Review) -> list[Any]:
    return [
        f
        for f in rv.report.findings
        if f.rule_id.startswith("claim_") and f.outcome == "fail" and f.review
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_declared_equal_to_recomputed_gives_no_deviation_finding(v: dict[str, Any]) -> None:
    rec = {"id": "p", "values": v}
    declared = _honest(rec)
    result = PROJECT.evaluate_subject(rec)
    declared["total"] = result.total
    if result.grade_label:
        declared["grade"] = result.grade_label
    rec["declared"] = declared
    rv = _review([rec])
    assert _deviation_findings(rv) == []
    assert all(it.level == "pass" for it in rv.items["p"] if it.rule_id.startswith("claim_"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values, st.data())
def test_inflating_one_claim_gives_exactly_one_deviation_finding(
    v: dict[str, Any], data: st.DataObject
) -> None:
    rec = {"id": "p", "values": v}
    declared = _honest(rec, leaves_only=True)
    points: dict[str, Decimal] = declared["points"]
    target = data.draw(st.sampled_from(sorted(points)))
    delta = data.draw(st.decimals(D("0.06"), D("30"), places=2))
    recomputed = points[target]
    points[target] = recomputed + delta
    rec["declared"] = declared
    rv = _review([rec])
    (found,) = _deviation_findings(rv)
    assert found.rule_id == f"claim_{target}"
    assert found.review["declared"] == recomputed + delta
    assert found.review["recomputed"] == recomputed
    assert found.value == round_half_up(delta / (recomputed + delta), 6)
    assert found.review["cause"] in ("contradicted", "above_weight")


# --- form problems, unknown indicators, grades ---------------------------------------------


def test_malformed_claims_are_error_findings_naming_the_field() -> None:
    rec = _project()
    rec["declared"] = {"total": "九十", "points": {"output_ge_1": "abc", "output_ge_2": 8}}
    rv = _review([rec])
    form = _row(rv, "p", "claim__form")
    assert form.outcome == "error"
    assert "declared.total" in form.location and "declared.points.output_ge_1" in form.location
    assert _row(rv, "p", "claim_output_ge_2").level == "pass"  # the rest is still reviewed
    f = rv.report["p"].finding("claim__form")
    assert f.kind == "review" and f.outcome == "error"
    # said in each language, as every other review row is
    assert "declared.total：应为数字，实为 文字 '九十'" in form.facts
    assert "expected a number" not in form.facts
    assert "declared.total: expected a number, got text '九十'" in form.facts_en


@pytest.mark.parametrize("bad", [95, "高", [1, 2], {"points": 3}])
def test_any_declared_shape_is_reviewed_without_raising(bad: Any) -> None:
    rec = _project()
    rec["declared"] = bad
    rv = _review([rec, "not a record"])
    assert _row(rv, "p", "claim__form").outcome == "error"
    assert len(rv.report.subjects) == 2


def test_claim_for_an_indicator_the_ruleset_lacks_is_reported_not_dropped() -> None:
    rec = _project()
    rec["declared"] = {"points": {"output_ge_1": 7.2, "outptu_ge_2": 8, "党建": 3}}
    row = _row(_review([rec]), "p", "claim__unknown")
    assert row.level == "P1" and row.outcome == "fail"
    assert "outptu_ge_2" in row.facts and "output_ge_2" in row.facts  # did-you-mean
    assert "党建" in row.facts and "3" in row.facts


def test_claim_on_an_indicator_without_data() -> None:
    rec = _project()
    rec["declared"] = {"points": {"output_ge_4": 8, "benefit_ge_2": 0}}
    rv = _review([rec])
    assert _row(rv, "p", "claim_output_ge_4").cause == "claim_without_data"
    assert _row(rv, "p", "claim_benefit_ge_2").level == "pass"  # claiming 0 for n/a is fine


def test_claim_above_the_weight_is_arithmetic() -> None:
    rec = _project()
    rec["declared"] = {"points": {"output_ge_1": 9}}
    row = _row(_review([rec]), "p", "claim_output_ge_1")
    assert (row.cause, row.level, row.dimension) == ("above_weight", "P0", "arithmetic")


@pytest.mark.parametrize(
    ("total", "grade", "cause"),
    [
        (90, "优", "grade_consistent"),
        (89.99, "优", "grade_misapplied"),
        (89.99, "good", "grade_consistent"),  # the grade id works too
        (75, "甲", "grade_unknown"),
    ],
)
def test_grade_against_the_band_of_the_declared_total(total: float, grade: str, cause: str) -> None:
    rec = _project()
    rec["declared"] = {"total": total, "grade": grade}
    assert _row(_review([rec]), "p", "claim__grade").cause == cause


# --- the review rule set: warnings as ordinary checks, overlays ------------------------------


def _check(facts: dict[str, Any], rule_id: str, rules: perfscore.RuleSet = REVIEW_RULES) -> str:
    result = rules.evaluate_subject({"id": "x", "values": facts})
    return result.finding(rule_id).outcome


@pytest.mark.parametrize(
    ("execution_points", "outcome"), [("9.5", "pass"), ("9.49", "fail"), ("10", "pass")]
)
def test_red_rule_at_exactly_five_percent(execution_points: str, outcome: str) -> None:
    facts = {
        "performance_points": 90,
        "performance_weight": 90,
        "execution_points": execution_points,
        "execution_weight": 10,
    }
    assert _check(facts, "red_inflation") == outcome


@pytest.mark.parametrize(
    ("budget", "executed", "outcome"),
    [(100, 80, "pass"), (100, "79.99", "fail"), (0, 0, "fail"), (100, 100, "pass")],
)
def test_yellow_rule(budget: Any, executed: Any, outcome: str) -> None:
    assert _check({"budget": budget, "executed": executed}, "yellow_budget") == outcome


def test_every_review_check_cites_its_source() -> None:
    for info in REVIEW_RULES.rules:
        assert info.source and info.source.get("document") and info.source.get("evidence")


def test_a_bureau_changes_thresholds_by_overlay(tmp_path: Path) -> None:
    overlay = tmp_path / "bureau-review.yaml"
    overlay.write_text(
        f"extends: {RULES / 'cn-review.yaml'}\n"
        "id: bureau_review\ntitle: 某市财政局复核规则\nversion: '2025.1'\n"
        "inputs:\n"
        "  review_p0: {type: number, title: P0 线, default: 0.5}\n"
        "  review_red_margin: {type: number, title: 红线, default: 0.1}\n"
        "checks:\n"
        "  set:\n"
        "    red_inflation: {severity: error}\n",
        encoding="utf-8",
    )
    bureau = perfscore.load_ruleset(overlay)
    rec2 = _project()
    rec2["declared"] = {"points": {"output_ge_1": 8, "satisfaction_score": 10}}
    rec2["values"]["output_ge_1_actual"] = 70  # recomputed 5.6 → 30%
    assert _row(_review([rec2]), "p", "claim_output_ge_1").level == "P0"
    assert _row(_review([rec2], rules=bureau), "p", "claim_output_ge_1").level == "P1"
    # the red margin: 8% ahead is red at 5%, not at the bureau's 10%
    facts = {
        "performance_points": 90,
        "performance_weight": 90,
        "execution_points": "9.2",
        "execution_weight": 10,
    }
    assert _check(facts, "red_inflation") == "fail"
    assert _check(facts, "red_inflation", bureau) == "pass"
    facts["execution_points"] = 5
    result = bureau.evaluate_subject({"id": "x", "values": facts}).finding("red_inflation")
    assert (result.outcome, result.severity) == ("fail", "error")  # red is P0 for the bureau


# --- findings in every format, the document schema ------------------------------------------


def test_review_findings_in_every_format(batch: Review) -> None:
    for name in BUILTIN_FORMATS:  # (plugin tests may have registered more)
        fmt = EXPORTERS[name]
        data = fmt.render(batch.report, ExportOptions())
        if fmt.name == "xlsx":
            assert data[:2] == b"PK"
            continue
        text = data.decode("utf-8")
        assert "自评高于数据支持" in text, fmt.name


def test_findings_document_validates_and_fingerprints_are_unique(batch: Review) -> None:
    schema = json.loads((ROOT / "src/perfscore/schemas/findings-1.json").read_text("utf-8"))
    doc = json.loads(batch.report.to_json())
    jsonschema.validate(doc, schema)
    prints = [f["fingerprint"] for f in doc["findings"]]
    assert len(prints) == len(set(prints))
    kinds = {f["kind"] for f in doc["findings"]}
    assert kinds == {"review"}
    levels = {f["review"]["level"] for f in doc["findings"]}
    assert levels == {"P0", "P1", "P2", "pass"}
    assert doc["run"]["ruleset"]["review"]["id"] == "cn_review"


def test_same_input_same_bytes(batch: Review) -> None:
    again = _review(perfscore.load_subjects(BATCH), sample=4)
    assert again.report.to_json() == batch.report.to_json()
    assert again.workbook() == batch.workbook()


# --- the workbook ----------------------------------------------------------------------------


def test_workbook_layout(batch: Review) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(io.BytesIO(batch.workbook()))
    assert wb.sheetnames == ["复核问题清单", "汇总", "抽查样本"]
    ws = wb["复核问题清单"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    levels = [r[0] for r in rows[1:]]
    order = {"P0": 0, "P1": 1, "P2": 2, "通过": 3}
    assert levels == sorted(levels, key=order.__getitem__)  # P0 first, 通过 last
    assert levels.count("P0") == batch.summary()["by_level"]["P0"]
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert summary["复核对象数"] == 12
    core = zipfile.ZipFile(io.BytesIO(batch.workbook())).read("docProps/core.xml")
    assert b"2000-01-01T00:00:00Z</dcterms:modified>" in core


def test_workbook_cells_are_safe_from_formulas() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("+1") == "'+1" and safe_cell("@x") == "'@x" and safe_cell("\tx") == "'\tx"
    # control characters are shown as escapes (perfscore.textsafe.xlsx_cell), never written raw
    assert safe_cell("a\x00b\x1b") == "a\\u0000b\\u001b" and safe_cell(D(-1)) == D(-1)
    rec = _project()
    rec["name"] = "=cmd|' /C calc'!A0"
    rec["declared"] = {"points": {"output_ge_1": 8}}
    wb = openpyxl.load_workbook(io.BytesIO(_review([rec]).workbook()))
    cells = [c.value for row in wb["复核问题清单"].iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    assert any(isinstance(v, str) and v.startswith("'=cmd") for v in cells)


# --- the sample ------------------------------------------------------------------------------


def test_sample_takes_the_worst_first_and_says_what_it_covers(batch: Review) -> None:
    sample = batch.sample
    assert sample is not None and len(sample.entries) == 4 and sample.population == 12
    rank = {"P0": 0, "P1": 1, "P2": 2, "pass": 3}
    worst = [rank[e.worst] for e in sample.entries]
    assert worst == sorted(worst)
    # nothing left out is worse than what was taken
    taken = set(sample.ids)
    for s in batch.report.subjects:
        if s.subject.id not in taken:
            levels = [rank[it.level] for it in batch.items[s.subject.id]]
            assert min(levels) >= worst[-1]
    text = "\n".join(sample.statement)
    assert "4 / 12" in text and "不是随机抽样" in text and "不代表全体" in text
    assert "未接入结果库" in text
    left = {e.subject_id for e in sample.entries}
    all_p0 = {s.subject.id for s, it in batch.issues() if it.level == "P0"}
    assert f"最严重为 P0 的对象 {len(left & all_p0)} / {len(all_p0)}" in text


def test_sample_prefers_subjects_never_sampled_before() -> None:
    recs = []
    for i in range(3):
        r = _project()
        r["id"] = f"p{i}"
        r["declared"] = {"points": {"output_ge_1": 8}}  # the same P1 in each
        recs.append(r)
    plain = _review(recs, sample=1).sample
    assert plain is not None and plain.ids == ("p0",)  # a tie: by id
    seen = _review(recs, sample=1, sampled_before=lambda key: key in {"p0", "p1"}).sample
    assert seen is not None and seen.ids == ("p2",)
    assert "以前未被抽查" in seen.entries[0].reasons
    assert not any("未接入结果库" in line for line in seen.statement)


# --- the command -----------------------------------------------------------------------------


def test_cli_prints_the_issue_list_and_exits_by_level(tmp_path: Path) -> None:
    rules = str(RULES / "cn-project-10.yaml")
    code, out, _ = _run("review", rules, str(BATCH), "--sample", "3")
    assert code == 0 and "[P0]" in out and "抽查样本" in out and "不代表全体" in out
    assert _run("review", rules, str(BATCH), "--fail-on", "P0")[0] == 1
    xlsx, js = tmp_path / "清单.xlsx", tmp_path / "r.json"
    code, _, err = _run("review", rules, str(BATCH), "-o", str(xlsx), "-o", str(js))
    assert code == 0, err
    assert xlsx.read_bytes() == _review(perfscore.load_subjects(BATCH)).workbook()
    doc = json.loads(js.read_text("utf-8"))
    assert {f["kind"] for f in doc["findings"]} == {"review"}


def test_cli_review_rules_and_bad_options(tmp_path: Path) -> None:
    rules = str(RULES / "cn-project-10.yaml")
    code, _, err = _run("review", rules, str(BATCH), "--execution", "executoin")
    assert code == 3 and "did you mean 'execution'" in err
    code, _, err = _run("review", rules, str(BATCH), "--review-rules", str(tmp_path / "no.yaml"))
    assert code != 0
    code, _, _ = _run("review", rules, str(BATCH), "--sample", "-1")
    assert code == 2


def test_sample_is_remembered_by_the_results_store(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    from perfscore.recheck.sample import SAMPLE_RULE, sampled_before_in
    from perfscore.store import Store

    recs = []
    for i in range(4):
        r = _project()
        r["id"] = f"p{i}"
        r["declared"] = {"points": {"output_ge_1": 8}}  # the same P1 in each
        recs.append(r)
    db = str(tmp_path / "store.db")
    first = _review(recs, sample=2)
    assert [f.rule_id for f in first.report["p0"].findings][-1] == SAMPLE_RULE
    assert SAMPLE_RULE not in [f.rule_id for f in first.report["p3"].findings]
    with Store(db) as store:
        store.add(first.report, records=recs)
        before = sampled_before_in(store)
    assert before("p0") and before("p1") and not before("p2")
    second = _review(recs, sample=2, sampled_before=before)
    assert second.sample is not None and second.sample.ids == ("p2", "p3")


def test_cli_store_records_the_sample(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    rules, db = str(RULES / "cn-project-10.yaml"), str(tmp_path / "s.db")
    code, out, err = _run("review", rules, str(BATCH), "--sample", "3", "--store", db)
    assert code == 0 and "已记录为第 1 次运行" in err and "以前未被抽查" in out
    assert "未接入结果库" not in out
    code, out, err = _run("review", rules, str(BATCH), "--sample", "3", "--store", db)
    assert code == 0 and "以前未被抽查" not in out.split("抽查样本：")[1].split("抽取")[0]


def test_duplicate_ids_keep_both_reviews_and_are_reported() -> None:
    a, b = _project(), _project()
    a["declared"] = {"points": {"output_ge_1": 8}}
    b["declared"] = {"points": {"output_ge_2": 8}}
    rv = _review([a, b])
    assert [it.rule_id for _, it in rv.rows() if it.rule_id.startswith("claim_")] == [
        "claim_output_ge_1",
        "claim_output_ge_2",
    ]
    assert any(n.code == "duplicate-subject" for n in rv.report.notifications)


def test_review_words_live_in_the_catalogue_in_both_languages() -> None:
    from perfscore import words
    from perfscore.recheck import engine, levels, workbook

    for table in (
        words.REVIEW_CAUSE,
        words.REVIEW_ADVICE,
        words.REVIEW_CHECK_ADVICE,
        words.REVIEW_CHECK_LOCATION,
        words.REVIEW_DIMENSION,
    ):
        assert table["zh"].keys() == table["en"].keys()
        assert all(table["zh"][k].strip() and table["en"][k].strip() for k in table["zh"])
    assert (
        engine.CAUSES is words.REVIEW_CAUSE["zh"]
        and levels.DIMENSIONS is words.REVIEW_DIMENSION["zh"]
    )
    assert words.REVIEW_COLUMNS["zh"] == workbook.COLUMNS
    assert set(words.REVIEW_CHECK_LOCATION["zh"]) == {r.id for r in REVIEW_RULES.rules}


# --- group claims against their declared parts --------------------------------------------

_OUTPUT_PARTS = {
    "output_ge_1": 7,
    "output_ge_2": 8,
    "output_ge_3": 0,
    "output_ge_4": 0,
    "output_le_1": 0,
    "output_eq_1": 0,
    "output_q_1": 0,
}


@pytest.mark.parametrize(
    ("group", "parts", "flagged"),
    [
        ("15", _OUTPUT_PARTS, False),  # exactly the sum
        ("15.05", _OUTPUT_PARTS, False),  # within the tolerance
        ("16", _OUTPUT_PARTS, True),  # one point more than its parts
        ("14", _OUTPUT_PARTS, True),  # and less
        ("16", {k: v for k, v in _OUTPUT_PARTS.items() if k != "output_q_1"}, False),  # a blank
        # parts 15 − 1e-27: their sum rounded to 28 digits was 15, 15.05 within the tolerance
        ("15.05", {**_OUTPUT_PARTS, "output_ge_2": "7.999999999999999999999999999"}, True),
    ],
)
def test_a_group_claim_is_the_sum_of_its_declared_parts(
    group: str, parts: dict[str, int | str], flagged: bool
) -> None:
    rec = _project()
    rec["declared"] = {"points": {"outputs": group, **parts}}
    rv = _review([rec])
    rows = [it for it in rv.items["p"] if it.rule_id == "claim__parts_outputs"]
    assert bool(rows) == flagged
    if flagged:
        (row,) = rows
        assert (row.level, row.dimension, row.cause) == ("P0", "arithmetic", "group_parts")
        assert row.declared == D(group) and "15" in row.facts and "产出指标" in row.facts
        assert "add up to 15" in row.facts_en
        f = rv.report["p"].finding("claim__parts_outputs")
        assert f.kind == "review" and f.severity == "error" and f.outcome == "fail"
        assert "declared.points.output_ge_1" in f.fields
        listed = {r.id for r in rv.report.rules}
        assert "claim__parts_outputs" in listed and "claim__parts_benefits" in listed


def test_a_group_claim_above_the_groups_weight_is_a_form_error() -> None:
    rec = _project()
    rec["declared"] = {"points": {"benefits": 31}}  # 效益指标 weighs 30
    row = _row(_review([rec]), "p", "claim_benefits")
    assert (row.cause, row.level, row.dimension) == ("above_weight", "P0", "arithmetic")
    assert "超过该项分值 30 分" in row.facts and "above the weight of 30" in row.facts_en


def test_the_group_level_is_a_threshold_of_the_review_rules(tmp_path: Path) -> None:
    overlay = tmp_path / "mine.yaml"
    overlay.write_text(
        f"extends: {RULES / 'cn-review.yaml'}\nid: mine\n"
        "inputs:\n  review_level_group_parts: {default: P2}\n",
        encoding="utf-8",
    )
    rec = _project()
    rec["declared"] = {"points": {"outputs": 20, **_OUTPUT_PARTS}}
    rv = _review([rec], rules=perfscore.load_ruleset(overlay))
    assert _row(rv, "p", "claim__parts_outputs").level == "P2"


# --- 事实及判定 in both languages ------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff]")
_PRINTED_PATTERNS = ("cost_target_direction", "target_assessable", "satisfaction_measured")


def test_every_row_of_the_batch_has_its_sentences_in_both_languages(batch: Review) -> None:
    titles = {r.title for r in PROJECT.rules} | {r.title for r in REVIEW_RULES.rules}
    for s, it in batch.rows():
        assert bool(it.facts) == bool(it.facts_en), it
        assert it.finding_en and _CJK.search(it.finding), it
        assert bool(it.advice) == bool(it.advice_en), it
        # English words around Chinese data (indicator titles, names, grades as printed)
        rest = it.facts_en
        if it.rule_id in _PRINTED_PATTERNS:  # after the colon: the indicators, as printed
            rest = rest.partition(": ")[0]
        for t in sorted(titles, key=len, reverse=True):
            rest = rest.replace(t, "")
        for g in ("优", "良", "中", "差", "万元", s.subject.name or "\0"):
            rest = rest.replace(g, "")
        assert not _CJK.search(rest), (it.rule_id, it.facts_en)


def test_claim_sentences_zh_and_en() -> None:
    rec = _project()
    rec["declared"] = {"total": 100, "grade": "良", "points": {"output_ge_1": 8, "output_ge_2": 0}}
    rv = _review([rec])
    row = _row(rv, "p", "claim_output_ge_1")  # recomputed 7.2 (90 of 100 → 7.2 of 8)
    assert (
        row.facts
        == "自评 8 分，复核 7.2 分（分值 8），相差 0.8 分，偏离度 10%；判定：自评高于数据支持的得分"
    )
    assert row.facts_en == (
        "declared 8 points, recomputed 7.2 (weight 8), difference 0.8, deviation 10%; "
        "judgement: declared above what the figures support"
    )
    assert row.text("en")[0] == "declared above what the figures support"
    zero = _row(rv, "p", "claim_output_ge_2")
    assert "偏离度无定义" in zero.facts and "deviation is undefined" in zero.facts_en
    grade = _row(rv, "p", "claim__grade")
    assert "应为优" in grade.facts and "grade misapplied" in grade.facts_en
    f = rv.report["p"].finding("claim_output_ge_1")
    assert f.message.startswith("自评高于数据支持的得分：自评 8 分")
    assert f.message_en == f"{row.finding_en}: {row.facts_en}"
    assert f.review is not None and f.review["facts_en"] == row.facts_en


def test_cli_speaks_english_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d.yaml"
    rec = _project()
    rec["declared"] = {"points": {"output_ge_1": 8}}
    data.write_text(json.dumps({"subjects": [rec]}), encoding="utf-8")
    rules = str(RULES / "cn-project-10.yaml")
    assert cli_main(["review", rules, str(data), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Review: " in out and "declared 8 points, recomputed 7.2" in out
    assert cli_main(["review", rules, str(data), "--format", "jsonl", "--lang", "en"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    claim = next(x for x in lines if x.get("rule_id") == "claim_output_ge_1")
    assert "declared 8 points" in json.dumps(claim, ensure_ascii=False)
    assert cli_main(["review", rules, str(data)]) == 0
    assert "自评 8 分，复核 7.2 分" in capsys.readouterr().out


def test_the_review_report_is_assembled_where_every_report_is() -> None:
    """RuleSet.report assembles it: the rule set's provenance plus the review's rules, the
    review items as its rules, the duplicate-subject notification every run gets."""
    rec = {"id": "p", "values": {}}
    rv = _review([rec, rec])
    prov = rv.report.ruleset
    assert {k: prov[k] for k in PROJECT.provenance()} == PROJECT.provenance()
    assert prov["review"] == REVIEW_RULES.provenance()
    expected = PROJECT.report(
        rv.report.subjects,
        inputs=rv.report.inputs,
        provenance={"review": REVIEW_RULES.provenance()},
        rules=rv.report.rules,
    )
    assert rv.report == expected
    assert [n.code for n in rv.report.notifications] == ["duplicate-subject"]
    assert rv.report.rules != PROJECT.rules  # the review reports its own items too
