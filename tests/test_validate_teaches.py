"""Validation that teaches: each slip gets one message that says what to write instead."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

import perfscore
from cli_runner import run

ROOT = Path(__file__).resolve().parent.parent
HEAD = 'perfscore: 1\nid: t\ntitle: t\nversion: "1"\ninputs:\n  a: {type: number}\n'


def problems(text: str) -> list[str]:
    with pytest.raises(perfscore.RuleSetError) as e:
        perfscore.load_ruleset_text(text, source="r.yaml")
    return [str(p) for p in e.value.problems]


def test_a_percentage_in_a_standard_says_write_the_ratio() -> None:
    [p] = problems(
        HEAD + "indicators:\n  - {id: x, title: X, weight: 10, value: a,"
        " scorer: {type: proportional, target: 95%}}\n"
    )
    assert "'95%' is not a number in a rule" in p and "write 0.95" in p
    [p] = problems(HEAD + "metrics:\n  m: {expr: a >= 87.5%}\n")
    assert "write 0.875" in p


@pytest.mark.parametrize(
    ("text", "wrong", "meant"),
    [
        ("  b: {type: percnet}\n", "percnet", "percent"),
        ("checks:\n  - {id: c, title: C, type: eqaul, left: a, right: a}\n", "eqaul", "equal"),
    ],
)
def test_a_typo_in_a_choice_gets_did_you_mean(text: str, wrong: str, meant: str) -> None:
    [p] = problems(HEAD + text)
    assert f"'{wrong}' is not one of" in p and f"(did you mean '{meant}'?)" in p


def test_one_typo_in_a_band_item_is_one_message() -> None:
    [p] = problems(
        HEAD + "indicators:\n  - id: x\n    title: X\n    weight: 5\n    value: a\n"
        "    scorer:\n      type: bands\n      bands:\n        - {rnage: '>= 1', points: 5}\n"
        "        - {range: '< 1', points: 0}\n"
    )
    assert p.startswith("r.yaml:15:12: indicators › [0] › scorer › bands › [0] › rnage:")
    assert "unknown key 'rnage' (did you mean 'range'?)" in p


def test_rules_and_data_swapped_are_recognised() -> None:
    rules = str(ROOT / "rules" / "cn-dept-overall.yaml")
    data = str(ROOT / "examples" / "liwan-npc-office-2023.yaml")
    code, out, err = run("score", data, rules)
    assert code == 2 and out == ""
    assert f"the rule set comes first — perfscore score {rules} {data}" in err


def test_validate_and_test_take_folders_and_skip_test_files(tmp_path: Path) -> None:
    for name in ("cn-dept-overall.yaml", "cn-dept-overall.tests.yaml", "omb-part.yaml"):
        shutil.copy(ROOT / "rules" / name, tmp_path / name)
    code, out, _ = run("validate", str(tmp_path))
    assert code == 0
    assert "cn-dept-overall.yaml: ok" in out and "omb-part.yaml: ok" in out
    assert "tests.yaml" not in out  # not validated as a rule set
    code, out, _ = run("validate", str(tmp_path / "cn-dept-overall.tests.yaml"))
    assert code == 0 and "rule-set tests, not a rule set" in out
    code, out, _ = run("test", str(tmp_path))
    assert code == 0 and "cn-dept-overall" in out and "omb-part" not in out  # no cases there


def test_an_unknown_key_in_a_tests_file_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text(
        HEAD + "indicators:\n  - {id: x, title: X, weight: 10, value: a,"
        " scorer: {type: proportional, target: 1}}\n",
        encoding="utf-8",
    )
    (tmp_path / "r.tests.yaml").write_text(
        "cases:\n  - name: one\n    data: {values: {a: 1}}\n    expcet: {total: 0}\n",
        encoding="utf-8",
    )
    code, _, err = run("test", str(rules))
    assert code == 3
    assert "r.tests.yaml:4:5: cases › [0] › expcet: unknown key 'expcet'" in err
    assert "(did you mean 'expect'?)" in err


@pytest.mark.parametrize("width", [80, 120])
def test_the_terminal_wraps_long_reasons_instead_of_cutting_them(width: int) -> None:
    from perfscore.terminal import render_report

    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    report = rs.evaluate(perfscore.load_subjects(ROOT / "examples" / "liwan-npc-office-2023.yaml"))
    out = io.StringIO()
    render_report(report, out, width=width)
    text = out.getvalue()
    assert "…" not in text
    flat = "".join(ch for line in text.splitlines() for ch in line if ch not in "│┃ ")
    for f in report.findings:
        if f.kind == "check":  # each check's full reason reaches the screen, wrapped
            title = next(r.title for r in report.rules if r.id == f.rule_id)
            reason = f.message.removeprefix(f"{title}：").replace(" ", "")
            assert reason in flat, reason
