"""``--lean`` JSON / JSON Lines: nothing the rules or subjects section already says is repeated
per finding; the document still validates against the findings schema; everything dropped can
be read back from the rules and subjects sections."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import perfscore
from perfscore.export import ExportOptions, export

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "src" / "perfscore" / "schemas" / "findings-1.json").read_text("utf-8"))
RULES = ROOT / "rules" / "cn-project-10.yaml"
DATA = ROOT / "examples" / "project-elderly-meals-2023.yaml"
sys.path.insert(0, str(ROOT / "benchmarks"))
import families  # noqa: E402


def _report() -> perfscore.Report:
    fam = families.family("dept30")
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source="dept30.yaml")
    return rs.evaluate(families.records(fam, 40))


def test_lean_document_validates_and_is_smaller() -> None:
    report = _report()
    full = export(report, "json")
    lean = export(report, "json", ExportOptions(lean=True))
    doc = json.loads(lean)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert doc["run"]["lean"] is True
    assert len(lean) < len(full) * 0.6, (len(lean), len(full))


def test_lean_drops_only_what_the_rules_and_subjects_sections_say() -> None:
    report = _report()
    full = json.loads(export(report, "json"))
    lean = json.loads(export(report, "json", ExportOptions(lean=True)))
    rules = {r["id"]: r for r in lean["rules"]}
    subjects = {s["subject"]["id"]: s["subject"] for s in lean["subjects"]}
    assert len(full["findings"]) == len(lean["findings"])
    for f, g in zip(full["findings"], lean["findings"], strict=True):
        rule = rules[g["rule_id"]]
        # put back what was left out, from the sections that say it once
        g["subject"] = subjects[g["subject"]["id"]]
        if "weight" in f["measurement"]:
            g["measurement"]["weight"] = rule["weight"]
        if "unit" in f["measurement"]:
            g["measurement"]["unit"] = rule["unit"]
        g["locations"][0] = {"role": "rule", **rule["location"]}
        if "explanation" in f:  # rule-set constants, and the measurement's threshold
            fe, ge = f["explanation"], g["explanation"]
            if "standard" in fe:
                ge["standard"] = fe["standard"]
            for a, b in zip(
                fe["inputs"] + fe["formulas"], ge["inputs"] + ge["formulas"], strict=True
            ):
                assert set(a) - set(b) <= {"title", "unit"}
                b.update({k: a[k] for k in ("title", "unit") if k in a})
        assert g == f
    for s, t in zip(full["subjects"], lean["subjects"], strict=True):
        for a, b in zip(s["scores"], t["scores"], strict=True):
            assert {k: v for k, v in a.items() if k != "weight"} == b
            assert a.get("weight") == rules[a["rule_id"]].get("weight")


def test_cli_lean_jsonl_streams_lean_records(tmp_path: Path) -> None:
    for name, extra in (("full", []), ("lean", ["--lean"])):
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "perfscore.cli",
                "score",
                str(RULES),
                str(DATA),
                "-o",
                f"{name}.jsonl",
                *extra,
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert r.returncode in (0, 1), r.stderr
    full = (tmp_path / "full.jsonl").read_bytes()
    lean = (tmp_path / "lean.jsonl").read_bytes()
    records = [json.loads(line) for line in lean.splitlines()]
    assert records[0]["record"] == "run" and records[0]["lean"] is True
    findings = [r for r in records if r["record"] == "finding"]
    assert findings and all(set(f["subject"]) == {"type", "id"} for f in findings)
    assert all("weight" not in f["measurement"] for f in findings)
    assert len(lean) < len(full)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_lean_is_the_same_with_jobs(tmp_path: Path, fmt: str) -> None:
    fam = families.family("dept30")
    (tmp_path / "rules.yaml").write_text(families.ruleset_text(fam), encoding="utf-8")
    data = [
        {"id": r["id"], "type": "department", **r["values"]} for r in families.records(fam, 120)
    ]
    (tmp_path / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    outs = []
    for jobs in ("1", "2"):
        out = f"out{jobs}.{fmt}"
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "perfscore.cli",
                "score",
                "rules.yaml",
                "data.json",
                "--lean",
                "--jobs",
                jobs,
                "-o",
                out,
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert r.returncode in (0, 1), r.stderr
        outs.append((tmp_path / out).read_bytes())
    assert outs[0] == outs[1]
    assert b'"lean": true' in outs[0] or b'"lean":true' in outs[0]
