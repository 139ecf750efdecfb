"""No silent failure: each case that used to pass quietly now has an error finding or an error
notification (the run incomplete), a line on stderr, and a documented exit status:

0 done · 1 ``--fail-on`` met (an evaluation error counts as severity ``error``) · 2 usage or
rule set · 3 data unreadable, no total computed for any subject, or ``--strict`` and incomplete.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import run

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "cn-dept-overall.yaml")
LIWAN = str(ROOT / "examples" / "liwan-npc-office-2023.yaml")
WAIVER = """\
  - subject: {subject}
    rule: {rule}
    reason: 上级政策性追加
    approved_by: 区财政局
    expires: 2030-12-31
    effect: {effect}
"""


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def one_error(tmp_path: Path) -> str:
    """A department whose 基本支出 is unreadable: that check is an error, the rest scores."""
    return write(
        tmp_path / "d.yaml",
        "id: d\nvalues: {budget: 1000, executed: 990, basic_expenditure: 九百, "
        "project_expenditure: 90}\n",
    )


def test_fail_on_error_trips_on_an_evaluation_error(one_error: str) -> None:
    code, out, err = run("score", RULES, one_error, "--format", "json")
    doc = json.loads(out)
    assert doc["run"]["complete"] is False and doc["subjects"][0]["total"] is not None
    assert code == 0 and "部分指标无法评价" in err  # said, even without a flag (zh rule set)
    assert "could not be evaluated" in run("score", RULES, one_error, "--lang", "en")[2]
    assert run("score", RULES, one_error, "--fail-on", "error")[0] == 1
    assert run("score", RULES, one_error, "--fail-on", "warning")[0] == 1
    assert run("score", RULES, one_error, "--strict")[0] == 3


def test_no_total_is_exit_3(tmp_path: Path) -> None:
    nothing = write(tmp_path / "n.yaml", "id: n\nvalues: {budget: 1000}\n")  # 执行数 missing
    code, _, err = run("score", RULES, nothing)
    assert code == 3 and "无法为该评价对象计算总分" in err
    _, _, err = run("score", RULES, nothing, "--lang", "en")
    assert "no total could be computed for the subject" in err
    # in a batch, a subject without a total is named; the batch still exits 0 without flags
    batch = write(
        tmp_path / "b.yaml",
        "subjects:\n  - {id: a, values: {budget: 1000, executed: 990}}\n"
        "  - {id: b, values: {budget: 1000}}\n",
    )
    code, _, err = run("score", RULES, batch)
    assert code == 0 and "2 个评价对象中有 1 个没有总分：b" in err
    assert "no total for 1 of 2 subjects: b" in run("score", RULES, batch, "--lang", "en")[2]
    assert run("score", RULES, batch, "--strict")[0] == 3


def test_a_waiver_for_a_mistyped_subject_is_an_error(tmp_path: Path) -> None:
    waivers = write(
        tmp_path / "w.yaml",
        "waivers:\n"
        + WAIVER.format(subject="liwan-npc-ofice-2023", rule="adjustment_explained", effect="met"),
    )
    code, out, err = run("score", RULES, LIWAN, "--waivers", waivers, "--format", "json")
    doc = json.loads(out)
    assert doc["run"]["complete"] is False
    [note] = [n for n in doc["notifications"] if n["code"] == "waiver-unmatched"]
    assert note["level"] == "error" and "did you mean 'liwan-npc-office-2023'" in note["message"]
    assert "未豁免任何结果" in err and "是否想写 'liwan-npc-office-2023'" in err
    assert note["message_zh"].endswith("未豁免任何结果（是否想写 'liwan-npc-office-2023'？）")
    assert code == 0
    assert run("score", RULES, LIWAN, "--waivers", waivers, "--fail-on", "error")[0] == 1
    assert run("score", RULES, LIWAN, "--waivers", waivers, "--strict")[0] == 3
    # the streaming writer says the same, before its summary line
    code, out, _ = run("score", RULES, LIWAN, "--waivers", waivers, "--format", "jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    assert records[-2]["record"] == "notification" and records[-2]["code"] == "waiver-unmatched"
    assert records[-1]["complete"] is False


def test_two_waivers_for_one_subject_and_rule_are_refused(tmp_path: Path) -> None:
    one = WAIVER.format(subject="liwan-npc-office-2023", rule="adjustment_explained", effect="met")
    other = one.replace("effect: met", "effect: exclude")
    waivers = write(tmp_path / "w.yaml", "waivers:\n" + one + other)
    code, out, err = run("score", RULES, LIWAN, "--waivers", waivers)
    assert code == 3 and out == ""
    assert f"{waivers}:8:5: waivers › [1]: a second waiver for subject" in err
    assert "the first is waiver 1 (line 2)" in err and "They differ" in err


M2 = """\
perfscore: 1
id: m2
title: M2 with a partial table
version: "1"
letters: {letters: [A, B, C, D], plus: true}
inputs:
  dim1: {type: text, choices: [A, B, C, D]}
  dim2: {type: text, choices: [A, B, C, D]}
indicators:
  - id: m2
    title: M2
    aggregate: lookup
    table:
      - {grades: [A, A], result: A}
    children:
      - {id: d1, title: D1, scorer: {type: grade, grade: dim1}}
      - {id: d2, title: D2, scorer: {type: grade, grade: dim2}}
"""


def test_a_lookup_without_a_matching_row_is_an_error_finding(tmp_path: Path) -> None:
    """It used to give no finding at all: complete, --strict 0, nothing in SARIF."""
    rules = write(tmp_path / "m2.yaml", M2)
    data = write(tmp_path / "x.yaml", "id: x\nvalues: {dim1: A, dim2: C}\n")
    _, out, err = run("score", rules, data, "--format", "json")
    doc = json.loads(out)
    [m2] = [f for f in doc["findings"] if f["rule_id"] == "m2"]
    assert m2["outcome"] == "error" and "no row for A C" in m2["reason"]
    assert doc["run"]["complete"] is False and "could not be evaluated" in err
    assert run("score", rules, data, "--strict")[0] == 3
    assert run("score", rules, data, "--fail-on", "error")[0] == 1
    sarif = json.loads(run("score", rules, data, "--format", "sarif")[1])
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert "查表中没有 A C 这一行" in note["message"]["text"]  # one language per text
    assert "no row for A C" in note["properties"]["perfscore/messageEn"]
    # a matching row: no error
    ok = write(tmp_path / "ok.yaml", "id: ok\nvalues: {dim1: A, dim2: A}\n")
    assert run("score", rules, ok, "--strict")[0] == 0
