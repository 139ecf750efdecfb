"""Conformance cases as data files: rule + data → expected outcome, points, total and grade.

Each file in tests/conformance/ is a list of groups ``{description, rules, cases}``; see
scorers.yaml for the format.  Boundaries (exactly 95%, band edges, partial steps) live there.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import perfscore
from perfscore._yaml import load_yaml_file

HERE = Path(__file__).parent / "conformance"
HEADER = 'perfscore: 1\nid: conformance\ntitle: conformance case\nversion: "1"\n'


def _groups() -> list[Any]:
    params = []
    for path in sorted(HERE.glob("*.yaml")):
        for gi, group in enumerate(load_yaml_file(path).data):
            for ci, case in enumerate(group["cases"]):
                ident = f"{path.stem}[{gi}]{group['description'][:40]}#{ci}"
                params.append(pytest.param(group["rules"], case, id=ident))
    return params


def _ruleset(text: str) -> perfscore.RuleSet:
    return perfscore.load_ruleset_text(text if text.startswith("perfscore:") else HEADER + text)


def _num(x: Any) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


@pytest.mark.parametrize(("rules", "case"), _groups())
def test_case(rules: str, case: dict[str, Any]) -> None:
    rs = _ruleset(rules)
    result = rs.evaluate({"id": "case", "values": case["data"]}).subjects[0]
    for rule_id, expected in case.get("expect", {}).items():
        score = next((s for s in result.scores if s.rule_id == rule_id), None)
        finding = next((f for f in result.findings if f.rule_id == rule_id), None)
        got = finding if finding is not None else score
        assert got is not None, f"no result for {rule_id}"
        for key, want in expected.items():
            if key == "points":
                points = score.points if score is not None else finding.points  # type: ignore[union-attr]
                assert points is not None and points == _num(want), (
                    f"{rule_id}.points: {points} != {want}"
                )
            elif key == "fields":
                assert finding is not None and list(finding.fields) == want
            else:
                assert getattr(got, key) == want, (
                    f"{rule_id}.{key}: {getattr(got, key)!r} != {want!r}"
                )
    if "total" in case:
        want = case["total"]
        assert result.total == (None if want is None else _num(want)), (
            f"total {result.total} != {want}"
        )
    if "coverage" in case:
        assert result.coverage == _num(case["coverage"])
    if "grade" in case:
        assert result.grade == case["grade"]
    if "complete" in case:
        assert result.complete is case["complete"]
