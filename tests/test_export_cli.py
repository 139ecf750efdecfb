"""The command line around the exporters: formats, outputs, exit codes, atomic writes, schemas."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from cli_runner import run
from perfscore.export import EXPORTERS

ROOT = Path(__file__).resolve().parent.parent
RULES = "rules/cn-dept-overall.yaml"
LIWAN = "examples/liwan-npc-office-2023.yaml"
BATCH = "tests/golden/batch3.yaml"
GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(("fmt", "golden"), [("jsonl", "jsonl"), ("csv", "csv"), ("md", "md")])
def test_stdout_formats_match_the_golden_files(fmt: str, golden: str) -> None:
    code, out, _ = run("score", RULES, BATCH, "--format", fmt)
    assert code == 0
    assert out.encode("utf-8") == (GOLDEN / f"batch3.{golden}").read_bytes()


def test_output_extension_picks_the_format(tmp_path: Path) -> None:
    names = ["r.json", "r.jsonl", "r.csv", "r.sarif", "r.junit.xml", "r.md", "r.html", "r.xlsx"]
    args = [x for n in names for x in ("-o", str(tmp_path / n))]
    code, out, err = run("score", RULES, BATCH, *args)
    assert code == 0 and out == "", err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    assert (tmp_path / "r.sarif").read_bytes() == (GOLDEN / "batch3.sarif").read_bytes()
    assert (tmp_path / "r.junit.xml").read_bytes() == (GOLDEN / "batch3.junit.xml").read_bytes()
    # streaming (jsonl alone) and rendering from the report give the same bytes
    code, _, _ = run("score", RULES, BATCH, "-o", str(tmp_path / "alone.jsonl"))
    assert (tmp_path / "alone.jsonl").read_bytes() == (tmp_path / "r.jsonl").read_bytes()


def test_output_dir_and_several_formats(tmp_path: Path) -> None:
    code, _, err = run("score", RULES, LIWAN, "--format", "csv", "--format", "sarif")
    assert code == 2 and "--output-dir" in err
    code, _, err = run(
        "score", RULES, LIWAN, "--format", "csv", "--format", "sarif", "--output-dir", str(tmp_path)
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "liwan-npc-office-2023.csv",
        "liwan-npc-office-2023.sarif",
    ]
    code, _, err = run("score", RULES, LIWAN, "-o", str(tmp_path / "x.pdf"))
    assert code == 2 and "cannot tell the format" in err
    code, _, err = run("score", RULES, LIWAN, "--format", "xlsx")
    assert code == 2 and "binary" in err


def test_explicit_format_wins_over_the_extension(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    code, _, _ = run("score", RULES, LIWAN, "--format", "md", "-o", str(target))
    assert code == 0 and target.read_text(encoding="utf-8").startswith("## ")


def test_bom_and_sarif_all(tmp_path: Path) -> None:
    code, out, _ = run("score", RULES, LIWAN, "--format", "csv", "--bom")
    assert code == 0 and out.startswith("\ufeffsubject_id,")
    code, out, _ = run("score", RULES, LIWAN, "--format", "sarif", "--sarif-all")
    kinds = {r["kind"] for r in json.loads(out)["runs"][0]["results"]}
    assert kinds == {"pass", "notApplicable"}


def test_xlsx_without_openpyxl_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "openpyxl" else real(name, *a)
    )
    code, _, err = run("score", RULES, LIWAN, "-o", str(tmp_path / "r.xlsx"))
    assert code == 2 and "perfscore[excel]" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", [f.name for f in EXPORTERS])
def test_exit_codes_hold_with_every_format(fmt: str, tmp_path: Path) -> None:
    ext = EXPORTERS[fmt].extensions[0]

    def score(data: str, *extra: str) -> int:
        return run("score", RULES, data, "--format", fmt, "-o", str(tmp_path / f"o{ext}"), *extra)[
            0
        ]

    assert score(BATCH) == 0
    assert score(BATCH, "--fail-on", "error") == 1  # 基本 + 项目 ≠ 执行数 fails, severity error
    assert score(LIWAN, "--fail-on", "note") == 0  # nothing fails for Liwan
    assert score(BATCH, "--strict") == 3  # district-water-2023 cannot be evaluated
    assert score(BATCH, "--strict", "--fail-on", "error") == 3
    assert score(str(tmp_path / "missing.yaml")) == 3
    assert run("score", "rules/nope.yaml", LIWAN, "--format", fmt)[0] == 2


# --- atomic writes ---------------------------------------------------------------------------


def test_a_failing_exporter_leaves_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from dataclasses import replace

    from perfscore.export import _registry

    def boom(report: object, options: object) -> bytes:
        raise RuntimeError("exporter failed halfway")

    fmt = EXPORTERS["sarif"]
    monkeypatch.setitem(EXPORTERS._objects, "sarif", replace(fmt, render=boom))
    assert _registry.EXPORTERS["sarif"].render is boom
    (tmp_path / "old.csv").write_text("previous run\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="halfway"):
        run("score", RULES, LIWAN, "-o", str(tmp_path / "r.sarif"), "-o", str(tmp_path / "old.csv"))
    # neither output is written — not even the CSV, which rendered fine — and no temp files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.csv"]
    assert (tmp_path / "old.csv").read_text(encoding="utf-8") == "previous run\n"


def test_a_stream_failing_midway_leaves_no_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from perfscore.ruleset import RuleSet

    real = RuleSet.evaluate_subject
    calls = []

    def flaky(self: RuleSet, record: object, **kw: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("engine crashed on the third subject")
        return real(self, record, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(RuleSet, "evaluate_subject", flaky)
    target = tmp_path / "r.jsonl"
    with pytest.raises(RuntimeError, match="third subject"):
        run("score", RULES, BATCH, "-o", str(target))
    assert list(tmp_path.iterdir()) == []


def test_atomic_writer_cleans_up(tmp_path: Path) -> None:
    from perfscore.export import atomic_writer

    target = tmp_path / "out.bin"
    with pytest.raises(KeyboardInterrupt), atomic_writer(target) as fh:
        fh.write(b"partial")
        assert len(os.listdir(tmp_path)) == 1  # the temp file, beside the target
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with atomic_writer(target) as fh:
        fh.write(b"whole")
    assert target.read_bytes() == b"whole" and len(os.listdir(tmp_path)) == 1


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_outputs_honour_the_umask(tmp_path: Path, umask: int) -> None:
    """Every ``-o`` file gets the mode ``open()`` would give it (0644 under the usual umask),
    not mkstemp's 0600; a file being replaced keeps the mode its owner gave it."""
    outputs = [tmp_path / f"r{ext}" for ext in (".html", ".xlsx", ".csv", ".json", ".md", ".sarif")]
    old = os.umask(umask)
    try:
        args = [x for p in outputs for x in ("-o", str(p))]
        assert run("score", RULES, LIWAN, *args)[0] == 0
        assert run("score", RULES, BATCH, "-o", str(tmp_path / "r.jsonl"))[0] == 0
    finally:
        os.umask(old)
    for p in [*outputs, tmp_path / "r.jsonl"]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask, p.name
    kept = tmp_path / "r.csv"
    kept.chmod(0o600)
    assert run("score", RULES, LIWAN, "-o", str(kept))[0] == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


# --- schemas ---------------------------------------------------------------------------------


def test_schema_findings_is_the_shipped_schema() -> None:
    code, out, _ = run("schema", "findings")
    shipped = ROOT / "src" / "perfscore" / "schemas" / "findings-1.json"
    assert code == 0 and out == shipped.read_text(encoding="utf-8")


def test_schema_rules_validates_the_bundled_rule_sets(tmp_path: Path) -> None:
    import jsonschema
    import yaml

    code, out, _ = run("schema", "rules")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    rule_sets = sorted((ROOT / "rules").glob("*.yaml"))
    assert rule_sets
    for path in rule_sets:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "perfscore" not in data or "extends" in data:
            continue  # rule-set tests (*.tests.yaml); an overlay is complete only after the merge
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (path.name, errors[:3])
    assert list(validator.iter_errors({"perfscore": 1, "id": "x"}))  # title, version missing
    code, _, _ = run("schema", "rules", "-o", str(tmp_path / "rules.schema.json"))
    assert code == 0 and json.loads((tmp_path / "rules.schema.json").read_text()) == schema
