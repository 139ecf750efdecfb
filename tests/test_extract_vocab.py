"""Layout-agnostic extraction (#17 items 2 and 3): tolerant headings, sections that help but do
not gate, a vocabulary per field declared in the template, and what is never taken as a figure."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from perfscore.extract import TemplateError, extract_lines, load_template

KEY = ("budget", "budget_initial", "executed", "reported_execution_rate", "basic_expenditure",
       "project_expenditure")  # fmt: skip


def figures(*lines: str) -> dict[str, Decimal]:
    result = extract_lines(list(lines))
    return {k: v for k, v in result.values.items() if k in KEY}


@pytest.mark.parametrize(
    "lines",
    [
        ["一 基本情况。", "全年预算数100万元,执行数90万元。"],
        ["一、基本情况全年预算数100万元，执行数90万元。"],
        ["一.基本情况", "全年预算数：100万元；执行数：90万元。"],
        ["2023年度某局整体支出绩效自评报告 一、基本情况 全年预算数 100 万元, 执行数 90 万元。"
         "二、综合评价分析 年度目标全部完成。"],
        ["（二）部门整体收支情况。全年预算数为100万元，执行数为90万元。"],
        ["全年预算数", "100万元，执行数90", "万元。"],  # a PDF's visual lines, cut mid-number
    ],
)  # fmt: skip
def test_headings_in_every_form_and_no_section_at_all(lines: list[str]) -> None:
    assert figures(*lines) == {"budget": Decimal(100), "executed": Decimal(90)}


def test_run_in_and_one_line_headings_are_sections() -> None:
    result = extract_lines(
        ["2023年度某局整体支出绩效自评报告 一、基本情况 全年预算数 100 万元。二、综合评价分析"
         " 年度目标全部完成。三、存在的主要问题 一是预算编制不够精细。四、下一步改进措施 加强管理。"]
    )  # fmt: skip
    assert set(result.sections) >= {"basic", "evaluation", "problems", "measures"}
    assert result.checks["has_section_problems"] is True
    assert result.checks["problems_text_length"] < 20  # the section ends at 四、


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("部门预算总金额 1,234.56 万元，支出共计 1,200 万元。", {"budget": "1234.56", "executed": "1200"}),
        ("财政资金总额：80万元，拨付使用 75 万元。", {"budget": "80", "executed": "75"}),
        ("调整后预算数 300 万元，全年执行数 290 万元，执行率 96.67%。",
         {"budget": "300", "executed": "290", "reported_execution_rate": "96.67"}),
        ("全年调整预算数 500 万元，实际使用 450 万元。", {"budget": "500", "executed": "450"}),
        ("年初批复预算 12 个项目 350 万元，调整后预算 420.5 万元，预算执行数 400 万元。",
         {"budget_initial": "350", "budget": "420.5", "executed": "400"}),
        ("年初预算数(万元):200;全年预算数(万元):260;支出:250万元;完成率均达到 96%。",
         {"budget_initial": "200", "budget": "260", "executed": "250",
          "reported_execution_rate": "96"}),
        ("全年预算数（含上年结转）3,000 万元，其中基本支出 2,000 万元，项目支出 990.5 万元。",
         {"budget": "3000", "basic_expenditure": "2000", "project_expenditure": "990.5"}),
        ("全年预算数 0.35 亿元，执行数 3,400,000 元。", {"budget": "3500", "executed": "340"}),
        ("政府性基金预算财政拨款支出 0 万元。全年预算数 0 万元。", {"budget": "0"}),
    ],
)  # fmt: skip
def test_vocabulary(text: str, expected: dict[str, str]) -> None:
    assert figures(text) == {k: Decimal(v) for k, v in expected.items()}


@pytest.mark.parametrize(
    "text",
    [
        "预算执行率未达到90%的需说明原因,100字以内。",  # instruction text
        "生均 1000 元,人均 2 万元。",  # per-head amounts
        "联系电话:0871-63512345,文号:财预〔2020〕10号。",
        "资金到位 100 万元,到位资金 100 万元。",  # funds received are not spending
        "基本支出包括人员经费 80 万元和公用经费 20 万元。",  # never a sum of parts
        "三公经费预算数 5 万元,上年执行数 80 万元,政府采购预算 30 万元。",
        "全年预算数 100。执行数为百分之九十。",  # no unit: never a guessed one
        "项目执行率 50%,任务完成率 100%,指标完成率 98%。",
        "执行数 200 元/人。",
    ],
)
def test_never_taken_as_a_figure(text: str) -> None:
    assert figures(text) == {}


def test_section_first_then_the_whole_report() -> None:
    lines = ["一、基本情况", "（二）部门整体收支情况", "全年预算数 120 万元。",
             "二、综合评价分析", "全年预算数 999 万元,执行数 110 万元。"]  # fmt: skip
    assert figures(*lines) == {"budget": Decimal(120), "executed": Decimal(110)}


def test_a_bureau_extends_the_vocabulary_without_code(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "template: 1\n"
        "extends: cn-dept-self-eval\n"
        "id: mine\n"
        "title: 某局模板\n"
        "fields:\n"
        "  executed:\n"
        "    title: 执行数\n"
        "    unit: 万元\n"
        "    section: [income, basic]\n"
        "    labels: [执行数, 当年实际列支]\n"
        "    gaps: ['{n}笔']\n",
        encoding="utf-8",
    )
    template = load_template(path)
    result = extract_lines(["当年实际列支 23 笔 45.5 万元。"], template)
    assert result.values["executed"] == Decimal("45.5")
    assert result.provenance["executed"]["text"] == "当年实际列支 23 笔 45.5 万元"


def test_unbounded_gaps_are_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "template: 1\nextends: cn-dept-self-eval\nid: bad\ntitle: T\n"
        "fields:\n  executed: {title: 执行数, unit: 万元, labels: [执行数], gaps: ['(?:\\\\s*x)+']}\n",
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match=r"bad.yaml:6:.*a gap must not repeat without a bound"):
        load_template(path)
