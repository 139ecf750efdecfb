"""The command line: score (table and json), validate (every problem, exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import run

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "cn-dept-overall.yaml")
DATA = str(ROOT / "examples" / "liwan-npc-office-2023.yaml")


def test_score_prints_a_readable_chinese_table() -> None:
    code, out, _ = run("score", RULES, DATA)
    assert code == 0
    assert "预算执行率" in out and "99.44%" in out and "10 / 10" in out
    assert "总分: 100 / 100" in out
    assert "不评级" in out  # 30% coverage: the rule set withholds the grade
    # 中文 is aligned: every row of the indicator table has the same display width
    from rich.cells import cell_len

    lines = out.splitlines()
    first_table = lines[lines.index(next(x for x in lines if x.startswith("┡"))) + 1 :]
    rows = first_table[: first_table.index(next(x for x in first_table if x.startswith("└")))]
    assert len(rows) == 21 and len({cell_len(r) for r in rows}) == 1


def test_score_json_writes_the_findings_document(tmp_path: Path) -> None:
    code, out, _ = run("score", RULES, DATA, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["format"] == "perfscore.findings" and doc["format_version"] == "1.1"
    target = tmp_path / "findings.json"
    code, out2, _ = run("score", RULES, DATA, "--format", "json", "-o", str(target))
    assert code == 0 and out2 == ""
    assert target.read_text(encoding="utf-8") == out


def test_fail_on_and_strict_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: x\nvalues: {budget: 100, executed: 95, basic_expenditure: 1, project_expenditure: 1}\n",
        encoding="utf-8",
    )
    code, _, _ = run("score", RULES, str(bad))
    assert code == 0
    code, _, _ = run("score", RULES, str(bad), "--fail-on", "error")
    assert code == 1  # 基本 + 项目 ≠ 执行数 is a failed check of severity error
    missing = tmp_path / "missing.yaml"
    missing.write_text("id: y\nvalues: {executed: 95}\n", encoding="utf-8")
    code, _, err = run("score", RULES, str(missing), "--strict")
    assert code == 3 and "部分指标无法评价" in err  # the rule set's language (zh-CN)


def test_validate_ok_and_every_problem_with_exit_2(tmp_path: Path) -> None:
    code, out, _ = run("validate", RULES)
    assert code == 0 and "ok" in out
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        'perfscore: 1\nid: b\ntitle: 坏\nversion: "1"\n'
        "inputs: {executed: {type: money}, budget: {type: money}}\n"
        "metrics: {rate: {expr: excuted / budget}}\n"
        "indicators:\n"
        "  - {id: r, title: 执行率, weight: 10, value: rat, scorer: {type: threshold, op: '>=', target: 0.95}}\n",
        encoding="utf-8",
    )
    code, out, err = run("validate", RULES, str(broken))
    lines = out.strip().splitlines()
    assert code == 2
    assert lines[0].endswith("ok (cn_dept_overall 2023.1: 13 indicators, 5 checks)")
    assert (
        lines[1]
        == f"{broken}:6:24: metrics › rate › expr: unknown name 'excuted' (did you mean 'executed'?)"
    )
    assert (
        lines[2]
        == f"{broken}:8:44: indicators › [0] › value: unknown name 'rat' (did you mean 'rate'?)"
    )
    assert "2 problem(s)" in err


def test_unreadable_files_exit_with_a_message(tmp_path: Path) -> None:
    code, _, err = run("score", str(tmp_path / "nope.yaml"), DATA)
    assert code == 2 and "nope.yaml" in err
    code, _, err = run("score", RULES, str(tmp_path / "nodata.yaml"))
    assert code == 3 and "nodata.yaml" in err


def test_test_show_list_rules_and_waivers(tmp_path: Path) -> None:
    code, out, _ = run("test", RULES)
    assert code == 0 and "9 passed, 0 failed" in out and "coverage:" in out
    code, out, _ = run("show", str(ROOT / "examples" / "overlay-district.yaml"), "--resolved")
    assert code == 0 and "id: district_dept_overall" in out and "satisfaction_score" not in out
    assert "start: 0.98" in out
    code, out, _ = run("list-rules")
    assert code == 0 and "cn_dept_overall" in out and "omb_part" in out
    code, out, _ = run(
        "score",
        RULES,
        DATA,
        "--format",
        "json",
        "--waivers",
        str(ROOT / "examples" / "waivers-2023.yaml"),
        "--as-of",
        "2024-01-01",
    )
    doc = json.loads(out)
    assert code == 0 and doc["run"]["waivers"]["as_of"] == "2024-01-01"
    assert [f["rule_id"] for f in doc["findings"] if "waiver" in f] == ["adjustment_explained"]
    code, _, err = run("score", RULES, DATA, "--as-of", "someday")
    assert code == 2 and "--as-of" in err


def test_test_writes_case_names_and_values_through_the_terminal_sanitiser(
    tmp_path: Path,
) -> None:
    """A failing case's name (and the values it shows) are the case file's text: an escape
    sequence there (ESC ] 0 ; … BEL sets the terminal's title) is shown, not obeyed."""
    rules = tmp_path / "r.yaml"
    rules.write_text(
        'perfscore: 1\nid: r\nversion: "1"\ntitle: T\ninputs:\n  a: {type: number}\n'
        "indicators:\n  - {id: t, title: T, weight: 100, value: a,"
        ' scorer: {type: threshold, op: ">=", target: 1}}\n',
        encoding="utf-8",
    )
    (tmp_path / "r.tests.yaml").write_text(
        'cases:\n  - name: "bad \\e]0;owned\\a \\e[31mred \\u202e"\n'
        "    data: {values: {a: 0}}\n    expect: {total: 100}\n",
        encoding="utf-8",
    )
    code, out, _ = run("test", str(rules))
    assert code == 1 and "FAIL bad" in out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\u001b]0;owned" in out


def test_score_reports_directly_with_a_template() -> None:
    sample = ROOT / "examples" / "reports" / "sample-dept-2023.txt"
    code, out, _ = run(
        "score",
        str(ROOT / "rules" / "cn-report-checks.yaml"),
        str(sample),
        "--template",
        "cn-dept-self-eval",
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert code == 0
    outcomes = {f["rule_id"]: f["outcome"] for f in doc["findings"]}
    assert outcomes["no_doubled_chars"] == "fail"
    code, out, _ = run("extract", str(sample), "--format", "json")
    assert code == 0 and json.loads(out)["values"]["executed"] == 2838.27


def test_duplicate_subjects_make_the_run_incomplete(tmp_path: Path) -> None:
    data = tmp_path / "dup.yaml"
    data.write_text(
        "- {id: a, values: {budget: 1, executed: 1}}\n- {id: a, values: {budget: 2, executed: 2}}\n",
        encoding="utf-8",
    )
    _, out, _ = run("score", RULES, str(data), "--format", "json")
    doc = json.loads(out)
    assert doc["run"]["complete"] is False
    assert doc["notifications"][0]["code"] == "duplicate-subject"


def test_jobs_gives_byte_identical_output(tmp_path: Path) -> None:
    records = "\n".join(
        f"- {{id: d{i}, values: {{budget: 100, executed: {80 + i % 25}, basic_expenditure: 1, "
        f"project_expenditure: {i}}}}}"
        for i in range(120)
    )
    data = tmp_path / "batch.yaml"
    data.write_text(records + "\n", encoding="utf-8")
    _, one, _ = run("score", RULES, str(data), "--format", "json", "--jobs", "1")
    code, two, _ = run("score", RULES, str(data), "--format", "json", "--jobs", "2")
    assert code == 0 and one == two and len(json.loads(one)["subjects"]) == 120


def test_every_help_reads_the_same_whatever_the_hash_seed() -> None:
    """``--help`` lists every command's choices in one order: not a set's, which changes with
    ``PYTHONHASHSEED`` from one run to the next."""
    import os
    import subprocess
    import sys

    script = (
        "import contextlib\n"
        "from perfscore.cli import _parser, main\n"
        "commands = next(a for a in _parser()._actions if a.dest == 'command').choices\n"
        "for c in ['', *commands]:\n"
        "    with contextlib.suppress(SystemExit):\n"
        "        main([c, '--help'] if c else ['--help'])\n"
    )
    helps = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PERFSCORE_LANG": "en", "COLUMNS": "100"}
        r = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        assert "usage: perfscore review" in r.stdout
        helps.append(r.stdout)
    assert helps[0] == helps[1]


def test_python_dash_m_perfscore_is_the_command() -> None:
    """``python -m perfscore`` runs what ``perfscore`` runs (rev11 found it did not run)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    rules = str(root / "rules" / "cn-dept-overall.yaml")
    for module in ("perfscore", "perfscore.cli"):
        done = subprocess.run(
            [sys.executable, "-m", module, "validate", rules],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert "cn_dept_overall" in done.stdout
