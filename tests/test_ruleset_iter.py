"""RuleSet.iter_evaluate: evaluate one subject at a time, in memory that does not grow."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import perfscore
from perfscore.findings import Notification

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import gen  # noqa: E402
import memory_bench  # noqa: E402


@pytest.fixture(scope="module")
def bench() -> perfscore.RuleSet:
    return perfscore.load_ruleset_text(gen.ruleset_text(5), source="bench.yaml")


def _records(n: int) -> list:
    recs: list = gen.records(5, n, seed=11)
    recs[2]["values"]["a1"] = "n/a"  # a bad cell: an error finding, in place
    recs[4] = ["not", "a", "mapping"]
    return recs


def test_the_same_results_as_evaluate(bench: perfscore.RuleSet) -> None:
    recs = _records(40)
    assert tuple(bench.iter_evaluate(recs)) == bench.evaluate(recs).subjects
    assert tuple(bench.iter_evaluate(recs[0])) == bench.evaluate(recs[0]).subjects


def test_records_are_read_as_results_are_taken(bench: perfscore.RuleSet) -> None:
    read = []

    def source() -> Iterator[dict]:
        for r in _records(10):
            read.append(r)
            yield r

    results = bench.iter_evaluate(source())
    assert read == []
    first = next(results)
    assert len(read) == 1 and first.subject.id == "dept-0"
    assert len(list(results)) == 9


def test_a_file_s_notifications_are_collected(tmp_path: Path, bench: perfscore.RuleSet) -> None:
    csv = tmp_path / "d.csv"
    cols = ",".join(f"{p}{i}" for i in range(5) for p in "ab")
    row = ",".join(["90", "100"] * 5)
    csv.write_text(f"id,{cols}\nd1,{row}\nd2,{row}\n合计,{row}\n", encoding="utf-8")
    notes: list[Notification] = []
    ids = [
        r.subject.id for r in bench.iter_evaluate(perfscore.load_subjects(csv), notifications=notes)
    ]
    assert ids == ["d1", "d2"]
    assert notes and notes == list(bench.evaluate(perfscore.load_subjects(csv)).notifications)


def test_what_it_cannot_read_is_refused_at_the_call(bench: perfscore.RuleSet) -> None:
    with pytest.raises(TypeError, match="load_subjects"):
        bench.iter_evaluate("departments.csv")


def _flat(small: int, big: int) -> tuple[float, float]:
    return memory_bench.peak_rss(small)[2], memory_bench.peak_rss(big)[2]


def test_memory_does_not_grow_with_the_stream() -> None:
    """2,000 and 20,000 subjects (10× more): the same peak memory, give or take a few MB."""
    small, big = _flat(2_000, 20_000)
    assert big - small < 8, (small, big)


@pytest.mark.slow
def test_memory_stays_flat_at_a_million_subjects() -> None:
    small, big = _flat(100_000, 1_000_000)
    assert big - small < 8, (small, big)
