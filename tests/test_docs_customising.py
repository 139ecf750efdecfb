"""Every example in docs/customising.md is loaded: the overlay, the waiver file, the test cases."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import perfscore
from perfscore.ruletest import run_tests
from perfscore.waivers import load_waivers

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "customising.md").read_text(encoding="utf-8")


def block(kind: str) -> str:
    m = re.search(rf"```yaml {kind}\n(.*?)```", DOC, re.S)
    assert m, kind
    return m.group(1)


def test_overlay_example_loads_and_changes_what_it_says(tmp_path: Path) -> None:
    shutil.copy(ROOT / "rules" / "cn-dept-overall.yaml", tmp_path / "cn-dept-overall.yaml")
    overlay = tmp_path / "district.yaml"
    overlay.write_text(block("overlay"), encoding="utf-8")
    rs = perfscore.load_ruleset(overlay)
    result = rs.evaluate(
        perfscore.load_subjects(ROOT / "examples" / "liwan-npc-office-2023.yaml")
    ).subjects[0]
    assert str(result.finding("execution_rate_score").threshold["value"]) == "0.98"
    assert "satisfaction_score" not in [r.id for r in rs.rules]


def test_waiver_example_applies() -> None:
    waivers = load_waivers(text=block("waivers"))
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    report = rs.evaluate(
        perfscore.load_subjects(ROOT / "examples" / "liwan-npc-office-2023.yaml"),
        waivers=waivers,
        as_of=dt.date(2024, 1, 1),
    )
    assert report.subjects[0].finding("adjustment_explained").waiver is not None


def test_rule_set_test_example_passes(tmp_path: Path) -> None:
    rules = tmp_path / "x.yaml"
    shutil.copy(ROOT / "rules" / "cn-dept-overall.yaml", rules)
    (tmp_path / "x.tests.yaml").write_text(block("tests"), encoding="utf-8")
    suite = run_tests(rules)
    assert suite.passed and len(suite.cases) == 2, suite.render()
