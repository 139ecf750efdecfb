"""One language per run: ``--lang`` defaults from the rule set's locale, a zh run's outputs
carry no English message fragments (ids and statuses are ASCII by design), and ``--help``
speaks Chinese when asked (perfscore.clilang, perfscore.words)."""

from __future__ import annotations

import html
import io
import re
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

import perfscore
from cli_runner import run
from perfscore.cli import main
from perfscore.clilang import requested
from perfscore.terminal import render_report
from perfscore.words import DATA, Bilingual, in_language, language_of, said

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "cn-dept-overall.yaml"


# -- the default language -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "title", "lang"),
    [
        ("zh-CN", "Anything", "zh"),
        ("zh_TW", "x", "zh"),
        ("en-US", "部门整体支出", "en"),
        ("en", "PEFA", "en"),
        (None, "部门整体支出绩效", "zh"),
        (None, "Program assessment", "en"),
        ("fr-FR", "评价", "zh"),
    ],
)
def test_language_of_a_rule_set(locale: str | None, title: str, lang: str) -> None:
    assert language_of(locale, title) == lang


def _rules(tmp_path: Path, head: str) -> Path:
    text = head + textwrap.dedent(
        """\
        perfscore: 1
        id: lang
        version: "1"
        inputs: {rate: {type: percent, title: 执行率}}
        indicators:
          - {id: rate_score, title: 执行率, title_en: Execution, weight: 10, value: rate,
             scorer: {type: threshold, op: ">=", target: 0.9}}
        """
    )
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("head", "lang"),
    [
        ("title: 语言\nlocale: en-US\n", "en"),
        ("title: 语言\nlocale: zh-CN\n", "zh"),
        ("title: 语言\n", "zh"),
        ("title: Language\n", "en"),
    ],
)
def test_lang_defaults_from_the_rule_set(tmp_path: Path, head: str, lang: str) -> None:
    rules = _rules(tmp_path, head)
    assert perfscore.load_ruleset(rules).language == lang
    data = tmp_path / "d.yaml"
    data.write_text("id: a\nvalues: {rate: 50%}\n", encoding="utf-8")
    code, out, _ = run("score", str(rules), str(data), "--format", "md")
    assert code == 0
    assert ("未达标" in out) == (lang == "zh") and ("Failed" in out) == (lang == "en")
    # --lang wins over the rule set, before or after the command
    for argv in (("--lang", "en", "score"), ("score", "--lang", "en")):
        _, out, _ = run(*argv, str(rules), str(data), "--format", "md")
        assert "Failed" in out and "未达标" not in out


def test_requested_language_from_the_command_line_and_environment() -> None:
    assert requested(["--lang", "zh", "--help"], {}) == "zh"
    assert requested(["score", "--lang=en"], {"LANG": "zh_CN.UTF-8"}) == "en"
    assert requested(["--help"], {"LANG": "zh_CN.UTF-8"}) == "zh"
    assert requested(["--help"], {"PERFSCORE_LANG": "zh", "LANG": "en_US.UTF-8"}) == "zh"
    assert requested(["--help"], {"LANG": "en_GB.UTF-8"}) == "en"
    assert requested(["--help"], {"LANG": "C.UTF-8"}) is None
    assert requested(["--help"], {}) is None


# -- help -----------------------------------------------------------------------------------------


def _help(*argv: str) -> str:
    out = io.StringIO()
    with pytest.raises(SystemExit):
        import contextlib

        with contextlib.redirect_stdout(out):
            main(list(argv), stdout=io.StringIO(), stderr=io.StringIO())
    return out.getvalue()


_ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
#: ASCII a Chinese help may show: the command's names, options, metavars, file kinds,
#: environment variables, formats and ids (never English sentences).
_HELP_ASCII = {
    "perfscore", "score", "test", "show", "list-rules", "extract", "template", "store",
    "history", "compare", "rank", "review", "validate", "schema", "lang", "version", "help",
    "format", "output", "output-dir", "bom", "sarif-all", "strict", "fail-on", "waivers",
    "as-of", "jobs", "sheet", "columns", "summary", "no-summary", "allow-extends-anywhere",
    "resolved", "rules", "data", "table", "json", "csv", "html", "jsonl", "junit", "sarif",
    "xlsx", "error", "warning", "note", "yaml", "tests", "tsv", "parquet", "txt", "docx", "pdf",
    "UTF-8", "GBK", "BOM", "Excel", "YAML", "JSON", "Schema", "SARIF", "JUnit", "XML",
    "HTML", "CSV", "Markdown", "Lines", "extends", "docs", "security", "PERFSCORE_LANG",
    "LANG", "locale", "PERFSCORE_DB", "perfscore.db", "URL", "OUTPUT", "OUTPUT_DIR",
    "WAIVERS", "AS_OF", "TEMPLATE", "JOBS", "SHEET", "COLUMNS", "YYYY-MM-DD", "declared.total",
    "declared.grade", "name", "year", "parent", "null", "findings", "htm", "xml", "markdown",
    "excel", "CI", "id", "DD", "MM", "YYYY", "total", "grade", "DB", "db", "SQLite", "run",
    "sha256", "ID", "VERSION", "has_section", "doubled_char_count", "cn-dept-self-eval",
    "cn-npc-office", "cn-project-self-eval", "budget_adjusted", "budget", "executed", "P0",
    "P1", "P2", "declared", "rules/cn-review.yaml", "cn-review", "values", "has_section_",
    "self", "eval", "has", "section", "doubled", "char", "count", "project", "dept", "npc",
    "office",
}  # fmt: skip


def _parser_names() -> set[str]:
    """Every command, option, metavar and choice of the parser: ASCII by design."""
    import argparse

    from perfscore.cli import _parser

    names: set[str] = set()
    stack = [_parser()]
    while stack:
        p = stack.pop()
        names.update(p.prog.split())
        for a in p._actions:
            names.update(s.lstrip("-") for s in a.option_strings)
            names.add(a.dest)
            if isinstance(a.metavar, str):
                names.add(a.metavar)
            if isinstance(a, argparse._SubParsersAction):
                stack.extend(a.choices.values())
            if a.choices is not None:
                names.update(str(c) for c in a.choices)
    return names | {n.upper() for n in names}


def _english_left(text: str, allowed: set[str]) -> list[str]:
    words = set()
    for token in re.findall(r"[A-Za-z][\w.$-]*", text):
        parts = [token] if token in allowed else re.split(r"[._$-]", token)
        for part in parts:
            if part and part not in allowed and _ASCII_WORD.fullmatch(part):
                words.add(part)
    return sorted(words)


@pytest.mark.parametrize(
    "argv", [("--lang", "zh", "--help"), ("--lang", "zh", "score", "--help"),
             ("score", "--help", "--lang", "zh"), ("--lang", "zh", "validate", "--help"),
             *(("--lang", "zh", *c, "--help") for c in (
                 ("extract",), ("template",), ("store",), ("store", "add"), ("store", "runs"),
                 ("history",), ("compare",), ("rank",), ("review",)))]
)  # fmt: skip
def test_help_in_chinese(argv: tuple[str, ...]) -> None:
    text = _help(*argv)
    assert "用法：perfscore" in text and "选项" in text
    allowed = _HELP_ASCII | _parser_names()
    from perfscore.export import EXPORTERS

    for f in EXPORTERS:  # a plugin's format (another test may register one) says its own words
        if f.name not in ("table", "json", "csv", "html", "jsonl", "junit", "md", "sarif", "xlsx"):
            text = " ".join(text.split()).replace(f"{f.name}: {f.description}", "")
    assert _english_left(text, allowed) == [], text


def test_help_follows_the_environment_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.delenv("PERFSCORE_LANG", raising=False)
    assert "用法：" in _help("--help")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert "usage: " in _help("--help") and "用法" not in _help("--help")


# -- messages carry both languages ------------------------------------------------------------------


def test_bilingual_messages_are_their_english_text_and_know_their_chinese() -> None:
    import pickle

    m = said(DATA, "below_min", value=-1, min=0)
    assert m == "-1 is below the minimum 0" and isinstance(m, str)
    assert in_language(m, "zh") == "-1 低于下限 0" and in_language(m, "en") == m
    assert pickle.loads(pickle.dumps(m)).zh == m.zh
    nested = said(DATA, "in_year", year=2023, problem=m)
    assert nested.zh == "2023 年：-1 低于下限 0"
    assert isinstance(Bilingual("a", "乙"), str)


# -- a zh run says nothing in English ---------------------------------------------------------------

BATCH = [
    {"id": "d1", "name": "甲局", "values": {
        "budget": 1000, "executed": 873.5, "staff_actual": 105, "staff_authorised": 100,
        "three_public_current": 110, "three_public_previous": 100,
        "targets_reasonable_tier": "partial", "targets_clear_tier": "achieved",
        "disclosed_budget": True, "disclosed_final_accounts": False,
        "disclosed_performance": True, "satisfaction": "93%", "initial_budget": 1000,
        "supplementary_budget": 55, "key_tasks_planned": 10, "key_tasks_completed": 9}},
    # a required value missing, a word where a number belongs, a value below its minimum,
    # a typo in a choice, an unknown field
    {"id": "d2", "name": "乙局", "values": {
        "executed": "abc", "staff_actual": -3, "staff_authorised": 10,
        "targets_reasonable_tier": "partail", "buget": 5}},
]  # fmt: skip


def _ids(rs: perfscore.RuleSet) -> set[str]:
    """Everything ASCII by design in a report of ``rs``: ids, statuses, codes, choices."""
    c = rs.compiled
    ids = {r.id for r in rs.rules} | set(c.inputs) | {m.name for m in c.metrics}
    for spec in c.inputs.values():
        ids |= set(spec.choices or ())
    ids |= {
        "pass",
        "fail",
        "not_applicable",
        "error",
        "warning",
        "note",
        "none",
        "RECALLED",
        "ASSUMED",
        "SEEN",
        "INFERRED",
        "perfscore",
        "excellent",
        "good",
        "fair",
        "poor",
        "cn_dept_overall",
        "buget",
        "budget",
        "abc",
        "partail",
        "partial",
        "achieved",
        "not_achieved",
        "unknown-field",
        "waiver-unmatched",
        "indicator",
        "check",
        "group",
        "true",
        "false",
        "d1",
        "d2",
        "yaml",
        "json",
    }
    return ids  # fmt: skip


def _text_of_xlsx(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return " ".join(
            z.read(n).decode("utf-8") for n in z.namelist() if n.endswith("sharedStrings.xml")
        )


def test_a_zh_run_has_no_english_fragments(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    data = tmp_path / "batch.yaml"
    data.write_text(yaml.safe_dump({"subjects": BATCH}, allow_unicode=True), encoding="utf-8")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        yaml.safe_dump({"waivers": [{"subject": "d3", "rule": "key_tasks", "reason": "试点",
                        "approved_by": "财政局", "expires": "2099-12-31", "effect": "met"}]},
                       allow_unicode=True),
        encoding="utf-8",
    )  # fmt: skip
    outs = {fmt: tmp_path / f"out.{ext}" for fmt, ext in
            (("table", "txt"), ("html", "html"), ("md", "md"), ("csv", "csv"),
             ("xlsx", "xlsx"))}  # fmt: skip
    argv = ["score", str(RULES), str(data), "--waivers", str(waivers), "--as-of", "2024-01-01"]
    for fmt, path in outs.items():
        argv += ["--format", fmt, "-o", str(path)]
    code, _, err = run(*argv)  # no --lang: the rule set's locale (zh-CN)
    assert code in (0, 1, 3)
    rs = perfscore.load_ruleset(RULES)
    allowed = _ids(rs) | {str(tmp_path), "waivers", "batch", "out", "tmp"}
    allowed |= set(re.findall(r"[A-Za-z]\w*", str(RULES)))  # rule locations name the file
    texts: dict[str, str] = {"stderr": err}
    for fmt, path in outs.items():
        if fmt == "xlsx":
            texts[fmt] = _text_of_xlsx(path.read_bytes())
        elif fmt == "html":
            body = path.read_text(encoding="utf-8").split("<body", 1)[1]
            texts[fmt] = html.unescape(re.sub(r"<[^>]+>", " ", body.split("</style>")[-1]))
        elif fmt == "csv":
            texts[fmt] = path.read_text(encoding="utf-8-sig").split("\n", 1)[1]  # (header: ids)
        else:
            texts[fmt] = path.read_text(encoding="utf-8")
    # the failures this batch must show, in Chinese
    assert "缺少必填值" in texts["md"] + texts["html"]
    assert "应为数字" in texts["html"] and "低于下限" in texts["html"]
    assert "计算过程" in texts["html"] and "扣 7.65 × 0.5 = 3.825 分" in texts["html"]
    # the terminal table once more, wide enough that no id is wrapped mid-word
    wide = io.StringIO()
    render_report(rs.evaluate(BATCH), wide, lang=rs.language, width=400)
    texts["table (wide)"] = wide.getvalue()
    del texts["table"]
    for name, text in texts.items():
        left = _english_left(text.replace(str(tmp_path), ""), allowed)
        assert left == [], (name, " ".join(left))


def _words(*keys: str) -> dict[str, Any]:
    return dict.fromkeys(keys)


def test_spreadsheet_cell_locations_and_row_notices_speak_the_run_language(tmp_path: Path) -> None:
    """A CSV's bad cell and duplicate row are located as 第 N 行「列」 in a zh run (the English
    form stays what JSON holds and what an en run prints)."""
    rules = Path(__file__).resolve().parents[1] / "rules" / "cn-dept-overall.yaml"
    data = tmp_path / "d.csv"
    data.write_text(
        "部门编码,部门名称,全年预算数（万元）,执行数（万元）\n"
        "D001,甲局,1000,abc\n"
        "D002,乙局,1000,950\n"
        "D001,丙局,1000,1000\n",
        encoding="utf-8-sig",
    )
    zh_code, out, err = run("score", str(rules), str(data), "--format", "table", "--lang", "zh")
    flat = re.sub(r"[\s│]", "", out)  # the table wraps its cells
    assert "第2行「执行数（万元）」列：应为数字" in flat, out
    assert "第 4 行「部门编码」列：评价对象编号 'D001' 已在 第 2 行「部门编码」列 用过" in err, err
    for english in ("line 2", "column", "already used", "both are scored"):
        assert english not in out + err, english
    en_code, out, err = run("score", str(rules), str(data), "--format", "table", "--lang", "en")
    assert zh_code == en_code
    assert "line2,column执行数（万元）" in re.sub(r"[\s│]", "", out), out
    assert "line 4, column 部门编码: subject id 'D001' was already used at line 2" in err, err


def test_column_notices_carry_their_chinese(tmp_path: Path) -> None:
    """Unmapped and missing columns are told in both languages (message / message_zh)."""
    import json

    rules = Path(__file__).resolve().parents[1] / "rules" / "cn-dept-overall.yaml"
    data = tmp_path / "d.csv"
    data.write_text(
        "部门编码,部门名称,全年预算数（万元）,执行数万\nD001,甲局,1000,900\n", encoding="utf-8"
    )
    out = tmp_path / "f.json"
    _code, _out, err = run("score", str(rules), str(data), "--format", "json", "-o", str(out))
    notes = {n["code"]: n for n in json.loads(out.read_text(encoding="utf-8"))["notifications"]}
    unmapped, missing = notes["unmapped-column"], notes["missing-column"]
    assert "column '执行数万' (column 4) is not an input" in unmapped["message"]
    assert "列 '执行数万'（第 4 列）不是 cn_dept_overall 的输入项" in unmapped["message_zh"]
    assert "（是否想写 '执行数'？）" in unmapped["message_zh"]
    assert "no column for the required input 'executed' (执行数)" in missing["message"]
    assert "没有必填输入项 'executed'（执行数）的列" in missing["message_zh"]
    assert "没有必填输入项 'executed'（执行数）的列" in err  # a zh rule set's stderr
