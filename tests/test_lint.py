"""Warnings for rule sets that load but leave a reviewer-visible rule to a default."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import perfscore
from perfscore.cli import main
from perfscore.lint import ruleset_warnings

ROOT = Path(__file__).resolve().parent.parent

NO_FLOOR = """\
perfscore: 1
id: t
title: t
version: "1"
inputs:
  a: {type: number}
indicators:
  - {id: x, title: X, weight: 50, value: a, scorer: {type: proportional, target: 1}}
  - {id: y, title: Y, weight: 50, value: b, scorer: {type: proportional, target: 1}}
grades:
  bands:
    - {id: ok, min: 50}
    - {id: bad, min: 0}
"""


def test_a_rule_set_without_min_coverage_gets_the_default_and_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(NO_FLOOR.replace("value: b", "value: a"), encoding="utf-8")
    rs = perfscore.load_ruleset(path)
    [warning] = ruleset_warnings(rs)
    assert (warning.line, warning.column) == (10, 1)
    assert "no min_coverage" in str(warning) and "min_coverage: 0.6" in str(warning)
    out = io.StringIO()
    assert main(["validate", str(path)], stdout=out, stderr=io.StringIO()) == 0
    assert f"{path}:10:1: grades: warning: no min_coverage" in out.getvalue()
    assert out.getvalue().count("warning: no min_coverage") == 1  # said once, made safe
    # the default applies: data for half the weight earns no grade
    half = perfscore.load_ruleset_text(
        NO_FLOOR.replace("  a: {type: number}", "  a: {type: number}\n  b: {type: number}")
    )
    result = half.evaluate({"id": "s", "values": {"a": 1}}).subjects[0]
    assert (result.total, result.coverage, result.grade) == (100, 0.5, None)
    assert "a grade needs 60%" in (result.grade_reason or "")


def test_every_bundled_rule_set_declares_its_floor() -> None:
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        if path.name.endswith(".tests.yaml"):
            continue
        assert ruleset_warnings(perfscore.load_ruleset(path)) == [], path.name


EFFECTIVE = """\
perfscore: 1
id: eff
title: t
version: "1"
effective: {from: 2021, to: 2023}
inputs:
  a: {type: number}
indicators:
  - {id: x, title: X, weight: 100, value: a, scorer: {type: proportional, target: 1}}
"""


def test_effective_years_warn_when_the_data_is_for_another_year() -> None:
    rs = perfscore.load_ruleset_text(EFFECTIVE)
    report = rs.evaluate(
        [
            {"id": "a", "year": 2024, "values": {"a": 1}},
            {"id": "b", "year": 2022, "values": {"a": 1}},
            {"id": "c", "values": {"a": 1}},  # no year: nothing to compare
        ]
    )
    [note] = [n for s in report.subjects for n in s.notifications]
    assert (note.level, note.code, note.subject) == ("warning", "outside-effective-years", "a")
    assert "2024" in note.message and "2021–2023" in note.message
    doc = report.to_dict()
    assert doc["run"]["ruleset"]["effective"] == {"from": 2021, "to": 2023}
    assert doc["findings"][0]["subject"]["period"] == 2024  # the year scored is in the finding
    assert report.complete  # a warning, not an error: the subject is still scored


def test_effective_from_after_to_is_refused() -> None:
    with pytest.raises(perfscore.RuleSetError, match="from 2024 is after to 2021"):
        perfscore.load_ruleset_text(
            EFFECTIVE.replace("from: 2021, to: 2023", "from: 2024, to: 2021")
        )
