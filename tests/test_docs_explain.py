"""docs/explanations.md: every sentence and the JSON it shows are what perfscore writes.

Blocks ```` ```text explanation RULE ```` (and ``explanation-en``) follow a ``yaml data`` block
and give the finding's sentence word for word; the ```` ```json explanation RULE ```` block is
the finding's ``explanation`` record for the page's first data block read from line 12 of a
report; every example sentence in the table of scorers is produced by that scorer.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

import perfscore
from perfscore.findings import dumps

DOC = Path(__file__).resolve().parent.parent / "docs" / "explanations.md"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
ROOT = DOC.parent.parent


def _blocks() -> list[tuple[str, str]]:
    return [(m.group(1).strip(), m.group(2)) for m in FENCE.finditer(DOC.read_text("utf-8"))]


def test_every_sentence_on_the_page_is_the_engines() -> None:
    rs: perfscore.RuleSet | None = None
    first: dict[str, Any] | None = None
    record: dict[str, Any] | None = None
    checked = 0
    for info, text in _blocks():
        words = info.split()
        if info == "yaml rules":
            rs = perfscore.load_ruleset_text(text)
        elif info == "yaml data":
            record = yaml.safe_load(text)
            first = first or record
        elif words[:2] in (["text", "explanation"], ["text", "explanation-en"]):
            assert rs is not None and record is not None
            f = rs.evaluate_subject(record, strict=True).finding(words[2])
            said = f.explanation.en if words[1].endswith("-en") else f.explanation.zh
            assert said == text.strip(), (info, said)
            checked += 1
    assert checked >= 4


def test_the_json_example_is_the_record_written() -> None:
    blocks = _blocks()
    rules = next(t for i, t in blocks if i == "yaml rules")
    data = yaml.safe_load(next(t for i, t in blocks if i == "yaml data"))
    (shown,) = [t for i, t in blocks if i.startswith("json explanation")]
    rs = perfscore.load_ruleset_text(rules)
    record = {**data, "provenance": {"executed": {"line": 12}}, "source": {"document": "报告.txt"}}
    doc = json.loads(rs.evaluate([record]).to_json(), parse_float=Decimal)
    (f,) = [x for x in doc["findings"] if x["rule_id"] == "execution"]
    assert json.loads(shown, parse_float=Decimal) == f["explanation"]
    assert json.loads(dumps(f["explanation"]), parse_float=Decimal) == f["explanation"]


#: For the table of scorers: the data each example sentence is made from.
_DEPT = {
    "budget": 1000, "executed": 873.5, "staff_actual": 105, "staff_authorised": 100,
    "three_public_current": 110, "three_public_previous": 100,
    "targets_reasonable_tier": "partial", "disclosed_budget": True,
    "disclosed_final_accounts": False, "disclosed_performance": True, "satisfaction": "93%",
    "initial_budget": 1000, "supplementary_budget": 55, "key_tasks_planned": 10,
    "key_tasks_completed": 9,
}  # fmt: skip
_HEAD = 'perfscore: 1\nid: t\ntitle: 示例\nversion: "1"\n'
_SCENARIOS: list[tuple[str, dict[str, Any]]] = [
    (
        _HEAD + "inputs: {rate: {type: percent}}\nindicators:\n"
        "  - {id: x, title: 预算执行率, weight: 10, value: rate,\n"
        '     scorer: {type: threshold, op: ">=", target: 0.95, points_otherwise: 2}}\n',
        {"rate": "96%"},
    ),
    (
        _HEAD + "letters: {letters: [A, B, C, D]}\n"
        "inputs: {deviation: {type: series, of: percent}}\nindicators:\n"
        "  - id: x\n    title: 偏差\n    value: deviation\n    scorer:\n"
        "      {type: series_bands, last: 3, at_least: 2, otherwise: D, bands: ["
        '{range: "[0.95, 1.05]", grade: A}, {range: "[0.90, 1.10]", grade: B}]}\n',
        {"deviation": {2021: "99%", 2022: "101%", 2023: "80%"}},
    ),
    (
        _HEAD + "inputs:\n  spent: {type: money, unit: 万元, title: 执行数}\n"
        "  budget: {type: money, unit: 万元, title: 预算数}\nindicators:\n"
        '  - {id: x, title: 执行, weight: 10, scorer: {type: formula, expr: "10 * spent / budget"}}\n',
        {"spent": 90, "budget": 100},
    ),
    (
        _HEAD + 'letters: {letters: [A, B, C, D], aliases: {"D*": D}}\n'
        "inputs: {assessed: {type: text}}\nindicators:\n"
        "  - {id: x, title: 维度, scorer: {type: grade, grade: assessed}}\n",
        {"assessed": "D*"},
    ),
]


def _sentences() -> list[str]:
    out = []
    dept = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    result = dept.evaluate_subject({"id": "d", "values": _DEPT})
    out += [f.explanation.zh for f in result.findings if f.explanation is not None]
    for text, values in _SCENARIOS:
        rs = perfscore.load_ruleset_text(text)
        f = rs.evaluate_subject({"id": "s", "values": values}, strict=True).finding("x")
        out.append(f.explanation.zh)
    return out


def test_the_table_of_scorers_shows_real_sentences() -> None:
    page = DOC.read_text("utf-8")
    table = page.split("Each kind of scoring rule", 1)[1].split("## A worked example", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| `")]
    assert len(rows) == 9  # every scorer kind
    said = _sentences()
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        example = cells[2]
        if not example.startswith("`"):
            continue  # "the sentence at the top of this page" (checked above)
        sentence = example.strip("`")
        assert any(sentence in s for s in said), (cells[0], sentence)
