"""``perfscore.extract``: the figures of a 自评报告, pinned against the shared Liwan report (when
../shared is present) and against our own sample report (always), then scored end to end."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import perfscore
from perfscore.extract import (
    ExtractResult,
    TemplateError,
    dump_subjects,
    extract_folder,
    extract_lines,
    extract_report,
    load_template,
    subjects_from_reports,
)
from perfscore.extract._numbers import parse_chinese_numeral, parse_number
from perfscore.extract._text import normalise

ROOT = Path(__file__).resolve().parent.parent
LIWAN = ROOT.parent / "shared/reference/reports/liwan-npc-office-2023-self-evaluation.txt"
SAMPLE = ROOT / "examples/reports/sample-dept-2023.txt"
LIWAN_EXAMPLE = ROOT / "examples/liwan-npc-office-2023.yaml"
OVERALL = ROOT / "rules/cn-dept-overall.yaml"
CHECKS = ROOT / "rules/cn-report-checks.yaml"

needs_liwan = pytest.mark.skipif(
    not LIWAN.is_file(), reason=f"shared reference report not available at {LIWAN}"
)


def _findings(subject: dict[str, Any], rules: Path) -> dict[str, perfscore.Finding]:
    report = perfscore.load_ruleset(rules).evaluate(subject)
    return {f.rule_id: f for f in report.findings}


# --- the Liwan report (shared) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def liwan() -> ExtractResult:
    if not LIWAN.is_file():
        pytest.skip(f"shared reference report not available at {LIWAN}")
    return extract_report(LIWAN, "cn-npc-office")


@pytest.fixture(scope="module")
def liwan_example() -> dict[str, Any]:
    record = perfscore.load_subjects(LIWAN_EXAMPLE).records[0]
    assert isinstance(record, dict)
    return record


@needs_liwan
def test_liwan_values_are_exactly_the_hand_made_ones(
    liwan: ExtractResult, liwan_example: dict[str, Any]
) -> None:
    expected = liwan_example["values"]
    assert set(liwan.values) == set(expected)
    for key, value in expected.items():
        got = liwan.values[key]
        assert got == value and type(got) is not float, key
    assert liwan.warnings == ()
    assert liwan.meta == {"name": "广州市荔湾区人民代表大会常务委员会办公室", "year": 2023}


@needs_liwan
@pytest.mark.parametrize(
    "name",
    [
        "work_committees", "general_offices", "congress_session", "deputy_suggestions",
        "historic_districts", "deputy_activities", "training_batches", "liaison_stations",
        "seminars", "reading_classes", "research_topics", "conversion_measures",
        "livelihood_projects", "problems",
    ],
)  # fmt: skip
def test_liwan_facts(liwan: ExtractResult, liwan_example: dict[str, Any], name: str) -> None:
    expected = liwan_example["facts"][name]
    got = liwan.facts[name]
    assert got["value"] == expected["value"]
    assert got.get("unit") == expected.get("unit")
    assert got.get("qualifier") == expected.get("qualifier")


@needs_liwan
def test_liwan_provenance_points_into_the_original_report(liwan: ExtractResult) -> None:
    lines = LIWAN.read_text(encoding="utf-8").split("\n")
    budget = liwan.provenance["budget"]
    assert budget == {
        "line": 69, "column": 1, "end_line": 69, "end_column": 17, "text": "全年预算数 3435.02 万元",
    }  # fmt: skip
    assert lines[68][0:16] == "全年预算数 3435.02 万元"
    rate = liwan.provenance["reported_execution_rate"]  # a sentence broken across lines
    assert (rate["line"], rate["end_line"], rate["text"]) == (69, 71, "完成预算的 99.4%")
    assert lines[70][: rate["end_column"] - 1].endswith("99.4%")
    project = liwan.provenance["project_expenditure"]
    assert (project["line"], project["column"], project["end_line"]) == (77, 33, 79)
    doubled = liwan.provenance["doubled_chars"]["matches"]
    assert [(m["line"], m["text"]) for m in doubled] == [
        (91, "依法法行政"), (115, "依法法行政"), (149, "依法法行政"),
    ]  # fmt: skip
    for m in doubled:
        assert lines[m["line"] - 1][m["column"] - 1 : m["end_column"] - 1] == "依法法行政"
    assert liwan.sections["problems"]["line"] == 227


@needs_liwan
def test_liwan_report_checks(liwan: ExtractResult) -> None:
    assert liwan.checks == {
        "has_section_basic": True,
        "has_section_evaluation": True,
        "has_section_problems": True,
        "has_section_measures": True,
        "reported_rate_decimals": 1,
        "targets_quantified": False,  # the 绩效目标 paragraph has no number at all
        "problems_text_length": 49,
        "doubled_chars": "依法法行政、依法法行政、依法法行政",
        "doubled_char_count": 3,
    }


@needs_liwan
def test_liwan_end_to_end(liwan: ExtractResult) -> None:
    subject = liwan.to_subject()
    overall = _findings(subject, OVERALL)
    assert overall["execution_rate_score"].outcome == "pass"
    assert overall["execution_rate_score"].display == "99.44%"
    assert overall["nature_adds_up"].outcome == "pass"
    assert overall["sources_add_up"].outcome == "pass"
    assert overall["reported_rate_agrees"].outcome == "pass"
    assert overall["key_tasks"].points == Decimal(20)
    checks = _findings(subject, CHECKS)
    assert checks["nature_adds_up"].outcome == "pass"
    assert checks["reported_rate_agrees"].outcome == "pass"
    assert all(checks[f"has_section_{s}"].outcome == "pass" for s in
               ("basic", "evaluation", "problems", "measures"))  # fmt: skip
    doubled = checks["no_doubled_chars"]
    assert (doubled.outcome, doubled.severity) == ("fail", "warning")
    assert "依法法行政" in doubled.message
    assert (checks["targets_quantified"].outcome, checks["targets_quantified"].severity) == (
        "fail",
        "warning",
    )
    assert checks["problems_substantive"].outcome == "pass"
    assert checks["key_tasks_reported"].outcome == "pass"


@needs_liwan
def test_liwan_same_score_as_the_hand_made_example(liwan_example: dict[str, Any]) -> None:
    rs = perfscore.load_ruleset(OVERALL)
    extracted = rs.evaluate(extract_report(LIWAN).to_subject(include_checks=False))
    by_hand = rs.evaluate(liwan_example)
    assert extracted.total == by_hand.total
    assert [(f.rule_id, f.outcome, f.points) for f in extracted.findings] == [
        (f.rule_id, f.outcome, f.points) for f in by_hand.findings
    ]


# --- our sample report (always) ------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> ExtractResult:
    return extract_report(SAMPLE, "cn-npc-office")


SAMPLE_VALUES: dict[str, object] = {
    "budget": Decimal("2856.4"),  # full-width ２８５６．４０
    "executed": Decimal("2838.27"),  # 2838. | page break, page number | 27
    "reported_execution_rate": Decimal("99.4"),  # "99.4 %"
    "general_public_budget": Decimal("2800"),  # 0.28 亿元
    "government_fund_budget": Decimal("38.27"),  # 382,700 元
    "soe_capital_budget": Decimal("0"),
    "basic_expenditure": Decimal("2511.05"),  # 2511.0 | 5 across a line break
    "project_expenditure": Decimal("327.22"),  # 3,272,200 元
    "key_tasks_planned": 4,
    "key_tasks_completed": 3,  # 任务 4 has no 完成情况
    "problems_identified": True,
}


def test_sample_values(sample: ExtractResult) -> None:
    assert sample.values == SAMPLE_VALUES
    assert sample.warnings == ()
    assert sample.meta == {"name": "示例市云岭区人民代表大会常务委员会办公室", "year": 2023}


def test_sample_facts_numerals_and_qualifiers(sample: ExtractResult) -> None:
    facts = {k: (v["value"], v.get("unit"), v.get("qualifier")) for k, v in sample.facts.items()}
    assert facts["deputy_activities"] == (20, "场次", "近")  # 近20场次
    assert facts["training_batches"] == (3, "批次", None)  # 三批次
    assert facts["livelihood_projects"] == (10, "件", None)  # 十件
    assert facts["liaison_stations"] == (23, "个", None)  # 二十三个
    assert facts["deputy_suggestions"] == (156, "件", None)  # full-width １５６
    assert facts["work_committees"] == (5, "个", None)
    assert facts["congress_session"][0] == "区三届人大二次会议 2023 年 1 月召开"
    assert facts["doubled_chars"][0] == ["预算算编制"]
    assert facts["problems"][0].startswith("一是部分项目预算编制不够精准。")


def test_sample_provenance_across_a_page_break(sample: ExtractResult) -> None:
    executed = sample.provenance["executed"]
    assert (executed["line"], executed["end_line"]) == (32, 40)
    assert executed["text"] == "执行数 2838.27 万元"
    budget = sample.provenance["budget"]
    assert budget["text"] == "全年预算数为 ２８５６．４０ 万元"  # original, full-width digits
    tasks = sample.provenance["key_tasks_planned"]["matches"]
    assert [m["text"] for m in tasks] == ["任务 1：", "任务 2：", "任务 3：", "任务 4："]


def test_sample_end_to_end(sample: ExtractResult) -> None:
    subject = sample.to_subject()
    overall = _findings(subject, OVERALL)
    assert overall["execution_rate_score"].outcome == "pass"
    assert overall["execution_rate_score"].display == "99.37%"
    assert overall["nature_adds_up"].outcome == "pass"
    assert overall["sources_add_up"].outcome == "pass"
    assert overall["key_tasks"].points == Decimal(15)  # 3 of 4 tasks
    checks = _findings(subject, CHECKS)
    assert checks["targets_quantified"].outcome == "pass"
    assert checks["reported_rate_agrees"].outcome == "pass"
    assert (checks["key_tasks_reported"].outcome, checks["key_tasks_reported"].severity) == (
        "fail",
        "note",
    )
    assert checks["no_doubled_chars"].outcome == "fail"
    assert "预算算编制" in checks["no_doubled_chars"].message


def test_subject_file_round_trip(sample: ExtractResult, tmp_path: Path) -> None:
    path = tmp_path / "subject.yaml"
    path.write_text(dump_subjects([sample.to_subject()]), encoding="utf-8")
    batch = perfscore.load_subjects(path)
    record = batch.records[0]
    assert record["values"]["executed"] == Decimal("2838.27")
    assert record["provenance"]["executed"]["line"] == 32
    report = perfscore.load_ruleset(CHECKS).evaluate(batch)
    assert {f.rule_id: f.outcome for f in report.findings}["nature_adds_up"] == "pass"


def test_folder_and_subjects_from_reports(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(SAMPLE.read_text(encoding="utf-8").encode("gb18030"))
    (tmp_path / "notes.md").write_text("not a report", encoding="utf-8")
    results = extract_folder(tmp_path, "cn-dept-self-eval")
    assert [r.id for r in results] == ["a", "b"]
    assert results[0].values == results[1].values == SAMPLE_VALUES
    subjects = subjects_from_reports([tmp_path / "a.txt", tmp_path], "cn-dept-self-eval")
    assert [s["id"] for s in subjects] == ["a", "a", "b"]
    report = perfscore.load_ruleset(OVERALL).evaluate(subjects)
    assert len(report.subjects) == 3


# --- normalisation and numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("十", 10), ("二十三", 23), ("三", 3), ("一百零五", 105), ("两千", 2000), ("十一", 11),
     ("三万五千", 35000), ("二〇二三", 2023)],
)  # fmt: skip
def test_chinese_numerals(text: str, value: int) -> None:
    assert parse_chinese_numeral(text) == value
    assert parse_number(text) == value


def test_numbers() -> None:
    assert parse_number("3,435.02") == Decimal("3435.02")
    with pytest.raises(ValueError):
        parse_number("abc")
    with pytest.raises(ValueError):
        parse_chinese_numeral("十x")


def test_normalise_drops_debris_and_maps_back() -> None:
    lines = ["", "收入合计 １２３", "", "", "", "- 7 -", "", "第 8 页", "4.5 万元。", "二、下一节"]
    text = normalise(lines)
    assert text.text == "收入合计 1234.5 万元。\n二、下一节"
    start = text.text.index("1234.5")
    span = text.span(start, start + 6)
    assert span is not None
    assert (span.line, span.column, span.end_line, span.end_column) == (2, 6, 9, 4)
    assert span.text == "１２３4.5"


def test_normalise_keeps_a_cut_number_tail_that_looks_like_a_page_number() -> None:
    text = normalise(["执行数 3415.", "", "62", "", "万元。"])
    assert text.text == "执行数 3415.62万元。"


def test_docx_style_lines_are_not_reflowed() -> None:
    text = normalise(["一、基本情况", "第一段", "第二段"], reflow=False)
    assert text.text == "一、基本情况\n第一段\n第二段"


def test_missing_figures_are_warnings_not_errors() -> None:
    result = extract_lines(["一、基本情况", "（二）部门整体收支情况", "全年预算数 10 万元。"])
    assert result.values == {"budget": Decimal(10), "problems_identified": False}
    assert "executed" not in result.values
    assert any(w.startswith("executed: 执行数 not found") for w in result.warnings)
    assert result.checks["has_section_problems"] is False
    assert result.checks["problems_text_length"] == 0
    subject = result.to_subject()
    checks = _findings(subject, CHECKS)
    assert checks["has_section_problems"].outcome == "fail"
    assert checks["nature_adds_up"].outcome == "not_applicable"


# --- templates -------------------------------------------------------------------------------


def test_builtin_templates_load() -> None:
    base = load_template("cn-dept-self-eval")
    npc = load_template("cn-npc-office")
    assert base.id == "cn_dept_self_eval"
    assert set(base.fields) < set(npc.fields)
    assert npc.chain[0].endswith("cn-dept-self-eval.yaml")
    assert load_template(str(base.source)).id == base.id


def _template_problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert isinstance(info.value, perfscore.RuleSetError)
    return [str(p) for p in info.value.problems]


def test_template_errors_are_located(tmp_path: Path) -> None:
    problems = _template_problems(
        tmp_path,
        "template: 1\n"
        "id: t\n"
        "title: T\n"
        "headings: ['^[一二三]、']\n"
        "sections:\n"
        "  a: {heading: A, level: 1}\n"
        "fields:\n"
        "  x: {pattren: 'x'}\n"
        "  y: {pattern: '(unclosed', section: b}\n"
        "  z: {find: decimal, of: x}\n",
    )
    text = "\n".join(problems)
    assert (
        "t.yaml:8:7: fields › x › pattren: unknown key 'pattren' (did you mean 'pattern'?)" in text
    )
    assert "t.yaml:8:6: fields › x: find: match needs a pattern" in text
    assert "t.yaml:9:16: fields › y › pattern: invalid pattern: missing )" in text
    assert "t.yaml:9:38: fields › y › section: unknown section 'b'" in text
    assert "t.yaml:10:13: fields › z › find: find must be one of" in text
    assert "(did you mean 'decimals'?)" in text
    assert len(problems) == 5


def test_template_extends_a_missing_template(tmp_path: Path) -> None:
    problems = _template_problems(tmp_path, "template: 1\nextends: nope\nid: t\ntitle: T\n")
    assert "no template 'nope'" in problems[0]


def test_user_template_with_fullwidth_pattern_and_units(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "template: 1\n"
        "id: mine\n"
        "title: 我的模板\n"
        "units: {元: 1, 万元: 10000, 亿元: 100000000}\n"
        "headings: ['^[一二三]、']\n"
        "fields:\n"
        "  total: {title: 合计, unit: 万元, pattern: '合计（含结转）：{number}\\s*{unit}'}\n"
        "  rate: {title: 比率, type: percent, pattern: '比率{percent}'}\n",
        encoding="utf-8",
    )
    result = extract_lines(["合计（含结转）：1.5亿元，比率 12.5 %。"], path)
    assert result.values == {"total": Decimal(15000)}
    result = extract_lines(["合计(含结转):１．５亿元,比率12.5％。"], path)
    assert result.values == {"total": Decimal(15000), "rate": Decimal("12.5")}


def test_a_percentage_of_at_most_one_percent_keeps_its_sign(tmp_path: Path) -> None:
    """ "调整率 0.5%" is written "0.5%" in the subject record: a bare 0.5 in a percent input
    is refused as ambiguous (0.5 % or 50 %?), and the report said which."""
    import perfscore

    path = tmp_path / "mine.yaml"
    path.write_text(
        "template: 1\nid: mine\ntitle: 我的模板\nheadings: ['^[一二三]、']\n"
        "fields:\n  rate: {title: 调整率, type: percent, pattern: '调整率{percent}'}\n",
        encoding="utf-8",
    )
    small, usual = (extract_lines([f"预算调整率{x}。"], path) for x in ("0.5%", "12.5%"))
    assert small.values == {"rate": "0.5%"} and usual.values == {"rate": Decimal("12.5")}
    rs = perfscore.load_ruleset_text(
        'perfscore: 1\nid: adj\ntitle: t\nversion: "1"\ninputs: {rate: {type: percent}}\n'
        "indicators:\n  - {id: i, title: 调整率, weight: 1, value: rate,"
        " scorer: {type: threshold, op: '<=', target: 0.01}}\n"
    )
    f = rs.evaluate(small.to_subject()).subjects[0].finding("i")
    assert (f.outcome, f.value) == ("pass", Decimal("0.005"))


def test_docs_template_example_loads_and_extracts(tmp_path: Path) -> None:
    import re

    docs = (ROOT / "docs/extract.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml template\n(.*?)^```", docs, re.DOTALL | re.MULTILINE)
    assert len(blocks) == 1
    path = tmp_path / "mine.yaml"
    path.write_text(blocks[0], encoding="utf-8")
    template = load_template(path)
    result = extract_lines(
        [
            "一、基本情况",
            "（二）部门收支情况",
            "全年预算数为 0.28 亿元，完成预算的 99.4 %，",
            "调研活动近十场次。",
        ],
        template,
    )
    assert result.values["budget"] == Decimal(2800)
    assert result.values["rate"] == Decimal("99.4")
    assert result.facts["meetings"] == {
        "value": 10, "unit": "场次", "qualifier": "近", "title": "调研活动场次",
    }  # fmt: skip
