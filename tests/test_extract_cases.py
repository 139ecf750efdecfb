"""Key figures from our own report texts, one per layout (tests/extract_cases/), and from
variants of each generated the way files differ (punctuation, spacing, one line, PDF lines):
every printed figure exact, none wrong, none invented.  The same count is in docs/extract.md."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import yaml

import perfscore
from extract_variants import (
    CASES as CASE_DIR,
)
from extract_variants import (
    VARIANTS,
    case_lines,
    expected_indicators,
    indicator_figures,
    key_figures,
    load_cases,
    score,
    score_indicators,
)
from perfscore.cli import main as extract_cli_main
from perfscore.extract import extract_lines, extract_report, subjects_from_reports

CASES = load_cases()
ROOT = Path(__file__).resolve().parent.parent


def _params() -> list[Any]:
    return [
        pytest.param(name, variant, id=f"{name}:{variant}")
        for name, case in CASES.items()
        for variant in VARIANTS
        if variant not in case.get("skip_variants", ())
    ]


@pytest.mark.parametrize(("name", "variant"), _params())
def test_key_figures_exact_none_wrong_none_invented(name: str, variant: str) -> None:
    case = CASES[name]
    lines = VARIANTS[variant](case_lines(name))
    result = extract_lines(lines, case["template"])
    got = key_figures(result.to_subject())
    correct, wrong, invented, missing = score(case["expected"], got)
    assert (wrong, invented, missing) == (0, 0, 0), (got, result.warnings)
    assert correct == len(case["expected"])
    for key in case.get("absent", ()):
        assert key not in got


def test_the_accuracy_figures_in_the_docs_are_the_measured_ones() -> None:
    printed = correct = wrong = invented = 0
    for name, case in CASES.items():
        for variant, make in VARIANTS.items():
            if variant in case.get("skip_variants", ()):
                continue
            got = key_figures(extract_lines(make(case_lines(name)), case["template"]).to_subject())
            c, w, i, _ = score(case["expected"], got)
            printed, correct = printed + len(case["expected"]), correct + c
            wrong, invented = wrong + w, invented + i
    docs = (ROOT / "docs/extract.md").read_text(encoding="utf-8")
    line = (
        f"{len(CASES)} texts × their variants: **{correct} of {printed}** printed key figures "
        f"extracted exactly, **{wrong} wrong, {invented} invented**"
    )
    assert line in docs


def _docx_with_table(
    path: Path, before: list[str], rows: list[list[str]], after: list[str]
) -> None:
    def para(text: str) -> str:
        return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    def cell(text: str) -> str:
        # a cell holding two paragraphs, as Word writes a label broken over two lines
        parts = [text[: len(text) // 2], text[len(text) // 2 :]] if len(text) == 5 else [text]
        return "<w:tc>" + "".join(para(p) for p in parts) + "</w:tc>"

    table = (
        "<w:tbl>"
        + "".join("<w:tr>" + "".join(cell(c) for c in row) + "</w:tr>" for row in rows)
        + "</w:tbl>"
    )
    body = "".join(para(t) for t in before) + table + "".join(para(t) for t in after)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", document)


def test_a_word_table_is_read_as_a_table(tmp_path: Path) -> None:
    path = tmp_path / "form.docx"
    rows = [line.split(" | ") for line in case_lines("07-project-pipe") if " | " in line]
    _docx_with_table(path, ["2023年度项目支出绩效自评表"], rows, [])
    result = extract_report(path, "cn-project-self-eval")
    got = key_figures(result.to_subject())
    expected = CASES["07-project-pipe"]["expected"]
    assert score(expected, got) == (len(expected), 0, 0, 0)
    assert result.provenance["executed"]["text"] == "304"
    assert result.meta["name"] == "示例县农村饮水安全巩固提升工程"


def test_gbk_report_and_a_batch_scored_against_the_project_rules(tmp_path: Path) -> None:
    for name in ("07-project-pipe", "10-project-one-line", "12-project-narrative"):
        text = "\n".join(case_lines(name))
        (tmp_path / f"{name}.txt").write_bytes(text.encode("gb18030"))
    subjects = subjects_from_reports([tmp_path], "cn-project-self-eval")
    assert [s["declared"]["grade"] for s in subjects] == ["优", "优", "良"]
    report = perfscore.load_ruleset(ROOT / "rules/cn-project-10.yaml").evaluate(subjects)
    execution = {
        s.subject.id: next(f for f in s.findings if f.rule_id == "execution")
        for s in report.subjects
    }
    assert execution["07-project-pipe"].display == "95%"  # 304 / 320
    assert execution["12-project-narrative"].display == "95.5%"  # 57.3 / 60


def test_the_docs_table_example_loads_and_reads_a_form(tmp_path: Path) -> None:
    import re

    from perfscore.extract import load_template

    docs = (ROOT / "docs/extract.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```yaml table\n(.*?)^```", docs, re.DOTALL | re.MULTILINE)
    path = tmp_path / "doc.yaml"
    path.write_text(
        "template: 1\nextends: cn-project-self-eval\nid: doc\ntitle: 文档示例\n" + block,
        encoding="utf-8",
    )
    result = extract_lines(case_lines("08-project-cell-per-line"), load_template(path))
    assert str(result.values["executed"]) == "1402.5"


# --- glued scans with one-decimal amounts ------------------------------------------------------

_SCANNED = case_lines("11-project-scanned")
_HEADER = "项目资金(万兀)全年预算数全年执行数分值执行率得分"


@pytest.mark.parametrize(
    ("total", "part", "read"),
    [
        # 1650 | 1402.5 | 10 | 85.00% | 8.5 glued: 1402.5 has one decimal (was refused)
        ("年度资金总额:16501402.51085.00%8.5", "其中:当年财政拨款:16501402.5—85.00%—", True),
        ("年度资金总额:16501402.51085.00%8.5", "其中:当年财政拨款:1650 1402.585.00%", True),
        ("年度资金总额:1650 1402.5 1085.00% 8.5", "其中:当年财政拨款:1650 1402.5 — 85%", True),
        # 1402.5 | 10 or 1402.51 | 0: both agree with 85% and a blank score — still refused
        ("年度资金总额:1650 1402.510 85% —", "其中:当年财政拨款:1650 1402.5 — 85% —", False),
        # no rate to confirm the cut: refused
        ("年度资金总额:16501402.5108.5", "其中:当年财政拨款:1650 1402.5 — — —", False),
    ],
)
def test_glued_one_decimal_amounts_are_cut_only_when_unambiguous(
    total: str, part: str, read: bool
) -> None:
    lines = list(_SCANNED)
    lines[2], lines[3] = _HEADER + total, part
    result = extract_lines(lines, "cn-project-self-eval")
    if read:
        assert result.values["budget_adjusted"] == Decimal(1650)
        assert result.values["executed"] == Decimal("1402.5")
        assert result.values["reported_execution_rate"] == Decimal(85)
        assert result.declared["points"]["execution"] == Decimal("8.5")
        assert result.declared["weights"]["execution"] == Decimal(10)
    else:
        assert "executed" not in result.values and "budget_adjusted" not in result.values
        assert "execution" not in result.declared.get("points", {})


# --- indicator rows (得分, 分值, 年度指标值, 实际完成值 per indicator id) ----------------------


def _indicator_params() -> list[Any]:
    return [
        pytest.param(name, variant, id=f"{name}:{variant}")
        for name, case in CASES.items()
        if case.get("indicators")
        for variant in VARIANTS
        if variant not in case.get("skip_variants", ())
    ]


def _indicator_run(name: str, variant: str) -> tuple[int, int, int, int]:
    case = CASES[name]
    template = case.get("indicator_template")
    tpl = str(CASE_DIR / template) if template else case["template"]
    result = extract_lines(VARIANTS[variant](case_lines(name)), tpl)
    got = indicator_figures(result.to_subject())
    for rid in case.get("indicators_absent", ()):
        assert not any(k[0] == rid for k in got), (rid, got)
    return score_indicators(expected_indicators(case), got, ignore={"execution"})


@pytest.mark.parametrize(("name", "variant"), _indicator_params())
def test_indicator_rows_exact_none_wrong_none_invented(name: str, variant: str) -> None:
    correct, wrong, invented, missing = _indicator_run(name, variant)
    assert (wrong, invented) == (0, 0)
    if variant not in CASES[name].get("indicators_partial", ()):
        assert missing == 0 and correct == len(expected_indicators(CASES[name]))


def test_the_indicator_figures_in_the_docs_are_the_measured_ones() -> None:
    printed = correct = wrong = invented = 0
    texts = 0
    for name, case in CASES.items():
        if not case.get("indicators"):
            continue
        texts += 1
        for variant in VARIANTS:
            if variant in case.get("skip_variants", ()):
                continue
            c, w, i, _ = _indicator_run(name, variant)
            printed += len(expected_indicators(case))
            correct, wrong, invented = correct + c, wrong + w, invented + i
    docs = (ROOT / "docs/extract.md").read_text(encoding="utf-8")
    line = (
        f"indicator rows of {texts} forms × their variants: **{correct} of {printed}** "
        f"printed figures read exactly, **{wrong} wrong, {invented} invented**"
    )
    assert line in docs, line


def _doc_block(info: str) -> str:
    docs = (ROOT / "docs/extract.md").read_text(encoding="utf-8")
    (block,) = re.findall(rf"^```{re.escape(info)}\n(.*?)^```", docs, re.DOTALL | re.MULTILINE)
    return str(block)


def test_the_docs_indicator_template_reads_what_the_docs_show(tmp_path: Path) -> None:
    template = tmp_path / "county-projects.yaml"
    template.write_text(_doc_block("yaml indicators"), encoding="utf-8")
    report = tmp_path / "report.txt"
    report.write_text("\n".join(case_lines("07-project-pipe")), encoding="utf-8")
    out = tmp_path / "subjects.yaml"
    assert (
        extract_cli_main(["extract", str(report), "--template", str(template), "-o", str(out)]) == 0
    )
    subject = yaml.safe_load(out.read_text(encoding="utf-8"))  # one report: one record
    shown = yaml.safe_load(_doc_block("yaml indicators-out"))["declared"]
    for key, values in shown.items():
        assert {k: str(v) for k, v in subject["declared"][key].items()} == {
            k: str(v) for k, v in values.items()
        }, key
    assert subject["declared"]["names"]["benefit_ge_1"] == "受益人口"
    # the row mapped to null is known and not read; a template without the bureau's names reads
    # only the shared ones
    plain = extract_lines(case_lines("07-project-pipe"), "cn-project-self-eval").declared
    assert set(plain["points"]) == {"execution", "satisfaction_score"}


def test_indicator_templates_are_checked_at_load(tmp_path: Path) -> None:
    from perfscore.extract import TemplateError, load_template

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "template: 1\nextends: cn-project-self-eval\nid: bad\n"
        "indicators:\n  columns:\n    targte: [指标值]\n  ids:\n    受益人口: 受益\n",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError) as e:
        load_template(bad)
    messages = [str(p) for p in e.value.problems]
    assert any("unknown column 'targte'" in m and "did you mean 'target'" in m for m in messages)
    assert any("an indicator id must be an ASCII identifier" in m for m in messages)
    assert all("bad.yaml:" in m for m in messages)


def test_a_glued_run_cut_by_a_dropped_page_number_line_is_not_read() -> None:
    # a PDF's visual lines: the row's last digit stood alone on the next line (taken for a
    # page number and dropped), so 100%100%151 must not be read as 分值 15, 得分 1
    lines = [
        "一级指标二级指标三级指标年度指标值实际完成值分值得分",
        "产出指标质量指标工程验收合格率100%100%151",
        "5",
        "效益指标社会效益指标受益人口≥1.2万人1.25万人3028",
    ]
    tpl = str(CASE_DIR / "bureau-project.yaml")
    result = extract_lines(lines, tpl)
    assert "output_eq_1" not in result.declared.get("points", {})
    assert result.declared["points"]["benefit_ge_1"] == Decimal(28)
    assert any("工程验收合格率" in w for w in result.warnings)
