"""Evaluate shares a leaf's and a weighted-sum group's results (IndicatorScore, NodeScore —
immutable) between subjects where they end the same way (evaluate/__init__.py): every subject
still gets exactly what a fresh evaluator gives it, whatever was scored before, in any order
and on many threads at once."""

from __future__ import annotations

import random
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import perfscore
from perfscore.findings import SubjectResult

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import families  # noqa: E402


def _key(r: SubjectResult) -> tuple[Any, ...]:
    return (
        r.subject.id,
        r.total,
        str(r.total),
        r.grade,
        r.coverage,
        tuple(
            (s.rule_id, s.points, str(s.points), s.outcome, s.coverage, s.grade) for s in r.scores
        ),
        tuple((f.rule_id, f.outcome, f.points, f.message, f.fingerprint) for f in r.findings),
    )


def _fresh(text: str, record: dict[str, Any]) -> SubjectResult:
    return perfscore.load_ruleset_text(text).evaluate_subject(record)


@pytest.mark.parametrize("name", ["deep", "dept30"])
def test_shared_results_equal_a_fresh_evaluator_in_any_order(name: str) -> None:
    fam = families.family(name)
    text = families.ruleset_text(fam)
    records = families.records(fam, 120, seed=5)
    rs = perfscore.load_ruleset_text(text)
    forward = {r["id"]: _key(rs.evaluate_subject(r)) for r in records}
    shuffled = list(records)
    random.Random(3).shuffle(shuffled)
    again = perfscore.load_ruleset_text(text)
    backward = {r["id"]: _key(again.evaluate_subject(r)) for r in shuffled}
    assert forward == backward
    for r in records[::20]:  # a rule set that has scored nothing before
        assert _key(_fresh(text, r)) == forward[r["id"]]
    # and the sharing happened: some group's score is the very same object for two subjects
    results = [rs.evaluate_subject(r) for r in records]
    groups = {n.id for n in rs.compiled.indicators}  # the top-level groups ...
    stack = list(rs.compiled.indicators)
    while stack:  # ... and every group below them
        n = stack.pop()
        if n.children:
            groups.add(n.id)
            stack.extend(n.children)
    held = [s for res in results for s in res.scores if s.rule_id in groups]
    assert len({id(s) for s in held}) < len(held)


def test_shared_results_on_threads_equal_the_sequential_ones() -> None:
    fam = families.family("deep")
    text = families.ruleset_text(fam)
    records = families.records(fam, 200, seed=9)
    expected = {
        r["id"]: _key(perfscore.load_ruleset_text(text).evaluate_subject(r)) for r in records
    }
    rs = perfscore.load_ruleset_text(text)
    got: dict[str, Any] = {}
    lock = threading.Lock()
    start = threading.Barrier(4)

    def work(part: list[dict[str, Any]]) -> None:
        start.wait()
        for r in part:
            k = _key(rs.evaluate_subject(r))
            with lock:
                got[r["id"]] = k

    threads = [threading.Thread(target=work, args=(records[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected
