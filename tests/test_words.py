"""One home for words: every table speaks both languages with the same entries, the modules
that write for people read their words from perfscore.words, and no Chinese text is left as a
literal in them."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from perfscore import terminal, words
from perfscore.export import _common, htmlreport, markdown, xlsx

SRC = Path(__file__).resolve().parent.parent / "src" / "perfscore"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

TABLES = {
    name: getattr(words, name)
    for name in (
        "OUTCOME",
        "VALUES",
        "ENGINE",
        "STANDING",
        "TERMINAL",
        "MARKDOWN",
        "HTML",
        "SARIF",
        "CLI",
        "STORE",
        "AGGREGATE",
    )
}
TABLES["XLSX_SHEET"] = words.XLSX_SHEET


_MIXED = {("HTML", "why_no_grade")}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_entry_has_both_languages(name: str) -> None:
    table = TABLES[name]
    assert set(table) == set(words.LANGS)
    assert table["zh"].keys() == table["en"].keys()
    for key in table["zh"]:
        zh, en = table["zh"][key], table["en"][key]
        assert zh.strip() and en.strip(), (name, key)
        # known: SARIF help is bilingual; the English HTML page kept its full-width colon
        assert not CJK.search(en) or (name, key) in _MIXED, (name, key, en)
        # a field one language needs the other can do without, but never one it does not get
        assert _fields(zh) <= _fields(en) | _fields(zh), (name, key)


def test_column_headings_have_both_languages() -> None:
    for columns in (words.XLSX_SUMMARY, words.XLSX_DETAIL):
        assert len(columns["zh"]) == len(columns["en"])
        assert all(CJK.search(c) for c in columns["zh"])


def test_language_is_the_one_seam() -> None:
    assert words.language("en") == "en"
    assert words.language("zh") == "zh"
    assert words.language(None) == words.DEFAULT_LANG == "zh"
    assert words.language("fr") == "zh"
    assert (
        words.say(words.CLI, "en", "same_file") == "two outputs would be written to the same file"
    )
    assert words.say(words.CLI, "zh", "same_file") == "两个输出会写到同一个文件"


def test_the_writers_read_their_words_from_the_catalogue() -> None:
    assert _common.OUTCOME_LABELS is words.OUTCOME
    assert terminal._OUTCOME is words.OUTCOME and terminal._WORDS is words.TERMINAL
    assert markdown._WORDS is words.MARKDOWN
    assert htmlreport._W is words.HTML
    assert xlsx._HEAD["zh"]["summary"] == words.XLSX_SUMMARY["zh"]


WRITERS = [
    "terminal.py",
    "export/_common.py",
    "export/basic.py",
    "export/csvfile.py",
    "export/htmlreport.py",
    "export/jsonl.py",
    "export/junit.py",
    "export/markdown.py",
    "export/sarif.py",
    "export/xlsx.py",
    "numbers.py",
    "standing.py",
    "outputs.py",
    "aggregate.py",
    "evaluate/__init__.py",
    "evaluate/state.py",
    "evaluate/leaves.py",
    "evaluate/messages.py",
    "evaluate/records.py",
    "evaluate/checks.py",
]


@pytest.mark.parametrize("module", WRITERS)
def test_no_chinese_literal_outside_the_catalogue(module: str) -> None:
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and CJK.search(node.value)
    ]
    assert found == []


def test_every_help_text_comes_from_the_catalogue() -> None:
    import contextlib
    import io

    from perfscore.cli import main

    shown = []
    for argv in (
        ["--help"],
        *([c, "--help"] for c in ("score", "test", "show", "validate", "schema", "list-rules")),
        *(
            [*c, "--help"]
            for c in (
                ["extract"],
                ["template"],
                ["store"],
                ["store", "add"],
                ["store", "runs"],
                ["history"],
                ["compare"],
                ["rank"],
                ["review"],
            )
        ),  # the commands other modules add: their localised words are in HELP too
    ):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
            main(argv)
        shown.append(out.getvalue())
    text = " ".join(" ".join(shown).split()).replace("- ", "-")  # (argparse wraps at "-")
    for key, en in words.HELP["en"].items():
        assert " ".join(en.split()) in text, key


def test_extract_cli_messages_come_from_the_catalogue(tmp_path: Path) -> None:
    import io

    from perfscore.cli import main
    from perfscore.outputs import say_cli

    empty = tmp_path / "reports"
    empty.mkdir()
    err = io.StringIO()
    assert main(["extract", str(empty)], stdout=io.StringIO(), stderr=err) == 3
    assert err.getvalue() == f"perfscore: {say_cli('no_reports', path=str(empty))}\n"
    report = tmp_path / "r.txt"
    report.write_text("部门整体支出绩效自评报告\n", encoding="utf-8")
    err = io.StringIO()
    assert main(["extract", str(report), "--strict"], stdout=io.StringIO(), stderr=err) == 3
    said = err.getvalue().splitlines()
    warning = say_cli("source_warning", source=str(report), warning="")
    assert any(line.startswith(warning) for line in said)  # what was not found
    assert said[-1] == f"perfscore: {say_cli('figures_missing')}"
    assert words.CLI["zh"]["no_reports"].startswith("{path}：文件夹中没有报告")


def test_a_scorer_error_says_cannot_score_once() -> None:
    # a tier ratio outside its tier, a value outside every band, a check that cannot be
    # evaluated: the message says 无法评分 / 无法检查 once, before the reason (a reviewer's
    # bureau rule set read "绩效目标合理性：无法评分（无法评分：比例 0.8 不在…）")
    import perfscore

    rs = perfscore.load_ruleset_text(
        """
perfscore: 1
id: once
title: 只说一次
version: "1"
inputs:
  tier: {type: text, choices: [achieved, partial]}
  ratio: {type: number}
  rate: {type: number}
indicators:
  - id: targets
    title: 绩效目标合理性
    weight: 10
    scorer:
      type: tier
      tier: tier
      ratio: ratio
      tiers:
        - {id: achieved, range: "[0.8, 1]"}
        - {id: partial, range: "[0.6, 0.8)", default: 0.7}
  - id: banded
    title: 分档
    weight: 5
    value: rate
    scorer: {type: bands, bands: [{range: "[0, 1]", points: 5}]}
checks:
  - {id: sure, title: 数量级, type: assert, expr: "(rate * 10 ** 60) ** 64 > 0"}
""",
        source="once.yaml",
    )
    r = rs.evaluate({"id": "d", "values": {"tier": "partial", "ratio": 0.8, "rate": 2}})
    by_id = {f.rule_id: f for f in r.findings}
    assert by_id["targets"].outcome == "error"
    assert by_id["targets"].message == (
        "绩效目标合理性：无法评分（比例 0.8 不在等次 'partial' 的区间 [0.6, 0.8) 内）"
    )
    assert by_id["banded"].outcome == "error"
    assert by_id["banded"].message.count("无法评分") == 1, by_id["banded"].message
    assert by_id["targets"].message_en == (
        "targets: cannot be scored (ratio 0.8 is outside tier 'partial' [0.6, 0.8))"
    )
    assert by_id["sure"].outcome == "error"
    assert by_id["sure"].message.count("无法检查") == 1, by_id["sure"].message


_ERROR_CLASSES = {"EvaluationError", "ZeroDenominatorError", "MissingArgumentError"}


def _english_raises(tree: ast.AST) -> list[int]:
    """Lines raising an evaluation error whose message is an English literal (an f-string or a
    plain string) instead of the catalogue's two languages."""
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        fn = node.exc.func
        name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", "")
        args = node.exc.args
        if name in _ERROR_CLASSES and args and isinstance(args[0], (ast.JoinedStr, ast.Constant)):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize(
    "module",
    ["exact/ops.py", "functions.py", "callables.py", "expr/compiled.py", "scorers/tier.py"],
)
def test_an_evaluation_error_is_said_in_both_languages(module: str) -> None:
    # its message reaches a finding's Chinese message (无法检查（…）): English there read
    # "数量级：无法检查（the result of 2.000000000000000000000000000E+60 ** 64 would be too large）"
    src = Path(words.__file__).parent / module
    assert _english_raises(ast.parse(src.read_text("utf-8"))) == []


_ENGLISH = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize(
    ("expr", "zh", "en"),
    [
        ("(x * x * x * x * 2) ** 64 > 0", "E+60 ** 64 的结果过大", "E+60 ** 64 would be too large"),
        ("x ** 0.5 > 0", "'**' 的指数应为整数，实为 0.5", "must be a whole number, got 0.5"),
        ("x ** 100 > 0", "'**' 的指数至多为 64，实为 100", "must be at most 64, got 100"),
        ("round(x, 0.5) > 0", "round()：小数位数应为整数", "round(): places must be a whole"),
        ("round(x, 100) > 0", "round()：小数位数应在 -28 与 28 之间", "must be between -28 and 28"),
        ("clamp(x, 2, 1) > 0", "clamp()：下限 2 大于上限 1", "lower bound 2 is greater than"),
        ("mean(s) > 0", "mean()：2022 年无值", "mean(): no value for 2022"),
        ("abs(t) > 0", "abs() 需要数字，实为文字", "abs() expects a number, got text"),
        ("count(last(s, 0.5)) > 0", "last()：年数 n应为整数", "last(): n must be a whole number"),
    ],
)
def test_a_check_that_cannot_be_evaluated_says_why_in_chinese(expr: str, zh: str, en: str) -> None:
    import perfscore

    rs = perfscore.load_ruleset_text(
        'perfscore: 1\nid: why\ntitle: 为什么\nversion: "1"\n'
        "inputs:\n  x: {type: number}\n  t: {type: text}\n  s: {type: series}\n"
        "indicators:\n"
        "  - {id: i, title: 指标, weight: 1, value: x, scorer: {type: threshold, op: '>=', target: 0}}\n"
        f'checks:\n  - {{id: c, title: 数量级, type: assert, expr: "{expr}"}}\n'
    )
    values = {"x": "1E+15", "t": "文字", "s": {2021: 1, 2022: None, 2023: 3}}
    f = rs.evaluate({"id": "a", "values": values}).subjects[0].finding("c")
    assert f.outcome == "error", f
    assert zh in f.message, f.message
    assert en in (f.message_en or ""), f.message_en
    inside = f.message.split("无法检查", 1)[1]
    names = {"round", "clamp", "mean", "abs", "last"}  # the functions' own names
    assert not set(_ENGLISH.findall(inside)) - names, f.message
