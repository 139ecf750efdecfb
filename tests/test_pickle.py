"""A RuleSet pickles (for worker processes, Dask, Spark) and scores identically afterwards."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import perfscore
from perfscore.functions import Function

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "rules, data",
    [
        ("rules/cn-dept-overall.yaml", "examples/liwan-npc-office-2023.yaml"),
        ("examples/overlay-district.yaml", "examples/liwan-npc-office-2023.yaml"),
        ("rules/cn-project-10.yaml", "examples/project-elderly-meals-2023.yaml"),
    ],
)
def test_round_trip_scores_identically(rules: str, data: str) -> None:
    rs = perfscore.load_ruleset(ROOT / rules)
    clone = pickle.loads(pickle.dumps(rs))
    assert clone is not rs
    assert (clone.id, clone.version, clone.source, clone.sha256) == (
        rs.id,
        rs.version,
        rs.source,
        rs.sha256,
    )
    assert clone.provenance() == rs.provenance()
    assert clone.rules == rs.rules
    subjects = perfscore.load_subjects(ROOT / data)
    assert clone.evaluate(subjects).to_json() == rs.evaluate(subjects).to_json()


def test_round_trip_from_text_keeps_locations() -> None:
    text = (ROOT / "rules/cn-dept-overall.yaml").read_text(encoding="utf-8")
    rs = perfscore.load_ruleset_text(text, source="memory.yaml")
    clone = pickle.loads(pickle.dumps(rs, protocol=pickle.HIGHEST_PROTOCOL))
    assert clone.source == "memory.yaml"
    assert [r.location for r in clone.rules] == [r.location for r in rs.rules]


def test_pickled_twice_is_stable() -> None:
    rs = perfscore.load_ruleset(ROOT / "rules/cn-dept-overall.yaml")
    once = pickle.loads(pickle.dumps(rs))
    twice = pickle.loads(pickle.dumps(once))
    subjects = perfscore.load_subjects(ROOT / "examples/liwan-npc-office-2023.yaml")
    assert twice.evaluate(subjects).to_json() == rs.evaluate(subjects).to_json()


def _double(x: object) -> object:
    return x * 2  # type: ignore[operator]


def test_custom_function_registry_travels_by_reference() -> None:
    from perfscore.plugins import default_functions

    reg = default_functions()
    reg.add(Function("double", _double, 1, 1, "number", "twice x"))
    text = """
perfscore: 1
id: t
title: t
version: "1"
inputs: {x: {type: number}}
indicators:
  - {id: a, title: A, weight: 10, value: double(x), scorer: {type: threshold, op: ">=", target: 10}}
"""
    rs = perfscore.load_ruleset_text(text, functions=reg)
    clone = pickle.loads(pickle.dumps(rs))
    assert clone.evaluate({"x": 5}).total == rs.evaluate({"x": 5}).total == 10
