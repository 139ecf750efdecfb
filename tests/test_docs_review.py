"""Every example in docs/review.md is loaded: the declared record, the console run, the
overlay, the Python walk-through — on the batch tests/review_batch.py generates."""

from __future__ import annotations

import io
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

import perfscore
from perfscore.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "review.md").read_text(encoding="utf-8")
BATCH = ROOT / "examples" / "review-batch-2023.yaml"


def block(info: str) -> str:
    m = re.search(rf"^```{re.escape(info)}\n(.*?)^```", DOC, re.S | re.M)
    assert m, info
    return m.group(1)


def test_declared_record_is_the_example_batchs_and_is_found() -> None:
    record = yaml.safe_load(block("yaml declared"))
    batch = {r["id"]: r for r in perfscore.load_subjects(BATCH).records}
    full = batch[record["id"]]
    for key, value in record["values"].items():
        assert str(full["values"][key]) == str(value), key
    for key, value in record["declared"]["points"].items():
        assert str(full["declared"]["points"][key]) == str(value), key
    assert str(full["declared"]["total"]) == str(record["declared"]["total"])
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-project-10.yaml")
    rv = perfscore.review(rs, [record])
    row = next(it for it in rv.items["prj-02"] if it.rule_id == "claim_output_ge_2")
    assert (row.level, row.cause, row.recomputed, row.deviation) == (
        "P1",
        "contradicted",
        Decimal("7.20"),
        Decimal("0.1"),
    )


def test_console_excerpt_is_what_the_command_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = block("console review").splitlines()
    assert lines[0].startswith("$ perfscore ")
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    assert cli_main(lines[0][len("$ perfscore ") :].split(), stdout=out, stderr=io.StringIO()) == 0
    printed = out.getvalue().splitlines()
    at = 0
    for line in lines[1:]:
        assert line in printed[at:], line
        at = printed.index(line, at) + 1


def test_overlay_example_changes_what_it_says(tmp_path: Path) -> None:
    shutil.copy(ROOT / "rules" / "cn-review.yaml", tmp_path / "cn-review.yaml")
    (tmp_path / "city-review.yaml").write_text(block("yaml review-overlay"), encoding="utf-8")
    city = perfscore.load_ruleset(tmp_path / "city-review.yaml")
    assert str(city.inputs["review_p0"].default) == "0.3"
    assert next(r for r in city.rules if r.id == "red_inflation").default_severity == "error"
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-project-10.yaml")
    base = perfscore.review(rs, perfscore.load_subjects(BATCH))
    mine = perfscore.review(rs, perfscore.load_subjects(BATCH), rules=city)

    def level(rv: perfscore.Review, sid: str, rule_id: str) -> str:
        return next(it.level for it in rv.items[sid] if it.rule_id == rule_id)

    assert level(base, "prj-04", "red_inflation") == "P1"
    assert level(mine, "prj-04", "red_inflation") == "P0"
    # 30% on output_q_1 is P0 at 20% and at 30% (the lower bound is included)
    assert level(mine, "prj-04", "claim_output_q_1") == "P0"
    assert level(mine, "prj-04", "claim_benefits") == "P1"  # 16.93%
    # 租金 is a cost word in the city's overlay only
    record = perfscore.load_subjects(BATCH).records[0]
    record = {
        **record,
        "declared": {"targets": {"output_le_1": "≥3万元"}, "names": {"output_le_1": "场地租金"}},
    }
    assert level(perfscore.review(rs, [record]), "prj-01", "cost_target_direction") == "pass"
    assert (
        level(perfscore.review(rs, [record], rules=city), "prj-01", "cost_target_direction") == "P1"
    )


def test_declared_texts_of_the_example_are_the_batchs() -> None:
    record = yaml.safe_load(block("yaml declared"))
    full = {r["id"]: r for r in perfscore.load_subjects(BATCH).records}[record["id"]]
    for key in ("targets", "actuals"):
        for rid, text in record["declared"][key].items():
            assert str(full["declared"][key][rid]) == str(text), (key, rid)


def test_python_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rules").symlink_to(ROOT / "rules")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    exec(compile(block("python review"), "docs/review.md", "exec"), {})
    first = out.getvalue().splitlines()[0]
    assert first == "6 自评总分等于各项自评得分之和"
    assert (tmp_path / "复核问题清单.xlsx").read_bytes()[:2] == b"PK"
