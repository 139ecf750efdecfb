"""The public property-testing kit, perfscore.testing, and its tutorial docs/property-testing.md.

Every ```python block marked ``<!-- test -->`` in the tutorial is run by pytest (in a scratch
project with ``rules/``), the deliberately wrong rule set is shown to fail exactly the way the
pasted output says, and its counterexample is replayed.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import perfscore
import perfscore.testing as kit
from perfscore.subjects import read_subject

ROOT = Path(__file__).resolve().parents[1]
DOC_PATH = ROOT / "docs" / "property-testing.md"
DOC = DOC_PATH.read_text(encoding="utf-8")
MARKED = re.compile(r"<!-- (test|output)(?:: (\S+))? -->\n```(\w+)\n(.*?)^```", re.S | re.M)
WRONG = "direction: above"
FIXED = "direction: below"


def _marked() -> list[tuple[str, str | None, str, str]]:
    return [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in MARKED.finditer(DOC)]


def python_blocks() -> list[str]:
    return [text for kind, _, lang, text in _marked() if kind == "test" and lang == "python"]


def doc_file(name: str) -> str:
    [text] = [t for kind, n, _, t in _marked() if kind == "test" and n == name]
    return text


def doc_output(name: str) -> str:
    [text] = [t for kind, n, _, t in _marked() if kind == "output" and n == name]
    return text


DISTRICT = "rules/district-satisfaction.yaml"
CN = "rules/cn-dept-overall.yaml"
TINY = """\
from hypothesis import settings
settings.register_profile("tiny", max_examples=50, deadline=None, derandomize=True)
settings.load_profile("tiny")
"""


def _project(tmp_path: Path, district: str) -> Path:
    """A bureau's project: rules/ (the bundled standard and the doc's district file) and tests/
    holding every python block of the tutorial."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    shutil.copy(ROOT / CN, tmp_path / CN)
    (tmp_path / DISTRICT).write_text(district, encoding="utf-8")
    (tmp_path / "tests" / "conftest.py").write_text(TINY, encoding="utf-8")
    for i, block in enumerate(python_blocks()):
        (tmp_path / "tests" / f"test_doc_block_{i}.py").write_text(block, encoding="utf-8")
    return tmp_path


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # pytest prints untruncated summaries when CI is set; the doc shows a terminal's 80 columns
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")}
    env.update(HYPOTHESIS_PROFILE="tiny", PYTHONPATH=str(ROOT / "src"), COLUMNS="80")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=short", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# --- the tutorial -------------------------------------------------------------------------------


def test_tutorial_has_the_promised_examples() -> None:
    blocks = python_blocks()
    assert len(blocks) == 3
    first = blocks[0]
    assert CN in first and "property_tests" in first
    assert len(first.strip().splitlines()) <= 12, "the complete test file is about ten lines"
    assert WRONG in doc_file(DISTRICT)
    assert "HYPOTHESIS_PROFILE=long" in DOC and "pip install 'perfscore[testing]'" in DOC


def test_every_python_block_passes_with_the_rule_fixed(tmp_path: Path) -> None:
    district = doc_file(DISTRICT).replace(WRONG, FIXED)
    project = _project(tmp_path, district)
    # the complete test file, pointed at the (fixed) district rule set as the tutorial says
    (project / "tests" / "test_district.py").write_text(
        python_blocks()[0].replace(CN, DISTRICT), encoding="utf-8"
    )
    # the conftest loads "tiny": no 200 ms deadline to trip when the machine is busy
    (project / "tests" / "test_profile_is_loaded.py").write_text(
        "from hypothesis import settings\n\n\n"
        "def test_tiny_profile_is_active():\n"
        "    assert settings.default.deadline is None\n"
        "    assert settings.default.max_examples == 50\n",
        encoding="utf-8",
    )
    done = _pytest(project, "tests")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_profile_is_loaded" not in done.stdout, done.stdout
    assert re.search(r"\b(\d+) passed", done.stdout)


def test_the_wrong_rule_set_fails_as_the_doc_shows(tmp_path: Path) -> None:
    project = _project(tmp_path, doc_file(DISTRICT))
    (project / "tests" / "test_rule_set_properties.py").write_text(
        python_blocks()[0].replace(CN, DISTRICT), encoding="utf-8"
    )
    done = _pytest(project, "tests/test_rule_set_properties.py", "tests/test_doc_block_1.py")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "2 failed, 5 passed" in out, out
    failed = sorted(re.findall(r"^FAILED (\S+)", out, re.M))
    assert failed == [
        "tests/test_doc_block_1.py::test_zero_satisfaction_does_not_earn_full_marks",
        "tests/test_rule_set_properties.py::test_property[monotone]",
    ], out
    shown = doc_output(DISTRICT)
    for line in (
        "___________________________ test_property[monotone] ____________________________",
        "E   Failing test case: monotone(",
        "E       case=MonotoneCase(record={'id': 'dept-1',",
        "FAILED tests/test_rule_set_properties.py::test_property[monotone] - Assertion...",
    ):
        assert line in shown
        assert line in out, out
    prefix = (
        "E   AssertionError: satisfaction_score is increasing in satisfaction, but satisfaction="
    )
    assert prefix in shown and prefix in out, out


def test_the_pasted_counterexample_replays() -> None:
    """The record shown in the doc's failure really fails, with exactly the message shown."""
    shown = doc_output(DISTRICT)
    message = re.search(r"^E   AssertionError: (.*)$", shown, re.M)
    case = re.search(r"^E       case=(MonotoneCase\(.*?\)\)),\nE   \)$", shown, re.M | re.S)
    assert message and case
    text = re.sub(r"^E {7}", "", case.group(1), flags=re.M)
    replay = eval(text, {"MonotoneCase": kit.MonotoneCase, "Decimal": Decimal})
    rules = perfscore.load_ruleset_text(doc_file(DISTRICT))
    with pytest.raises(AssertionError) as e:
        kit.check_monotone(rules, replay.record, replay.indicator, replay.low, replay.high)
    assert str(e.value) == message.group(1)
    fixed = perfscore.load_ruleset_text(doc_file(DISTRICT).replace(WRONG, FIXED))
    kit.check_monotone(fixed, replay.record, replay.indicator, replay.low, replay.high)


# --- the kit ------------------------------------------------------------------------------------


def test_import_without_hypothesis_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "perfscore.testing")
    with pytest.raises(ImportError, match=re.escape("pip install perfscore[testing]")):
        importlib.import_module("perfscore.testing")


def test_pyproject_declares_the_testing_extra() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'testing = ["hypothesis>=6.100"]' in text


def _bundled() -> list[str]:
    return sorted(
        f"rules/{p.name}"
        for p in (ROOT / "rules").glob("*.yaml")
        if not p.name.endswith(".tests.yaml")
    )


@pytest.mark.parametrize("path", _bundled())
def test_valid_subjects_have_no_field_errors_and_bad_ones_match_the_oracle(path: str) -> None:
    rs = perfscore.load_ruleset(ROOT / path)
    specs = rs.compiled.inputs

    @settings(max_examples=25)
    @given(kit.subjects(rs), kit.bad_cases(rs))
    def prop(record: dict[str, Any], case: kit.BadCase) -> None:
        data = read_subject(record, specs, index=0, subject_type="department")
        assert data.field_errors == {}, (record, data.field_errors)
        bad = read_subject(case.record, specs, index=0, subject_type="department")
        assert set(bad.field_errors) == kit.values._invalid_fields(rs, case.record), (
            case,
            bad.field_errors,
        )

    prop()


def test_property_names_and_monotone_candidates() -> None:
    rs = perfscore.load_ruleset(ROOT / CN)
    assert list(kit.property_tests(rs, max_examples=10)) == [
        "points_within_weights",
        "totals_add_up",
        "monotone",
        "grade_matches_total",
        "deterministic",
        "bad_data_never_raises",
    ]
    assert kit.monotone_indicators(rs) == [
        kit.MonotoneIndicator("satisfaction_score", "satisfaction", "increasing")
    ]
    pefa = perfscore.load_ruleset(ROOT / "rules" / "pefa-2016-m1-m2.yaml")
    assert list(kit.property_tests(pefa, max_examples=10)) == [
        "points_within_weights",
        "deterministic",
        "bad_data_never_raises",
    ]


def test_assert_rule_set_properties_runs_them_all() -> None:
    rs = perfscore.load_ruleset(ROOT / CN)
    assert len(kit.assert_rule_set_properties(rs, max_examples=10)) == 6


def test_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "long")
    assert kit.properties._settings(None).max_examples == 2000
    assert kit.properties._settings(None, 0.5).max_examples == 1000
    assert kit.properties._settings(30).max_examples == 30
    monkeypatch.delenv("HYPOTHESIS_PROFILE")
    assert kit.properties._settings(None).max_examples == settings.default.max_examples


def test_check_monotone_refuses_an_indicator_without_direction() -> None:
    rs = perfscore.load_ruleset(ROOT / CN)
    with pytest.raises(ValueError, match="candidates: satisfaction_score"):
        kit.check_monotone(rs, {"values": {}}, "execution_rate_score", Decimal(0), Decimal(1))


# --- each check catches what it is about (a tampered evaluator) ---------------------------------


class Tampered:
    """A rule set whose reports are changed by ``tamper`` (everything else delegates)."""

    def __init__(self, rs: perfscore.RuleSet, tamper: Any) -> None:
        self._rs, self._tamper = rs, tamper

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rs, name)

    def evaluate(self, data: Any, **kw: Any) -> Any:
        report = self._rs.evaluate(data, **kw)
        return dataclasses.replace(report, subjects=tuple(self._tamper(s) for s in report.subjects))


RECORD = {
    "id": "d",
    "values": {"budget": 100, "executed": 99, "satisfaction": 95, "key_task_rate": 100},
}
FULL = {"id": "d", "values": {"satisfaction": 95, "complaints": 0}}


def _district() -> perfscore.RuleSet:
    return perfscore.load_ruleset_text(doc_file(DISTRICT).replace(WRONG, FIXED))


def _scores(result: Any, fn: Any) -> Any:
    return dataclasses.replace(result, scores=tuple(fn(s) for s in result.scores))


def test_checks_catch_tampered_results() -> None:
    rs = _district()
    for check in (
        kit.check_points_within_weights,
        kit.check_totals_add_up,
        kit.check_grade_matches_total,
        kit.check_deterministic,
    ):
        check(rs, FULL)  # the real thing passes
    assert rs.evaluate(FULL).grade == "excellent"

    over = Tampered(
        rs,
        lambda r: _scores(
            r,
            lambda s: (
                dataclasses.replace(s, points=(s.weight or 0) + 1)
                if s.rule_id == "satisfaction_score"
                else s
            ),
        ),
    )
    with pytest.raises(AssertionError, match="more than its weight"):
        kit.check_points_within_weights(over, FULL)  # type: ignore[arg-type]

    off = Tampered(rs, lambda r: dataclasses.replace(r, total=r.total - 1))
    with pytest.raises(AssertionError, match="but the top-level points add up to 15"):
        kit.check_totals_add_up(off, FULL)  # type: ignore[arg-type]

    regraded = Tampered(rs, lambda r: dataclasses.replace(r, grade="poor", grade_label="差"))
    with pytest.raises(AssertionError, match="graded poor, expected excellent"):
        kit.check_grade_matches_total(regraded, FULL)  # type: ignore[arg-type]


def test_deterministic_and_bad_data_checks_catch_misbehaviour() -> None:
    rs = perfscore.load_ruleset(ROOT / CN)
    counter = iter(range(100))

    class Flaky:
        compiled = rs.compiled
        inputs = rs.inputs

        def evaluate(self, data: Any, **kw: Any) -> Any:
            n = next(counter)
            return type("R", (), {"to_json": lambda self: str(n)})()

    with pytest.raises(AssertionError, match="different JSON"):
        kit.check_deterministic(Flaky(), RECORD)  # type: ignore[arg-type]

    class Crashing(Flaky):
        def __init__(self, exc: Exception) -> None:
            self.exc = exc

        def evaluate(self, data: Any, **kw: Any) -> Any:
            raise self.exc

    with pytest.raises(AssertionError, match="KeyError"):
        kit.check_bad_data_never_raises(Crashing(KeyError("x")), {"values": {"budget": "abc"}})  # type: ignore[arg-type]
    refused = Crashing(perfscore.DataError([perfscore.Problem("refused")]))
    assert kit.check_bad_data_never_raises(refused, {"values": {}}) is None  # type: ignore[arg-type]
    with pytest.raises(perfscore.DataError):
        kit.check_bad_data_never_raises(refused, {"values": {}}, allow_perfscore_errors=False)  # type: ignore[arg-type]
    report = kit.check_bad_data_never_raises(rs, {"values": {"budget": "abc", "budgte": 1}})
    assert report is not None and not report.subjects[0].complete
