"""``perfscore extract`` as the main CLI will run it: add_subcommand + run, called directly."""

from __future__ import annotations

import argparse
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

import perfscore
from perfscore.extract import cli as extract_cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples/reports/sample-dept-2023.txt"


def _run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="perfscore")
    sub = parser.add_subparsers(dest="command", required=True)
    extract_cli.add_subcommand(sub)
    args = parser.parse_args(["extract", *argv])
    assert args.command == "extract"
    out, err = io.StringIO(), io.StringIO()
    status = extract_cli.run(args, out, err)
    return status, out.getvalue(), err.getvalue()


def test_yaml_to_stdout_is_a_subject_file(tmp_path: Path) -> None:
    status, out, err = _run(str(SAMPLE))
    assert (status, err) == (0, "")
    path = tmp_path / "s.yaml"
    path.write_text(out, encoding="utf-8")
    record = perfscore.load_subjects(path).records[0]
    assert record["id"] == "sample-dept-2023"
    assert record["values"]["executed"] == Decimal("2838.27")
    assert record["values"]["has_section_basic"] is True
    assert record["provenance"]["executed"]["line"] == 32
    assert record["source"]["template"] == "cn_dept_self_eval"


def test_json_to_file_with_template_and_no_checks(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    status, out, _ = _run(
        str(SAMPLE), "--template", "cn-npc-office", "--format", "json", "-o", str(target),
        "--no-checks",
    )  # fmt: skip
    assert (status, out) == (0, "")
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["values"]["budget"] == 2856.4
    assert "has_section_basic" not in data["values"]
    assert data["facts"]["deputy_activities"] == {
        "value": 20, "unit": "场次", "qualifier": "近", "title": "组织代表开展调研视察等活动",
    }  # fmt: skip


def test_several_reports_make_a_batch(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    status, out, _ = _run(str(SAMPLE), str(tmp_path), "--format", "json")
    assert status == 0
    assert [s["id"] for s in json.loads(out)["subjects"]] == ["sample-dept-2023", "a"]


def test_bad_template_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("template: 1\nid: t\ntitle: T\nheadings: ['x']\nfields: {x: {find: nope}}\n")
    status, out, err = _run(str(SAMPLE), "--template", str(bad))
    assert status == 2 and out == ""
    assert "t.yaml:5:" in err and "find must be one of" in err


def test_unreadable_report_exits_3(tmp_path: Path) -> None:
    status, _, err = _run(str(tmp_path / "missing.txt"))
    assert status == 3
    assert "missing.txt: cannot read file" in err


def test_empty_folder_exits_3(tmp_path: Path) -> None:
    status, _, err = _run(str(tmp_path))
    assert status == 3
    assert "no reports" in err


@pytest.mark.parametrize(("strict", "expected"), [(False, 0), (True, 3)])
def test_missing_figures_warn_and_strict_fails(tmp_path: Path, strict: bool, expected: int) -> None:
    report = tmp_path / "thin.txt"
    report.write_text(
        "一、基本情况\n（二）部门整体收支情况\n全年预算数 10 万元。\n", encoding="utf-8"
    )
    status, out, err = _run(str(report), *(["--strict"] if strict else []))
    assert status == expected
    assert "thin.txt: warning: executed: 执行数 not found" in err
    assert "budget: 10" in out
